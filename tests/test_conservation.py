"""Goods are conserved, no stock goes negative, and every order ends delivered, cancelled or lapsed."""

import numpy as np
import pytest

from lockdown_sim.sim.group_orders import CONFIRMED, ENDED, OPEN
from lockdown_sim.sim.model import LockdownSupplyModel

CASES = [
    dict(ordering="hybrid"),
    dict(ordering="platform"),
    dict(ordering="group_buying", volunteers=False, tiers=False),  # much food waits and spoils at gates
    dict(ordering="group_buying", bulk_delivery=False, min_order=False, permits=False),
    dict(ordering="hybrid", lockdown=False),
]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_goods_conserved_every_day(kw):
    m = LockdownSupplyModel(scenario_file="toy", rng=4, **kw)
    size = m.local_supply.portions_per_set  # a set of each supplier, in portions (a chain store's package is bigger)
    open_signups = lambda: sum(o.sets * size[o.supplier] for o in m.group_orders.open)  # noqa: E731
    while m.running:
        m.step()
        err = m.conservation_errors()
        scale = max(1.0, m.ledger.shipped_platform + m.ledger.shipped_local)
        assert abs(err["ledger_imbalance"]) <= 1e-6 * scale
        assert abs(err["gate_vs_ledger"]) <= 1e-4 * scale
        assert abs(err["transit_vs_orders"]) <= 1e-6 * scale
        assert err["min_household_stock"] >= 0 and err["min_supplier_stock"] >= -1e-9 and err["min_gate"] >= 0
        # food on its way to each home is exactly what is signed, in transit or at the gate
        pending = float(m.food.pending.sum(dtype=np.float64))
        expected = open_signups() + m.ledger.in_transit + m.ledger.at_gate
        assert pending == pytest.approx(expected, rel=1e-3, abs=1.0)
        assert (m.local_supply.promised >= 0).all()


def test_every_order_ends_delivered_cancelled_or_lapsed():
    m = LockdownSupplyModel(scenario_file="toy", rng=2, ordering="group_buying")
    while m.running:
        m.step()
    last = m.day
    late = m.cfg.local_suppliers.late_cancel_days
    statuses = m.group_orders.status_counts()
    assert statuses["delivered"] > 0 and statuses["lapsed"] > 0
    for offer in m.group_orders.offers:
        if offer.status in ENDED:
            assert offer.ended_day >= offer.posted_day
        elif offer.status == OPEN:  # still inside its sign-up window
            assert offer.close_day > last
        else:  # confirmed and not yet due long enough to be cancelled
            assert offer.status == CONFIRMED and last <= offer.due_day + late
