"""The Dask engine: the same numbers as the local engine on a LocalCluster, and a worker killed mid-batch loses
and duplicates nothing."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

from lockdown_sim.analysis.results import batch_status, load_results
from experiment_files import tiny_runs, write_experiment
from lockdown_sim.experiments.batch import run_batch
from lockdown_sim.experiments.design import load_experiment
from lockdown_sim.experiments.engines import DaskEngine, LocalEngine
from lockdown_sim.console import main

distributed = pytest.importorskip("dask.distributed")  # in the `test` extra, so CI always has it


def test_dask_on_a_local_cluster_gives_the_same_numbers_as_the_local_engine(tmp_path, capsys):
    path = write_experiment(tmp_path)
    with LocalEngine(1) as engine:
        run_batch(load_experiment(path), tmp_path / "local", engine, progress=False)
    code = main(["batch", str(path), "--out", str(tmp_path / "dask"), "--engine", "dask", "--workers", "2",
                 "--no-progress"])
    assert code == 0
    assert "on a Dask LocalCluster of 2 worker processes" in capsys.readouterr().out
    local, dask = load_results(tmp_path / "local"), load_results(tmp_path / "dask")
    assert len(dask) == tiny_runs() * 8
    pd.testing.assert_frame_equal(local, dask)


def test_scheduler_and_workers_options_are_checked_before_any_work(tmp_path, capsys):
    path = write_experiment(tmp_path)
    assert main(["batch", str(path), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler: only with --engine dask" in capsys.readouterr().err
    assert main(["batch", str(path), "--out", str(tmp_path / "o"), "--engine", "dask", "--workers", "2",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--workers: not allowed with --scheduler" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _tasks_started_twice(dask_scheduler) -> list:
    """Keys the scheduler sent to a worker more than once (from its transition log)."""
    starts = {}
    for key, _start, finish, *_ in dask_scheduler.transition_log:
        if finish == "processing":
            starts[key] = starts.get(key, 0) + 1
    return [k for k, n in starts.items() if n > 1]


def test_a_worker_killed_mid_batch_loses_and_duplicates_no_run(tmp_path):
    path = write_experiment(tmp_path, households=3000, days=40, replicates=4)  # 16 runs of ~0.2 s: the kill lands mid-batch
    experiment = load_experiment(path)
    out = tmp_path / "dask"
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=logging.ERROR)
    try:
        with distributed.Client(cluster) as client, DaskEngine(scheduler=cluster.scheduler_address) as engine:
            pids = list(client.run(os.getpid).values())
            reports = []
            worker = threading.Thread(target=lambda: reports.append(run_batch(experiment, out, engine, progress=False)))
            worker.start()
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and len(list((out / "runs").glob("*.parquet")) if out.exists() else []) < 1:
                time.sleep(0.01)
            at_kill = len(list((out / "runs").glob("*.parquet")))
            os.kill(pids[0], signal.SIGKILL)  # a worker process dies with its tasks
            worker.join(timeout=240)
            assert not worker.is_alive()
            new_pids = list(client.run(os.getpid).values())
            rerun = client.run_on_scheduler(_tasks_started_twice)
    finally:
        cluster.close()
    assert at_kill < tiny_runs(4)  # the kill came part-way
    assert pids[0] not in new_pids  # the worker really died (its nanny started a new one)
    assert rerun  # and the scheduler ran its tasks again elsewhere
    report = reports[0]
    assert report.failed == {} and report.done == tiny_runs(4)
    ids = sorted(f"{r.run_id}.parquet" for r in experiment.runs())
    assert sorted(p.name for p in (out / "runs").iterdir()) == ids
    assert batch_status(out)["finished"] == tiny_runs(4)
    with LocalEngine(1) as local:
        run_batch(experiment, tmp_path / "local", local, progress=False)
    survived = load_results(out)
    assert survived.groupby("run_id").size().eq(40).all()
    pd.testing.assert_frame_equal(survived, load_results(tmp_path / "local"))


def test_ctrl_c_stops_a_dask_batch_without_a_traceback_from_each_worker(tmp_path):
    path = write_experiment(tmp_path, households=800, days=30, replicates=4)
    out = tmp_path / "dask"
    proc = subprocess.Popen([sys.executable, "-m", "lockdown_sim.console", "batch", str(path), "--out", str(out), "--engine", "dask",
                             "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not list(out.glob("runs/*.parquet")):
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: the command, the cluster, its workers
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "interrupted; finished runs are kept" in stderr and "Traceback" not in stderr
    assert len(list(out.glob("runs/*.parquet"))) < tiny_runs(4)
