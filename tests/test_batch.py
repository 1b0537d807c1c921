"""Batches: the results store, resuming, refusing another experiment's directory, failures, SIGKILL, determinism."""

import errno
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

import lockdown_sim.experiments.batch as batch_module
from lockdown_sim.analysis.results import batch_status, load_outcomes, load_results
from experiment_files import tiny_runs, write_experiment
from lockdown_sim.experiments.batch import IDENTITY, run_batch
from lockdown_sim.experiments.design import load_experiment
from lockdown_sim.experiments.engines import LocalEngine
from lockdown_sim.console import main
from lockdown_sim.sim.metrics import METRIC_NAMES
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.results_store import ResultsStore
from lockdown_sim.experiments.progress import Progress
from lockdown_sim.experiments.run import daily_table
from lockdown_sim.experiments.storage import EXIT_CODE as STORAGE_EXIT_CODE
from lockdown_sim.experiments.storage import StorageError


def batch(path, out, workers=1, progress=False):
    with LocalEngine(workers) as engine:
        return run_batch(load_experiment(path), out, engine, progress=progress)


def run_files(out):
    return sorted(p.name for p in (out / "runs").iterdir())


# --- the store ----------------------------------------------------------------------------------
def test_each_run_is_one_parquet_file_with_its_parameters_seed_and_the_model_s_numbers(tmp_path):
    path, out = write_experiment(tmp_path), tmp_path / "out"
    report = batch(path, out)
    exp = load_experiment(path)
    runs = exp.runs()
    assert report.done == len(runs) == tiny_runs() and not report.failed
    assert run_files(out) == sorted(f"{r.run_id}.parquet" for r in runs)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["digest"] == exp.digest and [m["seed"] for m in manifest["runs"]] == [r.seed for r in runs]

    spec = runs[-1]  # hybrid, courier availability 1.0, replicate 1
    stored = pq.read_table(out / "runs" / f"{spec.run_id}.parquet").to_pandas()
    assert list(stored.columns) == [*IDENTITY, "scenario", "households", "stock.initial_days", "courier_availability",
                                    "day", "date", *spec.metrics[1:]]
    assert set(stored["scenario"]) == {"toy"} and set(stored["households"]) == {400}
    assert stored["date"].iloc[0] == pd.Timestamp("2022-03-28")  # day 0 of the scenario's timeline
    schema = pq.read_schema(out / "runs" / f"{spec.run_id}.parquet")
    assert schema.field("courier_stops").metadata[b"unit"] == b"stops a day"  # every column with its unit
    assert ResultsStore(out).run_meta(spec.run_id)["counts"].startswith("scaled run")
    assert set(stored["seed"]) == {spec.seed} and set(stored["courier_availability"]) == {1.0}
    assert set(stored["stock.initial_days"]) == {4.0} and set(stored["ordering"]) == {"hybrid"}
    model = LockdownSupplyModel(**spec.params, rng=spec.seed)
    while model.running:
        model.step()
    direct = daily_table(model)[list(spec.metrics)]
    pd.testing.assert_frame_equal(stored[list(spec.metrics)], direct, check_dtype=False)


def test_outcomes_are_each_run_s_end_of_run_figures(tmp_path):
    path, out = write_experiment(tmp_path), tmp_path / "out"
    batch(path, out)
    outcomes = load_outcomes(out)
    assert list(outcomes["run_id"]) == [r.run_id for r in load_experiment(path).runs()]
    assert outcomes["delivery_ratio"].between(0, 2).all()
    # platform-only runs have no leaders, hybrid runs do
    assert (outcomes.loc[outcomes["ordering"] == "platform", "leaders_peak_per_1000"] == 0).all()
    assert (outcomes.loc[outcomes["ordering"] == "hybrid", "leaders_peak_per_1000"] > 0).all()


