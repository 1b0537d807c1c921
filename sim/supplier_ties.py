"""Bridging ties to local suppliers: a few households know someone at a farm, wholesaler, supermarket or
restaurant (a job in retail or catering, a friend: docs/argument.md, claim 3), and acquaintances are likelier
nearby.

A household with a tie knows supplier s with probability proportional to s's daily supply times
exp(-km / tie_distance_km) (distance decay of acquaintance; an assumption with plausible bounds). With the decay,
a tie's length does not grow with the size of the simulated city, which it did when ties went to any supplier
anywhere. Drawn by rejection from the supply-weighted proposal, so no households x suppliers matrix is built.

With occupations (the `occupation_ties` switch; the study: members brought channels from their jobs in retail and
catering), a household with a member working in retail or catering is `occupation_tie_factor` times as likely to
know a supplier as another household (the city-wide share of households with a tie is kept), and its tie is to a
supplier of its trade: a restaurant for catering, a farm, wholesaler or supermarket for retail. Other households'
ties (friends, acquaintances) go to any kind.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from lockdown_sim.sim.local_supply import KINDS

MAX_ROUNDS = 10_000
NO_JOB, RETAIL, CATERING = 0, 1, 2
RESTAURANT = KINDS.index("restaurant")


def tie_chance(occupation: np.ndarray, share: float, factor: float) -> np.ndarray:
    """Chance of a supplier tie per household: `factor` times as high with a retail or catering job, with the mean
    `share` kept (a chance that would pass 1 is 1)."""
    job = occupation != NO_JOB
    j = float(job.mean()) if len(job) else 0.0
    other = share / (j * factor + 1 - j) if (j * factor + 1 - j) > 0 else share
    with_job = min(1.0, other * factor)
    if with_job == 1.0 and j < 1:  # the jobs cannot hold more ties: the rest go to other households
        other = min(1.0, max(0.0, (share - j) / (1 - j)))
    return np.where(job, with_job, other)


def draw_supplier_ties(pop, supply, city, compound_x, compound_y, share: float, distance_km: float,
                       rng: np.random.Generator, occupation: np.ndarray | None = None,
                       occupation_factor: float = 1.0) -> np.ndarray:
    """The supplier each household knows (-1: none): `share` of households have one, chosen with distance decay
    (and, given `occupation`, likelier for retail and catering jobs and to a supplier of their trade)."""
    tie = np.full(pop.n, -1, dtype=np.int32)
    chance = share if occupation is None else tie_chance(occupation, share, occupation_factor)
    holders = np.flatnonzero(rng.random(pop.n) < chance)
    if len(holders) == 0 or supply.n == 0:
        return tie
    if occupation is None:
        groups = [(holders, np.ones(supply.n, dtype=bool))]
    else:
        restaurant = supply.kind == RESTAURANT
        job = occupation[holders]
        groups = [(holders[job == NO_JOB], np.ones(supply.n, dtype=bool)),
                  (holders[job == RETAIL], ~restaurant), (holders[job == CATERING], restaurant)]
    for members, kinds in groups:
        if len(members) and not kinds.any():
            kinds = np.ones(supply.n, dtype=bool)  # no supplier of the trade in a tiny city: any kind
        tie[members] = _draw(pop, supply, city, compound_x, compound_y, members, kinds, distance_km, rng)
    return tie


def _draw(pop, supply, city, compound_x, compound_y, holders, kinds, distance_km, rng) -> np.ndarray:
    """A supplier among `kinds` for each of `holders`, by rejection with distance decay."""
    out = np.full(len(holders), -1, dtype=np.int32)
    if len(holders) == 0:
        return out
    ids = np.flatnonzero(kinds)
    weights = supply.daily[ids]
    cum = np.cumsum(weights / weights.sum())
    todo = np.arange(len(holders))
    for _ in range(MAX_ROUNDS):
        s = ids[np.minimum(np.searchsorted(cum, rng.random(len(todo)) * cum[-1], side="right"), len(ids) - 1)]
        c = pop.compound[holders[todo]]
        km = city.distance_km(supply.x[s], supply.y[s], compound_x[c], compound_y[c])
        keep = rng.random(len(todo)) < np.exp(-km / distance_km)
        out[todo[keep]] = s[keep]
        todo = todo[~keep]
        if len(todo) == 0:
            return out
    # (never reached in a city of realistic shape) the nearest supplier of the kinds for what is left
    c = pop.compound[holders[todo]]
    _, nearest = cKDTree(np.c_[supply.x[ids], supply.y[ids]]).query(np.c_[compound_x[c], compound_y[c]], p=1)
    out[todo] = ids[nearest]
    return out
