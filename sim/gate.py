"""The compound gate: deliveries stop there, and getting food from the gate to the door needs people.

Where residents may move inside the compound (control and prevention tiers, reopened) each household fetches
its own. In a sealed compound only volunteers (a share of them, `sealed_factor`) and the compound's staff
carry food in; what they cannot carry waits, oldest first, and spoils after `gate_spoil_days`.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.numpy_sums import segment_sum, sum_as_float64
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
        spoiled = np.zeros(self.pop.n, dtype=np.float32)
        _carry_in(self.waiting, capacity, self.pop.start, self.pop.compound, home, spoiled)
        self.food.receive(home)
        self.food.spoil(spoiled)
        home_sum, spoiled_sum = sum_as_float64(home), sum_as_float64(spoiled)  # home.sum(dtype=np.float64), ...
        self.ledger.record("carried_home", home_sum)
        self.ledger.record("spoiled", spoiled_sum)
        self.home_today, self.spoiled_today = home_sum, spoiled_sum
        return home_sum, spoiled_sum


@kernel
def _carry_in(waiting, capacity, start, compound, home, spoiled):
    """Gate.carry_in's work in one compiled pass: from the oldest row of `waiting` to the newest, each compound's
    food waiting that long (summed as np.add.reduceat sums it: sim/numpy_sums.py) moves home in the share its
    carrying capacity left allows (as float32, the rest stays), and the capacity used is taken off; then the oldest
    row goes to `spoiled` and the rows age by a day (nothing moves when no food waits anywhere)."""
    n_days, n = waiting.shape
    n_c = len(start) - 1
    left = capacity.astype(np.float64)
    total, share = np.empty(n_c), np.empty(n_c)
    zero = np.float32(0)
    any_waiting = False
    for k in range(n_days - 1, -1, -1):
        row = waiting[k]
        row_waits = False
        for i in range(n):
            if row[i] != 0:
                row_waits = True
                break
        if not row_waits:
            continue
        any_waiting = True
        for c in prange(n_c):
            t = segment_sum(row, start[c], start[c + 1]) if start[c] < n else 0.0
            total[c] = t
            share[c] = min(1.0, left[c] / t) if t > 0 else 0.0
        for i in prange(n):
            moved = np.float32(row[i] * share[compound[i]])
            home[i] += moved
            rest = row[i] - moved
            row[i] = rest if rest >= zero else zero
        for c in range(n_c):
            left[c] -= min(total[c], left[c])
    if any_waiting:
        spoiled[:] = waiting[n_days - 1]
        for k in range(n_days - 1, 0, -1):
            waiting[k] = waiting[k - 1]
        waiting[0] = zero
