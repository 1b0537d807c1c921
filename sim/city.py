"""The city: a Mesa grid split by a north-south river into a west and an east district, with crossings.

The grid keeps the density of the real city when a run is scaled down (cells per compound and the km per
cell are fixed), so distances from a warehouse or a supplier to a compound stay realistic. Travel between
the districts must use a crossing (bridge or tunnel) every `bridge_spacing_km`.
"""

from __future__ import annotations

import math

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from lockdown_sim.sim.geometry import Geometry, street_km_each

WEST, EAST, RIVER = 0, 1, -1
DISTRICT_NAMES = ("west", "east")


class City:
    """Grid geometry and travel distances (in km) between cells."""

    def __init__(self, n_compounds: int, cfg, random):
        self.cell_km = cfg.cell_km
        land = max(16, math.ceil(n_compounds * cfg.cells_per_compound))
        self.height = max(4, math.ceil(math.sqrt(land * 3 / 4)))
        land_width = max(4, math.ceil(land / self.height))
        self.river_x = min(land_width - 1, max(1, round(land_width * cfg.west_share)))
        self.width = land_width + 1
        spacing = max(1, round(cfg.bridge_spacing_km / cfg.cell_km))
        self.bridge_rows = np.arange(min(spacing // 2, self.height - 1), self.height, spacing)
        self.grid = OrthogonalMooreGrid((self.width, self.height), torus=False, random=random)
        district = np.full((self.width, self.height), WEST, dtype=np.int8)
        district[self.river_x] = RIVER
        district[self.river_x + 1 :] = EAST
        self.grid.create_property_layer("district", default_value=0, dtype=np.int8).data[:] = district
        self.compound_x = self.compound_y = np.zeros(0, dtype=np.int32)
        self.geometry = self._geometry(np.zeros(0, dtype=np.int8))

    def place_compounds(self, district: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Each compound on a random land cell of its district; returns and keeps their (x, y)."""
        self.compound_x, self.compound_y = self.random_land_cells(district, rng)
        self.geometry = self._geometry(district)
        return self.compound_x, self.compound_y

    def _geometry(self, compound_district: np.ndarray) -> Geometry:
        """The grid's geometry and the compounds' cells and districts, for compiled code (sim/geometry.py)."""
        return Geometry(float(self.river_x), self.bridge_rows.astype(np.float64), float(self.cell_km),
                        self.compound_x.astype(np.int64), self.compound_y.astype(np.int64),
                        compound_district.astype(np.int64))

    def random_land_cells(self, district: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One random land cell (x, y) in each given district (vectorised), drawn from the caller's stream."""
        n = len(district)
        west_w, east_w = self.river_x, self.width - self.river_x - 1
        u = rng.random(n)
        x = np.where(district == WEST, (u * west_w).astype(np.int32), self.river_x + 1 + (u * east_w).astype(np.int32))
        y = rng.integers(0, self.height, n, dtype=np.int32)
        return x.astype(np.int32), y

    def distance_km(self, x1, y1, x2, y2) -> np.ndarray:
        """Street distance in km (Manhattan) between cells, for arrays of trips (broadcast as numpy does); crossing
        the river goes through the best crossing (sim/geometry.py, `street_km`, the one implementation)."""
        x1, y1, x2, y2 = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (x1, y1, x2, y2)))
        out = np.empty(x1.shape)
        street_km_each(self.geometry, x1.ravel(), y1.ravel(), x2.ravel(), y2.ravel(), out.reshape(-1))
        return out

    def cell(self, x: int, y: int):
        return self.grid[(int(x), int(y))]
