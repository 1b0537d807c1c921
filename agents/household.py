"""A household: one sealed home. Its traits and daily state live in the model's arrays (updated vectorised
each day); the agent is the handle a user inspects and Mesa's tools see."""

from __future__ import annotations

import gc

import mesa
from mesa.agentset import _HardKeyAgentSet


class Household(mesa.Agent):
    """One home, read-only view of entry `index` of the model's household arrays."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

    @classmethod
    def create_all(cls, model, n: int) -> list[Household]:
        """Households 0..n-1, registered with the model exactly as n calls of `Household(model, i)` would be.

        Why: a full city has 10 million of them and Mesa's per-agent registration (about 5 us each) would take
        most of a minute. They get the same unique ids, registries and order; the only difference is that no
        AGENT_ADDED signal is sent per household (nothing can observe a model still being built). A subclass
        tracked by a Mesa dataset, or a Mesa whose registries differ, falls back to the one-by-one path.
        """
        fast = (not cls._datasets and isinstance(getattr(model, "_all_agents", None), _HardKeyAgentSet)
                and cls not in model._agents_by_type)
        if not fast:
            return [cls(model, i) for i in range(n)]
        was_enabled = gc.isenabled()
        gc.disable()  # millions of new objects would trigger ever longer full collections
        try:
            first = model.agent_id_counter
            new = object.__new__
            agents = [new(cls) for _ in range(n)]
            for i, agent in enumerate(agents):
                agent.__dict__ = {"model": model, "unique_id": first + i, "pos": None, "index": i}
            model._all_agents._agents.update(dict.fromkeys(agents))
            model._agents_by_type[cls] = _HardKeyAgentSet(agents, random=model.random)
            model.agent_id_counter = first + n
        finally:
            if was_enabled:
                gc.enable()
        return agents

    # fixed traits
    @property
    def compound(self):
        return self.model.compounds[int(self.model.population.compound[self.index])]

    @property
    def cell(self):
        return self.compound.cell

    @property
    def size(self) -> int:
        return int(self.model.population.size[self.index])

    @property
    def elderly(self) -> bool:
        return bool(self.model.population.elderly[self.index])

    @property
    def older_only(self) -> bool:
        return bool(self.model.population.older_only[self.index])

    @property
    def over80_alone(self) -> bool:
        """A resident aged 80+ living alone (the target of charity packs)."""
        return bool(self.model.population.over80_alone[self.index])

    @property
    def job(self) -> str:
        """A member's job where it may bring a supplier contact: "retail", "catering" or "" (none of note)."""
        return ("", "retail", "catering")[int(self.model.population.occupation[self.index])]

    @property
    def phone_skill(self) -> bool:
        return bool(self.model.population.phone[self.index])

    @property
    def remote_proxy(self) -> bool:
        return bool(self.model.population.proxy[self.index])

    @property
    def free_hours(self) -> float:
        return float(self.model.population.free_hours[self.index])

    @property
    def supplier_tie(self):
        """The local supplier someone in this home knows, or None."""
        s = int(self.model.population.supplier_tie[self.index])
        return self.model.local_suppliers[s] if s >= 0 else None

    # daily state
    @property
    def stock(self) -> float:
        """Portions (person-days of food) at home."""
        return float(self.model.food.stock[self.index])

    @property
    def pending(self) -> float:
        """Portions ordered and not yet home."""
        return float(self.model.food.pending[self.index])

    @property
    def days_of_food(self) -> float:
        return self.stock / self.size

    @property
    def ever_ran_out(self) -> bool:
        return bool(self.model.food.ever_empty[self.index])

    @property
    def days_short(self) -> int:
        """Days so far on which it could not eat its full need."""
        return int(self.model.food.days_short[self.index])

    @property
    def in_chat_group(self) -> bool:
        return bool(self.model.chat.member[self.index])

    @property
    def canvassed(self) -> bool:
        return bool(self.model.canvassing.listed[self.index])

    @property
    def volunteer(self) -> bool:
        return bool(self.model.volunteers.volunteer[self.index])

    @property
    def leader(self):
        """The GroupLeader this household became, or None."""
        return self.model.leader_of_household.get(self.index)

    def __repr__(self) -> str:
        return f"Household({self.index}, size={self.size}, stock={self.stock:.1f}, compound={self.compound.index})"
