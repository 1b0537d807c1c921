"""The model as an EMA Workbench model, so its own experiments and analyses (perform_experiments, PRIM, CART,
feature scoring, SALib samplers, optimisation) run on it.

    from ema_workbench import perform_experiments
    from lockdown_sim.experiments.workbench import workbench_model
    model = workbench_model(scenario="toy", households=1500)
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=3)

Uncertainties are the scenario's `[plausible]` settings (read when the model is made: RealParameter, or
IntegerParameter for whole-number settings), levers are the ordering mode (CategoricalParameter), the mechanism
switches (BooleanParameter) and courier availability (RealParameter), outcomes the end-of-run outcomes of
sim/outcomes.py (ScalarOutcome). The Workbench wants Python identifiers for names, so "stock.initial_days" is
the parameter `stock__initial_days`, handed to the model under its own name (the Workbench's variable_name).

One experiment is one run on seed `seed`; with `replications` it is that many runs on the seeds of an experiment
file's replicates (experiments/seeds.py), the same in every experiment (common random numbers), and each
outcome is the mean over the replications (the Workbench's ReplicatorModel).
"""

from __future__ import annotations

import warnings

from lockdown_sim.experiments.run import run_and_measure
from lockdown_sim.experiments.sampling import plausible_space
from lockdown_sim.experiments.seeds import MASTER_SEED, run_seed
from lockdown_sim.sim.model import ORDERING_MODES, check_params
from lockdown_sim.sim.outcomes import OUTCOMES
from lockdown_sim.sim.schema import MECHANISMS

COURIER_AVAILABILITY = (0.1, 1.0)   # the range of experiments/courier_sweep.toml


def identifier(setting: str) -> str:
    """The Workbench name of a scenario setting: "stock.initial_days" -> "stock__initial_days"."""
    return setting.replace(".", "__")


def run_experiment(scenario: str, households: int | None, days: int | None, rng: int, **values) -> dict:
    """One run of the model with the Workbench's values (scenario settings by "section.key", model keywords by
    name); returns the end-of-run outcomes. A module-level function, so the Workbench's multiprocessing and MPI
    evaluators can send it to other processes."""
    params = {"scenario_file": scenario}
    if households is not None:
        params["households"] = households
    if days is not None:
        params["days"] = days
    overrides = {}
    for name, value in values.items():
        value = value.item() if hasattr(value, "item") else value  # numpy scalars from the Workbench's samplers
        if "." in name:
            overrides[name] = value
        elif name in MECHANISMS or name in ("ordering", "courier_availability"):
            params[name] = bool(value) if name in MECHANISMS else value
    if overrides:
        params["overrides"] = overrides
    return run_and_measure(params, int(rng)).outcomes


def _mean(values) -> float:
    """The mean of a replicated outcome's values (nan where a run left it undefined, e.g. no leader: see
    sim/outcomes.py), over the replications that define it."""
    import numpy as np

    finite = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def workbench_model(scenario: str = "shanghai-2022", households: int | None = None, days: int | None = None,
                    seed: int = 1, replications: int | None = None, name: str = "lockdown_supply_sim"):
    """An EMA Workbench Model (or ReplicatorModel with `replications`) of the scenario; see the module docstring.
    Parameters the Workbench does not sample keep the scenario's values (their defaults)."""
    with warnings.catch_warnings():  # the Workbench warns about optional parallel back ends on import
        warnings.simplefilter("ignore")
        from ema_workbench import (BooleanParameter, CategoricalParameter, Constant, IntegerParameter, Model,
                                   RealParameter, ReplicatorModel, ScalarOutcome)
    import functools

    cfg = check_params(scenario_file=scenario, **({"households": households} if households else {}),
                       **({"days": days} if days else {}))
    space = plausible_space(scenario)
    function = functools.partial(run_experiment, scenario, households, days)
    if replications is None:
        model = Model(name, function=function)
        model.constants = [Constant("rng", seed)]
    else:
        model = ReplicatorModel(name, function=function)
        model.replications = [{"rng": run_seed(MASTER_SEED, r)} for r in range(replications)]
    model.uncertainties = [
        (IntegerParameter(identifier(f.name), int(f.low), int(f.high), default=f.value, variable_name=f.name)
         if f.whole else RealParameter(identifier(f.name), f.low, f.high, default=f.value, variable_name=f.name))
        for f in space.factors]
    model.levers = ([CategoricalParameter("ordering", list(ORDERING_MODES), default="hybrid"),
                     RealParameter("courier_availability", *COURIER_AVAILABILITY, default=1.0)]
                    + [BooleanParameter(switch, default=bool(cfg[f"mechanisms.{switch}"])) for switch in MECHANISMS])
    # replicated: each outcome is the mean over the replications (ScalarOutcome's function reduces the list)
    reduce = {} if replications is None else {"function": _mean}
    model.outcomes = [ScalarOutcome(outcome, **reduce) for outcome in OUTCOMES]
    return model
