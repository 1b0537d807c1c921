"""A null model, not a mechanism: leaders placed at random among eligible members instead of emerging where need is.

Claim 4 (docs/argument.md) says leaders emerged from among residents where they were needed. In the model they
step up where need is uncovered (sim/leader_emergence.py), so "leaders are where need is" holds by construction;
what can fail is whether that placement matters. This null keeps the number of new leaders a day
(`counterfactuals.lottery_leaders`, per 1,000 households; the reproduction sets it, day by day, to what
need-driven emergence gave in the same city; experiments/reproduce.py) and draws them at random among the members
who could lead: chat-group members with a phone and the free hours a leader needs (or, with `remote_leaders`, a
remote proxy), not already leading or volunteering, in a compound whose groups are active, with room under the
compound's upper bound and at most one a day per chat group (with `leader_scale`, per building) -- the rules
emergence keeps. Need, and a member's channel of its own, play no part in who or where.

It stands in for the emergence rule with the same verbs (`reset_day_stats`, `emerge`, `cap`), so the day's
sequence is unchanged (sim/community.py). The fraction of a leader left over is carried to the next day.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.curves import Curve


class LeaderLottery:
    """New leaders drawn at random among eligible members, as many a day as a schedule says
    (switch: `counterfactuals.leader_lottery`)."""

    def __init__(self, emergence, leaders_per_1000, pop, min_hours: float, rng: np.random.Generator):
        self.emergence = emergence  # its upper bound and chat groups per compound are kept
        self.cap, self.groups = emergence.cap, emergence.groups
        self.at_scale = emergence.at_scale  # at the scale of buildings: one new leader a day per building
        self.remote = emergence.remote  # remote proxies who may lead (none with remote_leaders off)
        self.pop, self.min_hours = pop, float(min_hours)
        self.schedule = Curve(leaders_per_1000).scaled(pop.n / 1000.0)
        self._rng = rng
        self.day = -1  # the model resets the day's counts once at the start of every day
        self.carry = 0.0
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        if hasattr(self, "wanting_today"):
            self.day += 1
        self.wanting_today = 0  # compounds given a leader today
        self.capped_today = 0  # the upper bound never turns a drawn leader away: the draw respects it

    def emerge(self, members: np.ndarray, pressure: np.ndarray, leaders_per_compound: np.ndarray,
               busy: np.ndarray, active_compounds: np.ndarray, spare_leaders: np.ndarray,
               wanting_share: np.ndarray | None = None, open_kinds: np.ndarray | None = None) -> np.ndarray:
        """Households that start leading today, drawn at random (the arguments of LeaderEmergence.emerge; `pressure`,
        `spare_leaders`, `wanting_share` and `open_kinds`, the need and what the groups want, are ignored)."""
        pop = self.pop
        wanted = self.schedule(max(self.day, 0)) + self.carry
        count = int(np.floor(wanted))
        self.carry = wanted - count
        can_lead = (pop.phone & (pop.free_hours >= self.min_hours)) | self.remote
        eligible = members & can_lead & ~busy & np.asarray(active_compounds, dtype=bool)[pop.compound]
        candidates = np.flatnonzero(eligible)
        if count == 0 or len(candidates) == 0:
            return np.zeros(0, dtype=np.int64)
        if self.at_scale:  # room under the bound; at most one a day per building
            room = np.asarray(self.cap - leaders_per_compound).astype(np.int64)
            unit, per_unit = self.emergence.building, np.ones(self.emergence.n_buildings, dtype=np.int64)
        else:  # room under the bound; at most one a day per chat group
            room = np.minimum(self.cap - leaders_per_compound, self.groups).astype(np.int64)
            unit, per_unit = pop.compound, np.full(len(room), np.iinfo(np.int64).max)
        chosen = []
        for h in self._rng.permutation(candidates).tolist():
            c, u = pop.compound[h], unit[h]
            if room[c] > 0 and per_unit[u] > 0:
                room[c] -= 1
                per_unit[u] -= 1
                chosen.append(h)
                if len(chosen) == count:
                    break
        out = np.asarray(chosen, dtype=np.int64)
        self.wanting_today = int(len(np.unique(pop.compound[out])))
        return out


def leader_lottery(emergence, scenario, pop, streams):
    """The emergence rule the scenario asks for: need-driven emergence itself, or the lottery standing in for it."""
    cf = scenario.counterfactuals
    if not cf.leader_lottery:
        return emergence
    return LeaderLottery(emergence, cf.lottery_leaders, pop, scenario.group_buying.leader_min_hours,
                         streams("leaders.lottery"))
