"""Bulk gate delivery: on the due day a local supplier's trucks take each confirmed group order to the compound
gate. A run costs loading, the round trip on the street network and the hand-over time at the gate. With
`bulk_delivery` on, a group order is one hand-over at the gate; off, every household's share is handed over
separately (what pooling saves). Orders the trucks cannot reach wait; too late, they are cancelled."""

from __future__ import annotations

import math

import numpy as np

from sim.group_orders import DELIVERED


class TruckDispatch:
    def __init__(self, scenario, *, bulk: bool):
        c = scenario.couriers
        self.bulk = bulk
        self.capacity = c.truck_capacity_sets
        self.load = c.truck_load_minutes
        self.stop = c.truck_stop_minutes
        self.minutes_per_km = 60.0 / c.truck_km_per_hour
        self.late_cancel = scenario.local_suppliers.late_cancel_days
        self.max_one_way_km = max(0.0, (c.truck_minutes_per_day - self.load - self.stop) / (2 * self.minutes_per_km))
        self.reset_day_stats()
        self._hh, self._sets, self._leader = [], [], []

    def reset_day_stats(self) -> None:
        self.trips = 0
        self.stops = 0
        self.portions = 0.0
        self.portions_via_gateway = 0.0
        self.deliveries = 0
        self.lag_days = 0  # days from confirmation to the gate, summed over today's deliveries

    def run_plan(self, offer, km: float) -> list[float]:
        """Minutes of each truck run needed for an offer (fixed once confirmed, so worked out once)."""
        if offer.plan is None:
            runs = max(1, math.ceil(offer.sets / self.capacity))
            stops = 1 if self.bulk else len(offer.signups()[0])
            per_run = [stops // runs + (r < stops % runs) for r in range(runs)]
            offer.plan = [self.load + 2 * km * self.minutes_per_km + self.stop * s for s in per_run]
        return offer.plan

    def dispatch(self, model, day: int) -> None:
        """Send today's due orders, oldest first, and cancel those too late."""
        self.reset_day_stats()
        orders = model.group_orders
        supply = model.local_supply
        for truck in model.trucks:
            truck.start_day()
        due = sorted((o for o in orders.confirmed.values() if o.due_day <= day), key=lambda o: (o.due_day, o.id))
        permit_day = supply.permit_day.tolist() if supply.permits and due else None
        for offer in due:
            s = offer.supplier
            if permit_day is not None and model.permit_needed(offer) and not (0 <= permit_day[s] <= day):
                pass  # waits for its pass
            else:
                if offer.km < 0:
                    c = offer.compound
                    offer.km = supply.km_to(c, model.compound_x[c], model.compound_y[c], [s])[0]
                if self._send(model, offer, offer.km, day):
                    continue
            if day > offer.due_day + self.late_cancel:
                orders.cancel_confirmed(offer, day, supply, model.ledger)
        self._unload(model)

    def _unload(self, model) -> None:
        """Leave the day's delivered orders at their gates and form their ties, in delivery order, in one go."""
        if not self._hh:
            return
        hh, sets = np.concatenate(self._hh), np.concatenate(self._sets)
        model.gate.drop(hh, sets.astype(np.float32) * np.float32(model.group_orders.set_portions))
        model.ties.form(hh, np.repeat(np.array(self._leader, dtype=np.int64), [len(h) for h in self._hh]))
        if model.mechanisms["member_ties"]:
            model.member_ties.form_among(self._hh, model.cfg.ties.member_ties_per_order)
        self._hh, self._sets, self._leader = [], [], []

    def _send(self, model, offer, km: float, day: int) -> bool:
        trucks = model.local_suppliers[offer.supplier].trucks
        plan = self.run_plan(offer, km)
        # all runs must fit today's trucks (each run on the truck with most minutes left)
        left = [t.minutes_left for t in trucks]
        if max(left) <= 0 and min(plan) > 0:
            return False  # the supplier's trucks are done for the day
        first = [t.trips_today == 0 for t in trucks]
        chosen = []
        for minutes in plan:
            best = left.index(max(left))  # the first truck with the most minutes left
            if not (minutes <= left[best] or (first[best] and left[best] > 0)):
                return False
            left[best] -= minutes
            first[best] = False
            chosen.append((best, minutes))
        hh, sets = offer.signups()
        per_run_stops = 1 if self.bulk else max(1, len(hh) // len(plan))
        gate_cell = model.compounds[offer.compound].cell
        for i, minutes in chosen:
            trucks[i].drive(minutes, per_run_stops, gate_cell)
        self._hh.append(hh)  # dropped at the gate, and ties formed, once the day's trucks are done (`_unload`)
        self._sets.append(sets)
        self._leader.append(offer.leader.household_index)
        ledger = model.ledger
        ledger.in_transit -= offer.portions
        ledger.at_gate += offer.portions
        offer.status, offer.ended_day = DELIVERED, day
        del model.group_orders.confirmed[offer.id]
        offer.leader.receive_delivery(offer)
        offer.forget_signups()
        self.trips += len(plan)
        self.stops += 1 if self.bulk else len(hh)
        self.portions += offer.portions
        if offer.via_gateway:
            self.portions_via_gateway += offer.portions
        self.deliveries += 1
        self.lag_days += day - offer.confirmed_day
        return True
