"""Write the reproduction report from a Judgement (analysis/reproduce.py): one section per claim, the Shanghai 2022
timeline, what drives the results (the section `lockdown-sim sensitivity` and `discover` write with --report),
validation and scale convergence; as Markdown (report.md, figures beside it), a self-contained HTML page
(report.html, figures embedded), the PNG figures, a CSV of every number shown (numbers.csv) and a manifest.

Numbers are rounded to what their 95 % interval supports (analysis.stats.significant_digits). A reduced run
(fewer than 30 paired seeds or 64 hypercube points) says so at the top, in every section heading and on every
figure.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lockdown_sim import sim
from lockdown_sim.analysis import figures
from lockdown_sim.analysis.measures import HOLDS, INCONCLUSIVE, REVERSED, daily_band
from lockdown_sim.analysis.reproduce import (ClaimResult, EffectResult, Judgement, measure_values, outcome_definition,
                                outcome_label, run_setting, term_values)
from lockdown_sim.analysis.sensitivity_report import FOLDER as SENSITIVITY_FOLDER
from lockdown_sim.analysis.sensitivity_report import PARTS as SENSITIVITY_PARTS
from lockdown_sim.analysis.sensitivity_report import SECTION as SENSITIVITY_SECTION
from lockdown_sim.analysis.stats import mean_ci, replicates_needed, significant_digits
from lockdown_sim.experiments.claims import BREAK_EVEN, HEADLINE, Dots, Effect, Fixed, Forest, FromCity, Measure, Series
from lockdown_sim.experiments.reproduce import command_for
from lockdown_sim.sim.model import check_params
from lockdown_sim.experiments.files import atomic_write

REPO = Path(sim.__file__).resolve().parents[1]
CALIBRATION_CSV = REPO / "docs" / "calibration.csv"  # written by `lockdown-sim calibration` (the calibration issue)
CONVERGENCE_PNG = REPO / "benchmarks" / "results" / "convergence.png"  # the scale convergence benchmark's figure
MODE_LABELS = {"platform": "platform alone", "group_buying": "group buying alone", "hybrid": "hybrid (both)"}


# --- numbers as shown ----------------------------------------------------------------------------
def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))


def estimate_text(mean: float, low: float = math.nan, high: float = math.nan, signed: bool = False) -> str:
    """"0.021 [0.017, 0.024]": every number rounded to the decimal of the interval's first significant digit."""
    if not _finite(mean):
        return "-"
    half = (high - low) / 2 if _finite(low) and _finite(high) else math.nan
    if _finite(half) and half <= 1e-9 * max(1.0, abs(float(mean))):  # no spread (a constant): the value alone
        half = math.nan
    if _finite(half) and half > 0:
        # one more decimal while a bound that is not zero would read as zero (an interval that excludes 0 must
        # not look as if it touched it)
        while any(v != 0 and float(significant_digits(float(v), half)) == 0 for v in (low, high)) and half > 1e-9:
            half /= 10

    def one(v):
        t = significant_digits(float(v), half)
        return ("+" + t) if signed and not t.startswith("-") and float(v) != 0 else t

    if not _finite(half):
        return one(mean)
    return f"{one(mean)} [{one(low)}, {one(high)}]"


def p_text(p: float) -> str:
    if not _finite(p):
        return "-"
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def share_text(x: float) -> str:
    return "-" if not _finite(x) else f"{100 * x:.0f} %"


def seeds_text(n) -> str:
    if n is None or (isinstance(n, float) and not math.isfinite(n)):
        return "more than any run"
    return f"{int(n):,}"


# --- the document -------------------------------------------------------------------------------
@dataclass
class Table:
    columns: list
    rows: list


@dataclass
class Picture:
    name: str
    caption: str
    png: bytes


