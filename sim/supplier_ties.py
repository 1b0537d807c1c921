"""Bridging ties to local suppliers: a few households know someone at a farm, wholesaler, supermarket or
restaurant (a job in retail or catering, a friend: docs/argument.md, claim 3), and acquaintances are likelier
nearby.

A household with a tie knows supplier s with probability proportional to s's daily supply times
exp(-km / tie_distance_km) (distance decay of acquaintance; an assumption with plausible bounds). With the decay,
a tie's length does not grow with the size of the simulated city, which it did when ties went to any supplier
anywhere. Drawn by rejection from the supply-weighted proposal, so no households x suppliers matrix is built.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

MAX_ROUNDS = 10_000


def draw_supplier_ties(pop, supply, city, compound_x, compound_y, share: float, distance_km: float,
                       rng: np.random.Generator) -> np.ndarray:
    """The supplier each household knows (-1: none): `share` of households have one, chosen with distance decay."""
    tie = np.full(pop.n, -1, dtype=np.int32)
    holders = np.flatnonzero(rng.random(pop.n) < share)
    if len(holders) == 0 or supply.n == 0:
        return tie
    cum = np.cumsum(supply.daily / supply.daily.sum())
    todo = holders
    for _ in range(MAX_ROUNDS):
        s = np.minimum(np.searchsorted(cum, rng.random(len(todo)) * cum[-1], side="right"), supply.n - 1)
        c = pop.compound[todo]
        km = city.distance_km(supply.x[s], supply.y[s], compound_x[c], compound_y[c])
        keep = rng.random(len(todo)) < np.exp(-km / distance_km)
        tie[todo[keep]] = s[keep]
        todo = todo[~keep]
        if len(todo) == 0:
            return tie
    # (never reached in a city of realistic shape) the nearest supplier for what is left
    c = pop.compound[todo]
    _, nearest = cKDTree(np.c_[supply.x, supply.y]).query(np.c_[compound_x[c], compound_y[c]], p=1)
    tie[todo] = nearest
    return tie
