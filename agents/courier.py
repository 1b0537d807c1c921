"""Couriers: platform riders, whose number at work and stops a day limit platform deliveries, and local
suppliers' trucks, whose working minutes limit bulk trips to compound gates.

Couriers are many (80,000 riders and about 15,000 trucks in the full city), so their day lives in their
channel's arrays (sim/platform_capacity.py, sim/dispatch.py) and each agent is the handle for its row. A courier is
at the gate it last served (a rider stays there; a truck goes back to its depot at the start of each day): its
`cell` says which, from those arrays (couriers are not listed among a grid cell's agents, as households are not).
"""

from __future__ import annotations

import mesa


class Courier(mesa.Agent):
    """A courier of a channel (`_channel`), row `index` of its arrays."""

    def __init__(self, model, channel, index: int):
        super().__init__(model)
        self._channel = channel
        self.index = int(index)


class Rider(Courier):
    """A platform rider. Works on a day when its draw is below the share of riders at work, and is dispatched to
    an open site for the day (its home site otherwise)."""

    @property
    def base(self):
        """Today's site if at work, else the home site."""
        site = int(self._channel.rider_site[self.index])
        return self._channel.sites[site if site >= 0 else int(self._channel.rider_home[self.index])]

    @property
    def cell(self):
        """The gate of its last stop (it stays there), or its home site before its first round."""
        c = int(self._channel.rider_gate[self.index])
        return self._channel.compounds[c].cell if c >= 0 else self._channel.sites[int(self._channel.rider_home[self.index])].cell

    @property
    def draw(self) -> float:
        return float(self._channel.rider_draw[self.index])

    @property
    def working(self) -> bool:
        return bool(self._channel.rider_working[self.index])

    @property
    def capacity(self) -> int:
        """Stops it can make today."""
        return int(self._channel.rider_capacity[self.index])

    @property
    def stops_today(self) -> int:
        return int(self._channel.rider_stops[self.index])


class Truck(Courier):
    """A local supplier's truck: a day of minutes spent on round trips to compound gates."""

    def __init__(self, model, dispatch, index: int, supplier):
        super().__init__(model, dispatch, index)
        self.supplier = supplier

    @property
    def base(self):
        return self.supplier

    @property
    def cell(self):
        """The gate of its last run today, or its depot."""
        c = int(self._channel.at_compound[self.index])
        return self._channel.compounds[c].cell if c >= 0 else self.supplier.cell

    @property
    def minutes_per_day(self) -> float:
        return float(self._channel.minutes_per_day)

    @property
    def minutes_left(self) -> float:
        return float(self._channel.minutes_left[self.index])

    @property
    def trips_today(self) -> int:
        return int(self._channel.trips_today[self.index])

    @property
    def stops_today(self) -> int:
        return int(self._channel.stops_today[self.index])
