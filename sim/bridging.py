"""Bridging capital brought into the group: a member's supplier contact (a job in retail or catering, a friend:
sim/supplier_ties.py) becomes one the compound's leaders can use once the member brings it in (docs/argument.md,
claim 3). A leader brings its own at once; another member brings it once it knows `ties_to_share` people in the
group through orders taken part in together (sim/ties.py: ties with leaders and, with `member_ties`, with fellow
members). So channels enter the group as its members come to know each other: weak ties with local trust.

Owns who has brought a contact in and the per-compound lists of suppliers brought in (the leaders' search reads
them every time it looks beyond the suppliers it knows). A contact once brought in stays: leaders keep it.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import njit


class Bridging:
    def __init__(self, pop, n_suppliers: int, ties_to_share: int):
        self.pop = pop
        self.n_suppliers = n_suppliers
        self.ties_to_share = ties_to_share
        self.shared = np.zeros(pop.n, dtype=bool)  # members whose supplier contact is in their group
        self.count = 0  # ... how many
        self.version = 0  # bumped whenever a contact comes in (the lists are rebuilt from it)
        self._built = -1
        self._counted = None  # households whose contacts are in the lists
        self._keys = np.zeros(0, dtype=np.int64)  # compound * n_suppliers + supplier, sorted, unique
        self._suppliers = np.zeros(0, dtype=np.int64)
        self._start = np.zeros(pop.n_compounds + 1, dtype=np.int64)
        self._waiting = None  # households whose contact is not in their group yet (a few in a hundred), as of today

    def bring_in(self, households) -> None:
        """These households (new leaders) bring their supplier contacts, if any, into their groups at once."""
        h = np.asarray(households, dtype=np.int64)
        h = h[(self.pop.supplier_tie[h] >= 0) & ~self.shared[h]]
        if len(h):
            self.shared[h] = True
            self.count += len(np.unique(h))
            self.version += 1

    def update(self, members: np.ndarray, ties, member_ties) -> int:
        """Members with a contact not yet in their group bring it in once they hold `ties_to_share` ties in the
        two ties stores (with leaders, with fellow members); returns how many did today."""
        if self._waiting is None:  # only households with a contact are looked at (drawn with the city)
            self._waiting = np.flatnonzero((self.pop.supplier_tie >= 0) & ~self.shared)
        new, waiting = _bring_in(self._waiting, members, self.shared, ties.degree, member_ties.degree,
                                 self.ties_to_share)
        self._waiting = self._waiting[:waiting]
        if new:
            self.count += new
            self.version += 1
        return new

    def suppliers(self, c: int) -> np.ndarray:
        """Local suppliers brought into compound c's group."""
        start, suppliers = self.lists()
        return suppliers[start[c]:start[c + 1]]

    def lists(self) -> tuple[np.ndarray, np.ndarray]:
        """Every compound's list of suppliers brought in, as (start, suppliers): compound c's are
        suppliers[start[c]:start[c + 1]], sorted (rebuilt when contacts came in)."""
        if self._built != self.version:
            pop, ns = self.pop, self.n_suppliers
            fresh = self.shared if self._counted is None else self.shared & ~self._counted
            idx = np.flatnonzero(fresh)
            new = np.unique(pop.compound[idx].astype(np.int64) * ns + pop.supplier_tie[idx])
            merged = np.sort(np.concatenate([self._keys, new]), kind="stable")  # two sorted runs: a linear merge
            keys = merged[np.concatenate([[True], merged[1:] != merged[:-1]])] if len(merged) else merged
            self._keys, self._counted = keys, self.shared.copy()
            self._suppliers = keys % ns
            self._start = np.searchsorted(keys // ns, np.arange(pop.n_compounds + 1))
            self._built = self.version
        return self._start, self._suppliers


@njit(cache=True)
def _bring_in(waiting, members, shared, degree, member_degree, ties_to_share):
    """Each household of `waiting` (with a contact not brought in as of yesterday) that is a member and holds enough
    ties brings its contact in. Returns (how many did, how many still wait: moved to the front of `waiting`, in
    order; those brought in since, as new leaders, leave it too)."""
    new = k = 0
    for j in range(len(waiting)):
        i = waiting[j]
        if shared[i]:
            continue
        if members[i] and degree[i] + member_degree[i] >= ties_to_share:
            shared[i] = True
            new += 1
        else:
            waiting[k] = i
            k += 1
    return new, k
