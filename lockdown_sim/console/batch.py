"""`lockdown-sim batch` and `results`: run an experiment file into a resumable results directory, and read one."""

from __future__ import annotations

import sys

from lockdown_sim.console.run import note_city_size
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.wording import count

RESULT_FORMATS = (".parquet", ".csv")
SUMMARY_ROWS = 40  # a batch's closing table is shown up to this many point x mode rows (results shows them all)


def cmd_batch(args) -> int:
    from lockdown_sim.experiments.design import load_experiment
    from lockdown_sim.experiments.engines import EngineChoice
    from lockdown_sim.experiments.files import check_out_path
    from lockdown_sim.sim.scenario import load_scenario

    experiment = load_experiment(args.experiment).with_overrides(args.households, args.replicates)
    choice = EngineChoice(args.engine, args.workers, args.scheduler)
    check_out_path(args.out)

    from lockdown_sim.analysis.compare import format_table
    from lockdown_sim.analysis.results import load_outcomes, outcome_table
    from lockdown_sim.experiments.batch import execute

    def before(opened):
        print(f"{experiment.name}: {count(len(opened[0].runs), 'run')} into {args.out}/"
              + (f" ({len(opened[0].runs) - len(opened[0].left):,} already there, kept)"
                 if len(opened[0].left) < len(opened[0].runs) else ""), flush=True)
        note_city_size(load_scenario(experiment.scenario_ref), experiment.households)

    try:
        [report] = execute([(experiment, args.out)], choice, progress=False if args.no_progress else None,
                           desc=experiment.name, before=before)
    except KeyboardInterrupt:
        print(f"lockdown-sim: interrupted; finished runs are kept in {args.out}: run the same command again to "
              "complete the batch", file=sys.stderr)
        return 130
    print("\n".join(report.lines()))
    table = outcome_table(load_outcomes(args.out)) if report.before + report.done else None
    if table is not None and len(table) <= SUMMARY_ROWS:
        print("\nmean ± sd over replicates, outcomes over the lockdown:")
        print(format_table(table))
    print(f"\nload them: lockdown-sim results {args.out}   (Python: lockdown_sim.analysis.results.load_results("
          f"{str(args.out)!r}))")
    return 1 if report.failed else 0


def cmd_results(args) -> int:
    from lockdown_sim.experiments.files import check_out_path, check_writable, write_table
    from lockdown_sim.experiments.results_store import ResultsStore

    out = None if args.out is None else check_out_path(args.out)
    if out is not None and out.suffix not in RESULT_FORMATS:
        raise ScenarioError(f"--out: '{args.out}' is not allowed; allowed: a file name ending in .parquet or .csv")
    if args.outcomes and out is None:
        raise ScenarioError("--outcomes: only with --out FILE")
    ResultsStore(args.dir).manifest()  # DIR holds a batch, before anything is created for --out
    if out is not None:  # before reading the batch: a bad output fails first, not after the work
        if out.is_dir() or (out.exists() and not args.overwrite):
            raise ScenarioError(f"--out: '{out}' already exists; allowed: a new file name, or --overwrite to replace "
                                "a file")
        check_writable(out.parent)

    from lockdown_sim.analysis.results import load_outcomes, load_results, summary_text

    print(summary_text(args.dir))
    if out is not None:
        from lockdown_sim.experiments.run import COLUMN_UNITS, COUNTS_UNIT
        from lockdown_sim.sim.outcomes import OUTCOMES

        if args.outcomes:
            frame = load_outcomes(args.dir)
            units = COLUMN_UNITS | {name: o.unit for name, o in OUTCOMES.items()}
            counts = "none: the outcomes are shares, ratios and rates per 1,000 households, the same at any scale"
        else:
            frame = load_results(args.dir)
            units = COLUMN_UNITS
            counts = (f"{COUNTS_UNIT}: each run's counts are of its simulated city (column households); divide them by "
                      "households / population.real_households for the real city")
        write_table(out, frame, units, {"counts": counts, "batch": str(args.dir)})
        what = "runs (outcomes)" if args.outcomes else "rows (run x day)"
        print(f"\nwrote {out}: {len(frame):,} {what} x {count(len(frame.columns), 'column')}")
    return 0
