"""Individual platform ordering: delivery slots released at fixed opening times, first come, first served.

Each open platform site sells as many slots a day as its staff can pick and its working riders can deliver
(docs/sources.md#couriers-and-platforms: riders ~100 orders a day; sites and staff partly locked down). Every
household in need that can order on a phone (itself, or a remote proxy) tries when slots open; the fastest win.
With `fcfs_slots` off the same slots go by lottery, so speed (youth, phone practice) no longer decides who eats.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.curves import Curve
from sim.population import NONE, OLDER, PROXY, YOUNG, stochastic_round


class PlatformChannel:
    """Sites, riders and the daily slot sale (vectorised over households)."""

    def __init__(self, model, scenario, pop, city, rng, scale: float, *, fcfs: bool, proxies: bool,
                 courier_availability: float):
        from agents.courier import Rider
        from agents.supplier import PlatformSupplier

        p, c = scenario.platform, scenario.couriers
        self.pop, self.city, self._rng = pop, city, rng
        self.fcfs = fcfs
        self.ordering_class = pop.ordering_class(proxies)
        self.reaction = np.zeros(4)
        self.reaction[[YOUNG, OLDER, PROXY]] = [p.reaction_minutes_young, p.reaction_minutes_older, p.reaction_minutes_proxy]
        self.openings = p.openings
        self.open_share = Curve(p.site_open_share)
        self.staff_share = Curve(p.staff_share)
        self.working_share = Curve(c.riders_working).scaled(courier_availability / max(c.real_riders_normal, 1))
        self.basket_days = p.basket_days
        self.radius_cells = p.service_radius_km / city.cell_km

        # Sites: at least one per district, placed where households live (at random compounds' cells).
        # A site may serve across the river (through a crossing) when it is the nearest open one.
        n_by_district = [stochastic_round(p.real_sites * scale * share, rng, minimum=1)
                         for share in (scenario.city.west_share, 1 - scenario.city.west_share)]
        cx, cy = model.compound_x, model.compound_y
        self.cx, self.cy = cx, cy
        site_comp = []
        for d, n_d in enumerate(n_by_district):
            comps = np.flatnonzero(pop.compound_district == d)
            if len(comps) == 0:
                continue
            w = pop.compound_size[comps] / pop.compound_size[comps].sum()
            site_comp.append(rng.choice(comps, size=n_d, p=w))
        site_comp = np.concatenate(site_comp)
        self.n_sites = len(site_comp)
        self.site_x, self.site_y = cx[site_comp], cy[site_comp]
        self.site_district = pop.compound_district[site_comp]
        self.site_orders = p.site_orders_normal * p.real_sites * scale / self.n_sites
        # stratified draws: the number of open sites follows the open share even when sites are few
        self.open_draw = (rng.permutation(self.n_sites) + rng.random(self.n_sites)) / self.n_sites
        self.sites = [PlatformSupplier(model, i, city.cell(self.site_x[i], self.site_y[i])) for i in range(self.n_sites)]

        # Riders, shared among sites in proportion to the households nearest each site.
        nearest_all = self._nearest(np.ones(self.n_sites, dtype=bool), limit=np.inf)[0]
        load = np.bincount(nearest_all, weights=pop.compound_size, minlength=self.n_sites) + 1e-9
        n_riders = stochastic_round(c.real_riders_normal * scale, rng, minimum=1)
        per_site = _largest_remainder(n_riders, load / load.sum())
        # stratified draws: the riders at work follow the working share even when riders are few
        self.rider_draw = (rng.permutation(n_riders) + rng.random(n_riders)) / n_riders
        self.riders = []
        for i, k in enumerate(per_site):
            for _ in range(int(k)):
                rider = Rider(model, self.sites[i], self.sites[i].cell, len(self.riders))
                self.sites[i].riders.append(rider)
                self.riders.append(rider)
        self.rider_site = np.array([r.base.index for r in self.riders], dtype=np.int64)
        self.rider_working = np.zeros(n_riders, dtype=bool)
        self.rider_capacity = np.zeros(n_riders, dtype=np.int64)
        self.rider_stops = np.zeros(n_riders, dtype=np.int64)
        self.handoff = c.rider_handoff_minutes
        self.minutes_per_km = 60.0 / c.rider_km_per_hour
        self.rider_batch = c.rider_batch
        self.rider_minutes = c.rider_minutes_per_day
        self.rider_max_stops = c.rider_max_stops

        self.site_open = np.zeros(self.n_sites, dtype=bool)
        self.site_of = np.full(pop.n_compounds, -1, dtype=np.int64)
        self.stops_per_rider = np.zeros(self.n_sites, dtype=np.int64)
        self.slots = np.zeros(self.n_sites, dtype=np.int64)
        self.orders = np.zeros(self.n_sites, dtype=np.int64)
        self._open_key = None
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        self.tried = 0
        self.won = 0
        self.stops = 0
        self.stop_capacity = 0
        self.portions = 0.0
        self.sellout_minutes = float("nan")
        self.orders[:] = 0
        self.won_elderly = 0
        self.tried_elderly = 0

    def _nearest(self, open_mask: np.ndarray, limit: float):
        """Nearest open site for every compound by street distance (cells), within `limit`.

        A k-d tree on Manhattan distance proposes the nearest site on each bank of the river; the site across
        the river is then charged the detour through a crossing.
        """
        n_c = self.pop.n_compounds
        best_site = np.full(n_c, -1, dtype=np.int64)
        best = np.full(n_c, np.inf)
        for d in (0, 1):
            sites = np.flatnonzero(open_mask & (self.site_district == d))
            if len(sites) == 0:
                continue
            tree = cKDTree(np.c_[self.site_x[sites], self.site_y[sites]])
            _, ii = tree.query(np.c_[self.cx, self.cy], p=1)
            cand = sites[ii]
            km = self.city.distance_km(self.site_x[cand], self.site_y[cand], self.cx, self.cy)
            cells = km / self.city.cell_km
            better = cells < best
            best_site[better], best[better] = cand[better], cells[better]
        ok = best <= limit + 1e-9
        return np.where(ok, best_site, -1), np.where(ok, best, np.inf)

    def start_day(self, day: int) -> None:
        """Open sites, assign compounds to their nearest open site, and call riders to work."""
        self.reset_day_stats()
        self.site_open = self.open_draw < self.open_share(day)
        key = self.site_open.tobytes()
        if key != self._open_key:
            self._open_key = key
            self.site_of, dist = self._nearest(self.site_open, self.radius_cells)
            served = self.site_of >= 0
            w = np.bincount(self.site_of[served], weights=self.pop.compound_size[served], minlength=self.n_sites)
            wd = np.bincount(self.site_of[served], weights=(self.pop.compound_size * dist)[served], minlength=self.n_sites)
            mean_km = np.where(w > 0, wd / np.maximum(w, 1e-9), 0.0) * self.city.cell_km
            per_stop = self.handoff + 2 * mean_km * self.minutes_per_km / self.rider_batch
            self.stops_per_rider = np.minimum(self.rider_max_stops, np.floor(self.rider_minutes / per_stop)).astype(np.int64)
        share = self.working_share(day)
        self.rider_working = self.site_open[self.rider_site] & (self.rider_draw < share)
        self.rider_capacity = np.where(self.rider_working, self.stops_per_rider[self.rider_site], 0)
        self.rider_stops[:] = 0
        capacity = np.bincount(self.rider_site, weights=self.rider_capacity, minlength=self.n_sites).astype(np.int64)
        self.site_rider_capacity = capacity
        staff = np.floor(self.site_orders * self.staff_share(day) + self._rng.random(self.n_sites)).astype(np.int64)
        self.slots = np.where(self.site_open, np.minimum(staff, capacity), 0)
        self.stop_capacity = int(capacity.sum())

    def book(self, demand: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sell today's slots. Returns (households that won a slot, portions in each basket)."""
        pop = self.pop
        cls = self.ordering_class
        site_hh = self.site_of[pop.compound]
        tryers = np.flatnonzero((demand > 0) & allowed & (cls != NONE) & (site_hh >= 0))
        self.tried = len(tryers)
        self.tried_elderly = int(pop.elderly[tryers].sum())
        if len(tryers) == 0:
            return tryers, np.zeros(0, dtype=np.float32)
        site = site_hh[tryers]
        site_small = site.astype(np.int16 if self.n_sites < 2**15 else np.int32)  # radix-sortable
        winners = []
        taken = np.zeros(self.n_sites, dtype=np.int64)
        cum_share, sellouts = 0.0, []
        for _minute, share in self.openings:
            cum_share += share
            cap = np.floor(self.slots * min(cum_share, 1.0)).astype(np.int64) - taken
            if len(tryers) == 0:
                break
            mean = self.reaction[cls[tryers]] if self.fcfs else np.ones(len(tryers))
            delay = self._rng.exponential(1.0, len(tryers)) * mean
            # by site, then by arrival: the permutation of np.lexsort((delay, site)), faster. Quicksort equals the
            # stable sort when no two delays are equal (continuous draws); if two ever are, sort stably.
            order = np.argsort(delay)
            if len(order) > 1 and (np.diff(delay[order]) == 0).any():
                order = np.argsort(delay, kind="stable")
            order = order[np.argsort(site_small[order], kind="stable")]
            s_sorted = site[order]
            counts = np.bincount(s_sorted, minlength=self.n_sites)
            pos = np.arange(len(order)) - (np.cumsum(counts) - counts)[s_sorted]
            win = pos < cap[s_sorted]
            won = order[win]
            winners.append(tryers[won])
            np.add.at(taken, site[won], 1)
            # minutes after opening at which a site's last slot went, where demand exceeded slots
            last = win & (pos == cap[s_sorted] - 1) & (cap[s_sorted] > 0)
            sold_out = np.isin(s_sorted[last], s_sorted[~win])
            sellouts.extend(delay[order[last]][sold_out].tolist())
            keep = np.ones(len(tryers), dtype=bool)
            keep[won] = False
            tryers, site, site_small = tryers[keep], site[keep], site_small[keep]
        self.sellout_minutes = float(np.median(sellouts)) if sellouts else float("nan")
        winners = np.concatenate(winners) if winners else np.zeros(0, dtype=np.int64)
        basket = np.minimum(demand[winners], self.basket_days * pop.size[winners]).astype(np.float32)
        self.won = len(winners)
        self.won_elderly = int(pop.elderly[winners].sum())
        self.orders = np.bincount(self.site_of[pop.compound[winners]], minlength=self.n_sites)
        self.portions = float(basket.sum(dtype=np.float64))
        return winners, basket

    def deliver(self, winners: np.ndarray, model) -> None:
        """Riders take the day's baskets to the gates: one stop per order, filling each site's riders in turn;
        a rider ends the day at the gate of its last stop."""
        self.stops = len(winners)
        if self.stops == 0:
            return
        comp = self.pop.compound[winners]
        site = self.site_of[comp]
        by_site = np.argsort(site, kind="stable")  # each site's orders, in the order they were won
        ends = np.cumsum(np.bincount(site, minlength=self.n_sites))
        for s in np.flatnonzero(self.orders).tolist():
            left = int(self.orders[s])
            targets = comp[by_site[ends[s] - left:ends[s]]]
            for rider in self.sites[s].riders:
                if left == 0:
                    break
                cap = int(self.rider_capacity[rider.index])
                if cap <= 0:
                    continue
                n = min(left, cap)
                self.rider_stops[rider.index] += n
                rider.go_to(model.compounds[int(targets[left - 1])].cell)
                left -= n


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    raw = total * shares
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out
