"""The day's record: the daily metrics (defined in sim/metrics.py) computed from the mechanisms at the end of each
day, and Mesa's DataCollector that keeps them, one row a day. Portions are person-days of food."""

from __future__ import annotations

import math
from copy import deepcopy

import numpy as np
import pandas as pd
from mesa.datacollection import DataCollector

from lockdown_sim.sim.lockdown import CONTROL, PREVENTION, SEALED
from lockdown_sim.sim.metrics import METRIC_NAMES, reporters
from lockdown_sim.sim.parallel import njit

NAN = float("nan")


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else NAN


NUMBERS = (int, float, bool)  # what the day's record holds: values a deep copy returns as they are


class DailyCollector(DataCollector):
    """Mesa's DataCollector of the daily metrics (`reporters()`), collecting the day's record in one pass: Mesa's
    own `collect` calls each reporter and deep-copies what it returns, about 80 calls and copies a day (1.5 % of a
    default run), where the record holds plain numbers that a copy leaves as they are. The table is Mesa's
    (`model_vars`, `get_model_vars_dataframe`); a reporter added to it later, or a value of another kind, is
    collected Mesa's way."""

    def __init__(self):
        super().__init__(model_reporters=reporters())
        self._columns = [(name, self.model_vars[name]) for name in METRIC_NAMES]
        self._reporters = dict(self.model_reporters)  # a reporter added or replaced later: Mesa's own collect

    def collect(self, model) -> None:
        """Mesa's collect, for the daily record alone: each metric's value is read from `model.today` (what every
        reporter of `reporters()` returns) instead of calling the reporters, and plain numbers are appended without
        Mesa's deep copy. Any other configuration (agent reporters, a reporter added or replaced) goes through Mesa's
        own collect. `_collection_steps` is Mesa's private list of collected steps, which mesa.batch_run reads."""
        if self.agent_reporters or self.agenttype_reporters or self.model_reporters != self._reporters:
            super().collect(model)
            return
        if hasattr(self, "_collection_steps"):  # as Mesa's collect: the steps mesa.batch_run reads
            self._collection_steps.append(model.time)
        today = model.today
        for name, column in self._columns:
            value = today[name]
            column.append(value if type(value) in NUMBERS else deepcopy(value))

    def get_model_vars_dataframe(self):
        """Mesa's table of the model variables, one row a step. Columns of Python floats (or ints) only are handed
        to pandas as float64 (int64) arrays, the types pandas gives such lists, at a third of its cost."""
        return pd.DataFrame({name: _column(values) for name, values in self.model_vars.items()})


def _column(values: list):
    """A list of the day's values as an array of the type pandas would infer, where that is sure: float64 for
    Python floats, int64 for Python ints within its range; anything else stays a list for pandas to read."""
    kinds = set(map(type, values))
    if kinds == {float}:
        return np.array(values, dtype=np.float64)
    if kinds == {int} and -2**63 <= min(values) and max(values) < 2**63:
        return np.array(values, dtype=np.int64)
    return values


