"""The project installs under its own name: one package, lockdown_sim, and nothing at the top of site-packages
that another distribution may own. A package that ships a top-level `agents` (openai-agents does) installs beside
it, and both import, outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _wheel(tmp_path: Path) -> Path:
    built = tmp_path / "wheel"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                           "-w", str(built), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    [wheel] = built.glob("lockdown_supply_sim-*.whl")
    return wheel


def test_the_wheel_holds_one_package_and_installs_beside_another_agents(tmp_path):
    wheel = _wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        top = {name.split("/")[0] for name in z.namelist()}
        names = set(z.namelist())
    assert {t for t in top if not t.endswith(".dist-info")} == {"lockdown_sim"}
    assert "lockdown_sim/scenarios/shanghai-2022.toml" in names and "lockdown_sim/agents/household.py" in names
    assert "lockdown_sim/experiments/compare_modes.toml" in names

    site = tmp_path / "site"  # a site-packages of its own: the wheel, then a stand-in for openai-agents
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(site),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (site / "agents").mkdir()
    (site / "agents" / "__init__.py").write_text("class Agent:\n    name = 'stand-in for openai-agents'\n")

    elsewhere = tmp_path / "elsewhere"  # outside the checkout
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    code = ("import lockdown_sim, agents; from agents import Agent; from lockdown_sim import LockdownSupplyModel;"
            "assert lockdown_sim.__file__.startswith(%r), lockdown_sim.__file__;"
            "assert Agent.name == 'stand-in for openai-agents';"
            "m = LockdownSupplyModel(scenario_file='toy', households=300, days=2, rng=1); print('both')"
            % str(site))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=elsewhere,
                          env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "both", proc.stderr[-3000:]
    proc = subprocess.run([sys.executable, "-m", "lockdown_sim.console", "run", "--scenario", "toy", "--households",
                           "300", "--days", "3", "--out", str(elsewhere / "run")], capture_output=True, text=True,
                          timeout=300, cwd=elsewhere, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (elsewhere / "run" / "daily.parquet").is_file()
