"""The reproduction report's figures, drawn with matplotlib from tables (analysis/measures.py, analysis/reproduce.py):
one idea per figure, labelled axes with units, legends, the 95 % interval or band drawn wherever a mean is.

Every function returns a matplotlib Figure; analysis/report.py saves it and embeds it. `stamp` is a line printed
in the corner of every figure (a quick run says so there too).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from lockdown_sim.analysis.verdicts import (CHECKED, HOLDS, INCONCLUSIVE, NO_EFFECT, NO_PREDICTION,  # noqa: E402
                                            NOT_AS_BUILT, REVERSED)

MODE_COLOURS = {"platform": "#1f77b4", "group_buying": "#2ca02c", "hybrid": "#7b3fa0"}
OTHER_COLOURS = ["#7b3fa0", "#e08214", "#8c8c8c", "#1b9e77", "#d95f02", "#666666"]
ABLATION = "ablation (not judged)"
VERDICT_COLOURS = {HOLDS: "#2e7d32", REVERSED: "#c62828", NO_EFFECT: "#e08214", INCONCLUSIVE: "#8c8c8c",
                   NO_PREDICTION: "#1f5fa8", CHECKED: "#1f5fa8", NOT_AS_BUILT: "#c62828",
                   ABLATION: "#555555"}
# Day 0 of a scenario as a date, where the scenario says so (scenarios/shanghai-2022.toml: day 0 = 2022-03-28).
START_DATES = {"shanghai-2022": dt.date(2022, 3, 28)}


def _finish(fig, stamp: str):
    if stamp:
        fig.text(0.995, 0.005, stamp, ha="right", va="bottom", fontsize=7.5, color="#b00020")
    fig.tight_layout(rect=(0, 0.025 if stamp else 0, 1, 1))
    return fig


def _band(ax, band: pd.DataFrame, colour, label, x="day", style="-"):
    ax.plot(band[x], band["mean"], style, color=colour, lw=1.6, label=label)
    ok = band["low"].notna() & band["high"].notna()
    if ok.any():
        ax.fill_between(band[x][ok], band["low"][ok], band["high"][ok], color=colour, alpha=0.18, lw=0)


def lockdown_phases(timeline) -> dict:
    """What the day-by-day figures mark, from a scenario's timeline settings: the lockdown (shaded), the days the
    rules change (dashed) and the days of the press briefings' tier counts (triangles)."""
    return {"lockdown": (timeline.lockdown_day_east, timeline.reopen_day),
            "events": [(timeline.lockdown_day_east, "east locks"), (timeline.lockdown_day_west, "west locks"),
                       (timeline.tier_system_day, "three tiers"), (timeline.reopen_day, "reopening")],
            "tier_points": [int(t["day"]) for t in timeline.tier_points]}


def _mark_phases(ax, phases: dict, text: bool):
    """Lockdown shaded, the days rules changed as dashed lines (labelled on the top panel)."""
    lock = phases.get("lockdown")
    if lock:
        ax.axvspan(lock[0], lock[1], color="#fbe9e7", zorder=0)
    for day, label in phases.get("events", []):
        ax.axvline(day, color="#555555", ls="--", lw=0.8, zorder=1)
        if text:
            ax.annotate(label, (day, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2),
                        textcoords="offset points", fontsize=7.5, va="top", rotation=90, color="#333333")
    for day in phases.get("tier_points", []):
        ax.plot([day], [0], marker="^", color="#555555", ms=4, transform=ax.get_xaxis_transform(), clip_on=False)


def _day_ticks(ax, start: dt.date | None, days: int):
    ticks = list(range(0, days + 1, 10))
    ax.set_xticks(ticks)
    if start is None:
        ax.set_xlabel("day (day 0: the first district locks)")
        return
    ax.set_xticklabels([f"{d}\n{(start + dt.timedelta(days=d)).strftime('%d %b')}" for d in ticks], fontsize=8)
    ax.set_xlabel(f"day of the run (day 0 = {start.strftime('%d %b %Y')})")


