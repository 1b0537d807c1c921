"""Scenario files: built-ins load, values carry sources, and every kind of bad input is one clear error."""

import re
from importlib import resources

import pytest

from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.scenario import builtin_names, load_scenario
from lockdown_sim.sim.schema import SCHEMA


def test_builtins_load():
    assert {"shanghai-2022", "toy"} <= set(builtin_names())
    for name in builtin_names():
        cfg = load_scenario(name)
        assert cfg.name == name
        assert cfg.horizon >= cfg.timeline.reopen_day


def test_toy_inherits_from_shanghai():
    toy, sh = load_scenario("toy"), load_scenario("shanghai-2022")
    assert toy.horizon == 40 and sh.horizon == 95
    assert toy.population.elderly_share == sh.population.elderly_share  # not set in toy: inherited


def test_every_calibrated_value_cites_its_source():
    text = (resources.files("lockdown_sim.scenarios") / "shanghai-2022.toml").read_text()
    section, missing, above = None, [], []
    for line in text.splitlines():
        m = re.match(r"\[(\w+)\]", line)
        if m:
            section, above = m.group(1), []
            continue
        if line.startswith("#"):
            above.append(line)  # a comment block directly above a key counts as its source
            continue
        key = re.match(r"(\w+)\s*=", line)
        if not key:
            above = [] if not line.strip() else above
            continue
        cited = re.search(r"#.*(FACTS|derived|assumption)", line) or any(
            re.search(r"FACTS|derived|assumption", c) for c in above)
        if section not in ("meta", "mechanisms", "counterfactuals", "plausible") and not cited:  # switches, not values
            missing.append(f"{section}.{key.group(1)}")
        above = []
    assert not missing, f"no source comment: {missing}"


def test_assumptions_and_disputed_figures_have_plausible_bounds():
    cfg = load_scenario("shanghai-2022")
    for path in ("population.elderly_share", "city.compound_median_households", "platform.basket_days"):
        lo, hi = cfg.plausible[path]
        assert lo <= cfg[path] <= hi


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ('[population]\nelderly_sharee = 0.3\n', "population.elderly_sharee: unknown key"),
        ('[population]\nelderly_share = "many"\n', "population.elderly_share: 'many' is not a number"),
        ('[population]\nelderly_share = 1.5\n', "population.elderly_share: 1.5 is out of range; allowed: a number from 0.0 to 1.0"),
        ('[timeline]\nreopen_day = 400\n', "timeline.reopen_day: day 400 is beyond the horizon; allowed: a day from 0 to 95"),
        ('[couriers]\nriders_working = [[0, 100], [120, 200]]\n', "couriers.riders_working[1]: day 120 is beyond the horizon"),
        ('[couriers]\nrider_batch = 2.5\n', "couriers.rider_batch: 2.5 is not a whole number"),
        ('[mechanisms]\ngateway = "yes"\n', "mechanisms.gateway: 'yes' is not true or false"),
        ('[weather]\nrain = 1\n', "weather: unknown section"),
        ('[local_suppliers]\nmoq_farm = [200, 50]\n', "local_suppliers.moq_farm"),
        ('[local_suppliers]\nkind_shares = [0.5, 0.5, 0.5, 0.5]\n', "summing to 1"),
        ('[timeline]\nreopen_day = 2\n', "timeline.reopen_day: must not come before both districts are locked"),
        # no local supply at all made the model draw supplier ties with NaN probabilities (found by Hypothesis)
        ('[local_suppliers]\ncapacity_ratio = 0.0\n', "local_suppliers.capacity_ratio: 0.0 is out of range; allowed: a number from 0.001"),
        ('[population]\nelderly_share = 0.2\n[plausible]\n"population.elderly_share" = [0.3, 0.4]\n', "outside its plausible bounds"),
    ],
)
def test_bad_values_name_the_field_and_what_is_allowed(tmp_path, body, fragment):
    path = write(tmp_path, 'base = "shanghai-2022"\n' + body)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_a_derived_scenario_may_change_a_value_outside_the_base_bounds(tmp_path):
    cfg = load_scenario(write(tmp_path, 'base = "shanghai-2022"\n[population]\nelderly_share = 0.2\n'))
    assert cfg.population.elderly_share == 0.2
    assert "population.elderly_share" not in cfg.plausible
    assert "population.proxy_share" in cfg.plausible  # untouched values keep theirs


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(str(tmp_path / "nope.toml"))
    with pytest.raises(ScenarioError, match="neither a built-in scenario"):
        load_scenario("atlantis")


def test_invalid_toml_and_missing_section(tmp_path):
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(write(tmp_path, "[meta\n"))
    with pytest.raises(ScenarioError, match="section missing"):
        load_scenario(write(tmp_path, '[meta]\nname = "x"\ndescription = ""\nhorizon_days = 9\ndefault_households = 99\n'))


def test_base_cycle_is_refused_and_named(tmp_path):
    write(tmp_path, 'base = "b.toml"\n', "a.toml")
    write(tmp_path, 'base = "a.toml"\n', "b.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(str(tmp_path / "a.toml"))
    assert str(err.value).startswith("base: the scenarios' bases form a cycle (a.toml -> b.toml -> a.toml)")
    assert "itself" not in str(err.value)  # neither file names itself as its base
    write(tmp_path, 'base = "c.toml"\n', "c.toml")
    with pytest.raises(ScenarioError, match="base: scenario 'c' inherits from itself"):
        load_scenario(str(tmp_path / "c.toml"))


def test_a_missing_base_names_the_file_that_names_it(tmp_path):
    path = write(tmp_path, 'base = "shanghai-2023"\n', "mine.toml")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(err.value).startswith(f"base: {path}: 'shanghai-2023' is neither a built-in scenario")


def test_overrides_apply_and_validate():
    cfg = load_scenario("toy", {"population.elderly_share": 0.9, "mechanisms.gateway": False})
    assert cfg.population.elderly_share == 0.9 and cfg.mechanisms.gateway is False
    with pytest.raises(ScenarioError, match="unknown key"):
        load_scenario("toy", {"population.nope": 1})
    with pytest.raises(ScenarioError, match="out of range"):
        load_scenario("toy", {"volunteers.sealed_factor": -1})


def test_schema_covers_every_key_of_the_calibrated_scenario():
    cfg = load_scenario("shanghai-2022")
    assert set(cfg.to_dict()) == set(SCHEMA)
