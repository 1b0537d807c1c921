"""The model as Mesa users meet it: defaults, keyword parameters, agents, DataCollector, batch_run, seeds."""

import mesa
import numpy as np
import pandas as pd
import pytest

from lockdown_sim.agents import Compound, GroupLeader, Household, LocalSupplier, PlatformSupplier, Rider, Truck
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.metrics import METRIC_NAMES
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.run import daily_table

REQUIRED = ["delivery_ratio", "cumulative_delivery_ratio", "elderly_unserved_share", "elderly_left_unserved_share",
            "ever_ran_out_share", "courier_stops", "courier_utilization", "truck_trips", "portions_delivered",
            "portions_per_stop", "idle_local_capacity", "offers_seen_per_delivery_slot", "leaders", "leader_hours",
            "moq_success_rate", "gateway_share", "ties"]


def test_default_model_runs_the_default_scenario():
    m = LockdownSupplyModel()
    assert m.cfg.name == "shanghai-2022" and m.ordering == "hybrid"
    assert m.population.n == m.cfg.meta.default_households
    m.step()
    assert m.day == 0 and m.running


def test_running_turns_false_at_the_horizon(toy):
    run = toy()
    assert not run.model.running
    assert len(run.table) == run.model.cfg.horizon == 40
    assert list(run.table["day"]) == list(range(40))


def test_days_shortens_the_run(toy):
    assert len(toy(days=7).table) == 7


def test_required_metrics_are_collected_every_day(toy):
    table = toy().table
    assert set(REQUIRED) <= set(table.columns)
    assert list(table.columns) == list(METRIC_NAMES)


def test_agents_are_real_mesa_agents(toy):
    m = toy().model
    by = m.agents_by_type
    assert len(list(m.households)) == m.population.n == len(by[Household])  # made when read (a full city: 10 M)
    assert len(by[Compound]) == m.population.n_compounds
    assert len(by[GroupLeader]) > 0 and len(by[PlatformSupplier]) > 0 and len(by[LocalSupplier]) >= 2
    assert len(by[Rider]) > 0 and len(by[Truck]) >= len(by[LocalSupplier])
    h = m.households[5]
    assert h.stock == pytest.approx(float(m.food.stock[5]))
    assert h.compound.cell.coordinate[0] != m.city.river_x  # nobody lives in the river
    assert h in h.compound.households
    leader = by[GroupLeader][0]
    assert m.households[leader.household_index].leader is leader


def test_couriers_move_on_the_grid(toy):
    m = toy(ordering="platform").model
    moved = [r for r in m.platform.riders if r.cell is not r.base.cell]
    assert moved, "riders should end the day at a gate they served"


def test_city_is_split_by_a_river_into_two_districts(toy):
    m = toy().model
    layer = m.city.grid.district.data
    assert (layer[m.city.river_x] == -1).all()
    assert set(np.unique(m.population.compound_district)) == {0, 1}
    west = m.compound_x < m.city.river_x
    assert (m.population.compound_district[west] == 0).all()
    # crossing the river costs a detour through a crossing
    d = m.city.distance_km(m.city.river_x - 1, 0, m.city.river_x + 1, 0)
    assert d >= 2 * m.city.cell_km


def test_same_seed_same_table_different_seed_different_table():
    def table(seed):
        m = LockdownSupplyModel(scenario_file="toy", rng=seed)
        while m.running:
            m.step()
        return daily_table(m)

    a, b, c = table(11), table(11), table(12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_numpy_generator_is_accepted():
    m = LockdownSupplyModel(scenario_file="toy", rng=np.random.default_rng(5), days=3)
    while m.running:
        m.step()
    assert m.day == 2


def test_batch_run_returns_metric_rows():
    rows = mesa.batch_run(LockdownSupplyModel, {"ordering": ["platform", "group_buying", "hybrid"], "households": 2000},
                          rng=[1, 2], max_steps=20, display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 6
    assert set(REQUIRED) <= set(df.columns)
    assert set(df["ordering"]) == {"platform", "group_buying", "hybrid"}


def test_households_parameter_scales_the_city():
    small = LockdownSupplyModel(scenario_file="toy", households=600, rng=1)
    large = LockdownSupplyModel(scenario_file="toy", households=6000, rng=1)
    assert small.population.n == 600 and large.population.n == 6000
    assert large.population.n_compounds > 4 * small.population.n_compounds
    cfg = large.cfg.city
    sizes = large.population.compound_size[:-1]  # the last compound takes the remainder
    assert sizes.min() >= cfg.compound_min_households and sizes.max() <= cfg.compound_max_households
    assert len(large.platform.riders) > len(small.platform.riders)


def test_elderly_share_parameter():
    m = LockdownSupplyModel(scenario_file="toy", households=5000, elderly_share=0.6, rng=1)
    assert m.population.elderly.mean() == pytest.approx(0.6, abs=0.03)


@pytest.mark.parametrize("kw, fragment", [
    ({"ordering": "drones"}, "ordering: 'drones' is not allowed; allowed: platform | group_buying | hybrid"),
    ({"households": 5}, "households: 5 is not allowed"),
    ({"households": 10.5}, "households"),
    ({"courier_availability": -1}, "courier_availability"),
    ({"elderly_share": 1.2}, "elderly_share"),
    ({"gateway": "yes"}, "gateway"),
    ({"days": 0}, "days"),
    ({"scenario_file": "nowhere"}, "scenario: 'nowhere'"),
    ({"overrides": {"ties.decay_rate": 2}}, "ties.decay_rate"),
])
def test_bad_parameters_are_one_clear_error(kw, fragment):
    with pytest.raises(ScenarioError) as err:
        LockdownSupplyModel(**{"scenario_file": "toy", **kw})
    assert fragment in str(err.value)


def test_the_old_scenario_keyword_still_works_with_a_deprecation_warning():
    """`scenario` was this model's keyword for its scenario file; Mesa 3.5 models use it for Mesa's Scenario."""
    import warnings

    from mesa.experimental.scenarios import Scenario

    with pytest.warns(DeprecationWarning, match="scenario_file"):
        old = LockdownSupplyModel(scenario="toy", rng=3, days=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = LockdownSupplyModel(scenario_file="toy", rng=3, days=2)
        mesa_own = LockdownSupplyModel(scenario_file="toy", rng=3, days=2, scenario=Scenario())
    assert old.cfg.name == new.cfg.name == mesa_own.cfg.name == "toy"
    assert isinstance(new.scenario, Scenario) and mesa_own.scenario.rng == 3
    with pytest.warns(DeprecationWarning), pytest.raises(ScenarioError, match="both given"):
        LockdownSupplyModel(scenario="toy", scenario_file="shanghai-2022-full", rng=3)


def test_the_model_takes_exactly_the_keywords_sim_keywords_declares():
    """sim/keywords.py checks a call without loading Mesa (bad input answers at once) and lists the keywords
    (`lockdown-sim params`): it must describe the model's real signature, defaults included."""
    import inspect

    from lockdown_sim.sim.keywords import KEYWORDS, PARAMETERS

    signature = inspect.signature(LockdownSupplyModel.__init__).parameters
    assert set(signature) - {"self", "rng", "scenario"} == set(PARAMETERS)
    assert all(signature[name].default == keyword.default for name, keyword in KEYWORDS.items())
