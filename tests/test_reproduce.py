"""`lockdown-sim reproduce`: a small reproduction of the argument end to end (toy city, few seeds and points), its
report (self-contained HTML, Markdown, figures, every number in the CSV, the manifest), verdicts decided by the
written rule (analysis/verdicts.py; its own tests: tests/test_verdicts.py), checks and null models that measure
what they say, derived null arms designed from their sources' runs, resuming, and the analysis functions."""

import base64
import json
import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from lockdown_sim.analysis.measures import break_even, paired_effect, parameter_influence
from lockdown_sim.analysis.reproduce import load_reproduction
from lockdown_sim.analysis.verdicts import HOLDS, INCONCLUSIVE, NO_EFFECT, REVERSED
from lockdown_sim.experiments.claims import ALL_CLAIMS, CLAIMS, HEADLINE, LOTTERY, MATCHED
from lockdown_sim.experiments.design import experiment_from_tables
from lockdown_sim.experiments.engines import LocalEngine
from lockdown_sim.console.reproduce import reproduce
from lockdown_sim.experiments.reproduce import command_for, design, latin_hypercube, open_out, profile_for
from experiment_files import few_factor_scenario
from lockdown_sim.console import main
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.model import check_params

SMALL = dict(quick=True, scenario="toy", households=1500, seeds=3, points=3, point_seeds=2)


def _reproduce(out):
    return reproduce(out, profile_for(**SMALL), lambda: LocalEngine(1), progress=False)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce") / "out"
    manifest = _reproduce(out)
    return out, manifest


def test_a_small_reproduction_writes_every_section_from_real_runs(small):
    out, manifest = small
    assert not manifest["run"]["failed"] and manifest["run"]["done_now"] == manifest["run"]["runs"] > 0
    md = (out / "report.md").read_text()
    for claim in ALL_CLAIMS:
        title = claim.title if claim is HEADLINE else f"Claim {claim.argument}: {claim.title}"
        section = md.split(f"## {title}")[1].split("\n## ")[0]
        for part in ("### Tests", "### Robustness over the plausible"):
            assert part in section, (title, part)
        if claim.all_checks():
            assert "### Implementation checks" in section, title
        if claim.ablations:
            assert "### What carries the effect" in section, title
        for effect in claim.effects:
            assert effect.label in section
        assert ("Not judged: an input of the model" in section) == bool(claim.input)
    for heading in ("## Verdicts", "### What would have falsified each claim", "### Implementation checks (not verdicts)",
                    "## Timeline (toy)", "## Robustness overview", "## How many seeds the tests need", "## Validation",
                    "## Scale convergence"):
        assert heading in md
    # a reduced run says so at the top, in every section heading and on every figure's stamp
    assert "QUICK-CUSTOM RUN - provisional" in md
    assert all("[QUICK-CUSTOM RUN]" in line for line in md.splitlines() if line.startswith("## "))


def test_the_html_page_is_self_contained_with_every_figure_embedded(small):
    out, _ = small
    page = (out / "report.html").read_text()
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    pngs = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert len(images) == len(pngs) >= 15
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "http://" not in page and "https://" not in page and "figures/" not in page.split("<body>")[1]


def test_every_number_in_the_csv_is_shown_and_every_verdict_follows_the_rule(small):
    out, manifest = small
    md = (out / "report.md").read_text()
    numbers = pd.read_csv(out / "numbers.csv", keep_default_na=False)
    assert len(numbers) > 100
    for shown in numbers["shown"].astype(str):
        assert shown in md, shown
    assert manifest["verdicts"] and all(v["predicted"] != 0 for v in manifest["verdicts"])  # verdicts only
    for v in manifest["verdicts"]:
        p = lambda key: 1.0 if v[key] is None else v[key]  # noqa: E731
        if v["verdict"] == HOLDS:
            assert p("p_holds") < 0.025, v
            assert v["predicted"] * (v["low" if v["predicted"] > 0 else "high"] - v["neutral"]) > v["sesoi"], v
        elif v["verdict"] == REVERSED:
            assert p("p_reversed") < 0.025, v
        elif v["verdict"] == NO_EFFECT:
            assert p("p_no_effect") < 0.05, v
        else:
            assert v["verdict"] == INCONCLUSIVE, v
        assert set(v["robustness"]) == {"lhs"} and v["robustness"]["lhs"]["points"] <= 3
    rule = {c["claim"]: c["verdict"] for c in manifest["claims"]}
    assert rule["ties_fade"] == "input (not judged)"
    for claim, verdict in rule.items():
        tests = [v["verdict"] for v in manifest["verdicts"] if v["claim"] == claim]
        if verdict == HOLDS:
            assert tests and all(t == HOLDS for t in tests)
        if REVERSED in tests:
            assert verdict == REVERSED


