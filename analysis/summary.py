"""End-of-run outcomes from a daily table: the figures the brief asks every run to measure, over the lockdown.

Their definitions are in docs/metrics.md (`lockdown-sim metrics`). An outcome named after a daily metric is in that
metric's unit; rates per 1,000 households or per leader say so in their names (`courier_stops_per_1000`).
"""

from __future__ import annotations

import math

import pandas as pd

# name -> (label for tables, how it is computed, format)
OUTCOMES: dict[str, tuple[str, str, str]] = {
    "fill_rate": ("fill rate (lockdown)", "portions home / portions needed, over the lockdown", "{:.3f}"),
    "need_met": ("need met (lockdown, mean)", "mean daily need_met_share over the lockdown", "{:.3f}"),
    "need_met_worst_week": ("need met (worst week)", "lowest 7-day mean of need_met_share during the lockdown", "{:.3f}"),
    "elderly_unserved": ("elderly unserved (mean daily)", "mean daily elderly_unserved_share over the lockdown", "{:.3f}"),
    "elderly_left_unserved": ("elderly left unserved 3+ days", "elderly_left_unserved_share at the end of the lockdown", "{:.3f}"),
    "ever_ran_out": ("households ever ran out", "ever_ran_out_share at the end of the lockdown", "{:.3f}"),
    "courier_stops_per_1000": ("courier stops / 1000 households / day", "daily courier_stops (platform hand-overs at gates, single orders and group loads) summed over the lockdown, per 1,000 households and per lockdown day (the daily count is the metric courier_stops)", "{:.1f}"),
    "courier_utilization": ("courier utilization", "riders' time used / time at work, in single stops, over the lockdown (mean of daily courier_utilization weighted by capacity)", "{:.3f}"),
    "truck_trips_per_1000": ("truck trips / 1000 households / day", "daily truck_trips summed over the lockdown, per 1,000 households and per lockdown day (the daily count is the metric truck_trips)", "{:.2f}"),
    "platform_food_share": ("food by platform single orders (share)", "portions riders left at gates for single orders / portions reaching gates and shops, over the lockdown", "{:.3f}"),
    "platform_group_food_share": ("food by platform group orders (share)", "portions the platform left at gates in compound group orders / portions reaching gates and shops, over the lockdown", "{:.3f}"),
    "group_food_share": ("food by group buying (share)", "portions trucks left at gates / portions reaching gates and shops, over the lockdown", "{:.3f}"),
    "relief_food_share": ("food by relief (share)", "portions residents' committees left at gates / portions reaching gates and shops, over the lockdown", "{:.3f}"),
    "retail_food_share": ("food from shops (share)", "portions bought in shops / portions reaching gates and shops, over the lockdown", "{:.3f}"),
    "portions_per_stop": ("portions per stop", "portions left at gates / (rider stops + truck hand-overs), over the lockdown", "{:.1f}"),
    "idle_local_capacity": ("idle local capacity (mean)", "mean daily idle_local_capacity over the lockdown", "{:.3f}"),
    "offers_per_slot": ("households trying per platform slot", "platform tries / platform slots, over the lockdown", "{:.2f}"),
    "leaders_peak": ("leaders / 1000 households (peak)", "most leaders active on one day, per 1,000 households", "{:.2f}"),
    "leader_hours_per_leader": ("leader hours / leader / day", "daily leader_hours summed over the lockdown / daily leaders summed over it: the hours a leader works on an average day (the daily total is the metric leader_hours)", "{:.2f}"),
    "ever_led": ("households that ever led (share)", "households that led a group at some point during the lockdown / all households", "{:.4f}"),
    "coordinators_per_1000": ("coordinators / 1000 households", "compounds whose leaders had a coordinator by the last lockdown day, per 1,000 households", "{:.2f}"),
    "leader_cap_binding": ("leader upper bound binding", "compound-days on which the upper bound on leaders turned a would-be leader away / compound-days on which someone wanted to lead, over the lockdown", "{:.3f}"),
    "moq_success_rate": ("minimum-order success", "offers that reached the minimum / offers closed, by the end of the run", "{:.3f}"),
    "gateway_share": ("gateway share (at reopening)", "share of active leaders on a gateway on the last lockdown day (bounded by gateway.market_potential; none if the run ends before it)", "{:.3f}"),
    "gateway_portions_share": ("group food through a gateway (share)", "portions from suppliers reached through a gateway listing / portions trucks left at gates, over the lockdown", "{:.3f}"),
    "ties_at_reopening": ("ties / 1000 households (reopening)", "standing household-leader ties on the last lockdown day, per 1,000 households (none if the run ends before it)", "{:.1f}"),
    "ties_kept": ("lockdown ties kept at the end", "ties made during the lockdown still standing at the end / standing at reopening (none if the run ends by reopening)", "{:.3f}"),
}
AT_REOPENING = ("gateway_share", "ties_at_reopening")  # taken on the last lockdown day
AFTER_REOPENING = ("ties_kept",)                       # needs days after reopening
# Outcome names before they said their unit (results directories written then): old name -> name
RENAMED = {"courier_stops": "courier_stops_per_1000", "truck_trips": "truck_trips_per_1000",
           "leader_hours": "leader_hours_per_leader"}


