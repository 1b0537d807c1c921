"""Compound group orders at the platform (the `platform_group` switch; FACTS: one delivery platform set 20 orders per
compound, and its group delivery was next-day): households still in need after the slot sale can join their
compound's group order in the app during the day, with no race at an opening time. A compound's group order goes
ahead once it has the platform's minimum; the nearest open site sells such orders for the next day, in the order
compounds reached their minimum, up to the share of its picking capacity the platform sets aside for them
(`group_capacity_share`, a lever: FACTS gives no share). Booked the day before, they come first the next day: they
use the site's pickers (one pick per household order) and its riders' time (sim/platform_capacity.py), and what is
left is sold as single slots (sim/slot_sale.py). A group order is one hand-over at the gate per van or tricycle load
(pooling inside the platform channel), where single orders are one hand-over each.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.numpy_sums import sum_as_float64
from lockdown_sim.sim.parallel import njit
from lockdown_sim.sim.population import NONE


class GroupBooking:
    """Compound group orders booked at the platform for one delivery day (one entry per household order)."""

    __slots__ = ("due_day", "households", "baskets", "site", "compound")

    def __init__(self, due_day, households, baskets, site, compound):
        self.due_day, self.households, self.baskets, self.site, self.compound = due_day, households, baskets, site, compound

    @property
    def portions(self) -> float:
        return float(self.baskets.sum(dtype=np.float64))


@njit(cache=True)
def _joiners(demand, ordering_class, first_site, compound):
    """Households still in need, with someone to order and a site in reach (in household order)."""
    out = np.empty(len(demand), np.int64)
    n = 0
    for i in range(len(demand)):
        if demand[i] > 0 and ordering_class[i] != NONE and first_site[compound[i]] >= 0:
            out[n] = i
            n += 1
    return out[:n]


@njit(cache=True)
def _kth_smallest(values, first, end, k, work):
    """The k-th smallest (from 0) of values[first:end]: for a small k the k + 1 smallest kept in order, else a
    quickselect (in `work`)."""
    n = end - first
    if k < 64:
        for i in range(n):
            v = values[first + i]
            if i > k:
                if not v < work[k]:
                    continue
                m = k
            else:
                m = i
            while m > 0 and work[m - 1] > v:
                work[m] = work[m - 1]
                m -= 1
            work[m] = v
        return work[k]
    for i in range(n):
        work[i] = values[first + i]
    lo, hi = 0, n - 1
    while lo < hi:
        mid = (lo + hi) // 2
        a, b, c = work[lo], work[mid], work[hi]
        pivot = b if (a <= b) == (b <= c) else (a if (b <= a) == (a <= c) else c)
        i, j = lo, hi
        while i <= j:
            while work[i] < pivot:
                i += 1
            while work[j] > pivot:
                j -= 1
            if i <= j:
                work[i], work[j] = work[j], work[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return work[k]
    return work[k]


@njit(cache=True)
def _book_groups(joiners, comp, arrival, group_min, first_site, limit, n_compounds, n_sites):
    """Compound group orders booked today: a compound's order goes ahead at its group_min-th arrival (earlier joiners
    wait for it); each site books in booking order up to its limit, ties in the order of compound and arrival, and a
    compound cut short of the minimum by the limit does not go ahead. `comp` is sorted (homes are numbered compound
    by compound). Returns (joiners, their sites, their compounds), in each site's booking order, and how many
    compounds booked.

    Nothing is sorted but what a site books: each compound needs only its group_min-th arrival, and each site only
    the joiners booked no later than its limit-th booking time, put in booking order by three stable sorts."""
    n = len(joiners)
    # the group_min-th arrival of each compound with that many joiners (its joiners are contiguous)
    reached = np.zeros(n_compounds)
    goes = np.zeros(n_compounds, np.bool_)
    work = np.empty(n)
    start = 0
    while start < n:
        end = start
        while end < n and comp[end] == comp[start]:
            end += 1
        if end - start >= group_min:
            reached[comp[start]] = _kth_smallest(arrival, start, end, group_min - 1, work)
            goes[comp[start]] = True
        start = end
    # the joiners of those compounds, by site (a stable counting sort), each booked at max(its arrival, the minimum's)
    site_count = np.zeros(n_sites + 1, np.int64)
    for j in range(n):
        if goes[comp[j]]:
            site_count[first_site[comp[j]] + 1] += 1
    for s in range(n_sites):
        site_count[s + 1] += site_count[s]
    m = site_count[n_sites]
    pos = site_count[:-1].copy()
    at, who = np.empty(m), np.empty(m, np.int64)
    for j in range(n):
        c = comp[j]
        if goes[c]:
            p = pos[first_site[c]]
            at[p], who[p] = max(arrival[j], reached[c]), j
            pos[first_site[c]] = p + 1
    # each site books its first `limit` in booking order, ties in the order of compound and arrival: only those
    # booked no later than the limit-th booking time need sorting
    booked, booked_site, kept_comp = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64)
    kept = np.zeros(n_compounds, np.int64)
    n_ok = 0
    for s in range(n_sites):
        first, end = site_count[s], site_count[s + 1]
        take = min(end - first, max(int(np.ceil(limit[s])), 0))
        if take == 0:
            continue
        cutoff = _kth_smallest(at, first, end, take - 1, work)
        n_cand = 0
        for q in range(first, end):
            n_cand += at[q] <= cutoff
        cand = np.empty(n_cand, np.int64)
        k = 0
        for q in range(first, end):
            if at[q] <= cutoff:
                cand[k] = who[q]
                k += 1
        # stable sorts, last key first: by arrival, then compound, then booking time
        cand = cand[np.argsort(arrival[cand], kind="mergesort")]
        cand = cand[np.argsort(comp[cand], kind="mergesort")]
        b_at = np.empty(n_cand)
        for k in range(n_cand):
            b_at[k] = max(arrival[cand[k]], reached[comp[cand[k]]])
        cand = cand[np.argsort(b_at, kind="mergesort")]
        for k in range(take):
            j = cand[k]
            booked[n_ok], booked_site[n_ok], kept_comp[n_ok] = joiners[j], s, comp[j]
            kept[comp[j]] += 1
            n_ok += 1
    k = 0
    for j in range(n_ok):
        if kept[kept_comp[j]] >= group_min:
            booked[k], booked_site[k], kept_comp[k] = booked[j], booked_site[j], kept_comp[j]
            k += 1
    n_booked_compounds = 0
    for c in range(n_compounds):
        n_booked_compounds += kept[c] >= group_min
    return booked[:k], booked_site[:k], kept_comp[:k], n_booked_compounds


class GroupBookings:
    """The platform's compound group orders: booked at the nearest open site for a later day, delivered on that day."""

    def __init__(self, scenario, pop, capacity, sale, food, gate, ledger, rng: np.random.Generator, *, enabled: bool):
        """`capacity` is the platform's sites and riders (sim/platform_capacity.py), `sale` the slot sale
        (sim/slot_sale.py: who orders for each household today); `enabled` is the `platform_group` switch."""
        p = scenario.platform
        self.pop, self.capacity, self.sale = pop, capacity, sale
        self.food, self.gate, self.ledger = food, gate, ledger
        self._rng = rng
        self.enabled = enabled
        self.min_orders = p.group_min_orders
        self.lead_days = p.group_lead_days
        self.capacity_share = p.group_capacity_share
        self.basket_days = p.basket_days
        self.bookings: list[GroupBooking] = []
        self.in_transit = 0.0  # portions booked, not yet at the gate
        self.delivered_total = 0  # compound group orders delivered so far
        self.deliveries = 0  # compound group orders at gates today
        self.portions = 0.0  # their portions
        self.booked_today = 0  # household orders booked today for a later day
        self.booked_compounds = 0

    def deliver(self, day: int) -> None:
        """Group orders booked for today take their pickers and riders' time at their site (before the slot sale)
        and reach their gates: one hand-over per van or tricycle load."""
        self.deliveries, self.portions = 0, 0.0
        due = [b for b in self.bookings if b.due_day <= day]
        if not due:
            return
        self.bookings = [b for b in self.bookings if b.due_day > day]
        hh = np.concatenate([b.households for b in due])
        baskets = np.concatenate([b.baskets for b in due])
        site = np.concatenate([b.site for b in due])
        comp = np.concatenate([b.compound for b in due])
        self.deliveries = self.capacity.carry_group_loads(site, comp)
        self.delivered_total += self.deliveries
        self.portions = float(baskets.sum(dtype=np.float64))
        self.in_transit -= self.portions
        self.gate.drop(hh, baskets)
        self.ledger.record("arrived", self.portions)

    def book(self, day: int) -> None:
        """Households still in need join their compound's group order in the app during the day; the nearest open
        site books, for delivery `lead_days` later, the compounds that reach the minimum, in the order they reached
        it, up to its share of picking capacity. The households booked have food on its way."""
        self.booked_today = self.booked_compounds = 0
        if not self.enabled:
            return
        pop, capacity, demand = self.pop, self.capacity, self.food.demand()
        joiners = _joiners(demand, self.sale.ordering_class, capacity.first_site, pop.compound)
        if len(joiners) < self.min_orders:
            return
        arrival = self._rng.random(len(joiners))  # when in the day each joins (no race at an opening time)
        # each site sells group orders for the delivery day in booking order, up to its share of what it can deliver
        due = day + self.lead_days
        limit = capacity.group_limit(due, self.capacity_share)
        joiners, site, comp, compounds = _book_groups(joiners, pop.compound[joiners].astype(np.int64), arrival,
                                                      int(self.min_orders), capacity.first_site, limit,
                                                      pop.n_compounds, capacity.n_sites)
        if len(joiners) == 0:
            return
        baskets = np.minimum(demand[joiners], self.basket_days * pop.size[joiners]).astype(np.float32)
        portions = sum_as_float64(baskets)  # baskets.sum(dtype=np.float64)
        self.bookings.append(GroupBooking(due, joiners, baskets, site, comp))
        self.in_transit += portions
        self.booked_today = len(joiners)
        self.booked_compounds = int(compounds)
        self.food.order(joiners, baskets)
        self.ledger.record("platform_booked", portions)
