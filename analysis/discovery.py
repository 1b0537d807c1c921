"""Scenario discovery on a discovery batch: under which conditions does a question's answer hold? PRIM (the EMA
Workbench's `ema_workbench.analysis.prim`) finds boxes of parameter space where it mostly holds, with their
coverage (share of all the points where it holds that fall inside the box) and density (share of the points
inside the box where it holds).

The box reported for a question is the densest one on PRIM's peeling trajectory that still covers at least
`min_coverage` of the cases (the trajectory itself is plotted and written, so another choice can be read off).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lockdown_sim.analysis.sensitivity import point_means, responses
from lockdown_sim.experiments.files import atomic_write

MIN_COVERAGE = 0.5
QP_MAX = 0.05  # a restriction with a larger quasi-p value is dropped from the reported box


@dataclass(frozen=True)
class Question:
    """A yes/no question about a point: its response (averaged over the point's seeds) above a threshold."""

    name: str
    label: str
    response: str
    threshold: float

    def holds(self, value: pd.Series) -> pd.Series:
        return value > self.threshold


def questions(elderly_threshold: float = 0.5) -> tuple[Question, ...]:
    """The questions asked of every discovery batch; `elderly_threshold` is the X of "more than X"."""
    return (
        Question("group_buying_beats_platform", "group buying alone fills more than the platform alone "
                 "(paired, mean over the point's seeds)", "group_minus_platform_delivery_ratio", 0.0),
        Question("elderly_left_unserved_over", f"more than {elderly_threshold:.0%} of older residents left unserved "
                 "3+ days in a row, hybrid", "hybrid_elderly_left_unserved_share", float(elderly_threshold)),
    )


@dataclass
class Box:
    """A PRIM box: its place on the peeling trajectory, its statistics and the limits of its restricted factors."""

    question: Question
    cases: int
    points: int
    index: int | None               # on the peeling trajectory (None: no box, e.g. no case or every point a case)
    coverage: float = math.nan
    density: float = math.nan
    mass: float = math.nan
    limits: pd.DataFrame | None = None   # the trajectory box's restrictions: limits, sampled range, qp, kept
    trajectory: pd.DataFrame | None = None
    seed_disagreement: float = math.nan  # share of points whose seeds disagree on the answer
    min_coverage: float = MIN_COVERAGE
    dropped: tuple = ()                  # restrictions of the trajectory's box dropped for their quasi-p
    peeled: tuple = (math.nan, math.nan)  # coverage and density of the trajectory's box before dropping

    @property
    def base_rate(self) -> float:
        return self.cases / self.points if self.points else math.nan


def _prim():
    """The Workbench's PRIM, imported quietly (it warns about optional parallel back ends it does not need here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def find_box(x: pd.DataFrame, y: np.ndarray, question: Question, min_coverage: float = MIN_COVERAGE):
    """PRIM on (x, y): the densest box on the peeling trajectory covering at least `min_coverage` of the cases,
    with the restrictions whose quasi-p value exceeds QP_MAX dropped (their limits could be chance); return the
    Box reported and the Workbench's PrimBox (None when there is nothing to find)."""
    cases, n = int(y.sum()), len(y)
    if cases == 0 or cases == n:
        return Box(question, cases, n, None, min_coverage=min_coverage), None
    prim = _prim()
    # whole-number factors go in as floats: the Workbench 3.0's PRIM pastes int64 columns with float quantiles and
    # fails (pandas refuses the upcast); a limit such as 3.5 then reads "4 and above"
    x = x.astype("float64")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        algorithm = prim.Prim(x, y, peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        prim_box = algorithm.find_box()
    trajectory = prim_box.peeling_trajectory.copy()
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(eligible["density"].idxmax()) if not eligible.empty else 0
    limits = box_limits(prim_box, chosen, x)
    limits["kept"] = limits["qp"] <= QP_MAX
    weak = tuple(limits.loc[~limits["kept"], "factor"])
    index = chosen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for factor in weak:
            prim_box.drop_restriction(factor, index)
            index = len(prim_box.peeling_trajectory) - 1
    row, peeled = prim_box.peeling_trajectory.loc[index], trajectory.loc[chosen]
    return Box(question, cases, n, chosen, float(row["coverage"]), float(row["density"]), float(row["mass"]),
               limits, trajectory, min_coverage=min_coverage, dropped=weak,
               peeled=(float(peeled["coverage"]), float(peeled["density"]))), prim_box


def box_limits(prim_box, index: int, x: pd.DataFrame) -> pd.DataFrame:
    """The restricted factors of box `index`: its limits beside the sample's range, and PRIM's quasi-p value (the
    smaller of its two limits': a restriction counts if either of its limits raised the density beyond chance)."""
    lims = prim_box.box_lims[index]
    init = prim_box.box_lims[0]
    rows = []
    for name in x.columns:
        low, high = lims[name].iloc[0], lims[name].iloc[1]
        if low == init[name].iloc[0] and high == init[name].iloc[1]:
            continue
        qp = [p for p in prim_box.p_values[index].get(name, []) if p is not None and p >= 0]
        rows.append({"factor": name, "low": low, "high": high, "sample_low": init[name].iloc[0],
                     "sample_high": init[name].iloc[1], "qp": min(qp) if qp else math.nan})
    return pd.DataFrame(rows, columns=["factor", "low", "high", "sample_low", "sample_high", "qp"])


def box_text(box: Box) -> str:
    q = box.question
    lines = [f"{q.label}  [{q.name}]",
             f"  holds at {box.cases} of {box.points} points ({box.base_rate:.0%})"
             + (f"; seeds disagree at {box.seed_disagreement:.0%} of points" if math.isfinite(box.seed_disagreement)
                else "")]
    if box.index is None:
        lines.append("  no box: " + ("it never holds" if box.cases == 0 else "it holds everywhere in the sample"))
        return "\n".join(lines)
    dropped = (f"; dropped as possibly chance (quasi-p > {QP_MAX}): {', '.join(box.dropped)}" if box.dropped else "")
    lines.append(f"  box {box.index} of the peeling trajectory (the densest covering at least {box.min_coverage:.0%} "
                 f"of the cases){dropped}")
    lines.append(f"  coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f}")
    kept = box.limits[box.limits["kept"]]
    if kept.empty:
        lines.append(f"  no restriction with quasi-p <= {QP_MAX}: no box stands out from chance")
    for _, r in kept.iterrows():
        lines.append(f"    {r['factor']:42s} {limit_text(r['low']):>8} .. {limit_text(r['high']):<8} of "
                     f"{limit_text(r['plausible_low'])} .. {limit_text(r['plausible_high'])}   quasi-p {r['qp']:.2g}")
    return "\n".join(lines)


def limit_text(v) -> str:
    """A box limit as text: three significant digits for a number with decimals, a whole number as it is."""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


# --- figures ---------------------------------------------------------------------------------------
def plot_trajectory(box: Box, path) -> None:
    """Coverage against density along the peeling trajectory, coloured by restricted factors; the reported box
    circled."""
    from lockdown_sim.analysis.figures import plt, save

    t = box.trajectory
    fig, ax = plt.subplots(figsize=(6.5, 5))
    dims = t["res_dim"].astype(int)
    cmap = plt.get_cmap("viridis", int(dims.max()) + 1)
    sc = ax.scatter(t["coverage"], t["density"], c=dims, cmap=cmap, vmin=-0.5, vmax=dims.max() + 0.5, s=22)
    chosen = t.loc[box.index]
    ax.scatter([chosen["coverage"]], [chosen["density"]], s=160, facecolors="none", edgecolors="red", lw=1.5,
               label=f"box {box.index}: the densest covering {box.min_coverage:.0%} of the cases")
    if box.dropped:
        ax.scatter([box.coverage], [box.density], marker="*", s=150, color="red",
                   label=f"reported: box {box.index} less {len(box.dropped)} restriction(s) of quasi-p > {QP_MAX}")
    ax.axhline(box.base_rate, color="#777777", ls=":", lw=1, label=f"share of all points ({box.base_rate:.2f})")
    ax.axvline(box.min_coverage, color="#bbbbbb", ls="--", lw=1, label=f"coverage {box.min_coverage:.0%}")
    cbar = fig.colorbar(sc, ax=ax, ticks=range(int(dims.max()) + 1))
    cbar.set_label("factors restricted")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("coverage (share of the cases inside the box)")
    ax.set_ylabel("density (share of the box's points that are cases)")
    ax.set_title(f"PRIM peeling trajectory\n{_wrap(box.question.label)}", fontsize=9)
    ax.legend(loc="lower left", fontsize=7)
    save(fig, path)


def plot_limits(box: Box, path, bounds: dict) -> None:
    """The limits of the trajectory's box on each factor it restricts, as positions in the factor's plausible range
    (`bounds`: factor -> (low, high)); restrictions kept in the reported box in blue, dropped ones (quasi-p above
    QP_MAX) pale."""
    from lockdown_sim.analysis.figures import plt, save
    from matplotlib.lines import Line2D

    lims = box.limits
    fig, ax = plt.subplots(figsize=(9, 0.5 * max(len(lims), 1) + 2.0))
    for i, r in enumerate(lims.itertuples()):
        low, high = bounds[r.factor]
        span = (high - low) or 1.0
        lo, hi = (r.low - low) / span, (r.high - low) / span
        y = len(lims) - 1 - i
        ax.plot([0, 1], [y, y], color="#e0e0e0", lw=9, solid_capstyle="butt")
        ax.plot([lo, hi], [y, y], color="#1f77b4" if r.kept else "#aec7e8", lw=9, solid_capstyle="butt")
        ax.text(lo, y + 0.28, limit_text(r.low), ha="center", fontsize=7)
        ax.text(hi, y + 0.28, limit_text(r.high), ha="center", fontsize=7)
        ax.text(1.03, y, f"{limit_text(low)} .. {limit_text(high)}   qp {r.qp:.1g}", va="center", fontsize=7)
    ax.set_yticks(range(len(lims)), list(lims["factor"])[::-1], fontsize=8)
    ax.set_xlim(0, 1.4)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_ylim(-0.7, max(len(lims), 1) - 0.2)
    ax.set_xlabel("position in the factor's plausible range (0 = low bound, 1 = high bound)")
    handles = [Line2D([], [], color="#1f77b4", lw=6, label=f"kept (quasi-p <= {QP_MAX})"),
               Line2D([], [], color="#aec7e8", lw=6, label="dropped (could be chance)"),
               Line2D([], [], color="#e0e0e0", lw=6, label="outside the box")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=7, frameon=False)
    if lims.empty:
        ax.text(0.5, 0, "PRIM restricted no factor", ha="center", fontsize=9)
    ax.set_title(f"PRIM box {box.index}: coverage {box.peeled[0]:.2f}, density {box.peeled[1]:.2f}; with the kept "
                 f"limits only: coverage {box.coverage:.2f}, density {box.density:.2f}\n(share of all points "
                 f"{box.base_rate:.2f}) {_wrap(box.question.label)}", fontsize=8)
    save(fig, path, rect=(0, 0.04, 1, 1))


def _wrap(text: str, width: int = 80) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width))


