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
from lockdown_sim.analysis.measures import daily_band
from lockdown_sim.analysis.reproduce import (ClaimResult, EffectResult, Judgement, RobustResult, measure_values,
                                             outcome_definition, outcome_label, run_setting, term_values)
from lockdown_sim.analysis.sensitivity_report import FOLDER as SENSITIVITY_FOLDER
from lockdown_sim.analysis.sensitivity_report import PARTS as SENSITIVITY_PARTS
from lockdown_sim.analysis.sensitivity_report import SECTION as SENSITIVITY_SECTION
from lockdown_sim.analysis.stats import mean_ci, significant_digits
from lockdown_sim.analysis.verdicts import (ALPHA_SIDED, ALPHA_TOST, CLAIM_RULE, HOLDS, INCONCLUSIVE, NO_EFFECT,
                                            REVERSED, SKEWED)
from lockdown_sim.experiments.claims import BREAK_EVEN, HEADLINE, Dots, Effect, Fixed, Forest, FromCity, Measure, Series
from lockdown_sim.experiments.reproduce import POINT_SEEDS_FLOOR
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
        return f"{term.name}, {term.arm.label}"
    return term.text


def _verdict_cell(v: str) -> str:
    return f"**{v}**" if v in (HOLDS, REVERSED, NO_EFFECT) else v


