"""What a calibration's posterior says (experiments/calibrate.py fits it): the posterior table, which parameters the
record pins down and which it leaves at the prior (identifiability), the posterior predictive intervals of every
pattern of the record against its range, the figures, the report, and the calibrated scenario file.

Identifiability is read from how much the record narrows each parameter: the ratio of the posterior's standard
deviation to the prior's (both on the prior's own scale: log for a log-uniform prior). Below 0.5 the record pins it
down, 0.5-0.8 it narrows it, above 0.8 it leaves it at the prior (a uniform posterior has ratio 1).

    from lockdown_sim.experiments.calibrate import load_posterior
    from lockdown_sim.analysis.posterior import posterior_table
    post = load_posterior(Path("results/calibrate"))
    posterior_table(post)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from lockdown_sim.analysis.calibration import CALIBRATED, PATTERNS, calibration_table, pattern_values, verdict
from lockdown_sim.experiments.calibrate import LOG_UNIFORM, QUICK_NOTE

PINNED, NARROWED, PRIOR = "pinned down", "narrowed", "left at the prior"


def deviation(value: float, low: float, high: float) -> float:
    """A pattern's statistic in the fit: the model's value minus the middle of the record's range, in half-widths of
    the range (|d| <= 1: in range). A run where the pattern has nothing to measure (NaN) counts as far outside (100
    half-widths).

    A one-sided figure ("more than 660,000": `high` infinite, or `low` minus infinite) has no middle: inside it the
    statistic is 0, and outside it is -1 (or +1) at the bound and grows by one for every tenth of the bound beyond
    it (the tolerance the record's "about x" figures get), so |d| <= 1 still reads "in range or at its edge"."""
    if not np.isfinite(value):
        return 100.0
    if np.isinf(high) and np.isfinite(low):
        return 0.0 if value >= low else float(-1 + (value - low) / (0.1 * abs(low) or 1.0))
    if np.isinf(low) and np.isfinite(high):
        return 0.0 if value <= high else float(1 + (value - high) / (0.1 * abs(high) or 1.0))
    half = (high - low) / 2 or abs(high) * 0.05 or 1.0
    return float((value - (low + high) / 2) / half)


class PatternStatistics:
    """The calibration's data: every pattern of the record whose role is "calibrated" (picked by role, so a pattern
    added with that role joins the fit), as its deviation from the record (`deviation`). Called on one run's daily
    table; picklable, so the fit's workers can call it."""

    def __init__(self):
        self.names = tuple(p.name for p in PATTERNS if p.role == CALIBRATED)

    def __call__(self, daily: pd.DataFrame, households: int, scale: float) -> dict:
        values = pattern_values(daily, households, scale)
        return {p.name: deviation(values[p.name], p.low, p.high) for p in PATTERNS if p.name in self.names}


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, x))


def _on_prior_scale(p, x: np.ndarray) -> np.ndarray:
    return np.log(x) if p.shape == LOG_UNIFORM else x.astype(float)


def identifiability(ratio: float) -> str:
    return PINNED if ratio < 0.5 else NARROWED if ratio < 0.8 else PRIOR


def posterior_table(post: dict) -> pd.DataFrame:
    """One row per fitted parameter: prior (shape, range, the scenario's value), posterior mean, sd, median and 95 %
    credible interval (weighted particles), the sd ratio and what it says."""
    w = post["weights"] / post["weights"].sum()
    rows = []
    for p in post["params"]:
        x = post["particles"][p.name].to_numpy(dtype=float)
        mean = float(np.sum(w * x))
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        lo_s, hi_s = _on_prior_scale(p, np.array([p.low, p.high + (1 if p.whole else 0)]))
        prior_sd = (hi_s - lo_s) / math.sqrt(12)
        xs = _on_prior_scale(p, x)
        ms = float(np.sum(w * xs))
        post_sd = float(np.sqrt(np.sum(w * (xs - ms) ** 2)))
        ratio = post_sd / prior_sd
        rows.append({"parameter": p.name, "prior": p.shape, "prior_low": p.low, "prior_high": p.high,
                     "scenario_value": p.value, "mean": mean, "sd": sd, "median": _weighted_quantile(x, w, 0.5),
                     "low_95": _weighted_quantile(x, w, 0.025), "high_95": _weighted_quantile(x, w, 0.975),
                     "sd_ratio": ratio, "identified": identifiability(ratio), "why_prior": p.why})
    return pd.DataFrame(rows)