def test_checks_and_null_models_measure_what_they_say(small):
    out, manifest = small
    checks = {c["check"]: c for c in manifest["checks"]}
    # checks are the effects that could not fail, each with its reason, and never among the verdicts
    assert not set(checks) & {v["effect"] for v in manifest["verdicts"]}
    assert all(c["why"] for c in checks.values())
    # without tie decay every lockdown tie is kept, so decay can only lower the share kept
    ties = checks["lockdown ties kept, hybrid - no tie decay"]
    assert ties["high"] < 0 and ties["status"] == "as built"
    # peak leaders can never exceed the upper bound of the same city: the probe is that bound
    assert checks["peak leaders - their upper bound (per 1,000 households), bound at its maximum"]["high"] <= 1e-9
    # groups that cannot grow keep only their day-0 members: growth against none is the mechanism itself
    assert checks["chat-group members at reopening, hybrid - groups that cannot grow"]["low"] > 0
    # the supply-matched null got supply (not more than the hybrid city's), and leaders' placement null got leaders
    supply = checks["supply at gates, null model / hybrid"]
    assert 0 < supply["value"] <= 1.05
    led = checks["households that led, null model - need-driven emergence"]
    assert abs(led["value"]) < 0.02


def test_the_manifest_says_what_ran(small):
    out, manifest = small
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["kind"] == "lockdown-sim reproduce" and on_disk["reduced"] is True
    assert len(on_disk["seeds"]) == 3 and len(set(on_disk["seeds"])) == 3
    assert len(on_disk["lhs_points"]) == 3 and on_disk["profile"]["scenario"] == "toy"
    assert all((out / f).is_file() for f in on_disk["files"])
    assert {b["kind"] for b in on_disk["batches"]} == {"main", "sweep", "lhs"}
    # the derived null arms ran at the scenario's settings and at every hypercube point, after their sources
    arms = {(b["kind"], b["arm"]) for b in on_disk["batches"]}
    for arm in (MATCHED, LOTTERY):
        assert ("main", arm.key) in arms and ("lhs", arm.key) in arms


def test_a_finished_reproduction_is_read_again_with_the_verdicts_it_reported(small, tmp_path):
    out, manifest = small
    read, judgement = load_reproduction(out)
    assert read["verdicts"] == json.loads((out / "manifest.json").read_text())["verdicts"]
    effects = [e for cr in judgement.claims for e in cr.effects]
    assert [(e.effect.label, e.verdict) for e in effects] == [(v["effect"], v["verdict"]) for v in manifest["verdicts"]]
    assert all(len(e.values) == SMALL["seeds"] for e in effects if e.n)  # every effect, seed by seed
    with pytest.raises(ScenarioError, match="holds no reproduction"):
        load_reproduction(tmp_path)


# --- "What drives the results": the section `sensitivity` and `discover` write into the report's folder -------------
def _section(md: str) -> str:
    return md.split("\n## What drives the results")[1].split("\n## ")[0]


def test_without_the_what_drives_section_the_report_says_how_to_make_it(small):
    out, _ = small
    section = _section((out / "report.md").read_text())
    assert "Not produced yet" in section
    for command in ("lockdown-sim sensitivity --method morris --report DIR",
                    "lockdown-sim sensitivity --method sobol --report DIR", "lockdown-sim discover --report DIR",
                    command_for(profile_for(**SMALL), "DIR")):
        assert command in section, command
    assert "--out DIR --quick --scenario toy --households 1500 --seeds 3 --points 3 --point-seeds 2`" in section


