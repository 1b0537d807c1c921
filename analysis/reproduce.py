"""Judge the study's claims (experiments/claims.py) on a reproduction's results: each effect with its 95 % interval
over paired seeds and a verdict decided by that interval alone, the same effect with the mechanism ablated, the
null model, and the share of the plausible-range sample where the verdict holds with the parameters that flip it.

    from lockdown_sim.experiments.reproduce import design, QUICK
    from lockdown_sim.analysis.reproduce import load_measurements, judge
    plan = design(QUICK)
    results = judge(load_measurements("out/reproduce", plan))

Reads the results stores written by experiments/reproduce.py; never runs a model (probes.csv holds the few
structural values of built cities the claims compare with).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from lockdown_sim.analysis.measures import (HOLDS, INCONCLUSIVE, BreakEvenPoint, break_even, paired_effect, parameter_influence,
                               verdict)
from lockdown_sim.analysis.stats import Estimate, PairedDifference, mean_ci, replicates_needed
from lockdown_sim.sim.outcomes import OUTCOMES
from lockdown_sim.experiments.claims import (ALL_CLAIMS, BREAK_EVEN, HEADLINE, Claim, Effect, Fixed, FromCity, FromSettings,
                                Measure, Setting)
from lockdown_sim.experiments.reproduce import MANIFEST, Design, design, profile_of, read_probes
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.model import check_params
from lockdown_sim.experiments.results_store import ResultsStore


def outcome_label(name: str) -> str:
    """An outcome as tables and figures name it: its one name (sim/outcomes.py)."""
    return name


def outcome_definition(name: str) -> str:
    return f"{OUTCOMES[name].definition} ({OUTCOMES[name].unit})"


# --- loading ---------------------------------------------------------------------------------------
@dataclass
class Measurements:
    """Every finished run of a reproduction (one row each), the daily tables of the main arms, and the probes."""

    plan: Design
    runs: pd.DataFrame
    daily: dict  # arm key -> daily rows of the main arm's runs
    probes: pd.DataFrame
    compute_seconds: float = 0.0  # model time summed over the runs read

    def rows(self, kind: str, arm_key: str, point: int | None = None) -> pd.DataFrame:
        r = self.runs
        sel = (r["kind"] == kind) & (r["arm"] == arm_key)
        if point is not None:
            sel &= r["point"] == point
        return r[sel]


def load_measurements(root: str | Path, plan: Design, daily_kinds=("main",)) -> Measurements:
    """Read every finished run of the plan's batches: identity, parameters and outcomes (from the run files'
    footers); keep the daily rows of the kinds in `daily_kinds` (the figures draw them)."""
    rows, daily, seconds = [], {}, 0.0
    for (kind, arm_key), experiment in plan.experiments.items():
        store = ResultsStore(plan.folder(root, kind, arm_key))
        if not (store.root / "manifest.json").is_file():
            continue
        wanted = {spec.run_id for spec in experiment.runs()}
        tables = []
        for run in store.finished_runs(daily=kind in daily_kinds):
            if run.run_id not in wanted:
                continue
            meta = run.meta
            row = {"kind": kind, "arm": arm_key, **meta["run"], "params": json.dumps(meta["params"], sort_keys=True),
                   "households": meta["households"], "days": meta["days"], "reopen_day": meta["reopen_day"],
                   "seconds": meta.get("seconds", math.nan), **meta["parameters"], **meta["outcomes"]}
            seconds += meta.get("seconds", 0.0) or 0.0
            rows.append(row)
            if run.table is not None:
                tables.append(run.table.to_pandas().assign(households=meta["households"]))
        if tables:
            daily[arm_key] = pd.concat(tables, ignore_index=True)
    probes = read_probes(plan, root)
    runs = pd.DataFrame(rows)
    if runs.empty:
        runs = pd.DataFrame(columns=["kind", "arm", "run_id", "point", "point_label", "replicate", "seed", "params"])
    return Measurements(plan, runs, daily, probes, seconds)


# --- terms and effects ---------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def run_setting(params_json: str, days: int, reopen_day: int) -> Setting:
    """What a FromSettings value reads for a run: its validated scenario (from its stored parameters), its days
    and reopening day."""
    params = {k: v for k, v in json.loads(params_json).items() if k != "rng"}
    return Setting(check_params(**params), int(days), int(reopen_day))


def measure_values(m: Measurements, measure: Measure, kind: str, point: int | None) -> pd.Series:
    """The outcome of the measure's arm, one value per seed."""
    rows = m.rows(kind, measure.arm.key, point)
    if measure.outcome not in rows:
        return pd.Series(dtype=float)
    return rows.set_index("seed")[measure.outcome].astype(float)


