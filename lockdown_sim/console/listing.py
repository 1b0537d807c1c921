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
    from lockdown_sim.sim.keywords import KEYWORDS
    from lockdown_sim.sim.scenario import load_scenario
    from lockdown_sim.sim.schema import SCHEMA

    cfg = load_scenario(args.scenario)
    print("Model keywords: LockdownSupplyModel(...) and the command line's options (--scenario, --ordering, "
          "--households, --days, --courier-availability, --elderly-share, --no-lockdown); in an experiment file, "
          "scenario, households, days and orderings go in [experiment], the others in [fixed], [grid] or "
          "[[points]]. Each mechanism switch (the [mechanisms] settings below) is a keyword of the same name too.")
    for key, keyword in KEYWORDS.items():
        print(f"  {key} = {keyword.default!r}\n      {keyword.doc}; allowed: {keyword.allowed}")
    print("  overrides = None\n      {\"section.key\": value} changes to any setting below (--set section.key=value)")
    print(f"  rng = None\n      the seed (--rng; an experiment's seeds come from its master_seed)\n\n"
          f"Scenario settings of {cfg.name} (section.key; --set, an experiment file, or a scenario file of your own):")
    for section, fields in SCHEMA.items():
        print(f"[{section}]")
        for key, spec in fields.items():
            path = f"{section}.{key}"
            bounds = cfg.plausible.get(path)
            extra = f"  plausible {list(bounds)}" if bounds else ""
            print(f"  {key} = {cfg[path]!r}{extra}\n      {spec.doc}; allowed: {spec.allowed()}")
    return 0


def cmd_metrics(args) -> int:
    from lockdown_sim.sim.metrics import COUNTS, DEFINITIONS, UNITS
    from lockdown_sim.sim.outcomes import OUTCOMES

    print("Daily metrics (one row a day: daily.parquet, daily.csv, a batch's runs/*.parquet; after the run's "
          "identity: scenario, ordering, seed, households, and the day's date). Counts are of the simulated city: "
          "divide by the run's scale (run.json, the Parquet file's metadata) for the real city.\n")
    for name, text in DEFINITIONS.items():
        print(f"{name}  [{UNITS[name]}{'; a count' if name in COUNTS else ''}]\n    {text}")
    print("\nEnd-of-run outcomes, over the lockdown (run and compare tables, compare.csv, run.json's outcomes, "
          "results --outcomes)\n")
    for name, outcome in OUTCOMES.items():
        print(f"{name}  [{outcome.unit}; taken {outcome.taken}]\n    {outcome.definition}")
    return 0


def cmd_viz(args) -> int:
    from lockdown_sim.page.server import serve

    return serve(args.port)
