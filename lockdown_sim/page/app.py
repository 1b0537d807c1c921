"""Mesa SolaraViz page of the locked-down city: watch food run out compound by compound, day by day.

Left, the city map (compounds coloured by the share of households with an empty stock today, shaped by lockdown
tier, suppliers and couriers on top); right, the daily curves (delivery ratio, older residents unserved, courier stops,
truck trips, leaders, tiers). The sidebar holds Mesa's Step / Play / Reset buttons and the model's controls:
ordering mode, households, courier availability, elderly share, the gateway and outreach switches, lockdown on or
off, and the seed. Changing a control takes effect on Reset.

    lockdown-sim viz [--port N]        # serves the page on http://127.0.0.1:N
    solara run sim.app                 # the same through Solara itself

In a Jupyter notebook the last line of a cell renders the page in place:

    from lockdown_sim.page.app import make_page
    make_page(households=5000)

This module needs the optional extra `lockdown-supply-sim[viz]` (Solara and Mesa's visualization); the model never
imports it.
"""

from __future__ import annotations

import time
import warnings

import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from lockdown_sim.analysis.convergence import size_warning
from lockdown_sim.page import PAGE_TITLE, TITLE
from lockdown_sim.sim.errors import ScenarioError
from lockdown_sim.sim.model import ORDERING_MODES, LockdownSupplyModel
from lockdown_sim.sim.scenario import load_scenario
from lockdown_sim.page.city_map import CityMap
from lockdown_sim.page.daily_plots import DailyPlots

DEFAULT_SCENARIO = "shanghai-2022"


class PageModel(LockdownSupplyModel):
    """`LockdownSupplyModel` as the page builds it; the model itself is unchanged. Two adaptations to Mesa's page:

    - Reset passes only the controls SolaraViz knows about (in a notebook, only those the user changed); the
      others keep the page's starting values (`start`, set per page by `page_model_class`).
    - A seed typed into the page arrives as text; it is read as a whole number (empty: a fresh random seed). Any
      other text keeps the starting seed and the page says so (`input_error`).
    """

    start: dict = {}

    def __init__(self, rng=None, **params):
        # `rng` by name, so that Reset passes the seed to the model rather than into Mesa's Scenario object
        params = {**self.start, **params, **({"rng": rng} if rng is not None else {})}
        try:
            seed, error = parse_seed(params.pop("rng", None)), None
        except ScenarioError as exc:  # shown on the page (an exception here would replace the whole page)
            seed = parse_seed(self.start.get("rng"))
            error = f"{exc}; kept seed {'random' if seed is None else seed}"
        super().__init__(rng=seed, **params)
        self.seed = seed
        self.input_error = error
        self.courier_availability = float(params.get("courier_availability", 1.0))
        self.lockdown = bool(params.get("lockdown", True))

    def describe(self) -> str:
        """One line saying which model the page shows (the controls apply only on Reset)."""
        switches = ", ".join(f"{name} {'on' if on else 'off'}" for name, on in
                             (("gateway", self.mechanisms["gateway"]), ("proxies", self.mechanisms["proxies"]),
                              ("canvassing", self.mechanisms["canvassing"]), ("lockdown", self.lockdown)))
        return (f"{self.ordering.replace('_', ' ')} ordering, {int(self.population.compound_size.sum()):,} households "
                f"in {len(self.compounds):,} compounds, couriers x{self.courier_availability:.2f}, elderly share "
                f"{self.elderly_share:.2f}; {switches}; seed {'random' if self.seed is None else self.seed}")


