"""Run an experiment as a batch: every run not yet stored goes to an engine; each result is stored as it finishes.

`execute_run` is what a worker does for one run (run and measure the model: experiments/run.py; write its file
or its failure record); it is idempotent, so a task retried after a worker died, or a batch started again after
it was killed, never makes a second result. `open_batches` locks and opens every results directory once (or
refuses it, before any run); `run_opened` is the coordinator: it skips finished runs, shows progress and returns a
report of what happened. `run_batch` and `run_batches` do both on an engine the caller holds; `execute` also
starts the engine a command line chose (experiments/engines.py), only if some run is left to do.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from lockdown_sim import sim
from lockdown_sim.experiments.design import Experiment, RunSpec
from lockdown_sim.experiments.engines import EngineChoice, LocalEngine
from lockdown_sim.experiments.progress import Progress, duration
from lockdown_sim.experiments.provenance import environment
from lockdown_sim.experiments.results_store import ResultsStore
from lockdown_sim.experiments.files import with_units
from lockdown_sim.experiments.run import COLUMN_UNITS, Measured, counts_note, dated, run_and_measure
from lockdown_sim.experiments.storage import StorageError, is_storage_error, writing_into
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.sim.scenario import load_scenario
from lockdown_sim.sim.schema import MECHANISMS
from lockdown_sim.sim.wording import count

IDENTITY = ("run_id", "point", "point_label", "ordering", "replicate", "seed")
_DEFAULTS = {k: p.default for k, p in inspect.signature(LockdownSupplyModel.__init__).parameters.items()}


def column_name(parameter: str) -> str:
    """The column of a parameter: itself, except mechanism switches, which are `mechanisms.<switch>` (the same
    name as the scenario setting, and never a metric's name: `volunteers` is both a switch and a metric)."""
    return f"mechanisms.{parameter}" if parameter in MECHANISMS else parameter


def effective_parameters(run: Measured, spec: RunSpec) -> dict:
    """The value every experiment parameter had in this run (points that do not set one get the scenario's)."""
    resolved = run.record["resolved"]
    out = {}
    for name in spec.parameter_names:
        if name.startswith("mechanisms.") or name in MECHANISMS:
            value = resolved["mechanisms"][name.split(".")[-1]]
        elif "." in name:
            section, key = name.split(".", 1)
            value = resolved["settings"][section][key]
        elif name == "elderly_share":
            value = resolved["elderly_share"]
        else:
            value = spec.params.get(name, _DEFAULTS[name])
        out[column_name(name)] = json.dumps(value) if isinstance(value, list) else value
    return out


def run_table(spec: RunSpec, parameters: dict, run: Measured) -> pa.Table:
    """One run's stored table: identity and parameter columns (constant), the scenario and the households
    simulated, then the kept daily metrics with the calendar date after the day; each column's unit in its field
    metadata (experiments/files.py, with_units).

    Metrics are stored as float64 (`day` as int64) whatever the model's DataCollector gave: a count can come out
    as an integer in one mode and a float in another (portions_platform is 0 where the platform is closed), and
    every run file of a batch must have the same schema to load as one table.
    """
    daily = run.daily
    frame = daily.loc[:, list(spec.metrics)].astype({m: "int64" if m == "day" else "float64" for m in spec.metrics})
    frame = dated(frame.reset_index(drop=True), run.record["resolved"]["settings"]["timeline"].get("start_date"))
    ident = {k: getattr(spec, k) for k in IDENTITY} | {"scenario": run.record["scenario"],
                                                        "households": run.record["households"]}
    front = pd.DataFrame({k: [v] * len(frame) for k, v in (ident | parameters).items()})
    return with_units(pa.Table.from_pandas(pd.concat([front, frame], axis=1), preserve_index=False), COLUMN_UNITS)


def failure_record(spec: RunSpec) -> dict:
    return {**{k: getattr(spec, k) for k in IDENTITY}, "params": spec.params,
            "host": socket.gethostname(), "pid": os.getpid(), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def execute_run(spec: RunSpec, out: str, digest: str) -> dict:
    """Run one model and store it (or its failure). A run already stored is not run again.

    Only the model's own errors make a failed run; a result that cannot be stored (a full disk) raises a
    StorageError, which stops the batch and is never recorded as the run's failure (experiments/storage.py)."""
    store = ResultsStore(out)
    if store.is_finished(spec.run_id):
        return {"run_id": spec.run_id, "status": "done", "seconds": 0.0, "skipped": True}
    t0 = time.perf_counter()
    try:
        run = run_and_measure(spec.params, spec.seed)
        parameters = effective_parameters(run, spec)
        table = run_table(spec, parameters, run)
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded and the batch goes on
        with writing_into(out):
            store.write_failure(spec.run_id, failure_record(spec), exc)
        return {"run_id": spec.run_id, "status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    seconds = time.perf_counter() - t0
    record = run.record
    meta = {"run": {k: getattr(spec, k) for k in IDENTITY}, "params": spec.params, "parameters": parameters,
            "outcomes": run.outcomes, "households": record["households"], "compounds": record["compounds"],
            "days": record["days"], "reopen_day": record["reopen_day"], "scale": record["scale"],
            "counts": counts_note(record["scale"]), "seconds": seconds,
            "experiment_digest": digest, "version": sim.__version__, "resolved": record["resolved"],
            "environment": record["environment"]}
    with writing_into(out):
        store.write_run(spec.run_id, table, meta)
        store.clear_failure(spec.run_id)
    return {"run_id": spec.run_id, "status": "done", "seconds": seconds, "skipped": False}


def manifest_for(experiment: Experiment, runs: list[RunSpec]) -> dict:
    """The manifest of an experiment: its canonical content and digest, every run with its seed, and provenance:
    the command line's overrides, the experiment and scenario files with their sha256, the scenario's resolved
    settings (before [fixed] and the points change them) and the software (sim.provenance)."""
    scenario = load_scenario(experiment.scenario_ref)
    return {
        "version": sim.__version__,
        "digest": experiment.digest,
        "source": experiment.source,
        "source_sha256": experiment.source_sha256,
        "description": experiment.description,
        "overrides": experiment.overrides,
        "experiment": experiment.canonical(),
        "runs": [{k: getattr(r, k) for k in IDENTITY} for r in runs],
        "scenario_files": list(scenario.files),
        "scenario_values": scenario.to_dict(),
        "environment": environment(),
    }


def open_results(experiment: Experiment, out: str | Path) -> tuple[ResultsStore, list[RunSpec]]:
    """Make `out` ready for `experiment` (or refuse it: one line) and return the store and every run.

    Runs are numbered as the directory already numbers its points, so a grown experiment keeps its runs. The
    caller holds the directory's lock (open_batches).
    """
    store = ResultsStore(out)
    held = store.existing_manifest()
    numbered = {r["point_label"]: r["point"] for r in held["runs"]} if held else None
    runs = experiment.runs(numbered)
    store.open(manifest_for(experiment, runs))
    return store, runs


@dataclass
class OpenBatch:
    """An experiment whose results directory is locked and opened: its store and every run."""

    experiment: Experiment
    out: Path
    store: ResultsStore
    runs: list

    @property
    def left(self) -> list[RunSpec]:
        finished = self.store.finished_ids()
        return [r for r in self.runs if r.run_id not in finished]


@contextlib.contextmanager
def open_batches(batches: list[tuple[Experiment, str | Path]]):
    """Lock every results directory and open it for its experiment, once: a directory another batch is writing,
    or that holds something else, is refused (one line) before any run starts. Yields the OpenBatch list; the
    locks are released when the block ends."""
    with contextlib.ExitStack() as held:
        for _, out in batches:
            held.enter_context(ResultsStore(out).writing())
        yield [OpenBatch(experiment, Path(out), *open_results(experiment, out)) for experiment, out in batches]


@dataclass
class BatchReport:
    """What a batch did: runs finished now and before, failures (run id -> error), time and engine."""

    experiment: str
    out: Path
    total: int
    before: int
    done: int = 0
    failed: dict = field(default_factory=dict)
    seconds: float = 0.0
    engine: str = ""

    @property
    def left(self) -> int:
        return self.total - self.before - self.done - len(self.failed)

    def lines(self, show: int = 10) -> list[str]:
        rate = f", {self.done / self.seconds:.2f} runs/s" if self.done and self.seconds > 0 else ""
        lines = [f"{self.experiment}: {count(self.total, 'run')} in {self.out}",
                 f"  {self.done:,} finished now, {self.before:,} were finished before, {len(self.failed):,} failed"
                 + (f", {self.left:,} not run" if self.left else ""),
                 f"  {duration(self.seconds)} {self.engine}{rate}"]
        if self.failed:
            lines.append(f"  failed runs (records in {self.out / 'failed'}; run the same command again to retry them):")
            for run_id, error in list(self.failed.items())[:show]:
                lines.append(f"    {run_id}  {error.splitlines()[0] if error else ''}")
            if len(self.failed) > show:
                lines.append(f"    ... and {len(self.failed) - show} more")
        return lines


def run_batch(experiment: Experiment, out: str | Path, engine, progress: bool | None = None) -> BatchReport:
    """Run every run of `experiment` not yet stored in `out` on `engine`; results are stored as they finish.

    The directory is locked meanwhile: a second batch on it is refused rather than computing every run twice.
    """
    return run_batches([(experiment, out)], engine, progress=progress, desc=experiment.name)[0]


def run_batches(batches: list[tuple[Experiment, str | Path]], engine, progress: bool | None = None,
                desc: str = "runs") -> list[BatchReport]:
    """Run several experiments, each into its own results directory, through one `engine.map` (one pool or
    cluster for all of them, so a design of many small batches pays the start-up once); one report each."""
    with open_batches(batches) as opened:
        return run_opened(opened, engine, progress, desc)


def execute(batches: list[tuple[Experiment, str | Path]], choice: EngineChoice, progress: bool | None = None,
            desc: str = "runs", before=None) -> list[BatchReport]:
    """Open the batches once, then run what is left on the engine `choice` names (started only if some run is
    left: a finished batch is read, not recomputed). `before(opened)` is called once the directories are open and
    before any run (a command says there what it will do). Ctrl-C propagates as KeyboardInterrupt once the engine
    has stopped; finished runs are kept, and the same call completes the rest."""
    with open_batches(batches) as opened:
        if before is not None:
            before(opened)
        nothing_left = not any(batch.left for batch in opened)
        with (LocalEngine(1) if nothing_left else choice.start()) as engine:
            return run_opened(opened, engine, progress, desc)


def _execute(task: tuple) -> dict:
    """A worker's task: (spec, results directory, experiment digest)."""
    return execute_run(*task)


def run_opened(opened: list[OpenBatch], engine, progress: bool | None = None, desc: str = "runs") -> list[BatchReport]:
    """Run the runs not yet finished of batches opened by open_batches; store each as it finishes."""
    reports, todo = [], []
    for k, batch in enumerate(opened):
        left = batch.left
        reports.append(BatchReport(batch.experiment.name, batch.out, len(batch.runs), len(batch.runs) - len(left),
                                   engine=engine.describe()))
        where = str(batch.out.resolve())
        todo += [(k, (spec, where, batch.experiment.digest)) for spec in left]
    total = sum(r.total for r in reports)
    t0 = time.perf_counter()
    with Progress(total, desc, initial=total - len(todo), enabled=progress) as bar:
        bar.note(f"{len(todo)} left")
        names = [f"{opened[k].experiment.name}-{task[0].run_id}" if len(opened) > 1 else task[0].run_id
                 for k, task in todo]
        for i, result in engine.map(_execute, [task for _, task in todo], names=names):
            k, (spec, _, _) = todo[i]
            report, store = reports[k], opened[k].store
            if is_storage_error(result):  # a result that could not be stored: stop, and file no failure
                raise StorageError(opened[k].out, result.errno) from result
            if isinstance(result, BaseException):  # the task itself was lost (a worker died)
                if store.is_finished(spec.run_id):
                    report.done += 1
                else:
                    with writing_into(opened[k].out):
                        store.write_failure(spec.run_id, failure_record(spec), result)
                    report.failed[spec.run_id] = f"{type(result).__name__}: {result}"
            elif result["status"] == "failed":
                report.failed[spec.run_id] = result["error"]
            else:
                report.done += 1
            failed = sum(len(r.failed) for r in reports)
            bar.note(f"{sum(r.left for r in reports)} left" + (f", {failed} failed" if failed else ""))
            bar.update()
    seconds = time.perf_counter() - t0
    for report in reports:
        report.seconds = seconds
    return reports

