"""The results store of a batch: one Parquet file per finished run, a failure record per failed run, a manifest.

    DIR/manifest.json            the experiment (canonical content, digest, the list of runs with their seeds)
    DIR/runs/<run_id>.parquet    a finished run: its daily metrics plus columns for its parameters and seed
    DIR/failed/<run_id>.json     a run that raised: its parameters and the error (removed when a retry succeeds)

A run file is written to a hidden temporary file, flushed to disk and renamed into place (os.replace), so it
exists only once complete: a run killed half-way leaves at most a hidden `.tmp` file, which is never read and is
cleared when the batch starts again. Writing a run twice (a retried task) writes the same bytes' worth of numbers,
so a directory holds exactly one result per run whatever the engine or the failures.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ScenarioError
from sim.runner import atomic_write

MANIFEST = "manifest.json"
RUN_META_KEY = b"lockdown_sim"  # Parquet key-value metadata of a run file: identity, parameters, outcomes (JSON)


class ResultsStore:
    """Read and write the results of one batch under `root`."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.failed_dir = self.root / "failed"

    # --- the manifest: which experiment this directory belongs to -----------------------------------
    def open(self, manifest: dict) -> None:
        """Make the directory ready for `manifest`'s experiment, or refuse if it holds anything else.

        Refusals are ScenarioErrors (one line, exit code 2) and change nothing on disk.
        """
        root = self.root
        if root.exists() and not root.is_dir():
            raise ScenarioError(f"--out: '{root}' exists and is not a directory")
        path = root / MANIFEST
        if path.exists():
            _refuse_other(root, self.manifest(), manifest)
        elif root.exists() and any(not p.name.startswith(".") for p in root.iterdir()):
            raise ScenarioError(f"--out: '{root}' is not empty and holds no batch ({MANIFEST}); allowed: a new or empty "
                                "directory, or one holding this experiment's batch")
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            self.failed_dir.mkdir(exist_ok=True)
            if not path.exists():
                atomic_write(path, lambda p: Path(p).write_text(json.dumps(manifest, indent=1, default=_json) + "\n"))
        except OSError as exc:
            raise ScenarioError(f"--out: cannot write to '{root}': {exc.strerror}") from None
        self.clear_temporary()

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
        metadata[RUN_META_KEY] = json.dumps(meta, default=_json).encode()
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

    # --- failures --------------------------------------------------------------------------------
    def write_failure(self, run_id: str, record: dict, error: BaseException | None = None) -> None:
        """Record a failed run (its parameters and the error); a later success removes the record."""
        record = dict(record)
        if error is not None:
            record["error"] = f"{type(error).__name__}: {error}"
            record["traceback"] = "".join(traceback.format_exception(error))
        self.failed_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self.failed_dir / f"{run_id}.json",
                     lambda p: Path(p).write_text(json.dumps(record, indent=1, default=_json) + "\n"))

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


def _refuse_other(root: Path, held: dict, wanted: dict) -> None:
    """Refuse a directory that holds a different experiment (or one made by another version of the model)."""
    if held.get("digest") == wanted["digest"] and held.get("version") == wanted["version"]:
        return
    name, held_name = wanted["experiment"]["experiment"]["name"], held.get("experiment", {}).get("experiment", {}).get("name")
    if held_name != name:
        raise ScenarioError(f"--out: '{root}' holds the batch of another experiment ('{held_name}'); this is '{name}'; "
                            "allowed: a new directory, or the directory of this experiment")
    if held.get("digest") != wanted["digest"]:
        parts = _differences(held.get("experiment", {}), wanted["experiment"])
        raise ScenarioError(f"--out: '{root}' holds a batch of a different version of experiment '{name}' (changed: "
                            f"{', '.join(parts) or 'content'}); allowed: a new directory for the changed experiment")
    raise ScenarioError(f"--out: '{root}' was made by lockdown-supply-sim {held.get('version')}, this is {wanted['version']}; "
                        "allowed: a new directory (results of different model versions are not mixed)")


def _differences(a: dict, b: dict) -> list[str]:
    parts = []
    for key in sorted(set(a) | set(b)):
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict) and key == "experiment":
            parts += [f"experiment.{k}" for k in sorted(set(a[key]) | set(b[key])) if a[key].get(k) != b[key].get(k)]
        elif a.get(key) != b.get(key):
            parts.append("the scenario" if key == "scenario_digest" else key)
    return parts


def _json(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)
