"""Platform capacity: the e-grocery platforms' sites, their staff and their riders, and the daily dispatch of riders
to sites. What they can pick and deliver follows the record (docs/sources.md#couriers-and-platforms,
docs/sources.md#delivery-capacity-over-time):
- open sites (forward warehouses and stores) pick as many orders a day as their staff at work allow;
- riders at work follow the curve of riders on the main platforms, counted once (the count already includes
  riders whose own site was closed), and each makes about 100 stops a day;
- the platform's dispatching pools riders: each day the riders at work are sent to the open sites in proportion
  to the orders waiting there, so a site's slots are min(its picking capacity, the stops of its riders).
A household's app shows the slots of every open site that delivers to its compound (within the service radius):
the compound's catchment, nearest first. Compound group orders booked the day before (sim/group_bookings.py) take
their pickers and riders' time first, one hand-over at the gate per van or tricycle load; what is left is sold as
single slots (sim/slot_sale.py), and the riders' rounds take the single orders to the gates.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from lockdown_sim.sim.curves import Curve
from lockdown_sim.sim.numpy_sums import sum_float64
from lockdown_sim.sim.parallel import njit, threads_on
from lockdown_sim.sim.population import stochastic_round
from lockdown_sim.sim.sorting import group_stably

MAX_SITES_IN_REACH = 16  # sites an app lists for one address, nearest first


class PlatformCapacity:
    """Sites, their staff and riders: where each compound can order from, and what each site can pick and its riders
    deliver today (vectorised over sites and riders)."""

    def __init__(self, model, scenario, pop, city, compounds, streams, scale: float, *, courier_availability: float):
        """`model` is only the Mesa model its sites and riders (agents) belong to; `compounds` the Compound agents
        (gates riders go to)."""
        from lockdown_sim.agents.courier import Rider
        from lockdown_sim.agents.supplier import PlatformSupplier

        p, c = scenario.platform, scenario.couriers
        self.pop, self.city, self.compounds = pop, city, compounds
        self._staff_rng = streams("platform.staff")
        self.open_share = Curve(p.site_open_share)
        self.staff_share = Curve(p.staff_share)
        self.radius_km = p.service_radius_km
        self.cross_river = p.riders_cross_river
        self.group_per_trip = p.group_baskets_per_trip
        self.group_handover = p.group_handover_minutes

        # Sites: at least one per district, placed where households live (at random compounds' cells).
        site_rng = streams("platform.sites")
        n_by_district = [stochastic_round(p.real_sites * scale * share, site_rng, minimum=1)
                         for share in (scenario.city.west_share, 1 - scenario.city.west_share)]
        cx, cy = self.cx, self.cy = city.compound_x, city.compound_y
        site_comp = []
        for d, n_d in enumerate(n_by_district):
            comps = np.flatnonzero(pop.compound_district == d)
            if len(comps) == 0:
                continue
            w = pop.compound_size[comps] / pop.compound_size[comps].sum()
            site_comp.append(site_rng.choice(comps, size=n_d, p=w))
        site_comp = np.concatenate(site_comp)
        self.n_sites = len(site_comp)
        self.site_x, self.site_y = cx[site_comp], cy[site_comp]
        self.site_district = pop.compound_district[site_comp]
        self.site_orders = p.site_orders_normal * p.real_sites * scale / self.n_sites
        # stratified draws: the number of open sites follows the open share even when sites are few
        self.open_draw = (site_rng.permutation(self.n_sites) + site_rng.random(self.n_sites)) / self.n_sites
        self.sites = [PlatformSupplier(model, i, city.cell(self.site_x[i], self.site_y[i])) for i in range(self.n_sites)]

        # Riders: the pool is the largest number ever at work; a stratified draw decides who works each day, so
        # the count at work follows the curve even when riders are few. Each rider has a home site (nearest to
        # where households live) and is dispatched each day to an open site.
        rider_rng = streams("platform.riders")
        riders = riders_curve(c, scenario.timeline.reopen_day)
        pool = max(c.real_riders_normal, float(np.max(riders.values)))
        n_riders = stochastic_round(pool * courier_availability * scale, rider_rng, minimum=1)
        self.riders_at_work = riders.scaled(courier_availability * scale)
        self.rider_draw = (rider_rng.permutation(n_riders) + rider_rng.random(n_riders)) / n_riders
        self._pool_size = n_riders
        self._pool_real = max(pool * courier_availability * scale, 1e-9)
        home = self._catchment(np.ones(self.n_sites, dtype=bool))[0]
        load = np.bincount(home[home >= 0], weights=pop.compound_size[home >= 0], minlength=self.n_sites) + 1e-9
        self.rider_home = np.repeat(np.arange(self.n_sites), _largest_remainder(n_riders, load / load.sum()))
        self.riders = [Rider(model, self, i) for i in range(n_riders)]
        self.rider_site = np.full(n_riders, -1, dtype=np.int64)  # today's site, -1 not at work
        self.rider_working = np.zeros(n_riders, dtype=bool)
        self.rider_capacity = np.zeros(n_riders, dtype=np.int64)
        self.rider_stops = np.zeros(n_riders, dtype=np.int64)
        self.rider_gate = np.full(n_riders, -1, dtype=np.int64)  # compound of each rider's last stop, -1 none yet
        self.handoff = c.rider_handoff_minutes
        self.minutes_per_km = 60.0 / c.rider_km_per_hour
        self.rider_batch = c.rider_batch
        self.rider_minutes = c.rider_minutes_per_day
        self.rider_max_stops = c.rider_max_stops

        self.site_open = np.zeros(self.n_sites, dtype=bool)
        self.first_site = np.full(pop.n_compounds, -1, dtype=np.int64)  # nearest open site in reach, -1 none
        self.cand_ptr = np.zeros(pop.n_compounds + 1, dtype=np.int64)
        self.cand_site = np.zeros(0, dtype=np.int64)
        self.stops_per_rider = np.zeros(self.n_sites, dtype=np.int64)
        self.minutes_per_stop = np.ones(self.n_sites)
        self.first_km = np.zeros(pop.n_compounds)
        self.group_picks = np.zeros(self.n_sites)  # household orders in today's group deliveries, per site
        self.group_stop_eq = np.zeros(self.n_sites)  # their riders' time, in single stops of the site
        self.staff_capacity = np.zeros(self.n_sites, dtype=np.int64)
        self.site_riders = np.zeros(self.n_sites, dtype=np.int64)
        self.slots = np.zeros(self.n_sites, dtype=np.int64)
        self.orders = np.zeros(self.n_sites, dtype=np.int64)  # single orders its riders carry today, per site
        self._open_key = None
        self.top_up = None  # a null model's extra slots (sim/platform_top_up.py), given by the model; None: off
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        """Zero the day's counts of stops and loads (read by the day's metrics)."""
        self.stops = 0
        self.stop_capacity = 0
        self.orders[:] = 0
        self.group_trips = 0  # hand-overs of today's compound group orders (one per van or tricycle load)
        self.group_stop_equivalents = 0.0

    # --- where each compound can order from ------------------------------------------------------------
    def _catchment(self, open_mask: np.ndarray, k: int = MAX_SITES_IN_REACH, radius_km: float = np.inf):
        """Open sites by street distance from every compound, nearest first, within `radius_km` (at most k).

        Returns (nearest site per compound or -1, CSR pointers, site ids, km). A k-d tree on Manhattan distance
        proposes candidates on each bank of the river; sites across it are charged the detour via a crossing, or
        are out of reach when riders do not cross the river (`platform.riders_cross_river`).
        """
        n_c = self.pop.n_compounds
        ids, kms = [], []
        for d in (0, 1):
            sites = np.flatnonzero(open_mask & (self.site_district == d))
            if len(sites) == 0:
                continue
            kk = min(k, len(sites))
            tree = cKDTree(np.c_[self.site_x[sites], self.site_y[sites]])
            _, ii = tree.query(np.c_[self.cx, self.cy], k=kk, p=1, workers=-1 if threads_on() else 1)
            cand = sites[np.asarray(ii).reshape(n_c, kk)]
            km = self.city.distance_km(self.site_x[cand], self.site_y[cand], self.cx[:, None], self.cy[:, None])
            if not self.cross_river:
                km = np.where((self.pop.compound_district != d)[:, None], np.inf, km)
            ids.append(cand)
            kms.append(km)
        if not ids:
            return (np.full(n_c, -1, dtype=np.int64), np.zeros(n_c + 1, dtype=np.int64),
                    np.zeros(0, dtype=np.int64), np.zeros(0))
        ids, kms = np.concatenate(ids, axis=1), np.concatenate(kms, axis=1)
        order = np.argsort(kms, axis=1, kind="stable")[:, :k]
        ids, kms = np.take_along_axis(ids, order, 1), np.take_along_axis(kms, order, 1)
        ok = kms <= radius_km + 1e-9
        ptr = np.zeros(n_c + 1, dtype=np.int64)
        np.cumsum(ok.sum(axis=1), out=ptr[1:])
        first = np.where(ok[:, 0], ids[:, 0], -1)
        return first, ptr, ids[ok].astype(np.int64), kms[ok]

    def _place(self) -> None:
        """Work out the open sites' catchments and the stops a rider at each can make (when the open set changes)."""
        key = self.site_open.tobytes()
        if key == self._open_key:
            return
        self._open_key = key
        self.first_site, self.cand_ptr, self.cand_site, cand_km = self._catchment(self.site_open, radius_km=self.radius_km)
        # a rider's trips from a site are as long as the distance to the compounds it is the nearest site for
        served = self.first_site >= 0
        first_km = cand_km[self.cand_ptr[:-1][served]]
        self.first_km = np.zeros(self.pop.n_compounds)
        self.first_km[served] = first_km
        w = np.bincount(self.first_site[served], weights=self.pop.compound_size[served], minlength=self.n_sites)
        wd = np.bincount(self.first_site[served], weights=self.pop.compound_size[served] * first_km, minlength=self.n_sites)
        mean_km = np.where(w > 0, wd / np.maximum(w, 1e-9), 0.0)
        per_stop = self.handoff + 2 * mean_km * self.minutes_per_km / self.rider_batch
        self.minutes_per_stop = per_stop
        self.stops_per_rider = np.minimum(self.rider_max_stops, np.floor(self.rider_minutes / per_stop)).astype(np.int64)

    # --- the day ------------------------------------------------------------------------------------------
    def start_day(self, day: int) -> None:
        """Open sites, staff them, and call riders to work (they are dispatched to sites once demand is known)."""
        self.reset_day_stats()
        self.site_open = self.open_draw < self.open_share(day)
        self._place()
        staff = np.floor(self.site_orders * self.staff_share(day) + self._staff_rng.random(self.n_sites))
        self.staff_capacity = np.where(self.site_open, staff, 0).astype(np.int64)
        share = min(1.0, self.riders_at_work(day) / self._pool_real)
        self.rider_working = self.rider_draw < share
        self.rider_site[:] = -1
        self.rider_capacity[:] = 0
        self.rider_stops[:] = 0
        self.slots[:] = 0
        self.group_picks[:] = 0
        self.group_stop_eq[:] = 0
        if self.top_up is not None:
            self.top_up.start_day(day)

    def dispatch_riders(self, waiting: np.ndarray) -> None:
        """Send the riders at work to open sites: first as many as each site needs for today's group deliveries and
        the orders waiting there (up to its picking capacity), then the rest where picking capacity is left, for
        orders from neighbours. Group deliveries take their pickers and riders' time first: they were booked the
        day before."""
        self.site_riders, self.rider_capacity, self.slots, self.stop_capacity = _dispatch(
            self.rider_working, self.stops_per_rider, self.site_open, self.staff_capacity, self.group_picks,
            self.group_stop_eq, waiting, self.rider_site)
        if self.top_up is not None:  # a null model: pickers and riders beyond the record's, where orders wait
            extra = self.top_up.extra_slots(waiting, self.slots, self.site_open)
            self.slots += extra
            self.stop_capacity += int(extra.sum())

    def carry_group_loads(self, site: np.ndarray, compound: np.ndarray) -> int:
        """Compound group orders due today (one entry per household order: its site and compound) take their pickers
        and their riders' time at their site, before the slot sale: one load per `group_per_trip` baskets, each a
        round trip from the site and one hand-over at the gate. Returns how many compound orders (a compound's
        household orders from one site) reach their gates."""
        self.group_picks, self.group_stop_eq, trips, loads = _group_loads(
            site, compound, self.n_sites, float(self.group_per_trip), self.first_km, self.minutes_per_km,
            self.group_handover, self.minutes_per_stop)
        self.group_trips = int(trips)
        self.group_stop_equivalents = sum_float64(self.group_stop_eq)
        return int(loads)

    def group_limit(self, due_day: int, share: float) -> np.ndarray:
        """Household orders in compound group orders each site may book today for delivery on `due_day`: `share` of
        what it can deliver, its pickers that day and no more than its riders made today (the forecast: a site
        without riders books none); none at a closed site."""
        riders_today = self.site_riders * np.where(self.site_open, self.stops_per_rider, 0) + self.group_stop_eq
        limit = np.floor(share * np.minimum(self.site_orders * self.staff_share(due_day), riders_today))
        return limit * self.site_open

    def rounds(self, households: np.ndarray, site: np.ndarray) -> None:
        """Riders take the day's single orders (of `households`, won at `site`, in the order they were won) to the
        gates: one stop per order, filling each site's riders in turn (each site's orders in the order they were
        won); a rider ends the day at the gate of its last stop. (Group deliveries add one hand-over per load.)"""
        self.orders = _rounds(households, site, self.n_sites, self.rider_site, self.rider_capacity, self.rider_stops,
                              self.rider_gate, self.pop.compound)
        self.stops = len(site) + self.group_trips


