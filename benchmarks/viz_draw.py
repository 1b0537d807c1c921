"""Benchmark: how long the interactive page spends on one day on the server: the model's step, then drawing the
city map and the daily curves to PNG exactly as the page does (`CityMap.png`, `DailyPlots.png`). The browser's
own time (transfer, decoding) is measured by tests/test_browser.py.

    python benchmarks/viz_draw.py [--households 20000] [--days 95] [--scenario shanghai-2022] [--rng 1]
"""

from __future__ import annotations

import argparse
import statistics
import time

from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.page.city_map import CityMap
from lockdown_sim.page.daily_plots import DailyPlots


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summary(name: str, seconds: list[float]) -> str:
    s = sorted(seconds)
    return (f"{name:>14}: median {statistics.median(s) * 1000:6.1f} ms   p90 {s[int(0.9 * (len(s) - 1))] * 1000:6.1f} ms"
            f"   max {s[-1] * 1000:6.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="shanghai-2022")
    ap.add_argument("--households", type=int, default=None, help="default: the scenario's (20,000)")
    ap.add_argument("--days", type=int, default=None, help="default: the scenario's horizon")
    ap.add_argument("--rng", type=int, default=1)
    args = ap.parse_args()
    model = LockdownSupplyModel(scenario_file=args.scenario, households=args.households, days=args.days, rng=args.rng)
    city, curves = CityMap(model), DailyPlots(model)
    city.png(), curves.png()  # the page draws "before day 0" when it opens
    step, draw_map, draw_curves, day = [], [], [], []
    while model.running:
        step.append(timed(model.step))
        draw_map.append(timed(city.png))
        draw_curves.append(timed(curves.png))
        day.append(step[-1] + draw_map[-1] + draw_curves[-1])
    print(f"{args.scenario}: {model.population.n:,} households in {len(model.compounds):,} compounds, "
          f"grid {model.city.width}x{model.city.height}, {model.steps} days")
    for name, values in (("model step", step), ("map", draw_map), ("curves", draw_curves),
                         ("day in total", day)):
        print(summary(name, values))


if __name__ == "__main__":
    main()
