"""The interactive page in a real browser: `lockdown-sim viz` serves it on a loopback port, headless Chromium
(Debian's package, driven by Playwright) opens it; the map, the curves and the controls render; Step advances the
day counter, the map and the curves; a screenshot is saved. Every request stays on this machine.

Skipped, with the reason, where Chromium or Playwright is missing; CI installs Chromium and sets
LSS_REQUIRE_BROWSER_TEST=1 so that there it fails instead. LSS_SCREENSHOT=path also copies the screenshot there
(how docs/screenshot.png is made). Timings are printed (pytest -rP shows them) and saved beside the screenshot.
"""

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HORIZON = 95  # days of the default scenario, shanghai-2022
STEPS_CHECKED = 3  # steps after each of which the day counter, the map and the curves must have changed
STEPS_FOR_SCREENSHOT = 15  # day 14: the three lockdown tiers are on the map
SERVER_LOGS = {}  # page address -> the file holding what its server printed on stderr


def _missing() -> str | None:
    if not os.path.exists(CHROMIUM):
        return f"Chromium is not installed ({CHROMIUM}): apt-get install -y chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: pip install -e '.[test]'"
    try:
        import solara  # noqa: F401
    except ImportError:
        return "the page needs the viz extra: pip install -e '.[viz]'"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """`lockdown-sim viz` on a free loopback port, until the module's tests are done (then stopped, with its
    server process: both are in a process group of their own)."""
    reason = _missing()
    if reason:
        if os.environ.get("LSS_REQUIRE_BROWSER_TEST") == "1":
            pytest.fail(f"browser test required here, but {reason}")
        pytest.skip(reason)
    log = tmp_path_factory.mktemp("viz") / "server.log"
    port = _free_port()
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "lockdown_sim.console", "viz", "--port", str(port)], stdout=subprocess.PIPE,
                                stderr=err, text=True, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if "the page is at " in line:
                url = line.split("the page is at ", 1)[1].split()[0]
        assert url == f"http://127.0.0.1:{port}/", f"no address printed; server log:\n{log.read_text()[-3000:]}"
        SERVER_LOGS[url] = log
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# In the page: the browser's clock when day n is on screen, i.e. its counter is shown and both figures have been
# replaced and decoded (polling from the test would add its own delay to the measurement).
WATCH_DAYS = """() => {
  window.lssShown = {};
  const srcs = () => [...document.querySelectorAll('.lss-city-map img, .lss-daily-plots img')].map(i => i.src);
  let last = srcs(), changed = new Set();
  const check = () => {
    const m = /^(\\d+) of/.exec(document.querySelector('.lss-day').innerText);
    const now = srcs();
    now.forEach((s, i) => { if (s !== last[i]) changed.add(i); });
    last = now;
    const imgs = [...document.querySelectorAll('.lss-city-map img, .lss-daily-plots img')];
    if (m && window.lssShown[m[1]] === undefined && changed.size === 2 && imgs.every(i => i.complete)) {
      window.lssShown[m[1]] = performance.now();
      changed = new Set();
    }
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true,
                                                       attributes: true, attributeFilter: ['src']});
  document.addEventListener('load', check, true);
}"""


def _image_ok(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 300 && img.naturalHeight > 300")


@pytest.mark.browser
def test_the_page_renders_and_steps_in_chromium(page_url, tmp_path):
    from playwright.sync_api import sync_playwright

    errors, requests = [], []
    timings = {"load_s": None, "step_s": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1050})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda req: requests.append(req.url))
            start = time.perf_counter()
            page.goto(page_url)
            page.wait_for_selector(".lss-city-map img", timeout=90_000)
            page.wait_for_selector(".lss-daily-plots img", timeout=30_000)
            timings["load_s"] = round(time.perf_counter() - start, 2)

            # the project's title in the browser's tab, not Solara's
            from lockdown_sim.page import PAGE_TITLE

            page.wait_for_function("title => document.title === title", arg=PAGE_TITLE, timeout=30_000)

            # the map, the curves and the controls are there
            assert _image_ok(page, ".lss-city-map img") and _image_ok(page, ".lss-daily-plots img")
            text = page.inner_text("body")
            for label in ("ordering", "households", "couriers (x riders)", "elderly share", "gateway (mini-programs)",
                          "outreach: remote proxies", "outreach: canvassing", "seed (empty: random)", "Step", "Reset"):
                assert label.lower() in text.lower(), f"control {label!r} missing"
            day = page.locator(".lss-day")
            assert day.inner_text() == f"0 of {HORIZON} days run"
            assert page.inner_text(".lss-day-title") == "Before day 0"

            # Step: the day counter, the map and the curves advance
            step = page.get_by_role("button", name="Step")
            shown = {sel: page.locator(f"{sel} img").screenshot() for sel in (".lss-city-map", ".lss-daily-plots")}
            page.evaluate(WATCH_DAYS)
            for n in range(1, STEPS_FOR_SCREENSHOT + 1):
                clicked = page.evaluate("performance.now()")
                step.click()
                page.locator(".lss-day", has_text=f"{n} of {HORIZON} days run").wait_for(timeout=30_000)
                page.wait_for_function(f"window.lssShown[{n}] !== undefined")
                timings["step_s"].append(round((page.evaluate(f"window.lssShown[{n}]") - clicked) / 1000, 3))
                if n <= STEPS_CHECKED:
                    assert page.inner_text(".lss-day-title") == f"Day {n - 1}"
                    for sel, before in shown.items():
                        page.wait_for_function(  # the new image has arrived and is decoded
                            f"() => {{ const i = document.querySelector('{sel} img'); return i.complete && i.naturalWidth > 300; }}")
                        now = page.locator(f"{sel} img").screenshot()
                        assert now != before, f"{sel} did not change on step {n}"
                        shown[sel] = now
            assert _image_ok(page, ".lss-city-map img") and _image_ok(page, ".lss-daily-plots img")
            page.wait_for_timeout(500)
            shot = tmp_path / "page.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 50_000
        finally:
            browser.close()

    assert not errors, f"errors in the page: {errors}"
    printed = SERVER_LOGS[page_url].read_text()
    assert "Warning" not in printed and "warning" not in printed, f"the server warned:\n{printed[-3000:]}"
    here = urlparse(page_url).netloc
    outside = [u for u in requests if urlparse(u).scheme not in ("data", "blob") and urlparse(u).netloc != here]
    assert not outside, f"the page asked for something outside this machine: {outside[:5]}"
    (tmp_path / "timings.json").write_text(json.dumps(timings))
    steps = timings["step_s"]
    print(f"\nbrowser: page loaded in {timings['load_s']} s; Step -> new day shown in median "
          f"{sorted(steps)[len(steps) // 2]} s, max {max(steps)} s over {len(steps)} steps; screenshot {shot}")
    if os.environ.get("LSS_SCREENSHOT"):
        shutil.copyfile(shot, Path(os.environ["LSS_SCREENSHOT"]))
