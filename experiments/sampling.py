"""Experiments over a sample of parameter space: the scenario's `[plausible]` factors, the map from the unit cube
to scenario values, and a SampledExperiment that the batch engine runs like an experiment file.

Global sensitivity analysis (experiments/sensitivity.py), scenario discovery (experiments/discovery.py) and the
EMA Workbench model (experiments/workbench.py) all vary the same factors: every setting with plausible bounds in the
scenario, read when the design is made (never a fixed list: new assumptions appear there as the model grows).

One point of a sample is a vector u in [0, 1]^k. A factor maps u_i onto its plausible range; a whole-number
setting takes one of its values in equal-width bins (so every value is as likely). Every point is checked by the
model's own checks before any run (sampled_experiment), so settings that clash together fail in seconds.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lockdown_sim.experiments.design import Experiment, RunSpec, _point_numbers, _scenario_digest
from lockdown_sim.experiments.seeds import block_seed
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.keywords import ORDERING_MODES, check_params
from lockdown_sim.sim.scenario import builtin_names
from lockdown_sim.sim.schema import field as schema_field

@dataclass(frozen=True)
class Factor:
    """A scenario setting varied over its plausible bounds."""

    name: str        # "section.key"
    low: float
    high: float
    whole: bool      # a whole-number setting
    value: float     # the scenario's own value

    def at(self, u: float):
        """The setting's value at position u in [0, 1] of its plausible range."""
        if self.whole:
            n = int(self.high) - int(self.low) + 1
            return int(min(self.low + math.floor(u * n), self.high))
        return float(self.low + u * (self.high - self.low))


