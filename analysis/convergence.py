"""Is a city large enough? The scale convergence benchmark's answer, for every command that runs the model.

A scaled-down city is a small patch of the real one, and below 20,000 households its outcomes drift with its size
(README, "Scale convergence"; benchmarks/convergence.py runs the three modes at 10^4 .. 10^6 households). The
benchmark's drifts (each size's mean minus the 10^6 city's, per outcome and mode) ship with the package in
`convergence_drift.csv`, written by the benchmark from benchmarks/results/convergence_table.csv, so a command
can say, in one line, that a smaller city's outcomes are not converged and by how much they drifted there.

The drifts are those of the model the benchmark last ran on (MEASURED_ON): 30 November 2026, before issue 20 put
both channels on one money-derived unit and added the chain stores' packages, several group buys at once, leaders at
the scale of a building and remote leaders. That change moved the outcomes (the group channel carries three times the
food it did) and doubled a run's cost; the benchmark has not been run since (about twice its 30 CPU-minutes now), so the
converged size and the drifts quoted are the older model's, and the warning says so.

    from lockdown_sim.analysis.convergence import size_warning
    size_warning(2000)    # "2,000 households is below 20,000, ..." (None from 20,000 households on)
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

from lockdown_sim.sim.outcomes import RENAMED

# The smallest size at which every headline outcome of every mode lies within about one run-to-run standard
# deviation of the 10^6 city's (README, "Scale convergence"); tests/test_convergence.py checks the benchmark's
# drifts against it: within DRIFT_TOLERANCE of the 10^6 city from here on, beyond it at the size below.
CONVERGED_HOUSEHOLDS = 20_000
DRIFT_TOLERANCE = 0.04  # on the 0-1 scale of the shares and the delivery ratio
REFERENCE_HOUSEHOLDS = 1_000_000
DRIFT_FILE = "convergence_drift.csv"
SOURCE = "benchmarks/results/convergence_table.csv"
# the model the drifts were measured on (re-run benchmarks/convergence.py after a change that moves the outcomes)
MEASURED_ON = ("measured on the model of 30 November 2026, before both channels shared one unit (CHANGELOG, issue 20), "
               "not re-run since")


def drift_rows(table: list[dict]) -> list[dict]:
    """From the benchmark's table (rows of outcome, ordering, households, mean, minus_<reference>): each scaled
    size's drift from the reference city, per outcome (today's names) and mode, on the 0-1 scale only (rates
    per 1,000 households are left out: their drifts are not comparable with the shares')."""
    rows = []
    for row in table:
        outcome = RENAMED.get(row["outcome"], row["outcome"])
        households = int(float(row["households"]))
        if outcome.endswith("_per_1000") or households >= REFERENCE_HOUSEHOLDS:
            continue
        rows.append({"outcome": outcome, "ordering": row["ordering"], "households": households,
                     "mean": float(row["mean"]), "drift": float(row[f"minus_{REFERENCE_HOUSEHOLDS}"])})
    return rows


def write_drift_file(table: list[dict], path) -> None:
    """The packaged drift file, from the benchmark's table (benchmarks/convergence.py calls it)."""
    rows = drift_rows(table)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["outcome", "ordering", "households", "mean", "drift"])
        writer.writeheader()
        writer.writerows({**r, "mean": f"{r['mean']:.6g}", "drift": f"{r['drift']:.6g}"} for r in rows)


@lru_cache(maxsize=1)
def drifts() -> tuple[dict, ...]:
    """The benchmark's drifts as shipped with the package (outcome, ordering, households, mean, drift)."""
    text = resources.files("lockdown_sim.analysis").joinpath(DRIFT_FILE).read_text()
    return tuple({**r, "households": int(r["households"]), "mean": float(r["mean"]), "drift": float(r["drift"])}
                 for r in csv.DictReader(text.splitlines()))


def size_warning(households: int) -> str | None:
    """One line saying that a city of `households` is below the converged size and how far the benchmark's
    outcomes drifted at the nearest size it ran (the largest not above `households`, else its smallest); None
    from CONVERGED_HOUSEHOLDS on."""
    if households >= CONVERGED_HOUSEHOLDS:
        return None
    sizes = sorted({r["households"] for r in drifts()})
    below = [s for s in sizes if s <= households]
    size = below[-1] if below else sizes[0]
    worst = max((r for r in drifts() if r["households"] == size), key=lambda r: abs(r["drift"]))
    mode = {"platform": "platform alone", "group_buying": "group buying alone"}.get(worst["ordering"], worst["ordering"])
    return (f"{households:,} households is below {CONVERGED_HOUSEHOLDS:,}, the smallest city whose outcomes "
            f"converge, so the outcomes are not converged at this size: in the convergence benchmark ({SOURCE}) "
            f"the outcomes at {size:,} households{', its smallest size,' if not below else ''} differed from the "
            f"{REFERENCE_HOUSEHOLDS:,}-household city's by up to {abs(worst['drift']):.3f} ({worst['outcome']}, "
            f"{mode}, {'lower' if worst['drift'] < 0 else 'higher'}; {MEASURED_ON})"
            + ("; smaller cities drift further" if not below else ""))
