"""Files a command writes: every write atomic (a temporary file renamed into place, so an interrupted write never
leaves a file that looks finished), and output paths checked before any work.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from lockdown_sim.experiments.provenance import dumps
from lockdown_sim.experiments.storage import as_storage_error, is_full, writing_into
from lockdown_sim.sim.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd


def atomic_write(path: Path, write) -> None:
    """Call write(tmp_path), then move the temporary file into place.

    The temporary file is created with the user's umask (as `open` would create the file), not mkstemp's 0600:
    results on a shared filesystem are for colleagues to read. A full disk is a StorageError naming the folder
    (experiments/storage.py), and leaves no temporary file behind.
    """
    path = Path(path)
    with writing_into(path.parent):
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
        if is_full(exc):
            raise as_storage_error(exc, folder) from None
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


def write_json(path: Path, value, indent: int | None = 1) -> None:
    """`value` as strict JSON (no NaN or Infinity: experiments/provenance.py), written atomically."""
    text = dumps(value, indent=indent) + "\n"
    atomic_write(path, lambda p: Path(p).write_text(text))


def write_table(path: Path, frame: pd.DataFrame, units: dict | None = None, meta: dict | None = None) -> None:
    """A table as Parquet or CSV (by the file's suffix), written atomically. A Parquet file also says what its
    columns are: each column's unit from `units` in its field metadata, and `meta` as the file's metadata (key
    `lockdown_sim`); a CSV cannot, so a command writes that beside it (run.json, compare.md)."""
    if Path(path).suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = with_units(pa.Table.from_pandas(frame, preserve_index=False), units or {}, meta)
        atomic_write(path, lambda p: pq.write_table(table, p))
    else:
        atomic_write(path, lambda p: frame.to_csv(p, index=False))


def with_units(table, units: dict, meta: dict | None = None):
    """A pyarrow table with each column named in `units` given its unit (field metadata, key `unit`) and, if
    given, `meta` as the file's metadata (key `lockdown_sim`, JSON)."""
    import pyarrow as pa

    fields = [f.with_metadata({"unit": units[f.name]}) if f.name in units else f for f in table.schema]
    metadata = dict(table.schema.metadata or {})
    if meta is not None:
        metadata[b"lockdown_sim"] = dumps(meta).encode()
    return table.cast(pa.schema(fields, metadata=metadata))