def term_values(m: Measurements, term, anchor: Measure, kind: str, point: int | None) -> pd.Series | float:
    """Values of the `b` side of an effect (or a null model's expectation), per seed of the anchor's runs."""
    if isinstance(term, Measure):
        return measure_values(m, term, kind, point)
    if isinstance(term, Fixed):
        return float(term.value)
    rows = m.rows(kind, anchor.arm.key, point)
    if isinstance(term, FromSettings):
        return pd.Series([term.value(run_setting(r.params, r.days, r.reopen_day)) for r in rows.itertuples()],
                         index=rows["seed"].to_numpy(), dtype=float)
    if isinstance(term, FromCity):
        p = m.probes
        p = p[(p["kind"] == kind) & (p["arm"] == term.arm.key) & (p["probe"] == term.probe)]
        own = m.rows(kind, term.arm.key, point)[["run_id", "seed"]]
        merged = own.merge(p[["run_id", "value"]], on="run_id")
        return merged.set_index("seed")["value"].astype(float)
    raise TypeError(f"unknown term {term!r}")


@dataclass
class EffectResult:
    """An effect measured on paired seeds: its difference from neutral (interval, paired t test), the verdict."""

    effect: Effect
    d: PairedDifference
    values: pd.Series  # per seed
    a: Estimate
    b: Estimate
    verdict: str

    @property
    def value(self) -> float:
        return self.d.mean + self.effect.neutral

    @property
    def low(self) -> float:
        return self.d.low + self.effect.neutral

    @property
    def high(self) -> float:
        return self.d.high + self.effect.neutral


def measure_effect(m: Measurements, effect: Effect, kind: str = "main", point: int | None = None) -> EffectResult:
    a = measure_values(m, effect.a, kind, point)
    b = term_values(m, effect.b, effect.a, kind, point)
    d, values = paired_effect(a, b, effect.neutral, effect.scale)
    b_est = mean_ci(b.reindex(values.index)) if isinstance(b, pd.Series) else Estimate(b, b, b, len(values), 0.0)
    return EffectResult(effect, d, values, mean_ci(a.reindex(values.index)), b_est, verdict(d, effect.predicted))


@dataclass
class AblationResult:
    label: str
    result: EffectResult
    change: PairedDifference  # ablated effect - calibrated effect, seed by seed


@dataclass
class NullResult:
    text: str
    measured: Estimate  # the outcome or effect value the model gives
    expected: Estimate  # what the input alone would give
    d: PairedDifference  # measured - expected, seed by seed

    @property
    def restated(self) -> bool | None:
        """True: no detectable difference from what the input alone gives; None: too few seeds."""
        if self.d.n < 2:
            return None
        return not self.d.detectable


@dataclass
class RobustResult:
    """An effect at every hypercube point: the point's paired effect and verdict, the shares, what moves it."""

    effect: Effect
    points: pd.DataFrame  # point, parameters, mean, low, high, n, verdict, direction
    influence: pd.DataFrame  # analysis.measures.parameter_influence
    seeds_per_point: int

    def share(self, what: str) -> float:
        if self.points.empty:
            return math.nan
        return float((self.points["verdict"] == what).mean())

    @property
    def direction_share(self) -> float:
        """Share of points whose mean effect lies in the predicted direction (for no prediction: above neutral)."""
        if self.points.empty:
            return math.nan
        sign = self.effect.predicted or 1
        return float((np.sign(self.points["mean"] - self.effect.neutral) == sign).mean())


@dataclass
class ClaimResult:
    claim: Claim
    effects: list
    ablations: list = field(default_factory=list)
    null: NullResult | None = None
    robustness: list = field(default_factory=list)


def judge_null(m: Measurements, claim: Claim) -> NullResult | None:
    null = claim.null
    if null is None:
        return None
    if isinstance(null.measure, Effect):
        measured = measure_effect(m, null.measure).values
        anchor = null.measure.a
    else:
        measured = measure_values(m, null.measure, "main", None)
        anchor = null.measure
    expected = term_values(m, null.expected, anchor, "main", None)
    d, _ = paired_effect(measured, expected)
    exp_series = expected if isinstance(expected, pd.Series) else pd.Series(expected, index=measured.index)
    return NullResult(null.text, mean_ci(measured), mean_ci(exp_series.reindex(measured.index)), d)


def judge_robustness(m: Measurements, effect: Effect) -> RobustResult:
    plan = m.plan
    names = sorted({k for p in plan.lhs_points for k in p})
    rows = []
    for j, settings in enumerate(plan.lhs_points):
        r = measure_effect(m, effect, "lhs", j)
        if r.d.n == 0:
            continue
        rows.append({"point": j, **settings, "mean": r.value, "low": r.low, "high": r.high, "n": r.d.n,
                     "verdict": r.verdict if effect.predicted else _sign_word(r.d)})
    points = pd.DataFrame(rows)
    if points.empty:
        return RobustResult(effect, points, pd.DataFrame(), plan.profile.point_seeds)
    sign = effect.predicted or 1
    points["direction"] = np.sign(points["mean"] - effect.neutral) == sign
    points["holds"] = points["verdict"] == HOLDS if effect.predicted else points["direction"]
    split = "holds" if 2 <= points["holds"].sum() <= len(points) - 2 else "direction"
    bounds = check_params(scenario_file=plan.profile.scenario).plausible
    influence = parameter_influence(points.assign(effect=points["mean"]), names, holds=split, bounds=bounds)
    influence["split"] = split
    return RobustResult(effect, points, influence, plan.profile.point_seeds)


