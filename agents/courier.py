"""Couriers: platform riders, whose number at work and stops a day limit platform deliveries, and local
suppliers' trucks, whose working minutes limit bulk trips to compound gates. Both move on the city grid to the
gate they last served."""

from __future__ import annotations

from mesa.discrete_space import CellAgent


class Courier(CellAgent):
    def __init__(self, model, base, cell):
        super().__init__(model)
        self.base = base  # the supplier the courier works for
        self.cell = cell
        self.stops_today = 0

    def go_to(self, cell) -> None:
        if cell is not self.cell:
            self.cell = cell


class Rider(Courier):
    """A platform rider. Works on a day when its draw is below the share of riders at work, and is dispatched to
    an open site for the day (its home site otherwise).

    Riders are many (80,000 in the full city), so their daily state is held in the platform's arrays.
    """

    def __init__(self, model, platform, index: int):
        self.index = index
        self._platform = platform
        home = platform.sites[int(platform.rider_home[index])]
        super().__init__(model, home, home.cell)

    @property
    def base(self):
        """Today's site if at work, else the home site."""
        site = int(self._platform.rider_site[self.index])
        return self._platform.sites[site if site >= 0 else int(self._platform.rider_home[self.index])]

    @base.setter
    def base(self, value) -> None:  # Courier.__init__ sets the home site, which the platform's arrays hold
        pass

    @property
    def draw(self) -> float:
        return float(self._platform.rider_draw[self.index])

    @property
    def working(self) -> bool:
        return bool(self._platform.rider_working[self.index])

    @property
    def capacity(self) -> int:
        """Stops it can make today."""
        return int(self._platform.rider_capacity[self.index])

    @property
    def stops_today(self) -> int:
        return int(self._platform.rider_stops[self.index])

    @stops_today.setter
    def stops_today(self, value) -> None:  # Courier.__init__ sets 0; the platform owns the count
        pass


class Truck(Courier):
    """A local supplier's truck: a day of minutes spent on round trips to compound gates."""

    def __init__(self, model, supplier, cell, minutes_per_day: float):
        super().__init__(model, supplier, cell)
        self.minutes_per_day = minutes_per_day
        self.minutes_left = minutes_per_day
        self.trips_today = 0

    def start_day(self) -> None:
        self.minutes_left = self.minutes_per_day
        self.trips_today = 0
        self.stops_today = 0
        self.go_to(self.base.cell)

    def can_drive(self, minutes: float) -> bool:
        """A run fits the minutes left, or it is the truck's first run of the day (long runs take a day)."""
        return minutes <= self.minutes_left or (self.trips_today == 0 and self.minutes_left > 0)

    def drive(self, minutes: float, stops: int, cell) -> None:
        self.minutes_left -= minutes
        self.trips_today += 1
        self.stops_today += stops
        self.go_to(cell)
