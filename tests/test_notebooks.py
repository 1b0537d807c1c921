"""The notebooks in notebooks/ run from top to bottom on small settings (so they never rot), draw their figures and
compute what they say they compute; the committed notebooks hold no outputs.

Each notebook's first code cell is tagged "parameters"; a test puts a cell of its own values right after it, as
papermill does, and runs the notebook in a Jupyter kernel (nbclient) in a temporary folder.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from lockdown_sim.analysis.stats import paired_difference
from experiment_files import few_factor_scenario

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra: pip install 'lockdown-supply-sim[notebooks]'")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra: pip install 'lockdown-supply-sim[notebooks]'")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ("explore", "reproduce", "sensitivity")
PNG = b"\x89PNG\r\n\x1a\n"


# Every deprecation shown, wherever it is raised (not only in the notebook's own code, as Python's default filters
# do), so that a notebook calling an API on its way out fails its test before a reader sees the warning.
SHOW_DEPRECATIONS = ("import warnings\n"
                     "for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):\n"
                     "    warnings.simplefilter('default', category)")


def execute(name: str, folder: Path, **parameters):
    """Run notebooks/<name>.ipynb in `folder` with `parameters` set after its parameters cell; return it run.
    Fails on any deprecation warning the run shows."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    index = next(i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))
    injected = nbformat.v4.new_code_cell("\n".join(f"{key} = {value!r}" for key, value in parameters.items()))
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(index + 1, injected)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(SHOW_DEPRECATIONS))
    folder.mkdir(parents=True, exist_ok=True)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    assert not deprecations(notebook), f"{name}: {deprecations(notebook)}"
    return notebook


