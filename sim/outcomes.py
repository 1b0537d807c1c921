"""The end-of-run outcomes: the one registry of what a run measures, beside the daily metrics it reduces
(sim/metrics.py). Each outcome has one name, used everywhere (the column of compare.csv and of a batch's outcome
table, the key in run.json, the row of every printed table, the claims' measures), its unit, its definition and
its reduction from the daily table.

    from lockdown_sim.sim.outcomes import OUTCOMES, measure
    outcomes = measure(daily_table, households=20_000, reopen_day=65)   # {name: value}
    OUTCOMES["elderly_unserved_share"].unit                            # "share of households with an older member"

An outcome named like a daily metric is that metric reduced over the lockdown (a mean, a sum of its parts, or its
value on the last lockdown day) and is in its unit; one that is a rate says so in its name (`_per_1000`,
`_per_leader`). Outcomes are over the lockdown: the days before `timeline.reopen_day` (all days of a run that ends
earlier). An outcome taken at reopening needs the last lockdown day in the run, one taken after reopening needs
days after it; otherwise it is not a number (nan: `-` in tables, null in JSON, empty in CSV). docs/metrics.md is
generated from this file and sim/metrics.py (`python -m lockdown_sim.sim.outcomes > docs/metrics.md`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Callable

from lockdown_sim.sim.metrics import definitions_markdown

if TYPE_CHECKING:  # tables are only read here: `lockdown-sim metrics` lists the registry without loading pandas
    import pandas as pd

LOCKDOWN, AT_REOPENING, AFTER_REOPENING = "lockdown", "at reopening", "after reopening"  # when an outcome is taken

SHARE = (0.0, 1.0)  # the bounds of a share: intervals of a share are kept inside them


@dataclass(frozen=True)
class Period:
    """A run's daily table split at reopening: what every reduction reads."""

    table: pd.DataFrame      # every day of the run
    lock: pd.DataFrame       # the lockdown days in the run (all days if the run has none before reopening)
    households: int
    reopen_day: int
    _sums: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # column -> lockdown sum, once

    @property
    def days(self) -> int:
        return len(self.lock)

    @cached_property
    def last(self) -> pd.Series:
        """The last lockdown day in the run (taken once: a row of the table costs as much as a column's sum)."""
        return self.lock.iloc[-1]

    @property
    def per_1000(self) -> float:
        return 1000.0 / self.households

    def total(self, *columns: str) -> float:
        """The lockdown's sum of the given daily columns (those the table has; each column summed once a run, as
        the channels' totals divide many outcomes)."""
        return float(sum(self._sum(c) for c in columns if c in self.lock))

    def _sum(self, column: str):
        """A daily column's lockdown sum, taken once a run (many outcomes divide by the same channel totals)."""
        if column not in self._sums:
            self._sums[column] = self.lock[column].sum()
        return self._sums[column]

    def has(self, column: str) -> bool:
        return column in self.lock


@dataclass(frozen=True)
class Outcome:
    """One end-of-run outcome: its one name, unit, definition and reduction from the daily table."""

    name: str
    unit: str
    definition: str
    reduce: Callable[[Period], float]
    digits: str = "{:.3f}"
    taken: str = LOCKDOWN           # LOCKDOWN, AT_REOPENING or AFTER_REOPENING
    bounds: tuple | None = SHARE    # (low, high) the outcome cannot leave, or None

    def format(self, value) -> str:
        """The value as tables print it; `-` for none."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "-"
        return self.digits.format(value)


def _div(a: float, b: float) -> float:
    return a / b if b else math.nan


CHANNELS = ("portions_platform", "portions_platform_group", "portions_group", "portions_relief", "portions_retail")


def _supplied(p: Period) -> float:
    """Portions that reached gates and shops, all channels."""
    return p.total(*CHANNELS)


def _share_of_food(column: str) -> Callable[[Period], float]:
    return lambda p: _div(p.total(column), _supplied(p)) if p.has(column) else math.nan


def _weighted(column: str, weight: str) -> Callable[[Period], float]:
    """A daily ratio over the lockdown, each day weighted by its denominator."""
    return lambda p: (_div((p.lock[column].fillna(0) * p.lock[weight]).sum(), p.lock[weight].sum())
                      if p.has(column) else math.nan)


def _at_reopening(column: str, scale: Callable[[Period], float] = lambda p: 1.0) -> Callable[[Period], float]:
    """The column on the last lockdown day, if the run reaches it."""
    return lambda p: float(p.last[column]) * scale(p) if _reaches_reopening(p) and p.has(column) else math.nan


def _reaches_reopening(p: Period) -> bool:
    return p.table["day"].iloc[-1] >= p.reopen_day - 1


def _ties_kept(p: Period) -> float:
    if p.table["day"].iloc[-1] < p.reopen_day:
        return math.nan
    return _div(float(p.table["lockdown_ties"].iloc[-1]), float(p.last["lockdown_ties"]))


def _mean(column: str) -> Callable[[Period], float]:
    return lambda p: float(p.lock[column].mean()) if p.has(column) else math.nan


def _gap(column: str, reference: str) -> Callable[[Period], float]:
    """The lockdown's mean of a daily share minus another (days where either is defined)."""
    return lambda p: float((p.lock[column] - p.lock[reference]).mean()) if p.has(column) else math.nan


