"""The results store of a batch: one Parquet file per finished run, a failure record per failed run, a manifest.

    DIR/manifest.json            the experiment (canonical content, digest, the list of runs with their seeds)
    DIR/runs/<run_id>.parquet    a finished run: its daily metrics plus columns for its parameters and seed
    DIR/failed/<run_id>.json     a run whose model raised: its parameters and the error (removed when a retry
                                 succeeds); never a run whose result could not be stored (a full disk: the batch
                                 stops with a StorageError, experiments/storage.py)
    DIR/.lock                    locked while a batch writes here, so a second batch is refused, not run twice

A run file is written to a hidden temporary file, flushed to disk and renamed into place (os.replace), so it
exists only once complete: a run killed half-way leaves at most a hidden `.tmp` file, which is never read and is
cleared when the batch starts again. Writing a run twice (a retried task) writes the same bytes' worth of numbers,
so a directory holds exactly one result per run whatever the engine or the failures.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.experiments.provenance import dumps
from lockdown_sim.experiments.files import atomic_write
from lockdown_sim.experiments.storage import as_storage_error, is_full

MANIFEST = "manifest.json"
LOCK = ".lock"  # held (flock) by the batch writing into the directory; names it
RUN_META_KEY = b"lockdown_sim"  # Parquet key-value metadata of a run file: identity, parameters, outcomes (JSON)


@dataclass(frozen=True)
class StoredRun:
    """A finished run as the store holds it."""

    run_id: str
    meta: dict                  # identity, parameters, outcomes, city size and scale, provenance
    table: pa.Table | None      # identity and parameter columns, then the kept daily metrics (None: not read)


class ResultsStore:
    """Read and write the results of one batch under `root`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.failed_dir = self.root / "failed"

    # --- the manifest: which experiment this directory belongs to -----------------------------------
    def open(self, manifest: dict) -> None:
        """Make the directory ready for `manifest`'s experiment, or refuse if it holds anything else.

        A directory holding this experiment with fewer replicates, points or orderings takes the grown one (its
        manifest is replaced; the finished runs stay). Refusals are ScenarioErrors (one line, exit code 2) and
        change nothing on disk.
        """
        root = self.root
        if root.exists() and not root.is_dir():
            raise ScenarioError(f"--out: '{root}' exists and is not a directory")
        path = root / MANIFEST
        grows = False
        if path.exists():
            held = self.manifest()
            grows = _refuse_other(root, held, manifest)
            if grows:
                manifest = dict(manifest, earlier=held.get("earlier", []) + [
                    {"digest": held.get("digest"), "runs": len(held.get("runs", []))}])
        elif root.exists() and any(not p.name.startswith(".") for p in root.iterdir()):
            raise ScenarioError(f"--out: '{root}' is not empty and holds no batch ({MANIFEST}); allowed: a new or empty "
                                "directory, or one holding this experiment's batch")
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            self.failed_dir.mkdir(exist_ok=True)
            if grows or not path.exists():
                atomic_write(path, lambda p: Path(p).write_text(dumps(manifest, indent=1) + "\n"))
        except OSError as exc:
            if is_full(exc):
                raise as_storage_error(exc, root) from None
            raise ScenarioError(f"--out: cannot write to '{root}': {exc.strerror}") from None
        self.clear_temporary()

    def existing_manifest(self) -> dict | None:
        """The manifest of the batch this directory holds, or None for a new or empty directory."""
        return self.manifest() if (self.root / MANIFEST).exists() else None

    # --- the lock: one batch writes into a directory at a time -------------------------------------
    @contextlib.contextmanager
    def writing(self):
        """Hold the directory's lock while a batch writes into it; refuse (one line) if another batch holds it.

        The lock is the operating system's (flock on DIR/.lock), so it ends with the process that holds it however
        that ends: a batch killed with SIGKILL never blocks the next one. A batch opens its directory once
        (experiments/batch.py, open_batches); the file is removed when the batch ends (a refused directory is left
        as it was).
        """
        root = self.root
        if root.exists() and not root.is_dir():
            raise ScenarioError(f"--out: '{root}' exists and is not a directory")
        try:
            root.mkdir(parents=True, exist_ok=True)
            handle = _acquire(root)
        except OSError as exc:
            if is_full(exc):
                raise as_storage_error(exc, root) from None
            raise ScenarioError(f"--out: cannot write to '{root}': {exc.strerror}; allowed: a directory you can "
                                "write to") from None
        try:
            yield self
        finally:
            _release(root, handle)

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        if not path.is_file():
            raise ScenarioError(f"DIR: '{self.root}' holds no batch (no {MANIFEST}); allowed: a directory written by "
                                "lockdown-sim batch")
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ScenarioError(f"DIR: cannot read '{path}': {exc}") from None

    def clear_temporary(self) -> None:
        """Remove hidden temporary files left by runs that were killed while writing."""
        for folder in (self.runs_dir, self.failed_dir):
            for p in folder.glob(".*.tmp"):
                p.unlink(missing_ok=True)

    # --- runs ------------------------------------------------------------------------------------
    def run_path(self, run_id: str) -> Path:
        return self.runs_dir / f"{run_id}.parquet"

    def is_finished(self, run_id: str) -> bool:
        return self.run_path(run_id).exists()

    def finished_ids(self) -> set[str]:
        """Runs with a result file (only complete files have the final name)."""
        if not self.runs_dir.is_dir():
            return set()
        return {p.name[:-8] for p in self.runs_dir.glob("*.parquet") if not p.name.startswith(".")}

    def write_run(self, run_id: str, table: pa.Table, meta: dict) -> None:
        """Write a finished run atomically: a temporary file, flushed and synced, then renamed into place."""
        metadata = dict(table.schema.metadata or {})
        metadata[RUN_META_KEY] = dumps(meta).encode()
        table = table.replace_schema_metadata(metadata)

        def write(tmp):
            with open(tmp, "wb") as fh:
                pq.write_table(table, fh)
                fh.flush()
                os.fsync(fh.fileno())

        atomic_write(self.run_path(run_id), write)

    def run_meta(self, run_id: str) -> dict:
        """A run file's identity, parameters and outcomes, read from its footer only."""
        return json.loads(pq.read_schema(self.run_path(run_id)).metadata[RUN_META_KEY])

    def read_run(self, run_id: str) -> pa.Table:
        return pq.read_table(self.run_path(run_id))

    def finished_runs(self, daily: bool = True):
        """Every finished run in the experiment's run order (whatever order they finished in), as StoredRun:
        its id, its footer (identity, parameters, outcomes: run_meta) and, with `daily`, its daily rows."""
        finished = self.finished_ids()
        for entry in self.manifest()["runs"]:
            run_id = entry["run_id"]
            if run_id in finished:
                table = self.read_run(run_id).replace_schema_metadata(None) if daily else None
                yield StoredRun(run_id, self.run_meta(run_id), table)

    # --- failures --------------------------------------------------------------------------------
    def write_failure(self, run_id: str, record: dict, error: BaseException | None = None) -> None:
        """Record a failed run (its parameters and the error); a later success removes the record."""
        record = dict(record)
        if error is not None:
            record["error"] = f"{type(error).__name__}: {error}"
            record["traceback"] = "".join(traceback.format_exception(error))
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.failed_dir / f"{run_id}.json",
                     lambda p: Path(p).write_text(dumps(record, indent=1) + "\n"))

    def clear_failure(self, run_id: str) -> None:
        (self.failed_dir / f"{run_id}.json").unlink(missing_ok=True)

    def failures(self) -> dict[str, dict]:
        """Failure records of runs that have not since finished, by run id."""
        if not self.failed_dir.is_dir():
            return {}
        done = self.finished_ids()
        out = {}
        for p in sorted(self.failed_dir.glob("*.json")):
            if p.name.startswith(".") or p.stem in done:
                continue
            try:
                out[p.stem] = json.loads(p.read_text())
            except (OSError, json.JSONDecodeError):
                out[p.stem] = {"run_id": p.stem, "error": "unreadable failure record"}
        return out


