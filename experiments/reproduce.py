"""The experiments behind `lockdown-sim reproduce`: every arm the claims read (experiments/claims.py), the
break-even sweep and a Latin hypercube over the scenario's [plausible] ranges, generated as experiments and run
as batches on the batch engine (experiments/batch.py: local pool or Dask, resumable, finished runs reused).
analysis/reproduce.py judges what they wrote; the command (lockdown_sim/console/reproduce.py) puts the two together.

    DIR/batches/<profile>/main/<arm>      the arms at the scenario's settings, `seeds` paired seeds each
    DIR/batches/<profile>/sweep/<arm>     the break-even sweep (one grid over the swept keyword)
    DIR/batches/<profile>/lhs/<arm>       the arms the robust effects read, at every hypercube point
    DIR/batches/<profile>/probes.csv      structural values of the built cities (e.g. the upper bound on leaders)

Replicate r has the same seed in every arm, sweep value and hypercube point (experiments/design.py), so every
effect is a paired comparison on identical cities. Running again with the same profile on the same DIR reuses
every finished run and probe.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from lockdown_sim.experiments.batch import open_batches, run_opened
from lockdown_sim.experiments.claims import ALL_CLAIMS, BREAK_EVEN, Arm, FromCity
from lockdown_sim.experiments.design import Experiment, experiment_from_tables
from lockdown_sim.experiments.engines import LocalEngine
from lockdown_sim.experiments.files import atomic_write, write_json
from lockdown_sim.experiments.sampling import plausible_space
from lockdown_sim.experiments.seeds import MASTER_SEED
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.model import LockdownSupplyModel, check_params

LHS_SEED = 20220601  # the hypercube's own draws
MANIFEST = "manifest.json"
SENSITIVITY_FOLDER = "sensitivity"  # DIR/sensitivity/: the "What drives the results" section, written by
                                    # `sensitivity --report DIR` and `discover --report DIR` (analysis/sensitivity_report.py)
KIND = "lockdown-sim reproduce"


@dataclass(frozen=True)
class Profile:
    """How big a reproduction is. `full` meets the project's floor for claims (30 paired seeds, 64 points)."""

    name: str
    seeds: int  # paired seeds per arm
    points: int  # Latin hypercube points
    point_seeds: int  # paired seeds per hypercube point
    sweep_values: tuple
    scenario: str = "shanghai-2022"
    households: int | None = None  # None: the scenario's default
    days: int | None = None  # None: the scenario's horizon
    posterior: str | None = None  # a calibration folder: each replicate and point draws its parameters from it

    @property
    def reduced(self) -> bool:
        """Fewer seeds or points than a claim needs: every verdict is provisional."""
        return self.seeds < 30 or self.points < 64

    @property
    def folder(self) -> str:
        """Profiles with different numbers never share a results directory."""
        text = json.dumps(asdict(self), sort_keys=True, default=list)
        return f"{self.name}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def profile_for(quick: bool = False, scenario: str | None = None, households: int | None = None,
                seeds: int | None = None, points: int | None = None, point_seeds: int | None = None,
                days: int | None = None, posterior: str | None = None) -> Profile:
    """The quick or full profile with any of its numbers changed (checked: one ScenarioError line each)."""
    base = QUICK if quick else FULL
    for name, value, lo in (("--seeds", seeds, 2), ("--points", points, 0), ("--point-seeds", point_seeds, 2)):
        if value is not None and value < lo:
            raise ScenarioError(f"{name}: {value} is not allowed; allowed: a whole number of at least {lo}")
    changes = {k: v for k, v in dict(scenario=scenario, households=households, seeds=seeds, points=points,
                                      point_seeds=point_seeds, days=days, posterior=posterior).items() if v is not None}
    if not changes:
        return base
    name = base.name if set(changes) <= {"scenario", "households", "posterior"} else f"{base.name}-custom"
    return Profile(**(asdict(base) | changes | {"name": name}))


