"""Benchmark: what `lockdown-sim sensitivity` and `discover` cost, in runs and time, on this machine.

Times the three --quick commands end to end (design, runs on a local pool, analysis, figures), then the full
designs' run counts (the scenario's [plausible] factors as they are now) and their time extrapolated from the
throughput of a few runs of the calibrated city on the same pool (runs/s, as `lockdown-sim batch` stores them,
with the pool's start-up). The extrapolation leaves out the analysis, which takes seconds.

    python benchmarks/sensitivity_cost.py [--workers 2] [--throughput-runs 12]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from experiments.discovery import FULL as DISCOVER
from experiments.engines import LocalEngine
from experiments.sampling import plausible_space, sampled_experiment
from experiments.batch import run_batch
from experiments.sensitivity import FULL as SENSITIVITY
from experiments.sensitivity import Options

QUICK_COMMANDS = {
    "sensitivity --method morris --quick": ["sensitivity", "--method", "morris", "--quick"],
    "sensitivity --method sobol --quick": ["sensitivity", "--method", "sobol", "--quick"],  # after Morris, same DIR
    "discover --quick": ["discover", "--quick"],
}


def time_quick(workers: int, folder: Path) -> list[tuple[str, int, float]]:
    """(command, runs, wall seconds) of each --quick command into `folder`."""
    out = []
    for label, args in QUICK_COMMANDS.items():
        target = folder / ("discover" if args[0] == "discover" else "sensitivity")
        command = [sys.executable, "-m", "sim.cli", *args, "--out", str(target), "--workers", str(workers),
                   "--no-progress"]
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"{label} failed:\n{done.stderr}")
        runs = int(next(line for line in done.stdout.splitlines() if "runs into" in line)
                   .split(" = ")[1].split(" runs")[0].replace(",", ""))
        out.append((label, runs, seconds))
    return out


def throughput(workers: int, runs: int, folder: Path) -> float:
    """Runs per second of the calibrated city (the full designs' runs) on a local pool of `workers`."""
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
        quick = time_quick(args.workers, Path(tmp))
        rate = throughput(args.workers, args.throughput_runs, Path(tmp))
    print(f"| command | runs | time on {args.workers} workers |")
    print("|---|---|---|")
    for label, runs, seconds in quick:
        print(f"| `{label}` (toy city, 1,000 households) | {runs:,} | {seconds:.0f} s (measured) |")
    for label, runs in full_runs().items():
        print(f"| `{label}`, calibrated city | {runs:,} | {runs / rate / 60:.0f} min (at {rate:.2f} runs/s) |")


if __name__ == "__main__":
    main()
