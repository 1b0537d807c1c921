"""Judge the study's claims (experiments/claims.py) on a reproduction's results: each test against its null model
and its smallest effect of interest (analysis/verdicts.py: holds, reversed, no effect by equivalence, or
inconclusive, Holm-corrected across the run), one verdict per claim by a written rule, the implementation checks
apart from the verdicts, the same effect with a mechanism ablated, and the share of parameter points (the
plausible-range hypercube; later, posterior draws) where each verdict holds, is reversed, shows no effect or is
inconclusive, with the parameters that move it.

    from lockdown_sim.experiments.reproduce import design, QUICK
    from lockdown_sim.analysis.reproduce import load_measurements, judge
    plan = design(QUICK, root="out/reproduce")
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

from lockdown_sim.analysis.measures import BreakEvenPoint, break_even, paired_effect, parameter_influence
from lockdown_sim.analysis.stats import Estimate, PairedDifference, mean_ci, paired_difference
from lockdown_sim.analysis.verdicts import (HOLDS, INCONCLUSIVE, INPUT, NO_EFFECT, NO_PREDICTION, REVERSED, Decision,
                                            Evidence, check_status, claim_verdict, decide_family, decide_point,
                                            seeds_needed, weigh_effect)
from lockdown_sim.experiments.claims import (ALL_CLAIMS, BREAK_EVEN, Claim, Effect, Fixed, FromCity,
                                             FromSettings, Measure, Setting)
from lockdown_sim.experiments.falsifiable import Kind
from lockdown_sim.experiments.reproduce import MANIFEST, ROBUSTNESS_KINDS, Design, design, profile_of, read_probes
from lockdown_sim.experiments.results_store import ResultsStore
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.model import check_params
from lockdown_sim.sim.outcomes import OUTCOMES


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
    """The outcome of the measure's arm (several outcomes: their sum), one value per seed."""
    rows = m.rows(kind, measure.arm.key, point)
    if any(name not in rows for name in measure.outcomes):
        return pd.Series(dtype=float)
    values = rows[list(measure.outcomes)].astype(float).sum(axis=1, min_count=len(measure.outcomes))
    return pd.Series(values.to_numpy(), index=rows["seed"].to_numpy(), dtype=float)


def term_values(m: Measurements, term, anchor: Measure, kind: str, point: int | None) -> pd.Series | float:
    """Values of the `b` side of an effect, per seed of the anchor's runs."""
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
    """An effect measured on paired seeds: its seed-by-seed values, their tests against the SESOI (analysis/verdicts.py),
    what it is (verdict, check, descriptive) and, once the run's verdicts are corrected together, its decision."""

    effect: Effect
    kind: Kind
    values: pd.Series  # per seed
    t: Evidence
    a: Estimate
    b: Estimate
    decision: Decision | None = None  # verdicts only, set by judge()
    status: str = ""  # checks: as built / not as built

    @property
    def verdict(self) -> str:
        if self.decision is not None:
            return self.decision.verdict
        if self.status:
            return self.status
        return NO_PREDICTION if self.effect.predicted == 0 else "-"

    @property
    def value(self) -> float:
        return self.t.mean

    @property
    def low(self) -> float:
        return self.t.low

    @property
    def high(self) -> float:
        return self.t.high

    @property
    def n(self) -> int:
        return self.t.n


def measure_effect(m: Measurements, effect: Effect, kind: str = "main", point: int | None = None) -> EffectResult:
    a = measure_values(m, effect.a, kind, point)
    b = term_values(m, effect.b, effect.a, kind, point)
    _, values = paired_effect(a, b, effect.neutral, effect.scale)
    sesoi = effect.smallest.value
    t = weigh_effect(values.to_numpy(), effect.predicted, sesoi, effect.neutral)
    b_est = mean_ci(b.reindex(values.index)) if isinstance(b, pd.Series) else Estimate(b, b, b, len(values), 0.0)
    result = EffectResult(effect, effect.kind, values, t, mean_ci(a.reindex(values.index)), b_est)
    if result.kind.kind == "implementation check":
        result.status = check_status(t, effect.predicted, bound="its own bound" in result.kind.reason)
    return result


@dataclass
class AblationResult:
    label: str
    result: EffectResult
    change: PairedDifference  # ablated effect - calibrated effect, seed by seed


@dataclass
class RobustResult:
    """A verdict effect at every point of a robustness kind (the hypercube; later, posterior draws): the point's
    effect and its verdict by the same rule (uncorrected), the shares, and which parameters move it."""

    effect: Effect
    points: pd.DataFrame  # point, parameters, mean, low, high, n, verdict
    influence: pd.DataFrame  # analysis.measures.parameter_influence
    seeds_per_point: int
    kind: str = "lhs"

    def share(self, what: str) -> float:
        if self.points.empty:
            return math.nan
        return float((self.points["verdict"] == what).mean())

    @property
    def shares(self) -> dict:
        return {v: self.share(v) for v in (HOLDS, REVERSED, NO_EFFECT, INCONCLUSIVE)}


