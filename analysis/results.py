"""Load a batch's results store into pandas: every run's daily rows, or one row of outcomes per run.

    from lockdown_sim.analysis.results import load_results, load_outcomes
    daily = load_results("out/courier")      # one row per run and day: identity, parameters, kept metrics
    runs = load_outcomes("out/courier")      # one row per run: identity, parameters, end-of-run outcomes

Only finished runs are read (a run killed half-way has no file); rows come in the experiment's run order,
whatever order the runs finished in.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pyarrow as pa

from lockdown_sim.analysis.compare import format_table
from lockdown_sim.sim.outcomes import OUTCOMES, RENAMED, format_value
from lockdown_sim.sim.keywords import ORDERING_MODES
from lockdown_sim.experiments.results_store import ResultsStore
from lockdown_sim.sim.wording import count

SUMMARY_OUTCOMES = ("delivery_ratio", "elderly_unserved_share", "elderly_left_unserved_share", "ever_ran_out_share")


def load_results(out: str | Path) -> pd.DataFrame:
    """All finished runs' daily tables in one DataFrame (identity, parameter and metric columns)."""
    tables = [run.table for run in ResultsStore(out).finished_runs()]
    if not tables:
        return pd.DataFrame()
    # run files share one schema (the store writes it so); permissive promotion still loads older batches
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def load_outcomes(out: str | Path) -> pd.DataFrame:
    """One row per finished run: its identity, parameters, city size and end-of-run outcomes (sim/outcomes.py;
    outcomes of earlier versions under their names of today)."""
    rows = []
    for run in ResultsStore(out).finished_runs(daily=False):
        meta = run.meta
        outcomes = {RENAMED.get(name, name): value for name, value in meta["outcomes"].items()}
        rows.append({**meta["run"], **meta["parameters"], "households": meta["households"],
                     "scale": meta.get("scale", math.nan), **outcomes})
    frame = pd.DataFrame(rows)
    present = [name for name in OUTCOMES if name in frame.columns]
    return frame.astype({name: "float64" for name in present})  # an outcome with nothing to count is stored as null


def daily_tables(out: str | Path):
    """Each finished run's daily rows (pandas) with its footer: (meta, table), in run order."""
    for run in ResultsStore(out).finished_runs():
        yield run.meta, run.table.to_pandas()


def batch_status(out: str | Path) -> dict:
    """Counts of a batch: runs in the experiment, finished, failed (run id -> error) and not yet run."""
    store = ResultsStore(out)
    manifest = store.manifest()
    finished = store.finished_ids()
    failed = {k: v.get("error", "") for k, v in store.failures().items()}
    total = len(manifest["runs"])
    done = sum(r["run_id"] in finished for r in manifest["runs"])
    return {"experiment": manifest["experiment"]["experiment"], "description": manifest.get("description", ""),
            "digest": manifest["digest"], "total": total, "finished": done, "failed": failed,
            "not_run": total - done - len(failed)}


def outcome_table(outcomes: pd.DataFrame, names=SUMMARY_OUTCOMES) -> pd.DataFrame:
    """Mean ± sd over replicates of a few outcomes, one row per point and ordering mode."""
    cells = {}
    modes = [m for m in ORDERING_MODES if m in set(outcomes["ordering"])]
    for (point, label), sub in outcomes.groupby(["point", "point_label"], sort=True):
        for mode in modes:
            runs = sub[sub["ordering"] == mode]
            if runs.empty:
                continue
            row = {"runs": str(len(runs))}
            for name in names:
                vals = runs[name].astype(float).dropna()
                text = format_value(name, vals.mean()) if not vals.empty else "-"
                if len(vals) > 1 and not math.isinf(vals.mean()):
                    text += " ± " + format_value(name, vals.std(ddof=1))
                row[name] = text
            cells[f"{label}  {mode.replace('_', ' ')}"] = row
    return pd.DataFrame.from_dict(cells, orient="index")


def summary_text(out: str | Path) -> str:
    """A short report of a batch: what it is, how many runs finished or failed, and its main outcomes."""
    status = batch_status(out)
    exp = status["experiment"]
    size = count(exp["households"], "household") if exp.get("households") else "default households"
    days = count(exp["days"], "day") if exp.get("days") else "the scenario's horizon"
    lines = [f"{exp['name']}: {status['description'] or exp['scenario']}",
             f"  scenario {exp['scenario']}, {size}, {days}, {count(exp['replicates'], 'replicate')}, master seed "
             f"{exp['master_seed']} (experiment {status['digest'][:12]})",
             f"  {status['finished']:,} of {count(status['total'], 'run')} finished, {len(status['failed']):,} failed, "
             f"{status['not_run']:,} not run yet"]
    for run_id, error in list(status["failed"].items())[:10]:
        lines.append(f"    failed: {run_id}  {error.splitlines()[0] if error else ''}")
    if len(status["failed"]) > 10:
        lines.append(f"    ... and {len(status['failed']) - 10} more failed")
    if status["finished"]:
        table = outcome_table(load_outcomes(out))
        lines += ["", "mean ± sd over replicates (outcomes over the lockdown; units: lockdown-sim metrics):",
                  format_table(table)]
    return "\n".join(lines)
