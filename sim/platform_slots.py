"""Individual platform ordering: delivery slots released at fixed opening times, first come, first served.

Capacity follows the record (docs/sources.md#couriers-and-platforms, docs/sources.md#delivery-capacity-over-time):
- open sites (forward warehouses and stores) pick as many orders a day as their staff at work allow;
- riders at work follow the curve of riders on the main platforms, counted once (the count already includes
  riders whose own site was closed), and each makes about 100 stops a day;
- the platform's dispatching pools riders: each day the riders at work are sent to the open sites in proportion
  to the orders waiting there, so a site's slots are min(its picking capacity, the stops of its riders).
A household's app shows the slots of every open site that delivers to its compound (within the service radius).
After each opening, households arrive after a reaction delay that depends on who orders for them (a practised
young user, an older user, a remote child, a volunteer for a listed older resident), and each takes a slot at
the nearest site that still has one. With `fcfs_slots` off the arrival order is a lottery.

Compound group orders (the `platform_group` switch; FACTS: one delivery platform set 20 orders per compound, and
its group delivery was next-day): households still in need after the slot sale can join their compound's group
order in the app during the day, with no race at an opening time. A compound's group order goes ahead once it has
the platform's minimum; the nearest open site sells such orders for the next day, in the order compounds reached
their minimum, up to the share of its picking capacity the platform sets aside for them (`group_capacity_share`,
a lever: FACTS gives no share). Booked the day before, they come first the next day: they use the site's pickers
(one pick per household order) and its riders' time, and what is left is sold as single slots. A group order is
one hand-over at the gate per van or tricycle load (pooling inside the platform channel), where single orders are
one hand-over each.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from lockdown_sim.sim.curves import Curve
from lockdown_sim.sim.population import NONE, OLDER, PROXY, VOLUNTEER, YOUNG, stochastic_round
from lockdown_sim.sim.parallel import njit, threads_on
from lockdown_sim.sim.sorting import group_stably, sort_bucket, spread

MAX_SITES_IN_REACH = 16  # sites an app lists for one address, nearest first


class GroupBooking:
    """Compound group orders booked at the platform for one delivery day (one entry per household order)."""

    __slots__ = ("due_day", "households", "baskets", "site", "compound")

    def __init__(self, due_day, households, baskets, site, compound):
        self.due_day, self.households, self.baskets, self.site, self.compound = due_day, households, baskets, site, compound

    @property
    def portions(self) -> float:
        return float(self.baskets.sum(dtype=np.float64))


@njit(cache=True)
def _tryers(demand, base_class, listed, first_site, compound, elderly, cls, n_sites):
    """Who orders for each household today (`cls`: its own class, or a volunteer for a listed older resident nobody
    orders for), and the households that try for a slot: in need, someone to order, a site in reach. Returns them,
    how many have an older member, and how many wait for each nearest site."""
    tryers = np.empty(len(demand), np.int64)
    waiting = np.zeros(n_sites, np.int64)
    n, older = 0, 0
    for i in range(len(demand)):
        c = base_class[i]
        if c == NONE and listed[i]:
            c = VOLUNTEER
        cls[i] = c
        site = first_site[compound[i]]
        if demand[i] > 0 and c != NONE and site >= 0:
            tryers[n] = i
            n += 1
            older += elderly[i]
            waiting[site] += 1
    return tryers[:n], older, waiting


@njit(cache=True)
def _opening(tryers, cls, compound, gamma, reaction, fcfs, cand_ptr, cand_site, remaining, sold_at, turned_away,
             won_site):
    """One opening of the slot sale: each household arrives `gamma` times the mean reaction of who orders for it
    (with fcfs off: in a lottery order) and takes a slot at the nearest listed site that still has one.

    Returns (winners, the others, winners within ten minutes), each in household order; `won_site` gets each
    winner's site; sold_at[s] is the arrival delay that took site s's last slot, turned_away[s] is set when a
    later arrival found s full. A site that sells out stays full for the rest of the opening, so each compound
    keeps a pointer to its first listed site that may still have slots: a household skips the sites its
    neighbours already found full (they were turned away from them already).
    """
    n = len(tryers)
    comp = np.empty(n, np.int64)
    delay = np.empty(n)
    for j in range(n):
        comp[j] = compound[tryers[j]]
        delay[j] = gamma[j] * (reaction[cls[tryers[j]]] if fcfs else 1.0)
    won = np.full(n, -1, np.int64)
    next_site = cand_ptr[:-1].copy()
    open_sites = 0
    for s in range(len(remaining)):
        open_sites += remaining[s] > 0
    # arrivals in order of delay: spread into ordered buckets, each sorted when its turn comes (with each household's
    # compound, so the sale reads memory in order); once every site is full the households still to arrive are only
    # turned away
    spread_delay, spread_index, spread_comp, starts = spread(delay, comp)
    order_delay, order, order_comp = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    done = n  # arrivals sold to (all of them, unless every site filled up)
    b = 0
    for b in range(len(starts) - 1):
        sort_bucket(spread_delay, spread_index, spread_comp, order_delay, order, order_comp, starts[b],
                    starts[b + 1] - starts[b])
        for q in range(starts[b], starts[b + 1]):
            if open_sites == 0:
                done = q
                break
            c = order_comp[q]
            k, end = next_site[c], cand_ptr[c + 1]
            while k < end:
                s = cand_site[k]
                if remaining[s] > 0:
                    remaining[s] -= 1
                    won[order[q]] = s
                    if remaining[s] == 0:
                        sold_at[s] = order_delay[q]
                        open_sites -= 1
                    break
                turned_away[s] = True
                k += 1
            next_site[c] = k
        if done < n:
            break
    if done < n:  # every site is full: each household still to arrive finds its compound's sites full
        seen = np.zeros(len(next_site), np.bool_)
        for q in range(done, n):
            c = order_comp[q] if q < starts[b + 1] else spread_comp[q]
            if not seen[c]:
                seen[c] = True
                for k in range(next_site[c], cand_ptr[c + 1]):
                    turned_away[cand_site[k]] = True
    n_won = 0
    for j in range(n):
        n_won += won[j] >= 0
    winners = np.empty(n_won, np.int64)
    others = np.empty(n - n_won, np.int64)
    a, o, early = 0, 0, 0
    for j in range(n):
        if won[j] >= 0:
            winners[a] = tryers[j]
            won_site[tryers[j]] = won[j]
            early += delay[j] <= 10.0
            a += 1
        else:
            others[o] = tryers[j]
            o += 1
    return winners, others, early


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
def _book_groups(joiners, comp, arrival, group_min, first_site, limit, n_compounds, n_sites):
    """Compound group orders booked today: a compound's order goes ahead at its group_min-th arrival (earlier joiners
    wait for it); each site books in booking order up to its limit, ties in the order of compound and arrival, and a
    compound cut short of the minimum by the limit does not go ahead. `comp` is sorted (homes are numbered compound
    by compound). Returns (joiners, their sites, their compounds), in each site's booking order."""
    n = len(joiners)
    # each compound's joiners by arrival (its joiners are contiguous)
    by_arrival, by_joiner, by_comp = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    start = 0
    while start < n:
        end = start
        while end < n and comp[end] == comp[start]:
            end += 1
        sort_bucket(arrival, joiners, comp, by_arrival, by_joiner, by_comp, start, end - start)
        start = end
    # compounds that reach the minimum: every joiner is booked at max(its arrival, the minimum's arrival)
    booked_at, booked_joiner, booked_comp = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    site_count = np.zeros(n_sites + 1, np.int64)
    m = 0
    start = 0
    while start < n:
        end = start
        while end < n and by_comp[end] == by_comp[start]:
            end += 1
        if end - start >= group_min:
            reached = by_arrival[start + group_min - 1]
            for j in range(start, end):
                booked_at[m], booked_joiner[m], booked_comp[m] = max(by_arrival[j], reached), by_joiner[j], by_comp[j]
                site_count[first_site[by_comp[j]] + 1] += 1
                m += 1
        start = end
    # by site (a stable counting sort), then by booking time within each site
    for s in range(n_sites):
        site_count[s + 1] += site_count[s]
    pos = site_count[:-1].copy()
    at_site, joiner_site, comp_site = np.empty(m), np.empty(m, np.int64), np.empty(m, np.int64)
    for j in range(m):
        p = pos[first_site[booked_comp[j]]]
        at_site[p], joiner_site[p], comp_site[p] = booked_at[j], booked_joiner[j], booked_comp[j]
        pos[first_site[booked_comp[j]]] = p + 1
    order_at, order_joiner, order_comp = np.empty(m), np.empty(m, np.int64), np.empty(m, np.int64)
    for s in range(n_sites):
        sort_bucket(at_site, joiner_site, comp_site, order_at, order_joiner, order_comp, site_count[s],
                    site_count[s + 1] - site_count[s])
    # each site books up to its limit
    booked, booked_site, kept_comp = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64)
    kept = np.zeros(n_compounds, np.int64)
    n_ok = 0
    for s in range(n_sites):
        for j in range(site_count[s], min(site_count[s + 1], site_count[s] + max(int(np.ceil(limit[s])), 0))):
            booked[n_ok], booked_site[n_ok], kept_comp[n_ok] = order_joiner[j], s, order_comp[j]
            kept[order_comp[j]] += 1
            n_ok += 1
    # a compound cut short of the minimum by the limit does not go ahead
    k = 0
    for j in range(n_ok):
        if kept[kept_comp[j]] >= group_min:
            booked[k], booked_site[k], kept_comp[k] = booked[j], booked_site[j], kept_comp[j]
            k += 1
    return booked[:k], booked_site[:k], kept_comp[:k]


