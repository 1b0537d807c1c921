"""The `lockdown-sim` command: run one scenario, compare ordering modes, run experiment batches, load their
results, reproduce the study's argument claim by claim, list scenarios, experiments, settings and metrics, and
serve the interactive page.

Bad input (unknown scenario, setting or value) prints one line naming the field and what is allowed, and exits
with code 2 before any work is done.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from lockdown_sim import sim
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.scenario import builtin_names, load_scenario, parse_value
from lockdown_sim.sim.wording import count


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's own code for usage errors)
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")


LINE_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}  # as str.splitlines


def one_line(message: str) -> str:
    """An error message on one line, whatever line breaks the user's own text brought into it (shown escaped)."""
    return message.translate(LINE_BREAKS)


def _seed(text: str) -> int:
    """A --rng value: a seed for numpy's SeedSequence, which takes whole numbers from 0 up."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not allowed; allowed: a whole number of at least 0")
    return value


def _overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"--set: {pair!r} is not allowed; allowed: section.key=value, e.g. stock.initial_days=3")
        out[key.strip()] = parse_value(value.strip())
    return out


def _model_params(args) -> dict:
    params = {"scenario_file": args.scenario}
    if getattr(args, "ordering", None):
        params["ordering"] = args.ordering
    for name in ("households", "days", "courier_availability", "elderly_share"):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = value
    if args.no_lockdown:
        params["lockdown"] = False
    overrides = _overrides(args.set)
    if overrides:
        params["overrides"] = overrides
    return params


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scenario", default="shanghai-2022", help="built-in name or path to a scenario .toml (default: shanghai-2022)")
    p.add_argument("--households", type=int, help="households in the run (default: the scenario's)")
    p.add_argument("--days", type=int, help="days to run (default: the scenario's horizon)")
    p.add_argument("--courier-availability", type=float, dest="courier_availability",
                   help="multiplier on the scenario's riders at work (default 1.0)")
    p.add_argument("--elderly-share", type=float, dest="elderly_share", help="share of households with a member aged 60+")
    p.add_argument("--no-lockdown", action="store_true", help="the same city without restrictions (counterfactual)")
    p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="change any scenario setting, e.g. --set mechanisms.gateway=false (repeatable)")


def _sampled_common(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("--quick", action="store_true", help="a small fast version (toy city, 1,000 households, few points, "
                                                        "one seed) for tests and a first look")
    p.add_argument("--out", metavar="DIR", help=f"results directory (default results/{name}, or results/{name}-quick); "
                                                "running again on the same DIR skips finished runs")
    p.add_argument("--report", metavar="DIR", help="also write the \"What drives the results\" section into "
                                                   "DIR/sensitivity/ (a reproduction report's folder)")
    p.add_argument("--scenario", help="built-in name or path (default shanghai-2022; --quick: toy)")
    p.add_argument("--households", type=int, help="households per run (default: the scenario's; --quick 1000)")
    p.add_argument("--days", type=int, help="days per run (default: the scenario's horizon)")
    p.add_argument("--seeds", type=int, help="replicate seeds per point, common to the three modes (default 3 for "
                                             "sensitivity, 2 for discover; --quick 1)")
    p.add_argument("--workers", type=int, help="processes (local) or LocalCluster workers (dask); default: CPU count")
    p.add_argument("--engine", default="local", help="local (a process pool, default) | dask (Dask distributed)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: an existing cluster's scheduler")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lockdown-sim", description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument("--version", action="version", version=f"%(prog)s {sim.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario and write its daily metrics (Parquet and CSV)")
    _common(run)
    run.add_argument("--ordering", default="hybrid", help="platform | group_buying | hybrid (default: hybrid)")
    run.add_argument("--rng", type=_seed, default=1, help="seed, a whole number of at least 0 (default 1)")
    run.add_argument("--out", required=True, help="directory for daily.parquet, daily.csv and run.json")
    run.add_argument("--overwrite", action="store_true", help="replace a run already in --out")

    cmp_ = sub.add_parser("compare", help="platform vs group buying vs hybrid on the same city and seeds (headline)")
    _common(cmp_)
    cmp_.add_argument("--rng", type=_seed, default=1, help="first seed, a whole number of at least 0 (default 1)")
    cmp_.add_argument("--seeds", type=int, default=30,
                      help="seeds per mode, the same in every mode: rng, rng+1, ... (default 30: intervals narrow "
                           "enough to rank the modes where they differ)")
    cmp_.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: CPU count)")
    cmp_.add_argument("--out", help="also write compare.csv (one row per run), compare_differences.csv (paired "
                                    "differences) and compare.txt here")
    cmp_.add_argument("--overwrite", action="store_true", help="replace a comparison already in --out")

    cal = sub.add_parser("calibration", help="the model against the record: each pattern, its source, the model's value "
                                            "with a 95 %% interval over seeds, in range or not")
    cal.add_argument("--scenario", default="shanghai-2022", help="built-in name or path (default: shanghai-2022)")
    cal.add_argument("--households", type=int, help="households in each run (default: the scenario's)")
    cal.add_argument("--seeds", type=int, default=30, help="seeds (default 30)")
    cal.add_argument("--rng", type=_seed, default=1, help="first seed, a whole number of at least 0 (default 1)")
    cal.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes (default: CPU count)")
    cal.add_argument("--out", metavar="DIR", help="write calibration.md and calibration.csv here (e.g. docs)")

    batch = sub.add_parser("batch", help="run an experiment file (replicates, sweeps) into a resumable results directory")
    batch.add_argument("experiment", metavar="EXPERIMENT",
                       help="experiment .toml file, or the name of a built-in one (lockdown-sim experiments)")
    batch.add_argument("--out", required=True, metavar="DIR",
                       help="results directory; running again on the same DIR skips finished runs")
    batch.add_argument("--households", type=int,
                       help="households in every run instead of the experiment's (recorded in the manifest)")
    batch.add_argument("--replicates", type=int,
                       help="replicates instead of the experiment's: try it small, or grow a finished batch "
                            "(recorded in the manifest)")
    batch.add_argument("--workers", type=int, help="processes (local) or LocalCluster workers (dask); default: CPU count")
    batch.add_argument("--engine", default="local", help="local (a process pool, default) | dask (Dask distributed)")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="with --engine dask: an existing cluster's scheduler, e.g. tcp://10.0.0.5:8786 "
                            "(default: start a LocalCluster)")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")

    results = sub.add_parser("results", help="load a batch's results: a summary, and optionally one file of all runs")
    results.add_argument("dir", metavar="DIR", help="results directory written by lockdown-sim batch")
    results.add_argument("--out", metavar="FILE", help="write every run's daily rows to FILE (.parquet or .csv)")
    results.add_argument("--outcomes", action="store_true",
                         help="with --out: write one row of end-of-run outcomes per run instead of the daily rows")
    results.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")

    rep = sub.add_parser("reproduce", help="reproduce the study's argument claim by claim: effects with intervals, "
                                           "verdicts, ablations, null models, robustness; a report (Markdown, HTML)")
    rep.add_argument("--out", required=True, metavar="DIR",
                     help="directory for the report and its runs; running again on the same DIR reuses finished runs")
    rep.add_argument("--quick", action="store_true",
                     help="10 seeds per arm, 16 x 2 hypercube points (minutes on two cores; verdicts provisional)")
    rep.add_argument("--scenario", default="shanghai-2022", help="built-in name or path (default: shanghai-2022)")
    rep.add_argument("--households", type=int, help="households per run (default: the scenario's)")
    rep.add_argument("--seeds", type=int, help="paired seeds per arm (default 30; --quick 10)")
    rep.add_argument("--points", type=int, help="Latin hypercube points over the plausible ranges (default 64; --quick 16)")
    rep.add_argument("--point-seeds", type=int, dest="point_seeds", help="paired seeds per point (default 4; --quick 2)")
    rep.add_argument("--days", type=int, help=argparse.SUPPRESS)  # shorter runs, for tests
    rep.add_argument("--workers", type=int, help="processes (local) or LocalCluster workers (dask); default: CPU count")
    rep.add_argument("--engine", default="local", help="local (a process pool, default) | dask (Dask distributed)")
    rep.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: an existing cluster's scheduler")
    rep.add_argument("--no-progress", action="store_true", help="no progress bar")

    sens = sub.add_parser("sensitivity", help="global sensitivity analysis over the [plausible] assumptions (Morris, "
                                              "Sobol; SALib); needs the [analysis] extra")
    sens.add_argument("--method", required=True, help="morris (screening over every [plausible] factor) | sobol "
                                                      "(first- and total-order indices over the most influential)")
    _sampled_common(sens, "sensitivity")
    sens.add_argument("--trajectories", type=int, help="Morris trajectories (default 20; --quick 2)")
    sens.add_argument("--samples", type=int, help="Sobol base sample N, a power of 2 (default 256; --quick 8)")
    sens.add_argument("--top", type=int, help="Sobol: factors taken from the Morris result in --out (default 6; --quick 3)")
    sens.add_argument("--params", metavar="A,B,...", help="Sobol: these factors (section.key) instead of the Morris ranking")

    disc = sub.add_parser("discover", help="scenario discovery with PRIM (EMA Workbench) over a Latin hypercube of the "
                                           "[plausible] assumptions; needs the [analysis] extra")
    _sampled_common(disc, "discover")
    disc.add_argument("--points", type=int, help="Latin hypercube points (default 1000; --quick 40)")
    disc.add_argument("--elderly-threshold", type=float, default=0.5, dest="elderly_threshold",
                      help="X of the question \"more than X of older residents left unserved 3+ days\" (default 0.5)")

    sub.add_parser("experiments", help="list the built-in experiment files")
    sub.add_parser("scenarios", help="list the built-in scenarios")
    params = sub.add_parser("params", help="list a scenario's settings with their values, plausible bounds and meaning")
    params.add_argument("--scenario", default="shanghai-2022")
    sub.add_parser("metrics", help="list the daily metrics and the end-of-run outcomes, with their definitions")
    viz = sub.add_parser("viz", help="serve the interactive page (Mesa SolaraViz) on 127.0.0.1; needs the [viz] extra")
    viz.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    return parser


def cmd_run(args) -> int:
    from lockdown_sim.analysis.summary import outcome_labels, summarise, summary_lines
    from lockdown_sim.sim.model import check_params
    from lockdown_sim.sim.runner import daily_table, prepare_out_dir, run_info, run_model, write_run

    params = _model_params(args)
    cfg = check_params(**params)  # validates everything before the real run, without building a (possibly full) city
    out = prepare_out_dir(args.out, args.overwrite)
    _note_small_city(cfg, params.get("households"))
    model = run_model(params, rng=args.rng, label=f"{model_label(params)}")
    table = daily_table(model)
    reopen_day = model.cfg.timeline.reopen_day
    summary = summarise(table, model.population.n, reopen_day)
    write_run(out, table, run_info(model, params, args.rng), summary)
    print(f"{model.cfg.name}: {params.get('ordering', 'hybrid')}, {count(model.population.n, 'household')} in "
          f"{count(model.population.n_compounds, 'compound')}, {count(model.horizon, 'day')}, seed {args.rng}")
    if model.horizon < reopen_day and params.get("lockdown", True):
        print(f"the run ends on day {model.horizon - 1}, before reopening on day {reopen_day}: outcomes over days "
              f"0-{model.horizon - 1}, none at reopening")
    print("\n".join(summary_lines(summary, outcome_labels(reopen_day, model.horizon, params.get("lockdown", True)))))
    print(f"wrote {out / 'daily.parquet'}, daily.csv and run.json")
    return 0


def _note_small_city(cfg, households: int | None) -> None:
    """Say so when a city is smaller than the scenario's smallest compound: it is then one compound of that size."""
    n = cfg.meta.default_households if households is None else households
    smallest = cfg.city.compound_min_households
    if n < smallest:
        print(f"lockdown-sim: note: {count(n, 'household')} is fewer than the smallest compound of {cfg.name} "
              f"({count(smallest, 'household')}): the city is one compound of {count(n, 'household')}",
              file=sys.stderr)


