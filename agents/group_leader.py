"""A group leader: a resident who took on the work of group buying (study: posting offers, counting sign-ups,
collecting money, spreadsheets, then sorting and carrying at the gate). Leaders have a limited number of hours
a day; work beyond them is carried into the next day. A gateway cuts their paperwork and widens their search;
a coordinator in the compound and their own routine cut their hours per order (sim/coordination.py).

A big city has many leaders, so a leader's state is a row of the leaders' arrays (sim/leadership.py) and the
model runs their day's work compiled, all leaders at once; the verbs here do the same work for this leader."""

from __future__ import annotations

import mesa


class GroupLeader(mesa.Agent):
    def __init__(self, model, leadership, row: int):
        super().__init__(model)
        self._leadership = leadership
        self.row = int(row)

    # --- who and what it knows ----------------------------------------------------------------------------
    @property
    def household_index(self) -> int:
        return int(self._leadership.team.household[self.row])

    @property
    def household(self):
        return self.model.households[self.household_index]

    @property
    def compound(self):
        return self._leadership.compounds[int(self._leadership.team.compound[self.row])]

    @property
    def emerged_day(self) -> int:
        return int(self._leadership.emerged_day[self.row])

    @property
    def active(self) -> bool:
        return bool(self._leadership.team.active[self.row])

    @property
    def hours_per_day(self) -> float:
        return float(self._leadership.hours_per_day[self.row])

    @property
    def hours_left(self) -> float:
        return float(self._leadership.team.hours_left[self.row])

    @property
    def hours_worked_today(self) -> float:
        return float(self._leadership.team.hours_today[self.row])

    @property
    def hours_worked_total(self) -> float:
        return float(self._leadership.team.hours_total[self.row])

    @property
    def uses_gateway(self) -> bool:
        return bool(self._leadership.team.uses_gateway[self.row])

    @property
    def coordinator(self) -> bool:
        """A "leader of leaders" for its compound."""
        return bool(self._leadership.coordinator[self.row])

    @property
    def deliveries(self) -> int:
        """Orders it has received at the gate."""
        return int(self._leadership.team.deliveries[self.row])

    @property
    def known(self) -> list[int]:
        """Suppliers it has received orders from, in the order it first did."""
        t = self._leadership.team
        return t.known[self.row, :t.known_count[self.row]].tolist()

    @property
    def offers(self) -> list:
        """Its open offers."""
        t = self._leadership.team
        return [self._leadership.orders.offers[k] for k in t.open_offer[self.row, :t.open_count[self.row]].tolist()]

    # --- time ---------------------------------------------------------------------------------------------
    def spend(self, hours: float) -> None:
        self._leadership.spend(self.row, hours)

    def work_factor(self) -> float:
        """Hours per order as a share of a first-time leader's in an uncoordinated compound (coordination, routine)."""
        return self._leadership.work_factor(self.row)

    def overhead(self, hours: float) -> float:
        """Paperwork hours after the gateway's cut, the coordinator's rules and the leader's routine."""
        return self._leadership.overhead(self.row, hours)

    # --- the day's work -----------------------------------------------------------------------------------
    def lead(self) -> int:
        """Post new offers while the group has uncovered need and there is time; returns how many it posted."""
        return self._leadership.lead([self.row], self.model.day)

    def find_supplier(self, wanted_sets: float):
        """A supplier this leader can reach: (supplier, searched, via_gateway), or None (sim/leadership.py)."""
        return self._leadership.find_supplier(self.row, wanted_sets, self.model.day)

    def receive_delivery(self, offer) -> None:
        """At the gate: timing, unloading, checking (not cut by a gateway; cut by coordination and routine)."""
        self._leadership.receive([self.row], [offer.supplier], self.model.day)

    def become_coordinator(self) -> None:
        self._leadership.appoint_coordinator(self.row)

    def retire(self) -> None:
        self._leadership.retire([self.row])

    def __repr__(self) -> str:
        gw = (", gateway" if self.uses_gateway else "") + (", coordinator" if self.coordinator else "")
        return (f"GroupLeader(household={self.household_index}, compound={self.compound.index}, "
                f"{self.hours_per_day:.1f} h/day{gw})")