FULL = Profile("full", seeds=30, points=64, point_seeds=4, sweep_values=BREAK_EVEN.values)
QUICK = Profile("quick", seeds=10, points=16, point_seeds=2, sweep_values=BREAK_EVEN.quick_values)


def profile_of(manifest: dict) -> Profile:
    """The profile a finished reproduction ran (its manifest.json), to design and read it again."""
    if "profile" not in manifest:
        raise ScenarioError(f"{MANIFEST}: no profile; the reproduction has not finished: run the same `lockdown-sim "
                            "reproduce` command again to complete it")
    values = dict(manifest["profile"])
    return Profile(**values | {"sweep_values": tuple(values["sweep_values"])})


def command_for(profile: Profile, out: str | Path) -> str:
    """The `lockdown-sim reproduce` command that runs this profile into `out` (again: it reuses finished runs)."""
    base = QUICK if profile.name.startswith("quick") else FULL
    parts = ["lockdown-sim reproduce", f"--out {out}"] + (["--quick"] if base is QUICK else [])
    for name, option in (("scenario", "--scenario"), ("households", "--households"), ("seeds", "--seeds"),
                         ("points", "--points"), ("point_seeds", "--point-seeds"), ("days", "--days"),
                         ("posterior", "--posterior")):
        value = getattr(profile, name)
        if value != getattr(base, name):
            parts.append(f"{option} {value}")
    return " ".join(parts)


# --- structural values of a built city ---------------------------------------------------------------
def leader_bound(model: LockdownSupplyModel) -> float:
    """The upper bound on leaders summed over the city's compounds, per 1,000 households (sim/leader_emergence.py:
    at least one per compound, else leaders_per_100_households of its households, rounded down)."""
    return float(model.emergence.cap.sum()) * 1000.0 / model.population.n


PROBES = {"leader_bound": leader_bound}


# --- the design -----------------------------------------------------------------------------------
@dataclass
class Design:
    """Every batch of a reproduction: (kind, arm) -> experiment, the hypercube and the probes wanted."""

    profile: Profile
    experiments: dict = field(default_factory=dict)  # (kind, arm key) -> Experiment
    arms: dict = field(default_factory=dict)  # arm key -> Arm
    lhs_points: list = field(default_factory=list)  # settings of each hypercube point
    lhs_replaced: int = 0  # points drawn again because they broke a cross-setting rule
    probes: list = field(default_factory=list)  # (probe, kind, arm key)

    def folder(self, root: Path, kind: str, arm_key: str) -> Path:
        return Path(root) / "batches" / self.profile.folder / kind / arm_key

    def batches(self, root: Path) -> list[tuple[Experiment, Path]]:
        return [(exp, self.folder(root, kind, key)) for (kind, key), exp in self.experiments.items()]

    def runs(self) -> int:
        return sum(exp.count() for exp in self.experiments.values())


def _tables(profile: Profile, name: str, arm: Arm, replicates: int, grid: dict | None = None,
            points: list | None = None) -> dict:
    exp = {"name": name, "scenario": profile.scenario, "orderings": [arm.ordering], "replicates": replicates,
           "master_seed": MASTER_SEED, "metrics": "all",
           "description": f"lockdown-sim reproduce ({profile.name}): {arm.label}"}
    if profile.households is not None:
        exp["households"] = profile.households
    if profile.days is not None:
        exp["days"] = profile.days
    data = {"experiment": exp, "fixed": dict(arm.settings)}
    if grid:
        data["grid"] = grid
    if points:
        data["points"] = points
    return data


def robust_arms(claims=ALL_CLAIMS) -> list[Arm]:
    out = []
    for claim in claims:
        for i in claim.robustness:
            out += claim.effects[i].arms()
    return list(dict.fromkeys(out))


