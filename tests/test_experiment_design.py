"""Experiment files: the shipped designs, expansion into runs, deterministic seeds, and one-line errors (exit 2)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from experiment_files import write_experiment
from lockdown_sim.experiments.design import builtin_experiments, load_experiment, run_seed
from lockdown_sim.console import main
from lockdown_sim.sim.model import ORDERING_MODES
from lockdown_sim.experiments.run import daily_table, run_model
from lockdown_sim.sim.scenario import load_scenario

SHIPPED = ("compare_modes", "courier_sweep", "elderly_sweep", "moq_sweep", "ties_sweep", "gateway_sweep")


# --- the shipped experiment files ----------------------------------------------------------------
def test_the_issue_s_experiments_are_shipped():
    assert set(SHIPPED) <= set(builtin_experiments())


def test_compare_modes_is_three_modes_by_thirty_replicates():
    exp = load_experiment("compare_modes")
    runs = exp.runs()
    assert exp.orderings == ORDERING_MODES and exp.replicates == 30 and len(runs) == 90
    assert {r.ordering for r in runs} == set(ORDERING_MODES)
    assert len({r.seed for r in runs}) == 30


def test_courier_sweep_covers_0_1_to_1_by_mode():
    exp = load_experiment("courier_sweep")
    values = exp.grid["courier_availability"]
    assert min(values) == pytest.approx(0.1) and max(values) == pytest.approx(1.0) and len(values) >= 5
    assert {"platform", "hybrid"} <= set(exp.orderings)


@pytest.mark.parametrize("name, path", [
    ("elderly_sweep", "population.elderly_share"),
    ("ties_sweep", "population.supplier_tie_share"),
    ("gateway_sweep", "gateway.overhead_factor"),
])
def test_sweeps_span_the_scenario_s_plausible_bounds(name, path):
    exp = load_experiment(name)
    lo, hi = load_scenario(exp.scenario).plausible[path]
    values = [p[path] if path in p else p.get(path.split(".")[-1]) for _, p in exp.parameter_points()]
    values = [v for v in values if v is not None]
    assert min(values) == pytest.approx(lo) and max(values) == pytest.approx(hi)


def test_moq_sweep_scales_every_supplier_kind_s_minimum_order():
    exp = load_experiment("moq_sweep")
    base = load_scenario(exp.scenario)
    kinds = ("farm", "wholesaler", "supermarket", "restaurant")
    scales = set()
    for label, point in exp.parameter_points():
        if point.get("min_order") is False:
            continue
        ratios = {point[f"local_suppliers.moq_{k}"][1] / base[f"local_suppliers.moq_{k}"][1] for k in kinds}
        assert len(ratios) == 1, label  # all kinds scaled together
        scales |= ratios
    assert min(scales) < 1 < max(scales)
    assert any(p.get("min_order") is False for _, p in exp.parameter_points())


def test_gateway_sweep_turns_the_gateway_off_and_varies_it():
    points = dict(load_experiment("gateway_sweep").parameter_points())
    assert any(p.get("gateway") is False for p in points.values())
    assert len({p.get("gateway.bass_q") for p in points.values()}) > 2


@pytest.mark.parametrize("name", SHIPPED)
def test_every_point_of_a_shipped_experiment_runs(name):
    """Each parameter point builds and steps (fewer households and days: this checks the points, not results)."""
    exp = load_experiment(name)
    for label, point in exp.parameter_points():
        params = dict(exp.model_params(point, exp.orderings[-1]), households=2000, days=3)
        table = daily_table(run_model(params, rng=1, progress=False))
        assert len(table) == 3 and np.isfinite(table["delivery_ratio"]).all(), label


# --- expansion and seeds ------------------------------------------------------------------------
def test_runs_are_points_by_replicates_by_modes(tmp_path):
    exp = load_experiment(write_experiment(tmp_path, replicates=3))
    runs = exp.runs()
    assert len(runs) == exp.count() == 2 * 3 * 2
    assert len({r.run_id for r in runs}) == len(runs)
    assert [p["courier_availability"] for _, p in exp.parameter_points()] == [0.5, 1.0]
    assert all(r.params["overrides"] == {"stock.initial_days": 4.0} for r in runs)
    assert {r.params["households"] for r in runs} == {400} and {r.params["days"] for r in runs} == {8}


def test_points_are_crossed_with_the_grid(tmp_path):
    text = """
