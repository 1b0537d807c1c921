"""Piecewise-linear curves over days, the form every time-varying scenario input takes."""

from __future__ import annotations

import numpy as np


class Curve:
    """A value that changes over days: linear between the points, flat before the first and after the last."""

    __slots__ = ("days", "values")

    def __init__(self, points):
        pts = sorted((float(d), float(v)) for d, v in points)
        self.days = np.array([d for d, _ in pts])
        self.values = np.array([v for _, v in pts])

    def __call__(self, day: float) -> float:
        return float(np.interp(day, self.days, self.values))

    def scaled(self, factor: float) -> "Curve":
        return Curve(zip(self.days, self.values * factor))

    def __repr__(self) -> str:
        return f"Curve({list(zip(self.days.tolist(), self.values.tolist()))})"
