"""The headline comparison of ordering modes, as a result: each mode's mean with its 95 % interval, and each pair of
modes' paired difference on common seeds with its interval and a paired t test. A difference whose interval
includes zero is printed as "no detectable difference", never as a ranking.
"""

from __future__ import annotations

import math

import pandas as pd

from lockdown_sim.analysis.stats import mean_ci, paired_difference, replicates_needed, significant_digits
from lockdown_sim.sim.outcomes import OUTCOMES, format_value
from lockdown_sim.sim.model import ORDERING_MODES

PAIRS = (("group_buying", "platform"), ("hybrid", "platform"), ("hybrid", "group_buying"))
NO_DIFFERENCE = "no detectable difference"


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
            rows.append({"outcome": name, "a": a, "b": b, "difference": d.mean, "low": d.low, "high": d.high,
                         "p_value": d.p_value, "seeds": d.n, "a_wins": d.a_wins, "sd": d.sd, "verdict": verdict})
    return pd.DataFrame(rows)


def compare_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Outcome x mode table of means over seeds with their 95 % intervals."""
    cells = {}
    for mode in _modes(runs):
        sub = runs[runs["ordering"] == mode]
        col = {}
        for name in [n for n in OUTCOMES if n in runs.columns]:
            est = mean_ci(sub[name])
            if est.n == 0 or math.isinf(est.mean):
                col[name] = "-"
            elif est.n == 1 or not math.isfinite(est.low):
                col[name] = format_value(name, est.mean)
            else:
                col[name] = (f"{format_value(name, est.mean)} "
                                          f"[{format_value(name, est.low)}, {format_value(name, est.high)}]")
        cells[_label(mode)] = col
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
    lines = [f"Each mode: mean over {len(seeds)} seeds [95 % interval]", format_table(table), units_legend(table.index)]
    if len(seeds) >= 2 and not diffs.empty:
        lines += ["", f"Paired differences on the same {len(seeds)} seeds (same city in every mode): mean [95 % interval], "
                      "paired t test; n.d. = no detectable difference (the interval includes 0)",
                  format_table(difference_table(diffs)), "", seeds_advice(diffs)]
    elif len(seeds) < 2:
        lines += ["", "one seed: no interval and no ranking; use --seeds 30 or more for a comparison"]
    return "\n".join(lines)