def timeline(panels: list[dict], phases: dict, start: dt.date | None, days: int, title: str, stamp: str = ""):
    """Stacked daily panels sharing the day axis; each panel: {"ylabel", "lines": [(band, colour, label)]}."""
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.0 * len(panels) + 0.8), sharex=True)
    for i, (ax, panel) in enumerate(zip(axes, panels)):
        _mark_phases(ax, phases, text=(i == 0))
        for band, colour, label in panel["lines"]:
            _band(ax, band, colour, label)
        ax.set_ylabel(panel["ylabel"], fontsize=8.5)
        ax.set_ylim(bottom=0)
        if panel.get("top") is not None:
            ax.set_ylim(top=panel["top"])
        ax.legend(fontsize=7.5, loc="best", frameon=False, ncol=len(panel["lines"]))
        ax.grid(alpha=0.25)
    _day_ticks(axes[-1], start, days)
    axes[-1].set_xlim(0, days - 1)
    axes[0].set_title(title, fontsize=11)
    return _finish(fig, stamp)


def series(lines: list[tuple], ylabel: str, title: str, phases: dict, start, days: int, stamp: str = "",
           reference: list | None = None, xlabel: str | None = None, first_day: int = 0):
    """Daily means with 95 % bands, one line per arm; `reference`: (y or band, colour, label) dashed lines."""
    fig, ax = plt.subplots(figsize=(8, 4))
    if phases:
        _mark_phases(ax, phases, text=True)
    for i, (band, colour, label) in enumerate(lines):
        _band(ax, band, colour or OTHER_COLOURS[i % len(OTHER_COLOURS)], label)
    drawn: list[tuple[float, str]] = []
    for ref, colour, label in reference or []:
        if isinstance(ref, pd.DataFrame):
            ax.plot(ref["day"], ref["value"], ls=(0, (4, 3)), color=colour, lw=1.3, label=label)
        elif ref is not None and math.isfinite(ref):
            same = [d for d in drawn if abs(d[0] - ref) <= 1e-9 * max(1.0, abs(ref))]
            if same:  # the same value again (e.g. the same city in two modes): one line
                continue
            drawn.append((ref, label))
            ax.axhline(ref, ls=(0, (4, 3)), color=colour, lw=1.3, label=label)
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    if xlabel:
        ax.set_xlabel(xlabel)
        ax.set_xlim(first_day, days - 1)
    else:
        _day_ticks(ax, start, days)
        ax.set_xlim(0, days - 1)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.25)
    entries = len(ax.get_legend_handles_labels()[0])
    if entries > 3:  # many lines: the legend goes under the plot, clear of the curves
        ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
        fig.set_size_inches(8, 4 + 0.22 * ((entries + 1) // 2))
    else:
        ax.legend(fontsize=8, frameon=False, loc="best")
    return _finish(fig, stamp)


def forest(rows: list[dict], xlabel: str, title: str, stamp: str = "", neutral: float = 0.0,
           margin: float | None = None):
    """Effects with 95 % intervals, one row each ({"label", "mean", "low", "high", "verdict"}), top to bottom; with
    `margin`, the smallest effect of interest either side of `neutral` as dotted lines."""
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(rows) + 1.6))
    ys = np.arange(len(rows))[::-1]
    for y, r in zip(ys, rows):
        colour = VERDICT_COLOURS.get(r["verdict"], "#333333")
        lo, hi = r["low"], r["high"]
        if math.isfinite(lo) and math.isfinite(hi):
            ax.plot([lo, hi], [y, y], color=colour, lw=2.2)
        ax.plot([r["mean"]], [y], "o", color=colour, ms=6)
    ax.axvline(neutral, color="#333333", lw=0.9)
    if margin:
        for x in (neutral - margin, neutral + margin):
            ax.axvline(x, color="#333333", lw=0.9, ls=":")
    ax.set_yticks(ys)
    ax.set_yticklabels([r["label"] for r in rows], fontsize=8.5)
    ax.set_xlabel(xlabel)
    fig.suptitle(title, fontsize=11)
    ax.grid(axis="x", alpha=0.25)
    handles = [plt.Line2D([], [], color=VERDICT_COLOURS[v], marker="o", lw=2, label=v)
               for v in dict.fromkeys(r["verdict"] for r in rows) if v in VERDICT_COLOURS]
    if margin:
        handles.append(plt.Line2D([], [], color="#333333", lw=0.9, ls=":", label=f"smallest effect of interest "
                                                                                 f"(+/- {margin:g})"))
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center", title="verdict (95 % interval)",
              title_fontsize=8, ncol=len(handles), bbox_to_anchor=(0.5, -0.12 - 0.5 / len(rows)))  # under the plot
    return _finish(fig, stamp)


