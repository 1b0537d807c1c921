"""`lockdown-sim calibrate`: the posterior of the uncertain parameters given the record (experiments/calibrate.py
fits it with pyABC; analysis/posterior.py reports it). The fit is resumable (pyABC's database in --out), then the
posterior predictive runs go through the batch engine into --out/predictive (resumable too), then the report.

    lockdown-sim calibrate --quick --out results/calibrate-quick          # under 10 minutes on two cores
    lockdown-sim calibrate --out results/calibrate --workers 2            # the full fit
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.wording import count

SESSIONS = "fit-sessions.json"  # each invocation of the fit: when, how long, on what
CALIBRATE_EXTRA = "pip install 'lockdown-supply-sim[calibrate]'"


def _options(args):
    from lockdown_sim.experiments.calibrate import FULL, QUICK, Options
    from lockdown_sim.experiments.seeds import MASTER_SEED

    preset = QUICK if args.quick else FULL
    values = dict(preset)
    for name in ("population", "generations", "seeds_per_particle", "draws"):
        value = getattr(args, name, None)
        if value is not None:
            low = 2 if name == "population" else 1
            if value < low:
                raise ScenarioError(f"--{name.replace('_', '-')}: {value} is not allowed; allowed: a whole number of "
                                    f"at least {low}")
            values[name] = value
    return Options(scenario=args.scenario, households=args.households, days=args.days,
                   master_seed=MASTER_SEED if args.master_seed is None else args.master_seed, **values)


def cmd_calibrate(args) -> int:
    import importlib.util

    if importlib.util.find_spec("pyabc") is None:  # found without importing it: bad input still answers at once
        raise ScenarioError(f"calibrate: needs pyABC, which is not installed; allowed: install the calibrate extra: "
                            f"{CALIBRATE_EXTRA}")
    from lockdown_sim.experiments.calibrate import check_folder, model_params, parameters
    from lockdown_sim.experiments.engines import EngineChoice
    from lockdown_sim.experiments.files import atomic_write, check_out_path, check_writable
    from lockdown_sim.sim.keywords import check_params

    opts = _options(args)
    cfg = check_params(**model_params(opts))  # a bad scenario, size or day count: one line, before any work
    params = parameters(opts.scenario, opts.priors)
    out = check_out_path(args.out or ("results/calibrate-quick" if args.quick else "results/calibrate"))
    check_writable(out)
    scenario_out = None
    if args.write_scenario:
        scenario_out = Path(args.write_scenario)
        if scenario_out.is_dir() or not scenario_out.parent.exists():
            raise ScenarioError(f"--write-scenario: '{scenario_out}' is not allowed; allowed: a file path in an "
                                "existing folder")
    choice = EngineChoice(args.engine, args.workers, args.scheduler)
    from lockdown_sim.analysis.posterior import PatternStatistics

    statistics = PatternStatistics()
    manifest = check_folder(out, opts, statistics)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "calibration.json", lambda p: Path(p).write_text(json.dumps(manifest, indent=1)))

    n = opts.households or cfg.meta.default_households
    patterns = statistics.names
    header = (f"{cfg.name}, {n:,} households, hybrid mode; {count(len(params), 'parameter')} fitted to "
              f"{count(len(patterns), 'calibrated pattern')} of the record; master seed {opts.master_seed}")
    if opts.quick:
        from lockdown_sim.experiments.calibrate import QUICK_NOTE

        print(QUICK_NOTE)
    print(header)
    from lockdown_sim.console.run import note_city_size

    note_city_size(cfg, opts.households)  # below the converged size: the fit's patterns are not converged either
    print(f"  ABC-SMC: {opts.population} particles x at most {opts.generations} generations x "
          f"{count(opts.seeds_per_particle, 'city', 'cities')} per particle, {choice.engine} engine; into {out}",
          flush=True)
    if args.no_progress:
        logging.getLogger("ABC").setLevel(logging.WARNING)
    t0 = time.perf_counter()
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        from lockdown_sim.experiments.calibrate import fit

        with choice.start() as engine:
            fit(opts, out, engine, statistics)
    except KeyboardInterrupt:
        _log_session(out, started, time.perf_counter() - t0, choice, interrupted=True)
        print(f"lockdown-sim: interrupted; finished generations are kept in {out / 'abc.db'}: run the same command "
              "again to continue", file=sys.stderr)
        return 130
    fit_s, sessions = _log_session(out, started, time.perf_counter() - t0, choice, interrupted=False)
    return _predict_and_report(opts, out, choice, args, header, scenario_out, fit_s, sessions)


def _log_session(out: Path, started: str, seconds: float, choice, interrupted: bool) -> tuple[float, int]:
    """Add this invocation of the fit to out/fit-sessions.json and return the fit's wall seconds over all of them
    and their number: a fit continued after an interruption (or on another day) is timed as the sum of its
    sessions, not the last one. A session's unfinished generation is lost on interruption, so its time counts too:
    it was spent."""
    from lockdown_sim.experiments.files import atomic_write

    path = out / SESSIONS
    sessions = json.loads(path.read_text()) if path.exists() else []
    sessions.append({"started_utc": started, "seconds": round(seconds, 1), "engine": choice.engine,
                     "workers": choice.workers, "interrupted": interrupted})
    atomic_write(path, lambda p: Path(p).write_text(json.dumps(sessions, indent=1)))
    return sum(s["seconds"] for s in sessions), len(sessions)


def _predict_and_report(opts, out: Path, choice, args, header: str, scenario_out, fit_s: float,
                        sessions: int) -> int:
    from lockdown_sim.analysis.calibration import store_values
    from lockdown_sim.analysis.posterior import predictive_text, summary_text, write_report
    from lockdown_sim.experiments.batch import execute
    from lockdown_sim.experiments.calibrate import PREDICTIVE_BLOCK, QUICK_NOTE, draw_particles, load_posterior
    from lockdown_sim.experiments.files import atomic_write
    from lockdown_sim.experiments.sampling import sampled_experiment
    from lockdown_sim.sim.metrics import METRIC_NAMES

    post = load_posterior(out)
    draws = draw_particles(post["particles"], post["weights"], opts.draws, opts.master_seed)
    experiment = sampled_experiment(
        "calibrate-predictive", f"posterior predictive: {opts.draws} parameter sets from the posterior, one city each",
        opts.scenario, opts.households, opts.days, draws, [f"draw {i}" for i in range(len(draws))],
        [PREDICTIVE_BLOCK + 1 + i for i in range(len(draws))], 1, opts.master_seed,
        {"method": "posterior predictive", "draws": opts.draws}, orderings=("hybrid",), metrics=METRIC_NAMES)
    t0 = time.perf_counter()
    # one folder per posterior (a continued fit has another): its runs are kept and reused by the same command
    predictive = out / f"predictive-g{len(post['generations'])}"
    [report] = execute([(experiment, predictive)], choice, progress=False if args.no_progress else None,
                       desc="predictive")
    if report.failed or report.left:
        print(f"lockdown-sim: {len(report.failed) + report.left} predictive runs missing; run the same command again",
              file=sys.stderr)
        return 1
    predictive_s = time.perf_counter() - t0
    values = store_values(predictive)
    source = f"{'--quick, ' if opts.quick else ''}{out}"
    tables = write_report(out, post, values, header, opts.scenario, source)
    gens = post["generations"]
    timing = {"fit_seconds": fit_s, "fit_sessions": sessions,
              "predictive_seconds": predictive_s, "generations": len(gens),
              "simulations": int(gens["simulations"].sum()), "engine": choice.engine, "workers": choice.workers}
    atomic_write(out / "timing.json", lambda p: Path(p).write_text(json.dumps(timing, indent=1)))
    if opts.quick:
        print(QUICK_NOTE)
    print(f"\nPosterior ({len(gens)} generations, {int(gens['simulations'].sum()):,} simulations in "
          f"{fit_s / 60:.1f} min over {count(sessions, 'session')}; predictive: {opts.draws} runs in "
          f"{predictive_s / 60:.1f} min)")
    print(summary_text(tables["posterior"]))
    print("\nPosterior predictive checks (95 % interval over parameter sets and cities)")
    print(predictive_text(tables["predictive"]))
    if scenario_out is not None:
        atomic_write(scenario_out, lambda p: Path(p).write_text(tables["scenario"]))
        print(f"wrote the calibrated scenario to {scenario_out}")
    print(f"wrote {out}: report.md, posterior.csv, particles.csv, predictive.csv, generations.csv, calibrated.toml, "
          "marginals.png, pairs.png, predictive.png, generations.png")
    return 0
