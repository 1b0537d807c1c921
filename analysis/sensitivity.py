"""Sensitivity indices from a sensitivity batch: the responses of every point (averaged over its seeds), Morris
mu* and Sobol first- and total-order indices with 95 % intervals (SALib), seed noise beside them, a ranking and bar
charts.

Responses (RESPONSES) are end-of-run outcomes of analysis/summary.py in one mode, or a paired difference between
two modes on the same seed (the same city: sim/streams.py). Seed noise is reported two ways: the index of the
dummy factor SEED_NOISE (experiments/sensitivity.py), and the spread between a point's replicate seeds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lockdown_sim.experiments.sensitivity import SEED_NOISE
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.outcomes import OUTCOMES

LEVEL = 0.95
RESAMPLES = 1000


@dataclass(frozen=True)
class Response:
    """A quantity whose sensitivity is measured: an outcome in one mode, or its difference between two modes."""

    name: str
    label: str
    mode: str
    outcome: str
    minus: str | None = None   # the mode subtracted, on the same seed

    def of(self, runs: pd.DataFrame) -> pd.Series:
        """The response per (point, replicate) from one row per run (analysis.results.load_outcomes)."""
        table = runs.pivot_table(index=["point", "replicate"], columns="ordering", values=self.outcome,
                                 aggfunc="first")
        value = table[self.mode]
        return value - table[self.minus] if self.minus else value


RESPONSES = (
    # named by the outcome's one name (sim/outcomes.py) and the mode; labels say the same in words
    Response("hybrid_delivery_ratio", "delivery_ratio, hybrid", "hybrid", "delivery_ratio"),
    Response("hybrid_elderly_unserved_share", "elderly_unserved_share (older residents short of food, mean day), "
             "hybrid", "hybrid", "elderly_unserved_share"),
    Response("hybrid_elderly_left_unserved_share", "elderly_left_unserved_share (older residents 3+ days without "
             "food), hybrid", "hybrid", "elderly_left_unserved_share"),
    Response("group_minus_platform_delivery_ratio", "delivery_ratio, group buying alone minus platform alone "
             "(paired)", "group_buying", "delivery_ratio", minus="platform"),
)
BY_NAME = {r.name: r for r in RESPONSES}


def responses(runs: pd.DataFrame, points: int) -> pd.DataFrame:
    """One row per (point, replicate), one column per response; every point and mode must be there."""
    if runs.empty:
        raise ScenarioError("sensitivity: no finished runs to analyse")
    table = pd.concat({r.name: r.of(runs) for r in RESPONSES}, axis=1)
    found = set(table.index.get_level_values("point"))
    missing = [p for p in range(points) if p not in found]
    if missing or table.isna().any().any():
        raise ScenarioError(f"sensitivity: {len(missing) or 'some'} of {points} points lack a run in some mode; "
                            "allowed: a complete batch (run the same command again to finish it)")
    return table


def point_means(table: pd.DataFrame) -> pd.DataFrame:
    """The responses averaged over each point's seeds, in point order."""
    return table.groupby(level="point").mean().sort_index()


def seed_spread(table: pd.DataFrame) -> pd.DataFrame:
    """Per response: seeds per point, the sd between a point's seeds (pooled over points), the sd of a point's
    mean that follows from it, the sd of the point means across the design, and the share of the run-to-run
    variance that is between seeds of the same point (nan with one seed per point)."""
    rows = []
    seeds = table.groupby(level="point").size()
    for name in table.columns:
        within = table[name].groupby(level="point").var(ddof=1)
        pooled = float(within.mean()) if seeds.min() > 1 else math.nan
        total = float(table[name].var(ddof=1))
        means = table[name].groupby(level="point").mean()
        rows.append({"response": name, "seeds_per_point": int(seeds.min()), "seed_sd": math.sqrt(pooled),
                     "seed_sd_of_point_mean": math.sqrt(pooled / seeds.min()), "point_mean_sd": float(means.std()),
                     "seed_share_of_variance": pooled / total if total > 0 else math.nan})
    return pd.DataFrame(rows)