def test_every_metric_of_every_mode_loads_into_one_table(tmp_path):
    """Run files share one schema, although the model gives some counts as integers in one mode only."""
    text = """
[experiment]
name = "all_metrics"
scenario = "toy"
households = 300
days = 5
orderings = ["platform", "group_buying", "hybrid"]
replicates = 1
master_seed = 3
metrics = "all"
"""
    out = tmp_path / "out"
    batch(write_experiment(tmp_path, text=text), out)
    daily = load_results(out)
    assert len(daily) == 3 * 5 and list(daily.columns[len(IDENTITY):]) == ["scenario", "households", "day", "date",
                                                                           *METRIC_NAMES[1:]]
    assert daily["portions_platform"].dtype == "float64" and daily["day"].dtype == "int64"
    schemas = {str(pq.read_schema(f).remove_metadata()) for f in (out / "runs").glob("*.parquet")}
    assert len(schemas) == 1  # one schema, so any Parquet reader can scan runs/ as one dataset
    gb = daily[daily["ordering"] == "group_buying"]
    assert (gb["portions_platform"] == 0).all() and (daily[daily["ordering"] == "platform"]["leaders"] == 0).all()


def test_a_half_written_file_is_never_read_as_finished(tmp_path):
    path, out = write_experiment(tmp_path), tmp_path / "out"
    store = ResultsStore(out)
    store.open(batch_module.manifest_for(load_experiment(path), load_experiment(path).runs()))
    victim = load_experiment(path).runs()[0].run_id
    (out / "runs" / f".{victim}.parquet.abc123.tmp").write_bytes(b"PAR1 half a file")  # what a kill leaves
    assert victim not in store.finished_ids()
    report = batch(path, out)
    assert report.done == tiny_runs() and report.before == 0
    assert not list((out / "runs").glob(".*"))  # the leftover is cleared
    assert len(load_results(out)) == tiny_runs() * 8


def test_a_full_disk_stops_the_batch_files_no_failure_and_resumes_to_the_same_results(tmp_path, monkeypatch):
    """ENOSPC half way through a batch (faked: the disk fills after three runs): the batch stops with a
    StorageError naming the folder; the runs written stay, nothing half-written is left, and nothing is filed as a
    failed run (the model did not fail); once there is room the same batch completes, equal to one never stopped."""
    path, out = write_experiment(tmp_path), tmp_path / "out"
    real, written = pq.write_table, []

    def fills_up(table, where, **kw):
        if len(written) == 3:
            where.write(b"PAR1 partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(1)
        return real(table, where, **kw)

    monkeypatch.setattr("lockdown_sim.experiments.results_store.pq.write_table", fills_up)
    with pytest.raises(StorageError) as stopped:
        batch(path, out)
    assert stopped.value.full and stopped.value.folder == out
    assert len(run_files(out)) == 3  # what finished is kept, and no temporary file is left
    assert not list((out / "failed").iterdir()) and not ResultsStore(out).failures()
    monkeypatch.setattr("lockdown_sim.experiments.results_store.pq.write_table", real)
    report = batch(path, out)
    assert (report.before, report.done, report.failed) == (3, tiny_runs() - 3, {})
    batch(path, tmp_path / "never_stopped")
    pd.testing.assert_frame_equal(load_results(out), load_results(tmp_path / "never_stopped"))


def test_a_full_disk_is_one_line_naming_the_folder_and_a_non_zero_exit(tmp_path, monkeypatch, capsys):
    def full(table, where, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("lockdown_sim.experiments.results_store.pq.write_table", full)
    out = tmp_path / "out"
    code = main(["batch", str(write_experiment(tmp_path)), "--out", str(out), "--workers", "1", "--no-progress"])
    err = capsys.readouterr().err.strip()
    [error] = [line for line in err.splitlines() if not line.startswith("lockdown-sim: warning: 400 households")]
    assert code == STORAGE_EXIT_CODE != 0 and "Traceback" not in err
    assert error.startswith(f"lockdown-sim: error: the folder '{out}' is full: no space left on the device")
    assert not list((out / "failed").iterdir())  # a full disk is not a failed run
    monkeypatch.undo()
    assert main(["batch", str(write_experiment(tmp_path)), "--out", str(out), "--workers", "1", "--no-progress"]) == 0


def test_a_full_disk_in_a_worker_process_stops_the_batch_and_files_no_failure(tmp_path):
    """A worker's storage error comes back through the engine as the task's exception (it cannot be faked inside a
    spawned process): the coordinator stops at it, and files no failure record, as for a failure in this process."""
    class FullWorkers:
        def describe(self):
            return "on fake workers"

        def map(self, fn, items, names=None):
            yield 0, fn(items[0])  # the first run is stored
            yield 1, OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "runs" / "x.parquet"))
            raise AssertionError("the batch went on after a full disk")

    path, out = write_experiment(tmp_path), tmp_path / "out"
    with batch_module.open_batches([(load_experiment(path), out)]) as opened:
        with pytest.raises(StorageError) as stopped:
            batch_module.run_opened(opened, FullWorkers(), progress=False)
    assert stopped.value.full and stopped.value.folder == out
    assert len(run_files(out)) == 1 and not list((out / "failed").iterdir())


