"""Leader emergence: group leaders are not appointed, they emerge from households (docs/argument.md, claim 4).

Each day, after the group's leaders have posted their offers, a chat-group member with a phone and enough free
time is moved to lead with a chance that grows with the need nobody is covering: the share of members wanting food
times the share of the sets they want that no open offer has room for. Members see in the chat when someone steps
up, so at most one new leader a day comes forward in each chat group (a compound has one group per
`group_members_max` households; FACTS: 200-500 members per group) and posts offers before anyone else decides.
Once leaders' offers cover the need, nobody else steps up; and while a leader of the compound still has time and
room for another offer, the need left is a want of suppliers, not of leaders, so only members who bring a supplier
of their own (a tie) step up. The number of leaders a compound gets thus emerges from its need, its suppliers and
its members' willingness
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
        self.groups = np.ceil(pop.compound_size / gcfg.group_members_max)  # chat groups per compound
        self._rng = rng
        self.wanting_today = 0  # compounds where someone wanted to start leading today
        self.capped_today = 0  # ... of which the upper bound turned someone away

    def emerge(self, members: np.ndarray, pressure: np.ndarray, leaders_per_compound: np.ndarray,
               busy: np.ndarray, active_compounds: np.ndarray, spare_leaders: np.ndarray) -> np.ndarray:
        """Households that start leading today (at most the room left under the upper bound in each compound).

        members: chat-group members; pressure: per compound, the need no open offer covers (0..1);
        busy: households already leading or volunteering; spare_leaders: per compound, leaders who still have time
        and room for another offer after today's work.
        """
        pop = self.pop
        pressure = np.where(active_compounds, pressure, 0.0)
        brings_supplier = pop.supplier_tie >= 0
        candidate = (members & pop.phone & (pop.free_hours >= self.min_hours) & ~busy & (pressure > 0)[pop.compound]
                     & ((spare_leaders == 0)[pop.compound] | brings_supplier))
        draw = self._rng.random(pop.n)  # one draw per household whoever is a candidate (a stable stream)
        idx = np.flatnonzero(candidate)
        boost = np.where(pop.supplier_tie[idx] >= 0, self.tie_boost, 1.0)
        p = np.minimum(1.0, self.propensity * pressure[pop.compound[idx]] * boost)
        moved = draw[idx] < p
        idx, eagerness = idx[moved], (draw[idx] / np.maximum(p, 1e-12))[moved]
        # in each compound the most moved come forward first (lowest draw relative to their chance)
        idx = idx[np.lexsort((eagerness, pop.compound[idx]))]
        comp = pop.compound[idx]
        rank = np.arange(len(idx)) - np.searchsorted(comp, comp)
        room = (self.cap - leaders_per_compound)[comp]
        first = rank < self.groups[comp]  # one a day per chat group
        self.wanting_today = len(np.unique(comp))
        self.capped_today = len(np.unique(comp[first & (rank >= room)]))
        return idx[first & (rank < room)]
