"""`lockdown-sim reproduce`: the study's argument claim by claim. The experiments (experiments/reproduce.py) design
and run every arm, sweep and hypercube point; the analysis (analysis/reproduce.py) judges what they wrote and
analysis/report.py writes the report; this module puts the three together and writes the manifest.

    from lockdown_sim.console.reproduce import reproduce
    from lockdown_sim.experiments.engines import LocalEngine
    from lockdown_sim.experiments.reproduce import profile_for
    manifest = reproduce("results/reproduce-quick", profile_for(quick=True), lambda: LocalEngine(2))
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from pathlib import Path

from lockdown_sim.analysis.report import build_report, write_report
from lockdown_sim.analysis.reproduce import judge, load_measurements
from lockdown_sim.experiments.engines import EngineChoice
from lockdown_sim.experiments.files import write_json
from lockdown_sim.experiments.reproduce import (KIND, LHS_SEED, MANIFEST, Profile, design, open_out, profile_for,
                                                run_design)
from lockdown_sim.experiments.seeds import MASTER_SEED, replicate_seeds
from lockdown_sim.sim import __version__


def reproduce(out: str | Path, profile: Profile, engine_factory, progress: bool | None = None) -> dict:
    """Design, run what is not finished, judge and write the report; returns the manifest written (strict JSON).

    `engine_factory()` gives the engine (a context manager), started only if some run is left to do."""
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    t0 = time.perf_counter()
    plan = design(profile)  # validates everything before any work
    root = open_out(out)
    record = run_design(plan, root, engine_factory, progress=progress)
    t1 = time.perf_counter()
    judgement = judge(load_measurements(root, plan))
    record_dict = asdict(record) | {"seconds": time.perf_counter() - t0}
    report = build_report(judgement, record_dict, root)
    written = write_report(report, root, f"Reproducing the argument ({profile.name})")
    manifest = {
        "kind": KIND, "version": __version__, "started": started,
        "profile": asdict(profile), "reduced": profile.reduced,
        "scenario": profile.scenario, "master_seed": MASTER_SEED, "lhs_seed": LHS_SEED,
        "seeds": replicate_seeds(profile.seeds),
        "arms": {key: {"ordering": arm.ordering, "settings": dict(arm.settings)} for key, arm in plan.arms.items()},
        "lhs_points": plan.lhs_points, "lhs_replaced": plan.lhs_replaced,
        "batches": [{"kind": kind, "arm": key, "experiment": exp.name, "digest": exp.digest, "runs": exp.count(),
                     "dir": str(plan.folder(root, kind, key).relative_to(root))}
                    for (kind, key), exp in plan.experiments.items()],
        "run": record_dict | {"report_seconds": time.perf_counter() - t1,
                              "compute_seconds": judgement.measurements.compute_seconds},
        "files": [str(p.relative_to(root)) for p in written],
        "claims": [{"claim": cr.claim.key, "argument": cr.claim.argument, "verdict": cr.verdict}
                   for cr in judgement.claims],
        "verdicts": [verdict_record(cr, e) for cr, e in judgement.verdicts()],
        "checks": [{"claim": cr.claim.key, "check": e.effect.label, "value": e.value, "low": e.low, "high": e.high,
                    "seeds": e.n, "status": e.verdict, "why": e.kind.reason}
                   for cr in judgement.claims for e in cr.checks],
    }
    manifest["run"]["seconds"] = time.perf_counter() - t0
    write_json(root / MANIFEST, manifest)
    return manifest


def verdict_record(cr, e) -> dict:
    """One test of a claim as the manifest keeps it (strict JSON: nan becomes null)."""
    d = e.decision
    shares = {rr.kind: rr.shares | {"points": len(rr.points)} for rr in cr.robustness if rr.effect is e.effect}
    return {"claim": cr.claim.key, "argument": cr.claim.argument, "effect": e.effect.label,
            "predicted": e.effect.predicted, "scale": e.effect.scale, "neutral": e.effect.neutral,
            "value": e.value, "low": e.low, "high": e.high,
            "bootstrap_low": e.t.boot_low, "bootstrap_high": e.t.boot_high, "seeds": e.n, "sesoi": e.t.sesoi,
            "p_holds": d.p_holds, "p_reversed": d.p_reversed, "p_no_effect": d.p_tost, "verdict": e.verdict,
            "null": e.effect.null, "robustness": shares}


def cmd_reproduce(args) -> int:
    choice = EngineChoice(args.engine, args.workers, args.scheduler)
    profile = profile_for(args.quick, args.scenario, args.households, args.seeds, args.points, args.point_seeds,
                          args.days, args.posterior)
    from lockdown_sim.console.run import note_city_size
    from lockdown_sim.sim.keywords import check_params

    cfg = check_params(scenario_file=profile.scenario, households=profile.households)
    open_out(args.out)  # a folder that is refused is refused before anything else is said
    note_city_size(cfg, profile.households)
    try:
        manifest = reproduce(args.out, profile, choice.start, progress=False if args.no_progress else None)
    except KeyboardInterrupt:
        print(f"lockdown-sim: interrupted; finished runs are kept in {args.out}: run the same command again to "
              "complete the reproduction", file=sys.stderr)
        return 130
    run = manifest["run"]
    print(f"{profile.name} reproduction of the argument ({profile.scenario}): {run['runs']:,} runs, "
          f"{run['done_now']:,} run now, {run['done_before']:,} reused, {len(run['failed']):,} failed; "
          f"{run['seconds'] / 60:.1f} min")
    if manifest["reduced"]:
        points = "posterior draws" if profile.posterior else "hypercube points"
        print(f"  provisional: fewer than 30 paired seeds per arm, 64 {points} or 10 seeds a point")
    if profile.posterior:
        print(f"  over the posterior of {profile.posterior}: each replicate and robustness point draws a parameter set "
              "from it as well as a city, so intervals cover parameter and seed uncertainty")
    for c in manifest["claims"]:
        print(f"  {c['verdict']:<13} claim {c['argument'] if c['claim'] != 'headline' else '-'}: {c['claim']}")
        for v in manifest["verdicts"]:
            if v["claim"] == c["claim"]:
                print(f"    {v['verdict']:<13} {v['effect']}")
    print(f"wrote {Path(args.out) / 'report.html'}, report.md, numbers.csv, figures/ and manifest.json")
    return 1 if run["failed"] else 0
