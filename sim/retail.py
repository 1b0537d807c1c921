"""Shopping in person, where rules allow it: before a district is locked, in prevention-tier compounds that
let residents out, after reopening, and always in the no-lockdown counterfactual. Shops are not a supplier in
the model: what residents buy is counted apart (`Ledger.retail`)."""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.curves import Curve
from lockdown_sim.sim.lockdown import OPEN, PREVENTION
from lockdown_sim.sim.parallel import kernel, prange


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
        amount = _shopping(self._rng.random(pop.n), access, free, pop.start, np.float32(self.panic_days),
                           food.stock, food.pending, food.reorder, food.target, food.size, np.empty_like(food.stock))
        food.buy(amount)
        self.bought_today = float(amount.sum(dtype=np.float64))
        self.ledger.record("bought_in_shops", self.bought_today)
        return self.bought_today


@kernel
def _shopping(draw, access, free, start, panic_days, stock, pending, reorder, target, size, amount):
    """Portions each household buys: in need (below its reorder level, or, free while the other district is locked,
    below panic_days of food) and able to shop today (its draw below its compound's access), up to its target.
    Compound by compound (homes start[c]:start[c + 1]); none where its residents cannot shop. (One loop body, not a
    compiled helper called per household: passing ten arrays to a helper cost numba's reference counting on each
    call, seven times the loop's own work.)"""
    zero = np.float32(0)
    for c in prange(len(access)):
        if access[c] <= 0:
            amount[start[c]:start[c + 1]] = zero
            continue
        for i in range(start[c], start[c + 1]):
            have = stock[i] + pending[i]
            need = have < reorder[i]
            goal = target[i]
            if free[c]:
                panic = panic_days * size[i]
                goal = goal if goal >= panic else panic
                need = need or have < goal
            a = zero
            if need and draw[i] < access[c]:
                a = goal - stock[i] - pending[i]
                if not a >= zero:
                    a = zero
            amount[i] = a
    return amount
