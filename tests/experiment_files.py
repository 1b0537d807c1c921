"""Small experiment files for the batch tests: the toy city, few households and days, so a batch takes seconds."""

from __future__ import annotations

from pathlib import Path

TINY = """
[experiment]
name = "{name}"
description = "tiny batch for tests"
scenario = "toy"
households = {households}
days = {days}
orderings = ["platform", "hybrid"]
replicates = {replicates}
master_seed = {master_seed}
metrics = ["delivery_ratio", "elderly_unserved_share", "courier_stops", "leaders"]

[fixed]
"stock.initial_days" = 4.0

[grid]
courier_availability = [0.5, 1.0]
"""


def write_experiment(folder: Path, name: str = "tiny", households: int = 400, days: int = 8, replicates: int = 2,
                     master_seed: int = 7, text: str | None = None) -> Path:
    """Write an experiment file (the tiny one unless `text` is given) and return its path."""
    path = Path(folder) / f"{name}.toml"
    path.write_text(text if text is not None else TINY.format(
        name=name, households=households, days=days, replicates=replicates, master_seed=master_seed))
    return path


def tiny_runs(replicates: int = 2) -> int:
    """Runs in the tiny experiment: 2 grid points x 2 modes x replicates."""
    return 2 * 2 * replicates


def few_factor_scenario(folder: Path, keep: tuple, name: str = "few_factors") -> Path:
    """A scenario file on the toy city whose plausible bounds are collapsed to the value, except for the settings in
    `keep`: a sensitivity analysis or a scenario discovery over it varies only those, so it takes seconds."""
    import json

    from lockdown_sim.sim.scenario import load_scenario

    toy = load_scenario("toy")
    assert set(keep) <= set(toy.plausible), "keep names settings with plausible bounds in the toy scenario"
    lines = ['base = "toy"', "", "[plausible]"]
    lines += [f'"{key}" = {json.dumps([toy[key], toy[key]])}' for key in toy.plausible if key not in keep]
    path = Path(folder) / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
