"""Households are registered with Mesa in bulk (a full city has 10 million); Mesa must see them exactly as if each
had been created with `Household(model, i)`."""

import mesa

from agents.household import Household
from sim.model import LockdownSupplyModel


def _registries(model):
    return ([(type(a).__name__, a.unique_id) for a in model.agents],
            {t.__name__: [a.unique_id for a in s] for t, s in model.agents_by_type.items()})


def test_bulk_households_equal_one_by_one(monkeypatch):
    fast = LockdownSupplyModel(scenario="toy", households=300, rng=4)
    monkeypatch.setattr(Household, "create_all", classmethod(lambda cls, model, n: [cls(model, i) for i in range(n)]))
    slow = LockdownSupplyModel(scenario="toy", households=300, rng=4)
    assert _registries(fast) == _registries(slow)
    assert fast.agent_id_counter == slow.agent_id_counter
    h = fast.households[17]
    assert (h.index, h.model, h.pos) == (17, fast, None)
    assert fast.agents_by_type[Household][17] is h
    assert len(fast.agents_by_type[Household]) == 300


def test_bulk_households_can_be_removed_and_stepped():
    model = mesa.Model(rng=1)
    homes = Household.create_all(model, 5)
    assert [h.unique_id for h in homes] == [1, 2, 3, 4, 5]
    homes[2].remove()
    assert len(model.agents) == 4 and homes[2] not in model.agents_by_type[Household]
    model.agents_by_type[Household].shuffle_do("step")  # Mesa's own tools work on them


def test_bulk_falls_back_when_the_type_is_already_registered():
    model = mesa.Model(rng=1)
    first = Household(model, 0)
    more = Household.create_all(model, 3)
    assert [h.unique_id for h in [first, *more]] == [1, 2, 3, 4]
    assert len(model.agents_by_type[Household]) == 4
