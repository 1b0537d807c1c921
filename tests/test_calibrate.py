"""Calibration as inference (issue 21): the priors are declared on the scenario's [plausible] ranges, the data are
the record's patterns picked by role, a tiny `lockdown-sim calibrate` writes the posterior table, figures, report
and a calibrated scenario that loads, the fit continues from its database, and `compare --posterior` runs each
replicate on a posterior draw and says so."""

import json
import math

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyabc")

from lockdown_sim.analysis.calibration import CALIBRATED, PATTERNS  # noqa: E402
from lockdown_sim.analysis.posterior import PatternStatistics, deviation, identifiability  # noqa: E402
from lockdown_sim.console import main  # noqa: E402
from lockdown_sim.experiments.calibrate import (  # noqa: E402
    LOG_UNIFORM, PRIORS, Options, Parameter, effective_sample_size, parameters, transition)
from lockdown_sim.experiments.posterior import load_posterior_draws  # noqa: E402
from lockdown_sim.sim.scenario import load_scenario  # noqa: E402

TINY = ["--households", "1000", "--days", "36", "--population", "6", "--generations", "2", "--seeds-per-particle",
        "1", "--draws", "3", "--workers", "1", "--no-progress"]


def test_every_prior_has_a_plausible_range_in_the_scenario_and_says_why():
    params = parameters("shanghai-2022")
    cfg = load_scenario("shanghai-2022")
    assert [p.name for p in params] == [p.name for p in PRIORS]
    for p in params:
        assert (p.low, p.high) == tuple(float(b) for b in cfg.plausible[p.name])
        assert len(p.why) > 20
    for name in ("stock.initial_days", "stock.reorder_days", "platform.basket_days", "population.free_hours_mean",
                 "group_buying.max_sets_per_household", "couriers.riders_late", "local_suppliers.set_portions"):
        assert name in cfg.plausible and name in [p.name for p in params]


def test_latent_coordinates_map_onto_the_range_log_uniform_and_whole_values_alike():
    logp = Parameter("platform.reaction_minutes_young", LOG_UNIFORM, 1.0, 10.0, False, 3.0, "")
    lo, hi = logp.latent_bounds
    assert logp.to_value(lo) == pytest.approx(1.0) and logp.to_value(hi) == pytest.approx(10.0)
    assert logp.to_value((lo + hi) / 2) == pytest.approx(math.sqrt(10))  # the geometric middle
    whole = Parameter("group_buying.max_sets_per_household", "uniform", 1, 5, True, 3, "")
    u = np.random.default_rng(1).uniform(*whole.latent_bounds, 50_000)
    counts = np.bincount([whole.to_value(x) for x in u])[1:]
    assert len(counts) == 5 and counts.min() > 0.9 * counts.max()  # every whole value as likely


def test_the_data_are_the_calibrated_patterns_and_a_deviation_reads_in_the_records_tolerance():
    assert PatternStatistics().names == tuple(p.name for p in PATTERNS if p.role == CALIBRATED)
    assert deviation(2.0e6, 1.8e6, 2.2e6) == 0.0 and deviation(2.2e6, 1.8e6, 2.2e6) == pytest.approx(1.0)
    assert deviation(float("nan"), 0, 1) == 100.0
    # a record with a lower bound only (the chains' packages: more than 660,000 a day): above it is in range, below
    # it counts its shortfall; never NaN, which pyABC's thresholds cannot take
    assert deviation(3.0e6, 660_000, math.inf) == 0.0 and deviation(627_000, 660_000, math.inf) == pytest.approx(-1.5)
    assert identifiability(0.3) == "pinned down" and identifiability(0.95) == "left at the prior"


def test_the_effective_sample_size_counts_the_particles_the_weights_rest_on():
    assert effective_sample_size([2.0, 2.0, 2.0, 2.0]) == pytest.approx(4.0)  # equal weights: every particle
    assert effective_sample_size([1.0, 0.0, 0.0]) == pytest.approx(1.0)  # one particle carries it all
    assert effective_sample_size([0.5, 0.25, 0.25]) == pytest.approx(1 / 0.375)


