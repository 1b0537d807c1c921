"""Global sensitivity analysis as experiments: Morris screening over every `[plausible]` factor of the scenario,
then Sobol first- and total-order indices over the most influential ones (SALib's samplers; the analysis is in
analysis/sensitivity.py).

Every point runs in the three ordering modes on R seeds, so the paired difference group buying minus platform is
taken on common seeds (same seed, same city: sim/streams.py), and outcomes are averaged over the R seeds. A dummy
factor, SEED_NOISE, changes nothing in the model but the block of seeds a point runs on: points that share its
value share their seeds (so a factor's elementary effect or Sobol resample compares identical cities), and its own
index is what seed noise alone looks like. Factors whose indices do not clear it are not separated from noise.

The runs go through the batch engine (experiments/batch.py, engines.py) like an experiment file: resumable, on a
local pool or on Dask, into DIR/<method>/batch (`lockdown-sim sensitivity`: lockdown_sim/console/explore.py).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lockdown_sim.experiments.sampling import FactorSpace, SampledExperiment, plausible_space, sampled_experiment
from lockdown_sim.experiments.seeds import MASTER_SEED
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.keywords import ORDERING_MODES

SEED_NOISE = "seed_noise"   # the dummy factor: the block of seeds a point runs on
METHODS = ("morris", "sobol")
SOBOL_SEED_BLOCKS = 2**20   # Sobol's dummy is continuous: its value picks one of this many seed blocks


@dataclass(frozen=True)
class Options:
    """What a sensitivity run varies and how much: the city, the seeds per point and the sampler's size."""

    scenario: str = "shanghai-2022"
    households: int | None = None
    days: int | None = None
    seeds: int = 3               # replicate seeds per point (outcomes are averaged over them)
    trajectories: int = 20       # Morris: trajectories (runs = trajectories x (factors + 2) x seeds x 3 modes)
    levels: int = 4              # Morris: levels of the grid
    samples: int = 256           # Sobol: base sample N (runs = N x (factors + 3) x seeds x 3 modes)
    top: int = 6                 # Sobol: factors taken from the Morris ranking
    params: tuple = ()           # Sobol: factors named by the user instead
    master_seed: int = MASTER_SEED  # the model's seeds (experiments/seeds.py)
    sampler_seed: int = 12       # SALib's sampler


# --quick: the toy city, small enough for the tests (seconds), with the same code path as a full run
QUICK = dict(scenario="toy", households=1000, seeds=1, trajectories=2, samples=8, top=3)
FULL = dict(scenario="shanghai-2022", households=None, seeds=3, trajectories=20, samples=256, top=6)


@dataclass(frozen=True)
class Design:
    """A sample and the experiment that runs it: the SALib problem over the unit cube (SEED_NOISE last), one
    row of `unit` per point, and the points' scenario values."""

    method: str
    problem: dict
    unit: np.ndarray
    experiment: SampledExperiment

    @property
    def factors(self) -> list[str]:
        return list(self.problem["names"])

    def table(self) -> pd.DataFrame:
        """One row per point: label, seed block, unit coordinates (u:...) and the values the runs use."""
        values = pd.DataFrame([{k: v for k, v in p.items() if k != "label"} for p in self.experiment.points])
        unit = pd.DataFrame(self.unit, columns=[f"u:{n}" for n in self.factors])
        front = pd.DataFrame({"point": range(len(unit)), "label": [p["label"] for p in self.experiment.points],
                              "seed_block": self.experiment.seed_blocks})
        return pd.concat([front, unit, values], axis=1)


def problem(names: list[str]) -> dict:
    """SALib's problem over the unit cube: the factors (scenario values come from FactorSpace), SEED_NOISE last."""
    names = list(names) + [SEED_NOISE]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _check(options: Options) -> None:
    for name, lo in (("seeds", 1), ("trajectories", 2), ("levels", 2), ("samples", 2), ("top", 1)):
        value = getattr(options, name)
        if not isinstance(value, int) or value < lo:
            raise ScenarioError(f"--{name}: {value!r} is not allowed; allowed: a whole number of at least {lo}")
    if options.levels % 2:
        raise ScenarioError(f"--levels: {options.levels} is not allowed; allowed: an even number (Morris' grid)")


