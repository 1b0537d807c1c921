"""Bulk gate delivery: on the due day a local supplier's trucks take each confirmed group order to the compound
gate. A run costs loading, the round trip on the street network and the hand-over time at the gate. With
`bulk_delivery` on, a group order is one hand-over at the gate; off, every household's share is handed over
separately (what pooling saves). Orders the trucks cannot reach wait; too late, they are cancelled.

Trucks are many in a big city (about 15,000 in the full city), so their day is arrays and the loop over the day's
orders is compiled; each `Truck` agent is the handle for its row."""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.geometry import street_km
from lockdown_sim.sim.local_supply import holds_pass, trip_needs_pass
from lockdown_sim.sim.parallel import njit


class TruckDispatch:
    """The local suppliers' trucks and the day's dispatch of confirmed group orders to gates."""

    def __init__(self, model, scenario, orders, supply, suppliers, compounds, geometry, rules, *, bulk: bool):
        """`model` is only the Mesa model the Truck agents belong to; `suppliers` the LocalSupplier agents (their
        trucks are made here), `compounds` the Compound agents (the gates), `geometry` the city's (sim/geometry.py)."""
        from lockdown_sim.agents.courier import Truck

        c = scenario.couriers
        self.orders, self.supply, self.geometry, self.rules = orders, supply, geometry, rules
        self.compounds = compounds
        self.bulk = bulk
        self.capacity = c.truck_capacity_sets
        self.load = c.truck_load_minutes
        self.stop = c.truck_stop_minutes
        self.minutes_per_km = 60.0 / c.truck_km_per_hour
        self.late_cancel = scenario.local_suppliers.late_cancel_days
        self.minutes_per_day = c.truck_minutes_per_day
        per_supplier = supply.trucks.astype(np.int64)
        self.truck_start = np.zeros(supply.n + 1, dtype=np.int64)  # supplier s owns trucks truck_start[s]:[s + 1]
        np.cumsum(per_supplier, out=self.truck_start[1:])
        n = int(self.truck_start[-1])
        self.truck_supplier = np.repeat(np.arange(supply.n), per_supplier)
        # suppliers' depots and districts never change: made once, in the types the compiled dispatch takes
        self._supplier_static = (supply.x.astype(np.int64), supply.y.astype(np.int64), supply.district.astype(np.int64))
        self.minutes_left = np.full(n, float(self.minutes_per_day))
        self.trips_today = np.zeros(n, dtype=np.int64)
        self.stops_today = np.zeros(n, dtype=np.int64)
        self.at_compound = np.full(n, -1, dtype=np.int64)  # the gate each truck is at, -1 at its depot
        self.trucks = [Truck(model, self, i, suppliers[s]) for i, s in enumerate(self.truck_supplier.tolist())]
        for truck in self.trucks:
            truck.supplier.trucks.append(truck)
        self.reset_day_stats()

    @staticmethod
    def reach_km(scenario) -> float:
        """The farthest a supplier can be from a gate for a truck to go there and back in a day."""
        c = scenario.couriers
        minutes_per_km = 60.0 / c.truck_km_per_hour
        return max(0.0, (c.truck_minutes_per_day - c.truck_load_minutes - c.truck_stop_minutes) / (2 * minutes_per_km))

    def reset_day_stats(self) -> None:
        self.trips = 0
        self.stops = 0
        self.portions = 0.0
        self.portions_via_gateway = 0.0
        self.deliveries = 0
        self.lag_days = 0  # days from confirmation to the gate, summed over today's deliveries

    def dispatch(self, day: int) -> None:
        """Send today's due orders, oldest first, and cancel those too late."""
        self.reset_day_stats()
        self.minutes_left[:] = self.minutes_per_day  # every truck starts the day at its depot
        self.trips_today[:] = 0
        self.stops_today[:] = 0
        self.at_compound[:] = -1
        orders, supply = self.orders, self.supply
        due = orders.due(day)
        if len(due) == 0:
            return
        col = orders.column
        delivered = np.zeros(len(due), dtype=bool)
        late = np.zeros(len(due), dtype=bool)
        totals = np.zeros(6)
        _dispatch(due, col("supplier"), col("compound"), col("sets"), col("households"), col("km"), col("due_day"),
                  col("confirmed_day"), col("portions"), col("via_gateway"), *self._supplier_static, supply.permit_day, supply.permits,
                  self.rules.permit_locked(), self.geometry, self.truck_start, self.minutes_left, self.trips_today,
                  self.stops_today, self.at_compound, self.bulk, self.capacity, self.load, self.stop,
                  self.minutes_per_km, self.late_cancel, day, delivered, late, totals)
        self.trips, self.stops, self.deliveries, self.lag_days = (int(v) for v in totals[:4])
        self.portions, self.portions_via_gateway = float(totals[4]), float(totals[5])
        orders.cancel(due[late], day)
        orders.deliver(due[delivered], day)


@njit(cache=True)
def _dispatch(due, supplier, compound, sets, households, km, due_day, confirmed_day, portions, via_gateway,
              supplier_x, supplier_y, supplier_district, permit_day, permits, locked, geo, truck_start, minutes_left,
              trips_today, stops_today, at_compound, bulk, capacity, load, stop, minutes_per_km, late_cancel, day,
              delivered, late, totals):
    """Orders `due` in order: an order whose supplier needs a pass it does not hold yet waits; otherwise all its
    truck runs must fit today's trucks (each run on the truck with most minutes left; a truck's first run may take
    its whole day). Marks `delivered` and `late` (waited too long: cancelled); totals: trips, stops, deliveries,
    days from confirmation to the gate, portions delivered, portions from suppliers found through a gateway
    (summed order by order)."""
    for k in range(len(due)):
        o = due[k]
        s, c = supplier[o], compound[o]
        waits = trip_needs_pass(permits, locked, supplier_district[s], geo.compound_district[c]) and not holds_pass(
            permit_day, s, day)
        if not waits:
            if km[o] < 0:  # supplier to gate, measured at the first dispatch attempt
                km[o] = street_km(geo, supplier_x[s], supplier_y[s], geo.compound_x[c], geo.compound_y[c])
            runs = max(1, (sets[o] + capacity - 1) // capacity)
            stops = 1 if bulk else households[o]
            first, last = truck_start[s], truck_start[s + 1]
            left = minutes_left[first:last].copy()
            fresh = trips_today[first:last] == 0
            plan = np.empty(runs)
            for r in range(runs):
                plan[r] = load + 2 * km[o] * minutes_per_km + stop * (stops // runs + (r < stops % runs))
            chosen = np.empty(runs, np.int64)
            fits = not (left.max() <= 0 and plan.min() > 0)  # else the supplier's trucks are done for the day
            r = 0
            while fits and r < runs:
                best = np.argmax(left)  # the first truck with the most minutes left
                if not (plan[r] <= left[best] or (fresh[best] and left[best] > 0)):
                    fits = False
                    break
                left[best] -= plan[r]
                fresh[best] = False
                chosen[r] = best
                r += 1
            if fits:
                per_run_stops = 1 if bulk else max(1, households[o] // runs)
                for r in range(runs):
                    t = first + chosen[r]
                    minutes_left[t] -= plan[r]
                    trips_today[t] += 1
                    stops_today[t] += per_run_stops
                    at_compound[t] = c
                delivered[k] = True
                totals[0] += runs
                totals[1] += 1 if bulk else households[o]
                totals[2] += 1
                totals[3] += day - confirmed_day[o]
                totals[4] += portions[o]
                if via_gateway[o]:
                    totals[5] += portions[o]
                continue
        if day > due_day[o] + late_cancel:
            late[k] = True
