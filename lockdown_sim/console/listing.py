"""`lockdown-sim experiments`, `scenarios`, `params`, `metrics` and `viz`: what there is to run, every setting, every
measure, and the interactive page."""

from __future__ import annotations

from lockdown_sim.sim.wording import count


def cmd_experiments(args) -> int:
    from lockdown_sim.experiments.design import builtin_experiments, load_experiment

    names = builtin_experiments()
    width = max(len(name) for name in names)
    for name in names:
        exp = load_experiment(name)
        print(f"{name:{width}s}  {exp.count():>5,} runs  {exp.description}")
    return 0


def cmd_scenarios(args) -> int:
    from lockdown_sim.sim.scenario import builtin_names, load_scenario

    names = builtin_names()
    width = max(len(name) for name in names)
    for name in names:
        cfg = load_scenario(name)
        print(f"{name:{width}s}  {cfg.meta.description} ({count(cfg.meta.default_households, 'household')} by default)")
    return 0


def cmd_params(args) -> int:
    from lockdown_sim.sim.scenario import load_scenario
    from lockdown_sim.sim.schema import SCHEMA

    cfg = load_scenario(args.scenario)
    for section, fields in SCHEMA.items():
        print(f"[{section}]")
        for key, spec in fields.items():
            path = f"{section}.{key}"
            bounds = cfg.plausible.get(path)
            extra = f"  plausible {list(bounds)}" if bounds else ""
            print(f"  {key} = {cfg[path]!r}{extra}\n      {spec.doc}; allowed: {spec.allowed()}")
    return 0


def cmd_metrics(args) -> int:
    from lockdown_sim.sim.metrics import DEFINITIONS
    from lockdown_sim.sim.outcomes import OUTCOMES

    print("Daily metrics (one row a day: daily.parquet, daily.csv, a batch's runs/*.parquet)\n")
    for name, text in DEFINITIONS.items():
        print(f"{name}\n    {text}")
    print("\nEnd-of-run outcomes, over the lockdown (run and compare tables, compare.csv, run.json's outcomes, "
          "results --outcomes)\n")
    for name, outcome in OUTCOMES.items():
        print(f"{name}  [{outcome.unit}; taken {outcome.taken}]\n    {outcome.definition}")
    return 0


def cmd_viz(args) -> int:
    from lockdown_sim.page.server import serve

    return serve(args.port)
