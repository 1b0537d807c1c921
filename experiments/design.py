"""Experiment files: read and validate an experiment TOML and expand it into runs with deterministic seeds.

An experiment says what to run, not how: a base scenario, parameters held fixed, a grid and/or a list of
parameter points, the ordering modes, the replicates (seeds derived from one master seed) and the metrics to
keep. Parameter values are checked by the model's own checks (`sim.keywords.check_params`, which validates
scenario settings with the scenario schema), so an experiment file obeys exactly the rules of a model call.

    [experiment]                      # what and how many
    name = "courier_sweep"
    scenario = "shanghai-2022"        # built-in name or path (relative: next to the experiment file, else here)
    households = 20000                # optional: the scenario's default
    days = 95                         # optional: the scenario's horizon
    orderings = ["platform", "hybrid"]
    replicates = 10
    master_seed = 20220328            # optional: experiments/seeds.py MASTER_SEED, as every command
    metrics = ["delivery_ratio", ...]      # or "all"

    [fixed]                           # held for every run
    fcfs_slots = true                 # a model keyword ...
    "stock.initial_days" = 5.0        # ... or a scenario setting "section.key"

    [grid]                            # every combination of these values
    courier_availability = [0.1, 0.2, 0.5, 1.0]

    [[points]]                        # and/or a list of points (each crossed with the grid); `label` is optional
    label = "no gateway"
    gateway = false

Runs are points x replicates x orderings. Replicate r has the same seed in every point and mode (common random
numbers: a seed fixes the city, so modes and points are compared on identical cities); the seed is drawn from
numpy's SeedSequence(master_seed, spawn_key=(r,)) (experiments/seeds.py), so adding replicates keeps the earlier
seeds, and an experiment without its own master seed runs the seeds of every command.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path


from lockdown_sim.experiments.seeds import MASTER_SEED, MAX_SEED, run_seed
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.metrics import METRIC_NAMES
from lockdown_sim.sim.keywords import ORDERING_MODES, PARAMETERS, check_params
from lockdown_sim.sim.scenario import builtin_names, not_a_file, read_toml
from lockdown_sim.sim.schema import MECHANISMS, SCHEMA
from lockdown_sim.sim.schema import field as schema_field

BUILTIN_DIR = resources.files("lockdown_sim.experiments")
TABLES = ("experiment", "fixed", "grid", "points")
EXPERIMENT_KEYS = ("name", "description", "scenario", "households", "days", "orderings", "replicates",
                   "master_seed", "metrics")
# Model keywords an experiment may hold fixed or vary; scenario, ordering, households and days belong to
# [experiment], rng to the seeds, and overrides are written as "section.key" settings.
_NOT_PARAMETERS = ("scenario_file", "ordering", "households", "days", "overrides")
KEYWORDS = tuple(p for p in PARAMETERS if p not in _NOT_PARAMETERS)
MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class RunSpec:
    """One run: its identity, the model keyword parameters and seed, and what to keep of its daily table."""

    run_id: str
    point: int
    point_label: str
    ordering: str
    replicate: int
    seed: int
    params: dict            # LockdownSupplyModel(**params, rng=seed)
    parameter_names: tuple  # the experiment's parameters (keywords and "section.key"), one column each
    metrics: tuple          # daily metrics kept ("day" first)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file (see the module docstring)."""

    name: str
    description: str
    source: str
    scenario: str           # as written in the file
    scenario_ref: str       # what the model is given (a built-in name or a resolved path)
    households: int | None
    days: int | None
    orderings: tuple
    replicates: int
    master_seed: int
    metrics: str | tuple    # "all" or metric names
    fixed: dict
    grid: dict
    points: tuple           # parameter dicts, each possibly with "label"
    scenario_digest: str = field(default="")
    source_sha256: str = field(default="")                 # of the file's bytes (provenance; comments count)
    overrides: dict = field(default_factory=dict)          # set on the command line (batch --households ...)

    # --- identity ---------------------------------------------------------------------------------
    def canonical(self) -> dict:
        """Everything that decides the numbers, in a normal form (comments, layout and description do not count)."""
        return {
            "experiment": {"name": self.name, "scenario": self.scenario, "households": self.households,
                           "days": self.days, "orderings": list(self.orderings), "replicates": self.replicates,
                           "master_seed": self.master_seed,
                           "metrics": self.metrics if self.metrics == "all" else list(self.metrics)},
            "fixed": self.fixed, "grid": self.grid, "points": [dict(p) for p in self.points],
            "scenario_digest": self.scenario_digest,
        }

    @property
    def digest(self) -> str:
        """sha256 of the canonical content: two experiments with the same digest give the same runs and numbers."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    # --- expansion --------------------------------------------------------------------------------
    @property
    def parameter_names(self) -> tuple:
        names = list(self.fixed)
        for p in self.points:
            names += [k for k in p if k != "label"]
        names += list(self.grid)
        return tuple(dict.fromkeys(names))

    @property
    def kept_metrics(self) -> tuple:
        chosen = METRIC_NAMES if self.metrics == "all" else self.metrics
        return ("day",) + tuple(m for m in chosen if m != "day")

    def parameter_points(self) -> list[tuple[str, dict]]:
        """(label, parameters) of every point: each [[points]] entry crossed with every grid combination."""
        out = []
        grid_names = list(self.grid)
        combos = list(itertools.product(*self.grid.values())) if grid_names else [()]
        for point in self.points or ({},):
            for combo in combos:
                varied = {k: v for k, v in point.items() if k != "label"} | dict(zip(grid_names, combo))
                parts = [point["label"]] if "label" in point else []
                parts += [f"{k}={_short(v)}" for k, v in varied.items() if "label" not in point or k in grid_names]
                out.append((", ".join(parts) or "base", dict(self.fixed) | varied))
        return out

    def model_params(self, point: dict, ordering: str) -> dict:
        """The LockdownSupplyModel keyword arguments of a parameter point in one ordering mode."""
        params = {"scenario_file": self.scenario_ref, "ordering": ordering}
        if self.households is not None:
            params["households"] = self.households
        if self.days is not None:
            params["days"] = self.days
        overrides = {}
        for name, value in point.items():
            if "." in name:
                overrides[name] = value
            else:
                params[name] = value
        if overrides:
            params["overrides"] = overrides
        return params

    def runs(self, numbered: dict[str, int] | None = None) -> list[RunSpec]:
        """Every run, point by point, replicate by replicate, mode by mode (a partial batch stays balanced).

        Points are numbered in order, except those in `numbered` (label -> number: the points a results directory
        already holds), which keep their numbers; new points come after them. So a grown experiment keeps the
        names of the runs it already has.
        """
        points = self.parameter_points()
        numbers = _point_numbers([label for label, _ in points], numbered or {})
        pw = max(3, len(str(len(points) - 1)))
        rw = max(3, len(str(self.replicates - 1)))
        seeds = [run_seed(self.master_seed, r) for r in range(self.replicates)]
        out = []
        for p, (label, point) in sorted(zip(numbers, points), key=lambda numbered_point: numbered_point[0]):
            for r in range(self.replicates):
                for ordering in self.orderings:
                    out.append(RunSpec(
                        run_id=f"p{p:0{pw}d}-{ordering}-r{r:0{rw}d}", point=p, point_label=label, ordering=ordering,
                        replicate=r, seed=seeds[r], params=self.model_params(point, ordering),
                        parameter_names=self.parameter_names, metrics=self.kept_metrics))
        return out

    def count(self) -> int:
        return len(self.parameter_points()) * len(self.orderings) * self.replicates

    def with_overrides(self, households: int | None = None, replicates: int | None = None) -> "Experiment":
        """This experiment with households or replicates set on the command line, checked as in the file."""
        changes = {}
        if households is not None:
            base = {"scenario_file": self.scenario_ref, **({"days": self.days} if self.days is not None else {})}
            _relabel("--households", "households", lambda: check_params(**base, households=households))
            changes["households"] = households
        if replicates is not None:
            if not 1 <= replicates <= MAX_RUNS:
                raise ScenarioError(f"--replicates: {replicates} is not allowed; allowed: a whole number from 1 to "
                                    f"{MAX_RUNS:,}")
            changes["replicates"] = replicates
        if not changes:
            return self
        changed = replace(self, overrides=self.overrides | changes, **changes)
        if changed.count() > MAX_RUNS:
            raise ScenarioError(f"--replicates: {changed.count():,} runs is too many; allowed: at most {MAX_RUNS:,}")
        return changed


def _point_numbers(labels: list[str], numbered: dict[str, int]) -> list[int]:
    """Each point's number: the one it already has in `numbered`, else the next free one, in order."""
    following = max(numbered.values(), default=-1) + 1
    out = []
    for label in labels:
        if label in numbered:
            out.append(numbered[label])
        else:
            out.append(following)
            following += 1
    return out


