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
    from lockdown_sim.experiments.files import prepare_out_dir
    from lockdown_sim.experiments.seeds import MASTER_SEED, run_seed
    from lockdown_sim.sim.keywords import check_params

    params = model_params(args)
    cfg = check_params(**params)  # validates everything before the real run, without building a (possibly full) city
    out = prepare_out_dir(args.out, args.overwrite)
    note_city_size(cfg, params.get("households"))
    seed = run_seed(MASTER_SEED, 0) if args.rng is None else args.rng

    from lockdown_sim.console.tables import outcome_lines
    from lockdown_sim.experiments.run import run_and_measure, write_run_files
    from lockdown_sim.sim.outcomes import shown

    ordering = params.get("ordering", "hybrid")
    run = run_and_measure(params, seed, progress=False if getattr(args, "no_progress", False) else None,
                          label=f"{params['scenario_file']} {ordering}")
    record = run.record
    write_run_files(out, run)
    reopen_day, days = record["reopen_day"], record["days"]
    print(f"{record['scenario']}: {ordering}, {count(record['households'], 'household')} in "
          f"{count(record['compounds'], 'compound')}, {count(days, 'day')}, seed {seed}")
    print(period_text(params.get("lockdown", True), reopen_day, days))
    names = shown(days, reopen_day) if params.get("lockdown", True) else shown(min(days, reopen_day - 1), reopen_day)
    print("\n".join(outcome_lines(run.outcomes, names)))
    print(f"wrote {out / 'daily.parquet'}, daily.csv (one row a day; counts of the simulated city, see run.json) "
          "and run.json")
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


def note_city_size(cfg, households: int | None) -> str | None:
    """Say so when a city is too small: below the converged size its outcomes are not converged (a warning naming
    the benchmark's drift there: analysis/convergence.py), and below the scenario's smallest compound it is one
    compound of that size. Returns the warning (for the files a command writes), or None."""
    from lockdown_sim.analysis.convergence import size_warning

    n = cfg.meta.default_households if households is None else households
    smallest = cfg.city.compound_min_households
    if n < smallest:
        print(f"lockdown-sim: note: {count(n, 'household')} is fewer than the smallest compound of {cfg.name} "
              f"({count(smallest, 'household')}): the city is one compound of {count(n, 'household')}",
              file=sys.stderr)
    warning = size_warning(n)
    if warning:
        print(f"lockdown-sim: warning: {warning}", file=sys.stderr, flush=True)
    return warning


def results_dir(given: str | None, command: str) -> Path:
    """The results directory of a command: the one given (checked), else a new folder results/<command>-DATE-TIME."""
    from lockdown_sim.experiments.files import check_out_path

    if given is not None:
        return check_out_path(given)
    return Path("results") / f"{command}-{time.strftime('%Y%m%d-%H%M%S')}"


def check_count(option: str, value: int, low: int) -> None:
    if value < low:
        raise ScenarioError(f"{option}: {value} is not allowed; allowed: a whole number of at least {low}")


def run_experiment(experiment, out: Path, args, headline: str, desc: str, cfg=None, households: int | None = None):
    """Run an experiment on the engine the command line chose, into `out`. Once the directory is open (a refused
    one has printed nothing but its error) and before the first run: print the headline, the city's size check
    (note_city_size, when `cfg` is given) and where the results go. Returns (the batch report, or an exit code:
    130 interrupted, 1 runs failed) and the size warnings given (for the files the command writes)."""
    from lockdown_sim.experiments.batch import execute
    from lockdown_sim.experiments.engines import EngineChoice

    choice = EngineChoice(args.engine, args.workers, args.scheduler)
    notes = []

    def before(opened):
        left = len(opened[0].left)
        reused = len(opened[0].runs) - left
        print(headline, flush=True)
        warning = note_city_size(cfg, households) if cfg is not None else None
        if warning:
            notes.append(warning)
        print(f"  {count(len(opened[0].runs), 'run')} into {out}/" + (f" ({reused:,} already there, reused)" if reused else ""),
              flush=True)

    progress = False if args.no_progress else None
    try:
        [report] = execute([(experiment, out)], choice, progress=progress, desc=desc, before=before)
    except KeyboardInterrupt:
        print(f"lockdown-sim: interrupted; finished runs are kept in {out}: run the same command again to complete "
              "them", file=sys.stderr)
        return 130, notes
    if report.failed or report.left:
        print("\n".join(report.lines()), file=sys.stderr)
        return 1, notes
    return report, notes


