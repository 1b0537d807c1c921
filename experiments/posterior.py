"""Results carried over a calibration's posterior (`--posterior DIR`): each replicate draws a parameter set from the
posterior as well as a city, so every interval covers parameter and seed uncertainty.

Replicate r runs parameter set r (drawn from the weighted particles of DIR/particles.csv, with replacement, by a
generator seeded from the one seed scheme: block_seed(master_seed, POSTERIOR_BLOCK, 0)) on city r (the replicate
seed run_seed(master_seed, r) of every command), in every ordering mode: modes are still compared on the same city
and the same parameters, and the same command gives the same draws and numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from lockdown_sim.experiments.design import Experiment, RunSpec, experiment_from_tables
from lockdown_sim.experiments.seeds import block_seed, run_seed
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.keywords import ORDERING_MODES

POSTERIOR_BLOCK = 2102  # seed block of experiments/seeds.py for drawing parameter sets from a posterior


@dataclass(frozen=True)
class Posterior:
    """A calibration's posterior as a table of weighted particles in scenario values."""

    folder: str
    scenario: str
    quick: bool
    particles: object  # pandas DataFrame: one column per fitted parameter
    weights: np.ndarray

    @property
    def note(self) -> str:
        what = "a QUICK posterior (a first look, not a posterior to quote)" if self.quick else "the posterior"
        return (f"each run draws a parameter set from {what} of {self.folder} as well as a city: intervals cover "
                "parameter and seed uncertainty")

    def draws(self, n: int, master_seed: int) -> list[dict]:
        """Parameter sets 0 .. n-1 (draw r does not depend on n)."""
        rng = np.random.default_rng(block_seed(master_seed, POSTERIOR_BLOCK, 0))
        w = self.weights / self.weights.sum()
        rows = rng.choice(len(self.particles), size=max(n, 1), replace=True, p=w)[:n]
        cols = list(self.particles.columns)
        return [{c: _plain(self.particles.iloc[r][c]) for c in cols} for r in rows]


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def load_posterior_draws(folder: str | Path) -> Posterior:
    """Read a calibration folder (lockdown-sim calibrate --out DIR): its particles and what it was fitted on; one
    line naming the option when it is not one."""
    import pandas as pd

    folder = Path(folder)
    try:
        manifest = json.loads((folder / "calibration.json").read_text())
        table = pd.read_csv(folder / "particles.csv")
    except (OSError, ValueError):
        raise ScenarioError(f"--posterior: '{folder}' holds no finished calibration (calibration.json and "
                            "particles.csv); allowed: a folder written by lockdown-sim calibrate") from None
    if "weight" not in table or table.empty:
        raise ScenarioError(f"--posterior: {folder / 'particles.csv'} has no weighted particles")
    weights = table.pop("weight").to_numpy(dtype=float)
    from lockdown_sim.sim.schema import field as schema_field

    for name in table.columns:
        if schema_field(name).whole:
            table[name] = table[name].round().astype(int)
    opts = manifest["options"]
    return Posterior(str(folder), opts["scenario"], bool(opts.get("quick")), table, weights)


@dataclass(frozen=True)
class PosteriorExperiment(Experiment):
    """Replicate r = parameter set r of the posterior on city r, in every ordering mode (see the module docstring).
    Its points are the draws; each runs one replicate."""

    posterior: dict = field(default_factory=dict)  # where the draws came from (folder, quick)

    def canonical(self) -> dict:
        return super().canonical() | {"posterior": self.posterior}

    def runs(self, numbered: dict[str, int] | None = None) -> list[RunSpec]:
        points = self.parameter_points()  # each draw crossed with every grid combination
        per_draw = max(1, len(points) // max(self.replicates, 1))
        w = max(3, len(str(len(points) - 1)))
        out = []
        for i, (label, point) in enumerate(points):
            r = i // per_draw
            for ordering in self.orderings:
                out.append(RunSpec(run_id=f"p{i:0{w}d}-{ordering}-r{r:0{w}d}", point=i, point_label=label,
                                   ordering=ordering, replicate=r, seed=run_seed(self.master_seed, r),
                                   params=self.model_params(point, ordering), parameter_names=self.parameter_names,
                                   metrics=self.kept_metrics))
        return out

    def count(self) -> int:
        return len(self.parameter_points()) * len(self.orderings)


def over_posterior(experiment: Experiment, posterior: Posterior, replicates: int) -> PosteriorExperiment:
    """`experiment` (its fixed settings, grid and orderings) with replicate r running parameter set r of `posterior`
    on city r; settings the experiment fixes itself (an arm's own) are kept, the draw gives the rest. Every point is
    checked by the experiments' own checks before any run."""
    draws = posterior.draws(replicates, experiment.master_seed)
    fixed = dict(experiment.fixed)
    points = [{"label": f"draw {r}", **{k: v for k, v in d.items() if k not in fixed}} for r, d in enumerate(draws)]
    data = {"experiment": {**_experiment_table(experiment), "replicates": 1}, "fixed": fixed, "points": points}
    if experiment.grid:
        data["grid"] = {k: list(v) for k, v in experiment.grid.items()}
    checked = experiment_from_tables(data, f"{experiment.source} --posterior")
    values = {f.name: getattr(checked, f.name) for f in fields(Experiment)}
    values["replicates"] = replicates
    return PosteriorExperiment(**values, posterior={"folder": posterior.folder, "quick": posterior.quick,
                                                    "draw_block": POSTERIOR_BLOCK})


def check_scenario(scenario, posterior: Posterior) -> None:
    if Path(str(scenario)).stem != Path(str(posterior.scenario)).stem:
        raise ScenarioError(f"--posterior: fitted on scenario '{posterior.scenario}'; allowed: --scenario "
                            f"{posterior.scenario} (the parameters were fitted on it)")


def posterior_experiment(name: str, description: str, params: dict, replicates: int, posterior: Posterior,
                         orderings=ORDERING_MODES, master_seed: int | None = None) -> PosteriorExperiment:
    """The model keywords `params` (as a command gives them) in `orderings` on `replicates` replicates, replicate r
    with parameter set r of `posterior`."""
    from lockdown_sim.experiments.compare import model_experiment

    check_scenario(params.get("scenario_file", "shanghai-2022"), posterior)
    return over_posterior(model_experiment(name, description, params, 1, orderings, master_seed), posterior, replicates)


def _experiment_table(e: Experiment) -> dict:
    table = {"name": e.name, "description": e.description, "scenario": e.scenario_ref, "orderings": list(e.orderings),
             "master_seed": e.master_seed, "metrics": e.metrics if e.metrics == "all" else list(e.metrics)}
    for key in ("households", "days"):
        if getattr(e, key) is not None:
            table[key] = getattr(e, key)
    return table