def test_the_perturbation_kernel_has_the_populations_own_covariance_not_a_shrunk_one():
    # pyABC's default shrinks the covariance by Silverman's rule (x ~0.2 for 13 dimensions and 200 particles), which
    # made the full fit's weights degenerate (ESS 200 -> 68 -> 18): the fit's kernel keeps the weighted covariance
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(200, 13)) * np.arange(1, 14), columns=[f"p{i}" for i in range(13)])
    w = rng.uniform(0.5, 1.5, 200)
    w /= w.sum()
    mean = w @ X.to_numpy()
    weighted_cov = (X.to_numpy() - mean).T @ ((X.to_numpy() - mean) * w[:, None]) / (1 - np.sum(w**2))
    kernel = transition(Options())
    kernel.fit(X, w)
    assert np.allclose(kernel.cov, weighted_cov, rtol=1e-6)
    half = transition(Options(kernel_scale=0.5))
    half.fit(X, w)
    assert np.allclose(half.cov, 0.5 * weighted_cov, rtol=1e-6)
    # a folder fitted before the kernel was an option reads as pyABC's default, as it was fitted
    default = transition(Options(kernel_scale=None))
    default.fit(X, w)
    assert np.allclose(default.cov, weighted_cov * (4 / (1 / np.sum(w**2)) / 15) ** (2 / 17), rtol=1e-6)


def test_a_tiny_calibration_writes_the_posterior_report_and_a_scenario_that_loads(tmp_path, capsys, monkeypatch):
    import lockdown_sim.experiments.calibrate as calibrate

    kernels = []  # the fit perturbs with the module's kernel (the population's covariance), not pyABC's default
    monkeypatch.setattr(calibrate, "transition", lambda opts: kernels.append(transition(opts)) or kernels[-1])
    out = tmp_path / "cal"
    scenario = tmp_path / "calibrated.toml"
    assert main(["calibrate", "--out", str(out), "--write-scenario", str(scenario), *TINY]) == 0
    assert kernels and kernels[0].bandwidth_selector(6, 13) == 1.0 and kernels[0].cov is not None  # fitted, used
    printed = capsys.readouterr().out
    assert "Posterior" in printed and "Posterior predictive checks" in printed
    for name in ("abc.db", "posterior.csv", "particles.csv", "predictive.csv", "report.md", "calibrated.toml",
                 "marginals.png", "pairs.png", "predictive.png", "generations.png", "timing.json"):
        assert (out / name).exists(), name
    table = pd.read_csv(out / "posterior.csv")
    assert list(table["parameter"]) == [p.name for p in PRIORS]
    assert ((table["low_95"] <= table["mean"] + 1e-9) & (table["mean"] <= table["high_95"] + 1e-9)).all()
    assert ((table["prior_low"] <= table["low_95"] + 1e-9) & (table["high_95"] <= table["prior_high"] + 1e-9)).all()
    pred = pd.read_csv(out / "predictive.csv")
    assert list(pred["pattern"]) == [p.name for p in PATTERNS] and pred["runs"].max() == 3  # day 41: not in 36 days
    cfg = load_scenario(scenario)  # base = "shanghai-2022", posterior means, posterior spread as plausible range
    for _, r in table.iterrows():
        assert cfg[r["parameter"]] == pytest.approx(r["mean"], rel=1e-3, abs=0.51)
        lo, hi = cfg.plausible[r["parameter"]]
        assert lo <= cfg[r["parameter"]] <= hi
    assert "posterior mean" in scenario.read_text() and 'base = "shanghai-2022"' in scenario.read_text()
    # the same command with more generations continues the fit from its database
    more = [a if a != "2" or TINY[i - 1] != "--generations" else "3" for i, a in enumerate(TINY)]
    assert main(["calibrate", "--out", str(out), *more]) == 0
    assert "continuing the calibration" in capsys.readouterr().out
    gens = pd.read_csv(out / "generations.csv")
    assert len(gens) == 3 and ((gens["ess"] > 0) & (gens["ess"] <= 6 + 1e-9)).all()  # Kish's ESS of 6 particles
    assert "effective sample size" in (out / "report.md").read_text()
    assert "weighted covariance x 1." in (out / "report.md").read_text()  # the kernel it was fitted with
    # a continued fit is timed as the sum of its sessions, not the last one
    sessions = json.loads((out / "fit-sessions.json").read_text())
    assert len(sessions) == 2 and not any(s["interrupted"] for s in sessions)
    timing = json.loads((out / "timing.json").read_text())
    assert timing["fit_sessions"] == 2 and timing["fit_seconds"] == pytest.approx(sum(s["seconds"] for s in sessions))
    # another calibration in the same folder is refused before any run
    other = [a if a != "6" else "7" for a in TINY]
    assert main(["calibrate", "--out", str(out), *other]) == 2
    assert "holds another calibration" in capsys.readouterr().err

    # compare over the posterior: replicate r = parameter set r on city r, in every mode; it says so
    draws = load_posterior_draws(out).draws(3, 20220328)
    assert draws == load_posterior_draws(out).draws(3, 20220328)  # reproducible
    cmp_out = tmp_path / "cmp"
    assert main(["compare", "--posterior", str(out), "--households", "1000", "--days", "36", "--seeds", "2",
                 "--workers", "1", "--no-progress", "--out", str(cmp_out)]) == 0
    printed = capsys.readouterr().out
    assert "parameter and seed uncertainty" in printed
    runs = pd.read_csv(cmp_out / "compare.csv")
    assert len(runs) == 6 and runs.groupby("seed")["ordering"].nunique().eq(3).all()
    for r, seed_runs in runs.groupby("replicate"):
        assert seed_runs["stock.initial_days"].nunique() == 1  # the same draw in every mode
        assert seed_runs["stock.initial_days"].iloc[0] == pytest.approx(draws[r]["stock.initial_days"])
    # the same cities without the posterior, then both side by side
    seed_out = tmp_path / "cmp-seed"
    small = ["--households", "1000", "--days", "36", "--seeds", "2", "--workers", "1", "--no-progress"]
    assert main(["compare", *small, "--out", str(seed_out)]) == 0
    capsys.readouterr()
    assert main(["compare", "--posterior", str(out), *small, "--out", str(cmp_out), "--beside", str(seed_out)]) == 0
    printed = capsys.readouterr().out
    assert "seeds only" in printed and "posterior and seeds" in printed
    assert (cmp_out / "compare_beside.md").read_text().count("| `delivery_ratio` |") == 3
    # written as compare writes its tables: as data with units, listed in compare.md, shares inside [0, 1]
    beside = pd.read_csv(cmp_out / "compare_beside.csv")
    assert set(beside["what"]) == {"mode", "paired difference"} and beside["unit"].notna().all()
    shares = beside[(beside["what"] == "mode") & (beside["outcome"] != "delivery_ratio")]
    assert len(shares) == 9 and (shares[["seeds_only_low", "posterior_low"]] >= 0).all().all()
    assert (shares[["seeds_only_high", "posterior_high"]] <= 1).all().all()
    page = (cmp_out / "compare.md").read_text()
    assert "`compare_beside.csv`" in page and "parameter and seed uncertainty" in page
    assert (cmp_out / "compare_table.csv").is_file()


