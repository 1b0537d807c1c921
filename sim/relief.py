"""Relief: government and charity supplies that residents' committees bring to compound gates, a channel that needs
no phone (FACTS, "Relief and older residents"). It runs in every ordering mode, because it is not one of the
compared channels: the committees worked whatever the channel (docs/argument.md, claim 5).

Three streams, each on scenario-set days and amounts (`[relief]`):
- citizen gift packs, free, handed out compound by compound so that the packs per household so far follow the
  scenario's curve (FACTS: one state retailer had supplied 1.5 M by 16 Apr);
- charity packs to residents aged 80+ living alone, so that the share of them reached so far follows the
  scenario's curve (FACTS: the first 20,000 from 21 Apr, more than 100,000 from 27 Apr, of 120,000-130,000);
- district vegetable packages, sold: each compound's committee takes orders every few days from the households
  in need (no phone needed), and the packages reach the gate a few days later (FACTS: about two days).
Deliveries stop at the gate like any other: volunteers carry them in (sim/gate.py). Only locked compounds get
relief, so the no-lockdown counterfactual has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lockdown_sim.sim.curves import Curve


@dataclass
class _Order:
    due_day: int
    households: np.ndarray
    portions: float  # per household


class Relief:
    """The committees' relief deliveries (vectorised over compounds and households)."""

    def __init__(self, pop, rcfg, food, gate, ledger, rng: np.random.Generator, *, enabled: bool):
        self.pop, self.food, self.gate, self.ledger = pop, food, gate, ledger
        self.enabled = enabled
        self.gift_curve = Curve(rcfg.gift_packs)
        self.gift_portions = rcfg.gift_pack_portions
        self.charity_curve = Curve(rcfg.charity_reached)
        self.charity_portions = rcfg.charity_pack_portions
        self.vegetable_start = rcfg.vegetable_start_day
        self.vegetable_interval = rcfg.vegetable_interval_days
        self.vegetable_portions = rcfg.vegetable_package_portions
        self.vegetable_lead = rcfg.vegetable_lead_days
        n_c = pop.n_compounds
        # a compound's k-th round of gift packs comes when the packs per household so far pass k + its draw, so the
        # households covered follow the curve and each compound gets its packs on one day
        self.gift_draw = rng.random(n_c)
        # each compound's committee takes vegetable orders on its own day of the rotation
        self.vegetable_phase = rng.integers(0, self.vegetable_interval, n_c)
        # a resident aged 80+ living alone is reached when the share reached so far passes its draw
        self.over80 = np.flatnonzero(pop.over80_alone)
        self.charity_draw = rng.random(len(self.over80))
        self.orders: list[_Order] = []
        self.in_transit = 0.0  # sold packages ordered, not yet at the gate
        self.total = 0.0  # portions left at gates so far
        self.charity_reached = np.zeros(pop.n, dtype=bool)
        self.charity_count = 0  # residents aged 80+ living alone given a pack so far
        self.over80_count = len(self.over80)
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        self.portions_today = 0.0
        self.gift_today = self.charity_today = self.vegetable_today = 0.0
        self.vegetable_orders_today = 0

    def deliver(self, day: int, locked: np.ndarray) -> float:
        """Today's relief: packages ordered earlier arrive, packs are handed out, the committees take vegetable
        orders from households in need; returns the portions left at gates today."""
        self.reset_day_stats()
        if not self.enabled:
            return 0.0
        pop, food, ledger = self.pop, self.food, self.ledger
        drops_hh, drops_portions = [], []

        # sold vegetable packages ordered earlier reach the gate
        arriving = [o for o in self.orders if o.due_day <= day]
        if arriving:
            self.orders = [o for o in self.orders if o.due_day > day]
            for order in arriving:
                drops_hh.append(order.households)
                drops_portions.append(np.full(len(order.households), order.portions, dtype=np.float32))
                portions = order.portions * len(order.households)
                self.in_transit -= portions
                ledger.record("arrived", portions)
                self.vegetable_today += portions

        # free gift packs, compound by compound
        before, now = self.gift_curve(day - 1), self.gift_curve(day)
        if now > before:
            rounds = np.floor(now - self.gift_draw) - np.floor(before - self.gift_draw)
            comps = np.flatnonzero((rounds > 0) & locked)
            if len(comps):
                hh = _households_of(pop, comps)
                per = (rounds[comps] * self.gift_portions).astype(np.float32)
                drops_hh.append(hh)
                drops_portions.append(np.repeat(per, pop.compound_size[comps]))
                food.order(hh, drops_portions[-1])
                self.gift_today = float(drops_portions[-1].sum(dtype=np.float64))
                ledger.record("relief_to_gate", self.gift_today)

        # charity packs to residents aged 80+ living alone
        before, now = self.charity_curve(day - 1), self.charity_curve(day)
        if now > before:
            hh = self.over80[(self.charity_draw < now) & ~self.charity_reached[self.over80]
                             & locked[pop.compound[self.over80]]]
            if len(hh):
                self.charity_reached[hh] = True
                self.charity_count += len(hh)
                packs = np.full(len(hh), self.charity_portions, dtype=np.float32)
                drops_hh.append(hh)
                drops_portions.append(packs)
                food.order(hh, packs)
                self.charity_today = float(packs.sum(dtype=np.float64))
                ledger.record("relief_to_gate", self.charity_today)

        # the committees take orders for vegetable packages where today is their day
        if day >= self.vegetable_start:
            today = locked & ((day - self.vegetable_start - self.vegetable_phase) % self.vegetable_interval == 0)
            if today.any():
                hh = np.flatnonzero(today[pop.compound] & food.in_need())
                if len(hh):
                    per = np.float32(self.vegetable_portions)
                    food.order(hh, np.full(len(hh), per, dtype=np.float32))
                    portions = float(per) * len(hh)
                    self.orders.append(_Order(day + self.vegetable_lead, hh, float(per)))
                    self.in_transit += portions
                    ledger.record("relief_ordered", portions)
                    self.vegetable_orders_today = len(hh)

        if drops_hh:
            hh, portions = np.concatenate(drops_hh), np.concatenate(drops_portions)
            self.gate.drop(hh, portions)
            self.portions_today = float(portions.sum(dtype=np.float64))
            self.total += self.portions_today
        return self.portions_today


def _households_of(pop, compounds: np.ndarray) -> np.ndarray:
    """Household indices of these compounds (homes are stored compound by compound)."""
    starts, sizes = pop.start[compounds], pop.compound_size[compounds].astype(np.int64)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(starts, sizes) + offsets
