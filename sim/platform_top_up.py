"""A null model, not a mechanism: the platform given the extra supply group buying brought, without group access.

Claims 1 and 5 (docs/argument.md) say that group buying joined local capacity to residents, and reached older
residents nobody ordered for. An alternative explanation is that groups only added supply: any channel bringing
as much more food would have done as well. This null gives the platform alone (`ordering="platform"`) extra
picking and rider capacity, `counterfactuals.top_up_portions` portions per 1,000 households a day (the
reproduction sets it, day by day, to what the hybrid city delivered beyond the platform-only city, through the
platform and the groups; experiments/reproduce.py), and puts it where orders wait unserved. Everything else is
the platform's own rule: only households with someone to order on a phone (or a volunteer who listed them) and a
site in reach can take the extra slots, first come, first served.

The extra portions are turned into slots at the platform's full basket (`platform.basket_days` days of a mean
household's food); the fraction of a slot left over is carried to the next day, so the long-run total is exact.
Extra slots go to open sites in proportion to their unserved orders (households waiting there beyond the site's
own slots), and never beyond them: supply nobody is waiting for is not delivered. The reproduction checks that
the null received the supply it was meant to (analysis/reproduce.py, claim 1's checks).
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.curves import Curve


class PlatformTopUp:
    """Extra platform slots a day, where orders wait unserved (switch: `counterfactuals.platform_top_up`)."""

    def __init__(self, portions_per_1000, households: int, basket_portions: float):
        self.portions = Curve(portions_per_1000).scaled(households / 1000.0)
        self.basket = max(float(basket_portions), 1e-9)
        self.carry = 0.0  # a fraction of a slot left from yesterday
        self.budget = 0.0  # slots the top-up may add today
        self.added_today = 0  # slots it added today

    def start_day(self, day: int) -> None:
        self.budget = self.portions(day) / self.basket + self.carry
        self.added_today = 0

    def extra_slots(self, waiting: np.ndarray, slots: np.ndarray, open_sites: np.ndarray) -> np.ndarray:
        """Extra slots per site today: in proportion to the households waiting beyond each open site's own slots,
        and at most that many."""
        unserved = np.where(open_sites, np.maximum(waiting - slots, 0), 0).astype(np.int64)
        whole = int(np.floor(self.budget))
        self.carry = self.budget - whole
        total = min(whole, int(unserved.sum()))
        extra = np.zeros(len(unserved), dtype=np.int64)
        if total > 0:
            raw = total * unserved / unserved.sum()
            extra = np.floor(raw).astype(np.int64)
            rest = total - int(extra.sum())
            if rest > 0:
                extra[np.argsort(-(raw - extra), kind="stable")[:rest]] += 1
        self.added_today = int(extra.sum())
        return extra


def platform_top_up(scenario, households: int, mean_household_size: float) -> PlatformTopUp | None:
    """The top-up the scenario asks for, or None (the switch is off, as in every calibrated run)."""
    cf = scenario.counterfactuals
    if not cf.platform_top_up:
        return None
    return PlatformTopUp(cf.top_up_portions, households, scenario.platform.basket_days * mean_household_size)
