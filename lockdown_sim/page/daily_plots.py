"""The daily curves: delivery ratio, older residents unserved, courier stops, truck trips, leaders and compound
tiers, drawn from the model's DataCollector, one point per day so far.

One figure with six panels (one image per day instead of six keeps the page fast). The axes, legends and titles
are built once per model; each day only the lines and titles are drawn again over the cached frame (`blit.py`),
and the frame only when a vertical scale grows. The day axis spans the whole horizon, so the
curves grow from left to right as the model steps; each panel's title gives today's value.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lockdown_sim.page.blit import Blitter
from lockdown_sim.sim.metrics import COUNTS, UNITS

# (panel title, [(metric, label, colour, line style)]); metric names are those of sim/metrics.py
PANELS: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    ("delivery ratio", [("delivery_ratio", "today", "#1f77b4", "-"),
                   ("cumulative_delivery_ratio", "so far", "#1f77b4", "--")]),
    ("older residents unserved", [("elderly_unserved_share", "short today", "#b91c1c", "-"),
                                  ("elderly_left_unserved_share", "3+ days in a row, so far", "#b91c1c", "--")]),
    ("courier stops / day", [("courier_stops", "rider stops", "#3b82f6", "-")]),
    ("truck trips / day", [("truck_trips", "truck runs", "#65a30d", "-")]),
    ("group leaders", [("leaders", "active", "#7c3aed", "-")]),
    ("households sealed", [("sealed_share", "sealed", "#333", "-"),
                           ("control_share", "control", "#888", "-"),
                           ("prevention_share", "prevention", "#bbb", "-")]),
]
SHARES = {"delivery ratio", "older residents unserved", "households sealed"}  # panels whose axis starts at 0..1
PLOTTED = [metric for _, lines in PANELS for metric, *_ in lines]


def unit_label(metric: str) -> str:
    """A panel's vertical axis: the metric's unit (sim/metrics.py), and for a count, whose."""
    unit = UNITS[metric] + (" (simulated city)" if metric in COUNTS else "")
    return textwrap.fill(unit, 24)


class DailyPlots:
    """The curves of one model. `update()` draws every day collected so far and returns the figure."""

    def __init__(self, model, figsize=(6.0, 5.6), dpi: int = 100):
        self.model = model
        self.horizon = max(int(getattr(model, "horizon", 1)), 1)
        self.fig = fig = Figure(figsize=figsize, dpi=dpi)
        axes = fig.subplots(3, 2, sharex=True)
        fig.subplots_adjust(left=0.12, right=0.98, top=0.94, bottom=0.09, hspace=0.45, wspace=0.38)
        self.panels = []
        for ax, (title, lines) in zip(axes.flat, PANELS):
            drawn = [(metric, ax.plot([], [], lw=1.6, color=c, ls=ls, label=label)[0],
                      ax.plot([], [], "o", ms=3.5, color=c)[0]) for metric, label, c, ls in lines]
            ax.set_xlim(0, self.horizon - 1)
            ax.set_ylim(0, 1.04 if title in SHARES else 1.0)
            ax.tick_params(labelsize=8)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
            ax.grid(axis="y", alpha=0.3, lw=0.5)
            if len(lines) > 1:
                ax.legend(fontsize=7.5, frameon=False, loc="upper right", handlelength=1.6)
            ax.set_ylabel(unit_label(lines[0][0]), fontsize=7, color="#555")
            self.panels.append((ax, title, ax.set_title(title, fontsize=9.5, loc="left"), drawn))
        start = getattr(getattr(getattr(model, "cfg", None), "timeline", None), "start_date", None)
        day_zero = dt.date.fromisoformat(start).strftime("%-d %b %Y") if start else "the first lockdown day"
        for ax in axes[-1]:
            ax.set_xlabel(f"day (0 = {day_zero})", fontsize=8.5)
        changing = []
        for _, _, heading, drawn in self.panels:
            changing.append(heading)
            for _, line, now in drawn:
                changing += [line, now]
        self.blitter = Blitter(fig, changing)

    def update(self) -> Figure:
        """Set every line to the days collected so far and rescale the vertical axes to fit."""
        data = self.model.datacollector.model_vars
        days = np.asarray(data.get("day", []), dtype=float)
        if len(days) > self.horizon:  # run past its horizon: widen the shared day axis
            self.horizon = len(days)
            self.panels[0][0].set_xlim(0, self.horizon - 1)
            self.blitter.invalidate()
        for ax, title, heading, drawn in self.panels:
            top = 0.0
            for metric, line, now in drawn:
                y = np.asarray(data.get(metric, []), dtype=float)
                line.set_data(days, y)
                now.set_data(days[-1:], y[-1:])
                if np.isfinite(y).any():
                    top = max(top, float(np.nanmax(y[np.isfinite(y)])))
            if top > ax.get_ylim()[1]:  # a new scale redraws the frame; otherwise only the lines are drawn
                # grow with some room to spare (a scale that changes every day would mean a full redraw every day)
                ax.set_ylim(0, 1.04 if title in SHARES and top <= 1.0 else _nice_top(1.25 * top))
                self.blitter.invalidate()
            first = data.get(drawn[0][0], [])
            heading.set_text(f"{title}: {_fmt(first[-1])}" if len(first) else title)
        return self.fig

    def png(self) -> bytes:
        """Today's curves as PNG bytes, redrawing only what changes from day to day."""
        self.update()
        return self.blitter.png()


def _nice_top(value: float) -> float:
    """The round number at or above value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten)."""
    if value <= 0:
        return 1.0
    scale = 10 ** math.floor(math.log10(value))
    return next(k * scale for k in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if k * scale >= value)


def _fmt(value) -> str:
    v = float(value)
    if math.isnan(v):
        return "-"
    return f"{v:.2f}" if abs(v) < 10 and not v.is_integer() else f"{v:,.0f}"


def draw_daily_plots(model) -> Figure:
    """The curves of the model's days so far in a new figure (for scripts and notebooks)."""
    return DailyPlots(model).update()