def _worst_week(p: Period) -> float:
    return float(p.lock["need_met_share"].rolling(7, min_periods=min(7, p.days)).mean().min())


HOUSEHOLDS = "share of households"
OLDER = "share of households with an older member"
FOOD = "share of the portions reaching gates and shops"
PER_1000_DAY = "per 1,000 households per day"

_ALL = (
    # --- fill and need ---------------------------------------------------------------------------------
    Outcome("delivery_ratio", "portions reaching homes / portions needed",
            "portions that reached homes / portions needed, over the lockdown: a delivery measure (the brief's "
            "'fill rate'), above 1 when households restock after shortages; need met is need_met_share",
            lambda p: _div(p.total("portions_delivered"), p.total("portions_needed")), bounds=(0.0, None)),
    Outcome("need_met_share", "share of need eaten", "mean daily need_met_share over the lockdown",
            lambda p: float(p.lock["need_met_share"].mean())),
    Outcome("need_met_share_worst_week", "share of need eaten",
            "lowest 7-day mean of the daily need_met_share during the lockdown", _worst_week),
    Outcome("elderly_unserved_share", OLDER, "mean daily elderly_unserved_share over the lockdown",
            lambda p: float(p.lock["elderly_unserved_share"].mean())),
    Outcome("elderly_left_unserved_share", OLDER, "elderly_left_unserved_share on the last lockdown day (3 or more "
            "days in a row with an empty stock at some point)", lambda p: float(p.last["elderly_left_unserved_share"])),
    Outcome("ever_ran_out_share", HOUSEHOLDS, "ever_ran_out_share on the last lockdown day",
            lambda p: float(p.last["ever_ran_out_share"])),
    # --- delivery capacity -----------------------------------------------------------------------------
    Outcome("courier_stops_per_1000", f"stops {PER_1000_DAY}", "daily courier_stops (platform hand-overs at gates, "
            "single orders and group loads) summed over the lockdown, per 1,000 households and per lockdown day",
            lambda p: p.total("courier_stops") * p.per_1000 / p.days, "{:.1f}", bounds=(0.0, None)),
    Outcome("courier_utilization", "share of riders' time at work", "riders' time used / time at work, in single "
            "stops, over the lockdown (daily courier_utilization weighted by courier_stop_capacity)",
            _weighted("courier_utilization", "courier_stop_capacity")),
    Outcome("truck_trips_per_1000", f"trips {PER_1000_DAY}", "daily truck_trips summed over the lockdown, per 1,000 "
            "households and per lockdown day", lambda p: p.total("truck_trips") * p.per_1000 / p.days, "{:.2f}",
            bounds=(0.0, None)),
    Outcome("portions_per_stop", "portions per hand-over", "portions the platform and trucks left at gates / "
            "(rider stops + truck hand-overs), over the lockdown",
            lambda p: _div(p.total("portions_platform", "portions_platform_group", "portions_group"),
                           p.total("courier_stops", "truck_stops")), "{:.1f}", bounds=(0.0, None)),
    Outcome("portions_per_truck_stop", "portions per hand-over", "portions trucks left at gates / truck hand-overs, "
            "over the lockdown", lambda p: _div(p.total("portions_group"), p.total("truck_stops")), "{:.0f}",
            bounds=(0.0, None)),
    Outcome("portions_per_rider_stop", "portions per hand-over", "portions riders left at gates for single orders / "
            "rider stops, over the lockdown",
            lambda p: _div(p.total("portions_platform"), p.total("courier_stops")), "{:.1f}", bounds=(0.0, None)),
    # --- food by channel -------------------------------------------------------------------------------
    Outcome("platform_food_share", FOOD, "portions riders left at gates for single platform orders / portions "
            "reaching gates and shops, over the lockdown", _share_of_food("portions_platform")),
    Outcome("platform_group_food_share", FOOD, "portions the platform left at gates in compound group orders / "
            "portions reaching gates and shops, over the lockdown", _share_of_food("portions_platform_group")),
    Outcome("group_food_share", FOOD, "portions trucks left at gates (community group buying) / portions reaching "
            "gates and shops, over the lockdown", _share_of_food("portions_group")),
    Outcome("package_food_share", FOOD, "portions the supermarket chains' stores left at gates in standard packages "
            "/ portions reaching gates and shops, over the lockdown (part of group_food_share)",
            _share_of_food("portions_packages")),
    Outcome("relief_food_share", FOOD, "portions residents' committees left at gates / portions reaching gates and "
            "shops, over the lockdown", _share_of_food("portions_relief")),
    Outcome("retail_food_share", FOOD, "portions bought in shops / portions reaching gates and shops, over the "
            "lockdown", _share_of_food("portions_retail")),
    # --- the two spaces --------------------------------------------------------------------------------
    Outcome("idle_local_capacity", "share of local suppliers' daily capacity", "mean daily idle_local_capacity "
            "over the lockdown", lambda p: float(p.lock["idle_local_capacity"].mean())),
    Outcome("offers_seen_per_delivery_slot", "households trying per platform slot", "households that tried to book "
            "a platform slot / platform slots offered, over the lockdown (space of flows)",
            lambda p: _div(p.total("platform_tried"), p.total("platform_slots")), "{:.2f}", bounds=(0.0, None)),
    # --- leaders ---------------------------------------------------------------------------------------
    Outcome("leaders_peak_per_1000", "leaders per 1,000 households", "most leaders active on one lockdown day, per "
            "1,000 households", lambda p: float(p.lock["leaders"].max()) * p.per_1000, "{:.2f}", bounds=(0.0, None)),
    Outcome("leader_hours_per_leader", "hours per leader per day", "daily leader_hours summed over the lockdown / "
            "daily leaders summed over it: the hours a leader works on an average day",
            lambda p: _div(p.total("leader_hours"), p.total("leaders")), "{:.2f}", bounds=(0.0, None)),
    Outcome("leader_hours_per_signup", "hours per sign-up", "hours leaders worked / sign-ups accepted, over the "
            "lockdown", lambda p: _div(p.total("leader_hours"), p.total("signups")), bounds=(0.0, None)),
    Outcome("ever_led_share", HOUSEHOLDS, "ever_led_share on the last lockdown day",
            lambda p: float(p.last["ever_led_share"]) if p.has("ever_led_share") else math.nan, "{:.4f}"),
    Outcome("coordinators_per_1000", "coordinators per 1,000 households", "compounds whose leaders had a "
            "coordinator by the last lockdown day, per 1,000 households",
            lambda p: float(p.last["coordinators"]) * p.per_1000 if p.has("coordinators") else math.nan, "{:.2f}",
            bounds=(0.0, None)),
    Outcome("households_per_leader", "households per leader", "households that received food from a delivered "
            "group order during the lockdown / households that led a group during it (on the last lockdown day)",
            lambda p: _div(float(p.last["group_buyers"]), float(p.last["ever_led_share"]) * p.households)
            if p.has("group_buyers") else math.nan, "{:.1f}", bounds=(0.0, None)),
    Outcome("group_buyer_share", HOUSEHOLDS, "households that received food from a delivered group order during the "
            "lockdown (group_buyers on the last lockdown day) / all households",
            lambda p: float(p.last["group_buyers"]) / p.households if p.has("group_buyers") else math.nan),
    Outcome("sets_per_group_buyer", "sets per household", "sets of group orders left at gates over the lockdown / "
            "households that received any (group_buyers on the last lockdown day)",
            lambda p: _div(p.total("group_sets_delivered"), float(p.last["group_buyers"]))
            if p.has("group_buyers") else math.nan, "{:.1f}", bounds=(0.0, None)),
    Outcome("group_buys_at_once", "open offers per signed household", "sign-ups in open offers / households signed "
            "up to at least one, summed over the lockdown's days: how many group buys a household takes part in at "
            "once", lambda p: _div(p.total("open_signups"), p.total("signed_households")), "{:.2f}",
            bounds=(0.0, None)),
    Outcome("leader_cap_binding", "share of compound-days someone wanted to lead", "compound-days on which the "
            "upper bound on leaders turned a would-be leader away / compound-days on which someone wanted to lead, "
            "over the lockdown",
            lambda p: _div(p.total("leader_capped_compounds"), p.total("leader_wanting_compounds"))),
    Outcome("moq_success_rate", "share of offers closed", "offers that reached the minimum / offers closed, by the "
            "end of the run", lambda p: float(p.table["moq_success_rate"].iloc[-1])),
    # --- chat groups, gateways, ties -------------------------------------------------------------------
    Outcome("chat_member_share_at_reopening", HOUSEHOLDS, "chat_member_share on the last lockdown day",
            _at_reopening("chat_member_share"), taken=AT_REOPENING),
    Outcome("gateway_share", "share of active leaders", "share of active leaders on a gateway on the last lockdown "
            "day (bounded by gateway.market_potential)", _at_reopening("gateway_share"), taken=AT_REOPENING),
    Outcome("gateway_portions_share", "share of the portions trucks left at gates", "portions from suppliers "
            "reached through a gateway listing / portions trucks left at gates, over the lockdown",
            _weighted("gateway_portions_share", "portions_group")),
    Outcome("ties_per_1000_at_reopening", "ties per 1,000 households", "standing household-leader ties on the last "
            "lockdown day, per 1,000 households", _at_reopening("ties", lambda p: p.per_1000), "{:.1f}",
            taken=AT_REOPENING, bounds=(0.0, None)),
    Outcome("lockdown_ties_kept_share", "share of the ties standing at reopening", "ties made during the lockdown "
            "still standing at the end of the run / standing at reopening", _ties_kept, taken=AFTER_REOPENING),
    # --- need met by group, supply and delivery minutes (the reproduction's claims; sim/need_by_group.py) -------
    Outcome("isolated_older_need_met_share", "share of need eaten", "mean daily isolated_older_need_met_share over "
            "the lockdown: older-only households with nobody able to order on a phone and no remote proxy",
            _mean("isolated_older_need_met_share")),
    Outcome("isolated_older_need_gap", "share of need eaten", "mean over the lockdown of isolated_older_need_met_share "
            "- others_need_met_share: how far claim 5's vulnerable eat below everyone else (negative: below)",
            _gap("isolated_older_need_met_share", "others_need_met_share"), bounds=(-1.0, 1.0)),
    Outcome("no_contact_need_met_share", "share of need eaten", "mean daily no_contact_need_met_share over the "
            "lockdown: households that knew no neighbour before it", _mean("no_contact_need_met_share")),
    Outcome("no_contact_need_gap", "share of need eaten", "mean over the lockdown of no_contact_need_met_share - "
            "contact_need_met_share: how far households that knew no neighbour eat below the others",
            _gap("no_contact_need_met_share", "contact_need_met_share"), bounds=(-1.0, 1.0)),
    Outcome("gate_portions_per_household_day", "portions per household per day", "portions the platform (single "
            "and group orders) and trucks left at gates over the lockdown, per household and lockdown day: the "
            "supply the two channels brought", lambda p: p.total("portions_platform", "portions_platform_group",
                                                                 "portions_group") / (p.households * p.days),
            "{:.3f}", bounds=(0.0, None)),
    Outcome("truck_minutes_per_portion", "minutes per portion", "minutes trucks worked / portions trucks left at "
            "gates, over the lockdown (loading, round trips and hand-overs)",
            lambda p: _div(p.total("truck_minutes"), p.total("portions_group")) if p.has("truck_minutes") else math.nan,
            "{:.3f}", bounds=(0.0, None)),
    Outcome("rider_minutes_per_portion", "minutes per portion", "minutes riders spent on single platform orders / "
            "portions they left at gates, over the lockdown (hand-overs and their share of round trips)",
            lambda p: (_div(p.total("rider_minutes_single"), p.total("portions_platform"))
                       if p.has("rider_minutes_single") else math.nan), "{:.3f}", bounds=(0.0, None)),
)

