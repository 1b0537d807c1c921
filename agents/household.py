"""A household: one sealed home. Its traits and daily state live in the model's arrays (updated vectorised
each day); the agent is the handle a user inspects and Mesa's tools see."""

from __future__ import annotations

import mesa


class Household(mesa.Agent):
    """One home, read-only view of entry `index` of the model's household arrays."""

    def __init__(self, model, index: int):
        super().__init__(model)
        self.index = index

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
