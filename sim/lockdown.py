"""Lockdown rules: when each district is locked, each compound's tier over time, and reopening.

Tiers follow the press-briefing shares of residents in sealed / control / prevention compounds
(docs/sources.md#residents-by-tier):
each compound holds a latent outbreak draw u, and on a day with sealed share s and control share c it is
sealed if u < s, in control if u < s + c, else in prevention. As the shares fall compounds move
sealed -> control -> prevention; a small daily churn renews u (a new case can re-seal a compound).
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.curves import Curve

SEALED, CONTROL, PREVENTION, OPEN = 0, 1, 2, 3
TIER_NAMES = ("sealed", "control", "prevention", "open")


class LockdownRules:
    """Tier of every compound, updated once a day; the other mechanisms read `tier` and the helpers."""

    def __init__(self, scenario, compound_district: np.ndarray, rng: np.random.Generator, *, lockdown: bool, tiers: bool):
        t = scenario.timeline
        self.enabled = lockdown
        self.tiers_on = tiers
        self.lockdown_day = np.array([t.lockdown_day_west, t.lockdown_day_east])  # indexed by district
        self.tier_system_day = t.tier_system_day
        self.reopen_day = t.reopen_day
        self.churn = t.tier_churn
        pts = t.tier_points
        totals = [p["sealed"] + p["control"] + p["prevention"] for p in pts]
        self.sealed_share = Curve([(p["day"], p["sealed"] / tot) for p, tot in zip(pts, totals)])
        self.control_share = Curve([(p["day"], p["control"] / tot) for p, tot in zip(pts, totals)])
        self.district = compound_district
        self._rng = rng
        n_c = len(compound_district)
        self.outbreak = rng.random(n_c)
        self.lets_out = rng.random(n_c) < t.prevention_exit_share
        self.tier = np.full(n_c, OPEN, dtype=np.int8)
        self.day = -1
        self._permit_locked = np.zeros(2, dtype=bool)

    def update(self, day: int) -> None:
        """Set every compound's tier for this day."""
        self.day = day
        self._permit_locked = np.array([self.needs_permit(d) for d in range(2)])
        if not self.enabled or day >= self.reopen_day:
            self.tier[:] = OPEN
            return
        if self.tiers_on and day >= self.tier_system_day:
            renew = self._rng.random(len(self.outbreak)) < self.churn
            self.outbreak[renew] = self._rng.random(int(renew.sum()))
            s, c = self.sealed_share(day), self.control_share(day)
            tier = np.where(self.outbreak < s, SEALED, np.where(self.outbreak < s + c, CONTROL, PREVENTION))
        else:
            tier = np.full(len(self.tier), SEALED)
        locked = day >= self.lockdown_day[self.district]
        self.tier[:] = np.where(locked, tier, OPEN)

    @property
    def city_locked(self) -> bool:
        """True while any district is locked."""
        return self.enabled and self.lockdown_day.min() <= self.day < self.reopen_day

    @property
    def reopened(self) -> bool:
        return self.enabled and self.day >= self.reopen_day

    def locked_compounds(self) -> np.ndarray:
        """Compounds under any lockdown tier today (residents may not go out freely)."""
        return self.tier != OPEN

    def residents_move_inside(self) -> np.ndarray:
        """Compounds whose residents may walk to their own gate (all but sealed)."""
        return self.tier != SEALED

    def may_go_out(self) -> np.ndarray:
        """Compounds whose residents may shop outside: open, or prevention tier where the compound allows it."""
        return (self.tier == OPEN) | ((self.tier == PREVENTION) & self.lets_out)

    def district_locked(self, district: int) -> bool:
        return self.enabled and self.lockdown_day[district] <= self.day < self.reopen_day

    def needs_permit(self, district: int) -> bool:
        """Trucks need a pass while the district they drive in is locked."""
        return self.district_locked(district)

    def permit_locked(self) -> np.ndarray:
        """Per district (west, east), whether trucks driving there need a pass today (a trip needs one if either
        end is in such a district: sim/local_supply.py, `trip_needs_pass`)."""
        return self._permit_locked
