"""`lockdown-sim viz`: serve the SolaraViz page (`sim/app.py`) on the loopback interface and print its address.

The port is checked before anything starts (a whole number from 1 to 65535 that nobody listens on), so bad input
gets one line and exit code 2. Solara runs in a child process in production mode, with its telemetry and its
version check off: the page must work on a machine without internet access, and it should not call home.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time

from lockdown_sim.page import PAGE_TITLE
from lockdown_sim.sim.errors import ScenarioError

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
APP = "lockdown_sim.page.app"
QUIET_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports from this user's machine
             "SOLARA_THEME_TITLE": PAGE_TITLE}  # the tab's title while the page loads (then solara.Title's)


def check_port(port: int, host: str = HOST) -> None:
    """Raise ScenarioError (one line) unless `port` is a valid port that this user can listen on now."""
    if not 1 <= port <= 65535:
        raise ScenarioError(f"--port: {port} is not allowed; allowed: a whole number from 1 to 65535")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # as the server will: connections of a server stopped a moment ago (TIME_WAIT) do not block the port,
        # a server listening on it does
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "in use" if exc.errno in (98, 48, 10048) else (exc.strerror or str(exc)).lower()
            raise ScenarioError(f"--port: {port} is not allowed ({reason} on {host}); allowed: a free port, "
                                f"e.g. --port {free_port(host)}") from None


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the system's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def check_viz_installed() -> None:
    """Raise ScenarioError (one line) unless Solara and what Mesa's visualization imports are installed."""
    if any(importlib.util.find_spec(name) is None for name in ("solara", "altair", "matplotlib")):
        raise ScenarioError("viz: the page needs the viz extra; install it with pip install 'lockdown-supply-sim[viz]'")


# Solara warns on every page load from 127.0.0.1 that its session cookie cannot be samesite=none without https:
# that matters only for a page embedded in another site's iframe, never for this loopback server.
QUIET_WARNINGS = ("ignore:Cookies with samesite=none require https:UserWarning",)


def server_command(port: int, host: str = HOST) -> list[str]:
    return [sys.executable, *(f"-W{w}" for w in QUIET_WARNINGS), "-m", "solara", "run", APP, "--host", host,
            "--port", str(port), "--production", "--no-open", "--no-check-version", "--log-level", "warning"]


def wait_until_listening(proc: subprocess.Popen, port: int, host: str = HOST, timeout: float = 120.0) -> bool:
    """True once something accepts connections on host:port; False if the server exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def serve(port: int = DEFAULT_PORT) -> int:
    """Run the page until Ctrl+C (or SIGTERM); prints the address once the server accepts connections. The
    server process is stopped with this one, never left behind."""
    check_port(port)
    check_viz_installed()
    env = dict(os.environ, **QUIET_ENV)
    signal.signal(signal.SIGTERM, _interrupt)
    proc = subprocess.Popen(server_command(port), env=env)
    try:
        if not wait_until_listening(proc, port):
            _stop(proc)
            code = proc.returncode
            print(f"lockdown-sim: error: the page server stopped before it served (exit code {code})", file=sys.stderr)
            return 1
        print(f"lockdown-sim: the page is at http://{HOST}:{port}/ (Ctrl+C to stop)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        _stop(proc)
        print("lockdown-sim: stopped", file=sys.stderr)
        return 0


def _stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Ask the server to stop, and make sure it has after `grace` seconds."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
