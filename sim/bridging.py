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

from lockdown_sim.sim.parallel import kernel, prange


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
        new = _bring_in(members, self.pop.supplier_tie, self.shared, ties.degree, member_ties.degree, self.ties_to_share)
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


@kernel
def _bring_in(members, supplier_tie, shared, degree, member_degree, ties_to_share):
    new = 0
    for i in prange(len(members)):
        if members[i] and supplier_tie[i] >= 0 and not shared[i] and degree[i] + member_degree[i] >= ties_to_share:
            shared[i] = True
            new += 1
    return new