# --- resuming -----------------------------------------------------------------------------------
def test_running_again_skips_finished_runs_and_completes_the_rest(tmp_path):
    path, out = write_experiment(tmp_path), tmp_path / "out"
    batch(path, out)
    full = load_results(out)
    kept = {p: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    removed = sorted(kept)[:3]
    for p in removed:
        p.unlink()
    report = batch(path, out)
    assert (report.before, report.done) == (tiny_runs() - 3, 3)
    for p, mtime in kept.items():
        if p not in removed:
            assert p.stat().st_mtime_ns == mtime  # finished runs were not run or written again
    pd.testing.assert_frame_equal(load_results(out), full)
    assert batch(path, out).done == 0


def test_another_experiment_is_refused_and_nothing_is_lost(tmp_path, capsys):
    path, out = write_experiment(tmp_path), tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    before = {p.name: p.read_bytes() for p in (out / "runs").iterdir()}
    manifest = (out / "manifest.json").read_bytes()
    capsys.readouterr()

    changed = write_experiment(tmp_path / "", name="tiny", master_seed=8)  # the same name, other seeds
    assert main(["batch", str(changed), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "holds a batch of a different version of experiment 'tiny' (changed: experiment.master_seed)" in err
    assert len(err.strip().splitlines()) == 1
    fewer = write_experiment(tmp_path / "", name="tiny", replicates=1)  # a shrunk experiment would hide runs
    assert main(["batch", str(fewer), "--out", str(out)]) == 2
    assert "(changed: experiment.replicates)" in capsys.readouterr().err

    other = write_experiment(tmp_path, name="other")
    assert main(["batch", str(other), "--out", str(out)]) == 2
    assert "holds the batch of another experiment ('tiny'); this is 'other'" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (out / "runs").iterdir()} == before
    assert (out / "manifest.json").read_bytes() == manifest


def test_a_directory_with_other_files_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["batch", str(write_experiment(tmp_path)), "--out", str(out)]) == 2
    assert "is not empty and holds no batch" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


# --- failures -----------------------------------------------------------------------------------
def test_a_run_that_raises_is_recorded_the_batch_goes_on_and_a_rerun_retries_it(tmp_path, monkeypatch, capsys):
    path, out = write_experiment(tmp_path), tmp_path / "out"
    real = batch_module.run_and_measure

    def fails_for_platform_replicate_1(params, seed, **kw):
        if params["ordering"] == "platform" and seed == load_experiment(path).runs()[0].seed:
            raise ValueError("riders on strike")
        return real(params, seed, **kw)

    monkeypatch.setattr(batch_module, "run_and_measure", fails_for_platform_replicate_1)
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 1
    text = capsys.readouterr().out
    failed = [r.run_id for r in load_experiment(path).runs() if r.ordering == "platform" and r.replicate == 0]
    assert len(failed) == 2
    assert f"{len(failed)} failed" in text and all(f"{run_id}  ValueError: riders on strike" in text for run_id in failed)
    record = json.loads((out / "failed" / f"{failed[0]}.json").read_text())
    assert record["params"]["ordering"] == "platform" and record["params"]["courier_availability"] == 0.5
    assert "riders on strike" in record["error"] and "Traceback" in record["traceback"]
    assert set(run_files(out)) == {f"{r.run_id}.parquet" for r in load_experiment(path).runs()} - {f"{f}.parquet" for f in failed}
    assert set(batch_status(out)["failed"]) == set(failed)
    assert main(["results", str(out)]) == 0
    summary = capsys.readouterr().out
    assert "2 failed" in summary and all(f"failed: {f}  ValueError: riders on strike" in summary for f in failed)

    monkeypatch.setattr(batch_module, "run_and_measure", real)
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert "2 finished now" in capsys.readouterr().out
    assert batch_status(out)["failed"] == {} and not list((out / "failed").iterdir())
    assert len(run_files(out)) == tiny_runs()


def test_the_local_engine_reports_a_raising_task_and_finishes_the_others():
    with LocalEngine(2) as engine:
        results = dict(engine.map(math.sqrt, [4.0, -1.0, 9.0]))
    assert results[0] == 2.0 and results[2] == 3.0 and isinstance(results[1], ValueError)


# --- determinism and progress -------------------------------------------------------------------
def test_the_same_numbers_on_one_or_two_local_workers_in_experiment_order(tmp_path):
    path = write_experiment(tmp_path)
    batch(path, tmp_path / "one", workers=1)
    batch(path, tmp_path / "two", workers=2)  # runs finish in any order
    one, two = load_results(tmp_path / "one"), load_results(tmp_path / "two")
    assert list(dict.fromkeys(two["run_id"])) == [r.run_id for r in load_experiment(path).runs()]
    assert len(one) == tiny_runs() * 8 and one.groupby("run_id").size().eq(8).all()
    pd.testing.assert_frame_equal(one, two)


def test_progress_without_a_terminal_is_plain_labelled_lines(tmp_path, capsys):
    batch(write_experiment(tmp_path), tmp_path / "out", progress=None)  # stderr is not a terminal here
    err = capsys.readouterr().err.splitlines()
    # e.g. "tiny: 4/8 runs (50 %), 1.2 s, 3.33 runs/s, about 1.2 s left; 4 left"
    states = [re.fullmatch(r"tiny: (\d+)/(\d+) runs \(\d+ %\)(, [\d.]+ s, [\d.]+ runs/s(, about .+ left)?)?(; (\d+) left)?",
                           line) for line in err]
    assert all(states) and len(states) >= 2, err
    assert states[0].group(1) == "0" and states[-1].group(1) == states[-1].group(2) == str(tiny_runs())
    assert all(int(m.group(1)) + int(m.group(6)) == tiny_runs() for m in states if m.group(6))


def test_progress_on_a_terminal_is_a_labelled_bar_that_stays(capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    with Progress(8, "tiny", stream=stream) as progress:
        for left in range(7, -1, -1):
            progress.note(f"{left} left")
            progress.update()
    last = stream.getvalue().split("\r")[-1]
    assert re.search(r"tiny: 100%.*8/8 \[.*run/s, 0 left\]", last), last  # labelled, and kept when done


# --- the results command --------------------------------------------------------------------------
def test_results_prints_a_summary_and_writes_one_file(tmp_path, capsys):
    path, out = write_experiment(tmp_path), tmp_path / "out"
    batch(path, out)
    assert main(["results", str(out), "--out", str(tmp_path / "all.parquet")]) == 0
    text = capsys.readouterr().out
    assert f"{tiny_runs()} of {tiny_runs()} runs finished, 0 failed" in text
    assert "courier_availability=0.5  platform" in text and "delivery_ratio" in text
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "all.parquet"), load_results(out))
    assert main(["results", str(out), "--out", str(tmp_path / "runs.csv"), "--outcomes"]) == 0
    assert len(pd.read_csv(tmp_path / "runs.csv")) == tiny_runs()
    capsys.readouterr()
    assert main(["results", str(out), "--out", str(tmp_path / "all.xlsx")]) == 2
    assert "--out: " in capsys.readouterr().err
    assert main(["results", str(tmp_path / "nowhere")]) == 2
    assert "holds no batch" in capsys.readouterr().err
    assert main(["results", str(tmp_path / "nowhere"), "--out", str(tmp_path / "new" / "all.csv")]) == 2
    assert "holds no batch" in capsys.readouterr().err and not (tmp_path / "new").exists()


