"""A household: one sealed home. Its traits and daily state live in the model's arrays (updated vectorised
each day); the agent is the handle a user inspects and Mesa's tools see.

A full city has 10 million households and nothing in a day reads their agents, so each is made the first time it
is read (`model.households[i]`, `compound.households`, iterating `model.households`) and registered with the model
then: from that moment it is in `model.agents` and `model.agents_by_type[Household]`, with the unique id it would
have had had every household been made with the city (the ids right after the compounds')."""

from __future__ import annotations

from collections.abc import Sequence

import mesa


class Households(Sequence):
    """The model's households as Mesa agents: `households[i]` is household i's agent, made and registered with the
    model the first time it is read."""

    def __init__(self, model, n: int):
        self._model = model
        self._n = int(n)
        self._made: dict[int, Household] = {}
        # the unique ids households would have had if all were made now: reserved, so they do not depend on which
        # households are read first (Mesa numbers agents from model.agent_id_counter, a public attribute)
        self._first_id = model.agent_id_counter
        model.agent_id_counter += self._n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._get(k) for k in range(*i.indices(self._n))]
        return self._get(range(self._n)[i])

    def __iter__(self):
        return (self._get(k) for k in range(self._n))

    @property
    def made(self) -> int:
        """Households made (registered with the model) so far."""
        return len(self._made)

    def _get(self, i: int) -> Household:
        agent = self._made.get(i)
        if agent is None:
            model = self._model
            counter = model.agent_id_counter
            model.agent_id_counter = self._first_id + i  # Mesa gives the new agent this id
            try:
                agent = Household(model, i)
            finally:
                model.agent_id_counter = counter
            self._made[i] = agent
        return agent


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
        return self.model.leadership.agent_of(self.index)

    def __repr__(self) -> str:
        return f"Household({self.index}, size={self.size}, stock={self.stock:.1f}, compound={self.compound.index})"
