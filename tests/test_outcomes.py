"""End-of-run outcomes: each says its unit, and none claims a day the run did not reach."""

import math

from lockdown_sim.sim.outcomes import OUTCOMES, measure
from conftest import TOY_REOPEN, toy_run
from lockdown_sim.sim.metrics import METRIC_NAMES


def test_rates_are_named_apart_from_the_daily_counts_they_come_from():
    run = toy_run(ordering="hybrid")
    lockdown = run.table[run.table["day"] < TOY_REOPEN]
    per_1000_a_day = 1000 / run.model.population.n / TOY_REOPEN
    assert "courier_stops" not in run.summary and "courier_stops" in METRIC_NAMES  # the daily count keeps its name
    assert math.isclose(run.summary["courier_stops_per_1000"], lockdown["courier_stops"].sum() * per_1000_a_day)
    assert math.isclose(run.summary["truck_trips_per_1000"], lockdown["truck_trips"].sum() * per_1000_a_day)
    assert math.isclose(run.summary["leader_hours_per_leader"],
                        lockdown["leader_hours"].sum() / lockdown["leaders"].sum())
    assert run.summary["courier_stops_per_1000"] < lockdown["courier_stops"].sum()  # a rate, not the count
    shared = set(OUTCOMES) & set(METRIC_NAMES)  # an outcome named like a daily metric is that metric reduced
    assert shared == {"delivery_ratio", "need_met_share", "elderly_unserved_share", "elderly_left_unserved_share",
                      "ever_ran_out_share", "courier_utilization", "portions_per_stop", "idle_local_capacity",
                      "offers_seen_per_delivery_slot", "ever_led_share", "moq_success_rate", "gateway_share",
                      "gateway_portions_share", "isolated_older_need_met_share", "no_contact_need_met_share"}
    assert math.isclose(run.summary["elderly_unserved_share"], lockdown["elderly_unserved_share"].mean())


def test_every_outcome_has_one_name_a_unit_a_definition_and_a_reduction():
    """One registry (sim/outcomes.py): the docs, the tables, the claims and the workers all read it."""
    run = toy_run(ordering="hybrid")
    assert list(run.summary) == list(OUTCOMES)
    for name, outcome in OUTCOMES.items():
        assert outcome.name == name and outcome.unit and outcome.definition
        low, high = outcome.bounds or (None, None)
        value = run.summary[name]
        if math.isfinite(value):
            assert (low is None or value >= low) and (high is None or value <= high), name


def test_a_run_that_ends_before_reopening_has_no_reopening_outcomes():
    full = toy_run(ordering="hybrid")
    short = measure(full.table[full.table["day"] < 20], full.model.population.n, TOY_REOPEN)
    assert math.isnan(short["gateway_share"]) and math.isnan(short["ties_per_1000_at_reopening"])
    assert math.isnan(short["lockdown_ties_kept_share"])
    assert math.isfinite(short["delivery_ratio"]) and math.isfinite(short["ever_ran_out_share"])
    at_reopening = measure(full.table[full.table["day"] < TOY_REOPEN], full.model.population.n, TOY_REOPEN)
    assert at_reopening["gateway_share"] == full.summary["gateway_share"]  # the last lockdown day is in the run
    assert math.isnan(at_reopening["lockdown_ties_kept_share"]) and 0 <= full.summary["lockdown_ties_kept_share"] <= 1  # kept needs days after it