def predictive_table(values: pd.DataFrame) -> pd.DataFrame:
    """Every pattern of the record (input, calibrated, check) against the posterior predictive runs: one row per
    pattern with the predictive mean, its central 95 % interval over the runs (parameter and seed uncertainty) and
    whether the record's range holds it. `values`: one row per predictive run, one column per pattern."""
    base = calibration_table(values)  # role, record, mean over runs
    rows = []
    for p, (_, r) in zip(PATTERNS, base.iterrows()):
        v = values[p.name].to_numpy(dtype=float) if p.name in values else np.array([])
        v = v[np.isfinite(v)]
        lo, hi = (np.quantile(v, [0.025, 0.975]) if len(v) else (np.nan, np.nan))
        share = float(np.mean((v >= p.low) & (v <= p.high))) if len(v) else np.nan
        rows.append({"pattern": p.name, "role": p.role, "record_low": p.low, "record_high": p.high, "unit": p.unit,
                     "mean": float(np.mean(v)) if len(v) else np.nan, "low_95": float(lo), "high_95": float(hi),
                     "share_in_range": share, "verdict": verdict(lo, hi, p.low, p.high), "runs": len(v),
                     "record": r["record"]})
    return pd.DataFrame(rows)


# --- figures ------------------------------------------------------------------------------------------------
def _stamp(fig, quick: bool) -> None:
    if quick:
        fig.text(0.5, 0.005, "QUICK calibration: a first look at the machinery, not a posterior to quote",
                 ha="center", va="bottom", fontsize=8, color="firebrick")


def _log_axis(axis) -> None:
    """A log axis labelled in plain numbers at 1, 2 and 5 times powers of ten, without minor labels."""
    from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FormatStrFormatter("%g"))
    axis.set_minor_formatter(NullFormatter())


def _label(p) -> str:
    return p.name.split(".", 1)[1].replace("_", " ")


def marginals_figure(post: dict, quick: bool = False):
    """Each parameter's posterior (weighted histogram) against its prior (the flat line, on the prior's scale)."""
    import matplotlib.pyplot as plt

    params = post["params"]
    n = len(params)
    cols = 3
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    w = post["weights"] / post["weights"].sum()
    for ax, p in zip(axes.flat, params):
        x = post["particles"][p.name].to_numpy(dtype=float)
        hi = p.high + (1 if p.whole else 0)
        if p.shape == LOG_UNIFORM:
            bins = np.geomspace(p.low, hi, 16)
            ax.set_xscale("log")
            dens = 1 / (np.log(hi) - np.log(p.low))  # density per unit of log x
            widths = np.log(bins[1:]) - np.log(bins[:-1])
        else:
            bins = np.linspace(p.low, hi, 16)
            dens = 1 / (hi - p.low)
            widths = np.diff(bins)
        counts, _ = np.histogram(x, bins=bins, weights=w)
        ax.bar(bins[:-1], counts / widths, width=np.diff(bins), align="edge", color="tab:blue", alpha=0.6,
               label="posterior")
        ax.axhline(dens, color="black", ls="--", lw=1, label="prior")
        ax.axvline(p.value, color="tab:red", lw=1, label="scenario value")
        if p.shape == LOG_UNIFORM:
            _log_axis(ax.xaxis)
        ax.set_xlabel(_label(p) + (" (log scale)" if p.shape == LOG_UNIFORM else ""))
        ax.set_ylabel("density" + (" per log unit" if p.shape == LOG_UNIFORM else ""))
        ax.set_title(p.name, fontsize=9)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Posterior of each fitted parameter against its prior", fontsize=11)
    _stamp(fig, quick)
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return fig


