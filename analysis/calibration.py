"""The calibration table: patterns from the record (docs/sources.md), what the model gives for each with its 95 %
interval over seeds, and whether it falls in the record's range.

Each pattern has a role, and the roles are kept apart (docs/calibration.md says which is which):
- input: the figure is fed to the model (a curve point); the row checks the model reproduces it once, e.g. that
  closed sites are not counted again on top of the riders at work;
- calibrated: a parameter was set from the figure (the scenario file says which); matching it is expected;
- check: nothing was set from the figure; it tests the model.
Values are in the real city's units: counts from a scaled run are divided by the run's scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from lockdown_sim.analysis.results import daily_tables
from lockdown_sim.analysis.stats import bounded_mean_ci

INPUT, CALIBRATED, CHECK = "input", "calibrated", "check"


@dataclass(frozen=True)
class Run:
    """What a pattern needs to know of the run besides its daily table."""

    households: int
    scale: float  # households / the real city's households


@dataclass(frozen=True)
class Pattern:
    name: str
    source: str  # where in docs/sources.md, and the original source
    role: str
    low: float  # the record's range (a figure given as "about x" is x +/- 10 %)
    high: float
    unit: str
    value: Callable[[pd.DataFrame, "Run"], float]  # (daily table, run) -> value in the real city's units
    note: str = ""


def _on(table: pd.DataFrame, day: int, column: str) -> float:
    row = table[table["day"] == day]
    return float(row[column].iloc[0]) if len(row) else np.nan


def _scaled(day: int, column: str):
    return lambda t, run: _on(t, day, column) / run.scale


def _orders(first: int, last: int):
    """Platform orders a day over days first..last: single orders plus household orders booked into compound
    group orders (each is one of the platform's orders in the record), in the real city's units."""
    def value(t: pd.DataFrame, run: Run) -> float:
        days = t[(t["day"] >= first) & (t["day"] <= last)]
        group = days["platform_group_booked"] if "platform_group_booked" in days else 0
        return float((days["platform_orders"] + group).mean()) / run.scale
    return value


def _stops_per_rider(t: pd.DataFrame, run: Run) -> float:
    days = t[(t["day"] >= 19) & (t["day"] <= 21)]
    return float(days["courier_stops"].sum() / max(days["riders_working"].sum(), 1))


def _sellout(t: pd.DataFrame, run: Run) -> float:
    lock = t[(t["day"] >= 9) & (t["day"] < 32)]
    return float(lock["slot_sellout_minutes"].median())


def _first_ten_minutes(t: pd.DataFrame, run: Run) -> float:
    busy = t[(t["day"] >= 9) & (t["day"] < 32) & (t["platform_orders"] > 0)]
    return float(busy["platform_orders_first_ten_minutes"].sum() / max(busy["platform_orders"].sum(), 1))


def _delivery_lag(t: pd.DataFrame, run: Run) -> float:
    lock = t[(t["day"] < 65) & (t["group_deliveries"] > 0)]
    return float((lock["group_delivery_lag_days"] * lock["group_deliveries"]).sum() / max(lock["group_deliveries"].sum(), 1))


def _mean_scaled(first: int, last: int, column: str):
    """A daily count's mean over days first..last, in the real city's units."""
    def value(t: pd.DataFrame, run: Run) -> float:
        if column not in t:
            return np.nan
        days = t[(t["day"] >= first) & (t["day"] <= last)]
        return float(days[column].mean()) / run.scale
    return value


def _compounds_per_store(day: int):
    """Compounds a chain store's packages had reached by `day`, per store open that day (a scale-free ratio)."""
    def value(t: pd.DataFrame, run: Run) -> float:
        if "package_compounds" not in t:
            return np.nan
        stores = _on(t, day, "chain_stores_open")
        return _on(t, day, "package_compounds") / stores if stores > 0 else np.nan
    return value


def _sets_per_group_order(t: pd.DataFrame, run: Run) -> float:
    lock = t[t["day"] < 65]
    if "group_sets_delivered" not in lock or lock["group_deliveries"].sum() == 0:
        return np.nan
    return float(lock["group_sets_delivered"].sum() / lock["group_deliveries"].sum())


def _relief_per_household(day: int):
    """Relief portions per household so far (relief_portions is cumulative), in portions per household."""
    def value(t: pd.DataFrame, run: Run) -> float:
        if "relief_portions" not in t:
            return np.nan
        return _on(t, day, "relief_portions") / run.households
    return value


PATTERNS: tuple[Pattern, ...] = (
    Pattern("riders at work, 6 Apr (day 9)", "couriers-and-platforms: Commerce Commission briefing", INPUT,
            10_900, 11_100, "riders", _scaled(9, "riders_working")),
    Pattern("riders at work, 16 Apr (day 19)", "couriers-and-platforms: Commerce Commission briefing", INPUT,
            17_800, 18_200, "riders", _scaled(19, "riders_working")),
    Pattern("riders at work, 18 Apr (day 21)", "couriers-and-platforms: Commerce Commission, 'nearly 20,000'", INPUT,
            19_000, 20_200, "riders", _scaled(21, "riders_working")),
    Pattern("residents in sealed compounds, 12 Apr (day 15)", "residents-by-tier: press briefings, 15.0 of 21.6 M",
            INPUT, 0.644, 0.744, "share", lambda t, run: _on(t, 15, "sealed_share")),
    Pattern("residents in sealed compounds, 2 May (day 35)", "residents-by-tier: press briefings, 2.5 of 23.4 M",
            INPUT, 0.057, 0.157, "share", lambda t, run: _on(t, 35, "sealed_share")),
    Pattern("platform orders a day, 16-18 Apr (days 19-21, mean)", "couriers-and-platforms: Commerce Commission, "
            "about 1.8 M on 16 Apr and 2.2 M on 18 Apr (single and compound group orders)", CALIBRATED, 1.8e6, 2.2e6, "orders",
            _orders(19, 21), "rider stops a day (couriers.rider_handoff_minutes) set to ~100 from "
            "orders / riders; compound group orders from platform.group_capacity_share (re-fitted in issue 20)"),
    Pattern("platform orders a day, 27 Apr - 1 May (days 30-34, mean)", "couriers-and-platforms: 3.41 M on 29 Apr, "
            "54 % of normal", CALIBRATED, 3.07e6, 3.75e6, "orders", _orders(30, 34),
            "riders at work on 29 Apr derived from it (couriers.riders_working): with the money-derived basket the "
            "riders, not demand, set it (stock.reorder_days no longer calibrated to it)"),
    Pattern("supermarket chains' stores open, 16 Apr (day 19)", "supermarket-packages: Commerce Commission, 1,011 "
            "stores open", INPUT, 910, 1_112, "stores", _scaled(19, "chain_stores_open"),
            "a few stores in a scaled city: their count follows the record on average over seeds (+/- 10 %)"),
    Pattern("supermarket chains' stores open, 29 Apr (day 32)", "supermarket-packages: Commerce Commission, 1,164 "
            "stores open (72.4 %)", INPUT, 1_048, 1_280, "stores", _scaled(32, "chain_stores_open"),
            "as above"),
    Pattern("standard packages (保供套餐) a day, 27 Apr - 1 May (days 30-34, mean)", "supermarket-packages: "
            "Commerce Commission, 30 Apr: the 12 main chains sold more than 660,000 a day, mostly to compounds "
            "through group orders (a lower bound for the channel)", CALIBRATED, 660_000, np.inf, "orders",
            _mean_scaled(30, 34, "packages_delivered"), "stores open are inputs; a store's packages a day "
            "(packages.per_store_day) are bounded below by this figure / 1,164 stores; what is sold follows from "
            "leaders, sign-ups and minimum orders"),
    Pattern("minutes to sell out after a slot opening, days 9-31", "couriers-and-platforms: 'sold out within minutes'",
            CALIBRATED, 1.0, 10.0, "minutes", _sellout, "platform.reaction_minutes_young set for it"),
    Pattern("stops per rider a day, 16-18 Apr (days 19-21)", "couriers-and-platforms: 1.8 M orders by 18,000 "
            "riders, 2.2 M by 20,000; riders 'at least 100 a day'", CALIBRATED, 100, 110, "stops", _stops_per_rider,
            "couriers.rider_handoff_minutes set for it"),
    Pattern("share of the day's platform orders taken in the first ten minutes, days 9-31",
            "delivery-capacity-over-time: one Meituan station, 1,400 of about 3,000 (People's Daily, 14 Apr)",
            CHECK, 0.3, 0.6, "share", _first_ten_minutes, "one station's figure: a wide range"),
    Pattern("days from a filled group order to the gate", "group-buying: 'usually one to a few days', fastest "
            "the same afternoon", CHECK, 1.0, 4.0, "days", _delivery_lag),
    Pattern("compounds reached by a chain store's packages by 25 Apr (day 28), per store open",
            "supermarket-packages: RT-Mart's 24 stores open online served more than 500 compounds (Global Times, "
            "25 Apr)", CHECK, 21, np.inf, "compounds", _compounds_per_store(28),
            "one chain's figure, a lower bound; the model's compounds are managed units (about 126 households), "
            "smaller than many residential compounds"),
    Pattern("sets in a delivered group order, over the lockdown", "supermarket-packages: group orders typically "
            "formed at 50-100 units (Yicai, May 2022)", CHECK, 50, 100, "sets", _sets_per_group_order,
            "minimum orders (50-200 sets for farms, wholesalers and supermarkets, 20-40 for restaurants) are "
            "inputs: the row checks the size orders reach"),
    Pattern("relief portions per household by 8 May (day 41)", "relief-and-older-residents: 35,338 t sent by "
            "provinces by 27 Apr and 18,915 t of donations by 8 May, about 5 kg per household; in money "
            "(one-unit-for-both-channels) about 395 M yuan, 1.6 person-days per household", CHECK, 0.8, 3.2,
            "portions", _relief_per_household(41), "the tonnage priced at January 2022 prices (noodles, meat and "
            "the donations' mix assumed), within a factor of two"),
    Pattern("older residents nobody orders for, listed by volunteers by 9 Apr (day 12)",
            "relief-and-older-residents: 'old partner' volunteers served about 350,000 older people living alone "
            "28 Mar - 9 Apr", CHECK, 0.5, 1.0, "share", lambda t, run: _on(t, 12, "canvassed_share"),
            "'most' read as more than half"),
)


def pattern_values(table: pd.DataFrame, households: int, scale: float) -> dict[str, float]:
    """Every pattern's value in one run (a daily table of the hybrid mode, which is what happened)."""
    run = Run(households, scale)
    return {p.name: p.value(table, run) for p in PATTERNS}


def store_values(out) -> pd.DataFrame:
    """One row per finished run of a results directory (the calibration experiment: experiments/calibration.py):
    its seed and every pattern's value."""
    rows = [{"seed": meta["run"]["seed"], **pattern_values(table, meta["households"], meta["scale"])}
            for meta, table in daily_tables(out)]
    return pd.DataFrame(rows)


def verdict(low: float, high: float, target_low: float, target_high: float) -> str:
    """'in range' if the interval lies inside the record's range, 'out of range' if it lies wholly outside,
    'overlaps' otherwise."""
    if not np.isfinite(low):
        return "-"
    if target_low <= low and high <= target_high:
        return "in range"
    if high < target_low or low > target_high:
        return "out of range"
    return "overlaps"


def _fmt(x: float, unit: str) -> str:
    if not np.isfinite(x):
        return "-"
    if unit in ("orders", "riders", "stores"):
        return f"{x / 1e6:.2f} M" if abs(x) >= 1e6 else f"{x:,.0f}"
    if unit == "share":
        return f"{x:.2f}"
    return f"{x:.1f}"


def calibration_table(values: pd.DataFrame) -> pd.DataFrame:
    """One row per pattern: role, record's range, model mean and 95 % interval over the runs, verdict.

    `values` has one row per run and one column per pattern (pattern_values)."""
    rows = []
    for p in PATTERNS:
        # every pattern is a share (0-1) or a count, time or amount (0 up): intervals stay inside (analysis/stats.py)
        bounds = (0.0, 1.0) if p.unit == "share" else (0.0, None)
        est = bounded_mean_ci(values[p.name] if p.name in values else [], bounds)
        rows.append({
            "pattern": p.name, "role": p.role, "record": (f"{_fmt(p.low, p.unit)} - {_fmt(p.high, p.unit)}"
                                                      if np.isfinite(p.high) else f"at least {_fmt(p.low, p.unit)}"),
            "model": _fmt(est.mean, p.unit), "interval": f"[{_fmt(est.low, p.unit)}, {_fmt(est.high, p.unit)}]",
            "verdict": verdict(est.low, est.high, p.low, p.high), "runs": est.n, "source": f"docs/sources.md#{p.source}",
            "note": p.note, "mean": est.mean, "low": est.low, "high": est.high, "record_low": p.low,
            "record_high": p.high, "unit": p.unit,
        })
    return pd.DataFrame(rows)


def calibration_markdown(table: pd.DataFrame, header: str) -> str:
    """docs/calibration.md: the table, grouped by role, with what each role means."""
    lines = ["# Calibration: the model against the record", "", header, "",
             "Roles: **input** (fed to the model; the row checks it comes out once, as given), **calibrated** "
             "(a parameter was set from this figure; the note says which), **check** (nothing was set from it). "
             "'in range': the model's 95 % interval over seeds lies inside the record's range; 'overlaps': partly; "
             "'out of range': wholly outside. A figure the record gives as 'about x' has the range x +/- 10 %.", ""]
    for role in (INPUT, CALIBRATED, CHECK):
        sub = table[table["role"] == role]
        if sub.empty:
            continue
        lines += [f"## {role.capitalize()}", "", "| pattern | record | model [95 % interval] | verdict | source | note |",
                  "|---|---|---|---|---|---|"]
        for _, r in sub.iterrows():
            lines.append(f"| {r['pattern']} | {r['record']} | {r['model']} {r['interval']} | {r['verdict']} | "
                         f"{r['source']} | {r['note']} |")
        lines.append("")
    return "\n".join(lines)


def format_calibration(table: pd.DataFrame) -> str:
    """The table as the command prints it."""
    cols = ["role", "pattern", "record", "model", "interval", "verdict"]
    widths = {c: max(len(c), *(len(str(v)) for v in table[c])) for c in cols}
    head = "  ".join(c.ljust(widths[c]) for c in cols)
    lines = [head, "-" * len(head)]
    for _, r in table.iterrows():
        lines.append("  ".join(str(r[c]).ljust(widths[c]) for c in cols))
    return "\n".join(lines)