def riders_curve(couriers, reopen_day: int) -> Curve:
    """Riders at work over days (real city): the scenario's curve, except that from `riders_late_day` to the
    reopening day it holds `riders_late` (an assumption the record does not give, varied as one number by sweeps
    and the calibration); after reopening the curve's own points come back."""
    late_day, late = couriers.riders_late_day, float(couriers.riders_late)
    points = [(d, v) for d, v in couriers.riders_working]
    if late_day <= reopen_day:
        points = [(d, v) for d, v in points if not late_day <= d <= reopen_day] + [(late_day, late), (reopen_day, late)]
    return Curve(points)


@njit(cache=True)
def _largest_remainder(total, shares):
    """`total` split in proportion to `shares`, in whole numbers (largest remainders first, ties in index order)."""
    raw = total * shares
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        by_remainder = np.argsort(-(raw - out), kind="mergesort")  # stable
        for j in range(rest):
            out[by_remainder[j]] += 1
    return out


@njit(cache=True)
def _dispatch(rider_working, stops_per_rider, site_open, staff_capacity, group_picks, group_stop_eq, waiting,
              rider_site):
    """PlatformCapacity.dispatch_riders in one compiled pass over sites and riders (the same float64 operations
    as the numpy it replaced, in the same order). Sets rider_site of the riders sent; returns (riders per site,
    each rider's stops, slots per site, stops the riders can make)."""
    n_sites = len(stops_per_rider)
    k = 0
    for r in range(len(rider_working)):
        k += rider_working[r]
    stops = np.maximum(stops_per_rider, 1)
    open_ = np.empty(n_sites, np.bool_)
    staff_left, group, need = np.empty(n_sites), np.empty(n_sites), np.zeros(n_sites, np.int64)
    for s in range(n_sites):
        open_[s] = site_open[s] and stops_per_rider[s] > 0
        staff_left[s] = max(np.float64(staff_capacity[s]) - group_picks[s], 0.0)
        group[s] = np.ceil(group_stop_eq[s] - 1e-9)
        if open_[s] or group[s] > 0:
            need[s] = np.int64(np.ceil((min(staff_left[s], np.float64(waiting[s])) + group[s]) / np.float64(stops[s])))
    need_sum = need.sum()
    if need_sum >= k:
        per_site = _largest_remainder(k, need / need_sum) if need_sum > 0 else np.zeros(n_sites, np.int64)
    else:
        spare = np.zeros(n_sites)
        for s in range(n_sites):
            if open_[s]:
                spare[s] = max((staff_left[s] + group[s]) / np.float64(stops[s]) - np.float64(need[s]), 0.0)
        spare_sum = sum_float64(spare)
        per_site = need + _largest_remainder(k - need_sum, spare / spare_sum) if spare_sum > 0 else need
    # the riders at work, in index order, to the sites in order
    site_riders = np.zeros(n_sites, np.int64)
    s, r = 0, 0
    for rider in range(len(rider_working)):
        if not rider_working[rider]:
            continue
        while s < n_sites and site_riders[s] == per_site[s]:
            s += 1
        if s == n_sites:
            break
        rider_site[rider] = s
        site_riders[s] += 1
    rider_capacity = np.zeros(len(rider_site), np.int64)
    for rider in range(len(rider_site)):
        if rider_site[rider] >= 0:
            rider_capacity[rider] = stops[rider_site[rider]]
    slots = np.empty(n_sites, np.int64)
    stop_capacity = 0
    for s in range(n_sites):
        capacity = site_riders[s] * (stops_per_rider[s] if open_[s] else 0)
        stop_capacity += capacity
        slots[s] = np.int64(min(staff_left[s], max(np.float64(capacity) - group[s], 0.0)))
    return site_riders, rider_capacity, slots, stop_capacity


