"""Scenario discovery as an experiment: a Latin hypercube over every `[plausible]` factor of the scenario
(scipy.stats.qmc), each point run in the three ordering modes on the same R seeds (common random numbers: same
seed, same city, sim/streams.py), so that "group buying alone fills more than the platform alone" is a paired
comparison at every point. analysis/discovery.py finds the boxes of parameter space with PRIM.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from lockdown_sim.experiments.sampling import FactorSpace, SampledExperiment, plausible_space, sampled_experiment
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.model import ORDERING_MODES


@dataclass(frozen=True)
class Options:
    """The city, the sample size and the seeds per point of a discovery run."""

    scenario: str = "shanghai-2022"
    households: int | None = None
    days: int | None = None
    points: int = 1000           # Latin hypercube points (runs = points x seeds x 3 modes)
    seeds: int = 2               # replicate seeds per point, the same at every point
    master_seed: int = 20220328  # the model's seeds
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


def latin_hypercube(d: int, n: int, seed: int) -> np.ndarray:
    """n points of a scrambled Latin hypercube in [0, 1]^d."""
    generator = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d=d, rng=generator)
    except TypeError:  # scipy < 1.15 calls it seed
        sampler = qmc.LatinHypercube(d=d, seed=generator)
    return sampler.random(n)


def prepare(options: Options) -> Design:
    """The discovery design, every point checked before any run."""
    for name, lo in (("points", 10), ("seeds", 1)):
        value = getattr(options, name)
        if not isinstance(value, int) or value < lo:
            raise ScenarioError(f"--{name}: {value!r} is not allowed; allowed: a whole number of at least {lo}")
    space = plausible_space(options.scenario)
    unit = latin_hypercube(len(space), options.points, options.sampler_seed)
    points = [space.values_at(row) for row in unit]
    labels = [f"lhs{i:05d}" for i in range(len(points))]
    design = {"method": "latin_hypercube", "points": options.points, "sampler_seed": options.sampler_seed,
              "factors": space.names}
    experiment = sampled_experiment(
        name="discover", description=f"Latin hypercube over every [plausible] factor, {options.seeds} seeds per "
        "point (the same at every point), three modes", scenario=options.scenario, households=options.households,
        days=options.days, points=points, labels=labels, seed_blocks=[0] * len(points), replicates=options.seeds,
        master_seed=options.master_seed, design=design, orderings=ORDERING_MODES)
    return Design(space, unit, experiment)



def run_discovery(options: Options, out, engine_args: tuple, elderly_threshold: float = 0.5, report=None,
                  progress: bool | None = None, command: str = "") -> int:
    """`lockdown-sim discover`: design, run (resumable) and find PRIM boxes into `out`; optionally write the
    report's part. Returns the exit code (0 done, 1 runs failed, 130 interrupted)."""
    from lockdown_sim.analysis.discovery import analyse
    from lockdown_sim.analysis.results import load_outcomes
    from lockdown_sim.analysis.sensitivity_report import discover_part, report_folder, write_part
    from lockdown_sim.experiments.reproduce import section_hint
    from lockdown_sim.experiments.sampling import run_design

    out = Path(out)
    design = prepare(options)
    if report:
        report_folder(report)
    batch = run_design(design.experiment, design.table(), out,
                           f"discover: {len(design.space)} factors, {options.points:,} points", options.seeds,
                           options.scenario == QUICK["scenario"] and options.households == QUICK["households"],
                           engine_args, progress)
    if isinstance(batch, int):
        return batch
    batch_dir = batch.out
    bounds = {f.name: (f.low, f.high) for f in design.space.factors}
    result = analyse(design.table(), bounds, load_outcomes(batch_dir), out, elderly_threshold)
    print(f"\n{result.text}\n\nwrote {out}: points.csv/.parquet, boxes.csv, boxes.txt and "
          f"{2 * len(result.figures)} figures")
    if report:
        meta = {"scenario": options.scenario, "households": options.households, "days": options.days,
                "seeds": options.seeds, "points": options.points, "runs": design.experiment.count(),
                "command": command, "engine": batch.engine,
                "minutes": batch.seconds / 60 if batch.done == batch.total else None}
        figures = {f"{kind}_{q}": path for q, paths in result.figures.items()
                   for kind, path in zip(("trajectory", "box"), paths)}
        print(f"wrote {write_part(report, 'discover', discover_part(result.boxes, meta), figures)}")
        print(f"  {section_hint(report)}")
    return 0
