"""Scenario discovery as an experiment: a Latin hypercube over every `[plausible]` factor of the scenario
(scipy.stats.qmc), each point run in the three ordering modes on the same R seeds (common random numbers: same
seed, same city, sim/streams.py), so that "group buying alone fills more than the platform alone" is a paired
comparison at every point. analysis/discovery.py finds the boxes of parameter space with PRIM; `lockdown-sim
discover` (lockdown_sim/console/explore.py) runs the design and the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lockdown_sim.experiments.sampling import FactorSpace, SampledExperiment, plausible_space, sampled_experiment
from lockdown_sim.experiments.seeds import MASTER_SEED
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.keywords import ORDERING_MODES


@dataclass(frozen=True)
class Options:
    """The city, the sample size and the seeds per point of a discovery run."""

    scenario: str = "shanghai-2022"
    households: int | None = None
    days: int | None = None
    points: int = 1000           # Latin hypercube points (runs = points x seeds x 3 modes)
    seeds: int = 2               # replicate seeds per point, the same at every point
    master_seed: int = MASTER_SEED  # the model's seeds (experiments/seeds.py)
    sampler_seed: int = 7        # the Latin hypercube's


QUICK = dict(scenario="toy", households=1000, points=40, seeds=1)
FULL = dict(scenario="shanghai-2022", households=None, points=1000, seeds=2)


@dataclass(frozen=True)
class Design:
    """The Latin hypercube (one row of `unit` per point), its factors and the experiment that runs it."""

    space: FactorSpace
    unit: np.ndarray
    experiment: SampledExperiment

    def table(self) -> pd.DataFrame:
        """One row per point: its label and the scenario values the runs use (whole-number factors as int)."""
        values = pd.DataFrame([{k: v for k, v in p.items() if k != "label"} for p in self.experiment.points])
        for f in self.space.factors:
            if f.whole:
                values[f.name] = values[f.name].astype("int64")
        front = pd.DataFrame({"point": range(len(values)), "label": [p["label"] for p in self.experiment.points]})
        return pd.concat([front, values[self.space.names]], axis=1)


def prepare(options: Options) -> Design:
    """The discovery design, every point checked before any run."""
    for name, lo in (("points", 10), ("seeds", 1)):
        value = getattr(options, name)
        if not isinstance(value, int) or value < lo:
            raise ScenarioError(f"--{name}: {value!r} is not allowed; allowed: a whole number of at least {lo}")
    space = plausible_space(options.scenario)
    unit, points, replaced = space.latin_points(options.points, options.sampler_seed, options.scenario)
    labels = [f"lhs{i:05d}" for i in range(len(points))]
    design = {"method": "latin_hypercube", "points": options.points, "sampler_seed": options.sampler_seed,
              "factors": space.names, "replaced": replaced}
    experiment = sampled_experiment(
        name="discover", description=f"Latin hypercube over every [plausible] factor, {options.seeds} seeds per "
        "point (the same at every point), three modes", scenario=options.scenario, households=options.households,
        days=options.days, points=points, labels=labels, seed_blocks=[0] * len(points), replicates=options.seeds,
        master_seed=options.master_seed, design=design, orderings=ORDERING_MODES)
    return Design(space, unit, experiment)
