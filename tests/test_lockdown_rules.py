"""Lockdown rules: districts locked on different days, three tiers that follow the briefings, reopening, and the
no-lockdown counterfactual."""

import numpy as np
import pytest

from lockdown_sim.sim.lockdown import CONTROL, OPEN, PREVENTION, SEALED, LockdownRules
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.sim.scenario import load_scenario


def rules_for(n=4000, **kw):
    cfg = load_scenario("shanghai-2022")
    district = np.r_[np.zeros(n // 2, np.int8), np.ones(n // 2, np.int8)]
    return cfg, LockdownRules(cfg, district, np.random.default_rng(1), lockdown=kw.get("lockdown", True),
                              tiers=kw.get("tiers", True))


def test_east_locks_first_then_west():
    cfg, r = rules_for()
    west, east = r.district == 0, r.district == 1
    r.update(0)
    assert (r.tier[east] == SEALED).all() and (r.tier[west] == OPEN).all()
    r.update(cfg.timeline.lockdown_day_west)
    assert (r.tier != OPEN).all()


def test_tiers_follow_the_briefing_shares():
    cfg, r = rules_for(n=20000)
    for day in range(cfg.timeline.tier_system_day + 1):
        r.update(day)
    assert (r.tier == SEALED).mean() > 0.5  # 12 Apr: 15.0 M of 21.6 M sealed
    for row in cfg.timeline.tier_points:
        while r.day < row["day"]:
            r.update(r.day + 1)
        total = row["sealed"] + row["control"] + row["prevention"]
        assert (r.tier == SEALED).mean() == pytest.approx(row["sealed"] / total, abs=0.05)
        assert (r.tier == CONTROL).mean() == pytest.approx(row["control"] / total, abs=0.05)


def test_compounds_step_down_through_the_tiers_mostly():
    cfg, r = rules_for(n=5000)
    r.update(cfg.timeline.tier_system_day)
    before = r.tier.copy()
    r.update(cfg.timeline.tier_points[2]["day"])
    up = (r.tier < before).mean()  # back towards sealed (a new case)
    down = (r.tier > before).mean()
    assert down > 0.5 and up < 0.1


def test_reopening_opens_everything():
    cfg, r = rules_for()
    r.update(cfg.timeline.reopen_day)
    assert (r.tier == OPEN).all() and r.reopened and not r.city_locked


def test_tiers_off_keeps_every_compound_sealed_until_reopening():
    cfg, r = rules_for(tiers=False)
    r.update(cfg.timeline.reopen_day - 1)
    assert (r.tier == SEALED).all()


def test_prevention_tier_lets_some_compounds_shop():
    cfg, r = rules_for(n=20000)
    r.update(cfg.timeline.tier_points[-1]["day"])
    prevention = r.tier == PREVENTION
    out = r.may_go_out()
    assert out[prevention].mean() == pytest.approx(cfg.timeline.prevention_exit_share, abs=0.05)
    assert not out[r.tier == SEALED].any()


def test_the_unlocked_district_shops_and_stocks_up_before_its_lockdown():
    m = LockdownSupplyModel(scenario_file="toy", rng=3)
    m.step()  # day 0: east locked, west free
    west = m.population.compound_district[m.population.compound] == 0
    panic = m.cfg.stock.panic_days * m.food.size
    assert m.today["portions_retail"] > 0
    assert (m.food.stock[west] + m.food.size[west] >= panic[west] - 1e-3).mean() > 0.9  # stocked for a siege
    east_bought = m.food.stock[~west] > m.cfg.stock.initial_days * 2 * m.food.size[~west]
    assert not east_bought.any()


def test_no_lockdown_counterfactual_feeds_everyone():
    m = LockdownSupplyModel(scenario_file="toy", rng=3, lockdown=False)
    while m.running:
        m.step()
    t = m.datacollector.get_model_vars_dataframe()
    assert t["cumulative_delivery_ratio"].iloc[-1] > 0.95
    assert t["ever_ran_out_share"].iloc[-1] < 0.01
    assert t["leaders"].max() == 0 and t["sealed_share"].max() == 0


def test_lockdown_creates_the_problem_the_model_is_about():
    locked = LockdownSupplyModel(scenario_file="toy", rng=3, ordering="platform")
    while locked.running:
        locked.step()
    assert locked.food.ever_empty.mean() > 0.2
