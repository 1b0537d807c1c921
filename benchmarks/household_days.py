"""Benchmark: household-days per second of the model on one core (issue: default scenario, 100,000 households,
70 days, well under a minute). Prints build time, run time, throughput and peak memory for each size, after
loading the model's compiled loops (a once-per-process cost, printed apart).

    python benchmarks/household_days.py [--households 100000 ...] [--days 70] [--ordering hybrid] [--repeat 1]
"""

from __future__ import annotations

import argparse
import resource
import time

from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.run import load_compiled_loops


def measure(households: int, days: int, ordering: str, scenario: str, seed: int) -> dict:
    t0 = time.perf_counter()
    model = LockdownSupplyModel(scenario_file=scenario, households=households, days=days, ordering=ordering, rng=seed)
    t1 = time.perf_counter()
    while model.running:
        model.step()
    t2 = time.perf_counter()
    return {"build_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
            "household_days_per_s": households * days / (t2 - t0), "leaders": len(model.leaders)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, nargs="+", default=[100_000])
    ap.add_argument("--days", type=int, default=70)
    ap.add_argument("--ordering", default="hybrid")
    ap.add_argument("--scenario", default="shanghai-2022")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size (best is reported)")
    args = ap.parse_args()
    print(f"scenario {args.scenario}, ordering {args.ordering}, {args.days} days, one process; "
          f"compiled loops loaded in {load_compiled_loops():.2f} s")
    print(f"{'households':>11} {'build s':>8} {'run s':>8} {'total s':>8} {'household-days/s':>17} {'peak RSS MB':>12}")
    for n in args.households:
        best = min((measure(n, args.days, args.ordering, args.scenario, seed=1 + r) for r in range(args.repeat)),
                   key=lambda r: r["total_s"])
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>11,} {best['build_s']:>8.2f} {best['run_s']:>8.2f} {best['total_s']:>8.2f} "
              f"{best['household_days_per_s']:>17,.0f} {rss:>12.0f}")


if __name__ == "__main__":
    main()
