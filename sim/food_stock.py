"""Food at home: daily consumption, running out, and the demand that sends households looking for food.

Portions are person-days of food. A household needs `size` portions a day; a day on which it cannot eat its
full need counts as a day with an empty stock (the brief's "ran out").
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import add_at, kernel, njit, prange

LEFT_UNSERVED_DAYS = 3  # days in a row with an empty stock after which a household counts as left unserved


class FoodStock:
    """Stock, food on its way, and run-out history for every household (vectorised). Other mechanisms change them
    only through the verbs below: order, cancel, receive, spoil, buy, consume."""

    def __init__(self, size: np.ndarray, stock_cfg, rng: np.random.Generator, reorder_rng: np.random.Generator):
        self.size = size.astype(np.float32)
        spread = stock_cfg.initial_days_spread
        days = stock_cfg.initial_days * (1 + spread * (2 * rng.random(len(size)) - 1))
        self.stock = (days * self.size).astype(np.float32)
        self.pending = np.zeros(len(size), dtype=np.float32)  # ordered, not yet home
        self.empty_streak = np.zeros(len(size), dtype=np.int16)
        self.ever_empty = np.zeros(len(size), dtype=bool)
        self.left_unserved = np.zeros(len(size), dtype=bool)
        self.short_today = np.zeros(len(size), dtype=bool)
        self.days_short = np.zeros(len(size), dtype=np.int16)  # days so far it could not eat its full need
        self.needed_today = self.eaten_today = 0.0
        self.eaten = np.zeros(len(size), dtype=np.float32)  # portions each household ate on the last day
        self._apart: tuple | None = None  # households the daily metrics count apart (count_apart)
        self._tallied: tuple | None = None  # ... their counts, taken as the day's eating ended
        self._needed = float(self.size.sum())  # every household needs its size a day
        # households differ in how low they let their stock fall before they look for food (uniform on
        # reorder_days * (1 +/- reorder_spread)); without it, households fed on the same day run low on the same day
        # again, and demand pulses in lockstep with the basket size
        reorder_days = stock_cfg.reorder_days * (1 + stock_cfg.reorder_spread * (2 * reorder_rng.random(len(size)) - 1))
        self.reorder = (reorder_days * self.size).astype(np.float32)
        # a household orders up to target_days, and always at least a day beyond the level at which it looks
        # (so that any combination of the bounded settings makes sense)
        target_days = np.maximum(stock_cfg.target_days, reorder_days + stock_cfg.offer_margin_days + 1.0)
        self.target = (target_days * self.size).astype(np.float32)
        # one model of when a household looks for food, in every channel; a margin (0 by default, bounded in the
        # scenario) lets households take up a group offer they see a little earlier, as supply was uncertain
        self.offer_level = ((reorder_days + stock_cfg.offer_margin_days) * self.size).astype(np.float32)

    def in_need(self) -> np.ndarray:
        """Households whose stock plus food on its way is below their reorder level."""
        return _below(self.stock, self.pending, self.reorder, np.empty(len(self.stock), dtype=bool))

    def demand(self) -> np.ndarray:
        """Portions each household wants to order now, up to its target (0 when not in need)."""
        return _wanted(self.stock, self.pending, self.reorder, self.target, np.empty_like(self.stock))

    def offer_demand(self) -> np.ndarray:
        """Portions each household would take in a group offer it sees (0 when above its offer level)."""
        return _wanted(self.stock, self.pending, self.offer_level, self.target, np.empty_like(self.stock))

    def order(self, households: np.ndarray, portions: np.ndarray) -> None:
        """Food is on its way to these households (a platform slot won, a sign-up accepted, a pack at the gate)."""
        add_at(self.pending, households, portions)

    def cancel(self, households: np.ndarray, portions: np.ndarray) -> None:
        """Food these households were expecting will not come (lapsed or cancelled offers), one after another."""
        _cancel(self.pending, np.asarray(households, dtype=np.int64), np.asarray(portions, dtype=np.float64))

    def receive(self, portions: np.ndarray) -> None:
        """Food arrives home (it was counted as pending until now)."""
        _arrive(self.stock, self.pending, portions)

    def spoil(self, portions: np.ndarray) -> None:
        """Food that waited at the gate too long will not come home."""
        _arrive(None, self.pending, portions)

    def buy(self, portions: np.ndarray) -> None:
        """Food bought in a shop comes straight home (it was never pending)."""
        self.stock += portions

    def consume(self) -> tuple[float, float]:
        """Eat one day; returns (portions needed, portions eaten)."""
        eaten = np.empty_like(self.stock)
        _eat(self.stock, self.size, eaten, self.short_today, self.empty_streak, self.ever_empty, self.days_short,
             self.left_unserved)
        self.needed_today, self.eaten_today = self._needed, float(eaten.sum(dtype=np.float64))
        self.eaten = eaten  # today's portions eaten, per household (need met by group: sim/need_by_group.py)
        self._tallied = None if self._apart is None else _tallies(self.short_today, self.left_unserved,
                                                                  self.ever_empty, *self._apart, eaten)
        return self.needed_today, self.eaten_today

    def count_apart(self, among: np.ndarray, first: np.ndarray, second: np.ndarray) -> None:
        """The households whose day `tallies` will be asked for: counted as each day's eating ends, while its
        arrays are still in the processor's cache (the daily metrics ask for them after the ties' day). The counts
        kept are the day's only because eating is the one writer of the arrays they read (short_today,
        left_unserved, ever_empty, eaten) and the daily record reads them after it; `tallies` counts afresh when
        asked about other households."""
        self._apart = (among, first, second)

    def tallies(self, among: np.ndarray, first: np.ndarray, second: np.ndarray) -> tuple[int, int, int, np.ndarray,
                                                                                          np.ndarray]:
        """The day's counts the daily metrics read, in one compiled pass over the households: (households `among`
        that could not eat their full need today, those among them left unserved so far, households that ever ran
        out, portions eaten today by the groups 0 and 1 of the partition `first`, and of `second`:
        sim/need_by_group.py). The sums are those np.bincount(groups, weights=eaten as float64, minlength=2) gives,
        added in the same order."""
        if self._tallied is not None and all(a is b for a, b in zip((among, first, second), self._apart)):
            return self._tallied
        return _tallies(self.short_today, self.left_unserved, self.ever_empty, among, first, second, self.eaten)


@njit(cache=True)
def _tallies(short, left_unserved, ever_empty, among, first, second, eaten):
    """FoodStock.tallies' pass: counts of short, left unserved (both among `among`) and ever empty households, and
    the portions eaten by groups 0 and 1 of `first` and of `second`, summed as np.bincount sums them."""
    short_among = left_among = ever = 0
    for i in range(len(eaten)):
        ever += ever_empty[i]
        short_among += short[i] & among[i]
        left_among += left_unserved[i] & among[i]
    # the groups' running sums, each in household order; every sum takes a term each household (its portions or
    # +0.0, which leaves a sum started at +0.0 as it is), so the four run side by side without a branch
    first_0 = first_1 = second_0 = second_1 = 0.0
    for i in range(len(eaten)):
        e = np.float64(eaten[i])
        in_0 = first[i] == 0
        first_0 += e if in_0 else 0.0
        first_1 += 0.0 if in_0 else e
        in_0 = second[i] == 0
        second_0 += e if in_0 else 0.0
        second_1 += 0.0 if in_0 else e
    return short_among, left_among, ever, np.array([first_0, first_1]), np.array([second_0, second_1])


# Compiled one-pass versions of the vectorised rules above (float32 arithmetic as numpy does it: a Python number
# meets a float32 array as a float32).
@kernel
def _below(stock, pending, level, out):
    for i in prange(len(stock)):
        out[i] = stock[i] + pending[i] < level[i]
    return out


@kernel
def _wanted(stock, pending, level, target, out):
    zero = np.float32(0)
    for i in prange(len(stock)):
        want = zero
        if stock[i] + pending[i] < level[i]:
            want = target[i] - stock[i] - pending[i]
            if not want >= zero:
                want = zero
        out[i] = want
    return out


@kernel
def _arrive(stock, pending, portions):
    """Portions reach home (stock None: they spoiled on the way), and are no longer pending."""
    zero = np.float32(0)
    for i in prange(len(pending)):
        if stock is not None:
            stock[i] += portions[i]
        p = pending[i] - portions[i]
        pending[i] = p if p >= zero else zero


@njit(cache=True)
def _cancel(pending, households, portions):
    for j in range(len(households)):
        left = np.float64(pending[households[j]]) - portions[j]
        pending[households[j]] = left if left >= 0.0 else 0.0


@kernel
def _eat(stock, size, eaten, short, empty_streak, ever_empty, days_short, left_unserved):
    margin = np.float32(1e-4)
    zero = np.float32(0)
    for i in prange(len(stock)):
        e = min(stock[i], size[i])
        left = stock[i] - e
        stock[i] = left if left >= zero else zero
        eaten[i] = e
        s = e < size[i] - margin
        short[i] = s
        if s:
            empty_streak[i] += 1
            ever_empty[i] = True
            days_short[i] += 1
        else:
            empty_streak[i] = 0
        if empty_streak[i] >= LEFT_UNSERVED_DAYS:
            left_unserved[i] = True
