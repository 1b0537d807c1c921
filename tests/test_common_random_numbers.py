"""Common random numbers: the same seed builds the same city, sites, riders and suppliers whatever the ordering
mode, mechanism switches or elderly share, so that mode comparisons and sweeps are paired comparisons, and changing
one parameter leaves unrelated draws alone (sim/streams.py)."""

import numpy as np
import pytest

from sim.model import LockdownSupplyModel
from sim.streams import Streams


def city(m):
    """Everything drawn before the first day that does not depend on who is older (supply is the city's need
    times a share, so its shares are compared)."""
    pop, plat, ls = m.population, m.platform, m.local_supply
    return {
        "compound sizes": pop.compound_size, "compound districts": pop.compound_district,
        "compound cells": np.c_[m.compound_x, m.compound_y],
        "site cells": np.c_[plat.site_x, plat.site_y], "site draws": plat.open_draw,
        "riders": plat.rider_draw, "rider homes": plat.rider_home,
        "supplier cells": np.c_[ls.x, ls.y], "supplier supply shares": np.round(ls.daily / ls.daily.sum(), 12), "minimum orders": ls.moq,
        "lead times": ls.lead, "permit delays": ls.permit_delay, "trucks": ls.trucks,
        "supplier ties": pop.supplier_tie, "no contact": pop.no_contact, "free hours": pop.free_hours,
        "outbreak draws": m.rules.outbreak, "initial stock days": np.round(m.food.stock / m.food.size, 4),
    }


def built(**kw):
    return LockdownSupplyModel(scenario="toy", rng=7, days=1, **kw)


def assert_same_city(a, b):
    ca, cb = city(a), city(b)
    for name in ca:
        assert np.array_equal(ca[name], cb[name]), f"{name} differ"


@pytest.mark.parametrize("kw", [dict(ordering="platform"), dict(ordering="group_buying"),
                                dict(gateway=False, canvassing=False, proxies=False, supplier_ties=False),
                                dict(permits=False, tiers=False)])
def test_the_same_seed_builds_the_same_city_in_every_mode_and_switch_setting(kw):
    assert_same_city(built(ordering="hybrid"), built(**kw))


def test_an_elderly_share_sweep_changes_only_who_is_older():
    models = [built(elderly_share=s) for s in (0.25, 0.36, 0.45)]
    for m in models[1:]:
        assert_same_city(models[0], m)
    low, mid, high = (m.population.elderly for m in models)
    assert (low <= mid).all() and (mid <= high).all() and low.sum() < mid.sum() < high.sum()  # nested, not redrawn
    # a household whose older-only status is the same keeps its phone skill
    same = models[0].population.older_only == models[2].population.older_only
    assert np.array_equal(models[0].population.phone[same], models[2].population.phone[same])


def test_days_run_on_common_streams_stay_paired():
    """Unrelated daily draws do not shift when a mode is switched: the tier of every compound on every day is
    the same in the platform-only and group-buying-only runs of one seed."""
    tiers = []
    for mode in ("platform", "group_buying"):
        m = LockdownSupplyModel(scenario="toy", rng=3, ordering=mode)
        days = []
        while m.running:
            m.step()
            days.append(m.rules.tier.copy())
        tiers.append(np.array(days))
    assert np.array_equal(*tiers)


def test_streams_are_named_children_of_the_seed():
    a, b = Streams.of(np.random.default_rng(5)), Streams.of(np.random.default_rng(5))
    assert np.array_equal(a("riders").random(4), b("riders").random(4))
    assert not np.array_equal(Streams.of(np.random.default_rng(5))("riders").random(4),
                              Streams.of(np.random.default_rng(5))("sites").random(4))
    # drawing from one stream does not move another
    c = Streams.of(np.random.default_rng(5))
    c("sites").random(1000)
    assert np.array_equal(c("riders").random(4), Streams.of(np.random.default_rng(5))("riders").random(4))
