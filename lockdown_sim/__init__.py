"""lockdown-supply-sim: how a city under strict residential lockdown gets food to sealed homes (Shanghai, spring
2022): individual platform ordering against community group buying.

    from lockdown_sim import LockdownSupplyModel
    model = LockdownSupplyModel(scenario_file="shanghai-2022", ordering="hybrid", households=20_000, rng=1)

The installed package is the repository's folders, one layer each, every layer importing only those below it:

    lockdown_sim.sim, .agents, .scenarios   the model (mechanisms, Mesa agents, scenario files)
    lockdown_sim.experiments                designs, seeds, engines, the results store, run-and-measure
    lockdown_sim.analysis                   statistics, verdicts, tables, figures, reports
    lockdown_sim.console, .page, .odd       the command line, the interactive page, the ODD generator

Names here are loaded on first use, so `import lockdown_sim` costs nothing.
"""

from lockdown_sim.sim import __version__

_PUBLIC = {
    "LockdownSupplyModel": "lockdown_sim.sim.model",
    "ORDERING_MODES": "lockdown_sim.sim.model",
    "load_scenario": "lockdown_sim.sim.scenario",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'lockdown_sim' has no attribute {name!r}")
