"""Compiled loops over households, on one core or on all of them.

A loop whose iterations are independent (each household, or each compound, writes only its own entries, and what
is added up is whole numbers) gives the same answer on any number of threads. In a big city (from
PARALLEL_HOUSEHOLDS households) the model runs those loops on every core; in a smaller one (the default city, the
tests, a batch of runs side by side, one per core) on one, where threads would only add their overhead.

numba is a dependency; without it the loops run as plain Python (slowly), with the same answers.
"""

from __future__ import annotations

import hashlib
import os
import types
from pathlib import Path

import numpy as np


def cache_folder_name(sources: Path) -> str:
    """numba-<digest of every .py file in `sources`, names and bytes>."""
    digest = hashlib.sha256()
    for path in sorted(sources.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"numba-{digest.hexdigest()[:16]}"


def _cache_dir() -> Path:
    """Where numba keeps the compiled loops: a folder named by a digest of every source file of the model.

    numba's own cache is keyed by each function's file alone, so a loop that calls a compiled function of another
    file (the pass rule of sim/local_supply.py, the street distance of sim/geometry.py) would keep running the old
    code after that file changed, and a cache written under the package's former module names fails to load. One
    folder per version of the whole model's source avoids both. Next to the sources if they are writable, else in
    the user's cache; folders of other versions there are removed."""
    here = Path(__file__).resolve().parent
    name = cache_folder_name(here)
    for parent in (here / "__pycache__", Path.home() / ".cache" / "lockdown-sim"):
        try:
            parent.mkdir(parents=True, exist_ok=True)
            if not os.access(parent, os.W_OK):
                continue
            for old in parent.glob("numba-*"):
                if old.name != name:
                    _remove(old)
            return parent / name
        except OSError:
            continue
    return here / "__pycache__" / name


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


try:
    import numba

    if not os.environ.get("NUMBA_CACHE_DIR"):  # a cache folder the user chose is left as it is
        numba.config.CACHE_DIR = str(_cache_dir())
    from numba import njit, prange
except ImportError:  # pragma: no cover - numba is a dependency
    prange = range

    def njit(*args, **kwargs):
        return (lambda f: f) if not (len(args) == 1 and callable(args[0])) else args[0]

PARALLEL_HOUSEHOLDS = 1_000_000
_threads = {"on": False}


def use_threads(households: int) -> None:
    """Loops over households run on every core from now on if the city has PARALLEL_HOUSEHOLDS or more (set by
    each model as it is built; the answers do not depend on it)."""
    _threads["on"] = households >= PARALLEL_HOUSEHOLDS


def threads_on() -> bool:
    return _threads["on"]


class Kernel:
    """A loop compiled twice, serial and parallel (its `prange` a plain range in the first); calls go to one or the
    other as `use_threads` says. The parallel one is compiled (or loaded from numba's cache) only when first used."""

    def __init__(self, fn):
        self.fn = fn
        self.serial = njit(cache=True)(fn)
        self._parallel = None
        self.__doc__ = fn.__doc__

    def __call__(self, *args):
        if not _threads["on"]:
            return self.serial(*args)
        if self._parallel is None:
            # a function of its own name, so that numba's disk cache keeps the two compilations apart
            fn = self.fn
            twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
            twin.__qualname__ = fn.__qualname__ + "_parallel"
            self._parallel = njit(cache=True, parallel=True)(twin)
        return self._parallel(*args)


def kernel(fn) -> Kernel:
    return Kernel(fn)


@njit(cache=True)
def _add_at(target, index, values):
    for j in range(len(index)):
        target[index[j]] += values[j]


def add_at(target, index, values) -> None:
    """`np.add.at(target, index, values)`, compiled where `values` is an array as long as `index`: the same
    additions in the same order, in the same precision (a float32 target gains a float64 value in float64 and is
    rounded back, as numpy's loop does), so the same numbers, bit for bit; np.add.at's own machinery costs about
    half a millisecond a call on the default city's sign-ups. Anything else (a scalar, broadcasting) goes to numpy."""
    if (isinstance(values, np.ndarray) and isinstance(index, np.ndarray) and target.ndim == values.ndim == index.ndim == 1
            and len(values) == len(index) and index.dtype.kind in "iu" and values.dtype.kind in "fiub"):
        _add_at(target, index, values)
    else:
        np.add.at(target, index, values)
