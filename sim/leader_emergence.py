"""Leader emergence: group leaders are not appointed, they emerge from households. Each day a chat-group member
with a phone and enough free time starts leading with a chance that grows with the need in the group (the share
of members running low); a member with a tie to a supplier (bridging capital) is likelier to. A compound has at
most `leaders_per_100_households` leaders per hundred homes (at least one)."""

from __future__ import annotations

import numpy as np


def emerging_leaders(model, active_compounds: np.ndarray) -> np.ndarray:
    """Households that start leading today (at most the room left in each compound)."""
    pop, chat, food = model.population, model.chat, model.food
    g = model.cfg.group_buying
    members = chat.member | model.canvassing.listed
    needy = members & food.in_need()
    pressure = pop.per_compound(needy) / np.maximum(pop.per_compound(members), 1)
    cap = np.maximum(1, np.floor(g.leaders_per_100_households * pop.compound_size / 100.0))
    room = cap - model.leaders_per_compound()
    candidate = (chat.member & pop.phone & (pop.free_hours >= g.leader_min_hours) & ~model.is_leader
                 & ~model.volunteers.volunteer & (active_compounds & (room > 0) & (pressure > 0))[pop.compound])
    idx = np.flatnonzero(candidate)
    if len(idx) == 0:
        return idx
    boost = np.where((pop.supplier_tie[idx] >= 0) & model.mechanisms["supplier_ties"], g.leader_tie_boost, 1.0)
    p = np.minimum(1.0, g.leader_propensity * pressure[pop.compound[idx]] * boost)
    idx = idx[model.rng.random(len(idx)) < p]
    comp = pop.compound[idx]
    rank = np.arange(len(idx)) - np.searchsorted(comp, comp)
    return idx[rank < room[comp]]
