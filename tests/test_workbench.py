"""The model as an EMA Workbench model: uncertainties from [plausible], levers, outcomes, and experiments run through
the Workbench's own perform_experiments on a tiny city."""

import warnings

import numpy as np
import pytest

from lockdown_sim.sim.outcomes import OUTCOMES
from lockdown_sim.experiments.sampling import plausible_space
from lockdown_sim.experiments.workbench import identifier, run_experiment, workbench_model
from lockdown_sim.sim.schema import MECHANISMS

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from ema_workbench import IntegerParameter, RealParameter, Sample, perform_experiments

TINY = dict(scenario="toy", households=1000, days=12)  # the smallest toy city with platform sites


def test_uncertainties_levers_and_outcomes_come_from_the_scenario_and_the_summary():
    model = workbench_model(**TINY)
    space = plausible_space("toy")
    uncertainties = {u.name: u for u in model.uncertainties}
    assert list(uncertainties) == [identifier(f.name) for f in space.factors]
    for f in space.factors:
        u = uncertainties[identifier(f.name)]
        assert isinstance(u, IntegerParameter if f.whole else RealParameter)
        assert (u.lower_bound, u.upper_bound) == (f.low, f.high) and u.variable_name == [f.name]
    levers = {lever.name for lever in model.levers}
    assert levers == {"ordering", "courier_availability", *MECHANISMS}
    assert [o.name for o in model.outcomes] == list(OUTCOMES)


def test_perform_experiments_runs_the_model_and_its_numbers_are_the_model_s(tmp_path):
    model = workbench_model(**TINY, seed=3)
    platform = Sample("platform_only", ordering="platform", courier_availability=1.0)
    group = Sample("group_buying_only", ordering="group_buying", courier_availability=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        experiments, outcomes = perform_experiments(model, scenarios=2, policies=[platform, group])
    assert len(experiments) == 4 and set(outcomes) == set(OUTCOMES)
    assert np.isfinite(outcomes["delivery_ratio"]).all()
    by_mode = experiments["ordering"].to_numpy()
    # the lever reaches the model: no rider stops without the platform, no trucks without group buying
    assert (outcomes["courier_stops_per_1000"][by_mode == "group_buying"] == 0).all()
    assert (outcomes["courier_stops_per_1000"][by_mode == "platform"] > 0).all()
    assert (outcomes["truck_trips_per_1000"][by_mode == "platform"] == 0).all()
    # an experiment is one run of the model on the seed: the same values give the same outcomes
    row = experiments.iloc[0]
    values = {f.name: row[identifier(f.name)] for f in plausible_space("toy").factors}
    direct = run_experiment("toy", 1000, 12, 3, ordering=row["ordering"], courier_availability=1.0, **values)
    assert direct["delivery_ratio"] == pytest.approx(outcomes["delivery_ratio"][0])


def test_replications_average_over_common_seeds():
    model = workbench_model(**TINY, replications=2)
    assert len({r["rng"] for r in model.replications}) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, outcomes = perform_experiments(model, scenarios=1)
    assert np.ndim(outcomes["delivery_ratio"]) == 1 and np.isfinite(outcomes["delivery_ratio"]).all()
