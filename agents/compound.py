"""A residential compound: households behind one gate, with one chat group and a tier that changes over time.
Deliveries stop at its gate (FixedAgent on the city grid)."""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

from lockdown_sim.sim.city import DISTRICT_NAMES
from lockdown_sim.sim.compound_types import TYPE_NAMES
from lockdown_sim.sim.lockdown import TIER_NAMES


class Compound(FixedAgent):
    def __init__(self, model, index: int, cell):
        super().__init__(model)
        self.index = index
        self.cell = cell

    @property
    def _slice(self) -> slice:
        s = self.model.population.start
        return slice(int(s[self.index]), int(s[self.index + 1]))

    @property
    def households(self) -> list:
        return self.model.households[self._slice]

    @property
    def leaders(self) -> list:
        """Its group leaders (active or retired), in the order they came forward."""
        return self.model.leadership.of_compound[self.index]

    @property
    def size(self) -> int:
        return int(self.model.population.compound_size[self.index])

    @property
    def district(self) -> str:
        return DISTRICT_NAMES[int(self.model.population.compound_district[self.index])]

    @property
    def kind(self) -> str:
        """"old" (older public housing, lane houses) or "commercial" (sim/compound_types.py)."""
        return TYPE_NAMES[int(self.model.population.compound_type[self.index])]

    @property
    def tier(self) -> str:
        return TIER_NAMES[int(self.model.rules.tier[self.index])]

    @property
    def empty_share(self) -> float:
        """Share of households that could not eat their full need today."""
        return float(self.model.food.short_today[self._slice].mean())

    @property
    def coordinator(self):
        """The leader who coordinates this compound's leaders, or None."""
        return self.model.coordination.coordinator.get(self.index)

    @property
    def members(self) -> int:
        return int(self.model.chat.member[self._slice].sum())

    @property
    def volunteers(self) -> int:
        return int(self.model.volunteers.volunteer[self._slice].sum())

    @property
    def food_at_gate(self) -> float:
        return float(self.model.gate.waiting[:, self._slice].sum())

    def __repr__(self) -> str:
        return f"Compound({self.index}, {self.kind}, {self.size} households, {self.district}, {self.tier})"