def robust_probes(claims=ALL_CLAIMS) -> list[tuple[str, Arm]]:
    out = []
    for claim in claims:
        for i in claim.robustness:
            b = claim.effects[i].b
            if isinstance(b, FromCity):
                out.append((b.probe, b.arm))
    return list(dict.fromkeys(out))


def design(profile: Profile, claims=ALL_CLAIMS) -> Design:
    """Every experiment of a reproduction, validated by the experiments' own checks before any run."""
    check_params(scenario_file=profile.scenario, **({"households": profile.households} if profile.households else {}),
                 **({"days": profile.days} if profile.days else {}))
    plan = Design(profile)
    posterior = None
    if profile.posterior:
        from lockdown_sim.experiments.posterior import check_scenario, load_posterior_draws, over_posterior

        posterior = load_posterior_draws(profile.posterior)
        check_scenario(profile.scenario, posterior)

    def carried(exp: Experiment, replicates: int) -> Experiment:
        """Over the posterior: replicate r draws parameter set r as well as city r."""
        return exp if posterior is None else over_posterior(exp, posterior, replicates)

    main_arms = []
    for claim in claims:
        main_arms += claim.arms()
    main_arms += [BREAK_EVEN.sweep.arm, BREAK_EVEN.target.arm]
    for arm in dict.fromkeys(main_arms):
        plan.arms[arm.key] = arm
        plan.experiments[("main", arm.key)] = carried(experiment_from_tables(
            _tables(profile, f"reproduce-main-{arm.key}", arm, profile.seeds), f"reproduce main arm {arm.key}"),
            profile.seeds)
    for claim in claims:
        plan.probes += [(probe, "main", arm.key) for probe, arm in claim.probes()]

    sweep_arm = BREAK_EVEN.sweep.arm
    values = [v for v in profile.sweep_values if v != BREAK_EVEN.base_value]
    if values:
        plan.experiments[("sweep", sweep_arm.key)] = carried(experiment_from_tables(
            _tables(profile, f"reproduce-sweep-{sweep_arm.key}", sweep_arm, profile.seeds,
                    grid={BREAK_EVEN.parameter: list(values)}), f"reproduce sweep {BREAK_EVEN.parameter}"),
            profile.seeds)

    if profile.points > 0:
        if posterior is not None:  # robustness over the posterior: its draws instead of the uniform hypercube
            plan.lhs_points = posterior.draws(profile.points, MASTER_SEED)
        else:
            plan.lhs_points, plan.lhs_replaced = latin_hypercube(profile)
        for arm in robust_arms(claims):
            plan.arms[arm.key] = arm
            own = {k for k, _ in arm.settings}
            points = [{"label": f"lhs{j:03d}", **{k: v for k, v in point.items() if k not in own}}
                      for j, point in enumerate(plan.lhs_points)]
            plan.experiments[("lhs", arm.key)] = experiment_from_tables(
                _tables(profile, f"reproduce-lhs-{arm.key}", arm, profile.point_seeds, points=points),
                f"reproduce hypercube arm {arm.key}")
        plan.probes += [(probe, "lhs", arm.key) for probe, arm in robust_probes(claims)]
    plan.probes = list(dict.fromkeys(plan.probes))
    return plan


def latin_hypercube(profile: Profile) -> tuple[list[dict], int]:
    """`profile.points` settings drawn by Latin hypercube over the scenario's [plausible] bounds (the one sampler:
    experiments/sampling.py); a point that breaks a rule between settings is replaced. Returns (points, replaced)."""
    _, points, replaced = plausible_space(profile.scenario).latin_points(profile.points, LHS_SEED, profile.scenario)
    return points, replaced


