"""Supermarket chains' stores selling standard packages (保供套餐) to compounds through group orders (the
`chain_packages` switch; docs/sources.md#supermarket-packages).

The record: the Commerce Commission gave every district and sub-district the list of chains able to supply
packages and their contacts (Jiefang Daily, 22 Mar 2022); packages were mixed (meat, poultry, eggs, vegetables,
tofu, fruit) and sized for a family of three for two or three days; stores picked them and third-party vans took
them to the compounds (Commerce Commission, 16 Apr); 1,011 stores were open on 16 Apr and 1,164 (72.4 %) on
29 Apr, and the 12 main chains sold more than 660,000 packages a day around 30 Apr, mostly to compounds through
group orders (Commerce Commission, 30 Apr).

So a chain store is a supplier with a channel of its own: any leader whose compound is within its delivery area
(`packages.delivery_km`) can order its packages, with no member's tie and no gateway listing. Stores open
following the record's share of stores open (a stratified draw, so the count follows the curve in a small city);
an open store can pick `packages.per_store_day` packages a day, each of `packages.package_portions` person-days,
sells above its minimum order for a compound (`packages.min_order`), delivers next day, and its vans hold a pass (the Commerce
Commission's white list of supply vehicles). With the switch off the stores are built (the same city) but sell
nothing to compounds.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from lockdown_sim.sim.curves import Curve
from lockdown_sim.sim.population import stochastic_round


class ChainStores:
    """The chains' stores among the local suppliers, their opening, and the compounds each delivers to."""

    def __init__(self, scenario, pop, city, supply, scale: float, rng: np.random.Generator, *, enabled: bool):
        p, ls = scenario.packages, scenario.local_suppliers
        self.enabled = enabled
        self.supply = supply
        self.open_share = Curve(p.open_share)
        self.per_store_day = p.per_store_day
        self.package_portions = p.package_portions
        # stores sit where people live: at compounds drawn by size, in each district by its share of households
        n_by_district = [stochastic_round(p.real_stores * scale * share, rng, minimum=1)
                         for share in (scenario.city.west_share, 1 - scenario.city.west_share)]
        at = []
        for d, n_d in enumerate(n_by_district):
            comps = np.flatnonzero(pop.compound_district == d)
            if len(comps):
                at.append(rng.choice(comps, size=n_d, p=pop.compound_size[comps] / pop.compound_size[comps].sum()))
        at = np.concatenate(at)
        n = len(at)
        self.ids = supply.add_stores(city.compound_x[at], city.compound_y[at], pop.compound_district[at],
                                     moq=np.full(n, p.min_order), lead=np.full(n, p.lead_days),
                                     trucks=rng.integers(1, ls.trucks_max + 1, n),
                                     portions_per_set=p.package_portions, permit_day=0)
        self.open_draw = (rng.permutation(n) + rng.random(n)) / n  # stratified: the count open follows the curve
        self.is_open = np.zeros(n, dtype=bool)
        self._reach = self._delivery_areas(city, supply, p.delivery_km)

    @property
    def n(self) -> int:
        return len(self.ids)

    def _delivery_areas(self, city, supply, km: float) -> tuple[np.ndarray, np.ndarray]:
        """Per compound, the stores that deliver to it (street distance within `km`), as (start, store ids): CSR."""
        n_c = len(city.compound_x)
        if self.n == 0 or n_c == 0:
            return np.zeros(n_c + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
        sx, sy = supply.x[self.ids], supply.y[self.ids]
        # candidates within the Manhattan radius (a lower bound of the street distance), then the street distance
        tree = cKDTree(np.c_[sx, sy])
        near = tree.query_ball_point(np.c_[city.compound_x, city.compound_y], km / city.cell_km + 1e-9, p=1)
        counts = np.array([len(v) for v in near], dtype=np.int64)
        comp = np.repeat(np.arange(n_c), counts)
        store = np.concatenate([np.asarray(v, dtype=np.int64) for v in near]) if counts.sum() else np.zeros(0, np.int64)
        keep = city.distance_km(sx[store], sy[store], city.compound_x[comp], city.compound_y[comp]) <= km + 1e-9
        comp, store = comp[keep], store[keep]
        order = np.lexsort((store, comp))
        start = np.searchsorted(comp[order], np.arange(n_c + 1))
        return start.astype(np.int64), self.ids[store[order]].astype(np.int64)

    def open(self, day: int) -> None:
        """Stores open today (the record's share), and each open store's packages for sale (none with the switch
        off or while closed)."""
        self.is_open = self.enabled & (self.open_draw < self.open_share(day))
        self.supply.set_daily(self.ids, np.where(self.is_open, self.per_store_day * self.package_portions, 0.0))

    def delivery_areas(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, store ids): the stores delivering to compound c are ids[start[c]:start[c + 1]] (none with the
        switch off: no leader can order packages)."""
        if not self.enabled:
            return np.zeros(len(self._reach[0]), dtype=np.int64), self._reach[1][:0]
        return self._reach

    @property
    def open_count(self) -> int:
        return int(self.is_open.sum())
