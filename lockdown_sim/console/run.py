"""`lockdown-sim run`, `compare` and `calibration`: one run, the headline comparison and the model against the
record. A run goes through the one run-and-measure path (experiments/run.py); compare and calibration are
experiments run by the batch engine into a results directory (experiments/batch.py), then read by the analysis.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from lockdown_sim.console.options import model_params
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.wording import count


def cmd_run(args) -> int:
    from lockdown_sim.console.tables import outcome_lines
    from lockdown_sim.experiments.files import prepare_out_dir, write_run
    from lockdown_sim.experiments.run import run_and_measure
    from lockdown_sim.experiments.seeds import MASTER_SEED, run_seed
    from lockdown_sim.sim.model import check_params
    from lockdown_sim.sim.outcomes import shown

    params = model_params(args)
    cfg = check_params(**params)  # validates everything before the real run, without building a (possibly full) city
    out = prepare_out_dir(args.out, args.overwrite)
    note_small_city(cfg, params.get("households"))
    seed = run_seed(MASTER_SEED, 0) if args.rng is None else args.rng
    run = run_and_measure(params, seed, progress=None, label=f"{params['scenario_file']} {params.get('ordering', 'hybrid')}")
    record = run.record
    write_run(out, run.daily, record, run.outcomes)
    reopen_day, days = record["reopen_day"], record["days"]
    print(f"{record['scenario']}: {params.get('ordering', 'hybrid')}, {count(record['households'], 'household')} in "
          f"{count(record['compounds'], 'compound')}, {count(days, 'day')}, seed {seed}")
    print(period_text(params.get("lockdown", True), reopen_day, days))
    names = shown(days, reopen_day) if params.get("lockdown", True) else shown(min(days, reopen_day - 1), reopen_day)
    print("\n".join(outcome_lines(run.outcomes, names)))
    print(f"wrote {out / 'daily.parquet'}, daily.csv and run.json")
    return 0


def period_text(lockdown: bool, reopen_day: int, days: int) -> str:
    """The days the outcomes cover, in a line."""
    if not lockdown:
        return (f"no lockdown: outcomes over days 0-{min(days, reopen_day) - 1}, the days the lockdown would have "
                "lasted")
    if days < reopen_day:
        return (f"the run ends on day {days - 1}, before reopening on day {reopen_day}: outcomes over days "
                f"0-{days - 1}, none at reopening")
    return f"outcomes over the lockdown, days 0-{reopen_day - 1} (reopening on day {reopen_day})"


def note_small_city(cfg, households: int | None) -> None:
    """Say so when a city is smaller than the scenario's smallest compound: it is then one compound of that size."""
    n = cfg.meta.default_households if households is None else households
    smallest = cfg.city.compound_min_households
    if n < smallest:
        print(f"lockdown-sim: note: {count(n, 'household')} is fewer than the smallest compound of {cfg.name} "
              f"({count(smallest, 'household')}): the city is one compound of {count(n, 'household')}",
              file=sys.stderr)


def results_dir(given: str | None, command: str) -> Path:
    """The results directory of a command: the one given (checked), else a new folder results/<command>-DATE-TIME."""
    from lockdown_sim.experiments.files import check_out_path

    if given is not None:
        return check_out_path(given)
    return Path("results") / f"{command}-{time.strftime('%Y%m%d-%H%M%S')}"


def check_count(option: str, value: int, low: int) -> None:
    if value < low:
        raise ScenarioError(f"{option}: {value} is not allowed; allowed: a whole number of at least {low}")


def run_experiment(experiment, out: Path, args, headline: str, desc: str):
    """Run an experiment on the engine the command line chose, into `out`; print the headline before the first run
    and where the results go. Returns the batch report, or an exit code (130 interrupted, 1 runs failed)."""
    from lockdown_sim.experiments.batch import execute
    from lockdown_sim.experiments.engines import EngineChoice

    choice = EngineChoice(args.engine, args.workers, args.scheduler)

    def before(opened):
        left = len(opened[0].left)
        reused = len(opened[0].runs) - left
        print(headline)
        print(f"  {count(len(opened[0].runs), 'run')} into {out}" + (f" ({reused:,} already there, reused)" if reused else ""),
              flush=True)

    progress = False if args.no_progress else None
    try:
        [report] = execute([(experiment, out)], choice, progress=progress, desc=desc, before=before)
    except KeyboardInterrupt:
        print(f"lockdown-sim: interrupted; finished runs are kept in {out}: run the same command again to complete "
              "them", file=sys.stderr)
        return 130
    if report.failed or report.left:
        print("\n".join(report.lines()), file=sys.stderr)
        return 1
    return report


