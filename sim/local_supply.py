"""Local suppliers' stock, minimum orders, lead times and vehicle passes (arrays; `LocalSupplier` agents read them).

Their total daily stock is `capacity_ratio` times the city's daily food need, split unevenly (lognormal)
among suppliers. Stock does not keep: at most two days' supply is on hand. A supplier whose trucks must drive
in a locked district applies for a pass the first time a leader asks, and holds it `permit_delay_days` later.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

KINDS = ("farm", "wholesaler", "supermarket", "restaurant")
SHELF_DAYS = 2.0


class LocalSupply:
    def __init__(self, n: int, scenario, city, daily_need: float, rng: np.random.Generator, *, permits: bool):
        cfg = scenario.local_suppliers
        self.n = n
        self.set_portions = cfg.set_portions
        self.kind = rng.choice(len(KINDS), size=n, p=cfg.kind_shares).astype(np.int8)
        self.district = (rng.random(n) >= scenario.city.west_share).astype(np.int8)
        self.x, self.y = city.random_land_cells(self.district, rng)
        weights = rng.lognormal(0.0, 0.8, n)
        self.daily = (cfg.capacity_ratio * daily_need * weights / weights.sum()).astype(np.float64)
        self.stock = self.daily.copy()
        spans = [cfg.moq_farm, cfg.moq_wholesaler, cfg.moq_supermarket, cfg.moq_restaurant]
        lo = np.array([s[0] for s in spans])[self.kind]
        hi = np.array([s[1] for s in spans])[self.kind]
        self.moq = rng.integers(lo, hi + 1).astype(np.int32)
        self.lead = rng.integers(cfg.lead_time_days[0], cfg.lead_time_days[1] + 1, n).astype(np.int32)
        self.permit_delay = rng.integers(cfg.permit_delay_days[0], cfg.permit_delay_days[1] + 1, n).astype(np.int32)
        self.permit_day = np.full(n, -1, dtype=np.int32)  # day the pass is held; -1: not applied for
        self.permits = permits
        self.trucks = rng.integers(1, cfg.trucks_max + 1, n).astype(np.int32)
        self.listed_draw = rng.random(n)
        self.listed = np.zeros(n, dtype=bool)
        self.committed_today = 0.0
        self._city = city
        self._near: dict[int, bool] = {}  # compounds whose shortlist distances are in self._km
        self._near_ids = self._near_km = self._near_dk = None
        self._km: dict[int, dict[int, float]] = {}  # compound -> {supplier: km} for suppliers its leaders consider
        self.promised = np.zeros(n, dtype=np.int64)  # sets signed up in open offers, held against stock

    def start_day(self, listed_share: float) -> None:
        """Restock (fresh supply arrives, old stock beyond the shelf life goes) and update gateway listings."""
        np.minimum(self.stock + self.daily, SHELF_DAYS * self.daily, out=self.stock)
        self.listed = self.listed_draw < listed_share
        self.committed_today = 0.0

    NEAR_K = 64

    def place_compounds(self, cx: np.ndarray, cy: np.ndarray) -> None:
        """Where the compounds are (for the suppliers-near-a-compound shortlists)."""
        self._cx, self._cy = cx, cy

    def nearest(self, c: int, cx: int, cy: int) -> tuple[np.ndarray, np.ndarray, float]:
        """NEAR_K suppliers near compound c: (ids, km, d_k), where every other supplier is at least d_k km away.

        A k-d tree on straight-grid (Manhattan) distance finds them for every compound in one query, on first use;
        a river crossing only lengthens a trip, so the K-th Manhattan distance is a lower bound for every supplier
        left out.
        """
        if self._near_ids is None:
            self._build_shortlists()
        ids, km, d_k = self._near_ids[c], self._near_km[c], float(self._near_dk[c])
        if c not in self._near:
            self._near[c] = True
            self._km.setdefault(c, {}).update(zip(ids.tolist(), km.tolist()))
        return ids, km, d_k

    def _build_shortlists(self) -> None:
        n_c = len(self._cx)
        if self.n > self.NEAR_K:
            dd, ids = cKDTree(np.c_[self.x, self.y]).query(np.c_[self._cx, self._cy], k=self.NEAR_K, p=1)
            self._near_dk = dd[:, -1] * self._city.cell_km
        else:
            ids = np.broadcast_to(np.arange(self.n), (n_c, self.n))
            self._near_dk = np.full(n_c, np.inf)
        self._near_ids = np.ascontiguousarray(ids, dtype=np.int64)
        self._near_km = self._city.distance_km(self.x[self._near_ids], self.y[self._near_ids],
                                               self._cx[:, None], self._cy[:, None])

    CACHE_POOL = 64

    def km_to(self, c: int, cx: int, cy: int, pool):
        """Distances in km from suppliers `pool` to compound c; small pools are remembered per compound."""
        if len(pool) > self.CACHE_POOL:  # a full scan: measured, not remembered
            pool = np.asarray(pool, dtype=np.int64)
            return self._city.distance_km(self.x[pool], self.y[pool], cx, cy)
        known = self._km.setdefault(c, {})
        ids = pool.tolist() if isinstance(pool, np.ndarray) else pool
        for s in ids:
            if s not in known:
                known[s] = self._city.km(self.x[s], self.y[s], cx, cy)
        return [known[s] for s in ids]

    def snapshot_for_search(self, min_order: bool) -> None:
        """Freeze today's availability for leaders' searches (stock and holds do not change while leaders act)."""
        self.today_available_array = self.available_sets(slice(None))
        self.today_moq_array = self.moq.astype(np.int64) if min_order else np.ones(self.n, dtype=np.int64)
        self.today_available = self.today_available_array.tolist()
        self.today_moq = self.today_moq_array.tolist()
        self.listed_ids = np.flatnonzero(self.listed)
        self.listed_count = len(self.listed_ids)

    def available_sets(self, s) -> np.ndarray:
        """Sets a supplier can still sell: stock not held by sign-ups in open offers ("sold out" at 0)."""
        return np.maximum(np.floor(self.stock[s] / self.set_portions + 1e-9).astype(np.int64) - self.promised[s], 0)

    def hold(self, s: int, sets: int) -> None:
        self.promised[s] += sets

    def release(self, s: int, sets: int) -> None:
        self.promised[s] -= sets
        assert self.promised[s] >= 0

    def permit_ready(self, s: int, day: int, needed: bool) -> int:
        """First day supplier s may drive: today if no pass is needed or it holds one, else when it will."""
        if not (needed and self.permits):
            return day
        if self.permit_day[s] < 0:
            self.permit_day[s] = day + self.permit_delay[s]
        return max(day, int(self.permit_day[s]))

    def commit(self, s: int, portions: float) -> None:
        assert portions <= self.stock[s] + 1e-6, "a supplier cannot commit more than its stock"
        self.stock[s] = max(0.0, self.stock[s] - portions)
        self.committed_today += portions

    def take_back(self, s: int, portions: float) -> None:
        self.stock[s] += portions

    def idle_share(self) -> float:
        """Share of today's local supply capacity nobody ordered (space of places left untapped)."""
        total = self.daily.sum()
        return float(max(0.0, 1.0 - self.committed_today / total)) if total > 0 else float("nan")