def daily_metrics(model, delivered: float) -> dict:
    """The day's metrics from the model's mechanisms at the end of the day (`delivered`: portions that reached
    homes today, carried in from gates or bought in shops)."""
    pop, food, plat, dispatch = model.population, model.food, model.platform, model.dispatch
    sale, bookings = model.slot_sale, model.group_bookings
    elderly_n = model.n_elderly
    team, rows = model.leadership.team, model.leadership.active_rows
    leader_hours, gateway_users = _leaders_day(rows, team.hours_today, team.uses_gateway)
    orders = model.group_orders
    group_buyers, open_signups, signed = _group_buying_counts(orders.bought, orders.open_signups)
    tier_hh = np.bincount(model.rules.tier, weights=pop.compound_size, minlength=4) / pop.n
    by_group = model.need_by_group
    short_elderly, left_elderly, ever_empty, eaten_vulnerable, eaten_stranger = food.tallies(
        pop.elderly, by_group.vulnerable, by_group.stranger)
    # the platform's day (0 where the platform channel is closed)
    d = dict.fromkeys(("courier_stops", "stop_capacity", "platform_tried", "platform_slots", "riders_working",
                       "portions_platform", "portions_platform_group"), 0)
    if model.platform_open:
        d.update(courier_stops=plat.stops, stop_capacity=plat.stop_capacity, platform_tried=sale.tried,
                 platform_slots=int(plat.slots.sum()), riders_working=int(plat.rider_working.sum()),
                 portions_platform=sale.portions, portions_platform_group=bookings.portions)
    d.update(home=delivered, needed=food.needed_today, eaten=food.eaten_today, truck_stops=dispatch.stops)
    stops = d["courier_stops"] + d["truck_stops"]
    # by couriers and trucks (relief comes by the committees)
    gate_in = d["portions_platform"] + d["portions_platform_group"] + dispatch.portions
    return {
        "day": model.day,
        "delivery_ratio": _ratio(d["home"], d["needed"]),
        "cumulative_delivery_ratio": _ratio(model.cum_home, model.cum_needed),
        "need_met_share": _ratio(d["eaten"], d["needed"]),
        "elderly_unserved_share": _ratio(float(short_elderly), elderly_n),
        "elderly_left_unserved_share": _ratio(float(left_elderly), elderly_n),
        "ever_ran_out_share": ever_empty / pop.n,
        "courier_stops": d["courier_stops"],
        "courier_utilization": _ratio(plat.stops - plat.group_trips + plat.group_stop_equivalents, d["stop_capacity"])
                               if model.platform_open else NAN,
        "courier_stop_capacity": d["stop_capacity"],
        "truck_trips": dispatch.trips,
        "truck_stops": dispatch.stops,
        "portions_delivered": d["home"],
        "portions_needed": d["needed"],
        "portions_per_stop": _ratio(gate_in, stops),
        "idle_local_capacity": model.local_supply.idle_share(),
        "offers_seen_per_delivery_slot": (_ratio(d["platform_tried"], d["platform_slots"])
                                          if model.platform_open and d["platform_slots"] > 0
                                          else (math.inf if model.platform_open and d["platform_tried"] else NAN)),
        "leaders": len(rows),
        "leader_wanting_compounds": model.emergence.wanting_today,
        "leader_capped_compounds": model.emergence.capped_today,
        "leader_hours": leader_hours,
        "ever_led_share": len(model.leaders) / pop.n,
        "coordinators": model.coordination.appointed_total,
        "roster_volunteers": float(model.coordination.roster(model.volunteers.per_compound()).sum()),
        "moq_success_rate": model.group_orders.moq_success_rate(),
        "gateway_share": _ratio(gateway_users, len(rows)),
        "gateway_portions_share": _ratio(model.dispatch.portions_via_gateway, model.dispatch.portions),
        "ties": len(model.ties),
        "ties_formed": model.ties.formed_total,
        "member_ties": len(model.member_ties),
        "contacts_brought_in": model.bridging.count,
        "lockdown_ties": model.ties.made_before(model.rules.reopen_day),
        "platform_tried": d["platform_tried"],
        "platform_slots": d["platform_slots"],
        "platform_orders": sale.won if model.platform_open else 0,
        "platform_elderly_share": _ratio(sale.won_elderly, sale.won) if model.platform_open else NAN,
        "slot_sellout_minutes": sale.sellout_minutes if model.platform_open else NAN,
        "platform_orders_first_ten_minutes": sale.first_ten_minutes if model.platform_open else 0,
        "platform_volunteer_orders": sale.volunteer_orders if model.platform_open else 0,
        "riders_working": d["riders_working"],
        "portions_platform": d["portions_platform"],
        "portions_platform_group": d["portions_platform_group"],
        "platform_group_deliveries": bookings.deliveries if model.platform_open else 0,
        "platform_group_orders": bookings.delivered_total,
        "platform_group_booked": bookings.booked_today if model.platform_open else 0,
        "portions_group": dispatch.portions,
        "portions_packages": model.group_orders.store_portions_today,
        "packages_delivered": model.group_orders.store_sets_today,
        "chain_stores_open": model.stores.open_count,
        "package_compounds": int(model.group_orders.supplied.sum()),
        "group_sets_delivered": model.group_orders.sets_delivered_today,
        "group_buyers": group_buyers,
        "signed_households": signed,
        "open_signups": open_signups,
        "portions_retail": model.retail.bought_today,
        "portions_relief": model.relief.portions_today,
        "relief_portions": model.relief.total,
        "charity_reached_share": _ratio(float(model.relief.charity_count), float(model.relief.over80_count)),
        "offers_posted": model.group_orders.posted_today,
        "signups": model.group_orders.signups_today,
        "orders_confirmed": model.group_orders.confirmed_today,
        "orders_lapsed": model.group_orders.lapsed_today,
        "group_deliveries": model.dispatch.deliveries,
        "group_delivery_lag_days": _ratio(model.dispatch.lag_days, model.dispatch.deliveries),
        "chat_member_share": model.chat.count / pop.n,
        "canvassed": model.canvassing.count,
        "canvassed_share": _ratio(float(model.canvassing.count), float(model.canvassing.targets)),
        "volunteers": model.volunteers.count,
        "food_at_gate": model.ledger.at_gate,
        "spoiled_portions": model.gate.spoiled_today,
        "sealed_share": float(tier_hh[SEALED]),
        "control_share": float(tier_hh[CONTROL]),
        "prevention_share": float(tier_hh[PREVENTION]),
        **by_group.day(model, eaten_vulnerable, eaten_stranger),
    }


@njit(cache=True)
def _leaders_day(rows, hours_today, uses_gateway):
    """(hours the leaders of `rows` worked today, how many of them use a gateway). The hours are added as Python's
    sum() adds floats from 3.12 on (Neumaier's compensated sum, the compensation added at the end): the figure
    sum(hours_today[rows].tolist()) gave, bit for bit, without a Python float per leader."""
    gateway = 0
    total = compensation = 0.0
    for j in range(len(rows)):
        x = hours_today[rows[j]]
        gateway += uses_gateway[rows[j]]
        if j == 0:
            total = 0.0 + x  # sum() starts from the integer 0
            continue
        t = total + x
        if abs(total) >= abs(x):
            compensation += (total - t) + x
        else:
            compensation += (x - t) + total
        total = t
    if compensation != 0.0 and np.isfinite(compensation):
        total += compensation
    return total, gateway


@njit(cache=True)
def _group_buying_counts(bought, open_signups):
    """(households that have bought in a group order so far, sign-ups in open offers, households signed up to at
    least one open offer: GroupOrders.signed_households), in one pass over the households."""
    buyers = signups = signed = 0
    for i in range(len(bought)):
        buyers += bought[i]
        signups += open_signups[i]
        signed += open_signups[i] > 0
    return buyers, signups, signed
