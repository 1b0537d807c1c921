"""Scenario discovery: PRIM (EMA Workbench) recovers a planted box, and `lockdown-sim discover --quick` runs a
Latin hypercube in three modes on common seeds and answers its questions point by point."""

import numpy as np
import pandas as pd

from lockdown_sim.analysis.discovery import QP_MAX, Question, find_box
from lockdown_sim.experiments.discovery import Options, prepare
from lockdown_sim.experiments.sampling import latin_hypercube
from lockdown_sim.experiments.sampling import plausible_space
from lockdown_sim.console import main

FAST = ["--days", "12", "--households", "1000", "--workers", "1", "--no-progress"]


def test_prim_recovers_a_planted_box_and_drops_factors_that_do_not_matter():
    rng = np.random.default_rng(5)
    x = pd.DataFrame(latin_hypercube(5, 500, seed=1), columns=[f"f{i}" for i in range(5)])
    x["sets"] = rng.integers(1, 6, len(x))  # a whole-number factor that does not matter
    y = ((x["f0"] > 0.6) & (x["f3"] < 0.4)).to_numpy()
    y = np.where(rng.random(len(y)) < 0.05, ~y, y)  # a little noise, as seeds give
    box, _ = find_box(x, y, Question("planted", "planted box", "none", 0.0), min_coverage=0.5)
    kept = box.limits[box.limits["kept"]].set_index("factor")
    assert set(kept.index) == {"f0", "f3"}
    assert abs(kept.loc["f0", "low"] - 0.6) < 0.08 and abs(kept.loc["f3", "high"] - 0.4) < 0.08
    assert box.density > 0.8 and box.coverage > 0.55
    # restrictions that could be chance are dropped, which widens the box
    assert box.dropped and box.dropped == tuple(box.limits.loc[box.limits["qp"] > QP_MAX, "factor"])
    assert box.coverage > box.peeled[0]


def test_no_box_when_the_answer_never_or_always_holds():
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    for y in (np.zeros(50, bool), np.ones(50, bool)):
        box, prim_box = find_box(x, y, Question("q", "q", "none", 0.0))
        assert box.index is None and prim_box is None


def test_the_latin_hypercube_covers_every_factor_s_range_once_per_stratum():
    design = prepare(Options(scenario="toy", households=300, points=50, seeds=1))
    strata = np.floor(design.unit * 50).astype(int)
    assert all(sorted(strata[:, j]) == list(range(50)) for j in range(strata.shape[1]))
    assert list(design.table().columns[2:]) == plausible_space("toy").names
    runs = design.experiment.runs()
    assert len({r.seed for r in runs}) == 1  # one seed, the same at every point and in every mode


def test_discover_quick_answers_each_question_from_paired_runs_and_writes_boxes_and_figures(tmp_path, capsys):
    out, report = tmp_path / "disc", tmp_path / "report"
    code = main(["discover", "--quick", "--points", "30", "--elderly-threshold", "0.3", "--out", str(out),
                 "--report", str(report), *FAST])
    assert code == 0
    printed = capsys.readouterr().out
    assert "group buying alone fills more than the platform alone" in printed
    assert "more than 30% of older residents left unserved 3+ days" in printed
    from lockdown_sim.analysis.results import load_outcomes
    runs = load_outcomes(out / "batch")
    wide = runs.pivot_table(index="point", columns="ordering", values="delivery_ratio")
    points = pd.read_csv(out / "points.csv").set_index("point")
    assert len(points) == 30
    np.testing.assert_array_equal(points["group_buying_beats_platform"], wide["group_buying"] > wide["platform"])
    hybrid = runs[runs["ordering"] == "hybrid"].set_index("point")["elderly_left_unserved_share"]
    np.testing.assert_array_equal(points["elderly_left_unserved_over"], hybrid > 0.3)
    boxes = pd.read_csv(out / "boxes.csv")
    assert {"question", "factor", "low", "high", "coverage", "density", "qp", "kept"} <= set(boxes.columns)
    section = (report / "sensitivity" / "what_drives_the_results.md").read_text()
    assert "### Scenario discovery" in section
    for png in (report / "sensitivity").glob("discover_*.png"):
        assert png.stat().st_size > 10_000
        assert png.name in section
