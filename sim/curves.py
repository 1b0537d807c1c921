"""Piecewise-linear curves over days, the form every time-varying scenario input takes."""

from __future__ import annotations

import numpy as np


class Curve:
    """A value that changes over days: linear between the points, flat before the first and after the last."""

    __slots__ = ("days", "values", "_at")

    def __init__(self, points):
        pts = sorted((float(d), float(v)) for d, v in points)
        self.days = np.array([d for d, _ in pts])
        self.values = np.array([v for _, v in pts])
        self._at: dict = {}  # values already read, by day: a curve is read a few times a day, every day of a run

    def __call__(self, day: float) -> float:
        """The value on `day` (np.interp's, kept once read: the points never change)."""
        value = self._at.get(day)
        if value is None:
            value = self._at[day] = float(np.interp(day, self.days, self.values))
        return value

    def scaled(self, factor: float) -> "Curve":
        return Curve(zip(self.days, self.values * factor))

    def __repr__(self) -> str:
        return f"Curve({list(zip(self.days.tolist(), self.values.tolist()))})"