def test_running_again_reuses_every_run_keeps_the_numbers_and_adds_the_what_drives_section(small, tmp_path, capsys):
    out, _ = small
    copy = tmp_path / "report"
    shutil.copytree(out, copy)
    before = pd.read_csv(copy / "numbers.csv")
    scenario = few_factor_scenario(tmp_path, ("stock.initial_days", "city.compound_median_households"))
    assert main(["sensitivity", "--method", "morris", "--quick", "--scenario", str(scenario), "--households", "300",
                 "--days", "8", "--workers", "1", "--no-progress", "--out", str(tmp_path / "gsa"),
                 "--report", str(copy)]) == 0
    # the command says how to show the section in this report: the report's own command, which reuses its runs
    assert command_for(profile_for(**SMALL), copy) in capsys.readouterr().out
    manifest = _reproduce(copy)
    assert manifest["run"]["done_now"] == 0 and manifest["run"]["done_before"] == manifest["run"]["runs"]
    after = pd.read_csv(copy / "numbers.csv")
    pd.testing.assert_frame_equal(before, after[after["section"] != "What drives the results"].reset_index(drop=True))
    md = (copy / "report.md").read_text()
    section = _section(md)
    assert "Not produced yet" not in section and "### Morris screening: which assumptions matter" in section
    assert md.index("## What drives the results") < md.index("## Validation")
    # its figures are the report's figures, embedded in the page like the others
    written = sorted((copy / "sensitivity").glob("morris_*.png"))
    assert len(written) == 4
    page = (copy / "report.html").read_text()
    embedded = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', page)
    assert len(embedded) == len(list((copy / "figures").glob("*.png")))
    for png in written:
        assert (copy / "figures" / f"sensitivity-{png.name}").read_bytes() == png.read_bytes()
        assert base64.b64encode(png.read_bytes()).decode() in embedded
        assert f"](figures/sensitivity-{png.name})" in section
    assert "<em>separated from seed noise</em>" in page and "mu*" in page
    # the numbers of its tables are in numbers.csv, as shown
    indices = pd.read_csv(tmp_path / "gsa" / "morris" / "indices.csv")
    top = indices[(indices["response"] == "hybrid_delivery_ratio") & (indices["parameter"] != "seed_noise")].iloc[0]
    numbers = pd.read_csv(copy / "numbers.csv")
    shown = numbers[(numbers["section"] == "What drives the results") & (numbers["item"] == top["parameter"])
                    & (numbers["quantity"] == "mu*")]
    assert float(shown["value"].iloc[0]) == pytest.approx(top["mu_star"], rel=5e-3)
    # the parts not run yet are named with their commands
    assert "Not in this section yet" in section and "--method sobol --report DIR" in section


def test_a_folder_holding_only_the_what_drives_section_takes_a_reproduction(tmp_path):
    folder = tmp_path / "report"
    (folder / "sensitivity").mkdir(parents=True)
    (folder / "sensitivity" / "what_drives_the_results.md").write_text("## What drives the results\n")
    assert open_out(folder) == folder and (folder / "manifest.json").is_file()
    (folder / "notes.txt").write_text("mine")
    other = tmp_path / "other"
    shutil.copytree(folder, other)
    (other / "manifest.json").unlink()
    with pytest.raises(ScenarioError, match="holds no reproduction"):
        open_out(other)