def model_label(params: dict) -> str:
    return f"{params.get('scenario_file')} {params.get('ordering', 'hybrid')}"


def cmd_compare(args) -> int:
    from lockdown_sim.analysis.compare import compare_report, difference_rows
    from lockdown_sim.experiments.compare import run_compare
    from lockdown_sim.sim.model import LockdownSupplyModel, check_params
    from lockdown_sim.sim.runner import atomic_write, prepare_out_dir

    if args.seeds < 1:
        raise ScenarioError(f"--seeds: {args.seeds} is not allowed; allowed: a whole number of at least 1")
    if args.workers < 1:
        raise ScenarioError(f"--workers: {args.workers} is not allowed; allowed: a whole number of at least 1")
    params = _model_params(args)
    check_params(**params)
    out = (prepare_out_dir(args.out, args.overwrite, COMPARE_FILES, "a comparison") if args.out is not None
           else None)  # before any run
    probe = LockdownSupplyModel(**dict(params, days=1), rng=args.rng)  # validates before any run
    _note_small_city(probe.cfg, params.get("households"))
    seeds = list(range(args.rng, args.rng + args.seeds))
    runs = run_compare(params, seeds, workers=min(args.workers, 3 * len(seeds)), progress=sys.stderr.isatty())
    text = compare_report(runs)
    n = probe.population.n
    reopen_day = probe.cfg.timeline.reopen_day
    period = (f"lockdown until day {reopen_day}; outcomes over the lockdown" if params.get("lockdown", True)
              else f"no lockdown; outcomes over days 0-{reopen_day - 1}, the days the lockdown would have lasted")
    print(f"{probe.cfg.name}: {count(n, 'household')}, {count(probe.population.n_compounds, 'compound')}, "
          f"{count(params.get('days', probe.cfg.horizon), 'day')} ({period}), seeds {seeds[0]}..{seeds[-1]}")
    print(text)
    if out is not None:
        atomic_write(out / "compare.csv", lambda p: runs.to_csv(p, index=False))
        atomic_write(out / "compare_differences.csv", lambda p: difference_rows(runs).to_csv(p, index=False))
        atomic_write(out / "compare.txt", lambda p: Path(p).write_text(text + "\n"))
        print(f"wrote {out / 'compare.csv'}, compare_differences.csv and compare.txt")
    return 0


