"""Provenance: run.json and a batch's manifest and run files say exactly what produced a result (every value the
run used, the scenario files' content hashes, the software and its commit) in strict JSON."""

import hashlib
import json
import platform
import shutil
import subprocess
from pathlib import Path

import mesa
import numpy as np
import pyarrow.parquet as pq
import pytest

from lockdown_sim import sim
import lockdown_sim.experiments.provenance as provenance
from experiment_files import write_experiment
from lockdown_sim.experiments.batch import run_batch
from lockdown_sim.experiments.design import load_experiment
from lockdown_sim.experiments.engines import LocalEngine
from lockdown_sim.console import main
from lockdown_sim.experiments.results_store import RUN_META_KEY


def strict_json(text: str):
    """Parse as strict JSON parsers do (JavaScript's JSON.parse, jq, Go): NaN and Infinity are not JSON."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_head() -> str | None:
    try:
        return subprocess.run(["git", "-C", str(provenance.PACKAGE_DIR), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def test_run_json_records_every_value_the_scenario_chain_and_the_software(tmp_path, capsys):
    mine = tmp_path / "mine.toml"
    mine.write_text('base = "toy"\n[population]\nelderly_share = 0.3\n')
    out = tmp_path / "run"
    assert main(["run", "--scenario", str(mine), "--days", "12", "--set", "stock.initial_days=3",
                 "--ordering", "platform", "--out", str(out)]) == 0
    info = strict_json((out / "run.json").read_text())  # the run ends before reopening: those outcomes are null

    resolved = info["resolved"]
    assert resolved["settings"]["stock"]["initial_days"] == 3.0  # the override
    assert resolved["settings"]["population"]["elderly_share"] == 0.3 == resolved["elderly_share"]  # this file
    assert resolved["settings"]["meta"]["horizon_days"] == 40  # toy's, inherited
    assert resolved["settings"]["population"]["household_size_mean"] > 0  # shanghai-2022's, inherited twice
    assert resolved["courier_availability"] == 1.0 and resolved["lockdown"] is True  # defaults, written out
    assert (resolved["households"], resolved["days"], resolved["ordering"]) == (1500, 12, "platform")

    files = info["scenario_files"]
    assert [Path(f["path"]).name for f in files] == ["mine.toml", "toy.toml", "shanghai-2022.toml"]
    assert all(f["sha256"] == sha256(f["path"]) for f in files)

    env = info["environment"]
    assert env["version"] == sim.__version__ and env["python"] == platform.python_version()
    assert env["numpy"] == np.__version__ and env["mesa"] == mesa.__version__
    assert env.get("git_commit") == git_head()  # the commit when run from a checkout, absent when not
    assert info["outcomes"]["lockdown_ties_kept_share"] is None


def test_no_git_checkout_no_git_commit_and_no_error(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance, "PACKAGE_DIR", tmp_path / "sim")  # a copied tree, outside any checkout
    provenance.git_state.cache_clear()
    try:
        assert provenance.git_state() == {}
        monkeypatch.setenv("PATH", str(tmp_path))  # and no git at all
        provenance.git_state.cache_clear()
        assert provenance.git_state() == {} and "git_commit" not in provenance.environment()
    finally:
        provenance.git_state.cache_clear()


def test_an_installed_copy_inside_another_repository_reports_no_commit(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.setattr(provenance, "PACKAGE_DIR", tmp_path / "venv" / "site-packages" / "sim")
    provenance.PACKAGE_DIR.mkdir(parents=True)
    provenance.git_state.cache_clear()
    try:
        assert provenance.git_state() == {}  # that repository's commit is not ours
    finally:
        provenance.git_state.cache_clear()


def test_a_batch_manifest_and_run_files_carry_provenance_in_strict_json(tmp_path):
    path, out = write_experiment(tmp_path, replicates=1, days=5), tmp_path / "out"
    with LocalEngine(1) as engine:
        run_batch(load_experiment(path), out, engine, progress=False)
    manifest = strict_json((out / "manifest.json").read_text())
    assert manifest["source_sha256"] == sha256(path) and manifest["overrides"] == {}
    assert [Path(f["path"]).name for f in manifest["scenario_files"]] == ["toy.toml", "shanghai-2022.toml"]
    assert manifest["scenario_values"]["meta"]["horizon_days"] == 40
    assert manifest["environment"]["mesa"] == mesa.__version__
    for run_file in (out / "runs").glob("*.parquet"):
        meta = strict_json(pq.read_schema(run_file).metadata[RUN_META_KEY])  # a 5-day run: reopening outcomes null
        assert meta["outcomes"]["lockdown_ties_kept_share"] is None
        assert meta["resolved"]["settings"]["stock"]["initial_days"] == 4.0  # the experiment's [fixed] value
        assert meta["environment"]["numpy"] == np.__version__
