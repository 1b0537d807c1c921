"""Compound types: old compounds (older public housing, lane houses) and commercial compounds differ in who lives
there (docs/argument.md, claim 5, and "The study", on its method: residents of old compounds reported many older residents
living alone without phone skills, and helping them was their main problem).

Each compound is old or commercial (a draw from its own stream). By type, compounds differ in size (a factor on
the median households), in the chance that a household has an older member, in older residents' phone skill and
in households' free time. The commercial compounds' factors are derived so that the city-wide figures of the
scenario (mean compound size, elderly_share, elderly_phone_share, free_hours_mean) hold: the types move older
residents between compounds, they do not add any. With the switch off every compound gets the city-wide figures
(the types are still drawn, so both settings name the same compounds old).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OLD, COMMERCIAL = 0, 1
TYPE_NAMES = ("old", "commercial")


@dataclass(frozen=True)
class CompoundTypes:
    """The old compounds' share and factors (relative to the city-wide figure); commercial ones are derived."""

    old_share: float  # share of compounds that are old
    size_factor: float  # old compounds' median households / the city-wide median
    elderly_factor: float  # chance of an older member in an old compound / in a commercial one
    phone_factor: float  # older-only households' phone skill in old compounds / city-wide
    free_hours_factor: float  # free hours in old compounds / city-wide
    enabled: bool

    @classmethod
    def from_scenario(cls, scenario, enabled: bool) -> "CompoundTypes":
        c = scenario.compounds
        return cls(c.old_share, c.old_size_factor, c.old_elderly_factor, c.old_phone_factor,
                   c.old_free_hours_factor, enabled)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Types of n compounds (one uniform each, so the first n are the same whatever n is)."""
        return np.where(rng.random(n) < self.old_share, OLD, COMMERCIAL).astype(np.int8)

    def size_factors(self) -> np.ndarray:
        """Median-size factor per type; the commercial one keeps the city-wide mean compound size."""
        if not self.enabled:
            return np.ones(2)
        old = self.size_factor
        return np.array([old, max(0.05, (1 - self.old_share * old) / (1 - self.old_share))])

    def elderly_chance(self, elderly_share: float, old_household_share: float) -> np.ndarray:
        """Chance per type that a household has an older member, with the city-wide mean elderly_share.

        p_old = r * p_commercial, h * p_old + (1 - h) * p_commercial = elderly_share (h: households in old
        compounds); where p_old would pass 1 it is 1 and the commercial chance takes the rest.
        """
        if not self.enabled:
            return np.full(2, elderly_share)
        h, r = old_household_share, self.elderly_factor
        if h * r + 1 - h <= 0:  # only old compounds, and the factor leaves them no older resident: no commercial
            return np.full(2, elderly_share)  # compound to compare with, so the city-wide share is kept
        commercial = elderly_share / (h * r + 1 - h)
        if r * commercial <= 1:
            return np.array([r * commercial, commercial])
        return np.array([1.0, min(1.0, max(0.0, (elderly_share - h) / max(1e-12, 1 - h)))])

    def phone_chance(self, elderly_phone_share: float, older_only_weight: float) -> np.ndarray:
        """Chance per type that an older-only household orders on a phone, with the city-wide mean kept
        (older_only_weight: the old compounds' expected share of older-only households)."""
        if not self.enabled:
            return np.full(2, elderly_phone_share)
        w = older_only_weight
        old = min(1.0, self.phone_factor * elderly_phone_share)
        commercial = (elderly_phone_share - w * old) / max(1e-12, 1 - w)
        return np.array([old, min(1.0, max(0.0, commercial))])

    def free_hours_factors(self, old_household_share: float) -> np.ndarray:
        """Free-hours factor per type, with the city-wide (household-weighted) mean kept."""
        if not self.enabled:
            return np.ones(2)
        h, old = old_household_share, self.free_hours_factor
        return np.array([old, max(0.0, (1 - h * old) / max(1e-12, 1 - h))])
