"""The documentation says what the code does: metric definitions and mechanism switches."""

import subprocess
import sys
from pathlib import Path

from lockdown_sim.sim.outcomes import metrics_page
from lockdown_sim.sim.schema import MECHANISMS

ROOT = Path(__file__).resolve().parent.parent


def test_metric_definitions_page_is_current():
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics_page()


def test_readme_names_every_mechanism_switch_and_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    for name in MECHANISMS:
        assert f"`{name}`" in readme, name
    assert "make run" in readme and "make test" in readme
    assert "docs/metrics.md" in readme


# --- sources and argument inside the repository (docs/sources.md, docs/argument.md) ----------------------------

import importlib
import inspect
import pkgutil
import re

from lockdown_sim import agents
from lockdown_sim import sim
from lockdown_sim.sim.outcomes import OUTCOMES
from lockdown_sim.sim.metrics import DEFINITIONS
from lockdown_sim.sim.schema import SCHEMA

SOURCES = ROOT / "docs" / "sources.md"
ARGUMENT = ROOT / "docs" / "argument.md"
# Where the code, scenarios and docs live; the tests themselves are left out (they spell the forbidden strings).
CHECKED = ["sim", "agents", "scenarios", "experiments", "analysis", "benchmarks", "docs",
           "README.md", "CHANGELOG.md", "CITATION.cff", "setup.cfg", "Makefile"]
TEXT = {".py", ".md", ".toml", ".cff", ".cfg", ".txt", ".ipynb", ".yml", ".yaml", ".ini", ""}
SKIP_DIRS = {".git", ".venv", "venv", "build", "__pycache__", "node_modules", "out", "results", ".pytest_cache"}