# --- the out directory ------------------------------------------------------------------------------
def open_out(out: str | Path) -> Path:
    """A new or empty directory, or one a reproduction wrote; refused otherwise (one line, nothing changed).
    A directory holding only the "What drives the results" section (`sensitivity --report DIR`, `discover --report
    DIR` run first) counts as empty: the report includes that section."""
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise ScenarioError(f"--out: '{root}' exists and is not a directory")
    marker = root / MANIFEST
    if root.is_dir() and any(not p.name.startswith(".") and not (p.name == SENSITIVITY_FOLDER and p.is_dir())
                             for p in root.iterdir()):
        try:
            held = json.loads(marker.read_text())
        except (OSError, json.JSONDecodeError):
            held = {}
        if held.get("kind") != KIND:
            raise ScenarioError(f"--out: '{root}' is not empty and holds no reproduction ({MANIFEST}); allowed: a "
                                "new or empty directory, or one written by lockdown-sim reproduce")
    try:
        root.mkdir(parents=True, exist_ok=True)
        if not marker.is_file():  # claims the directory before any run, so an interrupted first run is resumed
            write_json(marker, {"kind": KIND})
        probe = root / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ScenarioError(f"--out: cannot write to '{root}': {exc.strerror}") from None
    return root


# --- running -----------------------------------------------------------------------------------
@dataclass
class RunRecord:
    """What one invocation did: runs in the design, finished now and before, failed, and its wall time."""

    runs: int = 0
    done_now: int = 0
    done_before: int = 0
    failed: dict = field(default_factory=dict)
    seconds: float = 0.0
    probe_seconds: float = 0.0
    engine: str = ""


def run_design(plan: Design, root: Path, engine_factory, progress: bool | None = None) -> RunRecord:
    """Run every batch not yet finished (one engine map for all of them: `engine_factory()` gives the engine, a
    context manager such as EngineChoice(...).start, started only if some run is left to do), then the probes."""
    t0 = time.perf_counter()
    with open_batches(plan.batches(root)) as opened:
        nothing_left = not any(batch.left for batch in opened)
        with (LocalEngine(1) if nothing_left else engine_factory()) as engine:
            record = RunRecord(runs=plan.runs(), engine=engine.describe())
            reports = run_opened(opened, engine, progress=progress, desc="reproduce")
    record.done_now = sum(r.done for r in reports)
    record.done_before = sum(r.before for r in reports)
    for r in reports:
        record.failed.update({f"{r.experiment}/{k}": v for k, v in r.failed.items()})
    t1 = time.perf_counter()
    run_probes(plan, root)
    record.probe_seconds = time.perf_counter() - t1
    record.seconds = time.perf_counter() - t0
    return record


def probes_path(plan: Design, root: Path) -> Path:
    return Path(root) / "batches" / plan.profile.folder / "probes.csv"


def read_probes(plan: Design, root: Path) -> pd.DataFrame:
    """The structural values kept in probes.csv (an empty table before any is made)."""
    path = probes_path(plan, root)
    return pd.read_csv(path) if path.is_file() else pd.DataFrame(columns=["kind", "arm", "run_id", "probe", "value"])


def run_probes(plan: Design, root: Path) -> pd.DataFrame:
    """Structural values (PROBES) for every run the claims compare with them: the city is built, never run.
    Kept in probes.csv and reused."""
    have = read_probes(plan, root)
    done = set(zip(have["kind"], have["arm"], have["run_id"], have["probe"]))
    rows = []
    for probe, kind, arm_key in plan.probes:
        exp = plan.experiments.get((kind, arm_key))
        if exp is None:
            continue
        for spec in exp.runs():
            if (kind, arm_key, spec.run_id, probe) in done:
                continue
            model = LockdownSupplyModel(**dict(spec.params, days=1), rng=spec.seed)
            rows.append({"kind": kind, "arm": arm_key, "run_id": spec.run_id, "probe": probe,
                         "value": PROBES[probe](model)})
    if rows:
        have = pd.concat([have, pd.DataFrame(rows)], ignore_index=True) if len(have) else pd.DataFrame(rows)
        path = probes_path(plan, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda p: have.to_csv(p, index=False))
    return have