def pairs_figure(post: dict, table: pd.DataFrame, quick: bool = False, top: int = 5):
    """Pairwise posteriors of the `top` parameters the record narrows most (smallest sd ratio): each particle a
    dot, its size its weight; the axes span the prior ranges, so an empty region is one the record rules out."""
    import matplotlib.pyplot as plt

    names = list(table.sort_values("sd_ratio")["parameter"][:top])
    by = {p.name: p for p in post["params"]}
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(2.3 * k, 2.3 * k), squeeze=False)
    w = post["weights"] / post["weights"].max()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i, j]
            pa, pb = by[a], by[b]
            if i == j:
                top = pa.high + (1 if pa.whole else 0)
                bins = np.geomspace(pa.low, top, 13) if pa.shape == LOG_UNIFORM else np.linspace(pa.low, top, 13)
                ax.hist(post["particles"][a], bins=bins, weights=post["weights"], color="tab:blue", alpha=0.6)
                ax.set_yticks([])
            else:
                ax.scatter(post["particles"][b], post["particles"][a], s=4 + 30 * w, alpha=0.5, color="tab:blue")
                ax.set_ylim(pa.low, pa.high + (1 if pa.whole else 0))
            ax.set_xlim(pb.low, pb.high + (1 if pb.whole else 0))
            if pb.shape == LOG_UNIFORM:
                ax.set_xscale("log")
                _log_axis(ax.xaxis)
            if pa.shape == LOG_UNIFORM and i != j:
                ax.set_yscale("log")
                _log_axis(ax.yaxis)
            if i == k - 1:
                ax.set_xlabel(_label(pb), fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(_label(pa), fontsize=8)
            ax.tick_params(labelsize=6)
    fig.suptitle(f"Pairwise posteriors of the {k} parameters the record narrows most (axes: prior ranges)",
                 fontsize=10)
    _stamp(fig, quick)
    fig.tight_layout(rect=(0, 0.02, 1, 0.96))
    return fig


def _figure_label(text: str, width: int = 62) -> str:
    """A pattern's name as a figure can print it: words in CJK script dropped (the figures' font has no such
    glyphs; the tables keep them), wrapped at `width` characters."""
    import re
    import textwrap

    plain = re.sub(r"\s*\([^)]*[\u3000-\u9fff][^)]*\)", "", text)
    return "\n".join(textwrap.wrap(plain, width))


def _on_record_axis(v, low: float, high: float):
    """Values on the figure's axis: the model minus the middle of the record's range in half-widths of the range;
    a one-sided figure ("at least L") has no middle, so its bound sits at -1 and every tenth of the bound above it
    is one more (in range: -1 and right of it), as the fit's statistic reads it (`deviation`)."""
    v = np.asarray(v, dtype=float)
    if np.isinf(high) and np.isfinite(low):
        return -1 + (v - low) / (0.1 * abs(low) or 1.0)
    if np.isinf(low) and np.isfinite(high):
        return 1 + (v - high) / (0.1 * abs(high) or 1.0)
    mid, half = (low + high) / 2, (high - low) / 2 or 1.0
    return (v - mid) / half


def predictive_figure(pred: pd.DataFrame, quick: bool = False):
    """Each pattern's posterior predictive 95 % interval (bar) and mean (dot) against the record's range (grey band),
    in the record's half-widths from its middle so that every pattern shares one axis (a one-sided figure: its
    bound at -1, tenths of the bound beyond it); by role."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 0.55 * len(pred) + 1.8))
    colours = {"input": "tab:gray", "calibrated": "tab:blue", "check": "tab:green"}
    ax.axvspan(-1, 1, color="0.88", label="record's range (two-sided figures)")
    edge = 6.0
    labels = []
    for y, (_, r) in enumerate(pred.iloc[::-1].iterrows()):
        one_sided = not (np.isfinite(r["record_low"]) and np.isfinite(r["record_high"]))
        labels.append(_figure_label(f"{r['pattern']} ({r['role']}{'; one-sided: in range from -1 right' if one_sided else ''})"))
        lo, hi, m = _on_record_axis([r["low_95"], r["high_95"], r["mean"]], r["record_low"], r["record_high"])
        if not np.isfinite(m):
            ax.text(0, y, "not measured in these runs", ha="center", va="center", fontsize=7, color="0.4")
            continue
        c = colours[r["role"]]
        ax.plot([max(lo, -edge), min(hi, edge)], [y, y], color=c, lw=3)
        if abs(m) <= edge:
            ax.plot([m], [y], "o", color=c)
        else:  # off the axis: an arrow at the edge with the mean's value
            x = edge if m > 0 else -edge
            ax.annotate(f"{m:+.0f}", (x, y), xytext=(x - 0.9 * np.sign(m), y), fontsize=7, color=c, va="center",
                        ha="center", arrowprops={"arrowstyle": "->", "color": c})
    ax.set_yticks(range(len(pred)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("model minus the middle of the record's range, in half-widths of the range\n(|x| <= 1: in range)")
    ax.set_xlim(-edge - 0.3, edge + 0.3)
    for role, c in colours.items():
        ax.plot([], [], color=c, lw=3, label=f"{role}: posterior predictive 95 % interval")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=2, frameon=False)
    ax.set_title("Posterior predictive intervals of every pattern against the record", fontsize=10)
    _stamp(fig, quick)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig


def generations_figure(gens: pd.DataFrame, quick: bool = False):
    """The ABC-SMC's schedule: each generation's threshold and share of proposals accepted."""
    import matplotlib.pyplot as plt

    fig, (a, b, c) = plt.subplots(1, 3, figsize=(12, 3.2))
    a.plot(gens["generation"], gens["epsilon"], "o-")
    a.set_xlabel("generation")
    a.set_ylabel("threshold (adaptive distance)")
    a.set_title("threshold: median of the last generation's distances", fontsize=9)
    b.plot(gens["generation"], 100 * gens["acceptance_rate"], "s-", color="tab:orange")
    b.set_xlabel("generation")
    b.set_ylabel("proposals accepted (%)")
    b.set_title("acceptance (the fit stops below its floor)", fontsize=9)
    if "ess" in gens:
        population = int(gens["accepted"].iloc[0])
        c.plot(gens["generation"], gens["ess"], "^-", color="tab:green", label="effective sample size")
        c.axhline(population, color="grey", lw=0.8, ls="--", label=f"population ({population})")
        c.axhline(population / 2, color="tab:red", lw=0.8, ls=":", label="half the population")
        c.set_ylim(0, population * 1.08)
        c.legend(fontsize=7, loc="lower left")
    c.set_xlabel("generation")
    c.set_ylabel("effective sample size (particles)")
    c.set_title("weights: how many particles the posterior rests on", fontsize=9)
    for ax in (a, b, c):
        ax.set_xticks(gens["generation"])
    _stamp(fig, quick)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


# --- the report and the scenario -------------------------------------------------------------------------------
def _num(x: float) -> str:
    if not np.isfinite(x):
        return "-"
    a = abs(x)
    return f"{x:,.0f}" if a >= 1000 else f"{x:.3g}" if a < 1 else f"{x:.2f}"


def summary_text(table: pd.DataFrame) -> str:
    """The posterior summary as the command prints it."""
    lines = [f"{'parameter':<38} {'prior':<12} {'range':<18} {'scenario':>9} {'mean':>9} {'95 % credible':>22} "
             f"{'sd ratio':>8}  identified"]
    for _, r in table.iterrows():
        rng = f"[{_num(r['prior_low'])}, {_num(r['prior_high'])}]"
        ci = f"[{_num(r['low_95'])}, {_num(r['high_95'])}]"
        lines.append(f"{r['parameter']:<38} {r['prior']:<12} {rng:<18} {_num(r['scenario_value']):>9} "
                     f"{_num(r['mean']):>9} {ci:>22} {r['sd_ratio']:>8.2f}  {r['identified']}")
    return "\n".join(lines)


def predictive_text(pred: pd.DataFrame) -> str:
    lines = [f"{'role':<11} {'pattern':<62} {'record':<22} {'predictive mean [95 %]':<34} verdict"]
    for _, r in pred.iterrows():
        lines.append(f"{r['role']:<11} {r['pattern'][:62]:<62} {r['record']:<22} "
                     f"{_num(r['mean'])} [{_num(r['low_95'])}, {_num(r['high_95'])}]".ljust(34 + 97) + f" {r['verdict']}")
    return "\n".join(lines)


def _ess_warning(gens: pd.DataFrame, population: int) -> list[str]:
    """A warning when the last generation's weights rest on fewer than half its particles (Kish's effective sample
    size): its means and intervals are then those of a few particles, not of the population."""
    ess = float(gens["ess"].iloc[-1])
    if ess >= population / 2:
        return []
    return [f"> **The weights are degenerate: the last generation's effective sample size is {ess:.0f} of "
            f"{population} particles.** Its means and credible intervals rest on a few particles; read them as "
            "such.", ""]


def _kernel_words(opts) -> str:
    """How the fit perturbed its particles, in words (experiments/calibrate.py, `transition`)."""
    scale = opts.kernel_scale
    if scale is None:
        return ("pyABC's default kernel (a multivariate normal with the last generation's weighted covariance "
                "shrunk by Silverman's rule of thumb)")
    return (f"a particle of the last generation perturbed by a multivariate normal with that generation's weighted "
            f"covariance x {scale:g}")


def report_markdown(table: pd.DataFrame, pred: pd.DataFrame, gens: pd.DataFrame, opts, header: str) -> str:
    quick = [f"> **{QUICK_NOTE}.**", ""] if opts.quick else []
    lines = ["# Calibration as inference: the posterior", "", *quick, header, "",
             "## The fit", "",
             f"ABC-SMC (pyABC): {opts.population} particles a generation, at most {opts.generations} generations; each "
             f"generation's threshold is the {opts.quantile:g} quantile of the last one's distances; stop when fewer "
             f"than {opts.min_acceptance:.0%} of proposals are accepted. Each particle: {opts.seeds_per_particle} "
             "city(ies) of the one seed scheme, chosen by a seed index drawn with the particle. Proposals: "
             f"{_kernel_words(opts)}. Data: the record's "
             "patterns marked *calibrated*, each as the model's deviation from the middle of the record's range in "
             "half-widths of the range, weighted per generation by pyABC's adaptive distance. Every other pattern "
             "is a posterior predictive check below.", "",
             "| generation | threshold | simulations | accepted | acceptance | effective sample size |",
             "|---|---|---|---|---|---|"]
    for _, g in gens.iterrows():
        lines.append(f"| {int(g['generation'])} | {g['epsilon']:.3g} | {int(g['simulations'])} | {int(g['accepted'])} | "
                     f"{g['acceptance_rate']:.1%} | {g['ess']:.0f} |")
    lines += ["", *_ess_warning(gens, opts.population), "![generations](generations.png)", "", "## The posterior", "",
              "Mean and 95 % credible interval of each fitted parameter, against its prior (the scenario's plausible "
              "range) and the value the scenario held. *sd ratio*: posterior sd / prior sd on the prior's scale "
              f"(below 0.5: {PINNED}; 0.5-0.8: {NARROWED}; above 0.8: {PRIOR}).", "",
              "| parameter | prior | range | scenario | posterior mean | 95 % credible interval | sd ratio | "
              "identified | why this prior |", "|---|---|---|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        lines.append(f"| `{r['parameter']}` | {r['prior']} | [{_num(r['prior_low'])}, {_num(r['prior_high'])}] | "
                     f"{_num(r['scenario_value'])} | {_num(r['mean'])} | [{_num(r['low_95'])}, {_num(r['high_95'])}] | "
                     f"{r['sd_ratio']:.2f} | {r['identified']} | {r['why_prior']} |")
    pinned = list(table[table["identified"] == PINNED]["parameter"])
    left = list(table[table["identified"] == PRIOR]["parameter"])
    lines += ["", f"The record pins down: {', '.join(f'`{p}`' for p in pinned) or 'none'}. It leaves at the "
                  f"prior: {', '.join(f'`{p}`' for p in left) or 'none'}: for these the record says nothing, and "
                  "results that depend on them rest on the prior range.", "",
              "![marginals](marginals.png)", "", "![pairs](pairs.png)", "",
              "## Posterior predictive checks", "",
              f"Each of {int(pred['runs'].max()) if len(pred) else 0} parameter sets drawn from the posterior, run on "
              "a city of its own: the 95 % interval over those runs covers parameter and seed uncertainty. "
              "*calibrated* patterns were fitted (matching them is expected); *check* patterns were not; *input* "
              "patterns are fed to the model.", "",
              "| role | pattern | record | predictive mean [95 %] | runs in the record's range | verdict |",
              "|---|---|---|---|---|---|"]
    for _, r in pred.iterrows():
        lines.append(f"| {r['role']} | {r['pattern']} | {r['record']} | {_num(r['mean'])} [{_num(r['low_95'])}, "
                     f"{_num(r['high_95'])}] | {r['share_in_range']:.0%} | {r['verdict']} |")
    lines += ["", "![predictive](predictive.png)", "",
              "Files: `posterior.csv` (this table), `particles.csv` (the last generation, in scenario values, with "
              "weights), `predictive.csv`, `calibrated.toml` (the posterior means as a scenario), `abc.db` (pyABC's "
              "database: the same command continues the fit), `predictive-gN/` (the predictive runs of the posterior after N generations).", ""]
    if opts.quick:
        lines += [f"> **{QUICK_NOTE}.**", ""]
    return "\n".join(lines)


def calibrated_scenario(table: pd.DataFrame, base: str, source: str, quick: bool) -> str:
    """A scenario file with the posterior means of the fitted parameters over `base` (each value's comment says it
    came from the posterior), and the posterior's 95 % credible interval as its plausible range."""
    from lockdown_sim.sim.schema import field

    lines = [f"# {base}, calibrated: the fitted parameters at their posterior means (lockdown-sim calibrate, {source}).",
             "# Every other value, and its source, is the base scenario's. Plausible ranges: the posterior's 95 %",
             "# credible intervals, so sweeps over this scenario stay where the record allows."]
    if quick:
        lines.append(f"# {QUICK_NOTE}.")
    what = "QUICK calibration" if quick else "calibration"
    lines += [f'base = "{base}"', "", "[meta]", f'name = "{Path(str(base)).stem}-calibrated"',
              f'description = "{Path(str(base)).stem} with the fitted parameters at their posterior means ({what})"', ""]
    sections: dict[str, list[str]] = {}
    bounds = []
    for _, r in table.iterrows():
        section, key = r["parameter"].split(".")
        whole = field(r["parameter"]).whole
        value = int(round(r["mean"])) if whole else float(f"{r['mean']:.4g}")
        lo, hi = (int(round(r["low_95"])), int(round(r["high_95"]))) if whole else (
            float(f"{r['low_95']:.4g}"), float(f"{r['high_95']:.4g}"))
        lo, hi = min(lo, value), max(hi, value)
        sections.setdefault(section, []).append(
            f"{key} = {value!r}".ljust(40) + f"# posterior mean (95 % credible interval [{lo}, {hi}]; prior "
            f"{r['prior']} on [{_num(r['prior_low'])}, {_num(r['prior_high'])}]; {r['identified']})")
        bounds.append(f'"{r["parameter"]}" = [{lo!r}, {hi!r}]')
    for section, entries in sections.items():
        lines += [f"[{section}]", *entries, ""]
    lines += ["[plausible]", *bounds, ""]
    return "\n".join(lines)