def test_bad_input_is_one_line_and_exit_code_2_before_any_work(tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["reproduce", "--quick", "--out", str(other), "--scenario", "toy"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds no reproduction" in err
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]
    assert main(["reproduce", "--quick", "--out", str(tmp_path / "x"), "--seeds", "1"]) == 2
    assert "--seeds: 1 is not allowed" in capsys.readouterr().err
    assert main(["reproduce", "--out", str(tmp_path / "y"), "--scenario", "nowhere"]) == 2
    assert not (tmp_path / "y").exists()


# --- the design ----------------------------------------------------------------------------------
def test_every_claim_reads_outcomes_the_runs_measure_and_cites_the_argument():
    from lockdown_sim.sim.outcomes import OUTCOMES

    assert [c.argument for c in CLAIMS] == [1, 2, 3, 4, 5, 6, 7]
    for claim in ALL_CLAIMS:
        assert claim.where.startswith("docs/argument.md") and claim.section
        for effect in claim.every_effect():
            for m in (effect.a, effect.b):
                for name in getattr(m, "outcomes", ()):
                    assert name in OUTCOMES, name


def test_the_hypercube_covers_the_plausible_ranges_with_valid_points():
    profile = profile_for(quick=True, points=20)
    points, replaced = latin_hypercube(profile)
    again, _ = latin_hypercube(profile)
    assert points == again and len(points) == 20
    cfg = check_params(scenario_file="shanghai-2022")
    for point in points:
        assert set(point) == set(cfg.plausible)
        check_params(scenario_file="shanghai-2022", overrides=point)  # every point is a valid scenario
        for name, value in point.items():
            lo, hi = cfg.plausible[name]
            assert lo <= value <= hi
    # stratified: each setting has one value in each fifth of its range, four times over (bar the replaced points)
    name = "population.proxy_share"
    lo, hi = cfg.plausible[name]
    bins = np.floor((np.array([p[name] for p in points]) - lo) / (hi - lo) * 20).clip(0, 19)
    assert len(set(bins)) >= 20 - replaced
    assert all(float(p["group_buying.max_sets_per_household"]).is_integer() for p in points)


def test_generated_experiments_are_checked_like_files():
    good = {"experiment": {"name": "x", "scenario": "toy", "orderings": ["hybrid"], "replicates": 2,
                           "master_seed": 1, "metrics": "all"},
            "points": [{"label": "a", "stock.reorder_days": 11.0, "stock.target_days": 14.0}]}
    exp = experiment_from_tables(good, "generated")
    assert exp.points[0]["stock.reorder_days"] == 11.0  # valid together, though not on top of the defaults
    bad = dict(good, points=[{"label": "a", "ties.decay_rate": 3.0}])
    with pytest.raises(ScenarioError, match=r"^generated: points\[0\]\.ties\.decay_rate: 3\.0 is out of range"):
        experiment_from_tables(bad, "generated")


# --- analysis functions -------------------------------------------------------------------------
def test_break_even_finds_each_seed_s_crossing_and_counts_those_outside_the_sweep():
    curve = pd.DataFrame({0.1: [0.2, 0.3, 0.9, 0.1], 0.5: [0.6, 0.5, 0.95, 0.2], 1.0: [1.0, 0.9, 0.99, 0.3]},
                         index=[11, 12, 13, 14])
    target = pd.Series({11: 0.4, 12: 0.7, 13: 0.5, 14: 0.8})
    point = break_even(curve, target)
    assert point.per_seed[11] == pytest.approx(0.3) and point.per_seed[12] == pytest.approx(0.75)
    assert point.n == 2 and point.below_range == 1 and point.above_range == 1
    assert point.mean == pytest.approx(0.525) and point.low < point.mean < point.high


def test_paired_effects_and_ratios():
    a = pd.Series([2.0, 4.0, 6.0], index=[1, 2, 3])
    b = pd.Series([1.0, 2.0, 3.0, 9.0], index=[1, 2, 3, 4])
    d, values = paired_effect(a, b, neutral=1.0, scale="ratio")
    assert list(values) == [2.0, 2.0, 2.0] and d.n == 3 and d.mean == pytest.approx(1.0)
    d, _ = paired_effect(a, b)
    assert d.mean == pytest.approx(2.0) and d.n == 3


def test_a_derived_null_arm_is_designed_only_once_its_sources_have_run(small):
    out, _ = small
    profile = profile_for(**SMALL)
    before = design(profile)
    assert ("main", MATCHED.key) in before.pending and ("main", MATCHED.key) not in before.experiments
    after = design(profile, root=out)
    assert not after.pending
    schedule = after.derived[("main", MATCHED.key)][0]
    assert schedule == after.experiments[("main", MATCHED.key)].fixed["counterfactuals.top_up_portions"]
    assert len(schedule) > 10 and all(v >= 0 for _, v in schedule)
    assert after.runs() == before.runs()  # the pending arms were counted in full


def test_parameter_influence_names_the_parameter_that_flips_the_verdict():
    rng = np.random.default_rng(3)
    points = pd.DataFrame({"p": rng.uniform(0, 1, 40), "q": rng.uniform(0, 1, 40)})
    points["effect"] = points["p"] - 0.5 + rng.normal(0, 0.05, 40)
    points["holds"] = points["effect"] > 0
    table = parameter_influence(points, ["q", "p"], bounds={"p": (0, 1), "q": (0, 1)})
    top = table.iloc[0]
    assert top["parameter"] == "p" and top["rho"] > 0.8 and top["shift"] < -0.3 and top["shift_p"] < 0.001
    assert math.isfinite(table.iloc[1]["rho"]) and abs(table.iloc[1]["rho"]) < 0.5
