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
        uses = uses.astype(np.float64)
        new_idx = np.flatnonzero(uses == 0)
        if len(new_idx) == 0:
            return none
        potential = self.would_adopt[household].astype(np.float64)
        share = self._seen_share(compound, uses, potential)[new_idx]
        chance = self.p + self.q * share
        draws = self._rng.random(len(new_idx))
        take = (draws < chance) & (potential[new_idx] > 0)
        return new_idx[take]

    def _seen_share(self, comp: np.ndarray, uses: np.ndarray, potential: np.ndarray) -> np.ndarray:
        """For each leader (in compound `comp`), the share of potential adopters using the gateway among the leaders
        it can see."""
        if not self.visible_imitation:
            return np.full(len(comp), uses.sum() / max(potential.sum(), 1.0))
        district = self.compound_district[comp]
        users_d = np.bincount(district, weights=uses, minlength=2)
        potential_d = np.bincount(district, weights=potential, minlength=2)
        seen_district = users_d[district] / np.maximum(potential_d[district], 1.0)
        # the other leaders of its own compound (the leader itself is not one it imitates)
        users_c = np.bincount(comp, weights=uses, minlength=self.n_compounds)[comp] - uses
        potential_c = np.bincount(comp, weights=potential, minlength=self.n_compounds)[comp] - potential
        seen_compound = np.where(potential_c > 0, users_c / np.maximum(potential_c, 1.0), seen_district)
        w = self.compound_weight
        return w * seen_compound + (1 - w) * seen_district
