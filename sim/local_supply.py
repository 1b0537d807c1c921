"""Local suppliers' stock, minimum orders, lead times and vehicle passes (arrays; `LocalSupplier` agents read them).

Their total daily stock is `capacity_ratio` times the city's daily food need, split unevenly (lognormal)
among suppliers. Stock does not keep: at most two days' supply is on hand. Suppliers sell in sets: a farm's,
wholesaler's, supermarket's or restaurant's set holds `set_portions` person-days of food; the supermarket chains'
stores (sim/chain_stores.py, added with `add_stores`) sell standard packages of their own size
(`portions_per_set`, one entry per supplier; docs/sources.md#one-unit-for-both-channels). A supplier whose trucks must drive
in a locked district applies for a pass the first time a leader asks, and holds it `permit_delay_days` later.
The pass rules are written once, compiled (`trip_needs_pass`, `apply_for_pass`, `holds_pass`), for the compiled
loops of leaders, offers and trucks (sim/leadership.py, sim/group_orders.py, sim/dispatch.py) and for the verbs here.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from lockdown_sim.sim.moq_reading import minimum_orders
from lockdown_sim.sim.parallel import add_at, njit

KINDS = ("farm", "wholesaler", "supermarket", "restaurant", "chain store")  # the last: sim/chain_stores.py
CHAIN_STORE = KINDS.index("chain store")
SHELF_DAYS = 2.0


# --- vehicle passes ---------------------------------------------------------------------------------------------
@njit(cache=True)
def trip_needs_pass(permits, locked, supplier_district, compound_district):
    """A supplier's truck needs a pass for a trip to a gate while passes are required (the `permits` switch) and
    either end of the trip is in a district locked today (`locked`, per district: LockdownRules.permit_locked)."""
    return permits and (locked[supplier_district] or locked[compound_district])


@njit(cache=True)
def apply_for_pass(permit_day, permit_delay, s, day):
    """Supplier s applies for a pass today unless it has already (it holds it `permit_delay[s]` days later);
    returns whether it applied now."""
    if permit_day[s] < 0:
        permit_day[s] = day + permit_delay[s]
        return True
    return False


@njit(cache=True)
def holds_pass(permit_day, s, day):
    """Supplier s holds a pass on this day."""
    return 0 <= permit_day[s] <= day


@njit(cache=True)
def _commit(stock, suppliers, portions, committed):
    """`LocalSupply.commit`'s loop, one order after another in float64 as Python did it; stops at the first order
    that asks more than its supplier's stock (returns its position, or -1) and returns the portions committed."""
    for j in range(len(suppliers)):
        s, p = suppliers[j], portions[j]
        if not p <= stock[s] + 1e-6:
            return committed, j
        left = stock[s] - p
        stock[s] = left if left > 0.0 else 0.0  # max(0.0, left), as Python's max picks
        committed += p
    return committed, -1


@njit(cache=True)
def _apply_each(permit_day, permit_delay, suppliers, day):
    for s in suppliers:
        apply_for_pass(permit_day, permit_delay, s, day)


@njit(cache=True)
def whole_sets(stock, portions_per_set):
    """The whole sets a stock of portions makes, as a float (one supplier's, or each supplier's from arrays): a
    stock a rounding error short of a whole set (1e-9) still makes it. The one rule for every count of sets in
    stock (LocalSupply.sets_in_stock, the compiled booking and closing of offers in sim/group_orders.py)."""
    return np.floor(stock / portions_per_set + 1e-9)


