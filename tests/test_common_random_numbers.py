"""Common random numbers: the same seed builds the same city, sites, riders and suppliers whatever the ordering
mode, mechanism switches or elderly share, so that mode comparisons and sweeps are paired comparisons, and changing
one parameter leaves unrelated draws alone (sim/streams.py)."""

import numpy as np
import pytest

from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.sim.streams import Streams


def city(m):
    """Everything drawn before the first day that does not depend on who is older (supply is the city's need
    times a share, so its shares are compared)."""
    pop, plat, ls = m.population, m.platform, m.local_supply
    return {
        "compound sizes": pop.compound_size, "compound districts": pop.compound_district,
        "compound types": pop.compound_type,
        "compound cells": np.c_[m.compound_x, m.compound_y],
        "site cells": np.c_[plat.site_x, plat.site_y], "site draws": plat.open_draw,
        "riders": plat.rider_draw, "rider homes": plat.rider_home,
        "supplier cells": np.c_[ls.x, ls.y], "supplier supply shares": np.round(ls.daily / ls.daily.sum(), 12), "minimum orders": ls.moq,
        "lead times": ls.lead, "permit delays": ls.permit_delay, "trucks": ls.trucks,
        "supplier ties": pop.supplier_tie, "no contact": pop.no_contact, "free hours": pop.free_hours,
        "outbreak draws": m.rules.outbreak, "initial stock days": np.round(m.food.stock / m.food.size, 4),
    }


def built(**kw):
    return LockdownSupplyModel(scenario_file="toy", rng=7, days=1, **kw)


def assert_same_city(a, b):
    ca, cb = city(a), city(b)
    for name in ca:
        assert np.array_equal(ca[name], cb[name]), f"{name} differ"


@pytest.mark.parametrize("kw", [dict(ordering="platform"), dict(ordering="group_buying"),
                                dict(gateway=False, canvassing=False, proxies=False, supplier_ties=False),
                                dict(permits=False, tiers=False),
                                dict(platform_group=False, relief=False, coordinators=False, leader_learning=False,
                                     visible_imitation=False, member_ties=False)])
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


def test_compound_types_come_from_their_own_stream():
    """Types and type-dependent traits are the same in every mode and switch setting (above); switching the types
    off names the same compounds old, leaves every per-household draw that does not depend on the type alone, and
    keeps the city-wide elderly share."""
    on, off = built(), built(compound_types=False)
    k = min(on.population.n_compounds, off.population.n_compounds)
    assert np.array_equal(on.population.compound_type[:k], off.population.compound_type[:k])
    n = on.population.n
    assert np.array_equal(on.population.no_contact, off.population.no_contact) and off.population.n == n
    big = [LockdownSupplyModel(scenario_file="toy", households=50_000, days=1, rng=7, compound_types=t) for t in (True, False)]
    for m in big:
        assert m.population.elderly.mean() == pytest.approx(m.elderly_share, abs=0.01)
    pop = big[0].population
    old = pop.compound_type[pop.compound] == 0
    assert pop.elderly[old].mean() > 1.5 * pop.elderly[~old].mean()  # older residents gather in old compounds
    # an elderly-share sweep with types on stays nested (who is older only grows with the share)
    low, high = (built(elderly_share=s).population.elderly for s in (0.25, 0.45))
    assert (low <= high).all()


def test_occupations_change_only_the_supplier_ties():
    """Switching occupation-based ties off keeps every job drawn and every other trait, and the share of ties."""
    on, off = built(), built(occupation_ties=False)
    assert np.array_equal(on.population.occupation, off.population.occupation)
    a, b = city(on), city(off)
    assert all(np.array_equal(a[k], b[k]) for k in a if k != "supplier ties")
    assert not np.array_equal(a["supplier ties"], b["supplier ties"])


def test_days_run_on_common_streams_stay_paired():
    """Unrelated daily draws do not shift when a mode is switched: the tier of every compound on every day is
    the same in the platform-only and group-buying-only runs of one seed."""
    tiers = []
    for mode in ("platform", "group_buying"):
        m = LockdownSupplyModel(scenario_file="toy", rng=3, ordering=mode)
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
