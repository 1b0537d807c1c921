"""Global sensitivity analysis: the factors come from the scenario's [plausible] table, points run in three modes on
common seeds, the dummy factor measures seed noise, Morris and Sobol find what drives a known response, and
`lockdown-sim sensitivity --quick` runs end to end into a results directory and a report section."""

import json
import sys

import numpy as np
import pandas as pd
import pytest

from lockdown_sim.analysis.sensitivity import influential, morris_indices, sobol_indices
from lockdown_sim.experiments.sampling import FactorSpace, plausible_space
from lockdown_sim.experiments.sensitivity import QUICK, SEED_NOISE, Options, morris_design, prepare, problem
from lockdown_sim.console import main
from lockdown_sim.sim.scenario import load_scenario

FAST = ["--days", "8", "--households", "1000", "--workers", "1", "--no-progress"]  # the tests' tiny city


def scenario_with(tmp_path, plausible: dict) -> str:
    """A scenario file on the toy city with extra plausible bounds."""
    lines = ['base = "toy"', "", "[plausible]"] + [f'"{k}" = {json.dumps(v)}' for k, v in plausible.items()]
    path = tmp_path / "extra.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


# --- the factors ---------------------------------------------------------------------------------
def test_factors_are_every_plausible_setting_of_the_scenario_read_when_the_design_is_made(tmp_path):
    toy = load_scenario("toy")
    assert plausible_space("toy").names == [k for k, (lo, hi) in toy.plausible.items() if hi > lo]
    path = scenario_with(tmp_path, {"volunteers.hours": [1.0, 4.0]})  # a new assumption appears in [plausible]
    design = morris_design(plausible_space(path), Options(scenario=path, households=300, seeds=1, trajectories=2))
    assert "volunteers.hours" in design.factors and design.factors[-1] == SEED_NOISE
    hours = design.table()["volunteers.hours"]
    assert set(hours) <= {1.0, 2.0, 3.0, 4.0} and hours.nunique() > 1  # Morris' 4-level grid over [1, 4]


def test_whole_number_settings_take_every_value_equally_often_and_stay_in_bounds():
    space = plausible_space("toy")
    whole = [f for f in space.factors if f.whole]
    assert whole, "the scenario has whole-number settings with plausible bounds"
    u = np.random.default_rng(3).random((6000, len(space)))
    values = pd.DataFrame([space.values_at(row) for row in u])
    for f in (f for f in whole if f.high - f.low < 10):  # few values: each seen about equally often
        counts = values[f.name].value_counts(normalize=True).sort_index()
        assert list(counts.index) == list(range(int(f.low), int(f.high) + 1))
        assert counts.max() - counts.min() < 0.05
    for f in whole:
        assert values[f.name].map(type).eq(int).all()
    for f in space.factors:
        assert values[f.name].between(f.low, f.high).all()


def test_points_that_break_the_model_s_checks_are_refused_before_any_run(tmp_path, capsys):
    # the smallest compound's bound overlaps the largest's: where it is drawn above it, the point is refused
    path = scenario_with(tmp_path, {"city.compound_min_households": [16, 11000],
                                    "city.compound_max_households": [100, 11500]})
    code = main(["sensitivity", "--method", "morris", "--scenario", path, "--trajectories", "6", "--seeds", "1",
                 "--out", str(tmp_path / "out"), *FAST])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "sensitivity_morris: point" in err and "city.compound_min_households: must not exceed" in err
    assert not (tmp_path / "out").exists()


# --- common seeds and the dummy factor ---------------------------------------------------------
def test_points_in_a_seed_block_share_seeds_and_the_three_modes_share_each_seed():
    design = morris_design(plausible_space("toy"), Options(**QUICK))
    runs = pd.DataFrame([{"point": r.point, "ordering": r.ordering, "replicate": r.replicate, "seed": r.seed}
                         for r in design.experiment.runs()])
    assert runs.groupby(["point", "replicate"])["seed"].nunique().eq(1).all()  # same city in every mode
    block = dict(enumerate(design.experiment.seed_blocks))
    runs["block"] = runs["point"].map(block)
    assert runs.groupby("block")["seed"].nunique().eq(1).all()
    assert runs["seed"].nunique() == runs["block"].nunique() >= 2  # another block, other seeds
    # the dummy moves only the seeds: its step in a trajectory changes the block and nothing else
    table = design.table()
    for i in range(1, len(table)):
        same_trajectory = table.loc[i, "label"][:4] == table.loc[i - 1, "label"][:4]
        if same_trajectory and table.loc[i, "seed_block"] != table.loc[i - 1, "seed_block"]:
            values = [c for c in table.columns if not c.startswith("u:") and c not in ("point", "label", "seed_block")]
            assert table.loc[i, values].equals(table.loc[i - 1, values])


