"""The city map: compounds coloured by the share of their households with an empty stock today, shaped by
lockdown tier, over the two districts and the river, with platform sites, local suppliers, riders and trucks.

Everything is drawn per compound or per grid cell (a few hundred markers at the default 20,000 households),
never per household. The figure, its axes, legend and colour bar are built once per model; each day only the
markers' positions, colours and sizes change, and only they are drawn again over the cached frame (`blit.py`).
Uses matplotlib's object API (`Figure`, no pyplot): safe in the server's threads and
needs no display.
"""

from __future__ import annotations

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lockdown_sim.sim.city import EAST, RIVER, WEST
from lockdown_sim.sim.lockdown import CONTROL, OPEN, PREVENTION, SEALED, TIER_NAMES
from lockdown_sim.page.blit import Blitter

EMPTY_CMAP = "YlOrRd"  # pale yellow: every household ate its need today; dark red: none did
TIER_MARKERS = {SEALED: "s", CONTROL: "D", PREVENTION: "^", OPEN: "o"}
SITE_COLOR, RIDER_COLOR = "#1f4e9e", "#3b82f6"  # platform channel (space of flows): blues
SUPPLIER_COLOR, TRUCK_COLOR = "#15803d", "#84cc16"  # local supply (space of places): greens
LAND = {WEST: "#f4efe4", EAST: "#e6ecf2", RIVER: "#8ab8dc"}
OFFSET = 0.32  # suppliers and couriers sit in the corners of their cell, compounds around its centre


def compound_empty_share(model) -> np.ndarray:
    """Per compound: share of its households that could not eat their full need today (vectorised)."""
    short = model.population.per_compound(model.food.short_today)
    return short / np.maximum(model.population.compound_size, 1)


