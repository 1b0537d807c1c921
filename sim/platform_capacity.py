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
from lockdown_sim.sim.parallel import threads_on
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

    def dispatch_riders(self, waiting: np.ndarray) -> None:
        """Send the riders at work to open sites: first as many as each site needs for today's group deliveries and
        the orders waiting there (up to its picking capacity), then the rest where picking capacity is left, for
        orders from neighbours. Group deliveries take their pickers and riders' time first: they were booked the
        day before."""
        working = np.flatnonzero(self.rider_working)
        k = len(working)
        stops = np.maximum(self.stops_per_rider, 1)
        open_ = self.site_open & (self.stops_per_rider > 0)
        staff_left = np.maximum(self.staff_capacity - self.group_picks, 0)
        group = np.ceil(self.group_stop_eq - 1e-9)
        need = np.where(open_ | (group > 0), np.ceil((np.minimum(staff_left, waiting) + group) / stops), 0).astype(np.int64)
        if need.sum() >= k:
            per_site = _largest_remainder(k, need / need.sum()) if need.sum() > 0 else np.zeros(self.n_sites, np.int64)
        else:
            spare = np.where(open_, np.maximum((staff_left + group) / stops - need, 0), 0)
            rest = k - int(need.sum())
            per_site = need + (_largest_remainder(rest, spare / spare.sum()) if spare.sum() > 0 else 0)
        sent = np.repeat(np.arange(self.n_sites), per_site)
        self.rider_site[working[:len(sent)]] = sent
        self.site_riders = np.bincount(sent, minlength=self.n_sites)
        self.rider_capacity = np.where(self.rider_site >= 0, stops[np.maximum(self.rider_site, 0)], 0)
        capacity = self.site_riders * np.where(open_, self.stops_per_rider, 0)
        self.slots = np.minimum(staff_left, np.maximum(capacity - group, 0)).astype(np.int64)
        self.stop_capacity = int(capacity.sum())

    def carry_group_loads(self, site: np.ndarray, compound: np.ndarray) -> int:
        """Compound group orders due today (one entry per household order: its site and compound) take their pickers
        and their riders' time at their site, before the slot sale: one load per `group_per_trip` baskets, each a
        round trip from the site and one hand-over at the gate. Returns how many compound orders (a compound's
        household orders from one site) reach their gates."""
        self.group_picks = np.bincount(site, minlength=self.n_sites).astype(np.float64)
        pair, orders = np.unique(compound.astype(np.int64) * self.n_sites + site, return_counts=True)
        p_comp, p_site = pair // self.n_sites, pair % self.n_sites
        trips = np.ceil(orders / self.group_per_trip)
        minutes = trips * (2 * self.first_km[p_comp] * self.minutes_per_km + self.group_handover)
        self.group_stop_eq = np.bincount(p_site, weights=minutes / self.minutes_per_stop[p_site], minlength=self.n_sites)
        self.group_trips = int(trips.sum())
        self.group_stop_equivalents = float(self.group_stop_eq.sum())
        return len(pair)

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
        self.orders = np.bincount(site, minlength=self.n_sites)
        self.stops = len(site) + self.group_trips
        if len(site) == 0:
            return
        by_site, first_order = group_stably(site, self.n_sites)  # first_order[s]: where site s's orders start
        riders = np.flatnonzero(self.rider_site >= 0)  # in index order, so each site's riders in index order
        r_site = self.rider_site[riders]
        capacity = np.maximum(self.rider_capacity[riders], 0)
        order, r_first = group_stably(r_site, self.n_sites)  # r_first[s]: where site s's riders start
        riders, r_site, capacity = riders[order], r_site[order], capacity[order]
        filled = np.cumsum(capacity)
        before = filled - capacity - (filled - capacity)[r_first[r_site]]  # earlier riders' stops
        left = np.maximum(self.orders[r_site] - before, 0)  # orders still waiting when this rider sets off
        stops = np.minimum(left, capacity)
        go = stops > 0
        self.rider_stops[riders[go]] += stops[go]
        last = first_order[r_site[go]] + left[go] - 1  # it takes the site's waiting orders from the last back
        self.rider_gate[riders[go]] = self.pop.compound[households[by_site[last]]]


def riders_curve(couriers, reopen_day: int) -> Curve:
    """Riders at work over days (real city): the scenario's curve, except that from `riders_late_day` to the
    reopening day it holds `riders_late` (an assumption the record does not give, varied as one number by sweeps
    and the calibration); after reopening the curve's own points come back."""
    late_day, late = couriers.riders_late_day, float(couriers.riders_late)
    points = [(d, v) for d, v in couriers.riders_working]
    if late_day <= reopen_day:
        points = [(d, v) for d, v in points if not late_day <= d <= reopen_day] + [(late_day, late), (reopen_day, late)]
    return Curve(points)


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """`total` split in proportion to `shares`, in whole numbers (largest remainders first, ties in index order)."""
    raw = total * shares
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out