# --- the indices find what drives a known response ---------------------------------------------
def synthetic(unit: np.ndarray, names: list, rng) -> pd.DataFrame:
    """A response driven by two factors, plus noise that depends only on the seed block (the dummy)."""
    x = dict(zip(names, unit.T))
    noise = rng.normal(0, 1, 10_000)[(x[SEED_NOISE] * 9_999).astype(int)]
    return pd.DataFrame({"y": 2.0 * x["stock.initial_days"] + 1.0 * x["platform.basket_days"] + 0.2 * noise})


def test_morris_ranks_the_driving_factors_first_and_separates_them_from_seed_noise():
    from SALib.sample import morris as morris_sample

    prob = problem(plausible_space("toy").names)  # the sample morris_design runs, without checking its points
    unit = morris_sample.sample(prob, N=20, num_levels=4, seed=12)
    y = synthetic(unit, prob["names"], np.random.default_rng(1))
    idx = morris_indices(prob, unit, y, levels=4)
    ranked = list(idx["parameter"])
    assert ranked[:2] == ["stock.initial_days", "platform.basket_days"]
    assert idx.set_index("parameter").loc["stock.initial_days", "mu_star"] == pytest.approx(2.0, rel=0.05)
    assert idx.set_index("parameter").loc[SEED_NOISE, "mu_star"] > 0.05  # the dummy sees the noise
    separated = set(idx.loc[idx["separated"], "parameter"])
    assert separated == {"stock.initial_days", "platform.basket_days"}
    assert influential(idx.assign(response="y"), 2) == ["stock.initial_days", "platform.basket_days"]


def test_sobol_first_order_indices_match_a_linear_response():
    chosen = ["stock.initial_days", "platform.basket_days", "ties.decay_rate"]
    from SALib.sample import sobol as saltelli

    prob = problem(chosen)  # the sample sobol_design runs (without checking 6,000 points against the model)
    unit = saltelli.sample(prob, N=1024, calc_second_order=False, scramble=True, seed=12)
    y = synthetic(unit, prob["names"], np.random.default_rng(2))
    idx = sobol_indices(prob, y).set_index("parameter")
    # variances 4/12 and 1/12 of uniform inputs, noise 0.04: S1 = 4/5.48, 1/5.48
    total = 4 / 12 + 1 / 12 + 0.04
    assert idx.loc["stock.initial_days", "S1"] == pytest.approx((4 / 12) / total, abs=0.05)
    assert idx.loc["platform.basket_days", "S1"] == pytest.approx((1 / 12) / total, abs=0.05)
    assert abs(idx.loc["ties.decay_rate", "ST"]) < 0.02 and not idx.loc["ties.decay_rate", "separated"]
    assert idx.loc[SEED_NOISE, "ST"] == pytest.approx(0.04 / total, abs=0.03)
    assert idx.loc["stock.initial_days", "separated"]


def test_sobol_takes_the_most_influential_factors_of_the_morris_result_in_the_same_directory(tmp_path):
    rows = [("a", "stock.initial_days", 0.5, True), ("a", "platform.basket_days", 0.1, True),
            ("a", "ties.decay_rate", 0.01, False), ("b", "group_buying.signup_prob", 0.9, True),
            ("a", SEED_NOISE, 0.02, False), ("b", SEED_NOISE, 0.02, False)]
    (tmp_path / "morris").mkdir()
    pd.DataFrame(rows, columns=["response", "parameter", "mu_star", "separated"]).to_csv(
        tmp_path / "morris" / "indices.csv", index=False)
    ranked = influential(pd.read_csv(tmp_path / "morris" / "indices.csv"), 2)
    design = prepare("sobol", Options(**dict(QUICK, top=2)), ranked)
    # each is the top factor of one response; ties in that order go by name
    assert design.factors == ["group_buying.signup_prob", "stock.initial_days", SEED_NOISE]
    assert set(design.table().columns) >= {"stock.initial_days", "group_buying.signup_prob"}
    assert "platform.basket_days" not in design.table().columns  # the others keep the scenario's values


