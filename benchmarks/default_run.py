"""Benchmark: what one default-city run costs, the unit of every calibration and sensitivity design (issue 21: at
most 0.35 s of one core), with Mesa's Boltzmann wealth model measured in the same process so the figure can be
read on a noisy or different machine.

A default run is what every command's worker does: build the calibrated city (shanghai-2022, 20,000 households),
run its 95 days and measure its outcomes (experiments/run.py, `run_and_measure`), in the hybrid mode unless told
otherwise. The cost is CPU seconds of this process (time.process_time: user + system), which the other sessions of a
shared machine disturb far less than wall time; each seed is run `--repeat` times and its cheapest run kept (the
machine's noise only ever adds), and the table gives the median over seeds. Boltzmann (10,000 agents, 100 steps) is
measured the same way, before and after the model, and its cheaper measurement kept.

    python benchmarks/default_run.py                       # hybrid, 8 seeds x 3 repeats (about a minute)
    python benchmarks/default_run.py --orderings platform group_buying hybrid --seeds 4
"""

from __future__ import annotations

import argparse
import statistics
import time

TARGET_S = 0.35  # CPU seconds per default run (issue 21)


def boltzmann_cpu(agents: int = 10_000, steps: int = 100, repeat: int = 3) -> float:
    """CPU seconds per agent-step of Mesa's bundled Boltzmann wealth model (cheapest of `repeat`)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    side = max(10, int(agents**0.5))
    best = float("inf")
    for r in range(repeat):
        model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=1 + r))
        t0 = time.process_time()
        for _ in range(steps):
            model.step()
        best = min(best, (time.process_time() - t0) / (agents * steps))
    return best


def run_cpu(ordering: str, seed: int, repeat: int, households: int | None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of the cheapest of `repeat` default runs on `seed`, build to outcomes."""
    from lockdown_sim.experiments.run import run_and_measure

    params = {"scenario_file": "shanghai-2022", "ordering": ordering}
    if households:
        params["households"] = households
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        run_and_measure(params, seed=seed)
        best = min(best, (time.process_time() - c0, time.perf_counter() - w0))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orderings", nargs="+", default=["hybrid"])
    ap.add_argument("--seeds", type=int, default=8, help="replicate seeds of the one seed scheme (experiments/seeds.py)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per seed; the cheapest is kept")
    ap.add_argument("--households", type=int, default=None, help="default: the scenario's 20,000")
    args = ap.parse_args()

    from lockdown_sim.experiments.run import load_compiled_loops
    from lockdown_sim.experiments.seeds import replicate_seeds

    load_s = load_compiled_loops()
    boltz = [boltzmann_cpu()]
    seeds = replicate_seeds(args.seeds)
    rows = []
    for ordering in args.orderings:
        measured = [run_cpu(ordering, s, args.repeat, args.households) for s in seeds]
        rows.append((ordering, [c for c, _ in measured], [w for _, w in measured]))
    boltz.append(boltzmann_cpu())
    per_step = min(boltz)
    households = args.households or 20_000
    print(f"default city ({households:,} households, 95 days, shanghai-2022), build to outcomes; compiled loops "
          f"loaded in {load_s:.2f} s (once per process, not counted); {args.seeds} seeds x {args.repeat} repeats, "
          "cheapest repeat per seed")
    print(f"Mesa Boltzmann wealth model, same process: {1e6 * per_step:.2f} us of CPU per agent-step "
          f"({1 / per_step:,.0f} agent-steps per CPU second, 10,000 agents)")
    print(f"{'ordering':>13} {'CPU s/run':>10} {'min':>6} {'max':>6} {'wall s':>7} {'Boltzmann agent-steps':>22} "
          f"{'hh-days/s / B':>14} {'target':>7}")
    for ordering, cpu, wall in rows:
        median = statistics.median(cpu)
        ratio = households * 95 / median * per_step
        print(f"{ordering:>13} {median:>10.3f} {min(cpu):>6.3f} {max(cpu):>6.3f} {statistics.median(wall):>7.3f} "
              f"{median / per_step:>22,.0f} {ratio:>14.1f} {'met' if median <= TARGET_S else 'MISSED':>7}")
    print(f"Boltzmann agent-steps: the CPU of one default run in Boltzmann agent-steps; hh-days/s / B: household-days "
          f"per CPU second over Boltzmann agent-steps per CPU second; target: at most {TARGET_S} s of CPU per run")


if __name__ == "__main__":
    main()
