"""The calibration experiment: the hybrid mode (both channels, as happened) of a scenario over many seeds, each
run reduced to the values of the record's patterns (analysis/calibration.py) inside its worker."""

from __future__ import annotations

import pandas as pd

from lockdown_sim.analysis.calibration import pattern_values
from lockdown_sim.experiments.engines import LocalEngine
from lockdown_sim.sim.runner import daily_table, run_model


def _run_task(task: tuple[dict, int]) -> dict:
    params, seed = task
    model = run_model(params, rng=seed, progress=False)
    return {"seed": seed, **pattern_values(daily_table(model), model.population.n, model.scale)}


def run_calibration(params: dict, seeds: list[int], workers: int = 1) -> pd.DataFrame:
    """One row per seed: the pattern values of a hybrid run. A run that raises stops the experiment."""
    tasks = [(dict(params, ordering="hybrid"), seed) for seed in seeds]
    rows: dict[int, dict] = {}
    with LocalEngine(workers) as engine:
        for i, result in engine.map(_run_task, tasks):
            if isinstance(result, BaseException):
                raise result
            rows[i] = result
    return pd.DataFrame([rows[i] for i in range(len(tasks))])