COMPARE_FILES = (
    ("compare.md", "this page: the tables below with their units, and how the intervals are computed"),
    ("compare.txt", "the tables as the command printed them"),
    ("compare_table.csv", "each mode's mean, 95 % interval, sd and seeds per outcome, with its unit (one row per "
                          "outcome and mode): `pd.read_csv(DIR / 'compare_table.csv')`"),
    ("compare_differences.csv", "each pair of modes' paired difference per outcome: mean, interval, paired t test, "
                                "verdict, unit"),
    ("compare.csv", "one row per run: its identity (run_id, ordering, replicate, seed, households, scale) and every "
                    "outcome (units: compare_table.csv or `lockdown-sim metrics`; shares, ratios and rates per 1,000 "
                    "households, the same at any scale)"),
    ("runs/<run_id>.parquet", "each run's record: one row a day (identity, day, date, the daily metrics, counts of "
                              "the simulated city), its outcomes and parameters in the file's metadata: "
                              "`lockdown_sim.analysis.results.load_results(DIR)`"),
    ("manifest.json", "the experiment, every run and its seed, the scenario's values and the software"),
)
BESIDE_FILES = (  # compare --posterior DIR --beside SEED_ONLY_DIR
    ("compare_beside.md", "the headline outcomes' seed-only intervals (--beside) beside this comparison's "
                          "posterior-and-seed ones"),
    ("compare_beside.csv", "the same as data: per outcome and mode, then per pair of modes, the unit and each side's "
                           "mean, 95 % interval and seeds"),
)


def cmd_compare(args) -> int:
    from lockdown_sim.experiments.compare import compare_experiment
    from lockdown_sim.experiments.files import check_writable
    from lockdown_sim.sim.keywords import check_params

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
    n = params.get("households") or cfg.meta.default_households
    days = params.get("days") or cfg.horizon
    headline = (f"{cfg.name}: {count(n, 'household')}, {count(days, 'day')}, platform / group buying / hybrid on "
                f"{count(args.seeds, 'paired seed')} (master seed {experiment.master_seed}); "
                f"{period_text(params.get('lockdown', True), cfg.timeline.reopen_day, days)}")
    if posterior is not None:
        headline += f"\n  {posterior.note}"

    from lockdown_sim.analysis.compare import compare_markdown, compare_report, difference_rows, mode_estimates
    from lockdown_sim.analysis.results import load_outcomes
    from lockdown_sim.experiments.files import atomic_write, write_table

    report, notes = run_experiment(experiment, out, args, headline, "compare", cfg, params.get("households"))
    if isinstance(report, int):
        return report
    runs = load_outcomes(out)
    text = compare_report(runs)
    if posterior is not None:
        text = f"Over the posterior: {posterior.note}.\n" + text
    print(text)
    write_table(out / "compare.csv", runs)
    write_table(out / "compare_table.csv", mode_estimates(runs))
    write_table(out / "compare_differences.csv", difference_rows(runs))
    files = COMPARE_FILES
    if args.beside:
        from lockdown_sim.analysis.posterior import beside_markdown, beside_rows

        seed_only = load_outcomes(args.beside)
        if sorted(set(seed_only["seed"])) != sorted(set(runs["seed"])):
            print(f"lockdown-sim: note: {args.beside} ran other cities (seeds) than this comparison", file=sys.stderr)
        rows = beside_rows(seed_only, runs)
        table = beside_markdown(rows, posterior.quick)
        print("\nSeed-only intervals (" + str(args.beside) + ") beside posterior-and-seed intervals (this comparison):")
        print(table)
        write_table(out / "compare_beside.csv", rows)
        atomic_write(out / "compare_beside.md", lambda p: Path(p).write_text(table + "\n"))
        files = (*COMPARE_FILES[:5], *BESIDE_FILES, *COMPARE_FILES[5:])
    atomic_write(out / "compare.txt", lambda p: Path(p).write_text(
        "\n".join([headline, *(f"warning: {w}" for w in notes), text]) + "\n"))
    atomic_write(out / "compare.md", lambda p: Path(p).write_text(compare_markdown(runs, headline, notes, files)))
    beside = ", compare_beside.md and .csv (seed-only intervals beside these)" if args.beside else ""
    print(f"\nthe results are in {out}/: compare.md (the tables, with units), compare_table.csv, "
          f"compare_differences.csv, compare.csv (one row per run){beside} and runs/ (the daily records); in Python: "
          f"pandas.read_csv('{out / 'compare_table.csv'}')")
    return 0


def cmd_calibration(args) -> int:
    from lockdown_sim.experiments.calibration import calibration_experiment
    from lockdown_sim.experiments.files import atomic_write, check_out_path, check_writable
    from lockdown_sim.sim.scenario import load_scenario

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

    from lockdown_sim.analysis.calibration import calibration_markdown, calibration_table, format_calibration, store_values

    report, notes = run_experiment(experiment, out, args, header, "calibration", load_scenario(experiment.scenario_ref), n)
    if isinstance(report, int):
        return report
    header += "".join(f"\n\n**Warning:** {note}." for note in notes)
    table = calibration_table(store_values(out))
    print(format_calibration(table))
    written = []
    for folder in [out] + ([docs] if docs is not None else []):
        atomic_write(folder / "calibration.csv", lambda p: table.drop(columns=["mean", "low", "high"]).assign(
            model_mean=table["mean"], model_low=table["low"], model_high=table["high"],
            counts="real city").to_csv(p, index=False))
        atomic_write(folder / "calibration.md", lambda p: Path(p).write_text(calibration_markdown(table, header) + "\n"))
        written.append(str(folder))
    print(f"wrote calibration.md and calibration.csv in {' and '.join(written)}; the runs in {out}")
    return 0


def experiment_households(experiment) -> int:
    from lockdown_sim.sim.scenario import load_scenario

    return load_scenario(experiment.scenario_ref).meta.default_households

