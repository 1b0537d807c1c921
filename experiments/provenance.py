"""Provenance of a result: what produced it (package version, git commit, Python and library versions) and
strict JSON for the records that carry it (run.json, a batch's manifest and run files).

Strict JSON has no NaN or Infinity: a value that is not a number (an outcome with nothing to count, such as
`lockdown_ties_kept_share` of a run without ties) is written as null, so any JSON parser reads the records.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import platform
import subprocess
from pathlib import Path

from lockdown_sim import sim

PACKAGE_DIR = Path(sim.__file__).resolve().parent  # the model's folder, sim/


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def strict(value):
    """`value` made JSON-safe: non-finite floats -> None, numpy scalars and arrays -> Python, paths -> text."""
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy scalar or array
        return strict(value.tolist())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def dumps(value, **kw) -> str:
    """Strict JSON text of `value` (see `strict`); json.dumps's keyword arguments apply."""
    return json.dumps(strict(value), allow_nan=False, **kw)


@functools.lru_cache(maxsize=1)
def git_state() -> dict:
    """The commit of the checkout this package runs from, and whether it has uncommitted changes.

    Empty when the package is not run from a git checkout of this project (an installed wheel, a copied tree, no
    git on PATH): provenance is recorded where it is known, and never fails a run.
    """
    def git(*args) -> str:
        return subprocess.run(["git", "-C", str(PACKAGE_DIR), *args], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()

    try:
        top = Path(git("rev-parse", "--show-toplevel")).resolve()
        if top / "sim" != PACKAGE_DIR:  # an installed copy inside someone's repository is not a checkout of ours
            return {}
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"git_commit": commit, "git_dirty": dirty}


def environment() -> dict:
    """The software a result came from: this package's version and commit, Python, numpy, Mesa and friends."""
    import mesa
    import numpy
    import pandas
    import pyarrow

    return {"package": "lockdown-supply-sim", "version": sim.__version__, **git_state(),
            "python": platform.python_version(), "numpy": numpy.__version__, "mesa": mesa.__version__,
            "pandas": pandas.__version__, "pyarrow": pyarrow.__version__, "platform": platform.platform()}