def cmd_calibration(args) -> int:
    from lockdown_sim.analysis.calibration import calibration_markdown, calibration_table, format_calibration
    from lockdown_sim.experiments.calibration import run_calibration
    from lockdown_sim.sim.model import check_params
    from lockdown_sim.sim.runner import atomic_write

    if args.seeds < 2:
        raise ScenarioError(f"--seeds: {args.seeds} is not allowed; allowed: a whole number of at least 2")
    if args.workers < 1:
        raise ScenarioError(f"--workers: {args.workers} is not allowed; allowed: a whole number of at least 1")
    params = {"scenario_file": args.scenario}
    if args.households is not None:
        params["households"] = args.households
    cfg = check_params(**params)
    out = None
    if args.out is not None:
        from lockdown_sim.sim.runner import check_out_path, check_writable

        out = check_out_path(args.out)
        check_writable(out)  # before any run
    seeds = list(range(args.rng, args.rng + args.seeds))
    values = run_calibration(params, seeds, workers=min(args.workers, len(seeds)))
    table = calibration_table(values)
    n = args.households or cfg.meta.default_households
    header = (f"`lockdown-sim calibration --scenario {args.scenario} --seeds {args.seeds}"
              f"{f' --households {args.households}' if args.households else ''}`: {cfg.name}, hybrid mode (both "
              f"channels, as happened), {n:,} households, seeds {seeds[0]}..{seeds[-1]}; counts in the real city's "
              f"units (divided by the run's scale).")
    print(header)
    print(format_calibration(table))
    if out is not None:
        atomic_write(out / "calibration.csv", lambda p: table.drop(columns=["mean", "low", "high"]).assign(
            model_mean=table["mean"], model_low=table["low"], model_high=table["high"]).to_csv(p, index=False))
        atomic_write(out / "calibration.md", lambda p: Path(p).write_text(calibration_markdown(table, header) + "\n"))
        print(f"wrote {out / 'calibration.md'} and calibration.csv")
    return 0


