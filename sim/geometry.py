"""Street distance between grid cells, the one implementation: compiled, for a single trip (`street_km`, called from
the loops over leaders and offers in sim/leadership.py and sim/dispatch.py) and for many (`street_km_each`, behind
`City.distance_km`). The city (sim/city.py) builds the `Geometry` these take."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from lockdown_sim.sim.parallel import njit

# the city's grid geometry and its compounds' cells, in the types compiled code takes (made by City)
Geometry = namedtuple("Geometry", "river_x bridges cell_km compound_x compound_y compound_district")


@njit(cache=True)
def street_km(geo, x1, y1, x2, y2):
    """Street (Manhattan) distance in km; crossing the river goes through the best crossing.

    The best crossing for a trip between rows y1 and y2 is any row between them (no detour), or else the crossing
    nearest to that interval (a detour of twice the gap)."""
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


@njit(cache=True)
def street_km_each(geo, x1, y1, x2, y2, out):
    """`street_km` of each trip i, from (x1[i], y1[i]) to (x2[i], y2[i]), into out[i]."""
    for i in range(len(out)):
        out[i] = street_km(geo, x1[i], y1[i], x2[i], y2[i])