def shares_text(rr: RobustResult) -> str:
    """"holds 40 %, reversed 0 %, no effect 10 %, inconclusive 50 % of 64 points (10 seeds each)"."""
    if rr.points.empty:
        return "no points finished"
    parts = ", ".join(f"{v} {share_text(rr.share(v))}" for v in (HOLDS, REVERSED, NO_EFFECT, INCONCLUSIVE))
    return f"{parts} of {len(rr.points)} points ({rr.seeds_per_point} seeds each)"


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
            points = "posterior draws" if p.posterior else "hypercube points"
            stamp = (f"{p.name.upper()} RUN: provisional - {p.seeds} paired seeds per arm, {p.points} {points} "
                     f"x {p.point_seeds} seeds (claims need 30 seeds, 64 points x {POINT_SEEDS_FLOOR})")
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
            points = "posterior draws" if p.posterior else "Latin hypercube points"
            r.banner(f"{p.name.upper()} RUN - provisional verdicts. {p.seeds} paired seeds per arm (the project's floor "
                     f"for a claim is 30) and {p.points} {points} x {p.point_seeds} seeds (full run: 64 x "
                     f"{POINT_SEEDS_FLOOR}). Run `lockdown-sim reproduce --out DIR` for the full report.")
        r.para("This report turns each claim of the study behind the model (Yang and Wang 2024; docs/argument.md) into "
               "tests the model could have failed: each compares what the model gives with a null model that is a "
               "real alternative explanation, on paired seeds, and holds only if its interval clears the smallest "
               "effect worth reporting (SESOI); \"no effect\" is shown by an equivalence test against the same SESOI, "
               "never read off a wide interval; the verdicts of the run are Holm-corrected together; and every verdict "
               + ("is judged again at parameter sets drawn from the calibration's posterior. " if p.posterior else
                  "is judged again at every point of a hypercube over the scenario's plausible ranges. ") +
               "Effects that could "
               "not have failed (an outcome against its own bound, a mechanism's counter against the mechanism "
               "switched off, a calibrated figure) are implementation checks, reported apart. The primary outcome is "
               "need met: what households ate, at most their need. The report gives what the model gives, including "
               "claims the model does not reproduce.")
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
        r.para(f"One block per claim: the claim's verdict, then each of its tests. A test compares a with b, the null "
               f"model (an alternative explanation), seed by seed. **holds**: the effect clears its smallest effect of "
               f"interest (SESOI) on the side the study predicts (one-sided t test, Holm-adjusted p < {ALPHA_SIDED}: "
               f"the 95 % interval beyond the SESOI); **reversed**: it clears the SESOI on the other side; **no "
               f"effect**: two one-sided tests put it inside +/- SESOI (Holm-adjusted p < {ALPHA_TOST}: the 90 % "
               f"interval inside); **inconclusive**: none of these. Holm's correction runs across every test of the run "
               f"(one family per kind of conclusion). Where the seed-by-seed values are skewed (|skewness| > "
               f"{SKEWED:g}) a bootstrap interval is shown and must agree. The claim's verdict: {CLAIM_RULE}. "
               "Robustness: the share of parameter points at which the test, judged by the same rule over that "
               "point's paired seeds, holds / is reversed / shows no effect / is inconclusive.")
        rows = []
        for cr in self.j.claims:
            title = (f"{cr.claim.argument}. " if cr.claim.argument and cr.claim is not HEADLINE else "") + cr.claim.title
            rows.append([f"**{title}**", f"claim: {_verdict_cell(r.num(title, 'claim verdict', math.nan, text=cr.verdict))}",
                         "", "", "", "", "", "", ""])
            if cr.claim.input:
                rows.append(["", "not judged: " + cr.claim.input, "", "", "", "", "", "", ""])
            for e in cr.effects:
                rob = "; ".join(shares_text(rr) for rr in cr.robustness if rr.effect is e.effect)
                rows.append(["", e.effect.label, _predicted(e.effect), self.effect_cell(e),
                             r.num(e.effect.label, "SESOI", e.t.sesoi, text=f"{e.t.sesoi:g}"),
                             r.num(e.effect.label, "Holm-adjusted p of the verdict", e.decision.p,
                                   text=p_text(e.decision.p)),
                             _verdict_cell(e.verdict), e.effect.null, rob])
        r.table(["claim", "test (a - b, or a / b)", "study predicts", "effect [95 % t]; bootstrap where skewed",
                 "SESOI", "Holm-adjusted p", "verdict", "null model (b)", "robustness"], rows)
        r.heading(3, "What would have falsified each claim")
        items = []
        for cr in self.j.claims:
            title = cr.claim.title if cr.claim is HEADLINE else f"Claim {cr.claim.argument}: {cr.claim.title}"
            if cr.claim.input:
                items.append(f"**{title}**: nothing; it is an input of the model ({cr.claim.input})")
                continue
            tests = "; ".join(f"*{e.effect.label}* {e.effect.refuted_if()}" for e in cr.effects)
            items.append(f"**{title}** ({cr.verdict}): refuted by any test reversed or showing no effect. {tests}.")
        r.bullets(items)
        r.heading(3, "Implementation checks (not verdicts)")
        r.para("Effects that could not have come out otherwise: the machinery (experiments/falsifiable.py) labels an "
               "outcome compared with its own bound, a mechanism's counter compared with the mechanism switched off, "
               "and effects their authors declare so (calibrated figures, null models' manipulation checks). They show "
               "that a mechanism works as built; none enters a verdict or the Holm correction. **as built**: the 95 % "
               "interval lies where the mechanism puts it (for an expected equality, the 90 % interval inside +/- the "
               "SESOI).")
        rows = []
        for cr in self.j.claims:
            for e in cr.checks:
                rows.append([cr.claim.key, e.effect.label, self.effect_cell(e), e.verdict, e.kind.reason])
        r.table(["claim", "check", "a - b [95 %]", "status", "why it cannot fail"], rows)

    def effect_cell(self, e: EffectResult) -> str:
        """The effect with its 95 % t interval (recorded in numbers.csv), and the bootstrap interval if skewed."""
        r, eff = self.r, e.effect
        shown = r.num(eff.label, "effect" + (" (ratio)" if eff.scale == "ratio" else ""), e.value, e.low, e.high,
                      e.n, e.t.p_zero, eff.unit, signed=eff.scale == "difference")
        if e.t.skewed and _finite(e.t.boot_low):
            boot = r.num(eff.label, "bootstrap 95 % interval (BCa)", e.value, e.t.boot_low, e.t.boot_high, e.n,
                         text=f"[{significant_digits(e.t.boot_low, (e.high - e.low) / 2)}, "
                              f"{significant_digits(e.t.boot_high, (e.high - e.low) / 2)}]")
            shown += f"; bootstrap {boot} (skewness {e.t.skew:+.1f})"
        return shown

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
        need_7, unserved = band("need_met_share", rolling=7), band("elderly_unserved_share")  # drawn, then read below
        panels = [
            {"ylabel": "need met\n(7-day mean)", "lines": [(need_7, figures.MODE_COLOURS["hybrid"],
                                                        "portions eaten / needed")]},
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
        for name, b, worst_is in (("the 7-day need met is lowest", need_7, "min"),
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
        if c.input:
            r.para(f"**Not judged: an input of the model.** The claim's effects are reported without a verdict: "
                   f"{c.input}")
        else:
            r.para(f"**Verdict: {cr.verdict}** ({CLAIM_RULE}).")
        if c is HEADLINE:
            self.headline_extras(cr)
        for k, fig in enumerate(c.figures):
            self.claim_figure(cr, fig, k)
        self.tests_table(cr)
        self.descriptive_table(cr)
        self.checks_block(cr)
        self.ablation_block(cr)
        self.context_block(cr)
        self.robustness_block(cr)

    def tests_table(self, cr: ClaimResult) -> None:
        r = self.r
        r.heading(3, "Tests")
        if not cr.effects:
            r.para("None: the claim is not judged.")
            return
        rows = []
        for e in cr.effects:
            eff = e.effect
            d = e.decision
            rows.append([
                eff.label,
                r.num(eff.label, f"mean of {_term_text(eff.a)}", e.a.mean, e.a.low, e.a.high, e.a.n),
                r.num(eff.label, f"mean of {_term_text(eff.b)}", e.b.mean, e.b.low, e.b.high, e.b.n)
                if not isinstance(eff.b, Fixed) else r.num(eff.label, eff.b.text, eff.b.value, text=f"{eff.b.value:g}"),
                self.effect_cell(e), f"{e.t.sesoi:g}", str(e.n), _predicted(eff),
                " / ".join(r.num(eff.label, f"Holm-adjusted p, {what}", p, text=p_text(p))
                           for what, p in (("holds", d.p_holds), ("reversed", d.p_reversed),
                                           ("no effect (TOST)", d.p_tost))),
                _verdict_cell(e.verdict) + (f" ({d.reason})" if d.reason and e.verdict == INCONCLUSIVE else ""),
            ])
        r.table(["test", "a: mean [95 %]", "b (null): mean [95 %]", "effect [95 %]", "SESOI", "seeds",
                 "study predicts", "Holm p: holds / reversed / no effect", "verdict"], rows)
        r.bullets([f"*{e.effect.label}*. a: {_term_text(e.effect.a)}. b, the null model: {_term_text(e.effect.b)}: "
                   f"{e.effect.null}. SESOI {e.t.sesoi:g}: {e.effect.smallest.why}. It "
                   f"{e.effect.refuted_if()}." for e in cr.effects])

    def descriptive_table(self, cr: ClaimResult) -> None:
        if not cr.descriptive:
            return
        r = self.r
        r.heading(3, "Reported without a verdict")
        rows = [[e.effect.label, r.num(e.effect.label, f"mean of {_term_text(e.effect.a)}", e.a.mean, e.a.low,
                                       e.a.high, e.a.n),
                 r.num(e.effect.label, f"mean of {_term_text(e.effect.b)}", e.b.mean, e.b.low, e.b.high, e.b.n)
                 if not isinstance(e.effect.b, Fixed) else f"{e.effect.b.value:g}",
                 self.effect_cell(e), str(e.n)] for e in cr.descriptive]
        r.table(["effect", "a: mean [95 %]", "b: mean [95 %]", "a - b [95 %]", "seeds"], rows)
        why = "the claim is an input (above)" if cr.claim.input else "the study makes no prediction about them"
        r.para(f"Not judged: {why}.")

    def checks_block(self, cr: ClaimResult) -> None:
        if not cr.checks:
            return
        r = self.r
        r.heading(3, "Implementation checks")
        rows = [[e.effect.label, self.effect_cell(e), str(e.n), e.verdict, e.kind.reason] for e in cr.checks]
        r.table(["check", "a - b [95 %]", "seeds", "status", "why it is not a verdict"], rows)

    def ablation_block(self, cr: ClaimResult) -> None:
        r = self.r
        if not cr.ablations:
            return
        r.heading(3, "What carries the effect: mechanism ablations")
        base = next((e for e in cr.effects + cr.descriptive if e.effect is cr.claim.primary), None)
        if base is None:
            return
        rows = [["as calibrated", r.num(base.effect.label, "effect as calibrated", base.value, base.low, base.high,
                                        base.n, signed=True), _verdict_cell(base.verdict), "-"]]
        for a in cr.ablations:
            rows.append([a.label,
                         r.num(f"{base.effect.label} | {a.label}", "effect without the mechanism", a.result.value,
                               a.result.low, a.result.high, a.result.n, a.result.t.p_zero, signed=True),
                         "-",
                         r.num(f"{base.effect.label} | {a.label}", "change from calibrated", a.change.mean,
                               a.change.low, a.change.high, a.change.n, a.change.p_value, signed=True)])
        r.table([f"{base.effect.label}", "effect [95 %]", "verdict", "change from calibrated [95 %], paired"], rows)
        r.para("The primary test again with a mechanism switched off in every arm it reads: what the effect rests "
               "on. Reported, not judged (an ablation is the mechanism against itself).")

    def context_block(self, cr: ClaimResult) -> None:
        r = self.r
        context = []
        for measure, why in cr.claim.context:
            est = mean_ci(measure_values(self.m, measure, "main", None))
            context.append(f"{why}: {r.num(why, measure.name, est.mean, est.low, est.high, est.n)} "
                           f"(`{measure.name}`: {outcome_definition(measure.outcome)})")
        if context:
            r.heading(3, "Also measured")
            r.bullets(context)

    def robustness_block(self, cr: ClaimResult) -> None:
        r = self.r
        over_posterior = bool(self.profile.posterior)
        r.heading(3, "Robustness over the posterior" if over_posterior else "Robustness over the plausible ranges")
        if not cr.robustness:
            r.para("Not tried over the hypercube (the claim has no test, or the run has no hypercube points).")
            return
        for k, rr in enumerate(cr.robustness):
            e = rr.effect
            if rr.points.empty:
                r.para(f"{e.label}: no hypercube runs finished yet.")
                continue
            npts = len(rr.points)
            shares = ", ".join(
                f"{v} at {r.num(e.label, f'share of points: {v}', rr.share(v), text=share_text(rr.share(v)))}"
                for v in (HOLDS, REVERSED, NO_EFFECT, INCONCLUSIVE))
            points = "parameter sets drawn from the posterior (each" if over_posterior else f"points ({rr.kind}; each"
            r.para(f"**{e.label}** over {npts} {points} judged by the same rule over its "
                   f"{rr.seeds_per_point} paired seeds, uncorrected): {shares}.")
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
            where = "where it does not hold" if split == "holds" else "where it does not point the predicted way"
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
        fig = figures.dots(rows, spec.ylabel, spec.title, self.r.stamp, reference, spec.log, spec.zero)
        self.r.figure(f"{cr.claim.key}-{k}", fig, f"{spec.title}: mean over seeds with its 95 % interval"
                      + (f"; dashed: {spec.reference.text}" if spec.reference is not None else "") + ".")
        if reference is not None:
            cells.append([spec.reference.text, "the scenario's settings", self.r.num(
                f"{spec.title}: {spec.reference.text}", spec.ylabel, reference[0], text=f"{reference[0]:.3g}"), "-"])
        unit = spec.ylabel.replace(" (log scale)", "").replace("; axis not from 0", "")
        self.r.table(["", "arm", f"{unit}: mean [95 %]", "seeds"], cells)

    def forest_figure(self, cr: ClaimResult, spec: Forest, k: int) -> None:
        base = next((e for e in cr.effects + cr.descriptive if e.effect is cr.claim.primary), None)
        if base is None:
            return
        rows = [{"label": "as calibrated", "mean": base.value, "low": base.low, "high": base.high,
                 "verdict": base.verdict}]
        rows += [{"label": f"{a.label}", "mean": a.result.value, "low": a.result.low, "high": a.result.high,
                  "verdict": figures.ABLATION} for a in cr.ablations]
        fig = figures.forest(rows, spec.xlabel, spec.title, self.r.stamp, base.effect.neutral,
                             margin=base.t.sesoi)
        self.r.figure(f"{cr.claim.key}-{k}", fig, f"{spec.title}: the primary test as calibrated (colour: its "
                      "verdict) and with each mechanism switched off (dark grey: reported, not judged), with 95 % "
                      "intervals over paired seeds; dotted: the smallest effect of interest.")

    # --- the headline's extras ---
    def headline_extras(self, cr: ClaimResult) -> None:
        r, j = self.r, self.j
        rows = [{"label": e.effect.label, "mean": e.value, "low": e.low, "high": e.high, "verdict": e.verdict}
                for e in cr.effects + cr.descriptive]
        sesoi = cr.effects[0].t.sesoi if cr.effects else None
        fig = figures.forest(rows, "paired difference (share, 0-1)",
                             "Both channels, or group buying alone, against platforms alone", self.r.stamp,
                             margin=sesoi)
        r.figure("headline-differences", fig, "Paired differences against platform ordering alone, on the same seeds, "
                 f"with 95 % intervals; dotted: the smallest effect of interest (+/- {sesoi:g}); colour: the verdict. "
                 "Hybrid is the study's world; group buying alone and the delivery ratio are reported without a "
                 "prediction.")
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
            where = r.num("break-even", "courier availability at which platform need met matches group buying's",
                          pt.mean, pt.low, pt.high, pt.n)
            r.para(f"Platform ordering alone is swept over the riders at work (`courier_availability`, a multiple of "
                   f"the calibrated curve of riders at work; 1 = calibrated) on the same {be.seeds} seeds; group buying "
                   f"alone has no riders. Per seed, the crossing is where the platform's need met first reaches group "
                   f"buying's (linear between swept values). The platform alone matches group buying at "
                   f"**{where}** times the calibrated riders ({pt.n} seeds cross inside the sweep; {pt.above_range} "
                   f"stay below group buying over the whole sweep; {pt.below_range} are above it already at the "
                   f"smallest value).")
            fig = figures.break_even_plot(be.curve, (be.target.mean, be.target.low, be.target.high,
                                                     "group buying alone (95 % interval shaded)"),
                                          (pt.mean, pt.low, pt.high), BREAK_EVEN.xlabel, BREAK_EVEN.ylabel,
                                          BREAK_EVEN.title, self.r.stamp)
            r.figure("break-even", fig, "Need met over the lockdown by platform ordering alone as riders at work are "
                     "scaled (mean and 95 % interval over paired seeds), against group buying alone; the dashed line is "
                     "the mean crossing, shaded its 95 % interval over seeds.")
            r.table([BREAK_EVEN.xlabel, f"{outcome_label(BREAK_EVEN.sweep.outcome)}, platform alone: mean [95 %]"],
                    [[f"{c['value']:g}", r.num("break-even sweep", f"platform need met at courier availability "
                                                                   f"{c['value']:g}", c["mean"], c["low"], c["high"],
                                               int(c["n"]))] for _, c in be.curve.iterrows()]
                    + [["group buying alone (no riders)", r.num("break-even sweep", "group buying need met",
                                                                be.target.mean, be.target.low, be.target.high,
                                                                be.target.n)]])

    # --- closing sections ---
    def seeds_needed(self) -> None:
        r, j = self.r, self.j
        r.heading(2, "How many seeds the tests need")
        rows = []
        for _, t in j.seeds.iterrows():
            rows.append([t["claim"], t["effect"],
                         r.num(t["effect"], "sd of the seed-by-seed values", t["sd"], text=f"{t['sd']:.3g}"),
                         f"{t['sesoi']:g}", str(int(t["seeds"])),
                         r.num(t["effect"], "paired seeds to show it holds (true effect twice the SESOI)",
                               t["for_holds"], text=seeds_text(t["for_holds"])),
                         r.num(t["effect"], "paired seeds to show no effect (true effect zero)", t["for_no_effect"],
                               text=seeds_text(t["for_no_effect"]))])
        r.table(["claim", "test", "sd of seed-by-seed values", "SESOI", "seeds run", "seeds to show holds",
                 "seeds to show no effect"], rows)
        r.para("From each test's smallest effect of interest, never from the effect measured: paired seeds for 80 % "
               f"power to show the test holds (one-sided {ALPHA_SIDED}) if the true effect were twice the SESOI, and "
               f"to show no effect by TOST ({ALPHA_TOST} each side) if it were zero, from the spread of the "
               "seed-by-seed values measured here (analysis.verdicts.seeds_needed; before Holm's correction, which "
               "asks for somewhat more). A test that ran fewer seeds than it needs can be inconclusive for want of "
               "seeds alone.")

    def robustness_overview(self) -> None:
        r = self.r
        r.heading(2, "Robustness overview")
        rows = []
        for cr in self.j.claims:
            for rr in cr.robustness:
                if rr.points.empty:
                    continue
                rows.append({"label": rr.effect.label, **rr.shares})
        if not rows:
            r.para("No hypercube runs.")
            return
        p = self.profile
        where = "over the posterior" if p.posterior else "over the plausible ranges"
        fig = figures.robustness_overview(rows, f"Where each verdict holds {where}", self.r.stamp)
        if p.posterior:
            r.figure("robustness", fig, f"Share of {len(self.plan.lhs_points)} parameter sets drawn from the posterior "
                     f"of {p.posterior} (lockdown-sim calibrate; {p.point_seeds} paired seeds each) at which each "
                     "test holds, shows no effect, is inconclusive or is reversed, judged at the draw by the verdicts' "
                     "rule (uncorrected): robustness weighted by how well each setting reproduces the record.")
            return
        r.figure("robustness", fig, f"Share of {len(self.plan.lhs_points)} Latin hypercube points (uniform over every "
                 f"[plausible] range of the scenario, {p.point_seeds} paired seeds each) at which each test holds, "
                 "shows no effect, is inconclusive or is reversed, judged at the point by the verdicts' rule "
                 "(uncorrected). With --posterior, draws from the calibration's posterior are judged the same way.")
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
            "Verdicts (analysis/verdicts.py): each test's seed-by-seed values against its smallest effect of interest "
            "(experiments/falsifiable.py, stated with its reason before any run): holds / reversed by one-sided t "
            f"tests beyond the SESOI (p < {ALPHA_SIDED}), no effect by two one-sided tests inside it (p < {ALPHA_TOST}), "
            "Holm-corrected across the run's tests; skewed values need a BCa bootstrap interval (scipy.stats) to "
            f"agree. The claim's verdict: {CLAIM_RULE}. Nothing is judged by hand.",
            "Null models are arms of their own: a real alternative explanation run on the same seeds (the platform "
            "given the hybrid city's extra supply, leaders placed at random as many a day as emerged, minimum orders "
            "read as portions, a mechanism absent). Those matched to another arm's runs are designed from that arm's "
            "daily tables at the same parameter point, after it has run (experiments/reproduce.py).",
            "Implementation checks: effects the machinery finds could not fail (an outcome against its own bound, a "
            "mechanism's counter against the mechanism off) or that their authors declare so; reported, never "
            "verdicts.",
            "Robustness: every test at every hypercube point over its paired seeds, judged by the same rule "
            "(uncorrected); the parameters that move it are ranked by Spearman correlation of the point's mean "
            "effect with the parameter, and compared between points where it holds and where it does not "
            "(Mann-Whitney).",
            f"Rerun: `{command_for(p, 'DIR')}` on the same DIR reuses "
            "every finished run; add `--engine dask --scheduler tcp://HOST:8786` to run on a cluster.",
        ])
        effects = [x.effect for cr in self.j.claims for x in cr.effects + cr.descriptive]
        used = sorted({n for e in effects for n in e.a.outcomes} |
                      {n for e in effects if isinstance(e.b, Measure) for n in e.b.outcomes})
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
    b.seeds_needed()
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
