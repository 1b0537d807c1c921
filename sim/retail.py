"""Shopping in person, where rules allow it: before a district is locked, in prevention-tier compounds that
let residents out, after reopening, and always in the no-lockdown counterfactual. Shops are not a supplier in
the model: what residents buy is counted apart (`Ledger.retail`)."""

from __future__ import annotations

import numpy as np

from sim.curves import Curve
from sim.lockdown import OPEN, PREVENTION


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
        p = self.access(rules, day)[pop.compound]
        need = food.in_need()
        if rules.city_locked:  # the other district is locked: those still free stock up for a siege
            free = (rules.tier == OPEN)[pop.compound]
            panic_target = np.maximum(food.target, (self.panic_days * food.size).astype(np.float32))
            target = np.where(free, panic_target, food.target)
            need |= free & (food.stock + food.pending < panic_target)
        else:
            target = food.target
        buys = need & (self._rng.random(pop.n) < p)
        amount = np.where(buys, np.maximum(target - food.stock - food.pending, 0), 0).astype(np.float32)
        food.buy(amount)
        self.bought_today = float(amount.sum(dtype=np.float64))
        self.ledger.record("bought_in_shops", self.bought_today)
        return self.bought_today