@dataclass
class Report:
    """Blocks of a report, rendered to Markdown and HTML alike; `numbers` is every number shown."""

    stamp: str = ""  # "" for a full run
    blocks: list = field(default_factory=list)
    numbers: list = field(default_factory=list)
    section: str = ""

    def heading(self, level: int, text: str) -> None:
        if level == 2:
            self.section = text
        self.blocks.append(("h", (level, text + (f"  [{self.stamp.split(':')[0]}]" if self.stamp and level == 2 else ""))))

    def para(self, text: str) -> None:
        self.blocks.append(("p", text))

    def bullets(self, items: list) -> None:
        self.blocks.append(("ul", items))

    def banner(self, text: str) -> None:
        self.blocks.append(("banner", text))

    def table(self, columns: list, rows: list) -> None:
        self.blocks.append(("table", Table(columns, rows)))

    def figure(self, name: str, fig, caption: str) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        figures.close(fig)
        self.blocks.append(("figure", Picture(name, caption, buf.getvalue())))

    def image(self, name: str, png: bytes, caption: str) -> None:
        self.blocks.append(("figure", Picture(name, caption, png)))

    def num(self, item: str, quantity: str, mean, low=math.nan, high=math.nan, n=None, p=math.nan, unit="",
            signed=False, text: str | None = None) -> str:
        """Record a number shown (with its interval) and return it as shown."""
        shown = text if text is not None else estimate_text(mean, low, high, signed)
        self.numbers.append({"section": self.section, "item": item, "quantity": quantity,
                             "value": float(mean) if _finite(mean) else math.nan,
                             "low": float(low) if _finite(low) else math.nan,
                             "high": float(high) if _finite(high) else math.nan,
                             "n": n, "p_value": float(p) if _finite(p) else math.nan, "unit": unit, "shown": shown})
        return shown

    def figures_list(self) -> list[Picture]:
        return [b for k, b in self.blocks if k == "figure"]

    # --- rendering ---
    def markdown(self) -> str:
        out = []
        for kind, b in self.blocks:
            if kind == "h":
                out.append("#" * b[0] + " " + b[1])
            elif kind == "p":
                out.append(b)
            elif kind == "banner":
                out.append(f"> **{b}**")
            elif kind == "ul":
                out.append("\n".join(f"- {item}" for item in b))
            elif kind == "table":
                out.append(_md_table(b))
            elif kind == "figure":
                out.append(f"![{b.name}](figures/{b.name}.png)\n\n*{b.caption.replace('*', chr(92) + '*')}*")
        return "\n\n".join(out) + "\n"

    def html(self, title: str) -> str:
        body, used = [], set()
        for kind, b in self.blocks:
            if kind == "h":
                anchor = base = re.sub(r"[^a-z0-9]+", "-", b[1].lower()).strip("-")
                k = 1
                while anchor in used:
                    k += 1
                    anchor = f"{base}-{k}"
                used.add(anchor)
                body.append(f"<h{b[0]} id=\"{anchor}\">{_inline(b[1])}</h{b[0]}>")
            elif kind == "p":
                body.append(f"<p>{_inline(b)}</p>")
            elif kind == "banner":
                body.append(f"<div class=\"banner\">{_inline(b)}</div>")
            elif kind == "ul":
                body.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b) + "</ul>")
            elif kind == "table":
                head = "".join(f"<th>{_inline(c)}</th>" for c in b.columns)
                rows = "".join("<tr>" + "".join(f"<td>{_inline(str(c))}</td>" for c in r) + "</tr>" for r in b.rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
            elif kind == "figure":
                data = base64.b64encode(b.png).decode()
                body.append(f"<figure><img alt=\"{html.escape(b.caption)}\" src=\"data:image/png;base64,{data}\">"
                            f"<figcaption>{_inline(b.caption)}</figcaption></figure>")
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
                f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1020px;margin:2em auto;padding:0 1em;
line-height:1.45;color:#1a1a1a}
h1{font-size:1.7em}h2{margin-top:2.2em;border-bottom:1px solid #ddd;padding-bottom:.2em}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.8em 0;font-size:.86em}th,td{border:1px solid #ccc;padding:.3em .5em;
vertical-align:top;text-align:left}th{background:#f3f3f3}tbody tr:nth-child(even){background:#fafafa}
figure{margin:1em 0}img{max-width:100%}figcaption{font-size:.88em;color:#444}
.banner{background:#fff3cd;border:1px solid #e0b000;padding:.6em .9em;margin:1em 0;font-weight:600}
code{background:#f3f3f3;padding:0 .2em}
"""


def _inline(text: str) -> str:
    """Escape, then the little Markdown the report uses: **bold**, *italics* (an asterisk that opens a word and one
    that closes it: "mu*" stays as it is) and `code`."""
    t = html.escape(text)
    t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
    t = re.sub(r"(?<![\w*\\])\*(?![\s*])(.+?)(?<![\s*\\])\*(?![\w*])", r"<em>\1</em>", t)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", t)


def _md_table(t: Table) -> str:
    def cell(c):
        return str(c).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in t.columns) + " |", "|" + "---|" * len(t.columns)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in t.rows]
    return "\n".join(lines)


# --- pieces of sections ----------------------------------------------------------------------------
def _predicted(effect: Effect) -> str:
    return {1: "higher", -1: "lower", 0: "none"}[effect.predicted]


def _term_text(term) -> str:
    if isinstance(term, Measure):
        return f"{outcome_label(term.outcome)}, {term.arm.label}"
    return term.text


def _verdict_cell(v: str) -> str:
    return f"**{v}**" if v in (HOLDS, REVERSED) else v


def _effect_text(r: EffectResult) -> tuple[float, float, float]:
    return r.value, r.low, r.high


class Builder:
    """Builds the report's sections from a Judgement."""

    def __init__(self, j: Judgement, record: dict, report_dir: Path | None = None):
        self.j = j
        self.report_dir = None if report_dir is None else Path(report_dir)
        self.m = j.measurements
        self.plan = self.m.plan
        self.profile = self.plan.profile
        self.record = record
        self.cfg = check_params(scenario_file=self.profile.scenario)
        self.days = int(self.profile.days or self.cfg.horizon)
        self.start = figures.START_DATES.get(self.cfg.name) if self.profile.days in (None, self.cfg.horizon) else None
        p = self.profile
        stamp = ""
        if p.reduced:
            stamp = (f"{p.name.upper()} RUN: provisional - {p.seeds} paired seeds per arm, {p.points} hypercube points "
                     f"x {p.point_seeds} seeds (claims need 30 seeds, 64 points)")
        self.r = Report(stamp=stamp)
        self.phases = figures.lockdown_phases(self.cfg.timeline)
        self._colour = {}

    # --- helpers ---
    def arm_colour(self, arm, i: int) -> str:
        if not arm.settings and arm.ordering in figures.MODE_COLOURS:
            return figures.MODE_COLOURS[arm.ordering]
        return figures.OTHER_COLOURS[(i + 1) % len(figures.OTHER_COLOURS)]

    def seeds_of(self, arm_key: str) -> int:
        return len(self.m.rows("main", arm_key))

    def households(self) -> int:
        rows = self.m.runs
        return int(rows["households"].iloc[0]) if len(rows) else 0

    # --- top ---
    def top(self) -> None:
        r, p, rec = self.r, self.profile, self.record
        r.heading(1, f"Reproducing the argument: {self.cfg.name}")
        if p.reduced:
            r.banner(f"{p.name.upper()} RUN - provisional verdicts. {p.seeds} paired seeds per arm (the project's floor "
                     f"for a claim is 30) and {p.points} Latin hypercube points x {p.point_seeds} seeds (full run: 64 x "
                     f"4). Run `lockdown-sim reproduce --out DIR` for the full report.")
        r.para("This report turns each claim of the study behind the model (Yang and Wang 2024; docs/argument.md) into "
               "a measured effect: the experiment that tests it, the effect with its 95 % interval over paired seeds "
               "and a verdict decided by that interval alone, the same effect with the mechanism switched off, a null "
               "model where the claim could be an input restated, and how far the verdict holds over the scenario's "
               "plausible ranges. It reports what the model gives, including claims the model does not reproduce.")
        runs_done = rec.get("done_now", 0)
        reused = rec.get("done_before", 0)
        r.bullets([
            f"model lockdown-supply-sim {sim.__version__}; scenario `{p.scenario}`, {self.households():,} households, "
            f"{self.days} days (lockdown until day {self.cfg.timeline.reopen_day}); outcomes over the lockdown",
            f"{p.seeds} paired seeds per arm (replicate r has the same seed, so the same city, in every arm); "
            + (f"over the posterior of `{p.posterior}`: replicate r also draws parameter set r from it, so every "
               "interval covers parameter and seed uncertainty; robustness over "
               f"{len(self.plan.lhs_points)} posterior draws x {p.point_seeds} paired seeds"
               if p.posterior else
               f"{len(self.plan.lhs_points)} Latin hypercube points x {p.point_seeds} paired seeds over "
               f"{len(self.cfg.plausible)} plausible ranges"),
            f"{rec.get('runs', 0):,} runs in the design: {runs_done:,} run now, {reused:,} reused from an earlier "
            f"invocation, {len(rec.get('failed', {})):,} failed",
            f"this invocation took {_minutes(rec.get('seconds', 0.0))} {rec.get('engine', '')}; the model time "
            f"summed over all runs is {_minutes(self.m.compute_seconds)} of one core",
        ])

    def verdict_table(self) -> None:
        r = self.r
        r.heading(2, "Verdicts")
        r.para("One row per effect. **holds**: the 95 % interval of the paired effect lies on the side the study "
               "predicts; **reversed**: on the other side; **inconclusive**: it includes zero. Decided by the interval "
               "alone. The ablation, null-model and robustness columns belong to each claim's primary (first) effect "
               "and the effects tried over the plausible ranges.")
        rows = []
        for cr in self.j.claims:
            for i, e in enumerate(cr.effects):
                abl = "; ".join(f"{a.label}: {estimate_text(*_effect_text(a.result), signed=True)} ({a.result.verdict})"
                                for a in cr.ablations) if i == 0 and cr.ablations else ""
                null = ""
                if i == 0 and cr.null is not None:
                    null = {True: "restates the input", False: "differs from the input", None: "-"}[cr.null.restated]
                rob = ""
                for rr in cr.robustness:
                    if rr.effect is e.effect and not rr.points.empty:
                        if e.effect.predicted:
                            rob = (f"holds at {share_text(rr.share(HOLDS))} of {len(rr.points)} points; mean in the "
                                   f"predicted direction at {share_text(rr.direction_share)}")
                        else:
                            rob = f"higher at {share_text(rr.share('higher'))}, lower at {share_text(rr.share('lower'))}"
                title = (f"{cr.claim.argument}. " if cr.claim.argument and cr.claim is not HEADLINE else "") + cr.claim.title
                rows.append([title if i == 0 else "", e.effect.label, _predicted(e.effect),
                             r.num(e.effect.label, "effect", e.value, e.low, e.high, e.d.n, e.d.p_value, e.effect.unit,
                                   signed=e.effect.scale == "difference"),
                             str(e.d.n), _verdict_cell(e.verdict), abl, null, rob])
        r.table(["claim", "effect", "study predicts", "measured [95 % interval]", "seeds", "verdict",
                 "without the mechanism", "null model", "robustness"], rows)

    # --- timeline ---
    def timeline(self) -> None:
        r = self.r
        r.heading(2, "Shanghai 2022 timeline" if self.cfg.name == "shanghai-2022" else f"Timeline ({self.cfg.name})")
        daily = self.m.daily.get("hybrid")
        if daily is None or daily.empty:
            r.para("No hybrid runs finished yet.")
            return
        hh = float(daily["households"].iloc[0])
        band = lambda metric, **kw: daily_band(daily, metric, households=hh, **kw)  # noqa: E731
        channels = []
        for metric, colour, label in (("portions_platform", figures.MODE_COLOURS["platform"], "platform riders"),
                                      ("portions_group", figures.MODE_COLOURS["group_buying"], "group-buying trucks"),
                                      ("portions_retail", "#e08214", "shops")):
            channels.append((band(metric, rolling=7, per_1000=True).assign(
                mean=lambda f: f["mean"] / 1000, low=lambda f: f["low"] / 1000, high=lambda f: f["high"] / 1000),
                colour, label))
        fill_7, unserved = band("delivery_ratio", rolling=7), band("elderly_unserved_share")  # drawn, then read below
        panels = [
            {"ylabel": "delivery ratio\n(7-day mean)", "lines": [(fill_7, figures.MODE_COLOURS["hybrid"],
                                                             "portions home / needed")]},
            {"ylabel": "older residents\nunserved (share)", "lines": [(unserved, "#c62828",
                                                                      "households with an older member")], "top": None},
            {"ylabel": "leaders per\n1,000 households", "lines": [(band("leaders", per_1000=True), "#2ca02c",
                                                                   "group leaders at work")]},
            {"ylabel": "riders at work per\n1,000 households", "lines": [(band("riders_working", per_1000=True),
                                                                          figures.MODE_COLOURS["platform"], "riders")]},
            {"ylabel": "portions per household\nper day (7-day mean)", "lines": channels},
        ]
        n = self.seeds_of("hybrid")
        fig = figures.timeline(panels, self.phases, self.start, self.days,
                               f"Hybrid mode (both channels, as it happened): mean over {n} seeds, 95 % band",
                               self.r.stamp)
        r.figure("timeline", fig, f"The lockdown day by day in hybrid mode: mean over {n} seeds with the 95 % interval "
                 "of the mean as a band. Shaded: the lockdown; dashed: the east and west districts lock, the three-tier "
                 "system starts, the city reopens; triangles: dates of the press briefings' tier counts (FACTS). "
                 "Portions by channel are what reaches gates (riders, trucks) and what residents buy in shops.")
        parts = []
        for name, b, worst_is in (("the 7-day delivery ratio is lowest", fill_7, "min"),
                                  ("most older residents go unserved", unserved, "max")):
            lock = b[b["day"] < self.cfg.timeline.reopen_day].dropna(subset=["mean"])
            if not lock.empty:
                worst = lock.loc[lock["mean"].idxmin() if worst_is == "min" else lock["mean"].idxmax()]
                shown = r.num("timeline", f"{name} (day {int(worst['day'])})", worst["mean"], worst["low"],
                              worst["high"], int(worst["n"]))
                parts.append(f"{name} on day {int(worst['day'])}: {shown}")
        if parts:
            r.para("In the lockdown, " + "; ".join(parts) + " (mean over seeds [95 % interval]).")

    # --- claims ---
    def claim(self, cr: ClaimResult) -> None:
        r, c = self.r, cr.claim
        title = c.title if c is HEADLINE else f"Claim {c.argument}: {c.title}"
        r.heading(2, title)
        r.para(f"**The claim.** {c.text}")
        r.para(f"**Where the study makes it.** {c.where}.")
        arms = c.arms()
        arm_text = "; ".join(f"{a.label} ({self.seeds_of(a.key)} seeds)" for a in arms)
        r.para(f"**The experiment.** {arm_text}. Every arm runs the same seeds, so every contrast is paired on "
               f"identical cities. {c.reading}")
        if c is HEADLINE:
            self.headline_extras(cr)
        for k, fig in enumerate(c.figures):
            self.claim_figure(cr, fig, k)
        self.effects_table(cr)
        self.ablation_block(cr)
        self.null_block(cr)
        self.robustness_block(cr)

    def effects_table(self, cr: ClaimResult) -> None:
        r = self.r
        r.heading(3, "Effects")
        rows = []
        for e in cr.effects:
            eff = e.effect
            need = math.inf
            if e.d.n >= 2 and _finite(e.d.mean) and e.d.mean != 0:
                need = replicates_needed(e.d.sd, e.d.mean)
            rows.append([
                eff.label,
                r.num(eff.label, f"mean of {_term_text(eff.a)}", e.a.mean, e.a.low, e.a.high, e.a.n),
                r.num(eff.label, f"mean of {_term_text(eff.b)}", e.b.mean, e.b.low, e.b.high, e.b.n)
                if not isinstance(eff.b, Fixed) else r.num(eff.label, eff.b.text, eff.b.value, text=f"{eff.b.value:g}"),
                r.num(eff.label, "effect" + (" (ratio)" if eff.scale == "ratio" else ""), e.value, e.low, e.high,
                      e.d.n, e.d.p_value, eff.unit, signed=eff.scale == "difference"),
                p_text(e.d.p_value), str(e.d.n), _predicted(eff), _verdict_cell(e.verdict),
                r.num(eff.label, "paired seeds to detect an effect this size (80 % power)", need,
                      text=seeds_text(need)),
            ])
        r.table(["effect", "a: " + "mean [95 %]", "b: mean [95 %]", "a - b [95 %]", "paired t test", "seeds",
                 "study predicts", "verdict", "seeds needed for this size"], rows)
        r.para("a: " + "; ".join(f"({i + 1}) {_term_text(e.effect.a)}" for i, e in enumerate(cr.effects)) +
               ". b: " + "; ".join(f"({i + 1}) {_term_text(e.effect.b)}" for i, e in enumerate(cr.effects)) + ".")

    def ablation_block(self, cr: ClaimResult) -> None:
        r = self.r
        r.heading(3, "Mechanism ablation")
        if not cr.ablations and cr.claim is HEADLINE:
            r.para("The headline contrasts the ordering modes themselves; the mechanisms behind the difference are "
                   "ablated claim by claim below.")
            return
        if not cr.ablations:
            r.para("No separate ablation: " + ("the contrasts above are the mechanism switched on and off."
                                               if any(isinstance(e.effect.b, Measure) and e.effect.b.arm.settings
                                                      for e in cr.effects) else
                                               "no switch removes the mechanism without removing the outcome itself."))
            return
        base = cr.effects[0]
        rows = [["as calibrated", r.num(base.effect.label, "effect as calibrated", *_effect_text(base), base.d.n,
                                        signed=True), _verdict_cell(base.verdict), "-"]]
        for a in cr.ablations:
            rows.append([a.label,
                         r.num(f"{base.effect.label} | {a.label}", "effect without the mechanism",
                               *_effect_text(a.result), a.result.d.n, a.result.d.p_value, signed=True),
                         _verdict_cell(a.result.verdict),
                         r.num(f"{base.effect.label} | {a.label}", "change from calibrated", a.change.mean,
                               a.change.low, a.change.high, a.change.n, a.change.p_value, signed=True)])
        r.table([f"{base.effect.label}", "effect [95 %]", "verdict", "change from calibrated [95 %], paired"], rows)

    def null_block(self, cr: ClaimResult) -> None:
        r = self.r
        r.heading(3, "Null model")
        context = []
        for measure, why in cr.claim.context:
            est = mean_ci(measure_values(self.m, measure, "main", None))
            context.append(f"{why}: {r.num(why, outcome_label(measure.outcome), est.mean, est.low, est.high, est.n)} "
                           f"(`{measure.outcome}`: {outcome_definition(measure.outcome)})")
        if context:
            r.para("Also measured: " + "; ".join(context) + ".")
        if cr.null is None:
            r.para("None needed: no single setting fixes this outcome; it comes from the mechanisms at work.")
            return
        n = cr.null
        measured = r.num("null model", "the model gives", n.measured.mean, n.measured.low, n.measured.high, n.measured.n)
        expected = r.num("null model", "the input alone gives", n.expected.mean, n.expected.low, n.expected.high,
                         n.expected.n)
        diff = r.num("null model", "model - null", n.d.mean, n.d.low, n.d.high, n.d.n, n.d.p_value, signed=True)
        what = {True: "no detectable difference: the outcome restates the input",
                False: "the model differs from what the input alone gives",
                None: "too few seeds to tell"}[n.restated]
        share = n.expected.mean / n.measured.mean if _finite(n.measured.mean) and n.measured.mean else math.nan
        share_shown = r.num("null model", "the input alone as a share of what the model gives", share,
                            text=share_text(share))
        r.para(f"{n.text} The model gives {measured}; the input alone gives {expected} ({share_shown} of it); the "
               f"difference is {diff} ({p_text(n.d.p_value)}): **{what}**.")

    def robustness_block(self, cr: ClaimResult) -> None:
        r = self.r
        r.heading(3, "Robustness over the plausible ranges")
        if not cr.robustness:
            r.para("Not tried over the hypercube (no effect of this claim is listed for robustness).")
            return
        for k, rr in enumerate(cr.robustness):
            e = rr.effect
            if rr.points.empty:
                r.para(f"{e.label}: no hypercube runs finished yet.")
                continue
            npts = len(rr.points)
            if e.predicted:
                shares = (f"the verdict **holds** at {r.num(e.label, 'share of points where it holds', rr.share(HOLDS), text=share_text(rr.share(HOLDS)))} "
                          f"of {npts} points, is reversed at {r.num(e.label, 'share reversed', rr.share(REVERSED), text=share_text(rr.share(REVERSED)))} "
                          f"and inconclusive at {r.num(e.label, 'share inconclusive', rr.share(INCONCLUSIVE), text=share_text(rr.share(INCONCLUSIVE)))} "
                          f"(each point judged by the 95 % interval over its {rr.seeds_per_point} paired seeds); the "
                          f"mean effect lies in the predicted direction at "
                          f"{r.num(e.label, 'share in the predicted direction', rr.direction_share, text=share_text(rr.direction_share))}")
            else:
                shares = (f"a is detectably higher at {r.num(e.label, 'share higher', rr.share('higher'), text=share_text(rr.share('higher')))} "
                          f"of {npts} points and lower at {r.num(e.label, 'share lower', rr.share('lower'), text=share_text(rr.share('lower')))} "
                          f"(no prediction)")
            r.para(f"**{e.label}**: {shares}.")
            top = rr.influence.head(5)
            rows = []
            for _, t in top.iterrows():
                lo, hi = self.cfg.plausible[t["parameter"]]
                rows.append([f"`{t['parameter']}`", f"{lo:g} - {hi:g}",
                             r.num(e.label, f"Spearman rho with {t['parameter']}", t["rho"], text=f"{t['rho']:+.2f}"),
                             p_text(t["rho_p"]),
                             r.num(e.label, f"shift of {t['parameter']} where it does not hold", t["shift"],
                                   text=("-" if not _finite(t["shift"]) else f"{t['shift']:+.2f}")),
                             p_text(t["shift_p"])])
            split = rr.influence["split"].iloc[0] if len(rr.influence) else "holds"
            where = ("where it does not hold" if split == "holds" else
                     "where it does not point the predicted way" if e.predicted else "where a is not above b")
            r.table(["parameter", "plausible range", "rank correlation with the effect", "p",
                     f"{where}: mean shift (share of range)", "Mann-Whitney p"], rows)
            tested = int(rr.influence["rho_p"].notna().sum())
            strong = [f"`{t['parameter']}`" for _, t in rr.influence.iterrows()
                      if _finite(t["rho_p"]) and tested and t["rho_p"] < 0.05 / tested]
            r.para(f"{tested} parameters are tested, so about {0.05 * tested:.1f} would reach p < 0.05 by chance "
                   f"alone; " + (f"past the Bonferroni threshold (p < 0.05/{tested}): {', '.join(strong)}."
                                 if strong else f"none passes the Bonferroni threshold (p < 0.05/{tested}), so the "
                                 "ranking is only indicative at this number of points."))
            if len(top) and _finite(top["rho"].iloc[0]):
                name = top["parameter"].iloc[0]
                fig = figures.robustness_scatter(rr.points, name, f"{name} (plausible range)",
                                                 f"effect at the point{f' ({e.unit})' if e.unit else ''}\n"
                                                 f"(mean over {rr.seeds_per_point} seeds, 95 % interval)",
                                                 e.label, e.neutral, self.r.stamp)
                r.figure(f"{cr.claim.key}-robust-{k}", fig,
                         f"{e.label} at each of {npts} parameter points, against {name}, the parameter with the "
                         f"strongest rank correlation; colour: the verdict at the point.")

    # --- figures a claim asks for ---
    def claim_figure(self, cr: ClaimResult, fig_spec, k: int) -> None:
        if isinstance(fig_spec, Series):
            self.series_figure(cr, fig_spec, k)
        elif isinstance(fig_spec, Dots):
            self.dots_figure(cr, fig_spec, k)
        elif isinstance(fig_spec, Forest):
            self.forest_figure(cr, fig_spec, k)

    def series_figure(self, cr: ClaimResult, spec: Series, k: int) -> None:
        lines, refs = [], []
        reopen = self.cfg.timeline.reopen_day
        for i, (arm, label) in enumerate(spec.arms):
            daily = self.m.daily.get(arm.key)
            if daily is None or daily.empty:
                continue
            colour = self.arm_colour(arm, i)
            hh = float(daily["households"].iloc[0])
            if spec.after_reopening:
                frame = daily[daily["day"] >= reopen - 1].copy()
                if frame.empty:  # the runs end before reopening (a shortened run): nothing to draw
                    continue
                start = frame[frame["day"] == reopen - 1].set_index("run_id")[spec.metric]
                frame["share"] = frame[spec.metric] / frame["run_id"].map(start).where(lambda s: s > 0)
                band = daily_band(frame.assign(day=frame["day"] - (reopen - 1)), "share")
            else:
                band = daily_band(daily, spec.metric, per_1000=spec.per_1000, rolling=spec.rolling, households=hh)
            lines.append((band, colour, f"{label} ({daily['run_id'].nunique()} seeds)"))
            ref = spec.reference
            if isinstance(ref, FromCity):
                p = self.m.probes
                vals = p[(p["kind"] == "main") & (p["arm"] == arm.key) & (p["probe"] == ref.probe)]["value"]
                if len(vals):
                    refs.append((float(vals.mean()), colour, f"{ref.text}, {label}"))
        if isinstance(spec.reference, Fixed):
            refs.append((spec.reference.value, "#c62828", spec.reference.text))
        if spec.reference_curve is not None and lines:
            first = self.m.rows("main", spec.arms[0][0].key)
            if len(first):
                row = first.iloc[0]
                s = run_setting(row["params"], row["days"], row["reopen_day"])
                days_after = np.arange(0, self.days - reopen + 1)
                refs.append((pd.DataFrame({"day": days_after, "value": spec.reference_curve(s, days_after)}),
                             "#c62828", "a tie made in one order (decay rate alone)"))
        if not lines:
            return
        if spec.after_reopening:
            fig = figures.series(lines, spec.ylabel, spec.title, {}, None, self.days - reopen + 1, self.r.stamp, refs,
                                 xlabel="days after reopening")
        else:
            fig = figures.series(lines, spec.ylabel + (" (7-day mean)" if spec.rolling > 1 else ""), spec.title,
                                 self.phases, self.start, self.days, self.r.stamp, refs)
        self.r.figure(f"{cr.claim.key}-{k}", fig, f"{spec.title}: mean over seeds with the 95 % interval of the mean "
                      "as a band" + ("; shaded: the lockdown" if not spec.after_reopening else "") +
                      ("; dashed: " + "; ".join(lbl for _, _, lbl in refs) if refs else "") + ".")

    def dots_figure(self, cr: ClaimResult, spec: Dots, k: int) -> None:
        rows, cells = [], []
        for measure, label in spec.measures:
            est = mean_ci(measure_values(self.m, measure, "main", None) * spec.scale)
            rows.append({"label": label, "mean": est.mean, "low": est.low, "high": est.high})
            cells.append([label, measure.arm.label, self.r.num(f"{spec.title}: {label}", spec.ylabel, est.mean,
                                                                est.low, est.high, est.n), str(est.n)])
        reference = None
        if spec.reference is not None:
            vals = term_values(self.m, spec.reference, spec.measures[0][0], "main", None)
            ref = float(np.nanmean(vals)) if isinstance(vals, pd.Series) else float(vals)
            reference = (ref * spec.scale, spec.reference.text)
        fig = figures.dots(rows, spec.ylabel, spec.title, self.r.stamp, reference, spec.log)
        self.r.figure(f"{cr.claim.key}-{k}", fig, f"{spec.title}: mean over seeds with its 95 % interval"
                      + (f"; dashed: {spec.reference.text}" if spec.reference is not None else "") + ".")
        if reference is not None:
            cells.append([spec.reference.text, "the scenario's settings", self.r.num(
                f"{spec.title}: {spec.reference.text}", spec.ylabel, reference[0], text=f"{reference[0]:.3g}"), "-"])
        self.r.table(["", "arm", f"{spec.ylabel.replace(' (log scale)', '')}: mean [95 %]", "seeds"], cells)

    def forest_figure(self, cr: ClaimResult, spec: Forest, k: int) -> None:
        base = cr.effects[0]
        rows = [{"label": "as calibrated", "mean": base.value, "low": base.low, "high": base.high,
                 "verdict": base.verdict}]
        rows += [{"label": f"{a.label}", "mean": a.result.value, "low": a.result.low, "high": a.result.high,
                  "verdict": a.result.verdict} for a in cr.ablations]
        fig = figures.forest(rows, spec.xlabel, spec.title, self.r.stamp, base.effect.neutral)
        self.r.figure(f"{cr.claim.key}-{k}", fig, f"{spec.title}: the primary effect as calibrated and with each "
                      "mechanism switched off, with 95 % intervals over paired seeds; colour: the verdict.")

    # --- the headline's extras ---
    def headline_extras(self, cr: ClaimResult) -> None:
        r, j = self.r, self.j
        rows = [{"label": e.effect.label, "mean": e.value, "low": e.low, "high": e.high, "verdict": e.verdict}
                for e in cr.effects]
        fig = figures.forest(rows, "paired difference (share, 0-1)",
                             "Both channels, or group buying alone, against platforms alone", self.r.stamp)
        r.figure("headline-differences", fig, "Paired differences against platform ordering alone, on the same seeds, "
                 "with 95 % intervals: hybrid (the study's world) and group buying alone (no prediction).")
        r.heading(3, "Each mode")
        modes = j.modes
        table_rows = []
        for name in dict.fromkeys(modes["outcome"]) if len(modes) else []:
            row = [outcome_label(name)]
            for mode in ("platform", "group_buying", "hybrid"):
                hit = modes[(modes["mode"] == mode) & (modes["outcome"] == name)]
                row.append(r.num(f"{MODE_LABELS[mode]}", outcome_label(name), *hit[["mean", "low", "high"]].iloc[0],
                                 int(hit["n"].iloc[0])) if len(hit) else "-")
            table_rows.append(row)
        r.table(["outcome (over the lockdown)", *(f"{MODE_LABELS[m]}: mean [95 %]" for m in
                                                  ("platform", "group_buying", "hybrid"))], table_rows)
        be = j.break_even
        r.heading(3, "Break-even: riders at work")
        if be is None:
            r.para("The sweep has not run.")
        else:
            pt = be.point
            where = r.num("break-even", "courier availability at which platform delivery ratio matches group buying's",
                          pt.mean, pt.low, pt.high, pt.n)
            r.para(f"Platform ordering alone is swept over the riders at work (`courier_availability`, a multiple of "
                   f"the calibrated curve of riders at work; 1 = calibrated) on the same {be.seeds} seeds; group buying "
                   f"alone has no riders. Per seed, the crossing is where the platform's delivery ratio first reaches group "
                   f"buying's (linear between swept values). The platform alone matches group buying at "
                   f"**{where}** times the calibrated riders ({pt.n} seeds cross inside the sweep; {pt.above_range} "
                   f"stay below group buying over the whole sweep; {pt.below_range} are above it already at the "
                   f"smallest value).")
            fig = figures.break_even_plot(be.curve, (be.target.mean, be.target.low, be.target.high,
                                                     "group buying alone (95 % interval shaded)"),
                                          (pt.mean, pt.low, pt.high), BREAK_EVEN.xlabel, BREAK_EVEN.ylabel,
                                          BREAK_EVEN.title, self.r.stamp)
            r.figure("break-even", fig, "Delivery ratio over the lockdown of platform ordering alone as riders at work are "
                     "scaled (mean and 95 % interval over paired seeds), against group buying alone; the dashed line is "
                     "the mean crossing, shaded its 95 % interval over seeds.")
            r.table([BREAK_EVEN.xlabel, f"{outcome_label(BREAK_EVEN.sweep.outcome)}, platform alone: mean [95 %]"],
                    [[f"{c['value']:g}", r.num("break-even sweep", f"platform delivery ratio at courier availability "
                                                                   f"{c['value']:g}", c["mean"], c["low"], c["high"],
                                               int(c["n"]))] for _, c in be.curve.iterrows()]
                    + [["group buying alone (no riders)", r.num("break-even sweep", "group buying delivery ratio",
                                                                be.target.mean, be.target.low, be.target.high,
                                                                be.target.n)]])
        r.heading(3, "How many seeds a difference needs")
        rows = []
        for _, t in j.replicates.iterrows():
            row = [t["effect"], r.num(t["effect"], "sd of the paired differences", t["sd"], text=f"{t['sd']:.3g}")]
            for col in [c for c in j.replicates.columns if c.startswith("for ")]:
                row.append(r.num(t["effect"], f"paired seeds to detect a difference of {col[4:]}", t[col],
                                 text=seeds_text(t[col])))
            rows.append(row)
        r.table(["effect", "sd of paired differences", *(f"seeds to detect {c[4:]}" for c in j.replicates.columns
                                                         if c.startswith("for "))], rows)
        r.para("Paired seeds a two-sided test at the 95 % level needs to detect a difference of each size with 80 % "
               "power, from the spread of the seed-by-seed differences measured here (analysis.stats.replicates_needed).")

    # --- closing sections ---
    def robustness_overview(self) -> None:
        r = self.r
        r.heading(2, "Robustness overview")
        rows = []
        for cr in self.j.claims:
            for rr in cr.robustness:
                if rr.points.empty:
                    continue
                shares = rr.points["verdict"].value_counts(normalize=True).to_dict()
                rows.append({"label": rr.effect.label[:70], **shares})
        if not rows:
            r.para("No hypercube runs.")
            return
        p = self.profile
        fig = figures.robustness_overview(rows, "Where each verdict holds over the plausible ranges", self.r.stamp)
        if p.posterior:
            r.figure("robustness", fig, f"Share of {len(self.plan.lhs_points)} parameter sets drawn from the posterior "
                     f"of {p.posterior} (lockdown-sim calibrate; {p.point_seeds} paired seeds each) in which each "
                     "effect's verdict holds, is inconclusive or reversed (for effects without a prediction: "
                     "detectably higher or lower): robustness weighted by how well each setting reproduces the record.")
            return
        r.figure("robustness", fig, f"Share of {len(self.plan.lhs_points)} Latin hypercube points (uniform over every "
                 f"[plausible] range of the scenario, {p.point_seeds} paired seeds each) at which each effect's verdict "
                 "holds, is inconclusive or reversed (for effects without a prediction: detectably higher or lower).")
        r.para(f"The hypercube: {len(self.plan.lhs_points)} points over {len(self.cfg.plausible)} settings "
               f"(scipy.stats.qmc.LatinHypercube, seed fixed; whole-number settings drawn as whole numbers); "
               f"{self.plan.lhs_replaced} point(s) broke a rule between settings (the scenario's cross-checks, "
               "sim/scenario.py) and were replaced by the next valid point of a further hypercube.")

    def what_drives(self) -> None:
        """The "What drives the results" section that `sensitivity --report DIR` and `discover --report DIR` write
        into DIR/sensitivity/, as it stands there; without it, the commands that make it."""
        r = self.r
        folder = self.report_dir / SENSITIVITY_FOLDER if self.report_dir is not None else None
        section = folder / SENSITIVITY_SECTION if folder is not None else None
        here = f"DIR is this report's folder{f', here `{self.report_dir}`' if self.report_dir is not None else ''}"
        commands = {"morris": "`lockdown-sim sensitivity --method morris --report DIR` (which assumptions matter)",
                    "sobol": "`lockdown-sim sensitivity --method sobol --report DIR` (how much the most influential "
                             "explain; after Morris)",
                    "discover": "`lockdown-sim discover --report DIR` (where group buying alone beats the platform)"}
        rerun = (f"then `{command_for(self.profile, 'DIR')}` again: it reuses every finished run and adds the "
                 "section to this report")
        if section is None or not section.is_file():
            r.heading(2, "What drives the results")
            r.para("**Not produced yet.** Which of the scenario's assumptions the outcomes depend on (Morris "
                   "screening, Sobol indices) and where group buying alone serves the city better than the platform "
                   "alone (scenario discovery with PRIM) are answered by `lockdown-sim sensitivity` and `lockdown-sim "
                   f"discover`, which write this section into the report's folder ({here}):")
            r.bullets(list(commands.values()))
            r.para(f"{rerun[0].upper()}{rerun[1:]}. Their costs on two cores are in the README (\"What drives the "
                   "results\"); each has a `--quick` form on the toy city for a first look.")
            return
        markdown_section(r, section.read_text(), folder, "sensitivity-")
        missing = [commands[p] for p in SENSITIVITY_PARTS if not (folder / f"{p}.md").is_file()]
        if missing:
            r.para(f"Not in this section yet ({here}): " + "; ".join(missing) + f"; {rerun}.")

    def validation(self) -> None:
        r = self.r
        r.heading(2, "Validation: the calibration table")
        table = calibration_table()
        if table is None:
            r.para(f"**Hook, not yet filled.** The calibration table (each pattern from the record, whether it was "
                   f"fitted or only checked, and what the model gives with its interval) is written by "
                   f"`lockdown-sim calibration` to `docs/calibration.csv`; this section shows that file when it exists "
                   f"({CALIBRATION_CSV.relative_to(REPO)} is not there yet). Until then, docs/sources.md lists every "
                   "calibration figure with its source and the scenario file says which values were set from which.")
            return
        r.para("The model against the record (docs/calibration.md; `lockdown-sim calibration`, hybrid mode): "
               "**input** rows were fed to the model (they check it comes out once, as given), **calibrated** rows "
               "had a parameter set from them (matching them is expected), **check** rows had nothing set from them "
               "(they test the model). Verdict: the model's 95 % interval over seeds against the record's range.")
        role = "role" if "role" in table.columns else None
        groups = [(g, sub) for g, sub in table.groupby(role, sort=False)] if role else [("", table)]
        for name, sub in groups:
            if name:
                verdicts = sub["verdict"].value_counts().to_dict() if "verdict" in sub else {}
                r.heading(3, f"{str(name).capitalize()} ({len(sub)} rows: "
                          + ", ".join(f"{v} {k}" for k, v in verdicts.items()) + ")")
            rows = []
            for _, row in sub.iterrows():
                cells = []
                for col in ("pattern", "record", "model", "verdict", "source", "note"):
                    if col not in sub.columns:
                        continue
                    value = "" if pd.isna(row[col]) else str(row[col])
                    if col == "model" and "interval" in sub.columns and not pd.isna(row["interval"]):
                        value = f"{value} {row['interval']}"
                    if col in ("record", "model"):
                        value = r.num(f"calibration: {row.get('pattern', '')}", col, math.nan, text=value)
                    cells.append(value)
                rows.append(cells)
            r.table([c if c != "model" else "model [95 %]" for c in ("pattern", "record", "model", "verdict",
                                                                        "source", "note") if c in sub.columns], rows)
        r.para(f"From {CALIBRATION_CSV.relative_to(REPO)}.")

    def convergence(self) -> None:
        r = self.r
        r.heading(2, "Scale convergence")
        if CONVERGENCE_PNG.is_file():
            r.image("convergence", CONVERGENCE_PNG.read_bytes(),
                    "Outcomes against the number of households simulated (the scale convergence benchmark, "
                    f"{CONVERGENCE_PNG.relative_to(REPO)}): where the curves flatten, a city of that size gives the "
                    "full city's numbers.")
        else:
            r.para(f"**Hook, not yet filled.** The scale convergence figure ({CONVERGENCE_PNG.relative_to(REPO)}, made "
                   "by the scale convergence benchmark) is not there yet; this section embeds it when it is. This "
                   f"report's runs use {self.households():,} households.")

    def method(self) -> None:
        r, p = self.r, self.profile
        r.heading(2, "How this report was made")
        r.bullets([
            f"Claims, effects, ablations and null models are data (experiments/claims.py); the arms are run as "
            f"batches by experiments/reproduce.py on the batch engine (experiments/batch.py), into "
            f"`batches/{p.folder}/` under this directory, and judged by analysis/reproduce.py.",
            f"Seeds: replicate r has seed SeedSequence({20220328}, spawn_key=(r,)) in every arm, sweep value and "
            "hypercube point, so a seed builds the same city everywhere and each effect is a paired comparison "
            "(sim/streams.py keeps unrelated draws unchanged when a setting changes).",
            "Verdicts: the effect's seed-by-seed values, their mean and the 95 % t interval (analysis.stats); holds / "
            "reversed if the interval excludes zero on the predicted / the other side, inconclusive otherwise. "
            "p-values are paired t tests. Nothing is judged by hand.",
            "Null models compare, seed by seed, what the model gives with what an input alone gives (a value the "
            "scenario's settings fix, or a structural value of the built city, e.g. the upper bound on leaders).",
            "Robustness: each listed effect at every hypercube point over its paired seeds; the parameters that move "
            "it are ranked by Spearman correlation of the point's mean effect with the parameter, and compared "
            "between points where the verdict holds and where it does not (Mann-Whitney).",
            f"Rerun: `{command_for(p, 'DIR')}` on the same DIR reuses "
            "every finished run; add `--engine dask --scheduler tcp://HOST:8786` to run on a cluster.",
        ])
        used = sorted({e.a.outcome for cr in self.j.claims for e in [x.effect for x in cr.effects]} |
                      {e.b.outcome for cr in self.j.claims for e in [x.effect for x in cr.effects]
                       if isinstance(e.b, Measure)})
        r.heading(3, "Outcomes")
        r.table(["outcome", "name", "definition"], [[outcome_label(n), f"`{n}`", outcome_definition(n)] for n in used])


def _minutes(seconds: float) -> str:
    if not _finite(seconds):
        return "-"
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s" if m else f"{seconds:.1f} s"


def calibration_table() -> pd.DataFrame | None:
    """Hook for the calibration issue's table: docs/calibration.csv when it exists (None otherwise)."""
    if not CALIBRATION_CSV.is_file():
        return None
    try:
        return pd.read_csv(CALIBRATION_CSV)
    except (OSError, ValueError, pd.errors.ParserError):
        return None


def markdown_section(r: Report, text: str, folder: Path, prefix: str) -> None:
    """Add a section another command wrote in Markdown to the report as the report's own blocks: headings,
    paragraphs, pipe tables (their numbers go to numbers.csv), and images named by file in `folder` (copied into
    the report's figures as <prefix><name>.png and embedded in the HTML page like every other figure)."""
    for chunk in re.split(r"\n[ \t]*\n", text.strip()):
        lines = [line for line in chunk.splitlines() if line.strip()]
        while lines and re.match(r"#{1,6} ", lines[0]):
            level = len(lines[0]) - len(lines[0].lstrip("#"))
            r.heading(level, lines.pop(0)[level:].strip())
        if not lines:
            continue
        if all(line.startswith("|") for line in lines):
            columns, *rows = [_cells(line) for line in lines if not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line)]
            for row in rows:
                item = next((c for c in row if _number(c) is None), "").strip("`")
                for column, cell in zip(columns, row):
                    if column != "rank" and _number(cell) is not None:
                        r.num(item, column, _number(cell), text=cell)
            r.table(columns, rows)
        elif all(re.fullmatch(r"!\[[^\]]*\]\([^)]+\)", line) for line in lines):
            for line in lines:
                caption, name = re.fullmatch(r"!\[([^\]]*)\]\(([^)]+)\)", line).groups()
                path = folder / name
                if path.is_file():
                    r.image(prefix + Path(name).stem, path.read_bytes(), caption)
                else:
                    r.para(f"(figure missing: {folder.name}/{name})")
        else:
            r.para(" ".join(line.strip() for line in lines))


def _cells(line: str) -> list[str]:
    """The cells of a Markdown pipe-table row ("\\|" inside a cell is a pipe)."""
    cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
    return [c.strip().replace("\\|", "|") for c in cells]


def _number(text: str) -> float | None:
    """The number a table cell shows ("0.0379", "+0.72", "12 %", "1,400"), or None."""
    t = text.strip().replace(",", "").rstrip("%").strip()
    try:
        return float(t)
    except ValueError:
        return None


def build_report(j: Judgement, record: dict, report_dir: Path | None = None) -> Report:
    """The whole report; `report_dir` is the folder it is written to (where the "What drives the results" section
    is looked for)."""
    b = Builder(j, record, report_dir)
    b.top()
    b.verdict_table()
    b.timeline()
    for cr in j.claims:
        b.claim(cr)
    b.robustness_overview()
    b.what_drives()
    b.validation()
    b.convergence()
    b.method()
    return b.r


def write_report(report: Report, out: Path, title: str) -> list[Path]:
    """report.md, report.html, figures/*.png and numbers.csv under `out`; returns the files written."""
    out = Path(out)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for pic in report.figures_list():
        path = fig_dir / f"{pic.name}.png"
        atomic_write(path, lambda p, data=pic.png: Path(p).write_bytes(data))
        written.append(path)
    for name, text in (("report.md", report.markdown()), ("report.html", report.html(title))):
        atomic_write(out / name, lambda p, t=text: Path(p).write_text(t))
        written.append(out / name)
    numbers = pd.DataFrame(report.numbers)
    atomic_write(out / "numbers.csv", lambda p: numbers.to_csv(p, index=False))
    written.append(out / "numbers.csv")
    return written