def _acquire(root: Path):
    """Open and lock DIR/.lock, writing who holds it; refuse if a live process holds it already."""
    while True:
        handle = open(root / LOCK, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "a process"
            handle.close()
            raise ScenarioError(f"--out: '{root}' is being written by another batch ({holder}); allowed: wait for "
                                "it to finish (or stop it), or another directory") from None
        except OSError:  # a filesystem without locks (ENOLCK): run unlocked rather than not at all
            pass
        if _is_at(handle, root / LOCK):  # not a file its last holder removed just before we locked it
            break
        handle.close()
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
    handle.flush()
    return handle


def _is_at(handle, path: Path) -> bool:
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _release(root: Path, handle) -> None:
    """Remove DIR/.lock while still holding it, then unlock: a batch leaves nothing behind (a killed one leaves
    an unlocked file, which the next batch takes over)."""
    with contextlib.suppress(OSError):
        (root / LOCK).unlink()
    handle.close()


def _refuse_other(root: Path, held: dict, wanted: dict) -> bool:
    """Refuse a directory that holds a different experiment (or one made by another version of the model).

    Return True when `wanted` grows the held experiment: the same experiment with more replicates, points (grid
    values, [[points]]) or orderings. Its finished runs stay valid (a replicate's seed does not depend on how many
    there are), so they are kept and only the new runs are run.
    """
    if held.get("digest") == wanted["digest"] and held.get("version") == wanted["version"]:
        return False
    name, held_name = wanted["experiment"]["experiment"]["name"], held.get("experiment", {}).get("experiment", {}).get("name")
    if held_name != name:
        raise ScenarioError(f"--out: '{root}' holds the batch of another experiment ('{held_name}'); this is '{name}'; "
                            "allowed: a new directory, or the directory of this experiment")
    if held.get("digest") != wanted["digest"]:
        parts = _not_growth(held.get("experiment", {}), wanted["experiment"]) or _renamed_runs(held, wanted)
        if parts:
            raise ScenarioError(f"--out: '{root}' holds a batch of a different version of experiment '{name}' (changed: "
                                f"{', '.join(parts)}); allowed: a new directory for the changed experiment, or this "
                                "experiment with more replicates, points or orderings")
    if held.get("version") != wanted["version"]:
        raise ScenarioError(f"--out: '{root}' was made by lockdown-supply-sim {held.get('version')}, this is "
                            f"{wanted['version']}; allowed: a new directory (results of different model versions are "
                            "not mixed)")
    return True


def _not_growth(held: dict, wanted: dict) -> list[str]:
    """The parts of an experiment's canonical content that changed other than by growing (see _refuse_other)."""
    parts = []
    old, new = held.get("experiment", {}), wanted.get("experiment", {})
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        grew = (key == "replicates" and isinstance(a, int) and isinstance(b, int) and b >= a) or (
            key == "orderings" and isinstance(a, list) and isinstance(b, list) and set(a) <= set(b))
        if a != b and not grew:
            parts.append(f"experiment.{key}")
    old_grid, new_grid = held.get("grid", {}), wanted.get("grid", {})
    if set(old_grid) != set(new_grid):
        parts.append("grid")
    else:
        parts += [f"grid.{k}" for k in old_grid if not _contains(new_grid[k], old_grid[k])]
    if not _contains(wanted.get("points", []), held.get("points", [])):
        parts.append("points")
    for key in sorted((set(held) | set(wanted)) - {"experiment", "grid", "points"}):
        if held.get(key) != wanted.get(key):
            parts.append("the scenario" if key == "scenario_digest" else key)
    return parts


def _contains(values: list, subset: list) -> bool:
    keys = {json.dumps(v, sort_keys=True) for v in values}
    return all(json.dumps(v, sort_keys=True) in keys for v in subset)


def _renamed_runs(held: dict, wanted: dict) -> list[str]:
    """A grown experiment must keep every finished run's name and seed, or its files would be read as other runs."""
    runs = {r["run_id"]: r for r in wanted.get("runs", [])}
    if all(runs.get(r["run_id"]) == r for r in held.get("runs", [])):
        return []
    return ["the runs' names (over 999 points or replicates)"]
