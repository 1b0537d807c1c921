"""`lockdown-sim viz`: bad ports get one line and exit code 2, before any server starts."""

import socket
import subprocess
import sys

import pytest


def viz(*args):
    proc = subprocess.run([sys.executable, "-m", "lockdown_sim.console", "viz", *args], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def one_line_error(code, stdout, stderr):
    assert code == 2
    assert stdout == ""
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("port, says", [("abc", "invalid int value: 'abc'"), ("1.5", "invalid int value"),
                                        ("0", "from 1 to 65535"), ("70000", "from 1 to 65535"),
                                        ("-8", "from 1 to 65535")])
def test_a_port_that_is_not_a_port_is_refused(port, says):
    code, out, err = viz("--port", port)
    one_line_error(code, out, err)
    assert says in err and "--port" in err


def test_a_port_in_use_is_refused_with_a_free_one_suggested():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = viz("--port", str(port))
    one_line_error(code, out, err)
    assert f"--port: {port} is not allowed (in use on 127.0.0.1)" in err
    suggested = int(err.rsplit("--port ", 1)[1])
    assert 1 <= suggested <= 65535 and suggested != port


def test_viz_is_listed_in_the_help():
    proc = subprocess.run([sys.executable, "-m", "lockdown_sim.console", "--help"], capture_output=True, text=True, timeout=60)
    assert "viz" in proc.stdout and "SolaraViz" in proc.stdout
