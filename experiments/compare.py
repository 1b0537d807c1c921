"""The headline experiment: platform vs group buying vs hybrid on the same city and the same seeds.

A seed fixes the city (population, compounds, suppliers, sites, riders), because the model draws them before
anything that depends on the ordering mode; so each mode is run on identical cities.
"""

from __future__ import annotations

import pandas as pd
from tqdm.auto import tqdm

from lockdown_sim.analysis.summary import summarise
from lockdown_sim.experiments.engines import LocalEngine
from lockdown_sim.sim.model import ORDERING_MODES
from lockdown_sim.sim.runner import daily_table, run_model


def design(params: dict, seeds: list[int]) -> list[tuple[dict, int]]:
    """One run per (mode, seed)."""
    return [(dict(params, ordering=mode), seed) for mode in ORDERING_MODES for seed in seeds]


def run_one(params: dict, seed: int) -> dict:
    model = run_model(params, rng=seed, progress=False)
    outcome = summarise(daily_table(model), model.population.n, model.cfg.timeline.reopen_day)
    return {"ordering": params["ordering"], "seed": seed, **outcome}


def _run_task(task: tuple[dict, int]) -> dict:
    return run_one(*task)


def run_compare(params: dict, seeds: list[int], workers: int = 1, progress: bool | None = None) -> pd.DataFrame:
    """Run the design (on the local engine with `workers` processes) and return one row of outcomes per run,
    in design order. A run that raises stops the comparison: a table with a mode missing would mislead."""
    runs = design(params, seeds)
    rows: dict[int, dict] = {}
    with tqdm(total=len(runs), unit="run", disable=progress is False, delay=1, leave=False) as bar:
        with LocalEngine(workers) as engine:
            for i, result in engine.map(_run_task, runs):
                if isinstance(result, BaseException):
                    raise result
                rows[i] = result
                bar.update()
    return pd.DataFrame([rows[i] for i in range(len(runs))])