# --- the command -------------------------------------------------------------------------------
def test_sensitivity_morris_quick_runs_analyses_resumes_and_writes_the_report_section(tmp_path, capsys):
    out, report = tmp_path / "sens", tmp_path / "report"
    args = ["sensitivity", "--method", "morris", "--quick", "--out", str(out), "--report", str(report), *FAST]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "seed noise: mu* of seed_noise" in printed and "rank  factor" in printed
    folder = out / "morris"
    indices = pd.read_csv(folder / "indices.csv")
    factors = plausible_space("toy").names
    assert set(indices["parameter"]) == set(factors) | {SEED_NOISE}
    assert set(indices["response"]) == {"hybrid_delivery_ratio", "hybrid_elderly_unserved_share",
                                        "hybrid_elderly_left_unserved_share", "group_minus_platform_delivery_ratio"}
    # the paired difference is group buying minus platform on the same seed, point by point
    from lockdown_sim.analysis.results import load_outcomes
    runs = load_outcomes(folder / "batch")
    wide = runs.pivot_table(index="point", columns="ordering", values="delivery_ratio")
    points = pd.read_csv(folder / "points.csv").set_index("point")
    np.testing.assert_allclose(points["group_minus_platform_delivery_ratio"], wide["group_buying"] - wide["platform"])
    assert runs.groupby("point")["seed"].nunique().eq(1).all()
    for response in indices["response"].unique():
        assert (folder / f"mu_star_{response}.png").stat().st_size > 10_000
        assert (report / "sensitivity" / f"morris_{response}.png").is_file()
    section = (report / "sensitivity" / "what_drives_the_results.md").read_text()
    assert section.startswith("## What drives the results") and "### Morris screening" in section
    assert "morris_hybrid_delivery_ratio.png" in section

    # the same command again runs nothing and gives the same indices
    assert main(args) == 0
    runs_total = (len(factors) + 2) * QUICK["trajectories"] * 3
    assert f"0 finished now, {runs_total} were finished before" in capsys.readouterr().out
    pd.testing.assert_frame_equal(pd.read_csv(folder / "indices.csv"), indices)


def test_sobol_quick_with_named_factors_writes_its_part_beside_morris(tmp_path, capsys):
    report = tmp_path / "report"
    code = main(["sensitivity", "--method", "sobol", "--quick", "--samples", "4", "--params",
                 "stock.initial_days,platform.basket_days", "--out", str(tmp_path / "s"), "--report", str(report),
                 *FAST])
    assert code == 0
    indices = pd.read_csv(tmp_path / "s" / "sobol" / "indices.csv")
    assert set(indices["parameter"]) == {"stock.initial_days", "platform.basket_days", SEED_NOISE}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(indices.columns)
    assert "### Sobol indices" in (report / "sensitivity" / "what_drives_the_results.md").read_text()


@pytest.mark.parametrize("args, field", [
    (["--method", "fast"], "--method"),
    (["--method", "sobol", "--samples", "6", "--params", "stock.initial_days"], "--samples"),
    (["--method", "sobol", "--params", "stock.nope"], "--params"),
    (["--method", "sobol", "--params", "stock.initial_dys"], "did you mean stock.initial_days?"),
    (["--method", "sobol"], "--params"),  # no Morris result in --out and none named
    (["--method", "morris", "--seeds", "0"], "--seeds"),
    (["--method", "morris", "--engine", "spark"], "--engine"),
])
def test_bad_options_get_one_line_and_exit_2_before_any_run(tmp_path, capsys, args, field):
    code = main(["sensitivity", "--quick", "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and field in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command, module", [(["sensitivity", "--method", "morris"], "SALib"),
                                             (["discover"], "ema_workbench")])
def test_without_the_analysis_extra_the_commands_name_it_in_one_line(tmp_path, capsys, monkeypatch, command, module):
    monkeypatch.setitem(sys.modules, module, None)  # importing it now fails, as when it is not installed
    code = main([*command, "--quick", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "lockdown-supply-sim[analysis]" in err
    assert not (tmp_path / "o").exists()


def test_problem_puts_the_dummy_last_over_the_unit_cube():
    space = FactorSpace(tuple(plausible_space("toy").factors[:3]))
    p = problem(space.names)
    assert p["names"][-1] == SEED_NOISE and p["num_vars"] == 4 and p["bounds"] == [[0.0, 1.0]] * 4
