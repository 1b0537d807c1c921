"""Suppliers. Platform suppliers are e-grocery sites (forward warehouses, stores) with staff and riders: wide
information reach, narrow delivery capacity. Local suppliers (farms, wholesalers, supermarkets, restaurants)
hold stock and trucks but are reachable only through a tie or a gateway listing, need a vehicle pass, and sell
only above a minimum order (the "space of places")."""

from __future__ import annotations

import numpy as np
from mesa.discrete_space import FixedAgent

from lockdown_sim.sim.local_supply import KINDS


class Supplier(FixedAgent):
    """A supplier placed on the city grid; `index` points into its channel's arrays."""

    def __init__(self, model, index: int, cell):
        super().__init__(model)
        self.index = index
        self.cell = cell


class PlatformSupplier(Supplier):
    """A platform site: opens when its staff can work, sells delivery slots first come, first served."""

    @property
    def riders(self) -> list:
        """Riders dispatched to this site today."""
        platform = self.model.platform
        return [platform.riders[i] for i in np.flatnonzero(platform.rider_site == self.index).tolist()]

    @property
    def is_open(self) -> bool:
        return bool(self.model.platform.site_open[self.index])

    @property
    def slots_today(self) -> int:
        return int(self.model.platform.slots[self.index])

    @property
    def orders_today(self) -> int:
        return int(self.model.platform.orders[self.index])

    def __repr__(self) -> str:
        return f"PlatformSupplier({self.index}, open={self.is_open}, riders={len(self.riders)})"


class LocalSupplier(Supplier):
    """A local supplier: stock, trucks, a vehicle pass, a minimum order and a lead time."""

    def __init__(self, model, index: int, cell):
        super().__init__(model, index, cell)
        self.trucks: list = []

    @property
    def _s(self):
        return self.model.local_supply

    @property
    def kind(self) -> str:
        return KINDS[int(self._s.kind[self.index])]

    @property
    def stock(self) -> float:
        return float(self._s.stock[self.index])

    @property
    def daily_capacity(self) -> float:
        return float(self._s.daily[self.index])

    @property
    def min_order_sets(self) -> int:
        return int(self._s.moq[self.index])

    @property
    def lead_time_days(self) -> int:
        return int(self._s.lead[self.index])

    @property
    def has_permit(self) -> bool:
        return self._s.may_drive(self.index, self.model.day)

    @property
    def listed_on_gateway(self) -> bool:
        return bool(self._s.listed[self.index])

    def __repr__(self) -> str:
        return f"LocalSupplier({self.index}, {self.kind}, stock={self.stock:.0f}, moq={self.min_order_sets})"
