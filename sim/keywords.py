"""The model's keywords: what `LockdownSupplyModel(...)` takes besides the scenario's settings, their defaults and
what each allows, and the check of a whole call without building the city.

Kept apart from sim/model.py so that a command line can check its input, and list the keywords (`lockdown-sim
params`), without loading Mesa and the compiled loops: bad input answers in a fraction of a second. The model's
signature is these keywords, the mechanism switches (sim/schema.py, MECHANISMS), `overrides`, `rng` and Mesa's
`scenario` (a test checks that they agree).
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.scenario import load_scenario
from lockdown_sim.sim.schema import MECHANISMS

ORDERING_MODES = ("platform", "group_buying", "hybrid")
DEFAULT_SCENARIO = "shanghai-2022"


@dataclass(frozen=True)
class Keyword:
    """One model keyword: its default, what it means and what it allows."""

    name: str
    default: object
    doc: str
    allowed: str


KEYWORDS: dict[str, Keyword] = {k.name: k for k in (
    Keyword("scenario_file", DEFAULT_SCENARIO, "the scenario: a built-in name (lockdown-sim scenarios) or the path "
            "of a scenario .toml file", "a built-in name or a .toml file"),
    Keyword("ordering", "hybrid", "which channels are open: platform (individual platform ordering only), "
            "group_buying (community group buying only) or hybrid (both, as happened)", " | ".join(ORDERING_MODES)),
    Keyword("households", None, "households simulated; the scenario's city is scaled to it (None: the scenario's "
            "meta.default_households)", "a whole number from 10 to 20,000,000"),
    Keyword("courier_availability", 1.0, "multiplier on the scenario's curve of riders at work (1.0: as in the "
            "scenario)", "a number from 0 to 10"),
    Keyword("elderly_share", None, "share of households with a member aged 60+ (None: the scenario's "
            "population.elderly_share); the same seed changes only who is older", "a number from 0 to 1"),
    Keyword("lockdown", True, "false runs the same city with no restrictions (the counterfactual baseline)",
            "true or false"),
    Keyword("days", None, "days to run (None: the scenario's meta.horizon_days)", "a whole number from 1 to 3650"),
)}
# after the keywords above, the model takes every mechanism switch (None: the scenario's [mechanisms] value),
# `overrides` ({"section.key": value}), `rng` (a seed) and Mesa's `scenario`


def _check(name: str, ok: bool, allowed: str, value) -> None:
    if not ok:
        raise ScenarioError(f"{name}: {value!r} is not allowed; allowed: {allowed}")


def _number(v) -> bool:
    """A real number, numpy's included, but not a truth value."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and getattr(v, "dtype", None) != bool


def _truth(v) -> bool:
    """True or False, numpy's included."""
    return isinstance(v, bool) or getattr(v, "dtype", None) == bool


def validated(scenario, ordering, households, courier_availability, elderly_share, lockdown, days, switches,
              overrides):
    """Check the model's keyword parameters and load the scenario with its overrides; return the scenario."""
    assert set(switches) == set(MECHANISMS)
    _check("ordering", ordering in ORDERING_MODES, KEYWORDS["ordering"].allowed, ordering)
    _check("courier_availability", _number(courier_availability) and 0 <= courier_availability <= 10,
           KEYWORDS["courier_availability"].allowed, courier_availability)
    _check("elderly_share", elderly_share is None or (_number(elderly_share) and 0 <= elderly_share <= 1),
           KEYWORDS["elderly_share"].allowed, elderly_share)
    _check("lockdown", _truth(lockdown), KEYWORDS["lockdown"].allowed, lockdown)
    for name, value in switches.items():
        _check(name, value is None or _truth(value), "true or false (or None)", value)
    _check("overrides", overrides is None or isinstance(overrides, dict), 'a dict {"section.key": value}', overrides)
    cfg = load_scenario(scenario, overrides)
    n = cfg.meta.default_households if households is None else households
    _check("households", _number(n) and float(n).is_integer() and 10 <= n <= 20_000_000,
           KEYWORDS["households"].allowed, households)
    _check("days", days is None or (_number(days) and float(days).is_integer() and 1 <= days <= 3650),
           KEYWORDS["days"].allowed, days)
    return cfg


def old_scenario_keyword(scenario_file: str, scenario: str, stacklevel: int = 3) -> str:
    """The scenario file named by the old spelling `scenario=` (deprecated: Mesa 3.5 models use `scenario` for
    Mesa's own Scenario object), with a DeprecationWarning pointing `stacklevel` frames up."""
    warnings.warn("LockdownSupplyModel(scenario=...) is deprecated: name the scenario file with scenario_file=... "
                  "(Mesa 3.5 models use `scenario` for Mesa's Scenario object)", DeprecationWarning,
                  stacklevel=stacklevel)
    if scenario_file != DEFAULT_SCENARIO and scenario_file != scenario:
        raise ScenarioError(f"scenario: {scenario!r} and scenario_file: {scenario_file!r} both given; allowed: "
                            "one of them (scenario_file)")
    return scenario


PARAMETERS = (*KEYWORDS, *MECHANISMS, "overrides")  # what check_params takes (and the model, with rng, scenario)


def check_params(**params):
    """Check model keyword parameters exactly as the model does, without building the city; return the scenario.

    Experiments call it for every parameter point before any run starts, so a bad point fails in seconds.
    """
    params = dict(params)
    scenario = params.pop("scenario", None)
    if isinstance(scenario, (str, PurePath)):  # the old spelling of scenario_file (deprecated); else Mesa's own
        params["scenario_file"] = old_scenario_keyword(params.get("scenario_file", DEFAULT_SCENARIO), scenario)
    for name in params:
        if name not in PARAMETERS:
            raise ScenarioError(f"{name}: unknown parameter; allowed: {', '.join(PARAMETERS)}")
    kw = {name: k.default for name, k in KEYWORDS.items()} | dict.fromkeys(MECHANISMS) | {"overrides": None} | params
    switches = {name: kw[name] for name in MECHANISMS}
    return validated(kw["scenario_file"], kw["ordering"], kw["households"], kw["courier_availability"],
                     kw["elderly_share"], kw["lockdown"], kw["days"], switches, kw["overrides"])