def test_bad_calibration_input_is_one_line_before_any_work(tmp_path, capsys):
    assert main(["calibrate", "--out", str(tmp_path / "x"), "--population", "1", *TINY[:4]]) == 2
    assert "--population" in capsys.readouterr().err
    assert main(["compare", "--posterior", str(tmp_path), "--seeds", "2", "--out", str(tmp_path / "c")]) == 2
    assert "--posterior" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_reproduction_over_a_posterior_draws_each_replicate_and_point_from_it(tmp_path):
    """The design only (no runs): every arm's replicate r has parameter set r of the posterior and city r, and the
    robustness points are posterior draws instead of the hypercube."""
    from lockdown_sim.experiments.posterior import PosteriorExperiment
    from lockdown_sim.experiments.reproduce import design, profile_for
    from lockdown_sim.experiments.seeds import run_seed

    folder = tmp_path / "post"
    folder.mkdir()
    (folder / "calibration.json").write_text(json.dumps({"options": {"scenario": "shanghai-2022", "quick": True}}))
    pd.DataFrame({"stock.initial_days": [3.0, 8.0], "group_buying.max_sets_per_household": [2, 4],
                  "weight": [0.5, 0.5]}).to_csv(folder / "particles.csv", index=False)
    plan = design(profile_for(quick=True, households=1000, seeds=3, points=4, point_seeds=2, days=36,
                              posterior=str(folder)))
    post = load_posterior_draws(folder)
    draws = post.draws(3, 20220328)
    for (kind, key), exp in plan.experiments.items():
        if kind != "main":
            continue
        assert isinstance(exp, PosteriorExperiment)
        arm = plan.arms[key]
        for run in exp.runs():
            assert run.seed == run_seed(20220328, run.replicate)
            overrides = run.params.get("overrides", {})
            if "stock.initial_days" not in dict(arm.settings):
                assert overrides["stock.initial_days"] == draws[run.replicate]["stock.initial_days"]
    assert plan.lhs_points == post.draws(4, 20220328) and plan.lhs_replaced == 0
    # a null arm derived from its sources' runs (designed later, by complete_design) is carried the same way
    from lockdown_sim.experiments.design import experiment_from_tables
    from lockdown_sim.experiments.reproduce import _tables

    (kind, key), arm = next(((k, a) for k, a in plan.pending.items() if k[0] == "main"))
    derived = plan.carried(experiment_from_tables(_tables(plan.profile, "derived", arm, 3,
                                                          fixed={arm.derive.setting: [[0, 1.0]]}), "derived"), 3)
    assert isinstance(derived, PosteriorExperiment)
    for run in derived.runs():
        overrides = run.params.get("overrides", {})
        assert overrides["stock.initial_days"] == draws[run.replicate]["stock.initial_days"]
        assert overrides[arm.derive.setting] == [[0, 1.0]]  # its own derived setting is kept
    with pytest.raises(Exception, match="--posterior"):
        design(profile_for(quick=True, scenario="toy", posterior=str(folder)))


