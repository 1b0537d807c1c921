"""The city: a Mesa grid split by a north-south river into a west and an east district, with crossings.

The grid keeps the density of the real city when a run is scaled down (cells per compound and the km per
cell are fixed), so distances from a warehouse or a supplier to a compound stay realistic. Travel between
the districts must use a crossing (bridge or tunnel) every `bridge_spacing_km`.
"""

from __future__ import annotations

import math

import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

WEST, EAST, RIVER = 0, 1, -1
DISTRICT_NAMES = ("west", "east")


class City:
    """Grid geometry and travel distances (in km) between cells."""

    def __init__(self, n_compounds: int, cfg, random, rng: np.random.Generator):
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
        self.grid.create_property_layer("district", default_value=0, dtype=np.int8)
        self.grid._mesa_property_layers["district"].data[:] = district
        self.district_layer = district
        self._rng = rng

    def random_land_cells(self, district: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One random land cell (x, y) in each given district (vectorised)."""
        n = len(district)
        west_w, east_w = self.river_x, self.width - self.river_x - 1
        u = self._rng.random(n)
        x = np.where(district == WEST, (u * west_w).astype(np.int32), self.river_x + 1 + (u * east_w).astype(np.int32))
        y = self._rng.integers(0, self.height, n, dtype=np.int32)
        return x.astype(np.int32), y

    def district_of(self, x) -> np.ndarray:
        return np.where(np.asarray(x) < self.river_x, WEST, EAST)

    def distance_km(self, x1, y1, x2, y2) -> np.ndarray:
        """Street distance in km (Manhattan); crossing the river goes through the best crossing."""
        x1, y1, x2, y2 = (np.asarray(a, dtype=np.float64) for a in (x1, y1, x2, y2))
        same = (x1 < self.river_x) == (x2 < self.river_x)
        direct = np.abs(x1 - x2) + np.abs(y1 - y2)
        b = self.bridge_rows.astype(np.float64)
        detour_y = (np.abs(y1[..., None] - b) + np.abs(y2[..., None] - b)).min(axis=-1)
        across = np.abs(x1 - self.river_x) + np.abs(x2 - self.river_x) + detour_y
        return np.where(same, direct, across) * self.cell_km

    def cell(self, x: int, y: int):
        return self.grid._cells[(int(x), int(y))]