def test_results_out_is_checked_before_reading_and_never_overwritten_silently(tmp_path, unwritable_dir, capsys,
                                                                              monkeypatch):
    path, out = write_experiment(tmp_path, replicates=1), tmp_path / "out"
    batch(path, out)
    capsys.readouterr()
    assert main(["results", str(out), "--out", str(unwritable_dir / "all.parquet")]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"lockdown-sim: error: --out: cannot write to '{unwritable_dir}': Permission denied; "
                            "allowed: a directory you can write to\n")
    assert captured.out == ""  # refused before the batch was read and summarised

    target = tmp_path / "all.csv"
    assert main(["results", str(out), "--out", str(target)]) == 0
    first = target.read_bytes()
    capsys.readouterr()
    assert main(["results", str(out), "--out", str(target), "--outcomes"]) == 2
    assert f"--out: '{target}' already exists; allowed: a new file name, or --overwrite" in capsys.readouterr().err
    assert target.read_bytes() == first
    assert main(["results", str(out), "--out", str(target), "--outcomes", "--overwrite"]) == 0
    assert len(pd.read_csv(target)) == tiny_runs(1)  # one row per run now


def test_a_batch_of_one_replicate_says_replicate(tmp_path, capsys):
    path, out = write_experiment(tmp_path, replicates=1), tmp_path / "out"
    batch(path, out)
    assert main(["results", str(out)]) == 0
    assert ", 1 replicate, master seed" in capsys.readouterr().out


