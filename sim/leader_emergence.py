"""Leader emergence: group leaders are not appointed, they emerge from households (docs/argument.md, claim 4).

Each day, after the group's leaders have posted their offers, a chat-group member with a phone and enough free
time starts leading with a chance that grows with the need nobody is covering: the share of members wanting food
times the share of the sets they want that no open offer has room for. Once leaders' offers cover the need, nobody else steps up, so the
number of leaders a compound gets emerges from its need, its suppliers and its members' willingness
(`leader_propensity`); a member with a tie to a supplier is likelier to lead (bridging capital).
`leaders_per_100_households` is only an upper bound; the model counts the compounds where it turned someone away.
"""

from __future__ import annotations

import numpy as np


class LeaderEmergence:
    def __init__(self, pop, gcfg, rng: np.random.Generator, *, supplier_ties: bool):
        self.pop = pop
        self.propensity = gcfg.leader_propensity
        self.tie_boost = gcfg.leader_tie_boost if supplier_ties else 1.0
        self.min_hours = gcfg.leader_min_hours
        self.cap = np.maximum(1, np.floor(gcfg.leaders_per_100_households * pop.compound_size / 100.0))
        self._rng = rng
        self.wanting_today = 0  # compounds where someone wanted to start leading today
        self.capped_today = 0  # ... of which the upper bound turned someone away

    def emerge(self, members: np.ndarray, pressure: np.ndarray, leaders_per_compound: np.ndarray,
               busy: np.ndarray, active_compounds: np.ndarray) -> np.ndarray:
        """Households that start leading today (at most the room left under the upper bound in each compound).

        members: chat-group members; pressure: per compound, the need no open offer covers (0..1);
        busy: households already leading or volunteering.
        """
        pop = self.pop
        pressure = np.where(active_compounds, pressure, 0.0)
        candidate = members & pop.phone & (pop.free_hours >= self.min_hours) & ~busy & (pressure > 0)[pop.compound]
        draw = self._rng.random(pop.n)  # one draw per household whoever is a candidate (a stable stream)
        idx = np.flatnonzero(candidate)
        boost = np.where(pop.supplier_tie[idx] >= 0, self.tie_boost, 1.0)
        p = np.minimum(1.0, self.propensity * pressure[pop.compound[idx]] * boost)
        idx = idx[draw[idx] < p]
        comp = pop.compound[idx]
        rank = np.arange(len(idx)) - np.searchsorted(comp, comp)
        room = (self.cap - leaders_per_compound)[comp]
        wanting = np.unique(comp)
        self.wanting_today = len(wanting)
        self.capped_today = len(np.unique(comp[rank >= room]))
        return idx[rank < room]
