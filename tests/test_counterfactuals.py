"""The reproduction's null models are real alternatives, each a switch that is off in every scenario and changes
only what it says when on (sim/platform_top_up.py, sim/leader_lottery.py, sim/moq_reading.py), and the group
measures the claims read are what households ate (sim/need_by_group.py). Toy city, same seeds on and off, the
direction asserted on every seed."""

import numpy as np
import pandas as pd
import pytest

from conftest import SEEDS, TOY_REOPEN, over_seeds, toy_run
from lockdown_sim.experiments.claims import extra_supply, new_leaders
from lockdown_sim.sim.leader_lottery import LeaderLottery
from lockdown_sim.sim.moq_reading import minimum_orders
from lockdown_sim.sim.platform_top_up import PlatformTopUp
from lockdown_sim.sim.scenario import load_scenario

TOP_UP = {"counterfactuals.platform_top_up": True, "counterfactuals.top_up_portions": [[0, 400.0]]}


def platform_portions(run):
    return float(run.table[["portions_platform", "portions_platform_group"]].to_numpy().sum())


def test_every_null_model_is_off_in_every_scenario():
    for name in ("shanghai-2022", "toy", "shanghai-2022-full"):
        cf = load_scenario(name).counterfactuals
        assert not (cf.platform_top_up or cf.leader_lottery or cf.moq_in_portions), name


def test_the_top_up_gives_the_platform_more_to_deliver_and_nothing_else():
    base = over_seeds(platform_portions, ordering="platform")
    topped = over_seeds(platform_portions, ordering="platform", overrides=TOP_UP)
    assert all(t > b for t, b in zip(topped, base)), (topped, base)
    # the schedule is read only when the switch is on: a schedule alone changes nothing
    schedule_only = {"counterfactuals.top_up_portions": [[0, 400.0]]}
    assert over_seeds(platform_portions, ordering="platform", overrides=schedule_only) == base
    # no group channel comes with it
    assert all(toy_run(rng=s, ordering="platform", overrides=TOP_UP).table["portions_group"].sum() == 0 for s in SEEDS)


def test_the_top_up_cannot_reach_households_the_platform_cannot():
    """Extra slots go only to sites where households wait unserved: a household with nobody to order for it and
    nobody listing it gets nothing more from the null (older-only, no phone, no proxy, canvassing off)."""
    kw = dict(ordering="platform", canvassing=False, relief=False)
    share = lambda run: float(run.table["isolated_older_need_met_share"].mean())  # noqa: E731
    assert over_seeds(share, overrides=TOP_UP, **kw) == pytest.approx(over_seeds(share, **kw))


def test_top_up_slots_follow_unserved_orders_and_carry_fractions():
    top = PlatformTopUp([[0, 25.0]], households=1000, basket_portions=10.0)  # 2.5 slots a day
    waiting, slots, open_ = np.array([10, 5, 0, 9]), np.array([4, 5, 0, 9]), np.array([True, True, True, False])
    added = []
    for day in range(4):
        top.start_day(day)
        extra = top.extra_slots(waiting, slots, open_)
        assert extra[1] == extra[2] == extra[3] == 0  # no one waits unserved there (or the site is closed)
        added.append(int(extra.sum()))
    assert added == [2, 3, 2, 3]  # 2.5 a day: the fraction is carried
    top.start_day(4)
    assert top.extra_slots(np.array([1, 0, 0, 0]), np.array([0, 0, 0, 0]), open_).sum() == 1  # never beyond unserved


def led(run):
    return float(run.table["ever_led_share"].iloc[TOY_REOPEN - 1]) * run.model.population.n


def test_the_lottery_places_the_scheduled_leaders_whatever_the_need():
    schedule = {"counterfactuals.leader_lottery": True, "counterfactuals.lottery_leaders": [[0, 2.0], [29, 2.0]],
                "group_buying.leaders_per_100_households": 50.0}  # a bound that does not bind
    runs = [toy_run(rng=s, ordering="group_buying", overrides=schedule) for s in SEEDS]
    for run in runs:
        n = run.model.population.n
        assert led(run) == pytest.approx(2.0 * n / 1000 * TOY_REOPEN, abs=2)  # as many as the schedule says
    # with no need anywhere (every household stocked for the whole lockdown) emergence gives nobody, the lottery
    # still gives the schedule's leaders
    full = {"stock.initial_days": 60.0, "stock.reorder_days": 0.0}
    assert all(v == 0 for v in over_seeds(led, ordering="group_buying", overrides=full))
    placed = over_seeds(led, ordering="group_buying", overrides=full | schedule)
    assert all(v > 0 for v in placed), placed


def test_lottery_leaders_are_eligible_members_within_the_bound():
    lottery = LeaderLottery(_Emergence(), [[0, 1000.0]], _Pop(), 2.0, np.random.default_rng(1))
    lottery.reset_day_stats()
    members = np.array([True] * 7 + [False])
    chosen = lottery.emerge(members, None, np.zeros(2), np.zeros(8, dtype=bool), np.array([True, True]), None)
    assert len(chosen) == 3  # one in compound 0 (its bound), two in compound 1 (its chat groups)
    assert (np.bincount(_Pop.compound[chosen], minlength=2) == [1, 2]).all()
    assert not set(chosen.tolist()) & {6, 7}  # no phone; not a member


