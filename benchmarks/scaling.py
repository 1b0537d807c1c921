"""Scaling benchmark (issue: city scale): household-days per second from 10^4 households to the full city, peak
memory per household, and Mesa's own Boltzmann wealth model measured in the same run, so that the ratio holds on
a noisy machine. Writes a table (CSV) and the scaling curve (PNG).

    python benchmarks/scaling.py                      # 1e4, 1e5, 1e6 and the full city (about 4 minutes)
    python benchmarks/scaling.py --sizes 10000 100000 # a quick look
    python benchmarks/scaling.py --days 30            # a shorter horizon

Each size runs in a fresh process, so its peak memory is its own; the process first loads the compiled loops
(numba's cache) with a small run, reported as `load s` and kept out of the rate. Sizes below the full city and
Boltzmann run `--repeat` times (fastest kept).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import os
import sys
import time
from pathlib import Path

FULL = 10_000_000
HERE = Path(__file__).resolve().parent


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_model(households: int, days: int | None) -> dict:
    """Run the model once (this process) and measure it."""
    from lockdown_sim.experiments import run as runner  # imports are not part of the measurement

    # a fresh process loads the model's compiled loops (numba's disk cache) on first use: a one-time cost per
    # process (a batch worker pays it once for all its runs), measured apart so the rate is the model's own
    load_s = runner.load_compiled_loops()
    base = rss_mb()
    scenario = "shanghai-2022-full" if households >= FULL else "shanghai-2022"
    t0 = time.perf_counter()
    model = runner.LockdownSupplyModel(scenario_file=scenario, households=households, days=days, rng=1)
    t1 = time.perf_counter()
    runner.run_to_end(model)  # the loop `lockdown-sim run` uses
    t2 = time.perf_counter()
    hh_days = households * model.horizon
    return {"what": "model", "households": households, "days": model.horizon, "load_s": load_s, "build_s": t1 - t0,
            "run_s": t2 - t1, "total_s": t2 - t0, "household_days_per_s": hh_days / (t2 - t0),
            "us_per_household_day": 1e6 * (t2 - t0) / hh_days, "peak_rss_mb": rss_mb(),
            "bytes_per_household": (rss_mb() - base) * 2**20 / households}


def one_boltzmann(agents: int, steps: int) -> dict:
    """Mesa's bundled Boltzmann wealth model: agent-steps per second."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    side = max(10, int(agents**0.5))
    model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=1))
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    dt = time.perf_counter() - t0
    return {"what": "boltzmann", "agents": agents, "steps": steps, "seconds": dt, "agent_steps_per_s": agents * steps / dt}


