"""Resident volunteers: members with free time who take on gate work (sorting, disinfecting, carrying) and,
with canvassing on, door-to-door lists of needs. They are recruited in every ordering mode, since the last
hundred metres needed residents whichever channel brought the food."""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import kernel, prange
from lockdown_sim.sim.pcg_draws import uniform, uniforms


class Volunteers:
    def __init__(self, pop, vcfg, rng: np.random.Generator, *, enabled: bool):
        self.pop = pop
        self._rng = rng
        self.enabled = enabled
        self.rate = vcfg.rate
        self.hours = vcfg.hours
        self.cap = np.floor(vcfg.per_100_households * pop.compound_size / 100.0)
        self.volunteer = np.zeros(pop.n, dtype=bool)
        self._count = np.zeros(pop.n_compounds, dtype=np.int64)  # volunteers per compound, kept as they change
        # who could ever volunteer (a phone and enough free time; both fixed at build), compound by compound: compound
        # c's at able[able_start[c]:able_start[c + 1]]
        self._able = np.flatnonzero(pop.phone & (pop.free_hours >= np.float32(self.hours)))
        self._able_start = np.searchsorted(pop.compound[self._able], np.arange(pop.n_compounds + 1))

    def recruit(self, locked_compounds: np.ndarray, busy: np.ndarray) -> int:
        """Willing residents with enough free time join; busy (leaders) do not. Returns the number recruited."""
        if not self.enabled:
            return 0
        pop = self.pop
        room = self.cap - self._count
        # one uniform per household (rng.random(n)), made only for the willing who could join (sim/pcg_draws.py)
        with uniforms(self._rng, pop.n) as (values, cursor):
            return _recruit(values, cursor, self.rate, self.volunteer, busy, self._able, self._able_start,
                            locked_compounds, room, self._count)

    def stand_down(self, households) -> None:
        for h in np.asarray(households, dtype=np.int64).tolist():
            if self.volunteer[h]:
                self.volunteer[h] = False
                self._count[self.pop.compound[h]] -= 1

    def per_compound(self) -> np.ndarray:
        """Volunteers per compound."""
        return self._count.astype(np.float64)

    @property
    def count(self) -> int:
        return int(self._count.sum())


@kernel
def _recruit(values, cursor, rate, volunteer, busy, able, able_start, locked, room, count):
    """Willing residents (not yet volunteering, not busy leading, able: a phone and enough free time, in a locked
    compound with room) join with chance `rate` (household i's draw the i-th of the day's uniforms, `uniform(values,
    cursor, i)`, looked at only for those who could join); in each compound only the first `room` of the day's
    recruits do. Returns how many joined. Compound by compound (its able households able[able_start[c]:able_start[c +
    1]], in increasing order)."""
    joined = 0
    for c in prange(len(room)):
        if not locked[c] or room[c] <= 0:
            continue
        offered = 0  # recruits so far today
        for k in range(able_start[c], able_start[c + 1]):
            i = able[k]
            if not volunteer[i] and not busy[i] and uniform(values, cursor, i) < rate:
                if offered < room[c]:
                    volunteer[i] = True
                    count[c] += 1
                    joined += 1
                offered += 1
    return joined