def morris_design(space: FactorSpace, options: Options) -> Design:
    """Morris trajectories over every factor of `space` and SEED_NOISE (its levels are the seed blocks)."""
    from SALib.sample import morris as morris_sample

    _check(options)
    prob = problem(space.names)
    unit = morris_sample.sample(prob, N=options.trajectories, num_levels=options.levels, seed=options.sampler_seed)
    blocks = np.rint(unit[:, -1] * (options.levels - 1)).astype(int)
    steps = len(space) + 2
    labels = [f"t{i // steps:03d}s{i % steps:02d}" for i in range(len(unit))]
    points = [space.values_at(row[:-1]) for row in unit]
    design = {"method": "morris", "trajectories": options.trajectories, "levels": options.levels,
              "sampler_seed": options.sampler_seed, "factors": prob["names"]}
    return Design("morris", prob, unit, _experiment("morris", space, options, points, labels, blocks, design))


def sobol_design(space: FactorSpace, chosen: list[str], options: Options) -> Design:
    """Saltelli's sample (first and total order) over the `chosen` factors and SEED_NOISE; the other factors keep
    the scenario's values."""
    _check(options)
    unknown = [c for c in chosen if c not in space.names]
    if unknown:
        hint = difflib.get_close_matches(unknown[0], space.names, n=1)
        raise ScenarioError(f"--params: '{unknown[0]}' has no plausible bounds in the scenario"
                            + (f"; did you mean {hint[0]}?" if hint else "") + f" allowed: {', '.join(space.names)}")
    if options.samples & (options.samples - 1):
        raise ScenarioError(f"--samples: {options.samples} is not allowed; allowed: a power of 2 (Sobol' sequence)")
    from SALib.sample import sobol as sobol_sample

    prob = problem(chosen)
    unit = sobol_sample.sample(prob, N=options.samples, calc_second_order=False, scramble=True,
                               seed=options.sampler_seed)
    blocks = np.minimum(np.floor(unit[:, -1] * SOBOL_SEED_BLOCKS), SOBOL_SEED_BLOCKS - 1).astype(int)
    by_name = {f.name: f for f in space.factors}
    sub = FactorSpace(tuple(by_name[name] for name in chosen))
    points = [sub.values_at(row[:-1]) for row in unit]
    labels = [f"n{i // (len(chosen) + 3):04d}m{i % (len(chosen) + 3):02d}" for i in range(len(unit))]
    design = {"method": "sobol", "samples": options.samples, "sampler_seed": options.sampler_seed,
              "factors": prob["names"]}
    return Design("sobol", prob, unit, _experiment("sobol", space, options, points, labels, blocks, design))


def _experiment(method: str, space: FactorSpace, options: Options, points, labels, blocks, design) -> SampledExperiment:
    what = ("Morris screening over every [plausible] factor" if method == "morris"
            else "Sobol indices over the most influential factors")
    return sampled_experiment(
        name=f"sensitivity_{method}", description=f"{what}, {options.seeds} seeds per point, three modes",
        scenario=options.scenario, households=options.households, days=options.days, points=points, labels=labels,
        seed_blocks=list(blocks), replicates=options.seeds, master_seed=options.master_seed, design=design,
        orderings=ORDERING_MODES)


def prepare(method: str, options: Options, ranked: list[str] | None = None) -> Design:
    """The design of `method` for `options`, every point checked before any run. Sobol takes the factors named
    in `options.params`, or else the `options.top` first of `ranked` (the Morris ranking: analysis/sensitivity.py,
    influential)."""
    if method not in METHODS:
        raise ScenarioError(f"--method: {method!r} is not allowed; allowed: {', '.join(METHODS)}")
    space = plausible_space(options.scenario)
    if method == "morris":
        return morris_design(space, options)
    chosen = list(options.params) or list(ranked or [])[:options.top]
    if not chosen:
        raise ScenarioError("--params: none named and no Morris ranking; allowed: run `lockdown-sim sensitivity "
                            "--method morris` with the same --out first, or name the factors with --params a,b,c")
    if len(set(chosen)) < len(chosen):
        raise ScenarioError("--params: a factor appears twice; allowed: distinct factors")
    return sobol_design(space, chosen, options)