OUTCOMES: dict[str, Outcome] = {o.name: o for o in _ALL}

# Outcome names of earlier versions (results directories written then): old name -> name
RENAMED = {"fill_rate": "delivery_ratio", "courier_stops": "courier_stops_per_1000", "truck_trips": "truck_trips_per_1000",
           "leader_hours": "leader_hours_per_leader", "need_met": "need_met_share",
           "need_met_worst_week": "need_met_share_worst_week", "elderly_unserved": "elderly_unserved_share",
           "elderly_left_unserved": "elderly_left_unserved_share", "ever_ran_out": "ever_ran_out_share",
           "offers_per_slot": "offers_seen_per_delivery_slot", "leaders_peak": "leaders_peak_per_1000",
           "ever_led": "ever_led_share", "ties_at_reopening": "ties_per_1000_at_reopening",
           "ties_kept": "lockdown_ties_kept_share", "chat_members_reopening": "chat_member_share_at_reopening"}


def format_value(name: str, value) -> str:
    """An outcome's value as tables print it (`-` for none)."""
    return OUTCOMES[name].format(value)


def lockdown_period(table: pd.DataFrame, households: int, reopen_day: int) -> Period:
    lock = table[table["day"] < reopen_day]
    return Period(table, lock if not lock.empty else table, households, reopen_day)