COMPARE_FILES = ("compare.csv", "compare_differences.csv", "compare.txt")


def cmd_batch(args) -> int:
    from lockdown_sim.analysis.results import load_outcomes, outcome_table
    from lockdown_sim.analysis.compare import format_table
    from lockdown_sim.experiments.batch import open_results, run_batch
    from lockdown_sim.experiments.design import load_experiment
    from lockdown_sim.experiments.engines import LocalEngine, check_engine_args, make_engine
    from lockdown_sim.sim.results_store import ResultsStore
    from lockdown_sim.sim.runner import check_out_path
    from lockdown_sim.sim.scenario import load_scenario

    experiment = load_experiment(args.experiment).with_overrides(args.households, args.replicates)
    check_engine_args(args.engine, args.workers, args.scheduler)
    check_out_path(args.out)
    with ResultsStore(args.out).writing():  # refuse a directory another batch is writing, before any work
        store, runs = open_results(experiment, args.out)  # refuse another experiment's DIR before starting any engine
        _note_small_city(load_scenario(experiment.scenario_ref), experiment.households)
        nothing_left = store.finished_ids() >= {r.run_id for r in runs}
        try:
            with (LocalEngine(1) if nothing_left else make_engine(args.engine, args.workers, args.scheduler)) as engine:
                report = run_batch(experiment, args.out, engine, progress=False if args.no_progress else None)
        except KeyboardInterrupt:
            print(f"lockdown-sim: interrupted; finished runs are kept in {args.out}: run the same command again to "
                  "complete the batch", file=sys.stderr)
            return 130
    print("\n".join(report.lines()))
    table = outcome_table(load_outcomes(args.out)) if report.before + report.done else None
    if table is not None and len(table) <= SUMMARY_ROWS:
        print("\nmean ± sd over replicates, outcomes over the lockdown:")
        print(format_table(table))
    print(f"\nload them: lockdown-sim results {args.out}   (Python: analysis.results.load_results({str(args.out)!r}))")
    return 1 if report.failed else 0


