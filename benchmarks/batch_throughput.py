"""Benchmark: batch throughput (runs per second) on 1 and 2 local workers, and the parallel efficiency.

Runs one small experiment (written to a temporary directory) into a fresh results directory per engine setting,
so every run is computed and stored as in a real batch; the time includes starting the pool or cluster and
writing the files. The default run is the shipped experiments' (20,000 households, 95 days).
Efficiency = (runs/s on n workers) / (n x runs/s on 1 worker).

    python benchmarks/batch_throughput.py [--scenario shanghai-2022] [--households 20000] [--days 95]
                                          [--replicates 40] [--workers 1 2] [--dask]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from lockdown_sim.experiments.batch import run_batch
from lockdown_sim.experiments.design import load_experiment
from lockdown_sim.experiments.engines import DaskEngine, LocalEngine
from lockdown_sim.experiments.results_store import ResultsStore

EXPERIMENT = """
[experiment]
name = "throughput"
scenario = "{scenario}"
households = {households}
days = {days}
orderings = ["platform", "group_buying", "hybrid"]
replicates = {replicates}
master_seed = 1
metrics = "all"
"""


def measure(experiment, out: Path, make_engine) -> tuple[float, float]:
    """Wall seconds from starting the engine (pool or cluster) to the last run stored in an empty directory, and
    the mean seconds one run took inside its worker (if that grows with workers, the cores are contended)."""
    t0 = time.perf_counter()
    with make_engine() as engine:
        report = run_batch(experiment, out, engine, progress=False)
        seconds = time.perf_counter() - t0
    assert report.done == report.total and not report.failed, report.lines()
    store = ResultsStore(out)
    per_run = [store.run_meta(r)["seconds"] for r in store.finished_ids()]
    return seconds, sum(per_run) / len(per_run)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="shanghai-2022")
    ap.add_argument("--households", type=int, default=20000)
    ap.add_argument("--days", type=int, default=95)
    ap.add_argument("--replicates", type=int, default=40,
                    help="runs = 3 modes x replicates (default 120 runs, so starting the pool is a small part)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--dask", action="store_true", help="also measure a Dask LocalCluster with the most workers")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "throughput.toml"
        path.write_text(EXPERIMENT.format(scenario=args.scenario, households=args.households, days=args.days,
                                          replicates=args.replicates))
        experiment = load_experiment(path)
        n = experiment.count()
        print(f"{n} runs: scenario {args.scenario}, {args.households:,} households, {args.days} days, 3 modes; "
              f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
        print(f"{'engine':<34} {'seconds':>8} {'runs/s':>8} {'speed-up':>9} {'efficiency':>11} {'s/run in worker':>16}")
        base = None
        settings = [(f"local, {w} worker{'s' if w > 1 else ''}", w, lambda w=w: LocalEngine(w)) for w in args.workers]
        if args.dask:
            w = max(args.workers)
            settings.append((f"dask LocalCluster, {w} workers", w, lambda w=w: DaskEngine(workers=w)))
        for i, (label, workers, make) in enumerate(settings):
            seconds, per_run = measure(experiment, Path(tmp) / f"out{i}", make)
            rate = n / seconds
            if workers == 1 and base is None:
                base = rate
            speedup = rate / base if base else float("nan")
            print(f"{label:<34} {seconds:>8.1f} {rate:>8.3f} {speedup:>9.2f} {speedup / workers:>11.0%} {per_run:>16.2f}")
        print(f"load average {os.getloadavg()[0]:.2f} at the end (the machine may be shared)")


if __name__ == "__main__":
    main()