def spread_in_cells(x, y, radius: float = 0.27) -> tuple[np.ndarray, np.ndarray]:
    """Marker positions: compounds that share a grid cell are set on a small circle around its centre instead
    of on top of each other (vectorised); a compound alone in its cell stays at the centre."""
    x = np.asarray(x, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    key = x * (int(y.max(initial=0)) + 1) + y
    _, group, count = np.unique(key, return_inverse=True, return_counts=True)
    order = np.argsort(group, kind="stable")
    first = np.zeros(len(count), dtype=np.int64)
    np.cumsum(count[:-1], out=first[1:])
    rank = np.empty(len(x), dtype=np.int64)
    rank[order] = np.arange(len(x)) - first[group[order]]
    k = count[group]
    angle = np.pi / 4 + 2 * np.pi * rank / k
    r = np.where(k > 1, radius, 0.0)
    return x + r * np.cos(angle), y + r * np.sin(angle)


def couriers_per_cell(couriers) -> tuple[np.ndarray, np.ndarray]:
    """(cells as an (n, 2) array of x, y; couriers in each) for the cells where the given couriers are."""
    coords = np.array([c.cell.coordinate for c in couriers], dtype=np.int64).reshape(-1, 2)
    if len(coords) == 0:
        return np.zeros((0, 2)), np.zeros(0)
    cells, count = np.unique(coords, axis=0, return_counts=True)
    return cells.astype(float), count


def marker_area(compound_size) -> np.ndarray:
    """Marker area (pt^2) growing with the square root of a compound's households, bounded for legibility."""
    return np.clip(10 + 5.5 * np.sqrt(np.asarray(compound_size, dtype=float)), 18, 260)


class CityMap:
    """The map of one model. `update()` draws the model's current day and returns the figure."""

    def __init__(self, model, width_in: float = 6.0, dpi: int = 100):
        self.model = model
        city = model.city
        w, h = city.width, city.height
        # map as wide as possible with equal aspect; legend below, colour bar to the right
        map_w = 0.79 * width_in
        map_h = min(map_w * (h + 0.9) / w, 1.2 * width_in)
        legend_h, title_h = 1.2, 0.35
        height_in = map_h + legend_h + title_h
        self.fig = fig = Figure(figsize=(width_in, height_in), dpi=dpi)
        self.ax = ax = fig.add_axes((0.02, legend_h / height_in, map_w / width_in, map_h / height_in))
        cax = fig.add_axes((0.84, legend_h / height_in, 0.025, map_h / height_in))

        # land and river, from the grid's district property layer
        district = np.asarray(city.grid.district.data)
        land = np.select([district == RIVER, district == EAST], [2, 1], 0).T  # rows are y for imshow
        ax.imshow(land, origin="lower", extent=(-0.5, w - 0.5, -0.5, h - 0.5), interpolation="nearest",
                  cmap=ListedColormap([LAND[WEST], LAND[EAST], LAND[RIVER]]), vmin=0, vmax=2, zorder=0)
        ax.text((city.river_x - 1) / 2, h - 0.45, "WEST (Puxi)", ha="center", va="bottom", fontsize=9.5, color="#555")
        ax.text((city.river_x + w) / 2, h - 0.45, "EAST (Pudong)", ha="center", va="bottom", fontsize=9.5, color="#555")
        ax.set_xlim(-0.5, w - 0.5)
        ax.set_ylim(-0.5, h + 0.4)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        self.title = ax.set_title("", fontsize=10)

        # compounds (fixed positions and areas), one marker set per tier
        self.px, self.py = spread_in_cells(model.compound_x, model.compound_y)
        self.area = marker_area(model.population.compound_size)
        norm = Normalize(0, 1)
        empty = np.zeros((0, 2))
        self.tiers = {t: ax.scatter(empty[:, 0], empty[:, 1], c=np.zeros(0), marker=m, cmap=EMPTY_CMAP, norm=norm, edgecolors="#222",
                                    linewidths=1.4 if t == SEALED else 0.6, zorder=2)
                      for t, m in TIER_MARKERS.items()}
        cbar = fig.colorbar(ScalarMappable(norm=norm, cmap=EMPTY_CMAP), cax=cax)
        cbar.set_label("share of households with an empty stock today", fontsize=9)
        cbar.ax.tick_params(labelsize=8.5)

        # suppliers (fixed cells; platform sites open and close) and couriers (move every day)
        self.sites = np.array([s.cell.coordinate for s in model.platform.sites], dtype=float).reshape(-1, 2)
        self.sites_open = ax.scatter(empty[:, 0], empty[:, 1], s=120, marker="P", color=SITE_COLOR, zorder=4)
        self.sites_closed = ax.scatter(empty[:, 0], empty[:, 1], s=120, marker="P", facecolors="white",
                                       edgecolors=SITE_COLOR, linewidths=1.2, zorder=4)
        loc = np.array([s.cell.coordinate for s in model.local_suppliers], dtype=float).reshape(-1, 2)
        ax.scatter(loc[:, 0] + OFFSET, loc[:, 1] - OFFSET, s=110, marker="h", color=SUPPLIER_COLOR,
                   edgecolors="white", linewidths=0.6, zorder=4)
        self.riders = ax.scatter(empty[:, 0], empty[:, 1], marker="o", color=RIDER_COLOR, alpha=0.9,
                                 edgecolors="white", linewidths=0.4, zorder=5)
        self.trucks = ax.scatter(empty[:, 0], empty[:, 1], marker=">", color=TRUCK_COLOR, edgecolors="#234",
                                 linewidths=0.6, zorder=5)

        grey = "#bbb"
        handles = [Line2D([], [], ls="", marker=TIER_MARKERS[t], ms=8, mfc=grey, mec="#222",
                          mew=1.4 if t == SEALED else 0.6, label=TIER_NAMES[t]) for t in TIER_MARKERS]
        handles += [
            Line2D([], [], ls="", marker="P", ms=9, mfc=SITE_COLOR, mec=SITE_COLOR, label="platform site, open"),
            Line2D([], [], ls="", marker="P", ms=9, mfc="white", mec=SITE_COLOR, label="platform site, closed"),
            Line2D([], [], ls="", marker="o", ms=6, mfc=RIDER_COLOR, mec="white", label="riders at work"),
            Line2D([], [], ls="", marker="h", ms=9, mfc=SUPPLIER_COLOR, mec="white", label="local supplier"),
            Line2D([], [], ls="", marker=">", ms=8, mfc=TRUCK_COLOR, mec="#234", label="trucks out today"),
            Line2D([], [], ls="", marker="s", ms=9, mfc=LAND[RIVER], mec=LAND[RIVER], label="river"),
        ]
        self.legend = fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8.5, frameon=False,
                                 bbox_to_anchor=(0.45, 0.0), title_fontsize=8.5, columnspacing=1.2,
                                 handletextpad=0.3,
                                 title="compounds by tier (area = households)  |  suppliers and couriers")
        self.labels = {h.get_label(): text for h, text in zip(handles, self.legend.get_texts())}
        self.blitter = Blitter(fig, [*self.tiers.values(), self.sites_open, self.sites_closed, self.riders,
                                     self.trucks, self.title, self.legend])

    def update(self) -> Figure:
        """Draw the model's current state: tier and share short per compound, sites, riders, trucks."""
        m = self.model
        share = compound_empty_share(m)
        tier = np.asarray(m.rules.tier)
        for t, points in self.tiers.items():
            sel = tier == t
            points.set_offsets(np.c_[self.px[sel], self.py[sel]])
            points.set_sizes(self.area[sel])
            points.set_array(share[sel])
            self.labels[TIER_NAMES[t]].set_text(f"{TIER_NAMES[t]} ({int(sel.sum())})")

        is_open = np.array([s.is_open for s in m.platform.sites], dtype=bool)
        corner = np.array([-OFFSET, -OFFSET])
        self.sites_open.set_offsets(self.sites[is_open] + corner)
        self.sites_closed.set_offsets(self.sites[~is_open] + corner)
        self.labels["platform site, open"].set_text(f"platform site, open ({int(is_open.sum())})")
        self.labels["platform site, closed"].set_text(f"platform site, closed ({int((~is_open).sum())})")
        cells, n = couriers_per_cell(r for r in m.platform.riders if r.working)
        self.riders.set_offsets(cells + [-OFFSET, OFFSET])
        self.riders.set_sizes(8 + 6 * np.sqrt(n))
        self.labels["riders at work"].set_text(f"riders at work ({int(n.sum())})")
        cells, n = couriers_per_cell(t for t in m.trucks if t.trips_today > 0)
        self.trucks.set_offsets(cells + [OFFSET, OFFSET])
        self.trucks.set_sizes(24 + 14 * np.sqrt(n))
        self.labels["trucks out today"].set_text(f"trucks out today ({int(n.sum())})")

        when = f"Day {m.day}" if m.steps else "Before day 0"
        self.title.set_text(f"{when}: mean share of households short {share.mean():.2f}")
        return self.fig

    def png(self) -> bytes:
        """Today's map as PNG bytes, redrawing only what changes from day to day."""
        self.update()
        return self.blitter.png()


def draw_city_map(model) -> Figure:
    """The map of the model's current day in a new figure (for scripts and notebooks)."""
    return CityMap(model).update()
