"""The command line's options, declared once: the parser of every command, the option groups several commands share
(the city, the engine, the sampled designs) and the parsers of their values. Parsing imports none of the model's
libraries."""

from __future__ import annotations

import argparse

from lockdown_sim.sim import __version__
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.scenario import parse_value

DESCRIPTION = ("The lockdown-sim command: run one scenario, compare ordering modes, run experiment batches, load "
               "their results, check the model against the record, reproduce the study's argument claim by claim, "
               "explore the assumptions, list scenarios, experiments, settings and metrics, and serve the "
               "interactive page.")


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


def model_params(args) -> dict:
    """The LockdownSupplyModel keywords a command line gives (scenario, city size, days, keywords, --set)."""
    params = {"scenario_file": args.scenario}
    if getattr(args, "ordering", None):
        params["ordering"] = args.ordering
    for name in ("households", "days", "courier_availability", "elderly_share"):
        value = getattr(args, name, None)
        if value is not None:
            params[name] = value
    if getattr(args, "no_lockdown", False):
        params["lockdown"] = False
    overrides = _overrides(getattr(args, "set", None))
    if overrides:
        params["overrides"] = overrides
    return params


def _city(p: argparse.ArgumentParser) -> None:
    """The city and its settings: run, compare, calibration."""
    p.add_argument("--scenario", default="shanghai-2022", help="built-in name or path to a scenario .toml (default: shanghai-2022)")
    p.add_argument("--households", type=int, help="households in the run (default: the scenario's)")
    p.add_argument("--days", type=int, help="days to run (default: the scenario's horizon)")
    p.add_argument("--courier-availability", type=float, dest="courier_availability",
                   help="multiplier on the scenario's riders at work (default 1.0)")
    p.add_argument("--elderly-share", type=float, dest="elderly_share", help="share of households with a member aged 60+")
    p.add_argument("--no-lockdown", action="store_true", help="the same city without restrictions (counterfactual)")
    p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="change any scenario setting, e.g. --set mechanisms.gateway=false (repeatable)")


