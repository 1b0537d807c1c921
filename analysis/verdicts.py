"""Verdicts that mean something: each effect against its smallest effect of interest (SESOI), with equivalence
tests, Holm's correction across the verdicts of a run, bootstrap intervals where the seed-by-seed values are
skewed, one verdict per claim by a written rule, and the seeds a test needs from its SESOI.

The rule, for an effect with predicted direction s (+1 or -1), SESOI d and neutral value n (0 for a difference,
1 for a ratio), on its paired seed-by-seed values x:
- **holds**: the effect clears the SESOI on the predicted side: one-sided t test of H0 s(x - n) <= d, Holm-
  adjusted p < 0.025 (the 95 % interval's bound beyond n + s d, corrected for the run's verdicts);
- **reversed**: it clears the SESOI on the other side: H0 s(x - n) >= -d, Holm-adjusted p < 0.025;
- **no effect**: two one-sided tests (TOST) against -d and +d, Holm-adjusted p < 0.05 (the 90 % interval
  inside n +/- d): an effect smaller than worth reporting, shown rather than assumed from a wide interval;
- **inconclusive**: none of these.
Where the seed-by-seed values are skewed (|sample skewness| > 1, at least 8 seeds), a holds, reversed or no
effect also needs the bias-corrected bootstrap interval (scipy.stats.bootstrap, BCa; 95 %, or 90 % for no effect)
to agree, else the effect is inconclusive.

A claim is a conjunction of its tests: **reversed** if any is reversed; else **no effect** if any shows no
effect; else **holds** if every one holds; else **inconclusive**.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

HOLDS, REVERSED, NO_EFFECT, INCONCLUSIVE = "holds", "reversed", "no effect", "inconclusive"
CHECKED, NOT_AS_BUILT = "as built", "not as built"
NO_PREDICTION, INPUT = "no prediction", "input (not judged)"
ALPHA_SIDED = 0.025  # one-sided tests of holds / reversed: the 95 % interval's bound
ALPHA_TOST = 0.05  # each of TOST's one-sided tests: the 90 % interval
SKEWED = 1.0  # |sample skewness| above which a bootstrap interval must agree
BOOTSTRAP_RESAMPLES = 4999
BOOTSTRAP_SEED = 20220328


@dataclass(frozen=True)
class Evidence:
    """An effect's seed-by-seed values tested against its SESOI (unadjusted p values; Holm comes later)."""

    n: int
    mean: float  # of the values (a - b, or a / b)
    sd: float
    low: float  # 95 % t interval
    high: float
    low90: float  # 90 % t interval (TOST)
    high90: float
    boot_low: float  # BCa bootstrap 95 % interval (nan unless skewed)
    boot_high: float
    boot_low90: float
    boot_high90: float
    skew: float
    sesoi: float
    neutral: float
    predicted: int
    p_holds: float  # H0: s (x - n) <= d
    p_reversed: float  # H0: s (x - n) >= -d
    p_tost: float  # max of H0: x - n <= -d and H0: x - n >= d
    p_zero: float  # the plain paired t test against n (reported, never decides)

    @property
    def skewed(self) -> bool:
        return self.n >= 8 and math.isfinite(self.skew) and abs(self.skew) > SKEWED


def _t_p(x: np.ndarray, threshold: float, alternative: str) -> float:
    """One-sample t test of x against `threshold` (a constant sample: exact)."""
    if len(x) < 2:
        return math.nan
    if np.ptp(x) == 0:
        v = x[0]
        return 0.0 if (v > threshold if alternative == "greater" else v < threshold) else 1.0
    return float(stats.ttest_1samp(x, threshold, alternative=alternative).pvalue)


def _interval(x: np.ndarray, level: float) -> tuple[float, float]:
    n = len(x)
    if n < 2:
        return math.nan, math.nan
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))
    m = float(x.mean())
    return m - half, m + half


