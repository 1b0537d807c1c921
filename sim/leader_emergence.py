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

from lockdown_sim.sim.parallel import njit
from lockdown_sim.sim.sorting import stable_argsort_within


class LeaderEmergence:
    def __init__(self, pop, gcfg, rng: np.random.Generator, *, supplier_ties: bool):
        self.pop = pop
        self.propensity = gcfg.leader_propensity
        self.tie_boost = gcfg.leader_tie_boost if supplier_ties else 1.0
        self.min_hours = gcfg.leader_min_hours
        self.cap = np.maximum(1, np.floor(gcfg.leaders_per_100_households * pop.compound_size / 100.0))
        self.groups = np.ceil(pop.compound_size / gcfg.group_members_max)  # chat groups per compound
        self._rng = rng
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        """Zero the day's counts of compounds where someone wanted to lead and where the bound turned them away."""
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
        draw = self._rng.random(pop.n)  # one draw per household whoever is a candidate (a stable stream)
        leaders, wanting, capped = _step_up(draw, members, pop.phone, pop.free_hours, np.float32(self.min_hours), busy,
                                            pressure, spare_leaders, pop.start, pop.supplier_tie, self.tie_boost,
                                            self.propensity, self.cap - leaders_per_compound, self.groups)
        self.wanting_today, self.capped_today = int(wanting), int(capped)
        return leaders


@njit(cache=True)
def _step_up(draw, members, phone, free_hours, min_hours, busy, pressure, spare, start, supplier_tie, tie_boost,
             propensity, room, groups):
    """Members with a phone and free time, not busy, where need is uncovered (and, where a leader still has time and
    room for another offer, only members bringing a supplier of their own), are moved to lead with chance
    propensity x pressure (x tie_boost with a supplier tie); in each compound the most moved (lowest draw relative
    to their chance) come forward first, one per chat group, while the upper bound leaves room. Returns (who steps
    up today, compounds where someone wanted to, compounds where the bound turned someone away)."""
    n_c = len(pressure)
    moved = np.empty(1024, np.int64)
    eagerness = np.empty(1024)
    comp = np.empty(1024, np.int64)
    m = 0
    for c in range(n_c):  # homes start[c]:start[c + 1]; only where need is uncovered
        if not pressure[c] > 0:
            continue
        for i in range(start[c], start[c + 1]):
            if (members[i] and phone[i] and free_hours[i] >= min_hours and not busy[i]
                    and (spare[c] == 0 or supplier_tie[i] >= 0)):
                p = min(1.0, propensity * pressure[c] * (tie_boost if supplier_tie[i] >= 0 else 1.0))
                if draw[i] < p:
                    if m == len(moved):
                        moved, eagerness, comp = _grow(moved), _grow(eagerness), _grow(comp)
                    moved[m], eagerness[m], comp[m] = i, draw[i] / max(p, 1e-12), c
                    m += 1
    moved, eagerness, comp = moved[:m], eagerness[:m], comp[:m]
    order = stable_argsort_within(comp, eagerness, n_c)
    rank = np.zeros(n_c, np.int64)
    wanting = np.zeros(n_c, np.bool_)
    capped = np.zeros(n_c, np.bool_)
    out = np.empty(m, np.int64)
    k = 0
    for j in order:
        c = comp[j]
        wanting[c] = True
        if rank[c] < groups[c]:  # one a day per chat group
            if rank[c] < room[c]:
                out[k] = moved[j]
                k += 1
            else:
                capped[c] = True
        rank[c] += 1
    return out[:k], wanting.sum(), capped.sum()


@njit(cache=True)
def _grow(a):
    out = np.empty(2 * len(a), a.dtype)
    out[:len(a)] = a
    return out
