"""Run one model to its horizon (with a progress bar on long runs) and write its daily table.

Writes are atomic (a temporary file renamed into place), so an interrupted run never leaves a file that looks
finished.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

import sim
from sim.errors import ScenarioError
from sim.model import LockdownSupplyModel, check_params


def run_model(params: dict, rng=None, progress: bool | None = None, label: str = "") -> LockdownSupplyModel:
    """Build and run a model; the bar appears only if the run takes more than two seconds."""
    disable = (not sys.stderr.isatty()) if progress is None else not progress
    if not disable:
        n = params.get("households") or check_params(**params).meta.default_households
        if n >= 1_000_000:  # a big city takes a while to build before the first day
            print(f"building the city: {n:,} households ...", file=sys.stderr, flush=True)
    model = LockdownSupplyModel(**params, rng=rng)
    return run_to_end(model, disable, label)


def run_to_end(model: LockdownSupplyModel, disable: bool = True, label: str = "") -> LockdownSupplyModel:
    """Step a built model to its horizon."""
    # The city lives for the whole run: keep Python's cycle collector from rescanning its millions of objects at
    # every full collection (seconds each in a full city). Unfrozen at the end, so nothing outlives the run; a
    # process that already keeps objects frozen (a forking server) is left alone.
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        with tqdm(total=model.horizon, unit="day", delay=2, disable=disable, desc=label or None, leave=False) as bar:
            while model.running:
                model.step()
                bar.update()
    finally:
        if freeze:
            gc.unfreeze()
    return model


def daily_table(model: LockdownSupplyModel) -> pd.DataFrame:
    """The DataCollector's daily metrics as a table, one row a day."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def run_info(model: LockdownSupplyModel, params: dict, rng) -> dict:
    return {
        "version": sim.__version__,
        "scenario": model.cfg.name,
        "scenario_file": model.cfg.source,
        "params": params,
        "rng": rng,
        "households": model.population.n,
        "compounds": model.population.n_compounds,
        "reopen_day": model.cfg.timeline.reopen_day,
        "mechanisms": model.mechanisms,
    }


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path), then move the temporary file into place."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


OUTPUT_FILES = ("daily.parquet", "daily.csv", "run.json")


def prepare_out_dir(out: str | Path, overwrite: bool) -> Path:
    """Create the output directory before any work, so a bad path fails before the run, not after."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out: '{out}' exists and is not a directory")
    if not overwrite and any((out / f).exists() for f in OUTPUT_FILES):
        raise ScenarioError(f"--out: '{out}' already holds a run; choose another directory or pass --overwrite")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ScenarioError(f"--out: cannot write to '{out}': {exc.strerror}") from None
    return out


def write_run(out: Path, table: pd.DataFrame, info: dict, summary: dict) -> None:
    atomic_write(out / "daily.parquet", lambda p: table.to_parquet(p, index=False))
    atomic_write(out / "daily.csv", lambda p: table.to_csv(p, index=False))
    payload = dict(info, summary=summary)
    atomic_write(out / "run.json", lambda p: Path(p).write_text(json.dumps(payload, indent=2, default=_json)))


def _json(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)