def deprecations(notebook) -> list[str]:
    """The lines of a run notebook's output that report a deprecation."""
    text = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.outputs)
    return [line for line in text.splitlines()
            if any(kind in line for kind in ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning"))]


def test_a_deprecated_call_in_a_notebook_fails_its_test(tmp_path):
    """The check itself: a cell calling the old spelling LockdownSupplyModel(scenario=...) is caught."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SHOW_DEPRECATIONS),
                                               nbformat.v4.new_code_cell(
        "from lockdown_sim import LockdownSupplyModel\nLockdownSupplyModel(scenario='toy', households=50, days=1)")])
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert any("LockdownSupplyModel(scenario=...) is deprecated" in line for line in deprecations(notebook))


def images(notebook) -> int:
    """PNG images the run notebook shows."""
    return sum("image/png" in output.get("data", {}) for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs)


def saved_figures(folder: Path) -> dict[str, bytes]:
    return {path.stem: path.read_bytes() for path in sorted(folder.glob("*.png"))}


# --- what is committed ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_hold_no_outputs_and_open_with_a_parameters_cell(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs committed (strip them)"
    assert "widgets" not in notebook.metadata
    assert "parameters" in code[0].metadata.get("tags", []), f"{name}: the first code cell is the parameters cell"
    # the parameters cell only assigns values, so values put after it override every one of them
    for line in code[0].source.splitlines():
        assert not line.strip() or line.lstrip().startswith("#") or line.startswith(" ") or " = " in line, line


# --- the notebooks, run ---------------------------------------------------------------------------
def test_explore_runs_one_city_and_compares_two_settings_on_the_same_seeds(tmp_path):
    notebook = execute("explore", tmp_path, SCENARIO="toy", HOUSEHOLDS=300, SEED=2, MAP_DAY=10, SEEDS=4, WORKERS=1,
                       A={"label": "riders as calibrated"},
                       B={"label": "half the riders", "courier_availability": 0.5}, OUT="out")
    out = tmp_path / "out"
    figures = saved_figures(out / "figures")
    assert set(figures) == {"city_map", "daily_curves", "paired_differences", "daily_delivery_ratio",
                            "daily_elderly_unserved_share"}
    assert all(png.startswith(PNG) for png in figures.values()) and images(notebook) == len(figures)
    # the comparison is paired: its interval is the one of the seed-by-seed differences of the stored runs
    from lockdown_sim.analysis.results import load_outcomes
    comparison = pd.read_csv(out / "comparison.csv").set_index("outcome")
    runs = {key: load_outcomes(next((out / "runs").glob(f"{key}-*"))).set_index("seed").sort_index() for key in "AB"}
    assert list(runs["A"].index) == list(runs["B"].index) and len(runs["A"]) == 4
    assert "courier_availability" not in runs["A"] and set(runs["B"]["courier_availability"]) == {0.5}
    row = comparison.loc["delivery_ratio"]
    d = paired_difference(runs["B"]["delivery_ratio"].to_numpy(), runs["A"]["delivery_ratio"].to_numpy())
    assert row["seeds"] == 4 and (row["difference"], row["low"], row["high"]) == pytest.approx((d.mean, d.low, d.high))
    assert row["b_mean"] - row["a_mean"] == pytest.approx(row["difference"])
    # the single run is the model on that seed: its map is of the day asked for
    text = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "toy, hybrid: 300 households" in text


def test_reproduce_runs_a_quick_reproduction_and_digs_into_one_claim_seed_by_seed(tmp_path):
    notebook = execute("reproduce", tmp_path, OUT="rep", WORKERS=1, CLAIM="vulnerable", FIGURE="headline-differences",
                       QUICK={"scenario": "toy", "households": 300, "seeds": 2, "points": 2, "point_seeds": 2})
    root = tmp_path / "rep"
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["profile"]["households"] == 300 and (root / "report.html").is_file()
    figures = saved_figures(root / "notebook")
    assert set(figures) == {"modes_need_met", "hybrid_channels", "vulnerable_seeds", "vulnerable_robustness"}
    assert all(png.startswith(PNG) for png in figures.values())
    assert images(notebook) == len(figures) + 1  # and the report's own figure asked for
    # the claim's primary test, seed by seed, is a - b on each seed, and its mean is the effect the report judged
    seeds = pd.read_csv(root / "notebook" / "vulnerable_seeds.csv", index_col="seed")
    label = "gap of isolated older households in need met, hybrid - platform"
    a = next(c for c in seeds.columns if c.startswith("a: "))
    assert len(seeds) == 2 and seeds[label].to_numpy() == pytest.approx((seeds[a] - seeds["b"]).to_numpy())
    judged = next(v for v in manifest["verdicts"] if v["effect"] == label)
    assert seeds[label].mean() == pytest.approx(judged["value"]) and judged["seeds"] == 2
    assert {"no canvassing", "no proxies", "no canvassing, no proxies"} <= set(seeds.columns)


def test_sensitivity_runs_morris_sobol_and_discovery_and_finds_the_box_of_its_question(tmp_path):
    scenario = str(few_factor_scenario(tmp_path, ("stock.initial_days", "city.compound_median_households",
                                                  "platform.basket_days", "local_suppliers.capacity_ratio")))
    small = {"scenario": scenario, "households": 300, "days": 12}
    notebook = execute("sensitivity", tmp_path, SENSITIVITY_OUT="gsa", DISCOVER_OUT="disc", WORKERS=1,
                       SENSITIVITY=dict(small, samples=4, top=2), DISCOVERY=dict(small, points=24), THRESHOLD=None,
                       REPORT="report")
    figures = saved_figures(tmp_path / "gsa" / "notebook")
    assert set(figures) == {"morris_overview", "morris_sigma_group_minus_platform_delivery_ratio", "discovery_box"}
    assert images(notebook) >= len(figures) + 2  # and the commands' own Morris and Sobol charts
    for part in ("morris", "sobol"):
        assert (tmp_path / "gsa" / part / "indices.csv").is_file()
    # the median threshold makes half the points cases, as the question printed says
    points = pd.read_parquet(tmp_path / "disc" / "points.parquet")
    threshold = float(points["group_minus_platform_delivery_ratio"].median())
    text = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    cases = int((points["group_minus_platform_delivery_ratio"] > threshold).sum())
    assert f"above {threshold:.3g}" in text and f"holds at {cases} of 24 points" in text
    assert cases == 12
    # a run started from the notebook writes the reproduction report's section too
    assert (tmp_path / "report" / "sensitivity" / "what_drives_the_results.md").is_file()
