"""Gateways (group-buying mini-programs such as 快团团): leaders adopt them by Bass diffusion from `launch_day`.
A gateway standardises the leader's paperwork (posting, sign-up lists, payment: `overhead_factor`), shortens
the search for suppliers (`search_factor`) and widens it to every supplier listed on it; the local work at the
gate is left as it was (docs/argument.md, claim 6).

The diffusion is Bass's with a market potential: only a share `market_potential` of leaders would ever adopt (a
leader's draw, made once per household, so the same leaders are the potential adopters in every mode). A potential
adopter not yet on a gateway takes it up each day with chance p + q * s, where s is the share of potential
adopters who already use it among the leaders it can see: with `visible_imitation` on, the other leaders of its
compound (they share its residents and chat groups) weighted `compound_weight`, and the leaders of its district for
the rest (what reaches it through other groups and the news); off, every leader of the city, as before.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.curves import Curve
from lockdown_sim.sim.parallel import njit


class Gateway:
    def __init__(self, gcfg, pop, rng: np.random.Generator, potential_rng: np.random.Generator, *, enabled: bool,
                 visible_imitation: bool):
        self.enabled = enabled
        self.launch_day = gcfg.launch_day
        self.p, self.q = gcfg.bass_p, gcfg.bass_q
        self.overhead_factor = gcfg.overhead_factor
        self.search_factor = gcfg.search_factor
        self.listed_share = Curve(gcfg.listed_share)
        self.market_potential = gcfg.market_potential
        self.compound_weight = gcfg.compound_weight
        self.visible_imitation = visible_imitation
        self.compound_district = pop.compound_district
        self.n_compounds = pop.n_compounds
        # who would ever adopt, as a household trait drawn once (a leader's draw does not depend on when it emerged)
        self.would_adopt = potential_rng.random(pop.n) < self.market_potential
        self._rng = rng

    def listed_today(self, day: int) -> float:
        """Share of local suppliers listed on group-buying gateways today (0 with gateways off)."""
        return self.listed_share(day) if self.enabled else 0.0

    def adopters(self, uses: np.ndarray, household: np.ndarray, compound: np.ndarray, day: int) -> np.ndarray:
        """Which of the active leaders (whether each `uses` a gateway, the household it is, its compound) take it up
        today: potential adopters not yet on it, each with chance p + q * (share of the potential adopters it can
        see who use it). Returns their positions; the leaders' state is changed by Leadership.adopt_gateway."""
        none = np.zeros(0, dtype=np.int64)
        if not self.enabled or day < self.launch_day or len(uses) == 0:
            return none
        new_idx, chance, potential = _chances(uses, household, compound, self.would_adopt, self.compound_district,
                                              self.n_compounds, self.visible_imitation, self.compound_weight, self.p,
                                              self.q)
        if len(new_idx) == 0:
            return none
        draws = self._rng.random(len(new_idx))
        return new_idx[(draws < chance) & potential]


@njit(cache=True)
def _chances(uses, household, comp, would_adopt, compound_district, n_compounds, visible, w, p, q):
    """Leaders not yet on a gateway (positions), each one's chance p + q * s of taking it up today and whether it is
    a potential adopter: s the share of potential adopters using it among the leaders it can see (with `visible`,
    the other leaders of its compound weighted w and its district's for the rest; else the city's)."""
    n = len(uses)
    users_c, potential_c = np.zeros(n_compounds), np.zeros(n_compounds)
    n_districts = 2
    for i in range(n):
        n_districts = max(n_districts, compound_district[comp[i]] + 1)
    users_d, potential_d = np.zeros(n_districts), np.zeros(n_districts)
    users, potential = 0.0, 0.0
    m = 0
    for i in range(n):
        u, a = (1.0 if uses[i] else 0.0), (1.0 if would_adopt[household[i]] else 0.0)
        c = comp[i]
        users_c[c] += u
        potential_c[c] += a
        users_d[compound_district[c]] += u
        potential_d[compound_district[c]] += a
        users += u
        potential += a
        m += not uses[i]
    new_idx = np.empty(m, np.int64)
    chance = np.empty(m)
    is_potential = np.empty(m, np.bool_)
    m = 0
    for i in range(n):
        if uses[i]:
            continue
        a = 1.0 if would_adopt[household[i]] else 0.0
        if visible:
            c, u = comp[i], 0.0  # not on it yet
            d = compound_district[c]
            seen_district = users_d[d] / max(potential_d[d], 1.0)
            users_here, potential_here = users_c[c] - u, potential_c[c] - a  # the others of its own compound
            seen_compound = users_here / max(potential_here, 1.0) if potential_here > 0 else seen_district
            share = w * seen_compound + (1 - w) * seen_district
        else:
            share = users / max(potential, 1.0)
        new_idx[m], chance[m], is_potential[m] = i, p + q * share, a > 0
        m += 1
    return new_idx, chance, is_potential
