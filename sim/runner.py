"""Run one model to its horizon (with a progress bar on long runs) and write its daily table.

Writes are atomic (a temporary file renamed into place), so an interrupted run never leaves a file that looks
finished.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import inspect
import os
import secrets
import sys
import time
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from lockdown_sim import sim
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.model import LockdownSupplyModel, check_params
from lockdown_sim.sim.provenance import dumps, environment


def run_model(params: dict, rng=None, progress: bool | None = None, label: str = "") -> LockdownSupplyModel:
    """Build and run a model; the bar appears only if the run takes more than two seconds."""
    disable = (not sys.stderr.isatty()) if progress is None else not progress
    if not disable:
        n = params.get("households") or check_params(**params).meta.default_households
        if n >= 1_000_000:  # a big city takes a while to build before the first day
            print(f"building the city: {n:,} households ...", file=sys.stderr, flush=True)
    model = LockdownSupplyModel(**params, rng=rng)
    return run_to_end(model, disable, label)


ALREADY_FROZEN = 10_000  # objects in Python's permanent generation that mean someone else froze their heap


def run_to_end(model: LockdownSupplyModel, disable: bool = True, label: str = "") -> LockdownSupplyModel:
    """Step a built model to its horizon."""
    # The city lives for the whole run: keep Python's cycle collector from rescanning its objects at every full
    # collection. Unfrozen at the end, so nothing outlives the run; a process that already keeps objects frozen (a
    # forking server freezes its whole heap) is left alone. CPython 3.12 itself may put a few hundred of its own
    # objects there (the MRO tuples of built-in types), which do not count.
    freeze = gc.get_freeze_count() < ALREADY_FROZEN
    if freeze:
        gc.freeze()
    try:
        with _reuse_freed_memory(), tqdm(total=model.horizon, unit="day", delay=2, disable=disable,
                                         desc=label or None, leave=False) as bar:
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


def _glibc():
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


def run_info(model: LockdownSupplyModel, params: dict, rng) -> dict:
    """What run.json records: the call, every value the run used (parameters resolved against the scenario and
    its overrides), the scenario files with their sha256, and the software that ran it (sim.provenance)."""
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
        "reopen_day": model.cfg.timeline.reopen_day,
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


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path), then move the temporary file into place.

    The temporary file is created with the user's umask (as `open` would create the file), not mkstemp's 0600:
    results on a shared filesystem are for colleagues to read.
    """
    path = Path(path)
    tmp = _new_temporary(path)
    try:
        write(str(tmp))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _new_temporary(path: Path) -> Path:
    """Create an empty hidden file next to `path` with a name no one else uses; mode 0666 less the umask."""
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return tmp
        except FileExistsError:
            continue


def check_writable(folder: Path, option: str = "--out") -> None:
    """Create `folder` if needed and write a file there, so an unwritable output fails before any work."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _new_temporary(folder / "write-test").unlink()
    except OSError as exc:
        raise ScenarioError(f"{option}: cannot write to '{folder}': {exc.strerror}; allowed: a directory you can "
                            "write to") from None


OUTPUT_FILES = ("daily.parquet", "daily.csv", "run.json")


def check_out_path(text: str, option: str = "--out") -> Path:
    """An output path given on the command line; an empty one would silently mean the current directory."""
    if not str(text).strip():
        raise ScenarioError(f"{option}: '{text}' is not allowed; allowed: a path (use . for this directory)")
    return Path(text)


def prepare_out_dir(out: str | Path, overwrite: bool, files=OUTPUT_FILES, what: str = "a run") -> Path:
    """Check the output directory before any work (writable, not holding `what`, i.e. any of `files`, unless
    `overwrite`), so a bad path fails before the run, not after."""
    out = check_out_path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out: '{out}' exists and is not a directory")
    if not overwrite and any((out / f).exists() for f in files):
        raise ScenarioError(f"--out: '{out}' already holds {what}; choose another directory or pass --overwrite")
    check_writable(out)
    return out


def write_run(out: Path, table: pd.DataFrame, info: dict, summary: dict) -> None:
    atomic_write(out / "daily.parquet", lambda p: table.to_parquet(p, index=False))
    atomic_write(out / "daily.csv", lambda p: table.to_csv(p, index=False))
    payload = dict(info, summary=summary)
    atomic_write(out / "run.json", lambda p: Path(p).write_text(dumps(payload, indent=2) + "\n"))