def _bootstrap(x: np.ndarray, level: float) -> tuple[float, float]:
    if len(x) < 8 or np.ptp(x) == 0:
        return math.nan, math.nan
    res = stats.bootstrap((x,), np.mean, confidence_level=level, n_resamples=BOOTSTRAP_RESAMPLES, method="BCa",
                          random_state=np.random.default_rng(BOOTSTRAP_SEED))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def weigh_effect(values, predicted: int, sesoi: float, neutral: float = 0.0) -> Evidence:
    """The tests of one effect from its finite seed-by-seed values."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    s = predicted if predicted else 1
    if n == 0:
        nan = math.nan
        return Evidence(0, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, sesoi, neutral, predicted,
                      nan, nan, nan, nan)
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    low, high = _interval(x, 0.95)
    low90, high90 = _interval(x, 0.90)
    skew = float(stats.skew(x, bias=False)) if n >= 3 and np.ptp(x) > 0 else math.nan
    boot = (math.nan,) * 4
    if n >= 8 and math.isfinite(skew) and abs(skew) > SKEWED:
        boot = (*_bootstrap(x, 0.95), *_bootstrap(x, 0.90))
    y = s * (x - neutral)  # the effect on the predicted side
    p_holds = _t_p(y, sesoi, "greater")
    p_reversed = _t_p(y, -sesoi, "less")
    p_tost = max(_t_p(x - neutral, -sesoi, "greater"), _t_p(x - neutral, sesoi, "less"))
    p_zero = min(1.0, 2 * min(_t_p(x - neutral, 0.0, "greater"), _t_p(x - neutral, 0.0, "less"))) if n > 1 else math.nan
    return Evidence(n, mean, sd, low, high, low90, high90, *boot, skew, sesoi, neutral, predicted, p_holds, p_reversed,
                  p_tost, p_zero)


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjustment of a family of p values (nan stays nan and is not counted)."""
    p = np.asarray(pvalues, dtype=float)
    out = np.full(len(p), math.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


@dataclass(frozen=True)
class Decision:
    """An effect's verdict, the Holm-adjusted p values it rests on, and why."""

    verdict: str
    p_holds: float
    p_reversed: float
    p_tost: float
    reason: str = ""

    @property
    def p(self) -> float:
        """The adjusted p value of the verdict reached (of the prediction when inconclusive)."""
        return {REVERSED: self.p_reversed, NO_EFFECT: self.p_tost}.get(self.verdict, self.p_holds)


def decide(t: Evidence, p_holds: float, p_reversed: float, p_tost: float) -> Decision:
    """The verdict from the (Holm-adjusted) p values, checked against the bootstrap where the values are skewed."""
    if t.n < 2:
        return Decision(INCONCLUSIVE, p_holds, p_reversed, p_tost, "fewer than two seeds")
    s, d, n = (t.predicted or 1), t.sesoi, t.neutral
    if p_holds < ALPHA_SIDED:
        verdict = HOLDS
    elif p_reversed < ALPHA_SIDED:
        verdict = REVERSED
    elif p_tost < ALPHA_TOST:
        verdict = NO_EFFECT
    else:
        return Decision(INCONCLUSIVE, p_holds, p_reversed, p_tost, "no test passed at its corrected level")
    if t.skewed:
        if verdict == HOLDS:
            agree = s * (t.boot_low - n) > d if s > 0 else s * (t.boot_high - n) > d
        elif verdict == REVERSED:
            agree = s * (t.boot_high - n) < -d if s > 0 else s * (t.boot_low - n) < -d
        else:
            agree = n - d < t.boot_low90 and t.boot_high90 < n + d
        if not agree:
            return Decision(INCONCLUSIVE, p_holds, p_reversed, p_tost,
                            f"the t test says {verdict} but the seed-by-seed values are skewed and the bootstrap "
                            "interval does not agree")
    return Decision(verdict, p_holds, p_reversed, p_tost)


def decide_family(tested: list[Evidence]) -> list[Decision]:
    """Verdicts of a run's effects, Holm-corrected across them (each kind of conclusion is its own family)."""
    ph = holm([t.p_holds for t in tested])
    pr = holm([t.p_reversed for t in tested])
    pt = holm([t.p_tost for t in tested])
    return [decide(t, a, b, c) for t, a, b, c in zip(tested, ph, pr, pt)]


def decide_point(t: Evidence) -> str:
    """The verdict at one parameter point (robustness): the same rule, uncorrected (a share over points is
    reported, not a claim at any one)."""
    return decide(t, t.p_holds, t.p_reversed, t.p_tost).verdict


def claim_verdict(verdicts: list[str]) -> str:
    """One verdict per claim from its tests' verdicts (module docstring)."""
    if not verdicts:
        return INPUT
    if REVERSED in verdicts:
        return REVERSED
    if NO_EFFECT in verdicts:
        return NO_EFFECT
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    return INCONCLUSIVE


CLAIM_RULE = ("a claim is the conjunction of its tests: reversed if any test is reversed; else no effect if any "
              "test shows no effect (TOST); else holds if every test holds; else inconclusive")


def check_status(t: Evidence, predicted: int, bound: bool = False) -> str:
    """An implementation check: as built if its 95 % interval lies on the side the mechanism should put it (an
    outcome against its own `bound` may also reach it; for an expected equality, predicted 0: its 90 % interval
    inside the SESOI), else not as built. Never a verdict."""
    if t.n < 2:
        return "-"
    n, d = t.neutral, t.sesoi
    tolerance = 1e-9 * max(1.0, abs(n))
    if predicted > 0:
        ok = t.low >= n - tolerance if bound else t.low > n
    elif predicted < 0:
        ok = t.high <= n + tolerance if bound else t.high < n
    else:
        ok = n - d < t.low90 and t.high90 < n + d
    return CHECKED if ok else NOT_AS_BUILT


def seeds_needed(sd: float, sesoi: float, power: float = 0.8) -> tuple[float, float]:
    """Paired seeds (normal approximation, at least 2) for the tests to reach `power`, from the SESOI, never from
    the effect measured: (to show holds when the true effect is twice the SESOI, i.e. one SESOI beyond the
    threshold, one-sided at 0.025; to show no effect by TOST when the true effect is zero, at 0.05 each side)."""
    if not (math.isfinite(sd) and sesoi > 0):
        return math.nan, math.nan
    if sd == 0:
        return 2.0, 2.0
    holds = ((stats.norm.ppf(1 - ALPHA_SIDED) + stats.norm.ppf(power)) * sd / sesoi) ** 2
    tost = ((stats.norm.ppf(1 - ALPHA_TOST) + stats.norm.ppf(0.5 + power / 2)) * sd / sesoi) ** 2
    return float(max(2, math.ceil(holds))), float(max(2, math.ceil(tost)))
