"""Resident volunteers: members with free time who take on gate work (sorting, disinfecting, carrying) and,
with canvassing on, door-to-door lists of needs. They are recruited in every ordering mode, since the last
hundred metres needed residents whichever channel brought the food."""

from __future__ import annotations

import numpy as np


class Volunteers:
    def __init__(self, pop, vcfg, rng: np.random.Generator, *, enabled: bool):
        self.pop = pop
        self._rng = rng
        self.enabled = enabled
        self.rate = vcfg.rate
        self.hours = vcfg.hours
        self.cap = np.floor(vcfg.per_100_households * pop.compound_size / 100.0)
        self.volunteer = np.zeros(pop.n, dtype=bool)

    def recruit(self, locked_compounds: np.ndarray, busy: np.ndarray) -> int:
        """Willing residents with enough free time join; busy (leaders) do not. Returns the number recruited."""
        if not self.enabled:
            return 0
        pop = self.pop
        room = self.cap - self.per_compound()
        willing = (~self.volunteer & ~busy & pop.phone & (pop.free_hours >= self.hours)
                   & locked_compounds[pop.compound] & (room > 0)[pop.compound])
        new = willing & (self._rng.random(pop.n) < self.rate)
        if not new.any():
            return 0
        idx = np.flatnonzero(new)
        # respect the ceiling per compound: keep the first `room` of each compound's recruits
        comp = pop.compound[idx]
        rank = np.arange(len(idx)) - np.searchsorted(comp, comp)
        idx = idx[rank < room[comp]]
        self.volunteer[idx] = True
        return len(idx)

    def stand_down(self, households) -> None:
        self.volunteer[households] = False

    def per_compound(self) -> np.ndarray:
        return self.pop.per_compound(self.volunteer)
