"""`lockdown-sim sensitivity` and `discover`: which assumptions the outcomes depend on (Morris, Sobol) and where
group buying alone would serve the city better (PRIM). The experiments design the samples and run them
(experiments/sensitivity.py, discovery.py, sampling.py, batch.py); the analysis computes the indices and boxes and
writes the report's "What drives the results" section (analysis/sensitivity.py, discovery.py,
sensitivity_report.py); this module puts them together.

    from lockdown_sim.console.explore import run_sensitivity
    from lockdown_sim.experiments.sensitivity import QUICK, Options
    run_sensitivity("morris", Options(**QUICK), "results/sensitivity-quick", ("local", 2, None))
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from lockdown_sim.sim.errors import ScenarioError

ANALYSIS_EXTRA = "pip install 'lockdown-supply-sim[analysis]'"


def _require(command: str, module: str, what: str) -> None:
    """One line and exit code 2 when an optional dependency of `command` is missing (found without importing it,
    so that bad input answers at once)."""
    if not _installed(module):
        raise ScenarioError(f"{command}: needs {what}, which is not installed; allowed: install the analysis extra: "
                            f"{ANALYSIS_EXTRA}")


def _installed(module: str) -> bool:
    if module in sys.modules:  # imported already (or blocked: None)
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


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


def _command_line(args) -> str:
    """The command as typed (for the report), or its name when called from Python."""
    if sys.argv and Path(sys.argv[0]).name == "lockdown-sim":
        return "lockdown-sim " + " ".join(sys.argv[1:])
    return f"lockdown-sim {args.command} ..."


def cmd_sensitivity(args) -> int:
    _require("sensitivity", "SALib", "SALib")
    from lockdown_sim.experiments.engines import check_engine_args
    from lockdown_sim.experiments.sensitivity import FULL, QUICK, Options

    values = _sampled_options(args, QUICK, FULL, ("trajectories", "samples", "top"))
    if args.posterior:
        values["scenario"] = _posterior_scenario(args.posterior, args.scenario)
    if args.params:
        values["params"] = tuple(p.strip() for p in args.params.split(",") if p.strip())
    check_engine_args(args.engine, args.workers, args.scheduler)
    out = args.out or ("results/sensitivity-quick" if args.quick else "results/sensitivity")
    return run_sensitivity(args.method, Options(**values), out, (args.engine, args.workers, args.scheduler),
                           report=args.report, progress=False if args.no_progress else None,
                           command=_command_line(args))


def _posterior_scenario(folder: str, scenario: str | None) -> str:
    """Sensitivity over a calibration's posterior: its calibrated scenario (the posterior means, and the posterior's
    95 % credible intervals as the fitted parameters' plausible ranges; the others keep theirs), so the design's
    factors vary where the record allows instead of over their whole prior ranges."""
    path = Path(folder) / "calibrated.toml"
    if not path.is_file():
        raise ScenarioError(f"--posterior: '{folder}' holds no calibrated scenario (calibrated.toml); allowed: a "
                            "folder written by lockdown-sim calibrate")
    if scenario is not None:
        raise ScenarioError("--scenario: not allowed with --posterior (the posterior's calibrated scenario is used)")
    quick = "QUICK" in path.read_text()
    print(f"over the posterior of {folder}: the fitted parameters vary over their 95 % credible intervals "
          f"(calibrated.toml), the others over their plausible ranges{'; a QUICK posterior' if quick else ''}")
    return str(path.resolve())


def cmd_discover(args) -> int:
    _require("discover", "ema_workbench", "the EMA Workbench (ema-workbench)")
    from lockdown_sim.experiments.discovery import FULL, QUICK, Options
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


# --- running a sampled design ------------------------------------------------------------------------------
def run_design(experiment, table, folder, headline: str, seeds: int, tiny: bool, engine_args: tuple,
               progress: bool | None = None):
    """Open folder/batch once (refusing a folder that holds another experiment, before any run), write the design
    table, say what will run, and run it (resumable) on the engine `engine_args` = (engine, workers, scheduler)
    names. Returns the batch's report (its `out` is the folder to analyse), or an exit code: 130 interrupted,
    1 runs missing (the same command completes them)."""
    from lockdown_sim.console.run import note_city_size
    from lockdown_sim.experiments.batch import execute
    from lockdown_sim.experiments.engines import EngineChoice
    from lockdown_sim.experiments.files import atomic_write
    from lockdown_sim.sim.scenario import load_scenario

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(f"--out: '{folder}' exists and is not a directory")
    batch_dir = folder / "batch"
    choice = EngineChoice(*engine_args)

    def before(opened):
        atomic_write(folder / "design.csv", lambda p: table.to_csv(p, index=False))
        print(f"{headline} x {seeds} seed(s) x 3 modes = {experiment.count():,} runs into {batch_dir}", flush=True)
        if tiny:
            print("  (a tiny city for tests and a first look: its numbers say nothing about Shanghai)")
        note_city_size(load_scenario(experiment.scenario_ref), experiment.households)

    try:
        [report] = execute([(experiment, batch_dir)], choice, progress=progress, desc=experiment.name, before=before)
    except KeyboardInterrupt:
        print(f"lockdown-sim: interrupted; finished runs are kept in {batch_dir}: run the same command again to "
              "complete them", file=sys.stderr)
        return 130
    print("\n".join(report.lines()))
    if report.failed or report.left:
        print(f"lockdown-sim: not analysed: {len(report.failed) + report.left} runs missing; run the same command "
              "again to retry them", file=sys.stderr)
        return 1
    return report


def section_hint(report: str | Path) -> str:
    """What to run so that the reproduction report in `report` shows the "What drives the results" section just
    written there (the report is rebuilt by `reproduce`, which reuses every finished run)."""
    import json

    from lockdown_sim.experiments.reproduce import MANIFEST, command_for, profile_of

    try:
        manifest = json.loads((Path(report) / MANIFEST).read_text())
    except (OSError, ValueError):
        manifest = {}
    if "profile" in manifest:
        return (f"to show it in {Path(report) / 'report.html'} and report.md, run "
                f"`{command_for(profile_of(manifest), report)}` again (it reuses every finished run)")
    return (f"`lockdown-sim reproduce --out {report}` (with --quick for the quick report) includes it in the report "
            "it writes there")


# --- the two commands' work ------------------------------------------------------------------------------
def run_sensitivity(method: str, options, out, engine_args: tuple, report=None, progress: bool | None = None,
                    command: str = "") -> int:
    """`lockdown-sim sensitivity`: design, run (resumable) and analyse into out/<method>; optionally write the
    report's part. Sobol takes the factors of `options.params`, or the `options.top` most influential of the
    Morris result in out/morris. Returns the exit code (0 done, 1 runs failed, 130 interrupted)."""
    from lockdown_sim.experiments.sensitivity import METHODS, QUICK, prepare

    if method not in METHODS:  # before loading the analysis: bad input answers at once
        prepare(method, options)
    out = Path(out)
    ranked = None
    if method == "sobol" and not options.params:
        indices = out / "morris" / "indices.csv"
        if not indices.is_file():
            raise ScenarioError(f"--params: none named and no Morris result in '{indices}'; allowed: run "
                                "`lockdown-sim sensitivity --method morris` with the same --out first, or name the "
                                "factors with --params a,b,c")
        import pandas as pd

        from lockdown_sim.analysis.sensitivity import influential

        ranked = influential(pd.read_csv(indices), options.top)
    design = prepare(method, options, ranked)

    from lockdown_sim.analysis.results import load_outcomes
    from lockdown_sim.analysis.sensitivity import BY_NAME, analyse
    from lockdown_sim.analysis.sensitivity_report import morris_part, report_folder, sobol_part, write_part

    if report:
        report_folder(report)
    folder = out / method
    batch = run_design(design.experiment, design.table(), folder,
                       f"{method}: {len(design.factors) - 1} factors and the seed-noise dummy, "
                       f"{len(design.unit):,} points", options.seeds,
                       options.scenario == QUICK["scenario"] and options.households == QUICK["households"],
                       engine_args, progress)
    if isinstance(batch, int):
        return batch
    result = analyse(method, design.problem, design.unit, design.table(), load_outcomes(batch.out), folder,
                     levels=options.levels)
    print(f"\n{result.text}\n\nwrote {folder}: indices.csv, seed_noise.csv, points.csv/.parquet, ranking.txt and "
          f"{len(result.figures)} figures")
    if report:
        meta = {"scenario": options.scenario, "households": options.households, "days": options.days,
                "seeds": options.seeds, "points": result.points, "runs": result.runs, "command": command,
                "minutes": batch.seconds / 60 if batch.done == batch.total else None, "engine": batch.engine}
        labels = {k: r.label for k, r in BY_NAME.items()}
        body = (morris_part(result.indices, result.spread, labels, meta) if method == "morris"
                else sobol_part(result.indices, labels, meta))
        print(f"wrote {write_part(report, method, body, result.figures)}")
        print(f"  {section_hint(report)}")
    return 0


def run_discovery(options, out, engine_args: tuple, elderly_threshold: float = 0.5, report=None,
                  progress: bool | None = None, command: str = "") -> int:
    """`lockdown-sim discover`: design, run (resumable) and find PRIM boxes into `out`; optionally write the
    report's part. Returns the exit code (0 done, 1 runs failed, 130 interrupted)."""
    from lockdown_sim.experiments.discovery import QUICK, prepare

    out = Path(out)
    design = prepare(options)

    from lockdown_sim.analysis.discovery import analyse
    from lockdown_sim.analysis.results import load_outcomes
    from lockdown_sim.analysis.sensitivity_report import discover_part, report_folder, write_part

    if report:
        report_folder(report)
    batch = run_design(design.experiment, design.table(), out,
                       f"discover: {len(design.space)} factors, {options.points:,} points", options.seeds,
                       options.scenario == QUICK["scenario"] and options.households == QUICK["households"],
                       engine_args, progress)
    if isinstance(batch, int):
        return batch
    bounds = {f.name: (f.low, f.high) for f in design.space.factors}
    result = analyse(design.table(), bounds, load_outcomes(batch.out), out, elderly_threshold)
    print(f"\n{result.text}\n\nwrote {out}: points.csv/.parquet, boxes.csv, boxes.txt and "
          f"{2 * len(result.figures)} figures")
    if report:
        meta = {"scenario": options.scenario, "households": options.households, "days": options.days,
                "seeds": options.seeds, "points": options.points, "runs": design.experiment.count(),
                "command": command, "engine": batch.engine,
                "minutes": batch.seconds / 60 if batch.done == batch.total else None}
        figures = {f"{kind}_{q}": path for q, paths in result.figures.items()
                   for kind, path in zip(("trajectory", "box"), paths)}
        print(f"wrote {write_part(report, 'discover', discover_part(result.boxes, meta), figures)}")
        print(f"  {section_hint(report)}")
    return 0