def test_lottery_at_the_scale_of_buildings_keeps_one_a_day_per_building_and_lets_remote_proxies_lead():
    emergence = _Emergence()
    emergence.at_scale, emergence.cap = True, np.array([5.0, 5.0])
    emergence.building, emergence.n_buildings = np.array([0, 0, 1, 1, 2, 2, 3, 3]), 4
    emergence.remote = np.array([False] * 6 + [True, False])  # household 6 has no phone: a child elsewhere orders
    lottery = LeaderLottery(emergence, [[0, 1000.0]], _Pop(), 2.0, np.random.default_rng(1))
    lottery.reset_day_stats()
    members = np.array([True] * 7 + [False])
    chosen = lottery.emerge(members, None, np.zeros(2), np.zeros(8, dtype=bool), np.array([True, True]), None)
    assert sorted(emergence.building[chosen].tolist()) == [0, 1, 2, 3]  # one in each building, none twice
    assert 6 in chosen.tolist() and 7 not in chosen.tolist()  # building 3: the remote proxy; 7 is not a member


class _Emergence:
    """What the lottery reads of the emergence rule it stands in for (sim/leader_emergence.py)."""

    def __init__(self):
        self.cap = np.array([1.0, 5.0])
        self.groups = np.array([1.0, 2.0])
        self.at_scale = False
        self.remote = np.zeros(8, dtype=bool)

    def reset_day_stats(self):
        pass


class _Pop:
    n = 8
    compound = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    phone = np.array([True, True, True, True, True, True, False, True])
    free_hours = np.array([5.0] * 8, dtype=np.float32)


def test_minimum_orders_read_as_portions_are_smaller_and_more_offers_meet_them():
    assert minimum_orders(np.array([50, 200, 30, 3]), 6.0, True).tolist() == [9, 34, 5, 1]
    assert minimum_orders(np.array([50, 200]), 6.0, False).tolist() == [50, 200]
    success = lambda run: float(run.table["moq_success_rate"].iloc[-1])  # noqa: E731
    as_sets = over_seeds(success, ordering="group_buying")
    as_portions = over_seeds(success, ordering="group_buying", overrides={"counterfactuals.moq_in_portions": True})
    assert all(p > s for p, s in zip(as_portions, as_sets)), (as_portions, as_sets)


def test_need_met_by_group_is_what_households_ate_and_never_exceeds_need():
    run = toy_run(ordering="hybrid")
    t = run.table
    for col in ("isolated_older_need_met_share", "others_need_met_share", "no_contact_need_met_share",
                "contact_need_met_share"):
        assert (t[col].dropna().between(0, 1 + 1e-9)).all(), col
    # the groups' shares, weighted by their need, add up to the city's need met
    pop = run.model.population
    vulnerable = pop.older_only & ~pop.phone & ~pop.proxy
    need_v = float(pop.size[vulnerable].sum())
    need_o = float(pop.size[~vulnerable].sum())
    whole = (t["isolated_older_need_met_share"] * need_v + t["others_need_met_share"] * need_o) / (need_v + need_o)
    assert whole.to_numpy() == pytest.approx(t["need_met_share"].to_numpy(), rel=1e-5)
    assert run.summary["need_met_share"] <= 1.0 and run.summary["isolated_older_need_gap"] == pytest.approx(
        float((t["isolated_older_need_met_share"] - t["others_need_met_share"])[t["day"] < TOY_REOPEN].mean()))


def test_delivery_minutes_count_the_vehicles_work():
    run = toy_run(ordering="hybrid")
    t = run.table
    assert (t.loc[t["portions_group"] > 0, "truck_minutes"] > 0).all()
    assert (t.loc[t["portions_group"] == 0, "truck_minutes"] == 0).all()
    assert (t.loc[t["portions_platform"] > 0, "rider_minutes_single"] > 0).all()
    assert toy_run(ordering="group_buying").table["rider_minutes_single"].sum() == 0


def test_derived_schedules_are_the_source_arms_means_per_day():
    hybrid = pd.DataFrame({"run_id": ["a", "a", "b", "b"], "day": [0, 1, 0, 1], "portions_platform": [10, 10, 30, 30],
                           "portions_platform_group": [0, 0, 0, 0], "portions_group": [5, 15, 5, 5]})
    platform = pd.DataFrame({"run_id": ["a", "a", "b", "b"], "day": [0, 1, 0, 1], "portions_platform": [20, 40, 20, 40],
                             "portions_platform_group": [0, 0, 0, 0], "portions_group": [0, 0, 0, 0]})
    series = extra_supply(hybrid, platform, households=1000)
    assert series.to_dict() == {0: pytest.approx(5.0), 1: pytest.approx(0.0)}  # day 1: 30 - 30 = 0; never below 0
    led_frame = pd.DataFrame({"run_id": ["a"] * 3 + ["b"] * 3, "day": [0, 1, 2] * 2,
                              "ever_led_share": [0.001, 0.003, 0.003, 0.0, 0.001, 0.002]})
    assert new_leaders(led_frame, households=1000).to_dict() == pytest.approx({0: 0.5, 1: 1.5, 2: 0.5})
