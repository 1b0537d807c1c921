"""Run and measure: the one path from model parameters and a seed to a run's daily table, its outcomes and its
record. Every command runs the model through it (`lockdown-sim run`, the batch engine's workers that `compare`,
`calibration`, `batch`, `reproduce`, `sensitivity` and `discover` use, the EMA Workbench model), so a run is the
same run whoever asks for it.

    from lockdown_sim.experiments.run import run_and_measure
    run = run_and_measure({"scenario_file": "toy", "ordering": "hybrid"}, seed=1)
    run.daily            # one row a day (sim/metrics.py)
    run.outcomes         # {name: value} (sim/outcomes.py)
    run.record           # what run.json records: the call, every value used, the city's size, the software
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
import inspect
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lockdown_sim import sim
from lockdown_sim.experiments.files import write_json, write_table
from lockdown_sim.experiments.progress import Progress
from lockdown_sim.experiments.provenance import environment
from lockdown_sim.sim.model import LockdownSupplyModel, check_params
from lockdown_sim.sim.metrics import UNITS
from lockdown_sim.sim.outcomes import measure


@dataclass(frozen=True)
class Measured:
    """One finished run: its daily table, its outcomes and its record (plain data: it travels between processes)."""

    daily: pd.DataFrame
    outcomes: dict
    record: dict

    @property
    def households(self) -> int:
        return self.record["households"]


def run_and_measure(params: dict, seed, progress: bool | None = False, label: str = "") -> Measured:
    """Build the model of `params` (LockdownSupplyModel keywords) on `seed`, run it to its horizon, and measure it."""
    model = run_model(params, rng=seed, progress=progress, label=label)
    daily = daily_table(model)
    outcomes = measure(daily, model.population.n, model.cfg.timeline.reopen_day)
    return Measured(daily, outcomes, run_info(model, params, seed))


def run_model(params: dict, rng=None, progress: bool | None = None, label: str = "") -> LockdownSupplyModel:
    """Build and run a model; its progress (days; experiments/progress.py) shows only if the run takes more than
    two seconds (`progress` None: a bar on a terminal, plain lines elsewhere; False: none)."""
    if progress is not False:
        n = params.get("households") or check_params(**params).meta.default_households
        if n >= 1_000_000:  # a big city takes a while to build before the first day
            print(f"building the city: {n:,} households ...", file=sys.stderr, flush=True)
    model = LockdownSupplyModel(**params, rng=rng)
    return run_to_end(model, progress, label)


ALREADY_FROZEN = 10_000  # objects in Python's permanent generation that mean someone else froze their heap


def run_to_end(model: LockdownSupplyModel, progress: bool | None = False, label: str = "") -> LockdownSupplyModel:
    """Step a built model to its horizon (with its progress in days: see run_model)."""
    # The city lives for the whole run: keep Python's cycle collector from rescanning its objects at every full
    # collection. Unfrozen at the end, so nothing outlives the run; a process that already keeps objects frozen (a
    # forking server freezes its whole heap) is left alone. CPython 3.12 itself may put a few hundred of its own
    # objects there (the MRO tuples of built-in types), which do not count.
    freeze = gc.get_freeze_count() < ALREADY_FROZEN
    if freeze:
        gc.freeze()
    try:
        with _reuse_freed_memory(), Progress(model.horizon, label or "run", unit="day", delay=2,
                                             enabled=progress) as bar:
            while model.running:
                model.step()
                bar.update()
    finally:
        if freeze:
            gc.unfreeze()
    return model


def load_compiled_loops() -> float:
    """Run a tiny toy city so that the model's compiled loops (numba's disk cache) are loaded: a cost paid once per
    process, which benchmarks measure apart from the runs they time. Returns the seconds it took."""
    t = time.perf_counter()
    run_to_end(LockdownSupplyModel(scenario_file="toy", households=2000, days=30, rng=1))
    return time.perf_counter() - t


@contextlib.contextmanager
def _reuse_freed_memory():
    """During a run, let the C library's allocator (glibc) serve every array from memory it keeps, instead of asking
    the system for fresh zeroed pages for each large array and returning them when it is freed: a day makes and drops
    dozens of arrays of tens of MB in a big city, and the page zeroing cost about a sixth of a full-city run. At the
    end the allocator's defaults come back and the memory it kept is returned to the system. Elsewhere, a no-op."""
    libc = _glibc()
    if libc is None:
        yield
        return
    libc.mallopt(M_MMAP_MAX, 0)
    libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_MAX, DEFAULT_MMAP_MAX)
        libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
        libc.malloc_trim(0)


M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # mallopt parameters (malloc.h)
DEFAULT_MMAP_MAX, DEFAULT_TRIM_THRESHOLD = 65536, 128 * 1024


