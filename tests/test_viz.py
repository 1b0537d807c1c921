"""The drawings of the interactive page: the city map and the daily curves show the model's state per compound,
blitting draws the same picture as a full render, and the model never needs the view."""

import io
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from lockdown_sim.sim.lockdown import TIER_NAMES
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.page.city_map import CityMap, compound_empty_share, couriers_per_cell, spread_in_cells
from lockdown_sim.page.daily_plots import PANELS, DailyPlots


@pytest.fixture(scope="module")
def stepped():
    """A toy model after 16 days (tiers in force from day 14), with its map and curves drawn every day."""
    model = LockdownSupplyModel(scenario_file="toy", rng=3)
    city, curves = CityMap(model), DailyPlots(model)
    for _ in range(16):
        model.step()
        city.png()
        curves.png()
    return model, city, curves


def test_empty_share_per_compound_matches_the_households():
    model = LockdownSupplyModel(scenario_file="toy", rng=2, days=12)
    while model.running:
        model.step()
    share = compound_empty_share(model)
    assert np.allclose(share, [c.empty_share for c in model.compounds])
    assert share.max() > 0  # the toy city runs short by day 12, so the comparison is not all zeros


def test_compounds_sharing_a_cell_are_drawn_side_by_side_inside_it():
    x = np.array([0, 0, 0, 5, 2, 2])
    y = np.array([1, 1, 1, 5, 3, 3])
    px, py = spread_in_cells(x, y)
    assert (px[3], py[3]) == (5, 5)  # alone in its cell: at the centre
    same = [0, 1, 2]
    points = {(round(a, 6), round(b, 6)) for a, b in zip(px[same], py[same])}
    assert len(points) == 3  # three distinct spots ...
    assert np.all(np.hypot(px[same] - 0, py[same] - 1) < 0.5)  # ... all inside the shared cell
    assert np.hypot(px[4] - px[5], py[4] - py[5]) > 0.3


def test_couriers_are_counted_per_cell(stepped):
    model, _, _ = stepped
    working = [r for r in model.platform.riders if r.working]
    cells, count = couriers_per_cell(working)
    assert count.sum() == len(working) > 0
    assert len(cells) == len({r.cell.coordinate for r in working})


def test_the_map_shows_every_compound_by_tier_coloured_by_its_share_short(stepped):
    model, city, _ = stepped
    city.update()
    tiers = np.asarray(model.rules.tier)
    share = compound_empty_share(model)
    shown = 0
    for t, points in city.tiers.items():
        sel = tiers == t
        assert len(points.get_offsets()) == sel.sum()
        assert np.allclose(points.get_array(), share[sel])
        assert city.labels[TIER_NAMES[t]].get_text() == f"{TIER_NAMES[t]} ({int(sel.sum())})"
        shown += len(points.get_offsets())
    assert shown == len(model.compounds)
    assert len(set(tiers.tolist())) > 1  # after day 14 several tiers are on the map at once
    open_sites = sum(s.is_open for s in model.platform.sites)
    assert len(city.sites_open.get_offsets()) == open_sites
    assert len(city.sites_closed.get_offsets()) == len(model.platform.sites) - open_sites
    trucks_out = sum(t.trips_today > 0 for t in model.trucks)
    assert city.labels["trucks out today"].get_text() == f"trucks out today ({trucks_out})"
    assert f"Day {model.day}" in city.title.get_text()


def test_the_curves_hold_one_point_per_day_so_far(stepped):
    model, _, curves = stepped
    curves.update()
    data = model.datacollector.model_vars
    for (ax, title, heading, drawn), (_, lines) in zip(curves.panels, PANELS):
        for (metric, line, now), spec in zip(drawn, lines):
            assert metric == spec[0]
            x, y = line.get_data()
            assert list(x) == list(range(model.steps))
            assert np.allclose(y, data[metric], equal_nan=True)
            assert now.get_data()[1][0] == pytest.approx(data[metric][-1], nan_ok=True)
            assert np.nanmax(y) <= ax.get_ylim()[1]  # in view
        assert heading.get_text().startswith(title + ": ")


@pytest.mark.parametrize("view", ["map", "curves"])
def test_blitting_draws_the_same_picture_as_a_full_render(stepped, view):
    model, city, curves = stepped
    fig_view = city if view == "map" else curves
    fast = np.asarray(Image.open(io.BytesIO(fig_view.png())).convert("RGB"), dtype=int)
    full = io.BytesIO()
    fig_view.fig.savefig(full, format="png")
    slow = np.asarray(Image.open(full).convert("RGB"), dtype=int)
    assert fast.shape == slow.shape
    differs = np.abs(fast - slow).sum(axis=-1) > 60
    assert differs.mean() < 0.002  # antialiased edges at most
    assert np.abs(fast - fast.mean(axis=(0, 1))).max() > 100  # and it is a picture, not a blank frame


def test_a_new_scale_redraws_the_frame():
    model = LockdownSupplyModel(scenario_file="toy", rng=1)
    curves = DailyPlots(model)
    tops = []
    for _ in range(12):
        model.step()
        curves.png()
        tops.append(curves.panels[4][0].get_ylim()[1])  # group leaders: grows from 0
    assert tops[-1] > tops[0]
    assert max(model.datacollector.model_vars["leaders"]) <= tops[-1]


def test_the_model_runs_without_any_view():
    """MASON rule: importing and stepping the model loads neither Solara nor the page nor its drawings."""
    code = ("import sys; from lockdown_sim.sim.model import LockdownSupplyModel as M; m = M(scenario_file='toy', days=2); m.step(); "
            "bad = [n for n in sys.modules if n.split('.')[0] in ('solara', 'reacton', 'ipywidgets') "
            "or n.startswith('lockdown_sim.page')]; print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
