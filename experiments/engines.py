"""Evaluators: run one function over many tasks on this machine (a process pool) or on Dask distributed.

An engine knows nothing about models or files: `engine.map(fn, items)` yields `(index, result)` as tasks finish,
where a task that raised yields its exception instead of a result, so one bad task never stops the others.
`fn` and the items must be picklable (module-level functions), because they travel to other processes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Callable, Iterator, Sequence

from tqdm import tqdm  # the base class: its lock is every bar's

from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.wording import count

ENGINES = ("local", "dask")


class LocalEngine:
    """This machine: one process runs the tasks itself (workers=1), or a pool of `workers` spawned processes.

    The command's process alone answers Ctrl-C: the workers ignore SIGINT (a terminal sends it to every process
    of the command), and leaving the engine however it is left (an interrupt anywhere in the caller's loop, an
    error) cancels the queue and stops the workers, so an interrupted batch stops at once and keeps what finished.
    """

    def __init__(self, workers: int | None = None):
        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise ScenarioError(f"--workers: {self.workers} is not allowed; allowed: a whole number of at least 1")
        self._pool = None

    def describe(self) -> str:
        return "in this process" if self.workers == 1 else f"on a local pool of {self.workers} processes"

    def map(self, fn: Callable, items: Sequence, names: Sequence[str] | None = None) -> Iterator[tuple[int, object]]:
        if self.workers == 1 or len(items) <= 1:
            for i, item in enumerate(items):
                try:
                    result = fn(item)
                except Exception as exc:  # noqa: BLE001 - the caller records it and goes on
                    result = exc
                yield i, result
            return
        self._pool = ProcessPoolExecutor(max_workers=min(self.workers, len(items)), mp_context=get_context("spawn"),
                                         initializer=_worker_setup)
        finished = False
        try:
            futures = {self._pool.submit(fn, item): i for i, item in enumerate(items)}
            for fut in as_completed(futures):
                exc = fut.exception()
                yield futures[fut], exc if exc is not None else fut.result()
            finished = True
        finally:  # interrupted (Ctrl-C, an error in the caller, the caller stopped reading): stop the workers
            self._stop(finished)

    def _stop(self, finished: bool = False) -> None:
        """Shut the pool down: after every task finished, politely; otherwise drop the queue and stop the workers."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if finished:
            pool.shutdown(wait=True)
            return
        workers = list((pool._processes or {}).values())  # the pool offers no public way to stop running tasks
        for process in workers:
            process.terminate()
        # the pool's manager thread sees its workers gone, fails what is left and releases its queues
        pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        self._stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _worker_setup() -> None:
    """A pool worker leaves Ctrl-C to the command's process, which stops the workers (see LocalEngine), and keeps
    tqdm's lock inside itself: a stopped worker cannot release a lock shared between processes, and the
    resource tracker would warn about it at exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tqdm.set_lock(threading.RLock())


class DaskEngine:
    """Dask distributed: an existing cluster (`scheduler` = "tcp://host:port") or a LocalCluster of `workers`
    single-threaded worker processes started here.

    A task lost with a worker that dies is run again elsewhere by the scheduler (up to the cluster's
    `distributed.scheduler.allowed-failures`); a task that raises is retried `retries` times.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None, retries: int = 1,
                 connect_timeout: float = 20.0):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ScenarioError("--engine: dask is not installed; allowed: local, or install the extra: "
                                "pip install 'lockdown-supply-sim[dask]'") from None
        self.retries = retries
        self.cluster = None
        if scheduler is not None:
            if workers is not None:
                raise ScenarioError("--workers: not allowed with --scheduler (the cluster has its own workers)")
            try:
                self.client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError, ValueError) as exc:
                raise ScenarioError(f"--scheduler: cannot connect to '{scheduler}': {exc}") from None
            self.where = f"on the Dask cluster at {scheduler}"
        else:
            n = workers or os.cpu_count() or 1
            if n < 1:
                raise ScenarioError(f"--workers: {n} is not allowed; allowed: a whole number of at least 1")
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
            # they share the terminal's process group: without this each prints a traceback on Ctrl-C
            self.client.run(_ignore_interrupts)
            self.where = f"on a Dask LocalCluster of {count(n, 'worker process', 'worker processes')}"

    def describe(self) -> str:
        return self.where

    def map(self, fn: Callable, items: Sequence, names: Sequence[str] | None = None) -> Iterator[tuple[int, object]]:
        from dask.distributed import as_completed

        if not items:
            return
        # Keys name the tasks on the dashboard; the token keeps two batches on one cluster apart.
        token = uuid.uuid4().hex[:10]
        keys = [f"{name}-{token}" for name in (names or [f"task{i}" for i in range(len(items))])]
        futures = self.client.map(fn, list(items), key=keys, pure=False, retries=self.retries)
        index = {fut.key: i for i, fut in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                i = index[fut.key]
                if fut.status == "error":
                    result = fut.exception()
                elif fut.status == "cancelled":
                    result = RuntimeError("task cancelled by the cluster")
                else:
                    result = fut.result()
                yield i, result
        finally:
            self.client.cancel([f for f in futures if not f.done()])

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if kind is KeyboardInterrupt and self.cluster is not None:
            # our workers are stopped mid-task: what they would log about losing the scheduler is no news
            with contextlib.suppress(Exception):
                self.client.run(_quiet_worker)
        self.close()


def _ignore_interrupts() -> None:
    """Run on each worker of our LocalCluster: Ctrl-C is for the command's process, which closes the cluster."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quiet_worker() -> None:
    """Run on each worker of our LocalCluster before an interrupted batch closes it."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


def check_engine_args(engine: str = "local", workers: int | None = None, scheduler: str | None = None) -> None:
    """Refuse a bad engine choice before any work: one-line ScenarioErrors naming the option."""
    if engine not in ENGINES:
        raise ScenarioError(f"--engine: {engine!r} is not allowed; allowed: {', '.join(ENGINES)}")
    if workers is not None and workers < 1:
        raise ScenarioError(f"--workers: {workers} is not allowed; allowed: a whole number of at least 1")
    if scheduler is not None:
        if engine != "dask":
            raise ScenarioError("--scheduler: only with --engine dask")
        if workers is not None:
            raise ScenarioError("--workers: not allowed with --scheduler (the cluster has its own workers)")
    if engine == "dask":
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            raise ScenarioError("--engine: dask is not installed; allowed: local, or install the extra: "
                                "pip install 'lockdown-supply-sim[dask]'") from None


def make_engine(engine: str = "local", workers: int | None = None, scheduler: str | None = None):
    """The engine a command line asks for (checked by check_engine_args first)."""
    check_engine_args(engine, workers, scheduler)
    if engine == "local":
        return LocalEngine(workers)
    return DaskEngine(workers, scheduler)


@dataclass(frozen=True)
class EngineChoice:
    """The engine a command line chose (--engine, --workers, --scheduler), checked when made and started only when
    some run is left to do (experiments/batch.py, execute)."""

    engine: str = "local"
    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self):
        check_engine_args(self.engine, self.workers, self.scheduler)

    def start(self):
        return make_engine(self.engine, self.workers, self.scheduler)
