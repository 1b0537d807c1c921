"""The headline comparison of ordering modes, as a result: each mode's mean with its 95 % interval, and each pair of
modes' paired difference on common seeds with its interval and a paired t test. A difference whose interval
includes zero is printed as "no detectable difference", never as a ranking. Intervals stay inside the bounds of
their outcome (sim/outcomes.py: a share within [0, 1]; analysis/stats.py, bounded_mean_ci).
"""

from __future__ import annotations

import math

import pandas as pd

from lockdown_sim.analysis.stats import bounded_mean_ci, paired_difference, replicates_needed, significant_digits
from lockdown_sim.sim.outcomes import OUTCOMES, format_value
from lockdown_sim.sim.keywords import ORDERING_MODES

PAIRS = (("group_buying", "platform"), ("hybrid", "platform"), ("hybrid", "group_buying"))
NO_DIFFERENCE = "no detectable difference"
INTERVALS = ("95 % intervals over seeds: a mode's mean, a t interval taken on the logit scale for an outcome bounded "
             "on both sides (a share) and on the log scale for one bounded below (a ratio, a rate), so that it stays "
             "inside the outcome's bounds; a paired difference, the t interval of the seed-by-seed differences "
             "(within the differences the bounds allow)")


def _label(mode: str) -> str:
    return mode.replace("_", " ")


def _modes(runs: pd.DataFrame) -> list[str]:
    return [m for m in ORDERING_MODES if m in set(runs["ordering"])]


def paired_values(runs: pd.DataFrame, name: str, a: str, b: str) -> tuple[pd.Series, pd.Series]:
    """Outcome `name` of modes a and b on their common seeds, aligned seed by seed."""
    wide = runs.pivot_table(index="seed", columns="ordering", values=name, aggfunc="first", dropna=False)
    both = wide[[a, b]].dropna() if {a, b} <= set(wide.columns) else pd.DataFrame(columns=[a, b])
    return both[a].astype(float), both[b].astype(float)


def difference_rows(runs: pd.DataFrame, pairs=PAIRS) -> pd.DataFrame:
    """One row per outcome and pair of modes: the paired difference a - b, its interval, p and verdict."""
    modes = set(_modes(runs))
    rows = []
    for name in [n for n in OUTCOMES if n in runs.columns]:
        for a, b in pairs:
            if not {a, b} <= modes:
                continue
            va, vb = paired_values(runs, name, a, b)
            d = paired_difference(va.to_numpy(), vb.to_numpy())
            if d.n == 0:
                continue
            verdict = (NO_DIFFERENCE if not d.detectable
                       else f"{_label(a)} {'higher' if d.mean > 0 else 'lower'}")
            low, high = _within_span(name, d.low, d.high)
            rows.append({"outcome": name, "unit": OUTCOMES[name].unit, "a": a, "b": b, "difference": d.mean,
                         "low": low, "high": high, "p_value": d.p_value, "seeds": d.n, "a_wins": d.a_wins,
                         "sd": d.sd, "verdict": verdict})
    return pd.DataFrame(rows)


def _within_span(name: str, low: float, high: float) -> tuple[float, float]:
    """A difference's interval within the differences the outcome's bounds allow (a share: -1 to 1)."""
    bounds = OUTCOMES[name].bounds
    if bounds is None or None in bounds or not math.isfinite(low):
        return low, high
    span = bounds[1] - bounds[0]
    return max(low, -span), min(high, span)