@dataclass
class ClaimResult:
    claim: Claim
    effects: list  # EffectResult of the verdicts, in the claim's order
    descriptive: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    ablations: list = field(default_factory=list)
    robustness: list = field(default_factory=list)  # RobustResult per verdict and robustness kind

    @property
    def verdict(self) -> str:
        """The claim's verdict from its tests' (analysis.verdicts.claim_verdict); an input claim is not judged."""
        if self.claim.input:
            return INPUT
        return claim_verdict([e.verdict for e in self.effects])


def judge_robustness(m: Measurements, effect: Effect, kind: str = "lhs") -> RobustResult:
    plan = m.plan
    points_settings = plan.points_of(kind)
    names = sorted({k for p in points_settings for k in p})
    rows = []
    for j, settings in enumerate(points_settings):
        r = measure_effect(m, effect, kind, j)
        if r.t.n == 0:
            continue
        rows.append({"point": j, **settings, "mean": r.value, "low": r.low, "high": r.high, "n": r.t.n,
                     "verdict": decide_point(r.t)})
    points = pd.DataFrame(rows)
    if points.empty:
        return RobustResult(effect, points, pd.DataFrame(), plan.profile.point_seeds, kind)
    sign = effect.predicted or 1
    points["direction"] = np.sign(points["mean"] - effect.neutral) == sign
    points["holds"] = points["verdict"] == HOLDS
    split = "holds" if 2 <= points["holds"].sum() <= len(points) - 2 else "direction"
    bounds = check_params(scenario_file=plan.profile.scenario).plausible
    influence = parameter_influence(points.assign(effect=points["mean"]), names, holds=split, bounds=bounds)
    influence["split"] = split
    return RobustResult(effect, points, influence, plan.profile.point_seeds, kind)


def judge_claim(m: Measurements, claim: Claim) -> ClaimResult:
    """A claim's effects measured (verdicts not yet decided: judge() corrects the run's verdicts together)."""
    out = ClaimResult(claim, [measure_effect(m, e) for e in claim.verdicts()])
    out.descriptive = [measure_effect(m, e) for e in claim.descriptive()]
    out.checks = [measure_effect(m, e) for e in claim.all_checks()]
    base = measure_effect(m, claim.primary)
    for ablation, effect in claim.ablated():
        r = measure_effect(m, effect)
        both = pd.concat([r.values.rename("x"), base.values.rename("y")], axis=1, join="inner")
        change = paired_difference(both["x"].to_numpy(), both["y"].to_numpy())
        out.ablations.append(AblationResult(ablation.label, r, change))
    out.robustness = [judge_robustness(m, e, kind) for kind in ROBUSTNESS_KINDS if m.plan.points_of(kind)
                      for e in claim.verdicts()]
    return out


# --- the headline's extras: modes, break-even, seeds needed -----------------------------------------------
MODE_OUTCOMES = ("need_met_share", "need_met_share_worst_week", "elderly_unserved_share", "elderly_left_unserved_share",
                 "ever_ran_out_share", "delivery_ratio", "platform_food_share", "platform_group_food_share",
                 "group_food_share", "idle_local_capacity", "leaders_peak_per_1000")


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


def seeds_rows(claims: list) -> pd.DataFrame:
    """For every verdict: the spread of its seed-by-seed values, its SESOI, and the paired seeds its tests need
    (80 % power) from the SESOI: to show it holds if the true effect were twice the SESOI, and to show no effect
    if it were zero; beside the seeds each arm ran."""
    rows = []
    for cr in claims:
        for r in cr.effects:
            holds, tost = seeds_needed(r.t.sd, r.t.sesoi)
            rows.append({"claim": cr.claim.key, "effect": r.effect.label, "sd": r.t.sd, "sesoi": r.t.sesoi,
                         "seeds": r.t.n, "for_holds": holds, "for_no_effect": tost})
    return pd.DataFrame(rows)


@dataclass
class Judgement:
    """Everything the report shows."""

    measurements: Measurements
    claims: list  # ClaimResult, the headline first
    modes: pd.DataFrame
    break_even: BreakEvenResult | None
    seeds: pd.DataFrame

    def verdicts(self) -> list[tuple[ClaimResult, EffectResult]]:
        return [(cr, e) for cr in self.claims for e in cr.effects]


def judge(m: Measurements, claims=ALL_CLAIMS) -> Judgement:
    """Every claim measured; the run's verdicts decided together (Holm across them); each claim's verdict."""
    results = [judge_claim(m, c) for c in claims]
    verdicts = [e for cr in results for e in cr.effects]
    for e, decision in zip(verdicts, decide_family([e.t for e in verdicts])):
        e.decision = decision
    return Judgement(m, results, mode_summary(m), judge_break_even(m), seeds_rows(results))


def load_reproduction(root: str | Path) -> tuple[dict, Judgement]:
    """A reproduction written by `lockdown-sim reproduce --out root`: its manifest and its judgement read again from
    its runs (every effect seed by seed, ablations, checks, robustness), for a notebook or a script."""
    path = Path(root) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        raise ScenarioError(f"'{root}' holds no reproduction ({MANIFEST} missing or unreadable); allowed: a folder "
                            "written by lockdown-sim reproduce --out DIR") from None
    plan = design(profile_of(manifest), root=root)
    return manifest, judge(load_measurements(root, plan))
