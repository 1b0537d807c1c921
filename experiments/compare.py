"""The headline experiment: platform vs group buying vs hybrid on the same city and the same seeds.

`lockdown-sim compare` is this experiment, run by the batch engine into a results directory like any experiment
file (experiments/compare_modes.toml is the same design, written as a file): the three ordering modes on the
replicate seeds of the one seed scheme (experiments/seeds.py). A seed fixes the city (population, compounds,
suppliers, sites, riders), because the model draws them before anything that depends on the ordering mode; so each
mode is run on identical cities, and replicate r is the same city in every command.
"""

from __future__ import annotations

from lockdown_sim.experiments.design import Experiment, experiment_from_tables
from lockdown_sim.sim.keywords import ORDERING_MODES

_IN_EXPERIMENT = ("scenario_file", "households", "days", "ordering", "overrides")


def model_experiment(name: str, description: str, params: dict, replicates: int, orderings=ORDERING_MODES,
                     master_seed: int | None = None, source: str = "") -> Experiment:
    """An experiment of the model keywords `params` (as a command line gives them: scenario, city size, days,
    keywords, overrides) in `orderings`, on `replicates` seeds of the one seed scheme, keeping every daily metric."""
    exp = {"name": name, "description": description, "scenario": params.get("scenario_file", "shanghai-2022"),
           "orderings": list(orderings), "replicates": replicates, "metrics": "all"}
    if master_seed is not None:
        exp["master_seed"] = master_seed
    for key in ("households", "days"):
        if params.get(key) is not None:
            exp[key] = params[key]
    fixed = {k: v for k, v in params.items() if k not in _IN_EXPERIMENT} | dict(params.get("overrides") or {})
    return experiment_from_tables({"experiment": exp, "fixed": fixed}, source or f"lockdown-sim {name}")


def compare_experiment(params: dict, replicates: int, master_seed: int | None = None) -> Experiment:
    """The headline comparison: the three modes on `replicates` paired seeds."""
    return model_experiment("compare", f"platform vs group buying vs hybrid, {replicates} paired seeds", params,
                            replicates, master_seed=master_seed)