@njit(cache=True)
def _group_loads(site, compound, n_sites, per_trip, first_km, minutes_per_km, handover, minutes_per_stop):
    """PlatformCapacity.carry_group_loads compiled: household orders per site, and per (compound, site) pair in
    the order of np.unique (compound * n_sites + site ascending) its loads and their riders' minutes, added into
    each site's single-stop equivalents in that order, as np.bincount adds its weights. Returns (picks per site,
    stop equivalents per site, loads, compound orders)."""
    picks = np.zeros(n_sites)
    count = np.zeros(n_sites, np.int64)
    keys = np.empty(len(site), np.int64)
    for j in range(len(site)):
        count[site[j]] += 1
        keys[j] = np.int64(compound[j]) * n_sites + site[j]
    for s in range(n_sites):
        picks[s] = np.float64(count[s])
    keys = np.sort(keys)
    stop_eq = np.zeros(n_sites)
    trips_total, pairs = 0.0, 0
    j = 0
    while j < len(keys):
        end = j
        while end < len(keys) and keys[end] == keys[j]:
            end += 1
        c, s = keys[j] // n_sites, keys[j] % n_sites
        trips = np.ceil(np.float64(end - j) / per_trip)
        minutes = trips * (2 * first_km[c] * minutes_per_km + handover)
        stop_eq[s] += minutes / minutes_per_stop[s]
        trips_total += trips
        pairs += 1
        j = end
    return picks, stop_eq, trips_total, pairs


@njit(cache=True)
def _rounds(households, site, n_sites, rider_site, rider_capacity, rider_stops, rider_gate, compound):
    """PlatformCapacity.rounds compiled: each site's riders (in index order) take its orders (in the order won)
    in turn, as many as each can; a rider's last stop is the last of the orders it takes, counted from the back
    of those still waiting when it sets off. Returns the orders per site."""
    orders = np.zeros(n_sites, np.int64)
    for j in range(len(site)):
        orders[site[j]] += 1
    if len(site) == 0:
        return orders
    by_site, first_order = group_stably(site, n_sites)
    before = np.zeros(n_sites, np.int64)  # stops of the site's earlier riders
    for rider in range(len(rider_site)):
        s = rider_site[rider]
        if s < 0:
            continue
        capacity = max(rider_capacity[rider], 0)
        left = max(orders[s] - before[s], 0)
        before[s] += capacity
        stops = min(left, capacity)
        if stops > 0:
            rider_stops[rider] += stops
            rider_gate[rider] = compound[households[by_site[first_order[s] + left - 1]]]
    return orders