@functools.lru_cache(maxsize=1)
def _glibc():
    """The C library when it is glibc (found once per process: ctypes' search runs ldconfig), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.malloc_trim.argtypes = (ctypes.c_size_t,)
        return libc if libc.gnu_get_libc_version else None
    except (OSError, AttributeError):
        return None


def daily_table(model: LockdownSupplyModel) -> pd.DataFrame:
    """The DataCollector's daily metrics as a table, one row a day."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


RUN_IDENTITY = ("scenario", "ordering", "seed", "households")  # in front of every daily table written to a file
COLUMN_UNITS = {"scenario": "scenario name", "ordering": "mode: platform | group_buying | hybrid",
                "seed": "the run's seed", "households": "households simulated",
                "date": "calendar date (the scenario's timeline.start_date + day)", **UNITS}
COUNTS_UNIT = "scaled run"  # what the counts of every daily table in a file are (docs/metrics.md)


def counts_note(scale: float) -> str:
    """The unit of a daily table's counts, as its file's metadata says it."""
    return (f"{COUNTS_UNIT}: counts (the columns docs/metrics.md marks as counts) are of the simulated city, "
            f"{scale:.6g} times the real city's (households simulated / population.real_households); divide them "
            "by the scale for the real city")


def dated(daily: pd.DataFrame, start_date: str | None) -> pd.DataFrame:
    """The daily table with a `date` column after `day`: the scenario's start date plus the day."""
    if not start_date or "day" not in daily:
        return daily
    frame = daily.copy()
    dates = pd.Timestamp(start_date) + pd.to_timedelta(frame["day"].astype("int64"), unit="D")
    frame.insert(frame.columns.get_loc("day") + 1, "date", dates.astype("datetime64[s]"))
    return frame


def identified(daily: pd.DataFrame, record: dict) -> pd.DataFrame:
    """A run's daily table as a file holds it: the run's identity (RUN_IDENTITY) in front, then the day, its
    calendar date and the metrics, so that rows from several files concatenate without losing whose they are."""
    resolved = record["resolved"]
    identity = {"scenario": record["scenario"], "ordering": resolved["ordering"], "seed": record["rng"],
                "households": record["households"]}
    front = pd.DataFrame({k: [v] * len(daily) for k, v in identity.items()})
    frame = dated(daily.reset_index(drop=True), resolved["settings"]["timeline"].get("start_date"))
    return pd.concat([front, frame], axis=1)


def write_run_files(out, run: Measured) -> None:
    """`lockdown-sim run`'s files: daily.parquet and daily.csv (one row a day: the run's identity, the day, its
    date, the metrics; counts of the simulated city) and run.json (the record, the outcomes, each daily column's
    unit and the unit of its counts)."""
    out = Path(out)
    frame = identified(run.daily, run.record)
    counts = counts_note(run.record["scale"])
    write_table(out / "daily.parquet", frame, COLUMN_UNITS, {"counts": counts, "scale": run.record["scale"],
                                                             "outcomes": run.outcomes, "version": run.record["version"]})
    write_table(out / "daily.csv", frame)
    columns = {c: COLUMN_UNITS.get(c, "") for c in frame.columns}
    write_json(out / "run.json", dict(run.record, outcomes=run.outcomes, counts=counts, columns=columns), indent=2)


def run_info(model: LockdownSupplyModel, params: dict, rng) -> dict:
    """What run.json records: the call, every value the run used (parameters resolved against the scenario and
    its overrides), the city's size and scale, the scenario files with their sha256, and the software that ran it
    (experiments/provenance.py)."""
    return {
        "version": sim.__version__,
        "scenario": model.cfg.name,
        "scenario_file": model.cfg.source,
        "scenario_files": list(model.cfg.files),
        "params": params,
        "rng": rng,
        "resolved": resolved_parameters(model, params),
        "households": model.population.n,
        "compounds": model.population.n_compounds,
        "days": model.horizon,
        "reopen_day": model.cfg.timeline.reopen_day,
        "scale": model.scale,
        "lockdown": bool(params.get("lockdown", True)),
        "mechanisms": model.mechanisms,
        "environment": environment(),
    }


def resolved_parameters(model: LockdownSupplyModel, params: dict) -> dict:
    """Every value a run used: the model's keywords (defaults filled in) and the scenario's settings after overrides."""
    keywords = {k: p.default for k, p in inspect.signature(LockdownSupplyModel.__init__).parameters.items()
                if k not in ("self", "rng", "overrides", "scenario", "scenario_file") and k not in model.mechanisms}
    keywords |= {k: v for k, v in params.items() if k in keywords}
    keywords |= {"households": model.population.n, "days": model.horizon, "elderly_share": model.elderly_share}
    return {**keywords, "mechanisms": dict(model.mechanisms), "settings": model.cfg.to_dict()}