def write_report(folder: Path, post: dict, values: pd.DataFrame, header: str, scenario_name: str, source: str) -> dict:
    """Write posterior.csv, particles.csv, predictive.csv, the figures, report.md and calibrated.toml into `folder`;
    return the tables."""
    from lockdown_sim.analysis.figures import save
    from lockdown_sim.experiments.files import atomic_write

    opts = post["options"]
    table = posterior_table(post)
    pred = predictive_table(values)
    atomic_write(folder / "posterior.csv", lambda p: table.to_csv(p, index=False))
    parts = post["particles"].assign(weight=post["weights"] / post["weights"].sum())
    atomic_write(folder / "particles.csv", lambda p: parts.to_csv(p, index=False))
    atomic_write(folder / "predictive.csv", lambda p: pred.to_csv(p, index=False))
    atomic_write(folder / "generations.csv", lambda p: post["generations"].to_csv(p, index=False))
    for name, fig in (("marginals", marginals_figure(post, opts.quick)), ("pairs", pairs_figure(post, table, opts.quick)),
                      ("predictive", predictive_figure(pred, opts.quick)),
                      ("generations", generations_figure(post["generations"], opts.quick))):
        save(fig, folder / f"{name}.png", rect=(0, 0.03, 1, 0.97))
    text = report_markdown(table, pred, post["generations"], opts, header)
    atomic_write(folder / "report.md", lambda p: Path(p).write_text(text))
    toml = calibrated_scenario(table, scenario_name, source, opts.quick)
    atomic_write(folder / "calibrated.toml", lambda p: Path(p).write_text(toml))
    return {"posterior": table, "predictive": pred, "scenario": toml}