def in_subprocess(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def plot(rows: list[dict], path: Path, boltzmann: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [r["households"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.loglog(n, [r["total_s"] for r in rows], "o-", label="whole run (build + days)")
    a.loglog(n, [r["run_s"] for r in rows], "s--", label="days only")
    ref = rows[0]["total_s"] / n[0]
    a.loglog(n, [ref * x for x in n], ":", color="grey", label="linear from the smallest")
    a.set_xlabel("households")
    a.set_ylabel("seconds per run")
    a.set_title(f"time vs households ({rows[0]['days']} days)")
    a.legend()
    b.loglog(n, [r["us_per_household_day"] for r in rows], "o-", label="this model, per household-day")
    bn = sorted(boltzmann)
    b.loglog(bn, [1e6 / boltzmann[a] for a in bn], "x:", color="red", label="Mesa Boltzmann, per agent-step")
    b.set_xlabel("households (agents, for Boltzmann)")
    b.set_ylabel("microseconds per household-day (agent-step)")
    b.set_title("cost per household-day (log scale)")
    b.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, FULL])
    ap.add_argument("--days", type=int, default=None, help="days per run (default: the scenario's 95)")
    ap.add_argument("--boltzmann-agents", type=int, nargs="+", default=[1_000, 10_000, 100_000],
                    help="Boltzmann populations to measure (each runs 10^6 agent-steps)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="fresh processes per size below the full city and per Boltzmann population; the fastest is "
                         "kept (the machine's noise only ever slows a run down)")
    ap.add_argument("--out", default=str(HERE / "results"), help="directory for scaling.csv and scaling.png")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--boltzmann", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_model(args.one, args.days)))
        return
    if args.boltzmann:
        print(json.dumps(one_boltzmann(args.boltzmann, max(1, 1_000_000 // args.boltzmann))))
        return

    boltz = {}
    for a in sorted(args.boltzmann_agents):
        b = max((in_subprocess(["--boltzmann", str(a)]) for _ in range(args.repeat)),
                key=lambda x: x["agent_steps_per_s"])
        boltz[a] = b["agent_steps_per_s"]
        print(f"Mesa Boltzmann wealth model: {a:>9,} agents x {b['steps']:>5} steps: {b['agent_steps_per_s']:>9,.0f} "
              "agent-steps/s", flush=True)
    fastest = max(boltz.values())
    rows = []
    print("x Boltzmann: household-days/s over Boltzmann agent-steps/s, at the same population (same n) and at "
          "Boltzmann's fastest population (fastest)")
    print(f"{'households':>11} {'days':>5} {'load s':>7} {'build s':>8} {'days s':>8} {'total s':>8} {'hh-days/s':>12} "
          f"{'us/hh-day':>10} {'x same n':>9} {'x fastest':>9} {'peak MB':>8} {'B/household':>11}", flush=True)
    for n in sorted(args.sizes):
        extra = ["--days", str(args.days)] if args.days else []
        r = min((in_subprocess(["--one", str(n), *extra]) for _ in range(args.repeat if n < FULL else 1)),
                key=lambda x: x["total_s"])
        r["boltzmann_same_n"] = boltz.get(n, float("nan"))
        r["ratio_same_n"] = r["household_days_per_s"] / r["boltzmann_same_n"]
        r["ratio_fastest"] = r["household_days_per_s"] / fastest
        rows.append(r)
        print(f"{n:>11,} {r['days']:>5} {r['load_s']:>7.2f} {r['build_s']:>8.1f} {r['run_s']:>8.1f} {r['total_s']:>8.1f} "
              f"{r['household_days_per_s']:>12,.0f} {r['us_per_household_day']:>10.3f} {r['ratio_same_n']:>9.1f} "
              f"{r['ratio_fastest']:>9.1f} {r['peak_rss_mb']:>8,.0f} {r['bytes_per_household']:>11,.0f}", flush=True)
    costs = [r["us_per_household_day"] for r in rows]
    print(f"cost per household-day: {min(costs):.3f} to {max(costs):.3f} us (max/min {max(costs) / min(costs):.2f}; "
          "target: within a factor of 2)")
    at = {r["households"]: r for r in rows}
    if 100_000 in at:
        r = at[100_000]
        vs_1e4 = r["household_days_per_s"] / boltz[10_000] if 10_000 in boltz else float("nan")
        print(f"at 10^5 households: {vs_1e4:.1f}x Boltzmann's agent-steps/s at 10^4 agents (target: at least 40x); "
              f"{r['ratio_same_n']:.1f}x at 10^5 agents, {r['ratio_fastest']:.1f}x its fastest population")
    if FULL in at:
        r = at[FULL]
        print(f"full city: {r['total_s'] / 60:.1f} min, peak {r['peak_rss_mb'] / 1024:.1f} GB "
              f"({r['peak_rss_mb'] / 1000:.1f} GB decimal; targets: under 4 min, under 4 GB, on {os.cpu_count()} cores)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "scaling.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    plot(rows, out / "scaling.png", boltz)
    print(f"wrote {out / 'scaling.csv'} and {out / 'scaling.png'}")


if __name__ == "__main__":
    main()