def test_the_same_calibration_gives_the_same_posterior_on_one_worker_or_two(tmp_path):
    """pyABC's proposals are seeded from the one seed scheme (experiments/calibrate.py, seeded_sampler), not from
    the operating system's entropy: the particles do not depend on the engine or the number of workers."""
    i = TINY.index("--workers")
    small = TINY[:i] + TINY[i + 2:]
    assert main(["calibrate", "--out", str(tmp_path / "one"), *small, "--workers", "1"]) == 0
    assert main(["calibrate", "--out", str(tmp_path / "two"), *small, "--workers", "2"]) == 0
    one, two = (pd.read_csv(tmp_path / d / "particles.csv") for d in ("one", "two"))
    pd.testing.assert_frame_equal(one, two)


def test_a_one_sided_figure_is_zero_inside_and_grows_outside_by_tenths_of_its_bound():
    """'More than 660,000' has no middle: 0 inside, -1 at the bound, one more per tenth of the bound below it."""
    assert deviation(900_000, 660_000, np.inf) == 0.0
    assert deviation(660_000, 660_000, np.inf) == 0.0
    assert deviation(594_000, 660_000, np.inf) == pytest.approx(-2.0)
    assert deviation(120, -np.inf, 100) == pytest.approx(3.0)
    assert deviation(150, 100, 200) == 0.0 and deviation(200, 100, 200) == 1.0
    assert deviation(float("nan"), 660_000, np.inf) == 100.0


def test_a_statistic_every_particle_meets_keeps_its_weight_in_the_distance():
    """pyABC drops a statistic whose scale is 0; the floor of one tolerance keeps a one-sided pattern in the fit."""
    from lockdown_sim.experiments.calibrate import mad_at_least_tolerance

    samples = np.array([[0.0, 0.1], [0.0, 3.0], [0.0, -2.0], [0.0, 5.0]])
    scale = mad_at_least_tolerance(samples=samples, s0=np.zeros(2), s_ids=["a", "b"], t=1)
    assert scale[0] == 1.0 and scale[1] > 1.0


def test_the_predictive_figure_places_a_one_sided_figure_and_prints_no_missing_glyph():
    """'At least 660,000' is drawn (its bound at -1), not 'not measured'; the CJK name is dropped from the label."""
    import warnings

    from lockdown_sim.analysis.figures import close
    from lockdown_sim.analysis.posterior import predictive_figure

    pred = pd.DataFrame([
        {"pattern": "standard packages (保供套餐) a day", "role": "calibrated", "record_low": 660_000.0,
         "record_high": np.inf, "mean": 700_000.0, "low_95": 650_000.0, "high_95": 750_000.0},
        {"pattern": "stops per rider a day", "role": "calibrated", "record_low": 100.0, "record_high": 110.0,
         "mean": 105.0, "low_95": 100.0, "high_95": 110.0}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = predictive_figure(pred)
        fig.canvas.draw()
    ax = fig.axes[0]
    assert not [t for t in ax.texts if "not measured" in t.get_text()]
    bars = [line.get_xdata() for line in ax.lines if len(line.get_xdata()) == 2]
    # drawn bottom-up: the two-sided row in half-widths, the one-sided one with its bound at -1 and tenths of it
    assert [list(b) for b in bars] == [pytest.approx([-1.0, 1.0]), pytest.approx([-1 - 10 / 66, -1 + 90 / 66])]
    assert "保" not in " ".join(t.get_text() for t in ax.get_yticklabels())
    close(fig)
