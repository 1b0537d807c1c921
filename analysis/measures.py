"""Functions over a results table (one row per run, or one row per run and day): summaries with 95 % intervals,
paired effects on common seeds with a paired t test, daily series with bands, the break-even point of a sweep,
and which parameters move an effect across a sample of parameter points. All intervals come from
analysis/stats.py; verdicts (smallest effects of interest, equivalence, Holm) from analysis/verdicts.py;
`lockdown-sim reproduce` builds its report from these.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from lockdown_sim.analysis.stats import PairedDifference, mean_ci, paired_difference


def paired_effect(a: pd.Series, b: pd.Series | float, neutral: float = 0.0, scale: str = "difference"
                  ) -> tuple[PairedDifference, pd.Series]:
    """The effect of a against b on their common seeds (both indexed by seed; b may be one number), and its
    interval: a - b, or a / b, compared with `neutral` by a paired t test. Returns (the effect's difference
    from neutral, the per-seed effect values)."""
    if not isinstance(b, pd.Series):
        b = pd.Series(float(b), index=a.index)
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").astype(float)
    values = both["a"] - both["b"] if scale == "difference" else both["a"] / both["b"].where(both["b"] != 0)
    values = values.replace([np.inf, -np.inf], np.nan)
    d = paired_difference(values.to_numpy(), np.full(len(values), neutral))
    return d, values


def daily_band(daily: pd.DataFrame, metric: str, run: str = "run_id", per_1000: bool = False, rolling: int = 1,
               households: float | None = None) -> pd.DataFrame:
    """Per day: the mean over runs of `metric` and its 95 % interval (a band), optionally per 1,000 households
    and as a moving mean over `rolling` days within each run."""
    frame = daily[[run, "day", metric]].copy()
    values = frame[metric].astype(float).replace([np.inf, -np.inf], np.nan)
    if per_1000:
        values = values * 1000.0 / households
    if rolling > 1:
        values = values.groupby(frame[run]).transform(lambda s: s.rolling(rolling, min_periods=1).mean())
    frame["value"] = values
    rows = []
    for day, sub in frame.groupby("day", sort=True):
        est = mean_ci(sub["value"])
        rows.append({"day": day, "mean": est.mean, "low": est.low, "high": est.high, "n": est.n})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class BreakEvenPoint:
    """Where a swept outcome crosses its target, per seed; the mean crossing with its 95 % interval over the seeds
    that cross inside the swept range, and how many seeds never crossed (target above or below the whole sweep)."""

    mean: float
    low: float
    high: float
    n: int
    above_range: int  # seeds whose curve stays below the target over the whole sweep
    below_range: int  # seeds whose curve is above the target at the smallest value swept
    per_seed: pd.Series


def break_even(curve: pd.DataFrame, target: pd.Series) -> BreakEvenPoint:
    """`curve`: rows = seeds, columns = the swept values (ascending), cells = the outcome; `target`: the outcome to
    match, per seed. The crossing is where curve - target first turns from below zero to zero or above, by
    linear interpolation between neighbouring swept values."""
    xs = np.array(sorted(curve.columns), dtype=float)
    crossings, above, below = {}, 0, 0
    for seed, row in curve[sorted(curve.columns)].iterrows():
        if seed not in target.index or not np.isfinite(target[seed]):
            continue
        gap = row.to_numpy(dtype=float) - float(target[seed])
        if gap[0] >= 0:
            below += 1
            continue
        up = np.flatnonzero(gap >= 0)
        if not len(up):
            above += 1
            continue
        j = up[0]
        x0, x1, g0, g1 = xs[j - 1], xs[j], gap[j - 1], gap[j]
        crossings[seed] = x0 + (x1 - x0) * (-g0) / (g1 - g0)
    per_seed = pd.Series(crossings, dtype=float)
    est = mean_ci(per_seed)
    return BreakEvenPoint(est.mean, est.low, est.high, est.n, above, below, per_seed)


def parameter_influence(points: pd.DataFrame, parameters: list[str], effect: str = "effect",
                        holds: str = "holds", bounds: dict | None = None) -> pd.DataFrame:
    """Which parameters move an effect across a sample of parameter points (one row per point).

    For each parameter: Spearman's rank correlation of the point's mean effect with the parameter (and its p), and,
    where the verdict holds at some points and not at others, the difference between the parameter's mean at the
    points where it does not hold and where it holds (in units of its plausible range) with a Mann-Whitney p.
    Sorted by the size of the correlation."""
    rows = []
    hold = points[holds].astype(bool) if holds in points else pd.Series(False, index=points.index)
    split = 2 <= hold.sum() <= len(points) - 2
    for name in parameters:
        x = points[name].astype(float)
        y = points[effect].astype(float)
        ok = x.notna() & y.notna()
        if ok.sum() >= 3 and x[ok].nunique() > 1 and y[ok].nunique() > 1:
            rho, p = scipy_stats.spearmanr(x[ok], y[ok])
        else:
            rho, p = math.nan, math.nan
        row = {"parameter": name, "rho": float(rho), "rho_p": float(p)}
        if split:
            span = (bounds[name][1] - bounds[name][0]) if bounds and name in bounds else float(x.std() or 1.0)
            row["shift"] = float((x[~hold].mean() - x[hold].mean()) / (span or 1.0))
            row["shift_p"] = float(scipy_stats.mannwhitneyu(x[~hold], x[hold]).pvalue)
        else:
            row["shift"], row["shift_p"] = math.nan, math.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.reindex(table["rho"].abs().sort_values(ascending=False, na_position="last").index).reset_index(drop=True)
