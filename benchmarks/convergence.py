"""Scale convergence: do the headline outcomes depend on how many households a run simulates?

Runs the three ordering modes at several city sizes (10 seeds each by default) and the full city (one seed per
mode, optional), writes every run's outcomes to benchmarks/results/convergence.csv (resumable: finished runs are
kept and skipped), a table of means with 95 % intervals and, for each size, whether it differs from the largest
scaled size (Welch interval of the difference of means), and draws benchmarks/results/convergence.png.

    python benchmarks/convergence.py                      # 10^4 .. 10^6, 10 seeds each (about 30 CPU-minutes)
    python benchmarks/convergence.py --full-city          # and the 10 M city, one seed per mode (about 7 minutes more)
    python benchmarks/convergence.py --sizes 10000 20000 --seeds 3 --plot-only
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lockdown_sim.analysis import convergence  # noqa: E402
from lockdown_sim.analysis.convergence import write_drift_file  # noqa: E402
from lockdown_sim.analysis.stats import mean_ci  # noqa: E402
from lockdown_sim.sim.outcomes import OUTCOMES, measure# noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
MODES = ("platform", "group_buying", "hybrid")
SIZES = (10_000, 20_000, 100_000, 300_000, 1_000_000)
FULL_CITY = 10_000_000
SHOWN = ("delivery_ratio", "need_met_share_worst_week", "elderly_unserved_share", "elderly_left_unserved_share", "leaders_peak_per_1000",
         "group_food_share")
COLORS = {"platform": "#2563eb", "group_buying": "#16a34a", "hybrid": "#9333ea"}
Y_LABELS = {"delivery_ratio": "portions home / portions needed", "need_met_share_worst_week": "share of need eaten (7-day mean)",
            "elderly_unserved_share": "share of older households short a day", "elderly_left_unserved_share":
            "share of older households, 3+ days short", "leaders_peak_per_1000": "leaders per 1,000 households",
            "group_food_share": "share of food reaching homes"}


def run_one(task: tuple[int, str, int]) -> dict:
    from lockdown_sim.experiments.run import daily_table, run_model

    households, mode, seed = task
    scenario = "shanghai-2022-full" if households == FULL_CITY else "shanghai-2022"
    started = time.perf_counter()
    model = run_model({"scenario_file": scenario, "ordering": mode, "households": households}, rng=seed, progress=False)
    out = measure(daily_table(model), model.population.n, model.cfg.timeline.reopen_day)
    return {"households": households, "ordering": mode, "seed": seed, "seconds": time.perf_counter() - started,
            **{k: float(v) for k, v in out.items()}}


def _done(path: Path) -> set:
    if not path.exists():
        return set()
    frame = pd.read_csv(path)
    return set(zip(frame["households"], frame["ordering"], frame["seed"]))


def run_all(tasks: list, path: Path, workers: int) -> None:
    """Run the tasks not yet in `path`, appending each result as it finishes (largest first, to balance)."""
    from lockdown_sim.experiments.engines import LocalEngine

    done = _done(path)
    todo = sorted([t for t in tasks if t not in done], key=lambda t: -t[0])
    if not todo:
        return
    print(f"{len(todo)} runs to do ({len(done)} already in {path.name})", flush=True)
    new = not path.exists()
    with open(path, "a", newline="") as fh, LocalEngine(workers) as engine:
        writer = None
        for i, result in engine.map(run_one, todo):
            if isinstance(result, BaseException):
                print(f"failed: {todo[i]}: {result!r}", file=sys.stderr, flush=True)
                continue
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(result))
                if new:
                    writer.writeheader()
            writer.writerow(result)
            fh.flush()
            print(f"  {result['households']:>10,} {result['ordering']:<13} seed {result['seed']:>2}  "
                  f"{result['seconds']:.0f} s  fill {result['delivery_ratio']:.3f}", flush=True)


def welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference of means a - b with its 95 % Welch interval (nan with fewer than two values on a side)."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    d = a.mean() - b.mean() if len(a) and len(b) else math.nan
    if len(a) < 2 or len(b) < 2:
        return d, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d, d
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.975, dof) * se
    return d, d - half, d + half


def paired_gap(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Group buying minus platform on common seeds, per size."""
    wide = frame.pivot_table(index=["households", "seed"], columns="ordering", values=name)
    if not {"group_buying", "platform"} <= set(wide.columns):
        return pd.DataFrame()
    return (wide["group_buying"] - wide["platform"]).rename(name).reset_index()


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean [95 % interval] per outcome, mode and size, and whether each size differs from the largest scaled one."""
    rows = []
    scaled = sorted(s for s in frame["households"].unique() if s != FULL_CITY)
    ref = scaled[-1]
    for name in SHOWN:
        for mode in MODES:
            sub = frame[frame["ordering"] == mode]
            base = sub[sub["households"] == ref][name].to_numpy(float)
            for size in sorted(sub["households"].unique()):
                vals = sub[sub["households"] == size][name].to_numpy(float)
                est = mean_ci(vals)
                d, lo, hi = welch(vals, base)
                differs = "-" if size == ref or not np.isfinite(lo) else ("yes" if lo > 0 or hi < 0 else "no")
                rows.append({"outcome": name, "ordering": mode, "households": size, "runs": est.n, "mean": est.mean,
                             "low": est.low, "high": est.high, f"minus_{ref}": d, "diff_low": lo, "diff_high": hi,
                             f"differs_from_{ref}": differs})
    return pd.DataFrame(rows)


def plot(frame: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(SHOWN) + ["gap"]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7.5), constrained_layout=True)
    for ax, name in zip(axes.flat[:len(panels)], panels):
        if name == "gap":
            gap = paired_gap(frame, "delivery_ratio")
            for size, sub in gap.groupby("households"):
                est = mean_ci(sub["delivery_ratio"])
                marker = "*" if size == FULL_CITY else "o"
                ax.errorbar(size, est.mean, yerr=None if not np.isfinite(est.low) else [[est.mean - est.low], [est.high - est.mean]],
                            fmt=marker, color="#444", capsize=3, ms=9 if size == FULL_CITY else 5)
            ax.axhline(0, color="#999", lw=0.8)
            ax.set_title("group buying minus platform, delivery ratio\n(paired on seeds)")
            ax.set_ylabel("difference in delivery ratio (portions home / needed)")
        else:
            for mode in MODES:
                sub = frame[(frame["ordering"] == mode) & (frame["households"] != FULL_CITY)]
                sizes, means, los, his = [], [], [], []
                for size, grp in sub.groupby("households"):
                    est = mean_ci(grp[name])
                    sizes.append(size)
                    means.append(est.mean)
                    los.append(est.mean - est.low if np.isfinite(est.low) else 0)
                    his.append(est.high - est.mean if np.isfinite(est.high) else 0)
                ax.errorbar(sizes, means, yerr=[los, his], marker="o", ms=4, capsize=3, color=COLORS[mode],
                            label=mode.replace("_", " "))
                full = frame[(frame["ordering"] == mode) & (frame["households"] == FULL_CITY)][name]
                if len(full):
                    ax.plot([FULL_CITY] * len(full), full, "*", ms=11, color=COLORS[mode])
            ax.set_title(OUTCOMES[name][0])
            ax.set_ylabel(Y_LABELS[name])
        ax.set_xscale("log")
        ax.set_xlabel("households simulated (log scale)")
        ax.grid(alpha=0.3)
    seeds = int(frame[frame["households"] != FULL_CITY].groupby(["households", "ordering"]).size().min())
    handles, labels = axes.flat[0].get_legend_handles_labels()
    legend_ax = axes.flat[-1]
    legend_ax.axis("off")
    legend_ax.legend(handles, labels, loc="center", title=f"ordering mode\n● mean of {seeds}+ seeds with 95 % interval"
                     "\n★ the 10 M city, one seed", fontsize=10, title_fontsize=10, frameon=False)
    fig.suptitle("Outcomes against city size: shanghai-2022 scaled to 10^4 - 10^6 households, and the 10 M city", fontsize=13)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--full-city", action="store_true", help="also one run per mode of the 10 M city (about 2.6 GB and 2 minutes each)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--plot-only", action="store_true")
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "convergence.csv"
    if not args.plot_only:
        tasks = [(n, m, s) for n in args.sizes for m in MODES for s in range(1, args.seeds + 1)]
        run_all(tasks, path, args.workers)
        if args.full_city:
            run_all([(FULL_CITY, m, 1) for m in MODES], path, 1)  # one at a time: it uses every core
    frame = pd.read_csv(path)
    summary = table(frame)
    summary.to_csv(out / "convergence_table.csv", index=False)
    if out == RESULTS:  # the drifts every command's size check quotes (analysis/convergence.py)
        write_drift_file(summary.to_dict("records"), Path(convergence.__file__).with_name(convergence.DRIFT_FILE))
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        cols = [c for c in summary.columns if c not in ("low", "high", "diff_low", "diff_high")]
        print(summary[cols].round(4).to_string(index=False))
    plot(frame, out / "convergence.png")
    print(f"wrote {path}, convergence_table.csv and convergence.png" + (f", and {convergence.DRIFT_FILE} in analysis/"
                                                                        if out == RESULTS else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
