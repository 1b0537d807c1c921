"""Statistics over replicates: means with 95 % intervals, paired differences on common seeds, and how many
replicates a difference needs. Every comparison the project prints goes through here.

A comparison between modes or settings is paired: the same seeds build the same city in both (sim/streams.py),
so the difference is taken seed by seed and its interval is a t interval over those differences (scipy.stats).
A ranking is claimed only when the interval excludes zero; otherwise the verdict is "no detectable difference".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95


@dataclass(frozen=True)
class Estimate:
    """A mean over n replicates with its 95 % t interval."""

    mean: float
    low: float
    high: float
    n: int
    sd: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class PairedDifference:
    """Mean of (a - b) over n common seeds, its 95 % interval, a paired t test and the share of seeds where a > b."""

    mean: float
    low: float
    high: float
    n: int
    sd: float
    p_value: float
    a_wins: float

    @property
    def detectable(self) -> bool:
        """The interval excludes zero."""
        return self.n >= 2 and (self.low > 0 or self.high < 0)

    @property
    def sign(self) -> int:
        """+1 if a is higher, -1 if lower, 0 if no detectable difference."""
        return 0 if not self.detectable else (1 if self.mean > 0 else -1)


def _finite(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[np.isfinite(x)]


def mean_ci(values, level: float = LEVEL) -> Estimate:
    """Mean and t interval of the finite values (interval nan with fewer than two)."""
    x = _finite(values)
    n = len(x)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, math.nan)
    mean = float(x.mean())
    if n < 2:
        return Estimate(mean, math.nan, math.nan, n, math.nan)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))
    return Estimate(mean, mean - half, mean + half, n, sd)


def bounded_mean_ci(values, bounds: tuple | None = None, level: float = LEVEL) -> Estimate:
    """Mean and 95 % interval of a quantity that cannot leave `bounds` (low, high; either may be None), computed
    so that the interval stays inside them too.

    A t interval is symmetric about the mean, so with few seeds and much spread (a small city) it leaves the
    range a share can take: [-0.10, 0.50] for a share of households. Here the t interval is taken on a scale
    where the bounds are infinitely far, and mapped back: the logit scale for a quantity bounded on both sides,
    the log scale for one bounded below only (the delta method: the mean's standard error sd/sqrt(n) divided by
    the transform's slope at the mean; as R survey's svyciprop(method = "logit") for proportions). Near the
    middle of the range it is the t interval; near a bound it is asymmetric, shorter on the side of the bound.
    All values on a bound (a channel that is closed) give the interval [bound, bound]. Without bounds it is
    `mean_ci`. The quantile is scipy.stats.t's with n - 1 degrees of freedom.
    """
    low, high = bounds if bounds is not None else (None, None)
    est = mean_ci(values, level)
    if est.n < 2 or (low is None and high is None) or not math.isfinite(est.mean):
        return est
    if est.sd == 0:
        return Estimate(est.mean, est.mean, est.mean, est.n, est.sd)
    t = float(stats.t.ppf(0.5 + level / 2, est.n - 1))
    se = est.sd / math.sqrt(est.n)
    if low is not None and high is not None:  # logit of the position within [low, high]
        width = high - low
        u = min(max((est.mean - low) / width, 0.0), 1.0)
        if u in (0.0, 1.0):
            return Estimate(est.mean, est.mean, est.mean, est.n, est.sd)
        half = t * se / (width * u * (1 - u))
        centre = math.log(u / (1 - u))
        lo, hi = (low + width / (1 + math.exp(-(centre + side * half))) for side in (-1, 1))
    else:  # log of the distance from the one bound
        bound, sign = (low, 1.0) if low is not None else (high, -1.0)
        distance = sign * (est.mean - bound)
        if distance <= 0:
            return Estimate(est.mean, est.mean, est.mean, est.n, est.sd)
        half = t * se / distance
        ends = sorted(bound + sign * distance * math.exp(side * half) for side in (-1, 1))
        lo, hi = ends
    return Estimate(est.mean, lo, hi, est.n, est.sd)


def paired_difference(a, b, level: float = LEVEL) -> PairedDifference:
    """a - b over pairs where both are finite (a[i] and b[i] from the same seed)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired_difference: a and b must hold one value per common seed")
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    est = mean_ci(d, level)
    if est.n < 2:
        return PairedDifference(est.mean, math.nan, math.nan, est.n, math.nan, math.nan, math.nan)
    if est.sd == 0:
        p = 1.0 if est.mean == 0 else 0.0
    else:
        p = float(stats.ttest_rel(a[ok], b[ok]).pvalue)
    return PairedDifference(est.mean, est.low, est.high, est.n, est.sd, p, float((d > 0).mean()))


def replicates_needed(sd_of_difference: float, difference: float, level: float = LEVEL, power: float = 0.8) -> int:
    """Paired replicates for a two-sided test at `level` to detect `difference` with `power`, given the standard
    deviation of the seed-by-seed differences (normal approximation, at least 2)."""
    if not (sd_of_difference > 0) or difference == 0 or not math.isfinite(sd_of_difference):
        return 2 if sd_of_difference == 0 else math.inf
    z = stats.norm.ppf(0.5 + level / 2) + stats.norm.ppf(power)
    return max(2, math.ceil((z * sd_of_difference / abs(difference)) ** 2))


def significant_digits(value: float, half_width: float) -> str:
    """value rounded to what its interval supports: the decimal of the interval's first significant digit."""
    if not math.isfinite(value):
        return "-"
    if not (math.isfinite(half_width) and half_width > 0):
        return f"{value:.3g}"
    decimals = max(0, -math.floor(math.log10(half_width)))
    return f"{value:.{decimals}f}"