def morris_indices(problem: dict, unit: np.ndarray, means: pd.DataFrame, levels: int, seed: int = 1) -> pd.DataFrame:
    """Morris mu, mu* (with its 95 % bootstrap interval over trajectories) and sigma, per response and factor.

    `noise_ratio` is mu* / mu* of SEED_NOISE; `separated` says the factor's interval lies above SEED_NOISE's mu*.
    Elementary effects are in response units per whole plausible range (the sample is on the unit cube).
    """
    from SALib.analyze import morris

    rows = []
    for name in means.columns:
        res = morris.analyze(problem, unit, means[name].to_numpy(), num_resamples=RESAMPLES, conf_level=LEVEL,
                             num_levels=levels, seed=seed)
        frame = pd.DataFrame({"parameter": problem["names"], "mu": res["mu"], "mu_star": res["mu_star"],
                              "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
        noise = float(frame.loc[frame["parameter"] == SEED_NOISE, "mu_star"].iloc[0])
        frame["noise_ratio"] = frame["mu_star"] / noise if noise > 0 else math.inf
        frame["separated"] = (frame["mu_star"] - frame["mu_star_conf"]) > noise
        frame.loc[frame["parameter"] == SEED_NOISE, "separated"] = False
        frame.insert(0, "response", name)
        rows.append(frame.sort_values("mu_star", ascending=False))
    return pd.concat(rows, ignore_index=True)


def sobol_indices(problem: dict, means: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Sobol first-order (S1) and total-order (ST) indices with 95 % bootstrap intervals, per response and factor.

    `separated` says the ST interval lies above the ST of SEED_NOISE (the share of variance seed noise alone
    explains)."""
    from SALib.analyze import sobol

    rows = []
    for name in means.columns:
        y = means[name].to_numpy()
        if not np.var(y) > 0:
            raise ScenarioError(f"sensitivity: response {name} does not vary over the sample; nothing to attribute")
        res = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=LEVEL, seed=seed)
        frame = pd.DataFrame({"parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                              "ST": res["ST"], "ST_conf": res["ST_conf"]})
        noise = float(frame.loc[frame["parameter"] == SEED_NOISE, "ST"].iloc[0])
        frame["separated"] = ((frame["ST"] - frame["ST_conf"]) > max(noise, 0.0)) & (frame["parameter"] != SEED_NOISE)
        frame.insert(0, "response", name)
        rows.append(frame.sort_values("ST", ascending=False))
    return pd.concat(rows, ignore_index=True)


def influential(morris: pd.DataFrame, top: int) -> list[str]:
    """The `top` factors of a Morris result: ranked by their largest mu* relative to the response's largest,
    over all responses (ties by name); factors never separated from seed noise come last."""
    frame = morris[morris["parameter"] != SEED_NOISE].copy()
    frame["relative"] = frame["mu_star"] / frame.groupby("response")["mu_star"].transform("max")
    score = frame.groupby("parameter").agg(relative=("relative", "max"), separated=("separated", "any"))
    score = score.rename_axis("factor").reset_index()
    score = score.sort_values(["separated", "relative", "factor"], ascending=[False, False, True])
    return list(score["factor"][:top])


# --- text ------------------------------------------------------------------------------------------
def ranking_text(indices: pd.DataFrame, method: str, spread: pd.DataFrame, show: int = 10) -> str:
    """The ranking per response, with the seed-noise line; factors not separated from noise are marked."""
    lines = []
    for name, frame in indices.groupby("response", sort=False):
        label = next(r.label for r in RESPONSES if r.name == name)
        s = spread.set_index("response").loc[name]
        lines.append(f"{label}  [{name}]")
        if method == "morris":
            noise = frame[frame["parameter"] == SEED_NOISE].iloc[0]
            lines.append(f"  seed noise: mu* of {SEED_NOISE} {noise['mu_star']:.4f}; sd between seeds of a point "
                         f"{_fmt(s['seed_sd'])}, of a point's mean over {int(s['seeds_per_point'])} seeds "
                         f"{_fmt(s['seed_sd_of_point_mean'])}; sd of point means across the design "
                         f"{s['point_mean_sd']:.4f}")
            lines.append(f"  {'rank':>4}  {'factor':42s} {'mu*':>8} {'95% int.':>18} {'sigma':>8} {'mu':>8}  noise x")
            body = frame[frame["parameter"] != SEED_NOISE].reset_index(drop=True)
            for i, row in body.head(show).iterrows():
                low, high = row["mu_star"] - row["mu_star_conf"], row["mu_star"] + row["mu_star_conf"]
                mark = "" if row["separated"] else "   (not separated from seed noise)"
                lines.append(f"  {i + 1:>4}  {row['parameter']:42s} {row['mu_star']:8.4f} [{low:7.4f}, {high:7.4f}] "
                             f"{row['sigma']:8.4f} {row['mu']:+8.4f}  {row['noise_ratio']:5.1f}{mark}")
            rest = len(body) - show
            if rest > 0:
                separated = int(body["separated"].iloc[show:].sum())
                lines.append(f"        ... {rest} more factors, {separated} of them separated from seed noise")
        else:
            noise = frame[frame["parameter"] == SEED_NOISE].iloc[0]
            lines.append(f"  seed noise: ST of {SEED_NOISE} {noise['ST']:.3f} ± {noise['ST_conf']:.3f} (share of the "
                         "variance of point means that seed noise alone explains)")
            lines.append(f"  {'rank':>4}  {'factor':42s} {'S1':>7} {'± 95%':>7} {'ST':>7} {'± 95%':>7}")
            body = frame[frame["parameter"] != SEED_NOISE].reset_index(drop=True)
            for i, row in body.iterrows():
                mark = "" if row["separated"] else "   (not separated from seed noise)"
                lines.append(f"  {i + 1:>4}  {row['parameter']:42s} {row['S1']:7.3f} {row['S1_conf']:7.3f} "
                             f"{row['ST']:7.3f} {row['ST_conf']:7.3f}{mark}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _fmt(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.4f}"


# --- figures ---------------------------------------------------------------------------------------
def plot_morris(indices: pd.DataFrame, response: str, path, show: int = 20) -> None:
    """Horizontal bars of mu* with 95 % intervals for one response, largest first; SEED_NOISE in grey with a
    dashed line at its mu*: bars whose interval stays left of the line are not separated from seed noise."""
    from lockdown_sim.analysis.figures import plt, save

    frame = indices[indices["response"] == response].sort_values("mu_star", ascending=False)
    noise = float(frame.loc[frame["parameter"] == SEED_NOISE, "mu_star"].iloc[0])
    shown = frame.head(show)
    if SEED_NOISE not in set(shown["parameter"]):
        shown = pd.concat([shown, frame[frame["parameter"] == SEED_NOISE]])
    shown = shown.iloc[::-1]
    colours = ["#9e9e9e" if p == SEED_NOISE else ("#1f77b4" if s else "#aec7e8")
               for p, s in zip(shown["parameter"], shown["separated"])]
    fig, ax = plt.subplots(figsize=(8.5, 0.28 * len(shown) + 1.6))
    low = np.minimum(shown["mu_star_conf"], shown["mu_star"])  # mu* >= 0: the interval is drawn from 0 at least
    ax.barh(range(len(shown)), shown["mu_star"], xerr=[low, shown["mu_star_conf"]], color=colours,
            error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8})
    ax.axvline(noise, color="#555555", ls="--", lw=1, label=f"seed noise (mu* of the dummy factor) = {noise:.3g}")
    ax.set_yticks(range(len(shown)), [p.replace(SEED_NOISE, "seed noise (dummy)") for p in shown["parameter"]],
                  fontsize=8)
    label = BY_NAME[response].label
    ax.set_xlabel(f"Morris mu*: mean absolute change in the {response_unit(response)}\n"
                  "when one factor moves across its whole plausible range")
    ax.set_title(f"What moves the {label}\n(bars: 95 % bootstrap interval; pale: not separated from seed noise)",
                 fontsize=10)
    ax.set_xlim(left=0)
    ax.legend(loc="lower right", fontsize=8)
    save(fig, path)


def plot_sobol(indices: pd.DataFrame, response: str, path) -> None:
    """Paired horizontal bars of S1 and ST with 95 % intervals for one response, factors by ST; the seed-noise
    dummy in grey, with a dashed line at its ST."""
    from lockdown_sim.analysis.figures import plt, save

    frame = indices[indices["response"] == response].sort_values("ST", ascending=True)
    y = np.arange(len(frame))
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(frame) + 1.6))
    err = {"ecolor": "#333333", "capsize": 2, "lw": 0.8}
    dummy = (frame["parameter"] == SEED_NOISE).to_numpy()
    ax.barh(y + 0.2, frame["ST"], height=0.4, xerr=frame["ST_conf"], color=np.where(dummy, "#9e9e9e", "#1f77b4"),
            label="total order ST", error_kw=err)
    ax.barh(y - 0.2, frame["S1"], height=0.4, xerr=frame["S1_conf"], color=np.where(dummy, "#d0d0d0", "#ff7f0e"),
            label="first order S1", error_kw=err)
    noise = float(frame.loc[dummy, "ST"].iloc[0])
    ax.axvline(noise, color="#555555", ls="--", lw=1, label=f"seed noise (ST of the dummy factor) = {noise:.2f}")
    ax.set_yticks(y, [p.replace(SEED_NOISE, "seed noise (dummy)") for p in frame["parameter"]], fontsize=8)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("share of the variance of the point means (Sobol index)")
    ax.set_title(f"Sobol indices: {BY_NAME[response].label}\n(bars: 95 % bootstrap interval)", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    save(fig, path)


def response_unit(response: str) -> str:
    """A response's unit: its outcome's (sim/outcomes.py), or the difference of two modes in it."""
    r = BY_NAME[response]
    unit = OUTCOMES[r.outcome].unit
    return f"difference in {unit}" if r.minus else unit


# --- one call: a finished batch into tables, figures and the ranking --------------------------------
@dataclass
class Analysis:
    """What analyse() wrote: the indices, the seed spread, the ranking text and the figure files."""

    method: str
    indices: pd.DataFrame
    spread: pd.DataFrame
    text: str
    figures: dict          # response -> Path
    points: int
    runs: int


def analyse(method: str, problem: dict, unit: np.ndarray, design_table: pd.DataFrame, runs: pd.DataFrame,
            folder, levels: int = 4) -> Analysis:
    """Indices, seed spread, ranking and bar charts of a finished batch, written into `folder`:
    indices.csv, points.csv and points.parquet (one row per point: values and responses), ranking.txt and
    <mu_star|sobol>_<response>.png."""
    from pathlib import Path

    from lockdown_sim.experiments.files import atomic_write

    folder = Path(folder)
    table = responses(runs, len(design_table))
    means = point_means(table)
    spread = seed_spread(table)
    if method == "morris":
        indices = morris_indices(problem, unit, means, levels)
    else:
        indices = sobol_indices(problem, means)
    text = ranking_text(indices, method, spread)
    sd = table.groupby(level="point").std(ddof=1).add_suffix(":seed_sd")
    points = pd.concat([design_table.set_index("point"), means, sd], axis=1).reset_index()
    atomic_write(folder / "indices.csv", lambda p: indices.to_csv(p, index=False))
    atomic_write(folder / "seed_noise.csv", lambda p: spread.to_csv(p, index=False))
    atomic_write(folder / "points.csv", lambda p: points.to_csv(p, index=False))
    atomic_write(folder / "points.parquet", lambda p: points.to_parquet(p, index=False))
    atomic_write(folder / "ranking.txt", lambda p: Path(p).write_text(text + "\n"))
    figures = {}
    for response in means.columns:
        path = folder / f"{'mu_star' if method == 'morris' else 'sobol'}_{response}.png"
        (plot_morris if method == "morris" else plot_sobol)(indices, response, path)
        figures[response] = path
    return Analysis(method, indices, spread, text, figures, len(design_table), len(runs))