def _div(a: float, b: float) -> float:
    return a / b if b else math.nan


def summarise(table: pd.DataFrame, households: int, reopen_day: int) -> dict:
    """Outcomes of one run (see OUTCOMES); the lockdown is days before `reopen_day`."""
    lock = table[table["day"] < reopen_day]
    if lock.empty:
        lock = table
    last = lock.iloc[-1]
    days = len(lock)
    k = 1000.0 / households
    stops = lock["courier_stops"].sum() + lock["truck_stops"].sum()
    leader_days = lock["leaders"].sum()
    ties_open = last["ties"]
    channels = [c for c in ("portions_platform", "portions_platform_group", "portions_group", "portions_relief",
                            "portions_retail") if c in lock]
    supplied = sum(lock[c].sum() for c in channels)
    last_day = table["day"].iloc[-1]
    reached = last_day >= reopen_day - 1  # the last lockdown day is in the run
    return {
        "fill_rate": _div(lock["portions_delivered"].sum(), lock["portions_needed"].sum()),
        "need_met": lock["need_met_share"].mean(),
        "need_met_worst_week": lock["need_met_share"].rolling(7, min_periods=min(7, days)).mean().min(),
        "elderly_unserved": lock["elderly_unserved_share"].mean(),
        "elderly_left_unserved": last["elderly_left_unserved_share"],
        "ever_ran_out": last["ever_ran_out_share"],
        "courier_stops_per_1000": lock["courier_stops"].sum() * k / days,
        "courier_utilization": _div((lock["courier_utilization"].fillna(0) * lock["courier_stop_capacity"]).sum(),
                                    lock["courier_stop_capacity"].sum()),
        "truck_trips_per_1000": lock["truck_trips"].sum() * k / days,
        "platform_food_share": _div(lock["portions_platform"].sum(), supplied),
        "platform_group_food_share": (_div(lock["portions_platform_group"].sum(), supplied)
                                      if "portions_platform_group" in lock else math.nan),
        "group_food_share": _div(lock["portions_group"].sum(), supplied),
        "relief_food_share": _div(lock["portions_relief"].sum(), supplied) if "portions_relief" in lock else math.nan,
        "retail_food_share": _div(lock["portions_retail"].sum(), supplied),
        "portions_per_stop": _div(sum(lock[c].sum() for c in channels if c not in ("portions_relief", "portions_retail")),
                                  stops),
        "idle_local_capacity": lock["idle_local_capacity"].mean(),
        "offers_per_slot": _div(lock["platform_tried"].sum(), lock["platform_slots"].sum()),
        "leaders_peak": lock["leaders"].max() * k,
        "leader_hours_per_leader": _div(lock["leader_hours"].sum(), leader_days),
        "ever_led": last["ever_led_share"] if "ever_led_share" in lock else math.nan,
        "coordinators_per_1000": last["coordinators"] * k if "coordinators" in lock else math.nan,
        "leader_cap_binding": _div(lock["leader_capped_compounds"].sum(), lock["leader_wanting_compounds"].sum()),
        "moq_success_rate": table["moq_success_rate"].iloc[-1],
        "gateway_share": last["gateway_share"] if reached else math.nan,
        "gateway_portions_share": (_div((lock["gateway_portions_share"].fillna(0) * lock["portions_group"]).sum(),
                                        lock["portions_group"].sum()) if "gateway_portions_share" in lock else math.nan),
        "ties_at_reopening": ties_open * k if reached else math.nan,
        "ties_kept": _div(table["lockdown_ties"].iloc[-1], last["lockdown_ties"]) if last_day >= reopen_day else math.nan,
    }