class LocalSupply:
    def __init__(self, n: int, scenario, city, daily_need: float, rng: np.random.Generator, *, permits: bool):
        cfg = scenario.local_suppliers
        self.n = n
        self.set_portions = cfg.set_portions  # a set of the farms, wholesalers, supermarkets and restaurants
        self.kind = rng.choice(len(cfg.kind_shares), size=n, p=cfg.kind_shares).astype(np.int8)
        self.district = (rng.random(n) >= scenario.city.west_share).astype(np.int8)
        self.x, self.y = city.random_land_cells(self.district, rng)
        weights = rng.lognormal(0.0, 0.8, n)
        self.daily = (cfg.capacity_ratio * daily_need * weights / weights.sum()).astype(np.float64)
        self.stock = self.daily.copy()
        spans = [cfg.moq_farm, cfg.moq_wholesaler, cfg.moq_supermarket, cfg.moq_restaurant]
        lo = np.array([s[0] for s in spans])[self.kind]
        hi = np.array([s[1] for s in spans])[self.kind]
        self.moq = minimum_orders(rng.integers(lo, hi + 1).astype(np.int32), cfg.set_portions,
                                  scenario.counterfactuals.moq_in_portions)  # a null of claim 3 (sim/moq_reading.py)
        self.lead = rng.integers(cfg.lead_time_days[0], cfg.lead_time_days[1] + 1, n).astype(np.int32)
        self.permit_delay = rng.integers(cfg.permit_delay_days[0], cfg.permit_delay_days[1] + 1, n).astype(np.int32)
        self.permit_day = np.full(n, -1, dtype=np.int32)  # day the pass is held; -1: not applied for
        self.permits = permits
        self.trucks = rng.integers(1, cfg.trucks_max + 1, n).astype(np.int32)
        self.listed_draw = rng.random(n)
        self.listed = np.zeros(n, dtype=bool)
        self.committed_today = 0.0
        self._city = city
        self._near_ids = self._near_dk = None
        self.promised = np.zeros(n, dtype=np.int64)  # sets signed up in open offers, held against stock
        self.portions_per_set = np.full(n, float(cfg.set_portions))  # person-days of food in one set of each

    def add_stores(self, x, y, district, moq, lead, trucks, portions_per_set: float, permit_day: int) -> np.ndarray:
        """Supermarket chains' stores join the suppliers (sim/chain_stores.py); returns their ids. They start closed
        (no daily supply until `set_daily`), are never listed on a gateway (they have their own channel) and hold
        a vehicle pass from `permit_day` on."""
        k = len(x)
        ids = np.arange(self.n, self.n + k)
        grow = lambda a, v: np.concatenate([a, np.asarray(v).astype(a.dtype)])  # noqa: E731
        self.kind = grow(self.kind, np.full(k, CHAIN_STORE))
        self.district, self.x, self.y = grow(self.district, district), grow(self.x, x), grow(self.y, y)
        self.daily, self.stock = grow(self.daily, np.zeros(k)), grow(self.stock, np.zeros(k))
        self.moq, self.lead, self.trucks = grow(self.moq, moq), grow(self.lead, lead), grow(self.trucks, trucks)
        self.permit_delay = grow(self.permit_delay, np.zeros(k))
        self.permit_day = grow(self.permit_day, np.full(k, permit_day))
        self.listed_draw = grow(self.listed_draw, np.full(k, np.inf))
        self.listed = grow(self.listed, np.zeros(k, dtype=bool))
        self.promised = grow(self.promised, np.zeros(k))
        self.portions_per_set = grow(self.portions_per_set, np.full(k, float(portions_per_set)))
        self.n += k
        self._near_ids = self._near_dk = None
        return ids

    def set_daily(self, suppliers: np.ndarray, portions: np.ndarray) -> None:
        """These suppliers' daily supply from today (a chain store opening or closing)."""
        self.daily[suppliers] = portions

    def start_day(self, listed_share: float) -> None:
        """Restock (fresh supply arrives, old stock beyond the shelf life goes) and update gateway listings."""
        np.minimum(self.stock + self.daily, SHELF_DAYS * self.daily, out=self.stock)
        self.listed = self.listed_draw < listed_share
        self.committed_today = 0.0

    NEAR_K = 64

    def shortlists(self) -> tuple[np.ndarray, np.ndarray]:
        """The NEAR_K suppliers nearest each compound (ids, nearest first) and d_k per compound: every other supplier
        is at least d_k km away.

        A k-d tree on straight-grid (Manhattan) distance finds them for every compound in one query, on first use;
        a river crossing only lengthens a trip, so the K-th Manhattan distance is a lower bound for every supplier
        left out.
        """
        if self._near_ids is None:
            cx, cy = self._city.compound_x, self._city.compound_y
            if self.n > self.NEAR_K:
                dd, ids = cKDTree(np.c_[self.x, self.y]).query(np.c_[cx, cy], k=self.NEAR_K, p=1)
                self._near_dk = dd[:, -1] * self._city.cell_km
            else:
                ids = np.broadcast_to(np.arange(self.n), (len(cx), self.n))
                self._near_dk = np.full(len(cx), np.inf)
            self._near_ids = np.ascontiguousarray(ids, dtype=np.int64)
        return self._near_ids, self._near_dk

    def sets_in_stock(self) -> np.ndarray:
        """Whole sets each supplier's stock makes (held sets included), by `whole_sets`."""
        return whole_sets(self.stock, self.portions_per_set).astype(np.int64)

    def snapshot_for_search(self, min_order: bool) -> None:
        """Freeze today's availability for leaders' searches (stock and holds do not change while leaders act): sets
        each supplier can still sell (stock not held by sign-ups in open offers; "sold out" at 0), its minimum
        order, and the suppliers listed on gateways."""
        self.today_available = np.maximum(self.sets_in_stock() - self.promised, 0)
        self.today_moq = self.moq.astype(np.int64) if min_order else np.ones(self.n, dtype=np.int64)
        self.listed_ids = np.flatnonzero(self.listed)

    def hold(self, suppliers: np.ndarray, sets: np.ndarray) -> None:
        """Sign-ups to open offers hold these sets of these suppliers' stock."""
        add_at(self.promised, suppliers, sets)

    def release(self, suppliers: np.ndarray, sets: np.ndarray) -> None:
        """Held sets are released (the offer closed)."""
        add_at(self.promised, suppliers, -np.asarray(sets))  # (exact: negating is)
        assert (self.promised >= 0).all()

    def commit(self, suppliers: np.ndarray, portions: np.ndarray) -> None:
        """Confirmed orders take these portions of stock, one order after another."""
        suppliers = np.asarray(suppliers, dtype=np.int64)
        self.committed_today, failed = _commit(self.stock, suppliers, np.asarray(portions, dtype=np.float64),
                                               float(self.committed_today))
        assert failed < 0, "a supplier cannot commit more than its stock"

    def take_back(self, suppliers: np.ndarray, portions: np.ndarray) -> None:
        """Stock of cancelled orders comes back (one order after another)."""
        add_at(self.stock, np.asarray(suppliers, dtype=np.int64), np.asarray(portions, dtype=np.float64))

    def apply_for_permits(self, suppliers: np.ndarray, day: int) -> None:
        """These suppliers' trucks will need a pass: those that have not applied yet do so today (in this order), and
        hold one `permit_delay` days later (`apply_for_pass`)."""
        _apply_each(self.permit_day, self.permit_delay, np.asarray(suppliers, dtype=np.int64), int(day))

    def may_drive(self, s: int, day: int) -> bool:
        """Supplier s holds a pass today (`holds_pass`)."""
        return bool(holds_pass(self.permit_day, int(s), int(day)))

    def idle_share(self) -> float:
        """Share of today's local supply capacity nobody ordered (space of places left untapped)."""
        total = self.daily.sum()
        return float(max(0.0, 1.0 - self.committed_today / total)) if total > 0 else float("nan")
