"""Shared helpers: run the toy city once per parameter set and reuse the result within a test process."""

from __future__ import annotations

import errno
import functools
import json
import os
from pathlib import Path

import pytest

from lockdown_sim.sim.outcomes import measure
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.run import daily_table

TOY_REOPEN = 30  # toy scenario: reopening day
SEEDS = (1, 2, 3)


class Run:
    """A finished model with its daily table and summary."""

    def __init__(self, model):
        self.model = model
        self.table = daily_table(model)
        self.summary = measure(self.table, model.population.n, model.cfg.timeline.reopen_day)


@functools.lru_cache(maxsize=256)
def _cached(key: str) -> Run:
    kw = json.loads(key)
    model = LockdownSupplyModel(**kw)
    while model.running:
        model.step()
    return Run(model)


def toy_run(**kw) -> Run:
    """Run the toy scenario to its horizon with these keyword parameters (cached)."""
    kw.setdefault("scenario_file", "toy")
    kw.setdefault("rng", 1)
    return _cached(json.dumps(kw, sort_keys=True))


def over_seeds(stat, seeds=SEEDS, **kw) -> list:
    """stat(run) for each seed."""
    return [stat(toy_run(rng=s, **kw)) for s in seeds]


@pytest.fixture
def toy():
    return toy_run


@pytest.fixture
def unwritable_dir(tmp_path, monkeypatch):
    """A directory nobody may create files or folders in: mode 0555 and, for root (whom modes do not stop, as in
    CI), os.open and os.mkdir refuse there as a read-only filesystem would."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.geteuid() == 0:
        inside = lambda path: Path(os.fspath(path)).resolve().is_relative_to(folder.resolve())  # noqa: E731
        real_open, real_mkdir = os.open, os.mkdir

        def guarded_open(path, flags, *args, **kw):
            if flags & os.O_CREAT and inside(path):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real_open(path, flags, *args, **kw)

        def guarded_mkdir(path, *args, **kw):
            if inside(path):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real_mkdir(path, *args, **kw)

        monkeypatch.setattr(os, "open", guarded_open)
        monkeypatch.setattr(os, "mkdir", guarded_mkdir)
    yield folder
    folder.chmod(0o755)
