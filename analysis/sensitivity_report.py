"""The "What drives the results" section of a reproduction report: Markdown and figures in REPORT/sensitivity/.

Each command (`sensitivity --method morris|sobol`, `discover`) writes its part, REPORT/sensitivity/<part>.md
with its figures <part>_*.png beside it, then rebuilds REPORT/sensitivity/what_drives_the_results.md from
every part present, so the section is whole whichever commands were run and in whatever order. Figures are linked
by file name relative to that folder.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd

from lockdown_sim.analysis.discovery import limit_text
from lockdown_sim.experiments.reproduce import SENSITIVITY_FOLDER
from lockdown_sim.experiments.sensitivity import SEED_NOISE
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.experiments.files import atomic_write

SECTION = "what_drives_the_results.md"
PARTS = ("morris", "sobol", "discover")
FOLDER = SENSITIVITY_FOLDER

INTRO = """## What drives the results

The scenario's assumptions and the figures where sources disagree each have plausible bounds (the `[plausible]`
table of the scenario file). This section asks which of them the outcomes depend on (global sensitivity analysis:
Morris screening over all of them, then Sobol indices over the most influential), and under which conditions
group buying alone serves the city better than the platforms alone (scenario discovery with PRIM). Every point
of parameter space is run in the three ordering modes on common seeds (same seed, same city), so the difference
group buying minus platform is paired; outcomes are averaged over the seeds of a point, and seed noise is shown
beside every index (a dummy factor that changes only the seeds).
"""


def report_folder(report: str | Path) -> Path:
    """REPORT/sensitivity, created (before any run, so an unwritable report fails first)."""
    folder = Path(report) / FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"--report: cannot create '{folder}': {exc.strerror}") from None
    return folder


def write_part(report: str | Path, part: str, body: str, figures: dict) -> Path:
    """Write one part (Markdown `body` naming figures by the keys of `figures`, copied in as <part>_<key>.png)
    and rebuild the section; return the section's path."""
    folder = report_folder(report)
    for key, source in figures.items():
        shutil.copyfile(source, folder / f"{part}_{key}.png")
    atomic_write(folder / f"{part}.md", lambda p: Path(p).write_text(body.rstrip() + "\n"))
    parts = [(folder / f"{name}.md").read_text() for name in PARTS if (folder / f"{name}.md").is_file()]
    text = INTRO + "\n" + "\n".join(parts)
    atomic_write(folder / SECTION, lambda p: Path(p).write_text(text))
    return folder / SECTION


def _setting(meta: dict) -> str:
    size = f"{meta['households']:,} households" if meta.get("households") else "the scenario's default households"
    days = f"{meta['days']} days" if meta.get("days") else "the scenario's horizon"
    return (f"Scenario `{meta['scenario']}`, {size}, {days}; {meta['seeds']} seed(s) per point; {meta['points']:,} "
            f"points x {meta['seeds']} seed(s) x 3 modes = {meta['runs']:,} runs"
            + (f", {meta['minutes']:.1f} minutes {meta['engine']}" if meta.get("minutes") is not None else "")
            + f". Command: `{meta['command']}`.")


def morris_part(indices: pd.DataFrame, spread: pd.DataFrame, labels: dict, meta: dict, show: int = 8) -> str:
    """Markdown of a Morris result: per response the top factors with mu* and interval, seed noise, figure."""
    lines = ["### Morris screening: which assumptions matter", "", _setting(meta), "",
             "mu* is the mean absolute change of a response when one factor moves across its whole plausible range "
             "(elementary effects on a 4-level grid), with its 95 % bootstrap interval over trajectories; mu is the "
             "signed mean (its sign is the direction when effects agree) and sigma their spread (interactions or "
             "non-linearity). A factor "
             "is *separated from seed noise* when its interval lies above the mu* of the dummy factor, which changes "
             "nothing but the seeds.", ""]
    noise_sd = spread.set_index("response")
    for response, frame in indices.groupby("response", sort=False):
        noise = float(frame.loc[frame["parameter"] == SEED_NOISE, "mu_star"].iloc[0])
        body = frame[frame["parameter"] != SEED_NOISE]
        sep = body[body["separated"]]
        sd = noise_sd.loc[response, "seed_sd_of_point_mean"]
        lines += [f"**{labels[response]}** (`{response}`): {len(sep)} of {len(body)} factors separated from seed noise "
                  f"(dummy mu* {noise:.3g}" + (f"; sd of a point's mean over its seeds {sd:.3g}" if math.isfinite(sd)
                                                else "") + ").", "",
                  "| rank | factor | mu* | ± 95 % | sigma | mu | separated |", "|---|---|---|---|---|---|---|"]
        for i, row in enumerate(body.head(show).itertuples(), start=1):
            lines.append(f"| {i} | `{row.parameter}` | {row.mu_star:.3g} | {row.mu_star_conf:.2g} | {row.sigma:.3g} | "
                         f"{row.mu:+.3g} | {'yes' if row.separated else 'no'} |")
        lines += ["", f"![Morris mu* for {labels[response]}](morris_{response}.png)", ""]
    return "\n".join(lines)