@dataclass(frozen=True)
class FactorSpace:
    """The factors of a scenario, in the order of its [plausible] table."""

    factors: tuple

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    def __len__(self) -> int:
        return len(self.factors)

    def values_at(self, u) -> dict:
        """The scenario values of the unit-cube point `u` (one coordinate per factor, in order)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        return {f.name: f.at(u[i]) for i, f in enumerate(self.factors)}

    def latin_points(self, n: int, seed: int, scenario: str) -> tuple[np.ndarray, list[dict], int]:
        """`n` points of a Latin hypercube over the factors (uniform over each plausible range; whole numbers stay
        whole), each checked by the model's own checks on `scenario`: a point that breaks a rule between settings
        (the scenario's cross-checks) is replaced by the next valid point of further hypercubes drawn from
        seed + 1, seed + 2, ... Returns (unit coordinates, values, points replaced)."""
        unit = latin_hypercube(len(self), n, seed)
        values = [self.values_at(row) for row in unit]
        spare, extra, replaced = [], 0, 0
        for j, point in enumerate(values):
            if _valid(scenario, point):
                continue
            replaced += 1
            while True:
                if not spare:
                    extra += 1
                    more = latin_hypercube(len(self), n, seed + extra)
                    spare = [(row, self.values_at(row)) for row in more]
                row, candidate = spare.pop(0)
                if _valid(scenario, candidate):
                    unit[j], values[j] = row, candidate
                    break
        return unit, values, replaced


def latin_hypercube(d: int, n: int, seed: int) -> np.ndarray:
    """n points of a scrambled Latin hypercube in [0, 1)^d (scipy.stats.qmc), from a fixed seed."""
    from scipy.stats import qmc  # here, not at the top: scipy.stats takes a second to load, and checking a design's
    # options (bad input answers at once) needs none of it

    generator = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d=d, rng=generator)
    except TypeError:  # scipy < 1.15 calls it seed
        sampler = qmc.LatinHypercube(d=d, seed=generator)
    return sampler.random(n)


def _valid(scenario: str, point: dict) -> bool:
    try:
        check_params(scenario_file=scenario, overrides=point)
        return True
    except ScenarioError:
        return False


def plausible_space(scenario: str, overrides: dict | None = None) -> FactorSpace:
    """Every setting with plausible bounds in `scenario` (in the file's order) whose bounds allow variation."""
    cfg = check_params(scenario_file=scenario, **({"overrides": overrides} if overrides else {}))
    factors = []
    for name, (low, high) in cfg.plausible.items():
        if high > low:
            factors.append(Factor(name, float(low), float(high), bool(schema_field(name).whole), cfg[name]))
    if not factors:
        raise ScenarioError(f"scenario: '{scenario}' has no [plausible] bounds to vary; allowed: a scenario with a "
                            "[plausible] table")
    return FactorSpace(tuple(factors))


@dataclass(frozen=True)
class SampledExperiment(Experiment):
    """An experiment whose points come from a sampler, each point with a seed block.

    Replicate r of a point in block b has seed block_seed(master_seed, b, r): points in the same block share
    their seeds (common random numbers: a seed fixes the city), and a design can compare blocks to measure seed
    noise (the dummy factor of experiments/sensitivity.py). Runs are points x replicates x orderings, stored by
    experiments/batch.py exactly as an experiment file's runs.
    """

    seed_blocks: tuple = field(default=())
    design: dict = field(default_factory=dict)  # what made the sample (method, its options, the sampler's seed)

    def canonical(self) -> dict:
        return super().canonical() | {"seed_blocks": list(self.seed_blocks), "design": self.design}

    def runs(self, numbered: dict[str, int] | None = None) -> list[RunSpec]:
        """Every run, point by point (`numbered`: label -> number of the points a results directory already holds,
        as Experiment.runs), replicate by replicate, mode by mode; seeds from each point's seed block."""
        points = self.parameter_points()
        numbers = _point_numbers([label for label, _ in points], numbered or {})
        pw = max(3, len(str(len(points) - 1)))
        rw = max(3, len(str(self.replicates - 1)))
        out = []
        for i, (p, (label, point)) in sorted(enumerate(zip(numbers, points)), key=lambda item: item[1][0]):
            block = self.seed_blocks[i] if self.seed_blocks else 0
            for r in range(self.replicates):
                seed = block_seed(self.master_seed, block, r)
                for ordering in self.orderings:
                    out.append(RunSpec(
                        run_id=f"p{p:0{pw}d}-{ordering}-r{r:0{rw}d}", point=p, point_label=label, ordering=ordering,
                        replicate=r, seed=seed, params=self.model_params(point, ordering),
                        parameter_names=self.parameter_names, metrics=self.kept_metrics))
        return out


def sampled_experiment(name: str, description: str, scenario: str, households: int | None, days: int | None,
                       points: list[dict], labels: list[str], seed_blocks: list[int], replicates: int,
                       master_seed: int, design: dict, orderings=ORDERING_MODES,
                       metrics=("delivery_ratio",)) -> SampledExperiment:
    """A SampledExperiment whose every point is checked by the model's own checks before any run."""
    base = {"scenario_file": _scenario_ref(scenario)}
    if households is not None:
        base["households"] = households
    if days is not None:
        base["days"] = days
    cfg = check_params(**base)
    normal = []
    for p, (label, point) in enumerate(zip(labels, points)):
        try:
            checked = check_params(**base, overrides=point)
        except ScenarioError as exc:
            raise ScenarioError(f"{name}: point {p} ({label}): {exc}") from None
        normal.append({"label": label} | {k: checked[k] for k in point})
    return SampledExperiment(
        name=name, description=description, source=f"generated by lockdown-sim ({design.get('method', name)})",
        scenario=scenario, scenario_ref=_scenario_ref(scenario), households=households, days=days, orderings=tuple(orderings),
        replicates=replicates, master_seed=master_seed, metrics=tuple(metrics), fixed={}, grid={},
        points=tuple(normal), scenario_digest=_scenario_digest(cfg), seed_blocks=tuple(int(b) for b in seed_blocks),
        design=json.loads(json.dumps(design)))


def _scenario_ref(scenario: str) -> str:
    """A scenario file is given to the runs by absolute path: workers may run in another directory."""
    if scenario not in builtin_names() and Path(scenario).is_file():
        return str(Path(scenario).resolve())
    return scenario