# --- one call --------------------------------------------------------------------------------------
@dataclass
class Discovery:
    boxes: list
    text: str
    figures: dict     # question -> [trajectory png, limits png]


def analyse(design_table: pd.DataFrame, bounds: dict, runs: pd.DataFrame, folder,
            elderly_threshold: float = 0.5, min_coverage: float = MIN_COVERAGE) -> Discovery:
    """PRIM boxes for every question over the factors of `bounds` (factor -> plausible (low, high)), written into
    `folder`: points.csv/.parquet (values, responses, answers), boxes.csv (limits), boxes.txt,
    trajectory_<question>.csv, prim_trajectory_<question>.png and prim_box_<question>.png."""
    folder = Path(folder)
    table = responses(runs, len(design_table))
    means = point_means(table)
    x = design_table.set_index("point")[list(bounds)].reset_index(drop=True)
    points = design_table.set_index("point").join(means)
    boxes, figures, limit_rows = [], {}, []
    for q in questions(elderly_threshold):
        answer = q.holds(means[q.response])
        points[q.name] = answer
        by_seed = q.holds(table[q.response]).groupby(level="point")
        disagree = float((by_seed.min() != by_seed.max()).mean()) if table.index.get_level_values(1).max() > 0 \
            else math.nan
        box, _ = find_box(x, answer.to_numpy(dtype=bool), q, min_coverage)
        box.seed_disagreement = disagree
        if box.limits is not None:
            box.limits["plausible_low"] = [bounds[f][0] for f in box.limits["factor"]]
            box.limits["plausible_high"] = [bounds[f][1] for f in box.limits["factor"]]
        boxes.append(box)
        if box.index is None:
            continue
        atomic_write(folder / f"trajectory_{q.name}.csv", lambda p: box.trajectory.to_csv(p, index=False))
        paths = [folder / f"prim_trajectory_{q.name}.png", folder / f"prim_box_{q.name}.png"]
        plot_trajectory(box, paths[0])
        plot_limits(box, paths[1], bounds)
        figures[q.name] = paths
        for _, r in box.limits.iterrows():
            limit_rows.append({"question": q.name, "box": box.index, "coverage": box.coverage,
                               "density": box.density, "mass": box.mass, **r.to_dict()})
    points = points.reset_index()
    atomic_write(folder / "points.csv", lambda p: points.to_csv(p, index=False))
    atomic_write(folder / "points.parquet", lambda p: points.to_parquet(p, index=False))
    limits = pd.DataFrame(limit_rows, columns=["question", "box", "coverage", "density", "mass", "factor", "low",
                                               "high", "sample_low", "sample_high", "plausible_low", "plausible_high",
                                               "qp", "kept"])
    atomic_write(folder / "boxes.csv", lambda p: limits.to_csv(p, index=False))
    text = "\n\n".join(box_text(b) for b in boxes)
    atomic_write(folder / "boxes.txt", lambda p: Path(p).write_text(text + "\n"))
    return Discovery(boxes, text, figures)