def parse_seed(value):
    """A seed from the page: an int, a whole number as text, or empty/None for a fresh random seed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("-").isdigit() or int(text) < 0:
            raise ScenarioError(f"seed: {value!r} is not allowed; allowed: a whole number from 0, or empty for a random seed")
        return int(text)
    return value


def model_params(scenario_file: str = DEFAULT_SCENARIO, **values) -> dict:
    """The page's controls (Mesa `model_params`), starting at the scenario's values or the given ones."""
    scenario_file = _old_keyword(scenario_file, values)
    cfg = load_scenario(scenario_file)
    start = {"ordering": "hybrid", "households": cfg.meta.default_households, "courier_availability": 1.0,
             "elderly_share": cfg.population.elderly_share, "gateway": cfg.mechanisms.gateway,
             "proxies": cfg.mechanisms.proxies, "canvassing": cfg.mechanisms.canvassing, "lockdown": True, "rng": 1}
    unknown = set(values) - set(start)
    if unknown:
        raise ScenarioError(f"{sorted(unknown)[0]}: not a control of the page; allowed: {', '.join(start)}")
    start.update(values)
    n = int(start["households"])
    return {
        "scenario_file": scenario_file,
        "ordering": {"type": "Select", "value": start["ordering"], "values": list(ORDERING_MODES),
                     "label": "ordering"},
        "households": {"type": "SliderInt", "value": n, "min": min(1_000, n), "max": max(100_000, n),
                       "step": 1_000, "label": "households"},
        "courier_availability": {"type": "SliderFloat", "value": float(start["courier_availability"]), "min": 0.0,
                                 "max": 3.0, "step": 0.05, "label": "couriers (x riders)"},
        "elderly_share": {"type": "SliderFloat", "value": float(start["elderly_share"]), "min": 0.0, "max": 1.0,
                          "step": 0.01, "label": "elderly share"},
        "gateway": {"type": "Checkbox", "value": bool(start["gateway"]), "label": "gateway (mini-programs)"},
        "proxies": {"type": "Checkbox", "value": bool(start["proxies"]),
                    "label": "outreach: remote proxies"},
        "canvassing": {"type": "Checkbox", "value": bool(start["canvassing"]),
                       "label": "outreach: canvassing"},
        "lockdown": {"type": "Checkbox", "value": bool(start["lockdown"]), "label": "lockdown (off: baseline)"},
        "rng": {"type": "InputText", "value": str(start["rng"]), "label": "seed (empty: random)"},
    }


def _old_keyword(scenario_file: str, values: dict) -> str:
    """`scenario=` was the old spelling of `scenario_file=` (deprecated, as the model's)."""
    if "scenario" in values:
        warnings.warn("scenario=... is deprecated: use scenario_file=...", DeprecationWarning, stacklevel=3)
        return values.pop("scenario")
    return scenario_file


def page_model_class(params: dict) -> type[PageModel]:
    """A PageModel whose parameters not passed default to the page's starting values (the controls' and the
    fixed ones in `params`), so Reset rebuilds the same model unless a control changed."""
    start = {k: (v["value"] if isinstance(v, dict) else v) for k, v in params.items()}
    return type("PageModel", (PageModel,), {"start": start, "__doc__": PageModel.__doc__})


def initial_model(params: dict) -> PageModel:
    """A model built with the controls' starting values."""
    return page_model_class(params)()


def _draw(view) -> tuple[bytes, float]:
    """Today's figure of a view (CityMap, DailyPlots) as PNG bytes, and the seconds it took to draw."""
    start = time.perf_counter()
    png = view.png()
    return png, time.perf_counter() - start


@solara.component
def CityView(model):
    """The day counter and the city map; redrawn when the model steps or is reset."""
    update_counter.get()
    view = solara.use_memo(lambda: CityMap(model), [model])
    png, seconds = solara.use_memo(lambda: _draw(view), [model, model.steps])
    day = f"Day {model.day}" if model.steps else "Before day 0"
    warning = size_warning(model.population.n)
    with solara.Column(classes=["lss-city-map"], gap="2px") as main:
        solara.Title(PAGE_TITLE)  # the browser tab's, instead of Solara's own
        solara.HTML(tag="h3", unsafe_innerHTML=day, classes=["lss-day-title"], style={"margin": "0"})
        solara.Text(f"{model.steps} of {model.horizon} days run", classes=["lss-day"])
        if hasattr(model, "describe"):  # a PageModel (CityView also shows a plain LockdownSupplyModel)
            solara.Text(f"{model.describe()} (controls apply on Reset)", classes=["lss-model"],
                        style={"font-size": "12px", "color": "#555"})
        if getattr(model, "input_error", None):
            solara.Error(model.input_error, classes=["lss-error"], dense=True)
        if warning:  # a city below the converged size (analysis/convergence.py), as every command says
            solara.Warning(warning, classes=["lss-size-warning"], dense=True)
        rw.Image(value=png, format="png", layout={"width": "100%", "height": "auto"})
        _draw_time("map", seconds)
    return main


@solara.component
def CurvesView(model):
    """The daily curves; redrawn when the model steps or is reset."""
    update_counter.get()
    view = solara.use_memo(lambda: DailyPlots(model), [model])
    png, seconds = solara.use_memo(lambda: _draw(view), [model, model.steps])
    with solara.Column(classes=["lss-daily-plots"], gap="4px") as main:
        solara.HTML(tag="h3", unsafe_innerHTML="Day by day", style={"margin": "0"})
        solara.Text("one point a day; the dot is today, dashed lines are cumulative")
        rw.Image(value=png, format="png", layout={"width": "100%", "height": "auto"})
        _draw_time("curves", seconds)
    return main


def _draw_time(what: str, seconds: float):
    """A small caption with the server time spent drawing the figure (so slow sizes are visible, not guessed)."""
    return solara.Text(f"{what} drawn in {seconds:.2f} s", classes=[f"lss-draw-{what}"],
                       style={"font-size": "11px", "color": "#777"})


def make_page(scenario_file: str = DEFAULT_SCENARIO, **values):
    """The page for one model (e.g. the last line of a notebook cell); `values` set the controls' starting values
    (ordering, households, courier_availability, elderly_share, gateway, proxies, canvassing, lockdown, rng)."""
    params = model_params(_old_keyword(scenario_file, values), **values)
    return SolaraViz(initial_model(params), components=[CityView, CurvesView], model_params=params, name=TITLE)


@solara.component
def Page():
    """The page as the server shows it: every browser tab gets a model of its own."""
    params = solara.use_memo(model_params, [])
    model = solara.use_memo(lambda: initial_model(params), [])
    return SolaraViz(model, components=[CityView, CurvesView], model_params=params, name=TITLE)