def _engine(p: argparse.ArgumentParser) -> None:
    """Where the runs go (every command that runs more than one model) and whether a progress bar shows."""
    p.add_argument("--workers", type=int, help="processes (local) or LocalCluster workers (dask); default: CPU count")
    p.add_argument("--engine", default="local", help="local (a process pool, default) | dask (Dask distributed)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: an existing cluster's scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(default: start a LocalCluster)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _posterior(p: argparse.ArgumentParser) -> None:
    """Results carried over a calibration's posterior (experiments/posterior.py)."""
    p.add_argument("--posterior", metavar="DIR", help="a calibration folder (lockdown-sim calibrate --out DIR): replicate "
                                                      "r also draws parameter set r from its posterior, so intervals "
                                                      "cover parameter and seed uncertainty")


def _seeds(p: argparse.ArgumentParser, default: int, what: str) -> None:
    p.add_argument("--seeds", type=int, default=default, help=f"{what} (default {default})")
    p.add_argument("--master-seed", type=_seed, default=None, dest="master_seed", metavar="N",
                   help="the master seed of the one seed scheme: replicate r runs on SeedSequence(N, spawn_key=(r,)) "
                        "(default 20220328, as every command)")


def _sampled(p: argparse.ArgumentParser, name: str) -> None:
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
    _engine(p)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lockdown-sim", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run one scenario and write its daily metrics (Parquet and CSV)")
    _city(run)
    run.add_argument("--ordering", default="hybrid", help="platform | group_buying | hybrid (default: hybrid)")
    run.add_argument("--rng", type=_seed, default=None,
                     help="seed, a whole number of at least 0 (default: replicate 0 of the one seed scheme, the "
                          "first city of compare)")
    run.add_argument("--out", required=True, help="directory for daily.parquet, daily.csv and run.json")
    run.add_argument("--overwrite", action="store_true", help="replace a run already in --out")

    cmp_ = sub.add_parser("compare", help="platform vs group buying vs hybrid on the same city and seeds (headline)")
    _city(cmp_)
    _seeds(cmp_, 30, "paired seeds, the same in every mode (30: intervals narrow enough to rank the modes where "
                     "they differ)")
    cmp_.add_argument("--out", metavar="DIR", help="results directory: the runs, compare.csv (one row per run), "
                                                   "compare_differences.csv (paired differences) and compare.txt "
                                                   "(default: a new folder results/compare-DATE-TIME); running "
                                                   "again on the same DIR reuses its finished runs")
    _posterior(cmp_)
    cmp_.add_argument("--beside", metavar="DIR", help="with --posterior: a seed-only compare of the same cities (its "
                                                      "--out); the headline outcomes' intervals side by side, printed "
                                                      "and written to compare_beside.md and .csv")
    _engine(cmp_)

    fit = sub.add_parser("calibrate", help="calibration as inference: ABC-SMC (pyABC) posterior of the uncertain "
                                          "parameters given the record's calibrated patterns, with predictive checks")
    fit.add_argument("--out", metavar="DIR", help="folder for pyABC's database (the same command continues the fit), "
                                                  "posterior.csv, particles.csv, predictive.csv, report.md, figures "
                                                  "and calibrated.toml (default results/calibrate[-quick])")
    fit.add_argument("--quick", action="store_true", help="a small fast calibration (40 particles, 4 generations, one "
                                                          "city per particle; under 10 minutes on two cores)")
    fit.add_argument("--scenario", default="shanghai-2022", help="built-in name or path (default: shanghai-2022)")
    fit.add_argument("--households", type=int, help="households per run (default: the scenario's)")
    fit.add_argument("--population", type=int, help="particles per generation (default 200; --quick 40)")
    fit.add_argument("--generations", type=int, help="at most this many generations (default 8; --quick 4)")
    fit.add_argument("--seeds-per-particle", type=int, dest="seeds_per_particle",
                     help="cities per particle (default 2; --quick 1)")
    fit.add_argument("--draws", type=int, help="posterior predictive parameter sets, one city each (default 100; "
                                               "--quick 24)")
    fit.add_argument("--write-scenario", metavar="FILE", dest="write_scenario",
                     help="also write the calibrated scenario (posterior means over --scenario) to FILE")
    fit.add_argument("--master-seed", type=_seed, default=None, dest="master_seed", metavar="N",
                     help="master seed of the one seed scheme (default 20220328)")
    fit.add_argument("--days", type=int, help=argparse.SUPPRESS)  # shorter runs, for tests
    _engine(fit)

    cal = sub.add_parser("calibration", help="the model against the record: each pattern, its source, the model's value "
                                            "with a 95 %% interval over seeds, in range or not")
    cal.add_argument("--scenario", default="shanghai-2022", help="built-in name or path (default: shanghai-2022)")
    cal.add_argument("--households", type=int, help="households in each run (default: the scenario's)")
    _seeds(cal, 30, "seeds")
    cal.add_argument("--out", metavar="DIR", help="results directory: the runs, calibration.md and calibration.csv "
                                                  "(default: a new folder results/calibration-DATE-TIME)")
    cal.add_argument("--docs", metavar="DIR", help="also copy calibration.md and calibration.csv here (e.g. docs)")
    _engine(cal)

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
    _engine(batch)

    results = sub.add_parser("results", help="load a batch's results: a summary, and optionally one file of all runs")
    results.add_argument("dir", metavar="DIR", help="results directory written by lockdown-sim batch")
    results.add_argument("--out", metavar="FILE", help="write every run's daily rows to FILE (.parquet or .csv)")
    results.add_argument("--outcomes", action="store_true",
                         help="with --out: write one row of end-of-run outcomes per run instead of the daily rows")
    results.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")

    rep = sub.add_parser("reproduce", help="reproduce the study's argument claim by claim: tests against null models "
                                           "and smallest effects of interest, Holm-corrected verdicts, checks, "
                                           "ablations, robustness; a report (Markdown, HTML)")
    rep.add_argument("--out", required=True, metavar="DIR",
                     help="directory for the report and its runs; running again on the same DIR reuses finished runs")
    rep.add_argument("--quick", action="store_true",
                     help="10 seeds per arm, 12 x 4 hypercube points (minutes on two cores; verdicts provisional)")
    rep.add_argument("--scenario", default="shanghai-2022", help="built-in name or path (default: shanghai-2022)")
    rep.add_argument("--households", type=int, help="households per run (default: the scenario's)")
    rep.add_argument("--seeds", type=int, help="paired seeds per arm (default 30; --quick 10)")
    rep.add_argument("--points", type=int,
                     help="Latin hypercube points over the plausible ranges (default 64; --quick 12)")
    rep.add_argument("--point-seeds", type=int, dest="point_seeds", help="paired seeds per point (default 10; --quick 4)")
    rep.add_argument("--days", type=int, help=argparse.SUPPRESS)  # shorter runs, for tests
    _posterior(rep)
    _engine(rep)

    sens = sub.add_parser("sensitivity", help="global sensitivity analysis over the [plausible] assumptions (Morris, "
                                              "Sobol; SALib); needs the [analysis] extra")
    sens.add_argument("--method", required=True, help="morris (screening over every [plausible] factor) | sobol "
                                                      "(first- and total-order indices over the most influential)")
    _sampled(sens, "sensitivity")
    sens.add_argument("--trajectories", type=int, help="Morris trajectories (default 20; --quick 2)")
    sens.add_argument("--samples", type=int, help="Sobol base sample N, a power of 2 (default 256; --quick 8)")
    sens.add_argument("--top", type=int, help="Sobol: factors taken from the Morris result in --out (default 6; --quick 3)")
    sens.add_argument("--params", metavar="A,B,...", help="Sobol: these factors (section.key) instead of the Morris ranking")
    sens.add_argument("--posterior", metavar="DIR", help="a calibration folder: its calibrated scenario, whose fitted "
                                                       "parameters vary over their 95 %% credible intervals")

    disc = sub.add_parser("discover", help="scenario discovery with PRIM (EMA Workbench) over a Latin hypercube of the "
                                           "[plausible] assumptions; needs the [analysis] extra")
    _sampled(disc, "discover")
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