# --- reading and validation -------------------------------------------------------------------------
def builtin_experiments() -> list[str]:
    """Names of the experiment files shipped in `experiments/`."""
    return sorted(p.name[:-5] for p in BUILTIN_DIR.iterdir() if p.name.endswith(".toml"))


def _locate(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    path = Path(text)
    if path.is_file():
        return path
    if text in builtin_experiments():
        return Path(str(BUILTIN_DIR / f"{text}.toml"))
    if path.suffix == ".toml" or "/" in text or path.exists():
        raise not_a_file("experiment", path, builtin_experiments())
    raise ScenarioError(f"experiment: '{text}' is neither a built-in experiment ({', '.join(builtin_experiments())}) "
                        "nor a .toml file")


def load_experiment(name_or_path: str | Path) -> Experiment:
    """Read and validate an experiment file; every problem is one ScenarioError line naming the file and field."""
    path = _locate(name_or_path)
    data, file_sha256 = read_toml(path, "")
    try:
        return _parse(data, path, file_sha256)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None


def experiment_from_tables(data: dict, source: str = "<generated>") -> Experiment:
    """An experiment built in code from the same tables a file holds ({"experiment": {...}, "fixed": {...},
    "grid": {...}, "points": [...]}), validated by the same checks; errors name `source` and the entry."""
    try:
        return _parse(data, Path(source))
    except ScenarioError as exc:
        raise ScenarioError(f"{source}: {exc}") from None


def _parse(data: dict, path: Path, file_sha256: str = "") -> Experiment:
    for table in data:
        if table not in TABLES:
            raise ScenarioError(f"{table}: unknown table; allowed: [experiment], [fixed], [grid], [[points]]")
    exp = data.get("experiment")
    if not isinstance(exp, dict):
        raise ScenarioError("experiment: table missing; every experiment file needs an [experiment] table")
    for key in exp:
        if key not in EXPERIMENT_KEYS:
            raise ScenarioError(f"experiment.{key}: unknown key; allowed in [experiment]: {', '.join(EXPERIMENT_KEYS)}")

    exp_name = _text(exp, "name", required=True)
    description = _text(exp, "description", required=False) or ""
    scenario = _text(exp, "scenario", required=False) or "shanghai-2022"
    scenario_ref = scenario  # a scenario file is given to the runs by absolute path: workers may run elsewhere
    if scenario not in builtin_names():
        beside = path.parent / scenario
        found = beside if not Path(scenario).is_absolute() and beside.is_file() else Path(scenario)
        if found.is_file():
            scenario_ref = str(found.resolve())
    base = {"scenario_file": scenario_ref}
    for key in ("households", "days"):
        if key in exp:
            base[key] = exp[key]
    cfg = _at("experiment.", lambda: check_params(**base), names=("scenario", "households", "days"))
    replicates = _whole(exp, "replicates", 1, MAX_RUNS)
    master_seed = _whole(exp, "master_seed", 0, MAX_SEED) if "master_seed" in exp else MASTER_SEED
    orderings = _orderings(exp.get("orderings", list(ORDERING_MODES)), base)
    metrics = _metrics(exp.get("metrics", "all"))

    fixed = _flatten(data.get("fixed", {}), "fixed")
    grid = _flatten(data.get("grid", {}), "grid")
    raw_points = data.get("points", [])
    if not isinstance(raw_points, list) or not all(isinstance(p, dict) for p in raw_points):
        raise ScenarioError("points: must be an array of tables, [[points]] with parameter = value lines")
    points = [_flatten(p, f"points[{i}]", label_ok=True) for i, p in enumerate(raw_points)]

    # each parameter in one place
    for i, point in enumerate(points):
        for name in point:
            if name in fixed:
                raise ScenarioError(f"points[{i}].{name}: also set in [fixed]; allowed: each parameter in one place")
    for name in grid:
        if name in fixed:
            raise ScenarioError(f"grid.{name}: also set in [fixed]; allowed: each parameter in one place")
        if any(name in p for p in points):
            raise ScenarioError(f"grid.{name}: also set in [[points]]; allowed: each parameter in one place")

    named = set(fixed) | set(grid) | {k for p in points for k in p}
    for name in sorted(named):
        if name in MECHANISMS and f"mechanisms.{name}" in named:
            raise ScenarioError(f"{name}: also set as \"mechanisms.{name}\"; allowed: the switch in one place")

    # values, one at a time where they are written (so the error names the entry), normalised by the model
    fixed_n = {}
    for name, value in fixed.items():
        fixed_n[name] = _value(base, {}, name, value, f"fixed.{name}")
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ScenarioError(f"grid.{name}: {values!r} is not allowed; allowed: a non-empty list of values to try")
        grid[name] = [_value(base, fixed_n, name, v, f"grid.{name}[{i}]") for i, v in enumerate(values)]
        if len({json.dumps(v) for v in grid[name]}) < len(grid[name]):
            raise ScenarioError(f"grid.{name}: a value appears twice; allowed: distinct values")
    points_n = []
    for i, point in enumerate(points):
        normal = _point_at_once(base, fixed_n, point)
        if normal is not None:  # the whole point passes: one check instead of one per value
            points_n.append(normal)
            continue
        normal = {}
        for name, value in point.items():
            if name == "label":
                if not isinstance(value, str) or not value.strip():
                    raise ScenarioError(f"points[{i}].label: {value!r} is not allowed; allowed: a non-empty text string")
                normal["label"] = value.strip()
            else:
                normal[name] = _value(base, fixed_n, name, value, f"points[{i}].{name}")
        points_n.append(normal)

    experiment = Experiment(
        name=exp_name, description=description, source=str(path), scenario=scenario, scenario_ref=scenario_ref,
        households=base.get("households"), days=base.get("days"), orderings=tuple(orderings), replicates=replicates,
        master_seed=master_seed, metrics=metrics, fixed=fixed_n, grid=grid, points=tuple(points_n),
        scenario_digest=_scenario_digest(cfg), source_sha256=file_sha256)
    n = experiment.count()
    if n > MAX_RUNS:
        raise ScenarioError(f"experiment: {n:,} runs is too many; allowed: at most {MAX_RUNS:,} (split the experiment)")
    _check_distinct_labels(experiment)
    # whole points: settings can be fine one by one and clash together (e.g. stock.target_days <= stock.reorder_days)
    for p, (label, point) in enumerate(experiment.parameter_points()):
        _at(f"point {p} ({label}): ", lambda: check_params(**experiment.model_params(point, orderings[0])))
    return experiment


def _check_distinct_labels(experiment: Experiment) -> None:
    """Points are told apart by their labels (in run files, summaries and a grown batch): no two may share one."""
    explicit = {}
    for i, point in enumerate(experiment.points):
        if "label" in point:
            if point["label"] in explicit:
                raise ScenarioError(f"points[{i}].label: {point['label']!r} is also the label of "
                                    f"points[{explicit[point['label']]}]; allowed: a different label for each point")
            explicit[point["label"]] = i
    seen = {}
    for p, (label, _) in enumerate(experiment.parameter_points()):
        if label in seen:
            raise ScenarioError(f"point {p} ({label}): the same label as point {seen[label]}; allowed: points that "
                                "differ (give each [[points]] entry its own label)")
        seen[label] = p


def _at(prefix: str, check, names: tuple = ()):
    """Run a check; re-raise its error with the location in the file in front."""
    try:
        return check()
    except ScenarioError as exc:
        message = str(exc)
        for name in names:
            if message.startswith(f"{name}: "):
                raise ScenarioError(prefix + message) from None
        raise ScenarioError(prefix.rstrip(". ") + ": " + message if names else prefix + message) from None


def _value(base: dict, fixed: dict, name: str, value, where: str):
    """Check one parameter value (on top of the base and fixed ones) with the model's checks; return it normalised."""
    if name in KEYWORDS:
        params = dict(base, **{k: v for k, v in fixed.items() if "." not in k}, **{name: value})
        overrides = {k: v for k, v in fixed.items() if "." in k}
        _relabel(where, name, lambda: check_params(**params, **({"overrides": overrides} if overrides else {})))
        return float(value) if name in ("courier_availability", "elderly_share") else value
    overrides = {k: v for k, v in fixed.items() if "." in k} | {name: value}
    params = dict(base, **{k: v for k, v in fixed.items() if "." not in k}, overrides=overrides)
    cfg = _relabel(where, name, lambda: check_params(**params))
    return cfg[name]


def _point_at_once(base: dict, fixed: dict, point: dict) -> dict | None:
    """A point's values normalised by one check of the whole point on top of the base and fixed ones, or None if
    that check fails (the caller then checks value by value, so the error names the entry)."""
    if "label" in point and (not isinstance(point["label"], str) or not point["label"].strip()):
        return None
    values = {k: v for k, v in point.items() if k != "label"}
    merged = dict(fixed) | values
    params = dict(base, **{k: v for k, v in merged.items() if "." not in k})
    overrides = {k: v for k, v in merged.items() if "." in k}
    try:
        cfg = check_params(**params, **({"overrides": overrides} if overrides else {}))
    except ScenarioError:
        return None
    normal = {"label": point["label"].strip()} if "label" in point else {}
    for name, value in values.items():
        if "." in name:
            normal[name] = cfg[name]
        else:
            normal[name] = float(value) if name in ("courier_availability", "elderly_share") else value
    return normal


def _relabel(where: str, name: str, check):
    """Errors about `name` are reported at `where` (e.g. grid.elderly_share[2]); others get `where` in front."""
    try:
        return check()
    except ScenarioError as exc:
        message = str(exc)
        if message.startswith(f"{name}: "):
            raise ScenarioError(where + message[len(name):]) from None
        raise ScenarioError(f"{where}: {message}") from None


def _flatten(table, where: str, label_ok: bool = False) -> dict:
    """Parameters of a table; `stock.initial_days = 3` (a TOML sub-table) and `"stock.initial_days" = 3` are the same."""
    if not isinstance(table, dict):
        raise ScenarioError(f"{where}: must be a table of parameter = value lines")
    out = {}
    for key, value in table.items():
        if key in SCHEMA and isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    for name in out:
        if label_ok and name == "label":
            continue
        if "." in name:
            _relabel(f"{where}.{name}", name, lambda: schema_field(name))
        elif name not in KEYWORDS:
            hint = difflib.get_close_matches(name, KEYWORDS, n=1)
            raise ScenarioError(
                f"{where}.{name}: unknown parameter; allowed: {', '.join(KEYWORDS)}, or a scenario setting "
                f"\"section.key\" (lockdown-sim params)" + (f"; did you mean {hint[0]}?" if hint else ""))
    return out


def _text(table: dict, key: str, required: bool) -> str | None:
    if key not in table:
        if required:
            raise ScenarioError(f"experiment.{key}: missing; expected a text string")
        return None
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"experiment.{key}: {value!r} is not allowed; allowed: a non-empty text string")
    return value.strip()