def _text_files(entries):
    for entry in entries:
        path = ROOT / entry
        paths = [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []
        for p in paths:
            rel = p.relative_to(ROOT).parts
            if (p.is_file() and p.suffix in TEXT and not any(part in SKIP_DIRS or part.endswith(".egg-info")
                                                             for part in rel)):
                yield p


def _repo_text_files():
    top = [p.name for p in ROOT.iterdir() if not p.name.startswith(".") and p.name not in SKIP_DIRS]
    return _text_files(sorted(top))


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path) -> set[str]:
    """Anchors of every heading in a Markdown file (a repeated heading gets -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    out = set()
    in_code = False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        m = re.match(r"(#{1,6}) (.+)", line)
        if m and not in_code:
            slug = _slug(m.group(2))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def test_no_source_reference_leaves_the_repository():
    """A clone alone must hold every source it cites: no notes beside the project (shared/, FACTS.md, MODEL_BRIEF.md)."""
    found = []
    for p in _text_files(CHECKED):
        for i, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
            if re.search(r"shared/|\bFACTS\.md\b|\bMODEL_BRIEF\b", line):
                found.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not found, "references outside the repository:\n" + "\n".join(found)


def test_every_cited_section_of_sources_and_argument_exists():
    """Citations of a section (docs/sources.md#<anchor>, docs/argument.md#<anchor>) anywhere in the repository, and
    relative Markdown links in its Markdown files, point at a file that exists and a heading it has."""
    targets = {"docs/sources.md": _anchors(SOURCES), "docs/argument.md": _anchors(ARGUMENT)}
    cited, broken = 0, []
    for p in _repo_text_files():
        text = p.read_text(errors="replace")
        for m in re.finditer(r"docs/(sources|argument)\.md#([\w-]+)", text):
            cited += 1
            if m.group(2) not in targets[f"docs/{m.group(1)}.md"]:
                broken.append(f"{p.relative_to(ROOT)}: {m.group(0)}")
        if p.suffix != ".md":
            continue
        for m in re.finditer(r"\]\(([^)\s]+)\)", text):  # Markdown links relative to the file
            link = m.group(1)
            if re.match(r"[a-z]+:", link):
                continue
            file_part, _, anchor = link.partition("#")
            target = (p.parent / file_part).resolve() if file_part else p
            if not target.exists():
                broken.append(f"{p.relative_to(ROOT)}: {link} (no such file)")
            elif anchor and target.suffix == ".md":
                cited += 1
                if anchor not in _anchors(target):
                    broken.append(f"{p.relative_to(ROOT)}: {link} (no such heading)")
    assert cited >= 10, f"only {cited} section citations found: the scan is not reading the repository"
    assert not broken, "citations that do not resolve:\n" + "\n".join(broken)


def test_sources_and_argument_keep_their_sections():
    """The headings others cite: one section per topic of the calibration figures, one per claim of the study."""
    assert {"how-this-file-is-used", "timeline", "residents-by-tier", "people-and-compounds",
            "couriers-and-platforms", "delivery-capacity-over-time", "group-buying", "minimum-orders-and-prices",
            "relief-and-older-residents", "where-sources-disagree"} <= _anchors(SOURCES)
    text = ARGUMENT.read_text()
    assert sorted(int(n) for n in re.findall(r"^## Claim (\d+): ", text, re.M)) == list(range(1, 8))
    assert {"the-study", "what-the-model-does-not-represent-yet"} <= _anchors(ARGUMENT)
    assert "Yang Hangeng and Wang Zhuoyu (2024)" in text and "Communication and Society" in text


def test_scenario_defines_facts_as_docs_sources():
    header = (ROOT / "scenarios" / "shanghai-2022.toml").read_text().split("[meta]")[0]
    assert '"FACTS" means docs/sources.md' in header
    for word in ('"derived"', '"assumption"'):
        assert word in header


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text.replace(",", "")))


def test_figures_quoted_after_facts_are_in_docs_sources():
    """Each number a scenario or experiment comment quotes after "FACTS:" (up to the next ';' or ')') is a figure of
    docs/sources.md: a comment cannot cite a figure the sources do not give."""
    known = _numbers(SOURCES.read_text())
    quoted, missing = 0, []
    for p in _text_files(["scenarios", "experiments"]):
        if p.suffix != ".toml":
            continue
        for i, line in enumerate(p.read_text().splitlines(), 1):
            comment = line.partition("#")[2]
            for m in re.finditer(r"FACTS[^:;)]*:([^;)]*)", comment):
                for n in _numbers(m.group(1)):
                    quoted += 1
                    if n not in known:
                        missing.append(f"{p.relative_to(ROOT)}:{i}: {n} in {m.group(1).strip()!r}")
    assert quoted >= 30, f"only {quoted} quoted figures found: the scan is not reading the comments"
    assert not missing, "figures not in docs/sources.md:\n" + "\n".join(missing)


def _classes() -> dict:
    """Every class defined in the sim and agents packages, by name."""
    out = {}
    for package in (sim, agents):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            out.update({name: obj for name, obj in vars(module).items()
                        if inspect.isclass(obj) and obj.__module__ == module.__name__})
    return out


def test_names_the_docs_cite_exist():
    """Settings (`section.key`), files, classes and methods named in sources.md and argument.md exist; in
    argument.md, what a claim is "Measured by" is a daily metric or an end-of-run outcome, and its switches are
    mechanism switches."""
    classes = _classes()
    bad = []
    for doc in (SOURCES, ARGUMENT):
        text = doc.read_text()
        for token in re.findall(r"`([^`\n]+)`", text):
            if re.fullmatch(r"[a-z_]+\.[a-z_]+", token) and token.split(".")[0] in SCHEMA:
                section, key = token.split(".")
                if key not in SCHEMA[section]:
                    bad.append(f"{doc.name}: no scenario setting {token}")
            elif re.fullmatch(r"(sim|agents|analysis|experiments|scenarios|docs|tests)/[\w/.-]+", token):
                if not (ROOT / token).exists():
                    bad.append(f"{doc.name}: no file {token}")
            elif re.fullmatch(r"[A-Z]\w*(\.\w+)?", token) and not (ROOT / token).is_file():
                name, _, attr = token.partition(".")
                if name not in classes or (attr and not hasattr(classes[name], attr)):
                    bad.append(f"{doc.name}: no class or method {token}")
    text = ARGUMENT.read_text()
    measured = re.findall(r"\*\*Measured by\.\*\*(.*?)(?:\n\n|\Z)", text, re.S)
    assert len(measured) == 7
    for part in measured:
        for token in re.findall(r"`([a-z_]+)`", part):
            if token not in DEFINITIONS and token not in OUTCOMES:
                bad.append(f"argument.md: {token} is neither a daily metric nor an outcome")
    switches = re.findall(r"Switch(?:es)?: ((?:`\w+`(?:, )?)+)", text)
    assert switches
    for group in switches:
        for token in re.findall(r"`(\w+)`", group):
            if token not in MECHANISMS:
                bad.append(f"argument.md: {token} is not a mechanism switch")
    assert not bad, "\n".join(bad)


def test_citation_version_is_the_package_version():
    cff = (ROOT / "CITATION.cff").read_text()
    version = re.search(r'^version:\s*"?([^"\s]+)"?\s*$', cff, re.M)
    assert version and version.group(1) == sim.__version__
    assert re.search(r"^cff-version: 1\.2\.0$", cff, re.M) and re.search(r"^type: software$", cff, re.M)
    assert "type: article" in cff and "WeChat groups as social infrastructure" in cff


def test_changelog_has_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert re.search(rf"^## \[{re.escape(sim.__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog, re.M)


def test_the_readme_python_snippet_pasted_into_a_script_ends(tmp_path):
    """mesa.batch_run's workers are spawned and import the script again: without a __main__ guard each would run
    the batch itself, fail, and the pool would start new ones for ever."""
    readme = (ROOT / "README.md").read_text()
    snippet = readme.split("From Python or a notebook:", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "mesa.batch_run" in snippet
    small = snippet.replace("households=20_000", "households=400").replace('"households": 2000', '"households": 200')
    script = tmp_path / "snippet.py"
    script.write_text(small.replace("max_steps=95", "max_steps=3")
                      + "\nif __name__ == '__main__':\n    print('rows', len(rows))\n")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "rows 18" in proc.stdout  # 3 modes x 2 seeds x 3 days


def test_the_licence_is_the_mit_licence_setup_cfg_names():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) 2026 the lockdown-supply-sim authors" in text
    assert "license = MIT" in (ROOT / "setup.cfg").read_text()


def test_names_the_readme_cites_exist_and_its_settings_have_the_values_it_states():
    """A newcomer reads the README against the program: every file, module and setting it names exists, and a
    setting quoted with a value (`stock.reorder_days` 7.0) has that value in shanghai-2022."""
    from lockdown_sim.sim.scenario import load_scenario

    text = (ROOT / "README.md").read_text()
    cfg = load_scenario("shanghai-2022")
    bad = []
    for token in sorted(set(re.findall(r"`([^`\n]+)`", text))):
        if re.fullmatch(r"[a-z_]+\.[a-z_]+", token) and token.split(".")[0] in SCHEMA:
            if token.split(".")[1] not in SCHEMA[token.split(".")[0]]:
                bad.append(f"no scenario setting {token}")
        elif re.fullmatch(r"(sim|agents|analysis|experiments|scenarios|docs|tests|lockdown_sim|benchmarks|notebooks|"
                          r"tools)/[\w/.-]*[\w/]", token):
            if not (ROOT / token).exists():
                bad.append(f"no file {token}")
        elif re.fullmatch(r"(lockdown_sim|sim|agents|analysis|experiments|console|page)(\.\w+)+", token):
            module, attr = (token if token.startswith("lockdown_sim") else f"lockdown_sim.{token}"), None
            while module:
                try:
                    found = importlib.import_module(module)
                    break
                except ImportError:
                    module, _, last = module.rpartition(".")
                    attr = last if attr is None else f"{last}.{attr}"
            target = found
            for part in (attr or "").split(".") if attr else []:
                target = getattr(target, part, None)
            if target is None:
                bad.append(f"no module or name {token}")
    for name, value in re.findall(r"`([a-z_]+\.[a-z_]+)`,?\s+(\d+(?:\.\d+)?)(?![\d.-]|\s*/)", text):
        if name.split(".")[0] in SCHEMA and float(cfg[name]) != float(value):
            bad.append(f"README says {name} {value}; shanghai-2022 has {cfg[name]}")
    assert not bad, "\n".join(bad)