def sobol_part(indices: pd.DataFrame, labels: dict, meta: dict) -> str:
    """Markdown of a Sobol result: per response S1 and ST with intervals, and the seed-noise share."""
    lines = ["### Sobol indices: how much of the variation each assumption explains", "", _setting(meta), "",
             "S1 is the share of the variance of a response (over the sample) that a factor explains alone, ST the "
             "share it explains with all its interactions; intervals are 95 % bootstrap intervals. Factors not "
             "chosen keep the scenario's values. The dummy factor's ST is the share seed noise alone explains.", ""]
    for response, frame in indices.groupby("response", sort=False):
        noise = frame[frame["parameter"] == SEED_NOISE].iloc[0]
        lines += [f"**{labels[response]}** (`{response}`): seed noise ST {noise['ST']:.2f} ± {noise['ST_conf']:.2f}.", "",
                  "| factor | S1 | ± | ST | ± | separated |", "|---|---|---|---|---|---|"]
        for row in frame[frame["parameter"] != SEED_NOISE].itertuples():
            lines.append(f"| `{row.parameter}` | {row.S1:.2f} | {row.S1_conf:.2f} | {row.ST:.2f} | {row.ST_conf:.2f} | "
                         f"{'yes' if row.separated else 'no'} |")
        lines += ["", f"![Sobol indices for {labels[response]}](sobol_{response}.png)", ""]
    return "\n".join(lines)


def discover_part(boxes: list, meta: dict) -> str:
    """Markdown of a discovery result: per question the base rate, the PRIM box and its limits, the figures."""
    lines = ["### Scenario discovery: where each answer holds", "", _setting(meta), "",
             "PRIM (EMA Workbench) looks for a box of parameter space where the answer mostly holds. *Coverage* is the "
             "share of all the points where it holds that lie in the box; *density* the share of the box's points "
             "where it holds. The box reported is the densest on the peeling trajectory that still covers at least "
             "half the cases; the quasi-p value of a limit tests whether restricting that factor raised the density "
             "by more than chance.", ""]
    for box in boxes:
        q = box.question
        lines.append(f"**{q.label}** (`{q.name}`): holds at {box.cases:,} of {box.points:,} points "
                     f"({box.base_rate:.0%})" + (f"; a point's seeds disagree at {box.seed_disagreement:.0%} of points"
                                                 if math.isfinite(box.seed_disagreement) else "") + ".")
        if box.index is None:
            lines += ["", "No box: " + ("it never holds in the sample." if box.cases == 0
                                        else "it holds everywhere in the sample."), ""]
            continue
        dropped = (f" Dropped as possibly chance (quasi-p > 0.05): {', '.join(f'`{d}`' for d in box.dropped)}; "
                   f"with them the box had coverage {box.peeled[0]:.2f}, density {box.peeled[1]:.2f}."
                   if box.dropped else "")
        lines += ["", f"Box {box.index} of the peeling trajectory, with the limits kept: coverage {box.coverage:.2f}, "
                  f"density {box.density:.2f}, {box.mass:.0%} of the points.{dropped}", ""]
        kept = box.limits[box.limits["kept"]]
        if kept.empty:
            lines.append("No limit stands out from chance: no box describes where the answer holds.")
        else:
            lines += ["| factor | box | plausible range | quasi-p |", "|---|---|---|---|"]
            for r in kept.itertuples():
                lines.append(f"| `{r.factor}` | {limit_text(r.low)} to {limit_text(r.high)} | {limit_text(r.plausible_low)} to "
                             f"{limit_text(r.plausible_high)} | {r.qp:.2g} |")
        lines += ["", f"![PRIM peeling trajectory: {q.name}](discover_trajectory_{q.name}.png)",
                  f"![PRIM box limits: {q.name}](discover_box_{q.name}.png)", ""]
    return "\n".join(lines)