[experiment]
name = "x"
scenario = "toy"
replicates = 1
master_seed = 1
orderings = ["hybrid"]
[grid]
stock.initial_days = [3.0, 6.0]
[[points]]
label = "no gateway"
gateway = false
[[points]]
"gateway.bass_q" = 0.5
"""
    exp = load_experiment(write_experiment(tmp_path, text=text))
    points = exp.parameter_points()
    assert [label for label, _ in points] == ["no gateway, stock.initial_days=3", "no gateway, stock.initial_days=6",
                                              "gateway.bass_q=0.5, stock.initial_days=3",
                                              "gateway.bass_q=0.5, stock.initial_days=6"]
    assert points[1][1] == {"gateway": False, "stock.initial_days": 6.0}  # a TOML sub-table is a "section.key"


def test_an_experiment_without_a_master_seed_runs_the_seeds_of_every_command(tmp_path):
    from lockdown_sim.experiments.seeds import MASTER_SEED, replicate_seeds

    path = tmp_path / "plain.toml"
    path.write_text('[experiment]\nname = "plain"\nscenario = "toy"\nreplicates = 3\n')
    experiment = load_experiment(path)
    assert experiment.master_seed == MASTER_SEED
    assert sorted({r.seed for r in experiment.runs()}) == sorted(replicate_seeds(3))


def test_the_same_file_gives_the_same_seeds_and_another_master_seed_others(tmp_path):
    a = load_experiment(write_experiment(tmp_path / "", name="a"))
    again = load_experiment(write_experiment(tmp_path, name="a"))
    assert [(r.run_id, r.seed) for r in a.runs()] == [(r.run_id, r.seed) for r in again.runs()]
    other = load_experiment(write_experiment(tmp_path, name="b", master_seed=8))
    assert not {r.seed for r in a.runs()} & {r.seed for r in other.runs()}


def test_a_replicate_has_one_seed_in_every_mode_and_point(tmp_path):
    """Common random numbers: replicate r is the same city in every mode and point; replicates differ."""
    runs = load_experiment(write_experiment(tmp_path, replicates=4)).runs()
    by_rep = {}
    for r in runs:
        by_rep.setdefault(r.replicate, set()).add(r.seed)
    assert all(len(seeds) == 1 for seeds in by_rep.values())
    assert len({s for seeds in by_rep.values() for s in seeds}) == 4


def test_more_replicates_keep_the_earlier_seeds():
    assert [run_seed(5, r) for r in range(3)] == [run_seed(5, r) for r in range(10)][:3]
    assert all(0 <= run_seed(5, r) < 2**63 for r in range(10))


def test_the_digest_ignores_comments_and_description_but_not_values(tmp_path):
    path = write_experiment(tmp_path)
    exp = load_experiment(path)
    path.write_text("# a comment\n" + path.read_text().replace("tiny batch for tests", "reworded"))
    assert load_experiment(path).digest == exp.digest
    path.write_text(path.read_text().replace("[0.5, 1.0]", "[0.5, 0.9]"))
    assert load_experiment(path).digest != exp.digest


def test_a_built_in_experiment_is_found_by_name():
    assert load_experiment("ties_sweep").name == "ties_sweep"


# --- bad files: one line naming the field, exit code 2 ------------------------------------------
BASE = '[experiment]\nname = "t"\nscenario = "toy"\nreplicates = 1\nmaster_seed = 1\n'


@pytest.mark.parametrize("text, fragment", [
    (BASE + "colour = 1\n", "experiment.colour: unknown key; allowed in [experiment]: name,"),
    (BASE + "[grid]\nelderly_share = [0.2, 1.5]\n", "grid.elderly_share[1]: 1.5 is not allowed; allowed: a number from 0 to 1"),
    (BASE + "[grid]\nstock.initial_days = [2, -1]\n", "grid.stock.initial_days[1]: -1 is out of range"),
    (BASE + '[grid]\n"stock.nope" = [2]\n', "grid.stock.nope: unknown key 'nope'; allowed in [stock]:"),
    (BASE + "[fixed]\ncourier = 0.5\n", "fixed.courier: unknown parameter; allowed: courier_availability,"),
    (BASE + '[fixed]\ncourier_availability = "lots"\n', "fixed.courier_availability: 'lots' is not allowed"),
    (BASE + "[grid]\ncourier_availability = 0.5\n", "grid.courier_availability: 0.5 is not allowed; allowed: a non-empty list"),
    (BASE + '[fixed]\ngateway = "no"\n', "fixed.gateway: 'no' is not allowed; allowed: true or false"),
    (BASE + 'metrics = ["fil_rate"]\n', "experiment.metrics[0]: 'fil_rate' is not a metric"),
    (BASE.replace('"toy"', '"atlantis"'), "experiment.scenario: 'atlantis' is neither a built-in scenario"),
    (BASE.replace("replicates = 1", "replicates = 0"), "experiment.replicates: 0 is not allowed"),
    (BASE.replace("master_seed = 1", "master_seed = 1.5"), "experiment.master_seed: 1.5 is not allowed"),
    (BASE + 'orderings = ["drones"]\n', "experiment.orderings[0]: 'drones' is not allowed; allowed: platform | group_buying | hybrid"),
    (BASE + "households = 5\n", "experiment.households: 5 is not allowed"),
    (BASE + "days = 0\n", "experiment.days: 0 is not allowed"),
    (BASE + '[fixed]\n"city.compound_min_households" = 20000\n', "city.compound_min_households: must not exceed"),
    (BASE + '[grid]\n"timeline.reopen_day" = [30, 300]\n', "grid.timeline.reopen_day[1]: day 300 is beyond the horizon"),
    (BASE + '[grid]\ngateway = [true]\n[fixed]\n"mechanisms.gateway" = false\n', "gateway: also set as \"mechanisms.gateway\""),
    (BASE + "[fixed]\nelderly_share = 0.3\n[grid]\nelderly_share = [0.3]\n", "grid.elderly_share: also set in [fixed]"),
    (BASE + '[[points]]\n"timeline.reopen_day" = 1\n', "points[0].timeline.reopen_day: must not come before both districts are locked"),
    (BASE + "[runs]\nx = 1\n", "runs: unknown table; allowed: [experiment], [fixed], [grid], [[points]]"),
    (BASE + '[[points]]\nlabel = "a"\ngateway = false\n[[points]]\nlabel = "a"\ntiers = false\n',
     "points[1].label: 'a' is also the label of points[0]; allowed: a different label for each point"),
    (BASE + '[[points]]\ngateway = false\n[[points]]\ngateway = false\n',
     "point 1 (gateway=false): the same label as point 0; allowed: points that differ"),
    ("[experiment\n", "not valid TOML"),
    ("[fixed]\n", "experiment: table missing"),
])
def test_a_bad_experiment_file_is_one_line_and_exit_code_2(text, fragment, tmp_path, capsys):
    path = write_experiment(tmp_path, text=text)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert fragment in err, err
    assert err.startswith(f"lockdown-sim: error: {path}: ") and len(err.strip().splitlines()) == 1
    assert not out.exists()  # refused before any work


def test_bad_experiment_input_from_the_real_command_has_no_traceback(tmp_path):
    path = write_experiment(tmp_path, text=BASE + "[grid]\nelderly_share = [0.2, 1.5]\n")
    proc = subprocess.run([sys.executable, "-m", "lockdown_sim.console", "batch", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr == f"lockdown-sim: error: {path}: grid.elderly_share[1]: 1.5 is not allowed; allowed: a number from 0 to 1\n"


def test_an_experiment_file_in_another_encoding_is_one_line_and_one_with_a_bom_is_read(tmp_path, capsys):
    latin = write_experiment(tmp_path, name="latin")
    latin.write_bytes(("# café\n" + BASE).encode("latin-1"))
    assert main(["batch", str(latin), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == (f"lockdown-sim: error: {latin}: not UTF-8 text (byte 0xe9 at position 5); "
                                       "allowed: a TOML file saved as UTF-8\n")
    marked = write_experiment(tmp_path, name="marked")
    marked.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_experiment(marked).digest == load_experiment(write_experiment(tmp_path, name="t", text=BASE)).digest


def test_a_missing_experiment_file_is_one_line(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"lockdown-sim: error: experiment: file '{tmp_path / 'missing.toml'}' not found\n"
    assert main(["batch", "no_such_design", "--out", str(tmp_path / "o")]) == 2
    assert "'no_such_design' is neither a built-in experiment (compare_modes," in capsys.readouterr().err


def test_experiments_lists_the_built_in_files(capsys):
    assert main(["experiments"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in SHIPPED) and "90 runs" in out


def test_the_readme_s_example_experiment_file_is_valid(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    text = readme.split("**An experiment file.**", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    exp = load_experiment(write_experiment(tmp_path, text=text))
    assert exp.count() == 2 * 10 * 2 * 10  # 2 points x 10 courier levels x 2 modes x 10 replicates