def measure(table: pd.DataFrame, households: int, reopen_day: int) -> dict[str, float]:
    """Every outcome of one run from its daily table (see OUTCOMES); the lockdown is the days before `reopen_day`."""
    period = lockdown_period(table, households, reopen_day)
    return {name: outcome.reduce(period) for name, outcome in OUTCOMES.items()}


def shown(days: int, reopen_day: int) -> list[str]:
    """The outcomes a run of `days` days has: those taken at or after reopening need the run to reach it."""
    hidden = {AT_REOPENING} if days < reopen_day else set()
    if days <= reopen_day:
        hidden.add(AFTER_REOPENING)
    return [name for name, o in OUTCOMES.items() if o.taken not in hidden]


def outcomes_markdown() -> str:
    """The end-of-run outcomes part of docs/metrics.md (kept in sync by a test)."""
    lines = [
        "# End-of-run outcomes",
        "",
        "Computed by `sim/outcomes.py` from a run's daily table, over the lockdown: the days before "
        "`timeline.reopen_day` (all days of a run that ends earlier; without lockdown, the days it would have "
        "lasted). Each has one name everywhere: the rows of `lockdown-sim run` and `compare`, the columns of "
        "`compare.csv` and of `lockdown-sim results DIR --out FILE --outcomes`, the `outcomes` of `run.json`, the "
        "claims of `lockdown-sim reproduce`. Rates say so in their names; an outcome with nothing to count (no "
        "rider worked, the run ends before reopening) is empty: `-` in tables, null in JSON, empty in CSV.",
        "",
        "| outcome | unit | taken | definition |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{o.name}` | {o.unit} | {o.taken} | {o.definition} |" for o in OUTCOMES.values()]
    return "\n".join(lines) + "\n"


def metrics_page() -> str:
    """docs/metrics.md: the daily metrics (sim/metrics.py), then the end-of-run outcomes."""
    return definitions_markdown() + "\n" + outcomes_markdown()


if __name__ == "__main__":
    print(metrics_page(), end="")
