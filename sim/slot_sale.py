"""The slot sale: individual platform ordering, with delivery slots released at fixed opening times and sold first
come, first served.

Today's slots at each site are what its pickers and riders can deliver (sim/platform_capacity.py). A household's
app lists every open site that delivers to its compound. After each opening, households arrive after a reaction
delay that depends on who orders for them (a practised young user, an older user, a remote child, a volunteer for a
listed older resident), and each takes a slot at the nearest site that still has one. With `fcfs_slots` off the
arrival order is a lottery.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import njit
from lockdown_sim.sim.pcg_draws import draws_compiled, gammas_from_words, stream_words
from lockdown_sim.sim.population import NONE, OLDER, PROXY, VOLUNTEER, YOUNG


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

    Arrivals are taken in order of delay, ties in household order (the order of a stable sort), but sorted only as
    far as the sale needs: they are spread into buckets of about one household each by delay (each bucket in
    household order), up to three mean delays (later ones share the last bucket), and each bucket is sorted when
    its turn comes. Slots usually sell out within the first fifth of the arrivals; the rest are only turned away,
    in any order.
    """
    n = len(tryers)
    comp = np.empty(n, np.int64)
    delay = np.empty(n)
    lo, hi, total = np.inf, -np.inf, 0.0
    for j in range(n):
        i = tryers[j]
        comp[j] = compound[i]
        d = gamma[j] * (reaction[cls[i]] if fcfs else 1.0)
        delay[j] = d
        lo, hi, total = min(lo, d), max(hi, d), total + d
    won = np.full(n, -1, np.int64)
    next_site = cand_ptr[:-1].copy()
    open_sites = 0
    for s in range(len(remaining)):
        open_sites += remaining[s] > 0
    # buckets by delay: bucket(d) never decreases as d grows, and each bucket is filled in household order
    n_buckets = max(1, n)
    span = min(hi, 3.0 * total / max(n, 1)) - lo
    scale = n_buckets / span if span > 0 else 0.0
    count = np.zeros(n_buckets + 1, np.int64)
    for j in range(n):
        count[int(min((delay[j] - lo) * scale, n_buckets - 1.0)) + 1] += 1
    for b in range(n_buckets):
        count[b + 1] += count[b]
    pos = count[:-1].copy()
    order, key = np.empty(n, np.int64), np.empty(n)
    for j in range(n):
        b = int(min((delay[j] - lo) * scale, n_buckets - 1.0))
        order[pos[b]], key[pos[b]] = j, delay[j]
        pos[b] += 1
    done = n  # arrivals sold to (all of them, unless every site filled up)
    for b in range(n_buckets):
        first, end = count[b], count[b + 1]
        if end - first > 16:  # a crowded bucket (the last one, or a peak): numpy's stable sort
            by_delay = np.argsort(key[first:end], kind="mergesort")
            order[first:end], key[first:end] = order[first:end][by_delay], key[first:end][by_delay]
        else:
            for q in range(first + 1, end):  # insertion: strictly greater moves, so equal delays keep their order
                kq, jq = key[q], order[q]
                k = q - 1
                while k >= first and key[k] > kq:
                    key[k + 1], order[k + 1] = key[k], order[k]
                    k -= 1
                key[k + 1], order[k + 1] = kq, jq
        for q in range(first, end):
            if open_sites == 0:
                done = q
                break
            j = order[q]
            c = comp[j]
            k, stop = next_site[c], cand_ptr[c + 1]
            while k < stop:
                s = cand_site[k]
                if remaining[s] > 0:
                    remaining[s] -= 1
                    won[j] = s
                    if remaining[s] == 0:
                        sold_at[s] = key[q]
                        open_sites -= 1
                    break
                turned_away[s] = True
                k += 1
            next_site[c] = k
        if done < n:
            break
    if done < n:  # every site is full: each household still to arrive finds its compound's sites full
        waiting = np.zeros(len(next_site), np.int64)  # per compound: households still to arrive
        for j in range(n):
            waiting[comp[j]] += 1
        for q in range(done):
            waiting[comp[order[q]]] -= 1
        for c in range(len(next_site)):
            if waiting[c] > 0:
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
def _sale(draws, tryers, cls, compound, reaction, fcfs, cand_ptr, cand_site, slots, shares, won_site, demand, size,
          basket_days, elderly):
    """The day's openings in one compiled pass: at each, the sites release their share of today's slots so far,
    the households still without one arrive (gamma delays drawn from the stream's state `draws`, as
    `rng.gamma(2.0, 0.5, n)` would: sim/pcg_draws.py) and `_opening` sells. Returns (winners in the order won,
    their baskets: what each lacks, at most basket_days of its food, float32 as numpy rounds it; winners within ten
    minutes of the first opening; the median delay at which a site sold out with households still arriving (nan
    if none did); winners a volunteer ordered for; winners with an older member)."""
    n_sites = len(slots)
    taken = np.zeros(n_sites, np.int64)
    winners = np.empty(len(tryers), np.int64)
    sellouts = np.empty(n_sites * len(shares))
    n_won, n_sold, early = 0, 0, 0
    cum_share = 0.0
    for k in range(len(shares)):
        cum_share += shares[k]
        if len(tryers) == 0:
            break
        remaining = np.empty(n_sites, np.int64)
        for site in range(n_sites):
            remaining[site] = np.int64(np.floor(slots[site] * min(cum_share, 1.0))) - taken[site]
        start = remaining.copy()
        sold_at = np.full(n_sites, np.nan)
        turned = np.zeros(n_sites, np.bool_)
        # a reaction is two stages (into the app, through the checkout): gamma with shape 2 around the mean
        stages = gammas_from_words(draws, 2.0, 0.5, len(tryers))
        won, tryers, early_k = _opening(tryers, cls, compound, stages, reaction, fcfs, cand_ptr, cand_site, remaining,
                                        sold_at, turned, won_site)
        winners[n_won:n_won + len(won)] = won
        n_won += len(won)
        for site in range(n_sites):
            taken[site] += start[site] - remaining[site]
            if turned[site] and np.isfinite(sold_at[site]):
                sellouts[n_sold] = sold_at[site]
                n_sold += 1
        if k == 0:
            early = early_k
    median = np.nan
    if n_sold > 0:  # np.median: the middle one, or the mean of the two middle ones
        sold = np.sort(sellouts[:n_sold])
        median = sold[n_sold // 2] if n_sold % 2 else (sold[n_sold // 2 - 1] + sold[n_sold // 2]) / 2.0
    winners = winners[:n_won]
    basket = np.empty(n_won, np.float32)
    volunteer, older = 0, 0
    for j in range(n_won):
        i = winners[j]
        basket[j] = np.float32(min(np.float64(demand[i]), basket_days * np.float64(size[i])))
        volunteer += cls[i] == VOLUNTEER
        older += elderly[i]
    return winners, basket, early, median, volunteer, older


class SlotSale:
    """Who orders for each household, the day's sale of slots at the opening times, and the winners' baskets on their
    way to the gates (vectorised over households)."""

    def __init__(self, scenario, pop, capacity, food, gate, ledger, listed, rng: np.random.Generator, *, fcfs: bool,
                 proxies: bool):
        """`capacity` is the platform's sites and riders (sim/platform_capacity.py), `listed` the older residents
        volunteers have listed (who volunteers order for)."""
        p = scenario.platform
        self.pop, self.capacity = pop, capacity
        self.food, self.gate, self.ledger, self.listed = food, gate, ledger, listed
        self._rng = rng
        self.fcfs = fcfs
        self.base_class = pop.ordering_class(proxies)
        self.ordering_class = self.base_class  # who orders for each household today (set by each day's sale)
        self.reaction = np.zeros(5)
        self.reaction[[YOUNG, OLDER, PROXY, VOLUNTEER]] = [p.reaction_minutes_young, p.reaction_minutes_older,
                                                           p.reaction_minutes_proxy, p.reaction_minutes_volunteer]
        self.openings = p.openings
        self.basket_days = p.basket_days
        self.won_site = np.full(pop.n, -1, dtype=np.int64)  # site of each household's latest won slot
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        """Zero the day's counts of the sale (read by the day's metrics)."""
        self.tried = 0
        self.tried_elderly = 0
        self.won = 0
        self.won_elderly = 0
        self.portions = 0.0
        self.sellout_minutes = float("nan")
        self.first_ten_minutes = 0
        self.volunteer_orders = 0

    def sell(self) -> None:
        """The day's sale: households in need try for slots (volunteers order for the residents they listed), riders
        are dispatched to where orders wait, and the winners' baskets go to their gates on the riders' rounds."""
        self.reset_day_stats()
        winners, baskets = self.book(self.food.demand(), self.listed)
        self.food.order(winners, baskets)
        self.gate.drop(winners, baskets)
        self.ledger.record("platform_to_gate", self.portions)
        self.capacity.rounds(winners, self.won_site[winners])

    def book(self, demand: np.ndarray, listed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Dispatch riders to where orders wait and sell today's slots.

        Returns (households that won a slot, portions in each basket).
        """
        pop, capacity = self.pop, self.capacity
        listed = np.zeros(pop.n, dtype=bool) if listed is None else listed
        cls = self.ordering_class = np.empty(pop.n, dtype=np.int8)
        tryers, tried_elderly, waiting = _tryers(demand, self.base_class, listed, capacity.first_site, pop.compound,
                                                 pop.elderly, cls, capacity.n_sites)
        self.tried = len(tryers)
        self.tried_elderly = int(tried_elderly)
        capacity.dispatch_riders(waiting)
        if len(tryers) == 0:
            return tryers, np.zeros(0, dtype=np.float32)
        shares = np.array([share for _minute, share in self.openings], dtype=np.float64)
        if draws_compiled(self._rng):  # the whole sale compiled, its gamma draws too
            with stream_words(self._rng) as draws:
                winners, basket, early, median, volunteer, older = _sale(
                    draws, tryers, cls, pop.compound, self.reaction, self.fcfs, capacity.cand_ptr, capacity.cand_site,
                    capacity.slots, shares, self.won_site, demand, pop.size, float(self.basket_days), pop.elderly)
        else:  # pragma: no cover - numba's tables of numpy's ziggurat missing: numpy's gamma between the openings
            winners, basket, early, median, volunteer, older = self._sale_drawn_by_numpy(tryers, cls, demand, shares)
        self.sellout_minutes = float(median)
        self.won = len(winners)
        self.first_ten_minutes = int(early)
        self.volunteer_orders = int(volunteer)
        self.won_elderly = int(older)
        self.portions = float(basket.sum(dtype=np.float64))
        return winners, basket

    def _sale_drawn_by_numpy(self, tryers, cls, demand, shares):
        """`_sale` with the Generator's own gamma draws, one opening at a time."""
        pop, capacity = self.pop, self.capacity
        winners, sellouts, early = [], [], 0
        taken = np.zeros(capacity.n_sites, dtype=np.int64)
        cum_share = 0.0
        for k, share in enumerate(shares):
            cum_share += share
            if len(tryers) == 0:
                break
            remaining = np.floor(capacity.slots * min(cum_share, 1.0)).astype(np.int64) - taken
            gamma = self._rng.gamma(2.0, 0.5, len(tryers))
            sold_at = np.full(capacity.n_sites, np.nan)
            turned = np.zeros(capacity.n_sites, dtype=np.bool_)
            start = remaining.copy()
            won, tryers, early_k = _opening(tryers, cls, pop.compound, gamma, self.reaction, self.fcfs,
                                            capacity.cand_ptr, capacity.cand_site, remaining, sold_at, turned,
                                            self.won_site)
            winners.append(won)
            taken += start - remaining
            sellouts.append(sold_at[turned & np.isfinite(sold_at)])
            if k == 0:
                early = early_k
        sellouts = np.concatenate(sellouts) if sellouts else np.zeros(0)
        median = np.median(sellouts) if len(sellouts) else np.nan
        winners = np.concatenate(winners) if winners else np.zeros(0, dtype=np.int64)
        basket = np.minimum(demand[winners], self.basket_days * pop.size[winners]).astype(np.float32)
        return (winners, basket, early, median, int((cls[winners] == VOLUNTEER).sum()),
                int(pop.elderly[winners].sum()))
