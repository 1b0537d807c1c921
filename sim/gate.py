"""The compound gate: deliveries stop there, and getting food from the gate to the door needs people.

Where residents may move inside the compound (control and prevention tiers, reopened) each household fetches
its own. In a sealed compound only volunteers (a share of them, `sealed_factor`) and the compound's staff
carry food in; what they cannot carry waits, oldest first, and spoils after `gate_spoil_days`.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import add_at, kernel, prange


class Gate:
    """Food waiting at each compound's gate, by household and by days waited (vectorised)."""

    def __init__(self, pop, vcfg, food, ledger, rules, volunteers, coordination):
        self.pop, self.food, self.ledger = pop, food, ledger
        self.rules, self.volunteers, self.coordination = rules, volunteers, coordination
        self.home_today = self.spoiled_today = 0.0
        self.spoil_days = vcfg.gate_spoil_days
        self.waiting = np.zeros((self.spoil_days, pop.n), dtype=np.float32)  # row k: waited k days
        self.staff = vcfg.staff_portions_per_100 * pop.compound_size / 100.0
        self.per_volunteer = vcfg.hours * vcfg.portions_per_hour
        self.sealed_factor = vcfg.sealed_factor

    def drop(self, households: np.ndarray, portions: np.ndarray) -> None:
        """A courier or truck leaves food for these households at their gate."""
        add_at(self.waiting[0], households, portions)

    def total(self) -> float:
        return float(self.waiting.sum(dtype=np.float64))

    def capacity(self) -> np.ndarray:
        """Portions per compound that can be carried from the gate today (inf where residents fetch their own).

        In a sealed compound a share `sealed_factor` of volunteers may move; volunteers on a coordinator's fixed
        roster (sim/coordination.py) all do."""
        volunteers = self.volunteers.per_compound()
        roster = self.coordination.roster(volunteers)
        cap = self.staff + ((volunteers - roster) * self.sealed_factor + roster) * self.per_volunteer
        return np.where(self.rules.residents_move_inside(), np.inf, cap)

    def carry_in(self) -> tuple[float, float]:
        """Carry food to doors, oldest first, up to each compound's capacity; age and spoil the rest.

        What reaches a home is the household's; what spoils will not come. Returns (portions carried home,
        portions spoiled).
        """
        capacity = self.capacity()
        home = np.zeros(self.pop.n, dtype=np.float32)
        if not self.waiting.any():
            spoiled = home.copy()
        else:
            left = capacity.astype(np.float64).copy()
            for k in range(self.spoil_days - 1, -1, -1):
                row = self.waiting[k]
                if not row.any():
                    continue
                total = self.pop.per_compound(row)
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(total > 0, np.minimum(1.0, left / np.where(total > 0, total, 1)), 0.0)
                _carry(row, share, self.pop.compound, home)
                left -= np.minimum(total, left)
            spoiled = self.waiting[-1].copy()
            self.waiting[1:] = self.waiting[:-1]
            self.waiting[0] = 0
        self.food.receive(home)
        self.food.spoil(spoiled)
        home_sum, spoiled_sum = float(home.sum(dtype=np.float64)), float(spoiled.sum(dtype=np.float64))
        self.ledger.record("carried_home", home_sum)
        self.ledger.record("spoiled", spoiled_sum)
        self.home_today, self.spoiled_today = home_sum, spoiled_sum
        return home_sum, spoiled_sum


@kernel
def _carry(row, share, compound, home):
    """Each household's food waiting in `row` moves home in its compound's share (as float32, the rest stays)."""
    zero = np.float32(0)
    for i in prange(len(row)):
        moved = np.float32(row[i] * share[compound[i]])
        home[i] += moved
        rest = row[i] - moved
        row[i] = rest if rest >= zero else zero