ANALYSIS_EXTRA = "pip install 'lockdown-supply-sim[analysis]'"


def _require(command: str, module: str, what: str) -> None:
    """One line and exit code 2 when an optional dependency of `command` is missing."""
    import importlib
    import warnings

    try:
        with warnings.catch_warnings():  # the Workbench warns about optional parallel back ends on import
            warnings.simplefilter("ignore")
            importlib.import_module(module)
    except ImportError:
        raise ScenarioError(f"{command}: needs {what}, which is not installed; allowed: install the analysis extra: "
                            f"{ANALYSIS_EXTRA}") from None


def _sampled_options(args, quick: dict, full: dict, names: tuple) -> dict:
    """The options of a sampled command: what the user gave, else the --quick or full default."""
    preset = quick if args.quick else full
    out = {}
    for name in ("scenario", "households", "days", "seeds") + names:
        value = getattr(args, name, None)
        if value is not None:
            out[name] = value
        elif name in preset:
            out[name] = preset[name]
    return out


def cmd_sensitivity(args) -> int:
    _require("sensitivity", "SALib", "SALib")
    from lockdown_sim.experiments.engines import check_engine_args
    from lockdown_sim.experiments.sensitivity import FULL, QUICK, Options, run_sensitivity

    values = _sampled_options(args, QUICK, FULL, ("trajectories", "samples", "top"))
    if args.params:
        values["params"] = tuple(p.strip() for p in args.params.split(",") if p.strip())
    check_engine_args(args.engine, args.workers, args.scheduler)
    out = args.out or ("results/sensitivity-quick" if args.quick else "results/sensitivity")
    return run_sensitivity(args.method, Options(**values), out, (args.engine, args.workers, args.scheduler),
                           report=args.report, progress=False if args.no_progress else None,
                           command=_command_line(args))


def cmd_discover(args) -> int:
    _require("discover", "ema_workbench", "the EMA Workbench (ema-workbench)")
    from lockdown_sim.experiments.discovery import FULL, QUICK, Options, run_discovery
    from lockdown_sim.experiments.engines import check_engine_args

    if not 0 <= args.elderly_threshold < 1:
        raise ScenarioError(f"--elderly-threshold: {args.elderly_threshold} is not allowed; allowed: a share from 0 "
                            "to below 1")
    check_engine_args(args.engine, args.workers, args.scheduler)
    out = args.out or ("results/discover-quick" if args.quick else "results/discover")
    return run_discovery(Options(**_sampled_options(args, QUICK, FULL, ("points",))), out,
                         (args.engine, args.workers, args.scheduler), elderly_threshold=args.elderly_threshold,
                         report=args.report, progress=False if args.no_progress else None,
                         command=_command_line(args))


def _command_line(args) -> str:
    """The command as typed (for the report), or its name when called from Python."""
    if sys.argv and Path(sys.argv[0]).name == "lockdown-sim":
        return "lockdown-sim " + " ".join(sys.argv[1:])
    return f"lockdown-sim {args.command} ..."


