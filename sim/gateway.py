"""Gateways (group-buying mini-programs such as 快团团): leaders adopt them by Bass diffusion from `launch_day`.
A gateway standardises the leader's paperwork (posting, sign-up lists, payment: `overhead_factor`), shortens
the search for suppliers (`search_factor`) and widens it to every supplier listed on it; the local work at the
gate is left as it was."""

from __future__ import annotations

import numpy as np

from sim.curves import Curve


class Gateway:
    def __init__(self, gcfg, rng: np.random.Generator, *, enabled: bool):
        self.enabled = enabled
        self.launch_day = gcfg.launch_day
        self.p, self.q = gcfg.bass_p, gcfg.bass_q
        self.overhead_factor = gcfg.overhead_factor
        self.search_factor = gcfg.search_factor
        self.listed_share = Curve(gcfg.listed_share)
        self._rng = rng

    def listed_today(self, day: int) -> float:
        return self.listed_share(day) if self.enabled else 0.0

    def adopt(self, leaders: list, day: int) -> int:
        """Leaders not yet on a gateway take it up with chance p + q * (share of leaders already on it)."""
        if not self.enabled or day < self.launch_day or not leaders:
            return 0
        share = sum(ld.uses_gateway for ld in leaders) / len(leaders)
        chance = self.p + self.q * share
        newcomers = [ld for ld in leaders if not ld.uses_gateway]
        draws = self._rng.random(len(newcomers))
        for leader, u in zip(newcomers, draws):
            if u < chance:
                leader.uses_gateway = True
        return int((draws < chance).sum())