def format_value(name: str, value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return OUTCOMES[name][2].format(value)


def outcome_labels(reopen_day: int, days: int, lockdown: bool = True) -> dict[str, str | None]:
    """Each outcome's label for a run of `days` days, saying the period the outcomes cover.

    OUTCOMES' labels for a lockdown run through reopening. A run that ends earlier covers lockdown days 0 to its
    last day, and has no outcome at or after reopening (None: not shown); a run without lockdown covers the
    days the lockdown would have lasted.
    """
    last = min(days, reopen_day) - 1
    labels = {name: label for name, (label, _, _) in OUTCOMES.items()}
    if lockdown and days < reopen_day:
        labels = {name: label.replace("(lockdown", f"(lockdown days 0-{last}") for name, label in labels.items()}
    elif not lockdown:
        labels = {name: label.replace("(at reopening)", f"(day {last})").replace("(reopening)", f"(day {last})")
                  .replace("lockdown ties", f"ties of days 0-{last}").replace("lockdown", f"days 0-{last}")
                  for name, label in labels.items()}
    hidden = (AT_REOPENING if days < reopen_day else ()) + (AFTER_REOPENING if days <= reopen_day else ())
    return {name: None if name in hidden else label for name, label in labels.items()}


def summary_lines(summary: dict, labels: dict | None = None) -> list[str]:
    """One line per outcome, `label  value` (labels from outcome_labels; None leaves an outcome out)."""
    labels = labels or {name: label for name, (label, _, _) in OUTCOMES.items()}
    shown = [name for name in OUTCOMES if labels.get(name)]
    width = max(len(labels[name]) for name in shown)
    return [f"  {labels[k]:<{width}}  {format_value(k, summary[k])}" for k in shown]


def outcomes_markdown() -> str:
    """The end-of-run outcomes part of docs/metrics.md (kept in sync by a test)."""
    lines = [
        "# End-of-run outcomes",
        "",
        "Computed by `analysis/summary.py` from a run's daily table, over the lockdown: the days before "
        "`timeline.reopen_day` (all days of a run that ends earlier; without lockdown, the days it would have lasted). "
        "They are the rows of `lockdown-sim run` and `compare`, the columns of `compare.csv` and of "
        "`lockdown-sim results DIR --out FILE --outcomes`, and the `summary` of `run.json`. Rates per 1,000 households "
        "or per leader say so in their names; an outcome with nothing to count (no rider worked, the run ends "
        "before reopening) is empty: `-` in tables, null in JSON, empty in CSV.",
        "",
        "| outcome | label in tables | definition |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {label} | {text} |" for name, (label, text, _) in OUTCOMES.items()]
    return "\n".join(lines) + "\n"


def metrics_page() -> str:
    """docs/metrics.md: the daily metrics (sim/metrics.py), then the end-of-run outcomes."""
    from lockdown_sim.sim.metrics import definitions_markdown

    return definitions_markdown() + "\n" + outcomes_markdown()


if __name__ == "__main__":
    print(metrics_page(), end="")