def paired_seeds(rows: list[dict], xlabel: str, title: str, stamp: str = "", neutral: float = 0.0,
                 verdict_labels: dict | None = None):
    """Paired effects seed by seed, one row each ({"label", "values": one per seed, "mean", "low", "high", and
    "verdict" or "colour"}), top to bottom: every seed's value as a dot, the mean and its 95 % interval as a bar, so
    a reader sees the spread behind the interval and how many seeds lie on each side of `neutral`. The legend
    names each verdict, or what `verdict_labels` says it means."""
    fig, ax = plt.subplots(figsize=(8, 0.75 * len(rows) + 1.9))
    ys = np.arange(len(rows))[::-1]
    for y, r in zip(ys, rows):
        colour = r.get("colour") or VERDICT_COLOURS.get(r.get("verdict"), "#333333")
        values = np.asarray(r["values"], dtype=float)
        offsets = np.linspace(-0.22, 0.22, len(values)) if len(values) > 1 else np.zeros(len(values))
        ax.scatter(values, y + offsets, s=14, color=colour, alpha=0.45, lw=0, zorder=2)
        if math.isfinite(r["low"]) and math.isfinite(r["high"]):
            ax.plot([r["low"], r["high"]], [y, y], color=colour, lw=2.8, zorder=3, solid_capstyle="butt")
        ax.plot([r["mean"]], [y], "D", color=colour, ms=7, mec="white", zorder=4)
    ax.axvline(neutral, color="#333333", lw=0.9)
    ax.set_yticks(ys)
    ax.set_yticklabels([r["label"] for r in rows], fontsize=8.5)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(xlabel)
    fig.suptitle(title, fontsize=11)
    ax.grid(axis="x", alpha=0.25)
    handles = [plt.Line2D([], [], ls="", marker="o", ms=4, color="#555555", alpha=0.6, label="one seed"),
               plt.Line2D([], [], color="#555555", marker="D", ms=6, mec="white", lw=2.8,
                          label="mean and 95 % interval")]
    handles += [plt.Line2D([], [], color=VERDICT_COLOURS[v], lw=2.8, label=(verdict_labels or {}).get(v, v))
                for v in dict.fromkeys(r.get("verdict") for r in rows) if v in VERDICT_COLOURS]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=len(handles))
    return _finish(fig, stamp)


def dots(rows: list[dict], ylabel: str, title: str, stamp: str = "", reference: tuple | None = None,
         log: bool = False, zero: bool = True):
    """An outcome in several arms: mean and 95 % interval each ({"label", "mean", "low", "high"}); the axis starts
    at 0 unless `zero` is False (differences of a few hundredths near 1 are then visible)."""
    fig, ax = plt.subplots(figsize=(7.5, 4))
    xs = np.arange(len(rows))
    for x, r, colour in zip(xs, rows, OTHER_COLOURS):
        err = None
        if math.isfinite(r["low"]) and math.isfinite(r["high"]):
            err = [[r["mean"] - r["low"]], [r["high"] - r["mean"]]]
        ax.errorbar([x], [r["mean"]], yerr=err, fmt="o", color=colour, ms=7, capsize=5, lw=1.8)
    if reference is not None and math.isfinite(reference[0]):
        ax.axhline(reference[0], ls=(0, (4, 3)), color="#c62828", lw=1.2, label=reference[1])
        ax.legend(fontsize=8, frameon=False, loc="best")
    if log:
        ax.set_yscale("log")
    elif zero:
        ax.set_ylim(bottom=0)
    ax.set_xticks(xs)
    ax.set_xticklabels([r["label"] for r in rows], fontsize=8.5)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.grid(axis="y", alpha=0.25)
    return _finish(fig, stamp)


