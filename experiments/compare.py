"""The headline experiment: platform vs group buying vs hybrid on the same city and the same seeds.

A seed fixes the city (population, compounds, suppliers, sites, riders), because the model draws them before
anything that depends on the ordering mode; so each mode is run on identical cities.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context

import pandas as pd
from tqdm.auto import tqdm

from analysis.summary import summarise
from sim.model import ORDERING_MODES
from sim.runner import daily_table, run_model


def design(params: dict, seeds: list[int]) -> list[tuple[dict, int]]:
    """One run per (mode, seed)."""
    return [(dict(params, ordering=mode), seed) for mode in ORDERING_MODES for seed in seeds]


def run_one(params: dict, seed: int) -> dict:
    model = run_model(params, rng=seed, progress=False)
    outcome = summarise(daily_table(model), model.population.n, model.cfg.timeline.reopen_day)
    return {"ordering": params["ordering"], "seed": seed, **outcome}


def run_compare(params: dict, seeds: list[int], workers: int = 1, progress: bool | None = None) -> pd.DataFrame:
    """Run the design (in `workers` processes) and return one row of outcomes per run, in design order."""
    runs = design(params, seeds)
    rows: dict[int, dict] = {}
    with tqdm(total=len(runs), unit="run", disable=progress is False, delay=1, leave=False) as bar:
        if workers <= 1:
            for i, (p, s) in enumerate(runs):
                rows[i] = run_one(p, s)
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
                futures = {pool.submit(run_one, p, s): i for i, (p, s) in enumerate(runs)}
                for fut in as_completed(futures):
                    rows[futures[fut]] = fut.result()
                    bar.update()
    return pd.DataFrame([rows[i] for i in range(len(runs))])
