"""Compiled loops over households, on one core or on all of them.

A loop whose iterations are independent (each household, or each compound, writes only its own entries, and what
is added up is whole numbers) gives the same answer on any number of threads. In a big city (from
PARALLEL_HOUSEHOLDS households) the model runs those loops on every core; in a smaller one (the default city, the
tests, a batch of runs side by side, one per core) on one, where threads would only add their overhead.

numba is a dependency; without it the loops run as plain Python (slowly), with the same answers.
"""

from __future__ import annotations

import types

try:
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
