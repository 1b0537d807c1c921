"""Food at home: daily consumption, running out, and the demand that sends households looking for food.

Portions are person-days of food. A household needs `size` portions a day; a day on which it cannot eat its
full need counts as a day with an empty stock (the brief's "ran out").
"""

from __future__ import annotations

import numpy as np

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
        return self.stock + self.pending < self.reorder

    def demand(self, target=None) -> np.ndarray:
        """Portions each household wants to order now (0 when not in need)."""
        target = self.target if target is None else target
        want = np.maximum(target - self.stock - self.pending, 0)
        return np.where(self.in_need(), want, 0).astype(np.float32)

    def offer_demand(self) -> np.ndarray:
        """Portions each household would take in a group offer it sees (0 when above its offer level)."""
        want = np.maximum(self.target - self.stock - self.pending, 0)
        return np.where(self.stock + self.pending < self.offer_level, want, 0).astype(np.float32)

    def order(self, households: np.ndarray, portions: np.ndarray) -> None:
        """Food is on its way to these households (a platform slot won, a sign-up accepted, a pack at the gate)."""
        np.add.at(self.pending, households, portions)

    def cancel(self, households: np.ndarray, portions: np.ndarray) -> None:
        """Food these households were expecting will not come (a lapsed or cancelled offer); each household once."""
        self.pending[households] = np.maximum(self.pending[households] - portions, 0)

    def receive(self, portions: np.ndarray) -> None:
        """Food arrives home (it was counted as pending until now)."""
        self.stock += portions
        self.pending = np.maximum(self.pending - portions, 0)

    def spoil(self, portions: np.ndarray) -> None:
        """Food that waited at the gate too long will not come home."""
        self.pending[:] = np.maximum(self.pending - portions, 0)

    def buy(self, portions: np.ndarray) -> None:
        """Food bought in a shop comes straight home (it was never pending)."""
        self.stock += portions

    def consume(self) -> tuple[float, float]:
        """Eat one day; returns (portions needed, portions eaten)."""
        eaten = np.minimum(self.stock, self.size)
        self.stock -= eaten
        np.maximum(self.stock, 0, out=self.stock)
        short = eaten < self.size - 1e-4
        self.short_today = short
        self.empty_streak = np.where(short, self.empty_streak + 1, 0).astype(np.int16)
        self.ever_empty |= short
        self.days_short += short
        self.left_unserved |= self.empty_streak >= LEFT_UNSERVED_DAYS
        self.needed_today, self.eaten_today = float(self.size.sum()), float(eaten.sum(dtype=np.float64))
        return self.needed_today, self.eaten_today