def mode_estimates(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome and mode: its unit, the mean over seeds and its 95 % interval (kept inside the
    outcome's bounds), the sd between seeds and the number of seeds: the headline table as data."""
    rows = []
    for name in [n for n in OUTCOMES if n in runs.columns]:
        for mode in _modes(runs):
            est = bounded_mean_ci(runs.loc[runs["ordering"] == mode, name], OUTCOMES[name].bounds)
            rows.append({"outcome": name, "unit": OUTCOMES[name].unit, "ordering": mode, "mean": est.mean,
                         "low": est.low, "high": est.high, "sd": est.sd, "seeds": est.n})
    return pd.DataFrame(rows, columns=["outcome", "unit", "ordering", "mean", "low", "high", "sd", "seeds"])


def compare_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Outcome x mode table of means over seeds with their 95 % intervals."""
    cells: dict[str, dict] = {}
    for r in mode_estimates(runs).itertuples():
        name = r.outcome
        if r.seeds == 0 or math.isinf(r.mean):
            text = "-"
        elif r.seeds == 1 or not math.isfinite(r.low):
            text = format_value(name, r.mean)
        else:
            text = f"{format_value(name, r.mean)} [{format_value(name, r.low)}, {format_value(name, r.high)}]"
        cells.setdefault(_label(r.ordering), {})[name] = text
    return pd.DataFrame(cells)


def _signed(value: float, half: float) -> str:
    text = significant_digits(value, half)
    return text if text.startswith("-") else "+" + text


def difference_table(diffs: pd.DataFrame) -> pd.DataFrame:
    """Outcome x pair table: "+0.012 [+0.004, +0.020] p=0.003", or "no detectable difference (+0.002 [...])"."""
    cells: dict[str, dict] = {}
    for _, r in diffs.iterrows():
        half = (r["high"] - r["low"]) / 2
        interval = f"{_signed(r['difference'], half)} [{_signed(r['low'], half)}, {_signed(r['high'], half)}]"
        p = r["p_value"]
        p_text = "p<0.001" if p < 0.001 else f"p={p:.3f}"
        text = f"{interval} {p_text}" if r["verdict"] != NO_DIFFERENCE else f"n.d. {interval}"
        cells.setdefault(f"{_label(r['a'])} - {_label(r['b'])}", {})[r["outcome"]] = text
    table = pd.DataFrame(cells)
    return table.reindex([n for n in OUTCOMES if n in table.index]).fillna("-")


def seeds_advice(diffs: pd.DataFrame, outcome: str = "delivery_ratio", step: float = 0.01) -> str:
    """How many paired seeds it takes to tell apart a difference of `step` in `outcome`, for each pair."""
    parts = []
    for _, r in diffs[diffs["outcome"] == outcome].iterrows():
        n = replicates_needed(r["sd"], step)
        parts.append(f"{_label(r['a'])} vs {_label(r['b'])}: {n if math.isfinite(n) else 'inf'}")
    if not parts:
        return ""
    return (f"seeds needed to detect a difference of {step} in {outcome} "
            f"(95 % level, 80 % power, from the spread of the paired differences): " + "; ".join(parts))


def format_table(table: pd.DataFrame) -> str:
    label_w = max(len(str(i)) for i in table.index)
    widths = [max(len(c), *(len(v) for v in table[c])) for c in table.columns]
    head = " " * label_w + "  " + "  ".join(c.rjust(w) for c, w in zip(table.columns, widths))
    lines = [head, "-" * len(head)]
    for label, row in table.iterrows():
        lines.append(str(label).ljust(label_w) + "  " + "  ".join(str(v).rjust(w) for v, w in zip(row, widths)))
    return "\n".join(lines)


def units_legend(names) -> str:
    """The units of a table whose rows are outcome names: one line per unit, naming its outcomes."""
    by_unit: dict[str, list[str]] = {}
    for n in names:
        if n in OUTCOMES:
            by_unit.setdefault(OUTCOMES[n].unit, []).append(n)
    return "units:\n" + "\n".join(f"  {unit}: {', '.join(ns)}" for unit, ns in by_unit.items())


def compare_report(runs: pd.DataFrame) -> str:
    """The whole printed comparison: means with intervals, paired differences, and the seeds a finer ranking needs."""
    seeds = sorted(set(runs["seed"]))
    diffs = difference_rows(runs)
    table = compare_table(runs)
    lines = [f"Each mode: mean over {len(seeds)} seeds [95 % interval]", format_table(table), units_legend(table.index),
             "intervals: 95 % over seeds, kept inside each outcome's bounds (a share within 0-1: t intervals on the "
             "logit or log scale; compare.md says how)"]
    if len(seeds) >= 2 and not diffs.empty:
        lines += ["", f"Paired differences on the same {len(seeds)} seeds (same city in every mode): mean [95 % interval], "
                      "paired t test; n.d. = no detectable difference (the interval includes 0)",
                  format_table(difference_table(diffs)), "", seeds_advice(diffs)]
    elif len(seeds) < 2:
        lines += ["", "one seed: no interval and no ranking; use --seeds 30 or more for a comparison"]
    return "\n".join(lines)


def markdown_table(table: pd.DataFrame, first: str) -> list[str]:
    """A table of strings as Markdown lines, its index as the first column (named `first`), with each outcome's
    unit beside it."""
    head = [first, "unit", *table.columns]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, row in table.iterrows():
        unit = OUTCOMES[label].unit if label in OUTCOMES else ""
        lines.append("| " + " | ".join([f"`{label}`", unit, *map(str, row)]) + " |")
    return lines


def compare_markdown(runs: pd.DataFrame, header: str, notes=(), files=()) -> str:
    """The comparison as a Markdown page (compare.md): what was run, any warning, each mode's means with their
    intervals and units, the paired differences, how the intervals are computed and the folder's files
    (`files`: (name, what) pairs)."""
    seeds = sorted(set(runs["seed"]))
    diffs = difference_rows(runs)
    lines = ["# Platform vs group buying vs hybrid", "", header, ""]
    lines += [f"**Warning:** {note}" for note in notes] + ([""] if notes else [])
    lines += [f"## Each mode: mean over {len(seeds)} seeds [95 % interval]", ""]
    lines += markdown_table(compare_table(runs), "outcome")
    if len(seeds) >= 2 and not diffs.empty:
        lines += ["", f"## Paired differences on the same {len(seeds)} seeds", "",
                  "Mean of a - b seed by seed [95 % interval], paired t test; n.d. = no detectable difference "
                  "(the interval includes 0).", ""]
        lines += markdown_table(difference_table(diffs), "outcome")
        lines += ["", seeds_advice(diffs)]
    lines += ["", f"Intervals: {INTERVALS}.", ""]
    if files:
        lines += ["## Files in this folder", "", "| file | what |", "|---|---|"]
        lines += [f"| `{name}` | {what} |" for name, what in files]
        lines.append("")
    return "\n".join(lines)