# --- growing a batch --------------------------------------------------------------------------------
def test_more_replicates_reuse_the_finished_runs(tmp_path):
    out = tmp_path / "out"
    report = batch(write_experiment(tmp_path / "", replicates=2), out)
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    grown = write_experiment(tmp_path, replicates=3)
    report = batch(grown, out)
    assert (report.before, report.done) == (tiny_runs(2), tiny_runs(3) - tiny_runs(2))  # only the new replicate
    assert all((out / "runs" / name).stat().st_mtime_ns == mtime for name, mtime in kept.items())
    batch(grown, tmp_path / "fresh")
    pd.testing.assert_frame_equal(load_results(out), load_results(tmp_path / "fresh"))  # the same numbers and names
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["experiment"]["experiment"]["replicates"] == 3 and len(manifest["runs"]) == tiny_runs(3)
    assert manifest["earlier"][0]["runs"] == tiny_runs(2)


def test_more_points_reuse_the_finished_runs_whatever_their_place_in_the_grid(tmp_path):
    out = tmp_path / "out"
    path = write_experiment(tmp_path, replicates=2)
    batch(path, out)
    path.write_text(path.read_text().replace("courier_availability = [0.5, 1.0]", "courier_availability = [0.25, 0.5, 1.0]"))
    report = batch(path, out)
    assert (report.before, report.done) == (tiny_runs(2), 2 * 2)  # the new point: 2 modes x 2 replicates
    batch(path, tmp_path / "fresh")
    key = ["point_label", "ordering", "replicate", "day"]
    grown = load_results(out).drop(columns=["run_id", "point"]).sort_values(key).reset_index(drop=True)
    fresh = load_results(tmp_path / "fresh").drop(columns=["run_id", "point"]).sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(grown, fresh)  # every run has the numbers of a fresh batch
    points = load_outcomes(out).drop_duplicates("point").set_index("point")["point_label"].to_dict()
    assert points == {0: "courier_availability=0.5", 1: "courier_availability=1", 2: "courier_availability=0.25"}


