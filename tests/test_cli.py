"""The lockdown-sim command: outputs, the comparison table, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.metrics import METRIC_NAMES


def cli(*args):
    """Run the real command in a fresh process (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_run_writes_the_daily_table_and_a_summary(tmp_path):
    out = tmp_path / "run"
    code, stdout, stderr = cli("run", "--scenario", "toy", "--ordering", "group_buying", "--rng", "7",
                               "--set", "mechanisms.gateway=false", "--out", str(out))
    assert code == 0, stderr
    table = pd.read_parquet(out / "daily.parquet")
    assert list(table.columns) == list(METRIC_NAMES) and len(table) == 40
    pd.testing.assert_frame_equal(table, pd.read_csv(out / "daily.csv"), check_dtype=False)
    info = json.loads((out / "run.json").read_text())
    assert info["rng"] == 7 and info["params"]["ordering"] == "group_buying"
    assert info["mechanisms"]["gateway"] is False
    assert "fill rate (lockdown)" in stdout and "elderly unserved" in stdout


def test_run_refuses_to_overwrite_a_finished_run(tmp_path):
    out = tmp_path / "run"
    assert main(["run", "--scenario", "toy", "--days", "3", "--out", str(out)]) == 0
    before = (out / "daily.parquet").read_bytes()
    assert main(["run", "--scenario", "toy", "--days", "5", "--out", str(out)]) == 2
    assert (out / "daily.parquet").read_bytes() == before  # nothing already computed is lost
    assert main(["run", "--scenario", "toy", "--days", "5", "--out", str(out), "--overwrite"]) == 0


def test_compare_prints_the_three_modes_side_by_side_and_their_paired_differences(tmp_path):
    code, stdout, stderr = cli("compare", "--scenario", "toy", "--seeds", "4", "--workers", "2", "--out", str(tmp_path))
    assert code == 0, stderr
    lines = stdout.splitlines()
    header = lines[2]
    assert "platform" in header and "group buying" in header and "hybrid" in header
    assert "elderly unserved" in stdout and "portions per stop" in stdout
    assert "[" in lines[4]  # means come with their interval
    diff_head = next(line for line in lines if "group buying - platform" in line)
    assert "hybrid - platform" in diff_head and "hybrid - group buying" in diff_head
    runs = pd.read_csv(tmp_path / "compare.csv")
    assert len(runs) == 12 and set(runs["seed"]) == {1, 2, 3, 4}
    diffs = pd.read_csv(tmp_path / "compare_differences.csv")
    fill = diffs[(diffs["outcome"] == "fill_rate") & (diffs["a"] == "hybrid") & (diffs["b"] == "platform")].iloc[0]
    paired = runs.pivot(index="seed", columns="ordering", values="fill_rate")
    assert fill["difference"] == pytest.approx((paired["hybrid"] - paired["platform"]).mean())
    assert fill["low"] < fill["difference"] < fill["high"] and fill["seeds"] == 4


def test_compare_never_ranks_what_its_interval_does_not_support():
    from analysis.compare import NO_DIFFERENCE, difference_rows

    rng = np.random.default_rng(0)
    seeds = np.arange(30)
    noise = rng.normal(0, 0.05, 30)
    rows = []
    for mode, shift in (("platform", 0.0), ("group_buying", 0.001), ("hybrid", 0.2)):
        rows += [{"ordering": mode, "seed": s, "fill_rate": 0.7 + shift + n + rng.normal(0, 0.002)} for s, n in zip(seeds, noise)]
    diffs = difference_rows(pd.DataFrame(rows)).set_index(["outcome", "a", "b"])
    assert diffs.loc[("fill_rate", "group_buying", "platform"), "verdict"] == NO_DIFFERENCE
    assert diffs.loc[("fill_rate", "hybrid", "platform"), "verdict"] == "hybrid higher"


def test_compare_is_the_same_with_one_or_two_workers():
    from experiments.compare import run_compare

    params = {"scenario": "toy", "days": 15}
    one = run_compare(params, [3, 4], workers=1, progress=False)
    two = run_compare(params, [3, 4], workers=2, progress=False)
    pd.testing.assert_frame_equal(one, two)


@pytest.mark.parametrize("args, fragment", [
    (["run", "--scenario", "atlantis", "--out", "x"], "scenario: 'atlantis' is neither a built-in scenario"),
    (["run", "--scenario", "toy", "--ordering", "drones", "--out", "x"], "ordering: 'drones' is not allowed"),
    (["run", "--scenario", "toy", "--set", "stock.initial_days=-2", "--out", "x"], "stock.initial_days: -2 is out of range"),
    (["run", "--scenario", "toy", "--set", "stock.nope=1", "--out", "x"], "stock.nope: unknown key"),
    (["run", "--scenario", "toy", "--set", "timeline.reopen_day=300", "--out", "x"], "beyond the horizon"),
    (["run", "--scenario", "missing.toml", "--out", "x"], "file 'missing.toml' not found"),
    (["run", "--scenario", "toy", "--households", "many", "--out", "x"], "--households: invalid int value"),
    (["compare", "--scenario", "toy", "--seeds", "0"], "--seeds: 0 is not allowed"),
    (["run", "--scenario", "toy"], "the following arguments are required: --out"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, fragment, tmp_path):
    code, stdout, stderr = cli(*[a if a != "x" else str(tmp_path / "x") for a in args])
    assert code == 2
    assert fragment in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert not (tmp_path / "x").exists()  # refused before any work


def test_listing_commands(capsys):
    assert main(["scenarios"]) == 0
    assert "shanghai-2022" in capsys.readouterr().out
    assert main(["params", "--scenario", "toy"]) == 0
    text = capsys.readouterr().out
    assert "elderly_share = 0.36  plausible [0.25, 0.45]" in text
    assert main(["metrics"]) == 0
    assert "elderly_left_unserved_share" in capsys.readouterr().out
