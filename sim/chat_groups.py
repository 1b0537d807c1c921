"""Compound chat groups, the "online street" (docs/argument.md#claim-2-the-compound-chat-group-as-an-online-street):
they grow by members inviting neighbours and by QR codes posted at gates and lobbies, and membership is bounded by
address (one group per compound).

A household joins only if someone can use the group for it: a resident with a phone, or (with proxies on) a
child elsewhere. Households that knew no neighbour before the lockdown (17 %, docs/sources.md#people-and-compounds)
are invited less often.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import njit
from lockdown_sim.sim.pcg_draws import NO_CURSOR, uniform, uniforms


class ChatGroups:
    def __init__(self, pop, gcfg, rng: np.random.Generator, *, invitations: bool, posted_codes: bool, proxies: bool):
        self.pop = pop
        self._rng = rng
        self.member = rng.random(pop.n) < gcfg.initial_member_share
        self.can_join = pop.phone | (pop.proxy & proxies)
        self.member &= self.can_join
        self._count = np.add.reduceat(self.member, pop.start[:-1], dtype=np.int64)  # members per compound
        self._joinable = np.bincount(pop.compound[self.can_join], minlength=pop.n_compounds)  # could join, per compound
        self.codes = rng.random(pop.n_compounds) < gcfg.code_post_share
        self.invitations = invitations
        self.posted_codes = posted_codes
        self.invite_rate = gcfg.invite_rate
        self.contact_factor = np.where(pop.no_contact, gcfg.no_contact_invite_factor, 1.0).astype(np.float32)
        self.code_hazard = -np.log1p(-min(gcfg.code_rate, 0.999999))

    @property
    def count(self) -> int:
        """Members in every compound."""
        return int(self._count.sum())

    def post_codes(self, compounds) -> None:
        """A leader or volunteer posts the group's QR code at the gate."""
        self.codes[compounds] = True

    def grow(self, active_compounds: np.ndarray) -> int:
        """One day of joining in the compounds where groups are active; returns how many joined."""
        pop = self.pop
        candidates, hazard = _candidates(self.member, self.can_join, active_compounds, pop.start, self._count,
                                         self._joinable, pop.compound_size, self.invite_rate, self.contact_factor,
                                         self.code_hazard, self.codes, self.invitations, self.posted_codes)
        chance = -np.expm1(-hazard)  # numpy's float32 expm1, as the rule was written
        # one draw per household, candidate or not (the stream does not depend on who): rng.random(n), made only for
        # the candidates (sim/pcg_draws.py)
        with uniforms(self._rng, pop.n) as (values, cursor):
            return _join(candidates, values, chance, self.member, self._count, pop.compound, cursor)


@njit(cache=True)
def _candidates(member, can_join, active, start, count, joinable, size, invite_rate, contact_factor, code_hazard,
                codes, invitations, posted_codes):
    """Households that could join today (not members, someone to use the group, their compound active), in
    increasing order, and their daily hazard of joining: invitations (the compound's member share x invite_rate,
    less for households that knew no neighbour) plus a posted code's; float32, accumulated as numpy accumulates into
    a float32 array, from the compound's invitation and code hazards in float64 as numpy computed them (invite_rate x
    count / max(size, 1), code_hazard x codes). A compound's candidates are its `joinable` households less its
    members (members can all join), so compounds where all who could join have joined are not looked at."""
    n = 0
    for c in range(len(active)):
        if active[c] and count[c] < joinable[c]:
            n += joinable[c] - count[c]
    out = np.empty(n, np.int64)
    hazard = np.zeros(n, np.float32)
    j = 0
    for c in range(len(active)):  # homes start[c]:start[c + 1]
        if not active[c] or count[c] >= joinable[c]:
            continue
        invite = invite_rate * (count[c] / max(size[c], 1))
        code = code_hazard * np.float64(codes[c])
        for i in range(start[c], start[c + 1]):
            if member[i] or not can_join[i]:
                continue
            if j == n:
                raise AssertionError("chat groups: more candidates than households who could join less members")
            out[j] = i
            h = np.float32(0)
            if invitations:
                h = np.float32(np.float64(h) + invite * np.float64(contact_factor[i]))
            if posted_codes:
                h = np.float32(np.float64(h) + code)
            hazard[j] = h
            j += 1
    if j != n:
        raise AssertionError("chat groups: fewer candidates than households who could join less members")
    return out, hazard


@njit(cache=True)
def _join(candidates, values, chance, member, count, compound, cursor=NO_CURSOR):
    """Candidates (in increasing order) whose draw is below their chance join (members per compound counted);
    returns how many. Household i's draw is `uniform(values, cursor, i)` (sim/pcg_draws.uniforms); without a
    cursor, values[i]."""
    joined = 0
    for j in range(len(candidates)):
        i = candidates[j]
        if uniform(values, cursor, i) < chance[j]:
            member[i] = True
            count[compound[i]] += 1
            joined += 1
    return joined