def test_households_and_replicates_from_the_command_line_are_recorded(tmp_path, capsys):
    path, out = write_experiment(tmp_path, replicates=3), tmp_path / "out"
    args = ["batch", str(path), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main([*args, "--households", "300", "--replicates", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == {"households": 300, "replicates": 1}
    assert manifest["experiment"]["experiment"]["households"] == 300 and len(manifest["runs"]) == tiny_runs(1)
    assert set(load_outcomes(out)["households"]) == {300}
    capsys.readouterr()
    assert main([*args, "--households", "300"]) == 0  # the file's 3 replicates: grows the small batch
    assert f"{tiny_runs(3) - tiny_runs(1)} finished now, {tiny_runs(1)} were finished before" in capsys.readouterr().out
    assert main(args) == 2  # the file's households: another city, not a grown batch
    assert "(changed: experiment.households)" in capsys.readouterr().err
    assert main([*args, "--households", "5"]) == 2
    assert "--households: 5 is not allowed; allowed: a whole number from 10" in capsys.readouterr().err
    assert main([*args, "--replicates", "0"]) == 2
    assert "--replicates: 0 is not allowed; allowed: a whole number from 1" in capsys.readouterr().err


# --- one batch at a time --------------------------------------------------------------------------
def test_a_directory_another_batch_is_writing_is_refused_until_that_batch_is_gone(tmp_path, capsys):
    path = write_experiment(tmp_path, households=2000, days=40, replicates=3)  # 12 runs, a few seconds in all
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "lockdown_sim.console", "batch", str(path), "--out", str(out), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not (out / "manifest.json").exists():
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read()
        assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert f"--out: '{out}' is being written by another batch (pid {proc.pid} on " in err
        assert len(err.strip().splitlines()) == 1
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # dies holding the lock
        proc.wait(timeout=60)
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0  # a stale lock
    assert batch_status(out)["finished"] == tiny_runs(3)
    assert not (out / ".lock").exists()  # a batch that ends leaves no lock behind


# --- Ctrl-C (SIGINT) part-way, then run again -----------------------------------------------------
def test_ctrl_c_stops_a_batch_at_once_keeps_finished_runs_and_the_rerun_completes_it(tmp_path):
    path = write_experiment(tmp_path, households=800, days=30, replicates=4)  # 16 runs of ~0.07 s
    total, out = tiny_runs(4), tmp_path / "interrupted"
    proc = subprocess.Popen([sys.executable, "-m", "lockdown_sim.console", "batch", str(path), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    runs_dir, deadline = out / "runs", time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if runs_dir.is_dir() and len(list(runs_dir.glob("*.parquet"))) >= 2:
                break
            time.sleep(0.01)
        at_interrupt = len(list(runs_dir.glob("*.parquet")))
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends Ctrl-C: to the command and its workers
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    at_exit = len(list(runs_dir.glob("*.parquet")))
    assert proc.returncode == 130, stderr
    assert "interrupted; finished runs are kept" in stderr and "Traceback" not in stderr and "Warning" not in stderr
    assert at_interrupt <= at_exit <= at_interrupt + 2 * 2 < total  # the queue was dropped, not worked off
    assert not list((out / "failed").iterdir())  # an interrupted run is not a failed one
    assert main(["batch", str(path), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert sorted(p.name for p in runs_dir.iterdir()) == sorted(f"{r.run_id}.parquet" for r in load_experiment(path).runs())


# --- SIGKILL part-way, then run again -------------------------------------------------------------
def test_a_batch_killed_with_sigkill_and_run_again_has_one_result_per_run_and_the_same_numbers(tmp_path):
    path = write_experiment(tmp_path, households=800, days=30, replicates=6)  # 24 runs of ~0.07 s
    total = tiny_runs(6)
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "lockdown_sim.console", "batch", str(path), "--out", str(out), "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    runs_dir, deadline = out / "runs", time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if runs_dir.is_dir() and len(list(runs_dir.glob("*.parquet"))) >= 2:
                break
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
    at_kill = len([p for p in runs_dir.iterdir() if not p.name.startswith(".")])
    assert 2 <= at_kill < total  # killed part-way

    assert main(["batch", str(path), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    ids = [r.run_id for r in load_experiment(path).runs()]
    assert sorted(p.name for p in runs_dir.iterdir()) == sorted(f"{i}.parquet" for i in ids)  # one each, no leftovers
    batch(path, tmp_path / "uninterrupted")
    resumed = load_results(out)
    assert resumed.groupby("run_id").size().eq(30).all() and resumed["run_id"].nunique() == total
    pd.testing.assert_frame_equal(resumed, load_results(tmp_path / "uninterrupted"))