def cmd_compare(args) -> int:
    from lockdown_sim.analysis.compare import compare_report, difference_rows
    from lockdown_sim.analysis.results import load_outcomes
    from lockdown_sim.experiments.compare import compare_experiment
    from lockdown_sim.experiments.files import atomic_write, check_writable, write_table
    from lockdown_sim.sim.model import check_params

    check_count("--seeds", args.seeds, 1)
    params = model_params(args)
    cfg = check_params(**params)
    posterior = None
    if args.beside and not args.posterior:
        raise ScenarioError("--beside: only with --posterior (it sets seed-only intervals beside posterior ones)")
    if args.beside and not (Path(args.beside) / "compare.csv").is_file():
        raise ScenarioError(f"--beside: '{args.beside}' holds no finished comparison (compare.csv); allowed: the --out "
                            "of lockdown-sim compare without --posterior")
    if args.posterior:
        from lockdown_sim.experiments.posterior import load_posterior_draws, posterior_experiment

        posterior = load_posterior_draws(args.posterior)
        experiment = posterior_experiment("compare", f"platform vs group buying vs hybrid, {args.seeds} paired seeds "
                                          f"and posterior draws of {args.posterior}", params, args.seeds, posterior,
                                          master_seed=args.master_seed)
    else:
        experiment = compare_experiment(params, args.seeds, args.master_seed)
    out = results_dir(args.out, "compare")
    check_writable(out)  # before any run
    note_small_city(cfg, params.get("households"))
    n = params.get("households") or cfg.meta.default_households
    days = params.get("days") or cfg.horizon
    headline = (f"{cfg.name}: {count(n, 'household')}, {count(days, 'day')}, platform / group buying / hybrid on "
                f"{count(args.seeds, 'paired seed')} (master seed {experiment.master_seed}); "
                f"{period_text(params.get('lockdown', True), cfg.timeline.reopen_day, days)}")
    if posterior is not None:
        headline += f"\n  {posterior.note}"
    report = run_experiment(experiment, out, args, headline, "compare")
    if isinstance(report, int):
        return report
    runs = load_outcomes(out)
    text = compare_report(runs)
    if posterior is not None:
        text = f"Over the posterior: {posterior.note}.\n" + text
    print(text)
    write_table(out / "compare.csv", runs)
    write_table(out / "compare_differences.csv", difference_rows(runs))
    atomic_write(out / "compare.txt", lambda p: Path(p).write_text(headline + "\n" + text + "\n"))
    if args.beside:
        from lockdown_sim.analysis.posterior import beside_markdown

        seed_only = load_outcomes(args.beside)
        if sorted(set(seed_only["seed"])) != sorted(set(runs["seed"])):
            print(f"lockdown-sim: note: {args.beside} ran other cities (seeds) than this comparison", file=sys.stderr)
        table = beside_markdown(seed_only, runs, posterior.quick)
        print("\nSeed-only intervals (" + str(args.beside) + ") beside posterior-and-seed intervals (this comparison):")
        print(table)
        atomic_write(out / "compare_beside.md", lambda p: Path(p).write_text(table + "\n"))
    print(f"wrote {out}: compare.csv, compare_differences.csv, compare.txt and the runs (lockdown-sim results {out})")
    return 0


def cmd_calibration(args) -> int:
    from lockdown_sim.analysis.calibration import calibration_markdown, calibration_table, format_calibration, store_values
    from lockdown_sim.experiments.calibration import calibration_experiment
    from lockdown_sim.experiments.files import atomic_write, check_out_path, check_writable

    check_count("--seeds", args.seeds, 2)
    params = {"scenario_file": args.scenario}
    if args.households is not None:
        params["households"] = args.households
    experiment = calibration_experiment(params, args.seeds, args.master_seed)
    out = results_dir(args.out, "calibration")
    check_writable(out)  # before any run
    docs = None
    if args.docs is not None:
        docs = check_out_path(args.docs, "--docs")
        check_writable(docs, "--docs")
    n = experiment.households or experiment_households(experiment)
    header = (f"`lockdown-sim calibration --scenario {args.scenario} --seeds {args.seeds}"
              f"{f' --households {args.households}' if args.households else ''}`: hybrid mode (both channels, as "
              f"happened), {n:,} households, {count(args.seeds, 'seed')} of the one seed scheme (master seed "
              f"{experiment.master_seed}); counts in the real city's units (divided by the run's scale).")
    report = run_experiment(experiment, out, args, header, "calibration")
    if isinstance(report, int):
        return report
    table = calibration_table(store_values(out))
    print(format_calibration(table))
    written = []
    for folder in [out] + ([docs] if docs is not None else []):
        atomic_write(folder / "calibration.csv", lambda p: table.drop(columns=["mean", "low", "high"]).assign(
            model_mean=table["mean"], model_low=table["low"], model_high=table["high"]).to_csv(p, index=False))
        atomic_write(folder / "calibration.md", lambda p: Path(p).write_text(calibration_markdown(table, header) + "\n"))
        written.append(str(folder))
    print(f"wrote calibration.md and calibration.csv in {' and '.join(written)}; the runs in {out}")
    return 0


def experiment_households(experiment) -> int:
    from lockdown_sim.sim.scenario import load_scenario

    return load_scenario(experiment.scenario_ref).meta.default_households