HEADLINE = ("delivery_ratio", "need_met_share_worst_week", "elderly_unserved_share", "elderly_left_unserved_share")


def beside_rows(seed_runs: pd.DataFrame, posterior_runs: pd.DataFrame, outcomes=HEADLINE) -> pd.DataFrame:
    """The headline outcomes of two comparisons on the same cities as data (compare_beside.csv): one row per outcome
    and mode, then per outcome and pair of modes (a - b), with the unit, the seed-only estimate and the
    posterior-and-seed one (mean, 95 % interval, seeds). A mode's interval stays inside the outcome's bounds and a
    difference's within the span they allow, as in compare_table.csv (analysis/compare.py)."""
    from lockdown_sim.analysis.compare import difference_rows, mode_estimates

    def paired(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
        cols = [*keys, value, "low", "high", "seeds"]
        both = a[cols].merge(b[cols], on=keys, how="inner", suffixes=("_seeds_only", "_posterior"))
        return both.rename(columns={f"{value}_seeds_only": "seeds_only", f"{value}_posterior": "posterior",
                                    "low_seeds_only": "seeds_only_low", "high_seeds_only": "seeds_only_high",
                                    "low_posterior": "posterior_low", "high_posterior": "posterior_high"})

    ma, mb = (mode_estimates(r) for r in (seed_runs, posterior_runs))
    modes = paired(ma[ma["outcome"].isin(outcomes)], mb, ["outcome", "unit", "ordering"], "mean")
    modes.insert(2, "what", "mode")
    da, db = (difference_rows(r) for r in (seed_runs, posterior_runs))
    diffs = paired(da[da["outcome"].isin(outcomes)], db, ["outcome", "unit", "a", "b"], "difference")
    diffs.insert(2, "what", "paired difference")
    diffs.insert(3, "ordering", diffs.pop("a") + " - " + diffs.pop("b"))
    order = {o: i for i, o in enumerate(outcomes)}
    rows = [t.sort_values("outcome", key=lambda s: s.map(order), kind="stable") for t in (modes, diffs)]
    return pd.concat(rows, ignore_index=True)


def beside_markdown(rows: pd.DataFrame, quick: bool) -> str:
    """beside_rows as Markdown: seed-only intervals beside posterior-and-seed ones, each outcome with its unit."""
    label = "posterior and seeds" + (" (QUICK posterior)" if quick else "")

    def cell(r, side: str, sign: str) -> str:
        return f"{r[side]:{sign}.3f} [{r[side + '_low']:{sign}.3f}, {r[side + '_high']:{sign}.3f}]"

    lines = [f"| outcome | unit | mode | seeds only | {label} |", "|---|---|---|---|---|"]
    lines += [f"| `{r.outcome}` | {r.unit} | {r.ordering.replace('_', ' ')} | {cell(r._asdict(), 'seeds_only', '')} | "
              f"{cell(r._asdict(), 'posterior', '')} |" for r in rows[rows["what"] == "mode"].itertuples()]
    lines += ["", f"| paired difference | unit | seeds only | {label} |", "|---|---|---|---|"]
    lines += [f"| `{r.outcome}`, {r.ordering.replace('_', ' ')} | {r.unit} | {cell(r._asdict(), 'seeds_only', '+')} | "
              f"{cell(r._asdict(), 'posterior', '+')} |" for r in rows[rows["what"] == "paired difference"].itertuples()]
    return "\n".join(lines)
