"""Elderly outreach: volunteers go door to door and list the needs of residents who cannot order on a phone,
so that their orders join the group's (the study's "the vulnerable are seen"). Remote proxies are the other
half of outreach; they act through `Population.ordering_class` and `ChatGroups.can_join`."""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.lockdown import SEALED
from lockdown_sim.sim.parallel import kernel, prange


class Canvassing:
    def __init__(self, pop, ocfg, volunteers, rules, sealed_factor: float, rng: np.random.Generator, *, enabled: bool,
                 proxies: bool):
        self.pop, self.volunteers, self.rules = pop, volunteers, rules
        self.sealed_factor = sealed_factor
        self.enabled = enabled
        self.per_volunteer = ocfg.canvass_per_volunteer
        # Who needs a visit: homes nobody can order for (no phone and no proxy at work).
        self.target = pop.older_only & ~pop.phone & ~(pop.proxy & proxies)
        order = rng.permutation(pop.n)
        # rank of each target home within its compound, in a random visiting order
        rank = np.zeros(pop.n, dtype=np.int64)
        tgt = order[self.target[order]]
        tgt = tgt[np.argsort(pop.compound[tgt], kind="stable")]
        comp = pop.compound[tgt]
        rank[tgt] = np.arange(len(tgt)) - np.searchsorted(comp, comp)
        self.rank = rank
        self.visits = np.zeros(pop.n_compounds)
        self.listed = np.zeros(pop.n, dtype=bool)
        self.count = 0  # homes listed so far
        self.targets = int(self.target.sum())

    def canvass(self, active_compounds: np.ndarray) -> int:
        """A day of door-to-door visits by the volunteers of the compounds where groups are active (in a sealed
        compound only a share of them may move); returns how many homes were newly listed."""
        if not self.enabled:
            return 0
        factor = np.where(self.rules.tier == SEALED, self.sealed_factor, 1.0)
        self.visits += self.volunteers.per_compound() * self.per_volunteer * factor * active_compounds
        new = _visit(self.target, self.listed, self.rank, self.visits, self.pop.compound)
        self.count += new
        return new


@kernel
def _visit(target, listed, rank, visits, compound):
    """Target homes not yet listed whose turn in their compound's visiting order has come are listed."""
    new = 0
    for i in prange(len(target)):
        if target[i] and not listed[i] and rank[i] < visits[compound[i]]:
            listed[i] = True
            new += 1
    return new
