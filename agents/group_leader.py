"""A group leader: a resident who took on the work of group buying (study: posting offers, counting sign-ups,
collecting money, spreadsheets, then sorting and carrying at the gate). Leaders have a limited number of hours
a day; work beyond them is carried into the next day. A gateway cuts their paperwork and widens their search;
a coordinator in the compound and their own routine cut their hours per order (sim/coordination.py)."""

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
        self.coordinator = False  # a "leader of leaders" for its compound
        self.active = True
        self.offers: list = []  # open offers
        self.known: dict[int, int] = {}  # supplier -> deliveries received from it
        self.found_on_gateway: set[int] = set()  # suppliers it first reached through a gateway listing
        self.lapsed: dict[int, int] = {}  # supplier -> day an offer with it last lapsed (the last two days)
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

    def work_factor(self) -> float:
        """Hours per order as a share of a first-time leader's in an uncoordinated compound (coordination, routine)."""
        return self.model.coordination.hours_factor(self.compound.index, self.deliveries)

    def overhead(self, hours: float) -> float:
        """Paperwork hours after the gateway's cut, the coordinator's rules and the leader's routine."""
        return hours * (self.model.gateway.overhead_factor if self.uses_gateway else 1.0) * self.work_factor()

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
                cost += hours.search * (m.gateway.search_factor if via_gateway else 1.0) * self.work_factor()
            self.spend(cost)
            avail = m.local_supply.today_available[supplier]
            if via_gateway:
                self.found_on_gateway.add(supplier)
            book.post(self, supplier, avail, int(m.local_supply.moq[supplier]), m.day,
                      via_gateway or supplier in self.found_on_gateway)
            m.local_supply.permit_ready(supplier, m.day, m.permit_needed_for(supplier, c))

    def find_supplier(self, wanted_sets: float):
        """Pick a supplier this leader can reach: known ones first, then members' ties, then the gateway.

        Among reachable suppliers with stock for their minimum order and within a truck's day, prefer one whose
        minimum the group can plausibly meet, then the nearest (then the first in id order). Returns
        (supplier, searched, via_gateway) or None; a failed search still costs its hours.
        """
        m = self.model
        supply = m.local_supply
        c = self.compound.index
        cx, cy = m.compound_x[c], m.compound_y[c]
        wanted = max(wanted_sets, 1.0)
        if self.known:
            best = self._best(self._usable(list(self.known)), c, cx, cy, wanted)
            if best is not None:
                return best[0], False, False
        ties = m.member_tie_suppliers(c).tolist() if m.mechanisms["supplier_ties"] else []
        listed = supply.listed if self.uses_gateway else None
        pool: list | None = None
        best = None
        if listed is None:
            pool = self._usable(ties)
            best = self._best(pool, c, cx, cy, wanted)
        else:
            # The nearest suppliers first: exact when the winner is nearer than every supplier left out.
            near, _, d_k = supply.nearest(c, cx, cy)
            near_listed = near[listed[near]]
            complete = len(near_listed) >= supply.listed_count
            short = self._usable(sorted(set(ties).union(near_listed.tolist())))
            best = self._best(short, c, cx, cy, wanted)
            if complete:
                pool = short
            elif best is None or not (best[1] and best[2] < d_k):
                extra = np.asarray([s for s in ties if not listed[s]], dtype=np.int64)  # sorted, unique
                pool = self._usable(np.insert(supply.listed_ids, np.searchsorted(supply.listed_ids, extra), extra))
                best = self._best(pool, c, cx, cy, wanted)
        if best is None:
            if pool is not None and len(pool):  # searched, found nobody usable: the hours are spent anyway
                self.spend(m.cfg.leader_hours.search * (m.gateway.search_factor if self.uses_gateway else 1.0)
                           * self.work_factor())
            return None
        s = best[0]
        via_gateway = listed is not None and bool(listed[s]) and s not in ties
        return s, True, via_gateway

    def _usable(self, pool):
        """Drop suppliers this leader already has an open offer with, or whose offer lapsed in the last two days.

        A list stays a list; a numpy array (a full scan) stays an array.
        """
        if len(pool) == 0:
            return pool
        drop = self._dropped()
        if not drop:
            return pool
        if isinstance(pool, np.ndarray):
            return pool[~np.isin(pool, np.fromiter(drop, dtype=np.int64, count=len(drop)))]
        return [s for s in pool if s not in drop]

    def _dropped(self) -> set:
        """Suppliers not to ask today: an open offer with them, or an offer with them lapsed in the last two days."""
        drop = {o.supplier for o in self.offers}
        if self.lapsed:
            day = self.model.day
            for s in [s for s, d in self.lapsed.items() if day - d > 2]:
                del self.lapsed[s]  # forgotten: a lapse counts for two days only
            drop.update(self.lapsed)
        return drop

    def _best(self, pool: list, c: int, cx: int, cy: int, wanted: float):
        """(supplier, reachable_minimum, km) of the best usable supplier in pool, or None.

        Usable: stock for its minimum order today and within a truck's day. Best: a minimum the group can
        plausibly meet (`wanted` sets) first, then the nearest, then the first in pool order.
        """
        if len(pool) == 0:
            return None
        m = self.model
        supply = m.local_supply
        max_km = m.dispatch.max_one_way_km
        kms = supply.km_to(c, cx, cy, pool)
        if len(pool) > supply.CACHE_POOL:  # large pools (a full scan): the same choice, vectorised
            ids = np.asarray(pool, dtype=np.int64)
            need = supply.today_moq_array[ids]
            km = np.asarray(kms)
            ok = (supply.today_available_array[ids] >= need) & (km <= max_km)
            if not ok.any():
                return None
            score = np.where(ok, np.where(need <= wanted, 0.0, 1e6) + km, np.inf)
            i = int(np.argmin(score))
            return int(ids[i]), bool(need[i] <= wanted), float(km[i])
        avail, moq = supply.today_available, supply.today_moq
        best, best_score = None, np.inf
        for s, km in zip(pool, kms):
            need = moq[s]
            if avail[s] >= need and km <= max_km:
                score = (0.0 if need <= wanted else 1e6) + km
                if score < best_score:
                    best, best_score = (s, need <= wanted, km), score
        return best

    def note_lapse(self, supplier: int, day: int) -> None:
        self.lapsed[supplier] = day

    def receive_delivery(self, offer) -> None:
        """At the gate: timing, unloading, checking (not cut by a gateway; cut by coordination and routine)."""
        self.spend(self.model.cfg.leader_hours.receive * self.work_factor())
        self.known[offer.supplier] = self.known.get(offer.supplier, 0) + 1
        self.deliveries += 1

    def become_coordinator(self) -> None:
        self.coordinator = True

    def retire(self) -> None:
        self.active = False
        if self.coordinator:
            self.model.coordination.stand_down(self)

    def __repr__(self) -> str:
        gw = (", gateway" if self.uses_gateway else "") + (", coordinator" if self.coordinator else "")
        return f"GroupLeader(household={self.household_index}, compound={self.compound.index}, {self.hours_per_day:.1f} h/day{gw})"