RESULT_FORMATS = (".parquet", ".csv")
SUMMARY_ROWS = 40  # a batch's closing table is shown up to this many point x mode rows (results shows them all)


def cmd_results(args) -> int:
    from lockdown_sim.analysis.results import load_outcomes, load_results, summary_text
    from lockdown_sim.sim.results_store import ResultsStore
    from lockdown_sim.sim.runner import atomic_write, check_out_path, check_writable

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
    print(summary_text(args.dir))
    if out is not None:
        frame = load_outcomes(args.dir) if args.outcomes else load_results(args.dir)
        if out.suffix == ".parquet":
            atomic_write(out, lambda p: frame.to_parquet(p, index=False))
        else:
            atomic_write(out, lambda p: frame.to_csv(p, index=False))
        what = "runs (outcomes)" if args.outcomes else "rows (run x day)"
        print(f"\nwrote {out}: {len(frame):,} {what} x {count(len(frame.columns), 'column')}")
    return 0


def cmd_reproduce(args) -> int:
    from lockdown_sim.experiments.engines import check_engine_args, make_engine
    from lockdown_sim.experiments.reproduce import profile_for, reproduce

    check_engine_args(args.engine, args.workers, args.scheduler)
    profile = profile_for(args.quick, args.scenario, args.households, args.seeds, args.points, args.point_seeds,
                          args.days)
    try:
        manifest = reproduce(args.out, profile, lambda: make_engine(args.engine, args.workers, args.scheduler),
                             progress=False if args.no_progress else None)
    except KeyboardInterrupt:
        print(f"lockdown-sim: interrupted; finished runs are kept in {args.out}: run the same command again to "
              "complete the reproduction", file=sys.stderr)
        return 130
    run = manifest["run"]
    print(f"{profile.name} reproduction of the argument ({profile.scenario}): {run['runs']:,} runs, "
          f"{run['done_now']:,} run now, {run['done_before']:,} reused, {len(run['failed']):,} failed; "
          f"{run['seconds'] / 60:.1f} min")
    if manifest["reduced"]:
        print("  provisional: fewer than 30 paired seeds per arm or 64 hypercube points")
    for v in manifest["verdicts"]:
        print(f"  {v['verdict']:<13} {v['effect']}")
    print(f"wrote {Path(args.out) / 'report.html'}, report.md, numbers.csv, figures/ and manifest.json")
    return 1 if run["failed"] else 0


def cmd_experiments(args) -> int:
    from lockdown_sim.experiments.design import builtin_experiments, load_experiment

    names = builtin_experiments()
    width = max(len(name) for name in names)
    for name in names:
        exp = load_experiment(name)
        print(f"{name:{width}s}  {exp.count():>5,} runs  {exp.description}")
    return 0


def cmd_scenarios(args) -> int:
    names = builtin_names()
    width = max(len(name) for name in names)
    for name in names:
        cfg = load_scenario(name)
        print(f"{name:{width}s}  {cfg.meta.description} ({count(cfg.meta.default_households, 'household')} by default)")
    return 0


def cmd_params(args) -> int:
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
    from lockdown_sim.analysis.summary import OUTCOMES
    from lockdown_sim.sim.metrics import DEFINITIONS

    print("Daily metrics (one row a day: daily.parquet, daily.csv, a batch's runs/*.parquet)\n")
    for name, text in DEFINITIONS.items():
        print(f"{name}\n    {text}")
    print("\nEnd-of-run outcomes, over the lockdown (run and compare tables, compare.csv, run.json's summary, "
          "results --outcomes)\n")
    for name, (label, text, _) in OUTCOMES.items():
        print(f"{name}  ({label})\n    {text}")
    return 0


COMMANDS = {"run": cmd_run, "compare": cmd_compare, "calibration": cmd_calibration, "batch": cmd_batch,
            "results": cmd_results, "reproduce": cmd_reproduce,
            "experiments": cmd_experiments, "scenarios": cmd_scenarios, "params": cmd_params, "metrics": cmd_metrics,
            "sensitivity": cmd_sensitivity, "discover": cmd_discover}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(f"lockdown-sim: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lockdown-sim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def cmd_viz(args) -> int:
    from lockdown_sim.page.server import serve

    return serve(args.port)


COMMANDS["viz"] = cmd_viz


if __name__ == "__main__":
    sys.exit(main())