class PlatformChannel:
    """Sites, riders, the daily dispatch of riders to sites, and the slot sale (vectorised over households)."""

    def __init__(self, model, scenario, pop, city, compounds, food, gate, ledger, listed, streams, scale: float, *,
                 fcfs: bool, proxies: bool, courier_availability: float, group_orders: bool = True):
        """`model` is only the Mesa model its sites and riders (agents) belong to; `compounds` the Compound agents
        (gates riders go to), `listed` the older residents volunteers have listed (who volunteers order for)."""
        from lockdown_sim.agents.courier import Rider
        from lockdown_sim.agents.supplier import PlatformSupplier

        p, c = scenario.platform, scenario.couriers
        self.pop, self.city, self.compounds = pop, city, compounds
        self.food, self.gate, self.ledger, self.listed = food, gate, ledger, listed
        self._slot_rng = streams("platform.slots")
        self._staff_rng = streams("platform.staff")
        self.fcfs = fcfs
        self.group_orders = group_orders
        self._group_rng = streams("platform.group")
        self.group_min = p.group_min_orders
        self.group_lead = p.group_lead_days
        self.group_share = p.group_capacity_share
        self.group_per_trip = p.group_baskets_per_trip
        self.group_handover = p.group_handover_minutes
        self.bookings: list[GroupBooking] = []
        self.group_in_transit = 0.0  # portions of group orders booked, not yet at the gate
        self.group_orders_total = 0  # compound group orders delivered so far
        self.base_class = pop.ordering_class(proxies)
        self.ordering_class = self.base_class
        self.reaction = np.zeros(5)
        self.reaction[[YOUNG, OLDER, PROXY, VOLUNTEER]] = [p.reaction_minutes_young, p.reaction_minutes_older,
                                                           p.reaction_minutes_proxy, p.reaction_minutes_volunteer]
        self.openings = p.openings
        self.open_share = Curve(p.site_open_share)
        self.staff_share = Curve(p.staff_share)
        self.basket_days = p.basket_days
        self.radius_km = p.service_radius_km
        self.cross_river = p.riders_cross_river

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
        pool = max(c.real_riders_normal, float(np.max(Curve(c.riders_working).values)))
        n_riders = stochastic_round(pool * courier_availability * scale, rider_rng, minimum=1)
        self.riders_at_work = Curve(c.riders_working).scaled(courier_availability * scale)
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
        self.orders = np.zeros(self.n_sites, dtype=np.int64)
        self.won_site = np.full(pop.n, -1, dtype=np.int64)  # site of each household's latest won slot
        self._open_key = None
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        self.tried = 0
        self.won = 0
        self.stops = 0
        self.stop_capacity = 0
        self.portions = 0.0
        self.sellout_minutes = float("nan")
        self.first_ten_minutes = 0
        self.volunteer_orders = 0
        self.orders[:] = 0
        self.won_elderly = 0
        self.tried_elderly = 0
        self.group_deliveries = 0  # compound group orders at gates today
        self.group_trips = 0  # their hand-overs (one per van or tricycle load)
        self.group_portions = 0.0
        self.group_stop_equivalents = 0.0
        self.group_booked_today = 0  # household orders booked today for a later day
        self.group_booked_compounds = 0

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
    def sell(self, day: int) -> None:
        """The platform's day: sites open and riders come to work; compound group orders booked yesterday reach their
        gates; the slot sale (volunteers order for the residents they listed) and the riders' rounds; households
        still in need join today's compound group orders."""
        food, gate, ledger = self.food, self.gate, self.ledger
        self.start_day(day)
        group_hh, group_baskets = self.deliver_group_orders(day)
        gate.drop(group_hh, group_baskets)
        ledger.record("arrived", self.group_portions)
        winners, baskets = self.book(food.demand(), self.listed)
        food.order(winners, baskets)
        gate.drop(winners, baskets)
        ledger.record("platform_to_gate", self.portions)
        self.deliver(winners)
        joined, joined_baskets = self.book_group_orders(food.demand(), day)
        food.order(joined, joined_baskets)
        ledger.record("platform_booked", float(joined_baskets.sum(dtype=np.float64)))

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

    def book(self, demand: np.ndarray, listed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Dispatch riders to where orders wait and sell today's slots.

        Returns (households that won a slot, portions in each basket).
        """
        pop = self.pop
        listed = np.zeros(pop.n, dtype=bool) if listed is None else listed
        cls = self.ordering_class = np.empty(pop.n, dtype=np.int8)
        tryers, tried_elderly, waiting = _tryers(demand, self.base_class, listed, self.first_site, pop.compound,
                                                 pop.elderly, cls, self.n_sites)
        self.tried = len(tryers)
        self.tried_elderly = int(tried_elderly)
        self.dispatch_riders(waiting)
        if len(tryers) == 0:
            return tryers, np.zeros(0, dtype=np.float32)
        winners, sellouts, early = [], [], 0
        taken = np.zeros(self.n_sites, dtype=np.int64)
        cum_share = 0.0
        for k, (_minute, share) in enumerate(self.openings):
            cum_share += share
            remaining = np.floor(self.slots * min(cum_share, 1.0)).astype(np.int64) - taken
            if len(tryers) == 0:
                break
            # a reaction is two stages (into the app, through the checkout): gamma with shape 2 around the mean
            gamma = self._slot_rng.gamma(2.0, 0.5, len(tryers))
            sold_at = np.full(self.n_sites, np.nan)
            turned = np.zeros(self.n_sites, dtype=np.bool_)
            start = remaining.copy()
            won, tryers, early_k = _opening(tryers, cls, pop.compound, gamma, self.reaction, self.fcfs, self.cand_ptr,
                                            self.cand_site, remaining, sold_at, turned, self.won_site)
            winners.append(won)
            taken += start - remaining
            sellouts.extend(sold_at[turned & np.isfinite(sold_at)].tolist())
            if k == 0:
                early = early_k
        self.sellout_minutes = float(np.median(sellouts)) if sellouts else float("nan")
        winners = np.concatenate(winners) if winners else np.zeros(0, dtype=np.int64)
        basket = np.minimum(demand[winners], self.basket_days * pop.size[winners]).astype(np.float32)
        self.won = len(winners)
        self.first_ten_minutes = early
        self.volunteer_orders = int((cls[winners] == VOLUNTEER).sum())
        self.won_elderly = int(pop.elderly[winners].sum())
        self.orders = np.bincount(self.won_site[winners], minlength=self.n_sites)
        self.portions = float(basket.sum(dtype=np.float64))
        return winners, basket

    # --- compound group orders --------------------------------------------------------------------------
    def deliver_group_orders(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Group orders booked for today take their pickers and riders' time at their site (before the slot sale)
        and reach their gates: one hand-over per van or tricycle load. Returns (households, baskets) at gates."""
        due = [b for b in self.bookings if b.due_day <= day]
        if not due:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        self.bookings = [b for b in self.bookings if b.due_day > day]
        hh = np.concatenate([b.households for b in due])
        baskets = np.concatenate([b.baskets for b in due])
        site = np.concatenate([b.site for b in due])
        comp = np.concatenate([b.compound for b in due])
        self.group_picks = np.bincount(site, minlength=self.n_sites).astype(np.float64)
        # one load per group_per_trip baskets, each a round trip from the site and one hand-over at the gate
        pair, inverse, orders = np.unique(comp.astype(np.int64) * self.n_sites + site, return_inverse=True, return_counts=True)
        p_comp, p_site = pair // self.n_sites, pair % self.n_sites
        trips = np.ceil(orders / self.group_per_trip)
        minutes = trips * (2 * self.first_km[p_comp] * self.minutes_per_km + self.group_handover)
        self.group_stop_eq = np.bincount(p_site, weights=minutes / self.minutes_per_stop[p_site], minlength=self.n_sites)
        self.group_deliveries = len(pair)
        self.group_orders_total += len(pair)
        self.group_trips = int(trips.sum())
        self.group_portions = float(baskets.sum(dtype=np.float64))
        self.group_stop_equivalents = float(self.group_stop_eq.sum())
        self.group_in_transit -= self.group_portions
        return hh, baskets

    def book_group_orders(self, demand: np.ndarray, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Households still in need join their compound's group order in the app during the day; the nearest open
        site books, for delivery `group_lead` days later, the compounds that reach the minimum, in the order they
        reached it, up to its share of picking capacity. Returns (households booked, their baskets)."""
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if not self.group_orders:
            return empty
        pop = self.pop
        joiners = _joiners(demand, self.ordering_class, self.first_site, pop.compound)
        if len(joiners) < self.group_min:
            return empty
        arrival = self._group_rng.random(len(joiners))  # when in the day each joins (no race at an opening time)
        # each site sells group orders for the delivery day in booking order, up to its share of what it can deliver:
        # its pickers that day, and no more than its riders made today (the forecast: a site without riders sells none)
        due = day + self.group_lead
        riders_today = self.site_riders * np.where(self.site_open, self.stops_per_rider, 0) + self.group_stop_eq
        limit = np.floor(self.group_share * np.minimum(self.site_orders * self.staff_share(due), riders_today))
        limit = limit * self.site_open
        joiners, site, comp = _book_groups(joiners, pop.compound[joiners].astype(np.int64), arrival, self.group_min,
                                           self.first_site, limit, pop.n_compounds, self.n_sites)
        if len(joiners) == 0:
            return empty
        baskets = np.minimum(demand[joiners], self.basket_days * pop.size[joiners]).astype(np.float32)
        booking = GroupBooking(due, joiners, baskets, site, comp)
        self.bookings.append(booking)
        self.group_in_transit += booking.portions
        self.group_booked_today = len(joiners)
        self.group_booked_compounds = len(np.unique(comp))
        return joiners, baskets

    def deliver(self, winners: np.ndarray) -> None:
        """Riders take the day's baskets to the gates: one stop per order, filling each site's riders in turn (each
        site's orders in the order they were won); a rider ends the day at the gate of its last stop. (Group
        deliveries add one hand-over per load.)"""
        self.stops = len(winners) + self.group_trips
        if len(winners) == 0:
            return
        site = self.won_site[winners]
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
        self.rider_gate[riders[go]] = self.pop.compound[winners[by_site[last]]]


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    raw = total * shares
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out