def break_even_plot(curve: pd.DataFrame, target: tuple, point: tuple | None, xlabel: str, ylabel: str, title: str,
                    stamp: str = ""):
    """The swept outcome (mean and 95 % band), the target's mean and interval, the crossing with its interval."""
    fig, ax = plt.subplots(figsize=(8, 4.2))
    mean, low, high, label = target
    ax.axhspan(low, high, color=MODE_COLOURS["group_buying"], alpha=0.15, lw=0)
    ax.axhline(mean, color=MODE_COLOURS["group_buying"], lw=1.6, label=label)
    ax.errorbar(curve["value"], curve["mean"], yerr=[curve["mean"] - curve["low"], curve["high"] - curve["mean"]],
                fmt="o-", color=MODE_COLOURS["platform"], capsize=4, lw=1.6, label="platform alone")
    if point is not None and math.isfinite(point[0]):
        x, lo, hi = point
        if math.isfinite(lo) and math.isfinite(hi):
            ax.axvspan(max(lo, 0.0), hi, color="#555555", alpha=0.12, lw=0)
        ax.axvline(x, color="#333333", ls="--", lw=1.1, label="break-even (95 % interval shaded)")
    ax.set_xlim(0, float(curve["value"].max()) * 1.05 if len(curve) else 1.0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(1.0, float(np.nanmax(curve["high"].to_numpy(dtype=float))) if len(curve) else 1.0) * 1.02)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=8, frameon=False, loc="lower right")
    return _finish(fig, stamp)


def robustness_scatter(points: pd.DataFrame, parameter: str, xlabel: str, ylabel: str, title: str,
                       neutral: float = 0.0, stamp: str = ""):
    """The effect at each hypercube point (mean and 95 % interval over its paired seeds) against one parameter,
    coloured by the point's verdict."""
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for v, sub in points.groupby("verdict"):
        colour = VERDICT_COLOURS.get(v, "#333333")
        lo = (sub["mean"] - sub["low"]).clip(lower=0).fillna(0)
        hi = (sub["high"] - sub["mean"]).clip(lower=0).fillna(0)
        ax.errorbar(sub[parameter], sub["mean"], yerr=[lo, hi], fmt="o", color=colour, ms=5, alpha=0.8, capsize=2,
                    lw=0.8, label=f"{v} ({len(sub)})")
    ax.axhline(neutral, color="#333333", lw=0.9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10.5)
    ax.grid(alpha=0.25)
    ax.legend(fontsize=8, frameon=False, loc="best", title="verdict at the point", title_fontsize=8)
    return _finish(fig, stamp)


def robustness_overview(rows: list[dict], title: str, stamp: str = ""):
    """Share of parameter points by verdict, one bar per effect ({"label", shares by verdict})."""
    order = [HOLDS, NO_EFFECT, INCONCLUSIVE, REVERSED]
    fig, ax = plt.subplots(figsize=(10, 0.5 * len(rows) + 2.0))
    ys = np.arange(len(rows))[::-1]
    left = np.zeros(len(rows))
    for v in order:
        share = np.array([r.get(v, 0.0) for r in rows])
        if share.sum() == 0:
            continue
        ax.barh(ys, share, left=left, color=VERDICT_COLOURS[v], label=v, height=0.6)
        left += share
    ax.set_yticks(ys)
    ax.set_yticklabels([textwrap.fill(r["label"], 60) for r in rows], fontsize=8)  # wrapped, never cut
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of parameter points")
    fig.suptitle(title, fontsize=11)
    ax.legend(fontsize=8, frameon=False, loc="upper center", ncol=5, bbox_to_anchor=(0.5, -0.12 - 0.6 / len(rows)))
    return _finish(fig, stamp)


def close(fig) -> None:
    plt.close(fig)


def save(fig, path, rect=None) -> None:
    """Lay the figure out (within `rect`, as tight_layout takes it), write it at 120 dpi and close it."""
    fig.tight_layout(**({"rect": rect} if rect is not None else {}))
    fig.savefig(path, dpi=120)
    plt.close(fig)
