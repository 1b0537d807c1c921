"""Shopping in person, where rules allow it: before a district is locked, in prevention-tier compounds that
let residents out, after reopening, and always in the no-lockdown counterfactual. Shops are not a supplier in
the model: what residents buy is counted apart (`Ledger.retail`)."""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.curves import Curve
from lockdown_sim.sim.lockdown import OPEN, PREVENTION
from lockdown_sim.sim.numpy_sums import sum_as_float64
from lockdown_sim.sim.parallel import kernel, njit, prange, threads_on
from lockdown_sim.sim.pcg_draws import advance, draws_compiled, step, stream_words, to_double


class Retail:
    def __init__(self, scenario, pop, rules, food, ledger, rng: np.random.Generator):
        self.pop, self.rules, self.food, self.ledger = pop, rules, food, ledger
        self.bought_today = 0.0
        self.open_share = Curve(scenario.retail.open_share)
        self.trips = scenario.retail.trips_per_week / 7.0
        self.panic_days = scenario.stock.panic_days
        self._rng = rng

    def access(self, rules, day: int) -> np.ndarray:
        """Chance per compound that a household in need can buy food in a shop today."""
        if not rules.enabled:
            return np.ones(len(rules.tier))
        shops = self.open_share(day)
        p = np.zeros(len(rules.tier))
        before = rules.tier == OPEN
        if rules.reopened:
            p[before] = shops
        else:
            p[before] = 1.0  # district not locked yet: shops work as usual
            p[(rules.tier == PREVENTION) & rules.lets_out] = shops * self.trips
        return p

    def shop(self, day: int) -> float:
        """Households in need buy up to their target (panic-buy before their district is locked); returns the
        portions bought."""
        food, pop, rules = self.food, self.pop, self.rules
        access = self.access(rules, day)
        # the other district is locked: those still free stock up for a siege (up to panic_days of food)
        free = (rules.tier == OPEN) if rules.city_locked else np.zeros(len(rules.tier), dtype=bool)
        args = (access, free, pop.start, np.float32(self.panic_days), food.stock, food.pending, food.reorder,
                food.target, food.size, np.empty_like(food.stock))
        if draws_compiled(self._rng) and not threads_on():
            # one uniform per household is drawn (rng.random(pop.n)), but only those who can shop and need food
            # look at theirs: the others' are stepped over (sim/pcg_draws.py)
            with stream_words(self._rng) as draws:
                amount = _shopping_drawn(draws, *args)
        else:
            amount = _shopping(self._rng.random(pop.n), *args)
        food.buy(amount)
        self.bought_today = sum_as_float64(amount)  # amount.sum(dtype=np.float64)
        self.ledger.record("bought_in_shops", self.bought_today)
        return self.bought_today


@kernel
def _shopping(draw, access, free, start, panic_days, stock, pending, reorder, target, size, amount):
    """Portions each household buys: in need (below its reorder level, or, free while the other district is locked,
    below panic_days of food) and able to shop today (its draw below its compound's access), up to its target.
    Compound by compound (homes start[c]:start[c + 1]); none where its residents cannot shop. (The rule's two
    helpers are inlined by numba: passing ten arrays to a compiled helper called per household cost numba's
    reference counting on each call, seven times the loop's own work.)"""
    zero = np.float32(0)
    for c in prange(len(access)):
        if access[c] <= 0:
            amount[start[c]:start[c + 1]] = zero
            continue
        for i in range(start[c], start[c + 1]):
            need, goal = _wants(i, free[c], panic_days, stock, pending, reorder, target, size)
            amount[i] = _bought(i, goal, stock, pending) if need and draw[i] < access[c] else zero
    return amount


@njit(cache=True)
def _shopping_drawn(draws, access, free, start, panic_days, stock, pending, reorder, target, size, amount):
    """`_shopping(rng.random(n), ...)` on one core, drawing household i's uniform only when it needs food and can
    shop (the i-th draw of the day, numpy's next_double), stepping over the rest; `draws` (the stream's state, as
    sim/pcg_draws.py keeps it) ends n draws on, as after rng.random(n)."""
    hi, lo, inc_hi, inc_lo = draws[0], draws[1], draws[2], draws[3]
    made = 0  # draws made so far today
    draw = np.uint64(0)
    zero = np.float32(0)
    for c in range(len(access)):
        shops = access[c] > 0  # residents can shop today
        for i in range(start[c], start[c + 1]):
            a = zero
            if shops:
                need, goal = _wants(i, free[c], panic_days, stock, pending, reorder, target, size)
                if need:  # household i looks at its draw, the i-th of the day
                    if i - made > 16:
                        hi, lo = advance(hi, lo, inc_hi, inc_lo, i - made)
                        made = i
                    while made <= i:
                        hi, lo, draw = step(hi, lo, inc_hi, inc_lo)
                        made += 1
                    if to_double(draw) < access[c]:
                        a = _bought(i, goal, stock, pending)
            amount[i] = a
    if len(stock) > made:
        hi, lo = advance(hi, lo, inc_hi, inc_lo, len(stock) - made)
    draws[0], draws[1] = hi, lo
    return amount


@njit(cache=True, inline="always")
def _wants(i, free, panic_days, stock, pending, reorder, target, size):
    """Whether household i needs food (below its reorder level or, free while the other district is locked,
    below panic_days of food), and how much it would hold after shopping."""
    have = stock[i] + pending[i]
    need = have < reorder[i]
    goal = target[i]
    if free:
        panic = panic_days * size[i]
        goal = goal if goal >= panic else panic
        need = need or have < goal
    return need, goal


@njit(cache=True, inline="always")
def _bought(i, goal, stock, pending):
    """What household i buys: up to its goal (float32, as numpy computes it), none if it holds that already."""
    zero = np.float32(0)
    a = goal - stock[i] - pending[i]
    return a if a >= zero else zero