def _sign_word(d: PairedDifference) -> str:
    return "higher" if d.sign > 0 else "lower" if d.sign < 0 else INCONCLUSIVE


def judge_claim(m: Measurements, claim: Claim) -> ClaimResult:
    effects = [measure_effect(m, e) for e in claim.effects]
    out = ClaimResult(claim, effects)
    base = effects[0]
    for ablation, effect in claim.ablated():
        r = measure_effect(m, effect)
        change, _ = paired_effect(r.values, base.values)  # on their common seeds
        out.ablations.append(AblationResult(ablation.label, r, change))
    out.null = judge_null(m, claim)
    if m.plan.lhs_points:
        out.robustness = [judge_robustness(m, claim.effects[i]) for i in claim.robustness]
    return out


# --- the headline's extras: modes, break-even, replicates -----------------------------------------------
MODE_OUTCOMES = ("delivery_ratio", "need_met_share_worst_week", "elderly_unserved_share", "elderly_left_unserved_share", "ever_ran_out_share",
                 "platform_food_share", "group_food_share", "idle_local_capacity", "leaders_peak_per_1000")


def mode_summary(m: Measurements, outcomes=MODE_OUTCOMES) -> pd.DataFrame:
    """Each ordering mode at the scenario's settings: mean of each outcome over seeds with its 95 % interval."""
    rows = []
    for mode in ("platform", "group_buying", "hybrid"):
        sub = m.rows("main", mode)
        for name in outcomes:
            if name in sub:
                est = mean_ci(sub[name])
                rows.append({"mode": mode, "outcome": name, "mean": est.mean, "low": est.low, "high": est.high,
                             "n": est.n})
    return pd.DataFrame(rows)


@dataclass
class BreakEvenResult:
    point: BreakEvenPoint
    curve: pd.DataFrame  # value, mean, low, high, n of the swept outcome
    target: Estimate
    seeds: int


def judge_break_even(m: Measurements) -> BreakEvenResult | None:
    be = BREAK_EVEN
    sweep = m.rows("sweep", be.sweep.arm.key)
    base = m.rows("main", be.sweep.arm.key)
    if sweep.empty and base.empty:
        return None
    frames = [sweep[["seed", be.parameter, be.sweep.outcome]]] if not sweep.empty else []
    if not base.empty:
        frames.append(base[["seed", be.sweep.outcome]].assign(**{be.parameter: be.base_value}))
    long = pd.concat(frames, ignore_index=True)
    wide = long.pivot_table(index="seed", columns=be.parameter, values=be.sweep.outcome, aggfunc="first")
    target = measure_values(m, be.target, "main", None)
    curve = []
    for x, sub in long.groupby(be.parameter, sort=True):
        est = mean_ci(sub[be.sweep.outcome])
        curve.append({"value": float(x), "mean": est.mean, "low": est.low, "high": est.high, "n": est.n})
    return BreakEvenResult(break_even(wide.dropna(), target), pd.DataFrame(curve), mean_ci(target), len(wide))


REPLICATE_SIZES = (0.005, 0.01, 0.02, 0.05)


def replicates_rows(results: ClaimResult, sizes=REPLICATE_SIZES) -> pd.DataFrame:
    """For each effect: the spread of its paired differences and the paired seeds needed (95 %, 80 % power) to
    detect a difference of each size, and one as large as the one measured."""
    rows = []
    for r in results.effects:
        sd = r.d.sd
        row = {"effect": r.effect.label, "sd": sd, "measured": r.d.mean,
               "for_measured": replicates_needed(sd, r.d.mean) if math.isfinite(r.d.mean) and r.d.mean else math.inf}
        for s in sizes:
            row[f"for {s:g}"] = replicates_needed(sd, s)
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class Judgement:
    """Everything the report shows."""

    measurements: Measurements
    claims: list  # ClaimResult, the headline first
    modes: pd.DataFrame
    break_even: BreakEvenResult | None
    replicates: pd.DataFrame


def judge(m: Measurements, claims=ALL_CLAIMS) -> Judgement:
    results = [judge_claim(m, c) for c in claims]
    head = next((r for r in results if r.claim is HEADLINE), results[0])
    return Judgement(m, results, mode_summary(m), judge_break_even(m), replicates_rows(head))


def load_reproduction(root: str | Path) -> tuple[dict, Judgement]:
    """A reproduction written by `lockdown-sim reproduce --out root`: its manifest and its judgement read again from
    its runs (every effect seed by seed, ablations, null models, robustness), for a notebook or a script."""
    path = Path(root) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        raise ScenarioError(f"'{root}' holds no reproduction ({MANIFEST} missing or unreadable); allowed: a folder "
                            "written by lockdown-sim reproduce --out DIR") from None
    return manifest, judge(load_measurements(root, design(profile_of(manifest))))