def _whole(table: dict, key: str, lo: int, hi: int) -> int:
    allowed = f"a whole number from {lo:,} to {hi:,}"
    if key not in table:
        raise ScenarioError(f"experiment.{key}: missing; expected {allowed}")
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise ScenarioError(f"experiment.{key}: {value!r} is not allowed; allowed: {allowed}")
    return value


def _orderings(value, base: dict) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"experiment.orderings: {value!r} is not allowed; allowed: a non-empty list of "
                            f"{', '.join(ORDERING_MODES)}")
    for i, mode in enumerate(value):
        _relabel(f"experiment.orderings[{i}]", "ordering", lambda: check_params(**base, ordering=mode))
    if len(set(value)) < len(value):
        raise ScenarioError("experiment.orderings: a mode appears twice; allowed: distinct modes")
    return list(value)


def _metrics(value) -> str | tuple:
    if value == "all":
        return "all"
    if not isinstance(value, list) or not value:
        raise ScenarioError(f"experiment.metrics: {value!r} is not allowed; allowed: \"all\" or a non-empty list of "
                            "metric names (lockdown-sim metrics)")
    for i, name in enumerate(value):
        if name not in METRIC_NAMES:
            hint = difflib.get_close_matches(str(name), METRIC_NAMES, n=1)
            raise ScenarioError(f"experiment.metrics[{i}]: {name!r} is not a metric; allowed: a name listed by "
                                "`lockdown-sim metrics`" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    if len(set(value)) < len(value):
        raise ScenarioError("experiment.metrics: a metric appears twice; allowed: distinct names")
    return tuple(value)


def _scenario_digest(cfg) -> str:
    """sha256 of the scenario's validated content, so a changed scenario file is a different experiment."""
    content = {"values": cfg.to_dict(), "plausible": {k: list(v) for k, v in cfg.plausible.items()}}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _short(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value) if isinstance(value, list) else str(value)
