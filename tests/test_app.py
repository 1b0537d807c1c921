"""The SolaraViz page as a notebook shows it (rendered in this process, no browser): controls, Step and Reset
rebuild the model from the controls, and bad seeds are refused in one line."""

import pytest

pytest.importorskip("solara", reason="the page needs the viz extra: pip install 'lockdown-supply-sim[viz]'")

import ipyvuetify as v  # noqa: E402
import ipywidgets as w  # noqa: E402
import reacton.core  # noqa: E402
import solara  # noqa: E402
from mesa.visualization.solara_viz import _build_model_init_kwargs  # noqa: E402

from lockdown_sim.page.app import PageModel, initial_model, make_page, model_params, parse_seed  # noqa: E402
from lockdown_sim.sim.errors import ScenarioError  # noqa: E402


def render_in_notebook(element):
    """Render as Jupyter does: the element wrapped in Solara's embedded app layout (sidebar included)."""
    return solara.render(reacton.core._wrap(element, reacton.core.jupyter_decorator_components), handle_error=False)


def test_the_controls_are_those_the_issue_asks_for():
    params = model_params()
    controls = {k for k, spec in params.items() if isinstance(spec, dict)}
    assert controls == {"ordering", "households", "courier_availability", "elderly_share", "gateway", "proxies",
                        "canvassing", "lockdown", "rng"}
    assert params["ordering"]["values"] == ["platform", "group_buying", "hybrid"]
    assert params["scenario_file"] == "shanghai-2022"
    assert params["households"]["value"] == 20_000  # the scenario's defaults, not numbers of the page's own
    with pytest.raises(ScenarioError, match="not a control of the page"):
        model_params(colour="red")


def test_reset_builds_the_model_the_controls_describe():
    """Mesa's Reset builds `type(model)(**controls)`, adding Mesa 3.5's own Scenario object under the `scenario`
    keyword; the model takes it as Mesa's (its scenario file is `scenario_file`)."""
    params = model_params("toy", households=2_000)
    model = initial_model(params)
    values = {k: (spec["value"] if isinstance(spec, dict) else spec) for k, spec in params.items()}
    values.update(ordering="platform", gateway=False, elderly_share=0.5, rng="7")
    kwargs = _build_model_init_kwargs(model, values, add_scenario_when_empty=True, require_model_accepts_scenario=True)
    rebuilt = type(model)(**kwargs)
    assert isinstance(rebuilt, PageModel)
    assert rebuilt.cfg.name == "toy" and rebuilt.population.n == 2_000
    assert rebuilt.ordering == "platform" and rebuilt.mechanisms["gateway"] is False
    assert rebuilt.elderly_share == 0.5 and rebuilt.seed == 7
    assert "platform ordering, 2,000 households" in rebuilt.describe() and "seed 7" in rebuilt.describe()


@pytest.mark.parametrize("text, seed", [("7", 7), (" 42 ", 42), ("", None), ("  ", None), (None, None), (5, 5)])
def test_seed_text_is_read_as_a_whole_number(text, seed):
    assert parse_seed(text) == seed


@pytest.mark.parametrize("text", ["abc", "1.5", "-3", "7e3"])
def test_a_seed_that_is_not_a_whole_number_is_refused(text):
    with pytest.raises(ScenarioError, match="^seed: .* allowed: a whole number"):
        parse_seed(text)


def test_same_seed_same_day():
    a, b = PageModel(scenario_file="toy", rng="11"), PageModel(scenario_file="toy", rng=11)
    for _ in range(5):
        a.step()
        b.step()
    assert a.datacollector.model_vars["delivery_ratio"] == b.datacollector.model_vars["delivery_ratio"]


def test_in_a_notebook_step_advances_the_day_map_and_curves():
    box, rc = render_in_notebook(make_page("toy"))
    try:
        day = rc.find(v.Html, class_="lss-day")
        assert day.widget.children == ["0 of 40 days run"]
        images = [bytes(img.value) for img in rc.find(w.Image).widgets]
        assert len(images) == 2 and all(png.startswith(b"\x89PNG") for png in images)
        for n in (1, 2):
            rc.find(v.Btn, children=["Step"]).widget.click()
            assert rc.find(v.Html, class_="lss-day").widget.children == [f"{n} of 40 days run"]
            now = [bytes(img.value) for img in rc.find(w.Image).widgets]
            assert now[0] != images[0] and now[1] != images[1]  # map and curves both redrawn
            images = now
    finally:
        rc.close()


def test_in_a_notebook_reset_applies_the_controls():
    box, rc = render_in_notebook(make_page("toy", households=1_000))
    try:
        rc.find(v.Select, label="ordering").widget.v_model = "group_buying"
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Btn, children=["Reset"]).widget.click()
        line = rc.find(v.Html, class_="lss-model").widget.children[0]
        assert line.startswith("group buying ordering, 1,000 households")  # the control changed ...
        assert "seed 1 " in line and rc.find(v.Html, class_="lss-day").widget.children == ["0 of 40 days run"]
        # ... and what it did not change kept the page's starting values (scenario toy: 40 days; seed 1)
    finally:
        rc.close()


def test_in_a_notebook_a_bad_seed_is_reported_and_the_page_goes_on():
    box, rc = render_in_notebook(make_page("toy", rng=4))
    try:
        seed = rc.find(v.TextField, label="seed (empty: random)").widget
        seed.v_model = "abc"
        seed.fire_event("keyup.enter", None)  # as pressing Enter in the box
        rc.find(v.Btn, children=["Reset"]).widget.click()
        error = rc.find(v.Alert, class_="lss-error").widget
        assert "seed: 'abc' is not allowed; allowed: a whole number" in str(error.children)
        assert "kept seed 4" in str(error.children)
        assert "seed 4 " in rc.find(v.Html, class_="lss-model").widget.children[0]
        rc.find(v.Btn, children=["Step"]).widget.click()  # and the model still runs
        assert rc.find(v.Html, class_="lss-day").widget.children == ["1 of 40 days run"]
    finally:
        rc.close()


def test_the_views_fit_a_plain_model_in_your_own_solaraviz():
    from mesa.visualization import SolaraViz

    from lockdown_sim.page.app import CityView, CurvesView
    from lockdown_sim.sim.model import LockdownSupplyModel

    box, rc = solara.render(SolaraViz(LockdownSupplyModel(scenario_file="toy", rng=1), components=[CityView, CurvesView]),
                            handle_error=False)
    try:
        assert rc.find(v.Html, class_="lss-day").widget.children == ["0 of 40 days run"]
        assert len(rc.find(w.Image).widgets) == 2
    finally:
        rc.close()
