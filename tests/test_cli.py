"""The lockdown-sim command: outputs, the comparison table, and one-line errors with exit code 2."""

import importlib.metadata
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lockdown_sim import sim
from lockdown_sim.experiments.seeds import replicate_seeds
from lockdown_sim.sim.outcomes import OUTCOMES
from experiment_files import write_experiment
from lockdown_sim.console import main
from lockdown_sim.sim.metrics import METRIC_NAMES
from lockdown_sim.sim.scenario import builtin_names, load_scenario


def cli(*args):
    """Run the real command in a fresh process (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "lockdown_sim.console", *args], capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def test_run_writes_the_daily_table_and_a_summary(tmp_path):
    out = tmp_path / "run"
    code, stdout, stderr = cli("run", "--scenario", "toy", "--ordering", "group_buying", "--rng", "7",
                               "--set", "mechanisms.gateway=false", "--out", str(out))
    assert code == 0, stderr
    table = pd.read_parquet(out / "daily.parquet")
    # the run's identity in front, then the day and its calendar date, then the metrics
    assert list(table.columns) == ["scenario", "ordering", "seed", "households", "day", "date", *METRIC_NAMES[1:]]
    assert len(table) == 40 and set(table["ordering"]) == {"group_buying"} and set(table["seed"]) == {7}
    assert set(table["scenario"]) == {"toy"} and set(table["households"]) == {1500}
    assert table["date"].iloc[0] == pd.Timestamp("2022-03-28") and table["date"].iloc[-1] == pd.Timestamp("2022-05-06")
    pd.testing.assert_frame_equal(table, pd.read_csv(out / "daily.csv", parse_dates=["date"]), check_dtype=False)
    # counts in one declared unit: the simulated city's, said in the file and beside the CSV
    parquet = pq.read_schema(out / "daily.parquet")
    meta = json.loads(parquet.metadata[b"lockdown_sim"])
    assert meta["counts"].startswith("scaled run") and meta["scale"] == pytest.approx(1500 / 10_000_000)
    assert parquet.field("courier_stops").metadata[b"unit"] == b"stops a day"
    info = json.loads((out / "run.json").read_text())
    assert info["counts"] == meta["counts"] and info["columns"]["elderly_unserved_share"] == OUTCOMES[
        "elderly_unserved_share"].unit and set(info["columns"]) == set(table.columns)
    assert info["rng"] == 7 and info["params"]["ordering"] == "group_buying"
    assert info["mechanisms"]["gateway"] is False
    assert "\n  delivery_ratio " in stdout and "\n  elderly_unserved_share " in stdout  # the outcomes' one names
    assert "(share of households with an older member)" in stdout  # with their units
    assert json.loads((out / "run.json").read_text())["outcomes"]["delivery_ratio"] > 0


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
    assert lines[0].startswith("toy: 1,500 households, 40 days") and "4 paired seeds" in lines[0]  # header first
    header = lines[3]
    assert "platform" in header and "group buying" in header and "hybrid" in header
    assert "elderly_unserved_share" in stdout and "portions_per_stop" in stdout
    assert "[" in lines[5]  # means come with their interval
    diff_head = next(line for line in lines if "group buying - platform" in line)
    assert "hybrid - platform" in diff_head and "hybrid - group buying" in diff_head
    runs = pd.read_csv(tmp_path / "compare.csv")
    assert len(runs) == 12 and set(runs["seed"]) == set(replicate_seeds(4))  # the one seed scheme
    assert (tmp_path / "manifest.json").is_file() and len(list((tmp_path / "runs").glob("*.parquet"))) == 12
    # stderr is not a terminal (a log file, a pipe): the size warning, then progress as plain labelled lines
    warning, *progress = stderr.strip().splitlines()
    assert warning.startswith("lockdown-sim: warning: 1,500 households is below 20,000")
    assert progress[0] == "compare: 0/12 runs (0 %)" and progress[-1].startswith("compare: 12/12 runs (100 %)")
    assert all(line.startswith("compare: ") for line in progress)
    # the results folder a researcher opens: the table (CSV and Markdown, with units), the runs, the records
    table = pd.read_csv(tmp_path / "compare_table.csv")
    assert set(table["ordering"]) == {"platform", "group_buying", "hybrid"} and set(table["seeds"]) <= {0, 4}
    assert (table["unit"] == table["outcome"].map(lambda n: OUTCOMES[n].unit)).all()
    md = (tmp_path / "compare.md").read_text()
    assert "| `delivery_ratio` | portions reaching homes / portions needed |" in md and "Warning" in md
    assert lines[-1].startswith(f"the results are in {tmp_path}/")
    diffs = pd.read_csv(tmp_path / "compare_differences.csv")
    fill = diffs[(diffs["outcome"] == "delivery_ratio") & (diffs["a"] == "hybrid") & (diffs["b"] == "platform")].iloc[0]
    paired = runs.pivot(index="seed", columns="ordering", values="delivery_ratio")
    assert fill["difference"] == pytest.approx((paired["hybrid"] - paired["platform"]).mean())
    assert fill["low"] < fill["difference"] < fill["high"] and fill["seeds"] == 4


def test_a_small_city_says_it_is_not_converged_and_keeps_share_intervals_inside_0_1(tmp_path, capsys):
    """The issue's example: `compare --households 2000 --seeds 3` warns once, and no share's interval leaves [0, 1]
    (three seeds of a small city spread widely: a t interval would)."""
    assert main(["compare", "--households", "2000", "--seeds", "3", "--workers", "1", "--no-progress",
                 "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    [warning] = captured.err.strip().splitlines()
    assert warning.startswith("lockdown-sim: warning: 2,000 households is below 20,000, the smallest city whose "
                              "outcomes converge, so the outcomes are not converged at this size")
    assert "differed from the 1,000,000-household city's by up to 0.083" in warning
    table = pd.read_csv(tmp_path / "compare_table.csv")
    bounded = table[table["outcome"].map(lambda n: OUTCOMES[n].bounds == (0.0, 1.0))].dropna(subset=["low"])
    assert len(bounded) > 40 and (bounded["low"] >= 0).all() and (bounded["high"] <= 1).all()
    for row in table.dropna(subset=["low"]).itertuples():  # every interval stays inside its outcome's own bounds
        low, high = OUTCOMES[row.outcome].bounds or (None, None)  # (a gap in need met may be negative: [-1, 1])
        assert (low is None or row.low >= low) and (high is None or row.high <= high), row
    assert (bounded["low"] <= bounded["mean"]).all() and (bounded["mean"] <= bounded["high"]).all()
    printed = [float(x) for line in captured.out.splitlines()
               if line.split(" ")[0] in OUTCOMES and OUTCOMES[line.split(" ")[0]].bounds == (0.0, 1.0)
               and "p<" not in line and "p=" not in line and "n.d." not in line
               for x in line.replace("[", " ").replace("]", " ").replace(",", " ").split()[1:] if x != "-"]
    assert printed and min(printed) >= 0 and max(printed) <= 1
    assert "**Warning:** 2,000 households is below 20,000" in (tmp_path / "compare.md").read_text()


def test_a_converged_city_gets_no_size_warning():
    from lockdown_sim.analysis.convergence import CONVERGED_HOUSEHOLDS, size_warning

    assert size_warning(CONVERGED_HOUSEHOLDS) is None and size_warning(10**6) is None
    assert size_warning(CONVERGED_HOUSEHOLDS - 1).startswith("19,999 households is below 20,000")


def test_compare_never_ranks_what_its_interval_does_not_support():
    from lockdown_sim.analysis.compare import NO_DIFFERENCE, difference_rows

    rng = np.random.default_rng(0)
    seeds = np.arange(30)
    noise = rng.normal(0, 0.05, 30)
    rows = []
    for mode, shift in (("platform", 0.0), ("group_buying", 0.001), ("hybrid", 0.2)):
        rows += [{"ordering": mode, "seed": s, "delivery_ratio": 0.7 + shift + n + rng.normal(0, 0.002)} for s, n in zip(seeds, noise)]
    diffs = difference_rows(pd.DataFrame(rows)).set_index(["outcome", "a", "b"])
    assert diffs.loc[("delivery_ratio", "group_buying", "platform"), "verdict"] == NO_DIFFERENCE
    assert diffs.loc[("delivery_ratio", "hybrid", "platform"), "verdict"] == "hybrid higher"


def test_compare_is_the_same_with_one_or_two_workers(tmp_path):
    args = ["compare", "--scenario", "toy", "--days", "15", "--seeds", "2", "--no-progress"]
    assert main([*args, "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "two")]) == 0
    one, two = (pd.read_csv(tmp_path / d / "compare.csv") for d in ("one", "two"))
    pd.testing.assert_frame_equal(one, two)


def test_compare_runs_the_cities_of_the_compare_modes_batch(tmp_path):
    """One seed scheme: `compare --seeds n` and the compare_modes experiment run the same n cities."""
    from lockdown_sim.experiments.compare import compare_experiment
    from lockdown_sim.experiments.design import load_experiment

    batch = load_experiment("compare_modes").with_overrides(replicates=3)
    compare = compare_experiment({"scenario_file": "shanghai-2022", "households": 20000, "days": 95}, 3)
    assert [r.seed for r in compare.runs()] == [r.seed for r in batch.runs()]
    assert [(r.ordering, r.params) for r in compare.runs()] == [(r.ordering, r.params) for r in batch.runs()]


@pytest.mark.parametrize("args, fragment", [
    (["run", "--scenario", "atlantis", "--out", "x"], "scenario: 'atlantis' is neither a built-in scenario"),
    (["run", "--scenario", "toy", "--ordering", "drones", "--out", "x"], "ordering: 'drones' is not allowed"),
    (["run", "--scenario", "toy", "--set", "stock.initial_days=-2", "--out", "x"], "stock.initial_days: -2 is out of range"),
    (["run", "--scenario", "toy", "--set", "stock.nope=1", "--out", "x"], "stock.nope: unknown key"),
    (["run", "--scenario", "toy", "--set", "timeline.reopen_day=300", "--out", "x"], "beyond the horizon"),
    (["run", "--scenario", "missing.toml", "--out", "x"], "scenario: file 'missing.toml' not found"),
    (["run", "--scenario", ".", "--out", "x"], "scenario: '.' is a folder; allowed: a scenario .toml file in it, or"),
    (["batch", ".", "--out", "x"], "experiment: '.' is a folder; allowed: an experiment .toml file in it, or"),
    (["run", "--scenario", "toy", "--households", "many", "--out", "x"], "--households: invalid int value"),
    (["compare", "--scenario", "toy", "--seeds", "0"], "--seeds: 0 is not allowed"),
    (["run", "--scenario", "toy"], "the following arguments are required: --out"),
    (["compare", "--scenario", "toy", "--master-seed", "-1"], "argument --master-seed: '-1' is not allowed"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, fragment, tmp_path):
    code, stdout, stderr = cli(*[a if a != "x" else str(tmp_path / "x") for a in args])
    assert code == 2
    assert fragment in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert not (tmp_path / "x").exists()  # refused before any work


def main_exit(args) -> int:
    """main() in this process, with argparse's exits as exit codes (an escaping exception is a traceback)."""
    try:
        return main(args)
    except SystemExit as done:
        return done.code


