"""Side-by-side table of ordering modes: each outcome's mean (and spread over seeds) per mode."""

from __future__ import annotations

import math

import pandas as pd

from analysis.summary import OUTCOMES, format_value
from sim.model import ORDERING_MODES


def compare_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Outcome x mode table of means over seeds, with the standard deviation where there are several."""
    modes = [m for m in ORDERING_MODES if m in set(runs["ordering"])]
    cells = {}
    for mode in modes:
        sub = runs[runs["ordering"] == mode]
        col = {}
        for name in OUTCOMES:
            vals = sub[name].astype(float).dropna()
            if vals.empty:
                col[OUTCOMES[name][0]] = "-"
                continue
            text = format_value(name, vals.mean())
            if len(vals) > 1 and not math.isinf(vals.mean()):
                text += " ± " + format_value(name, vals.std(ddof=1))
            col[OUTCOMES[name][0]] = text
        cells[mode.replace("_", " ")] = col
    return pd.DataFrame(cells)


def format_table(table: pd.DataFrame) -> str:
    label_w = max(len(str(i)) for i in table.index)
    widths = [max(len(c), *(len(v) for v in table[c])) for c in table.columns]
    head = " " * label_w + "  " + "  ".join(c.rjust(w) for c, w in zip(table.columns, widths))
    lines = [head, "-" * len(head)]
    for label, row in table.iterrows():
        lines.append(str(label).ljust(label_w) + "  " + "  ".join(str(v).rjust(w) for v, w in zip(row, widths)))
    return "\n".join(lines)
