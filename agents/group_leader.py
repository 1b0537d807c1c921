"""A group leader: a resident who took on the work of group buying (study: posting offers, counting sign-ups,
collecting money, spreadsheets, then sorting and carrying at the gate). Leaders have a limited number of hours
a day; work beyond them is carried into the next day. A gateway cuts their paperwork and widens their search."""

from __future__ import annotations

import mesa
import numpy as np


class GroupLeader(mesa.Agent):
    def __init__(self, model, household_index: int, compound, hours_per_day: float):
        super().__init__(model)
        self.household_index = int(household_index)
        self.compound = compound
        self.hours_per_day = float(hours_per_day)
        self.hours_left = self.hours_per_day
        self.hours_worked_today = 0.0
        self.hours_worked_total = 0.0
        self.uses_gateway = False
        self.active = True
        self.offers: list = []  # open offers
        self.known: dict[int, int] = {}  # supplier -> deliveries received from it
        self.lapsed: dict[int, int] = {}  # supplier -> day an offer with it last lapsed
        self.deliveries = 0
        self.emerged_day = model.day

    @property
    def household(self):
        return self.model.households[self.household_index]

    # --- time ------------------------------------------------------------------------------------
    def start_day(self) -> None:
        self.hours_left = self.hours_per_day + min(0.0, self.hours_left)  # yesterday's overwork comes first
        self.hours_worked_today = 0.0

    def spend(self, hours: float) -> None:
        self.hours_left -= hours
        self.hours_worked_today += hours
        self.hours_worked_total += hours

    def overhead(self, hours: float) -> float:
        """Paperwork hours after the gateway's cut."""
        return hours * (self.model.gateway.overhead_factor if self.uses_gateway else 1.0)

    def signups_possible(self, hours_each: float) -> int:
        per = self.overhead(hours_each)
        if self.hours_left <= 0:
            return 0
        return int(self.hours_left / per) if per > 0 else 1 << 30

    # --- the day's work --------------------------------------------------------------------------
    def lead(self) -> None:
        """Post new offers while the group has uncovered need and there is time."""
        if not self.active:
            return
        m = self.model
        book, hours = m.group_orders, m.cfg.leader_hours
        c = self.compound.index
        while len(self.offers) < m.cfg.group_buying.offers_per_leader and self.hours_left > 0:
            if book.uncovered[c] < 1:
                return
            choice = self.find_supplier(book.uncovered[c])
            if choice is None:
                return
            supplier, searched, via_gateway = choice
            cost = self.overhead(hours.post)
            if searched:
                cost += hours.search * (m.gateway.search_factor if via_gateway else 1.0)
            self.spend(cost)
            avail = int(m.local_supply.available_sets(supplier))
            book.post(self, supplier, avail, int(m.local_supply.moq[supplier]), m.day, via_gateway)
            m.local_supply.permit_ready(supplier, m.day, m.permit_needed_for(supplier, c))

    def find_supplier(self, wanted_sets: float):
        """Pick a supplier this leader can reach: known ones first, then members' ties, then the gateway.

        Returns (supplier, searched, via_gateway) or None; a failed search still costs its hours.
        """
        m = self.model
        supply = m.local_supply
        day = m.day
        known = np.fromiter(self.known, dtype=np.int64, count=len(self.known))
        ties = m.member_tie_suppliers(self.compound.index) if m.mechanisms["supplier_ties"] else np.zeros(0, np.int64)
        listed = np.flatnonzero(supply.listed) if self.uses_gateway else np.zeros(0, np.int64)
        min_order = m.group_orders.min_order
        busy = {o.supplier for o in self.offers}
        for pool, searched in ((known, False), (np.union1d(ties, listed), True)):
            pool = np.array([s for s in pool.tolist() if s not in busy and day - self.lapsed.get(s, -99) > 2],
                            dtype=np.int64)
            if len(pool) == 0:
                continue
            moq = supply.moq[pool] if min_order else np.ones(len(pool), dtype=np.int64)
            avail = supply.available_sets(pool)
            km = m.city.distance_km(supply.x[pool], supply.y[pool],
                                    m.compound_x[self.compound.index], m.compound_y[self.compound.index])
            ok = (avail >= moq) & (km <= m.dispatch.max_one_way_km)
            if not ok.any():
                if searched:
                    self.spend(m.cfg.leader_hours.search * (m.gateway.search_factor if self.uses_gateway else 1.0))
                continue
            # a minimum the group can plausibly meet first, then the nearest
            reachable = moq <= max(wanted_sets, 1.0)
            score = np.where(ok, np.where(reachable, 0.0, 1e6) + km, np.inf)
            best = int(pool[int(np.argmin(score))])
            via_gateway = searched and best in set(listed.tolist()) and best not in set(ties.tolist())
            return best, searched, via_gateway
        return None

    def note_lapse(self, supplier: int, day: int) -> None:
        self.lapsed[supplier] = day

    def receive_delivery(self, offer) -> None:
        """At the gate: timing, unloading, checking (not cut by a gateway)."""
        self.spend(self.model.cfg.leader_hours.receive)
        self.known[offer.supplier] = self.known.get(offer.supplier, 0) + 1
        self.deliveries += 1

    def retire(self) -> None:
        self.active = False

    def __repr__(self) -> str:
        gw = ", gateway" if self.uses_gateway else ""
        return f"GroupLeader(household={self.household_index}, compound={self.compound.index}, {self.hours_per_day:.1f} h/day{gw})"
