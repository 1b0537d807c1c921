"""Benchmark: what `lockdown-sim sensitivity` and `discover` cost, in runs and time, on this machine.

Times the three --quick commands end to end (design, runs, analysis, figures) in one process and on a local pool,
then the full designs' run counts (the scenario's [plausible] factors as they are now) and their CPU
and wall time extrapolated from a few runs of the calibrated city on the same pool (pool start-up included). The
extrapolation leaves out the analysis, which takes seconds. On a shared machine the wall times move with its load;
the CPU seconds much less.

    python benchmarks/sensitivity_cost.py [--workers 2] [--throughput-runs 12]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lockdown_sim.experiments.discovery import FULL as DISCOVER
from lockdown_sim.experiments.engines import LocalEngine
from lockdown_sim.experiments.sampling import plausible_space, sampled_experiment
from lockdown_sim.experiments.batch import run_batch
from lockdown_sim.experiments.sensitivity import FULL as SENSITIVITY
from lockdown_sim.experiments.sensitivity import Options

QUICK_COMMANDS = {
    "sensitivity --method morris --quick": ["sensitivity", "--method", "morris", "--quick"],
    "sensitivity --method sobol --quick": ["sensitivity", "--method", "sobol", "--quick"],  # after Morris, same DIR
    "discover --quick": ["discover", "--quick"],
}


def cpu_of_children() -> float:
    """CPU seconds (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_quick(workers: int, folder: Path) -> list[tuple[str, int, float, float]]:
    """(command, runs, wall seconds, CPU seconds) of each --quick command into `folder` on `workers` processes (with
    --workers 1 the command runs everything in its own process, so its CPU is counted whole: a pool's workers are
    not waited for and escape the count)."""
    out = []
    for label, args in QUICK_COMMANDS.items():
        target = folder / ("discover" if args[0] == "discover" else "sensitivity")
        command = [sys.executable, "-m", "lockdown_sim.console", *args, "--out", str(target), "--workers", str(workers),
                   "--no-progress"]
        t0, cpu0 = time.perf_counter(), cpu_of_children()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds, cpu = time.perf_counter() - t0, cpu_of_children() - cpu0
        if done.returncode != 0:
            raise SystemExit(f"{label} failed:\n{done.stderr}")
        runs = int(next(line for line in done.stdout.splitlines() if "runs into" in line)
                   .split(" = ")[1].split(" runs")[0].replace(",", ""))
        out.append((label, runs, seconds, cpu))
    return out


def cpu_per_run(runs: int) -> float:
    """CPU seconds of one run of the calibrated city, run in this process."""
    from lockdown_sim.experiments.run import run_model

    t0 = time.process_time()
    for seed in range(runs):
        run_model({"scenario_file": "shanghai-2022", "ordering": "hybrid"}, rng=seed + 1, progress=False)
    return (time.process_time() - t0) / runs


def throughput(workers: int, runs: int, folder: Path) -> float:
    """Runs per second of the calibrated city (the full designs' runs) on a local pool of `workers`, pool start-up
    included."""
    space = plausible_space("shanghai-2022")
    points = [{f.name: f.value for f in space.factors}] * max(1, runs // 3)
    experiment = sampled_experiment("throughput", "throughput", "shanghai-2022", None, None, points,
                                    [f"p{i}" for i in range(len(points))], list(range(len(points))), 1, 1,
                                    {"method": "throughput"})
    t0 = time.perf_counter()
    with LocalEngine(workers) as engine:
        report = run_batch(experiment, folder / "throughput", engine, progress=False)
    assert report.done == report.total and not report.failed, report.lines()
    return report.total / (time.perf_counter() - t0)


def full_runs() -> dict[str, int]:
    """Runs of each full design: points x seeds x 3 modes."""
    k = len(plausible_space(SENSITIVITY["scenario"]))
    o = Options(**SENSITIVITY)
    return {
        f"sensitivity --method morris ({o.trajectories} trajectories, {k} factors + dummy, {o.seeds} seeds)":
            (k + 2) * o.trajectories * o.seeds * 3,
        f"sensitivity --method sobol (N = {o.samples}, top {o.top} + dummy, {o.seeds} seeds)":
            o.samples * (o.top + 3) * o.seeds * 3,
        f"discover ({DISCOVER['points']:,} points, {DISCOVER['seeds']} seeds)": DISCOVER["points"] * DISCOVER["seeds"] * 3,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--throughput-runs", type=int, default=12)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cpu = {label: used for label, _, _, used in time_quick(1, Path(tmp) / "one")}
        quick = time_quick(args.workers, Path(tmp) / "pool")
        rate = throughput(args.workers, args.throughput_runs, Path(tmp))
    per_run = cpu_per_run(3)
    print(f"| command | runs | CPU (one process) | time on {args.workers} workers |")
    print("|---|---|---|---|")
    for label, runs, seconds, _ in quick:
        print(f"| `{label}` (toy city, 1,000 households) | {runs:,} | {cpu[label]:.0f} s | {seconds:.0f} s (measured) |")
    for label, runs in full_runs().items():
        print(f"| `{label}`, calibrated city | {runs:,} | {runs * per_run / 3600:.1f} h (at {per_run:.2f} s a run) | "
              f"{runs / rate / 60:.0f} min (at the {rate:.2f} runs/s measured) |")

if __name__ == "__main__":
    main()
