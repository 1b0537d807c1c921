"""Compound chat groups, the "online street" (docs/argument.md#claim-2-the-compound-chat-group-as-an-online-street):
they grow by members inviting neighbours and by QR codes posted at gates and lobbies, and membership is bounded by
address (one group per compound).

A household joins only if someone can use the group for it: a resident with a phone, or (with proxies on) a
child elsewhere. Households that knew no neighbour before the lockdown (17 %, docs/sources.md#people-and-compounds)
are invited less often.
"""

from __future__ import annotations

import numpy as np


class ChatGroups:
    def __init__(self, pop, gcfg, rng: np.random.Generator, *, invitations: bool, posted_codes: bool, proxies: bool):
        self.pop = pop
        self._rng = rng
        self.member = rng.random(pop.n) < gcfg.initial_member_share
        self.can_join = pop.phone | (pop.proxy & proxies)
        self.member &= self.can_join
        self.version = 0  # bumped whenever someone joins (readers rebuild what they derive from membership)
        self.codes = rng.random(pop.n_compounds) < gcfg.code_post_share
        self.invitations = invitations
        self.posted_codes = posted_codes
        self.invite_rate = gcfg.invite_rate
        self.contact_factor = np.where(pop.no_contact, gcfg.no_contact_invite_factor, 1.0).astype(np.float32)
        self.code_hazard = -np.log1p(-min(gcfg.code_rate, 0.999999))

    def post_codes(self, compounds) -> None:
        """A leader or volunteer posts the group's QR code at the gate."""
        self.codes[compounds] = True

    def grow(self, active_compounds: np.ndarray) -> int:
        """One day of joining in the compounds where groups are active; returns how many joined."""
        pop = self.pop
        share = pop.per_compound(self.member) / np.maximum(pop.compound_size, 1)
        candidates = np.flatnonzero(~self.member & self.can_join & active_compounds[pop.compound])
        draw = self._rng.random(pop.n)  # one draw per household, candidate or not (the stream does not depend on who)
        comp = pop.compound[candidates]
        hazard = np.zeros(len(candidates), dtype=np.float32)
        if self.invitations:
            hazard += (self.invite_rate * share)[comp] * self.contact_factor[candidates]
        if self.posted_codes:
            hazard += (self.code_hazard * self.codes)[comp]
        joins = candidates[draw[candidates] < -np.expm1(-hazard)]
        self.member[joins] = True
        if len(joins):
            self.version += 1
        return len(joins)
