"""Street distance between grid cells, compiled for the loops over leaders and offers (sim/leadership.py,
sim/dispatch.py). The same operations in the same order as `City.km` and `City.distance_km`, so identical values."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from lockdown_sim.sim.parallel import njit

Geometry = namedtuple("Geometry", "river_x bridges cell_km compound_x compound_y compound_district")


def geometry_of(city, compound_district: np.ndarray) -> Geometry:
    """The city's grid geometry and its compounds' cells, for compiled code."""
    return Geometry(float(city.river_x), city.bridge_rows.astype(np.float64), float(city.cell_km),
                    city.compound_x.astype(np.int64), city.compound_y.astype(np.int64),
                    compound_district.astype(np.int64))


@njit(cache=True)
def street_km(geo, x1, y1, x2, y2):
    """Street (Manhattan) distance in km; crossing the river goes through the best crossing (as City.km)."""
    x1, y1, x2, y2 = float(x1), float(y1), float(x2), float(y2)
    rx = geo.river_x
    dy = abs(y1 - y2)
    if (x1 < rx) == (x2 < rx):
        return (abs(x1 - x2) + dy) * geo.cell_km
    lo, hi = min(y1, y2), max(y1, y2)
    b = geo.bridges
    i = np.searchsorted(b, lo)  # first crossing at or after lo
    after = b[i] if i < len(b) else np.inf
    before = b[i - 1] if i > 0 else -np.inf
    gap = 0.0 if after <= hi else min(after - hi, lo - before)
    return (abs(x1 - rx) + abs(x2 - rx) + dy + 2 * gap) * geo.cell_km