@pytest.mark.parametrize("args, fragment", [
    (["run", "--scenario", "toy", "--rng", "-1", "--out", "x"], "argument --rng: '-1' is not allowed; allowed: a whole number of at least 0"),
    (["run", "--scenario", "toy", "--set", "gateway=false", "--out", "x"], "gateway: not a setting; allowed: section.key"),
    (["run", "--scenario", "toy", "--set", "gateway=false", "--out", "x"], "did you mean mechanisms.gateway?"),
    (["run", "--scenario", "toy", "--set", "mechanisms.gatway=false", "--out", "x"], "did you mean mechanisms.gateway?"),
    (["run", "--scenario", "toy", "--set", "stock.initial\nx=1", "--out", "x"], "unknown key 'initial\\nx'"),
    (["run", "--scenario", "toy", "--out", ""], "--out: '' is not allowed; allowed: a path"),
    (["compare", "--scenario", "toy", "--out", ""], "--out: '' is not allowed; allowed: a path"),
])
def test_more_bad_input_is_one_line_and_exit_code_2(args, fragment, tmp_path, capsys):
    assert main_exit([a if a != "x" else str(tmp_path / "x") for a in args]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()  # refused before any work


def test_an_empty_out_writes_nothing_in_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--scenario", "toy", "--days", "2", "--out", ""]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_scenario_file_that_is_not_utf8_is_one_line(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('base = "toy"\n# café au lait\n'.encode("latin-1"))
    code, stdout, stderr = cli("run", "--scenario", str(path), "--out", str(tmp_path / "x"))
    assert code == 2 and "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert f"scenario: {path}: not UTF-8 text (byte 0xe9 at position 18); allowed: a TOML file saved as UTF-8" in stderr
    assert not (tmp_path / "x").exists()


def test_a_scenario_file_with_a_byte_order_mark_reads_as_without(tmp_path, capsys):
    plain, marked = tmp_path / "plain.toml", tmp_path / "marked.toml"
    text = 'base = "toy"\n[stock]\ninitial_days = 3.0\n'
    plain.write_text(text)
    marked.write_bytes(b"\xef\xbb\xbf" + text.encode())  # as Windows Notepad saves UTF-8
    assert load_scenario(str(marked)).to_dict() == load_scenario(str(plain)).to_dict()
    assert main(["run", "--scenario", str(marked), "--days", "2", "--out", str(tmp_path / "out")]) == 0


def test_a_run_that_ends_before_reopening_shows_no_reopening_outcomes(tmp_path, capsys):
    assert main(["run", "--scenario", "toy", "--days", "20", "--out", str(tmp_path / "short")]) == 0
    out = capsys.readouterr().out
    assert "before reopening on day 30" in out and "\n  delivery_ratio " in out
    assert "at_reopening" not in out and "gateway_share" not in out and "kept" not in out
    summary = json.loads((tmp_path / "short" / "run.json").read_text())["outcomes"]
    assert summary["gateway_share"] is None and summary["ties_per_1000_at_reopening"] is None and summary["lockdown_ties_kept_share"] is None


def test_a_run_without_lockdown_is_not_labelled_lockdown(tmp_path, capsys):
    assert main(["run", "--scenario", "toy", "--no-lockdown", "--out", str(tmp_path / "open")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("no lockdown: outcomes over days 0-29, the days the lockdown would have lasted")
    outcome_lines = lines[2:-1]
    assert outcome_lines[0].startswith("  delivery_ratio ")
    assert not [line for line in outcome_lines if "lockdown" in line and "lockdown_ties" not in line]


def test_a_city_below_the_smallest_compound_is_one_compound_and_says_so(tmp_path):
    code, stdout, stderr = cli("run", "--scenario", "toy", "--households", "10", "--days", "2",
                               "--out", str(tmp_path / "tiny"))
    assert code == 0, stderr
    assert "10 households in 1 compound, 2 days" in stdout  # not "1 compounds"
    note, warning = stderr.strip().splitlines()
    assert note == ("lockdown-sim: note: 10 households is fewer than the smallest compound of toy "
                    "(16 households): the city is one compound of 10 households")
    assert warning.startswith("lockdown-sim: warning: 10 households is below 20,000")


def test_version_and_a_whole_help_text():
    code, stdout, _ = cli("--version")
    assert code == 0 and stdout.strip() == f"lockdown-sim {sim.__version__}"
    assert importlib.metadata.version("lockdown-supply-sim") == sim.__version__  # setup.cfg reads it from sim
    code, stdout, _ = cli("--help")
    description = " ".join(stdout.split("\n\n")[1].split())
    assert description.endswith("and serve the interactive page.")  # not cut off mid-sentence


def test_outputs_respect_the_umask(tmp_path):
    """Files are created as `open` would (0666 less the umask), not mkstemp's 0600, so colleagues can read them."""
    experiment = write_experiment(tmp_path, replicates=1, days=3)
    old = os.umask(0o027)
    try:
        assert main(["run", "--scenario", "toy", "--days", "3", "--out", str(tmp_path / "run")]) == 0
        assert main(["compare", "--scenario", "toy", "--days", "2", "--seeds", "1", "--workers", "1",
                     "--out", str(tmp_path / "cmp")]) == 0
        assert main(["batch", str(experiment), "--out", str(tmp_path / "batch"), "--workers", "1"]) == 0
        assert main(["results", str(tmp_path / "batch"), "--out", str(tmp_path / "all.csv")]) == 0
    finally:
        os.umask(old)
    files = [tmp_path / "run" / name for name in ("daily.parquet", "daily.csv", "run.json")]
    files += [tmp_path / "cmp" / name for name in ("compare.csv", "compare.txt")]
    files += [tmp_path / "batch" / "manifest.json", *(tmp_path / "batch" / "runs").iterdir(), tmp_path / "all.csv"]
    assert len(files) == 5 + 1 + 4 + 1
    assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {f.name: "0o640" for f in files}


def test_compare_checks_out_before_any_run(tmp_path, unwritable_dir, monkeypatch, capsys):
    def no_run(*args, **kw):
        raise AssertionError("a run started although --out cannot be written")

    monkeypatch.setattr("lockdown_sim.experiments.batch.execute", no_run)
    assert main(["compare", "--scenario", "toy", "--days", "2", "--out", str(unwritable_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lockdown-sim: error: --out: cannot write to '{unwritable_dir}': Permission denied")
    assert len(err.strip().splitlines()) == 1


def test_compare_again_reuses_its_runs_and_refuses_another_comparison(tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", "--scenario", "toy", "--days", "2", "--seeds", "1", "--workers", "1", "--out", str(out)]
    assert main(args) == 0
    before = (out / "compare.csv").read_bytes()
    capsys.readouterr()
    assert main(args) == 0  # the same comparison: every run reused, the same table
    assert "(3 already there, reused)" in capsys.readouterr().out
    assert (out / "compare.csv").read_bytes() == before
    assert main([*args, "--master-seed", "5"]) == 2  # another comparison: refused, nothing lost
    err = capsys.readouterr().err
    assert "holds a batch of a different version of experiment 'compare'" in err and len(err.strip().splitlines()) == 1
    assert (out / "compare.csv").read_bytes() == before
    assert main([*args[:-1], str(tmp_path / "other"), "--master-seed", "5"]) == 0
    assert set(pd.read_csv(tmp_path / "other" / "compare.csv")["seed"]) != set(pd.read_csv(out / "compare.csv")["seed"])


def test_listing_commands(capsys):
    assert main(["scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == builtin_names()
    assert len({line.index(load_scenario(line.split()[0]).meta.description) for line in lines}) == 1  # one column
    assert main(["params", "--scenario", "toy"]) == 0
    text = capsys.readouterr().out
    assert "elderly_share = 0.36  plausible [0.25, 0.45]" in text
    assert main(["metrics"]) == 0
    text = capsys.readouterr().out
    assert "elderly_left_unserved_share" in text
    for name, outcome in OUTCOMES.items():  # the end-of-run outcomes too, with their units
        assert f"{name}  [{outcome.unit}; taken {outcome.taken}]\n    {outcome.definition}" in text


HEAVY = ("mesa", "numba", "scipy", "matplotlib", "solara", "dask", "SALib", "ema_workbench")  # a second or more each


def test_the_command_line_module_imports_in_a_fraction_of_a_second():
    """Measured with Python's own import timer (python -X importtime), not by timing a command: importing the
    command line loads none of the model's libraries, so --help, listings and bad input answer at once."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import lockdown_sim.console"],
                          capture_output=True, text=True, timeout=60)
    rows = [line.split("|") for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    cumulative = {name.strip(): int(total) for _, total, name in rows[1:]}  # microseconds, with what it imports
    assert cumulative["lockdown_sim.console"] < 1_000_000
    assert not [name for name in cumulative if name.split(".")[0] in (*HEAVY, "numpy", "pandas", "pyarrow")]


@pytest.mark.parametrize("args", [
    ["--help"], ["scenarios"], ["params"], ["metrics"], ["experiments"],
    ["run", "--scenario", "toy", "--ordering", "drones", "--out", "x"],
    ["compare", "--scenario", "toy", "--set", "stock.nope=1"],
    ["calibration", "--seeds", "1"],
    ["batch", "no_such_design", "--out", "x"],
    ["results", "no_such_dir"],
    ["sensitivity", "--method", "fast"],
    ["viz", "--port", "0"],
])
def test_help_listings_and_bad_input_load_none_of_the_model_s_libraries(args, tmp_path):
    """What they load beyond the command line itself is numpy, pandas and pyarrow at most (tenths of a second)."""
    code = ("import sys\nfrom lockdown_sim.console import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
            "    pass\nprint(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[0].split(','))))")
    proc = subprocess.run([sys.executable, "-c", code.replace("sys.argv[0]", repr(",".join(HEAVY))), *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.stdout.strip().splitlines()[-1] == "[]", (proc.stdout[-500:], proc.stderr[-500:])


def test_a_full_disk_during_run_is_one_line_naming_the_folder_and_leaves_no_half_file(tmp_path, monkeypatch, capsys):
    import errno

    import pyarrow.parquet

    from lockdown_sim.experiments.storage import EXIT_CODE

    def full(table, where, **kw):
        open(where, "wb").write(b"PAR1 half")
        raise OSError(errno.ENOSPC, "No space left on device", where)

    monkeypatch.setattr(pyarrow.parquet, "write_table", full)
    out = tmp_path / "run"
    assert main(["run", "--scenario", "toy", "--days", "3", "--out", str(out)]) == EXIT_CODE
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"lockdown-sim: error: the folder '{out}' is full: no space left on the device; make room (or "
                       "choose another folder) and run the same command again (what is already written there is kept "
                       "and reused)")
    assert not [line for line in err if "Traceback" in line] and list(out.iterdir()) == []
