"""Shortcuts taken for speed give exactly the results of the plain computation they replace."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lockdown_sim.sim.local_supply import LocalSupply
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.run import daily_table

MANY_SUPPLIERS = {"local_suppliers.real_count": 400_000}  # ~120 suppliers in a 3,000-household toy city


def table(**kw):
    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=9, overrides=MANY_SUPPLIERS, **kw)
    while m.running:
        m.step()
    return m, daily_table(m)


@pytest.mark.parametrize("near_k", [8, 40])
def test_nearest_supplier_shortlist_equals_exhaustive_search(monkeypatch, near_k):
    monkeypatch.setattr(LocalSupply, "NEAR_K", 10**9)  # every search measures every supplier
    m_full, full = table(ordering="group_buying")
    monkeypatch.setattr(LocalSupply, "NEAR_K", near_k)
    m_fast, fast = table(ordering="group_buying")
    assert m_fast.local_supply.n > near_k and full["portions_group"].sum() > 0
    assert m_fast.gateway.enabled and full["gateway_share"].max() > 0.3  # the gateway path was used (market potential 0.8)
    pd.testing.assert_frame_equal(full, fast)


def test_city_distance_matches_a_search_over_every_crossing():
    m = LockdownSupplyModel(scenario_file="toy", households=20000, rng=1)
    city = m.city
    rng = np.random.default_rng(0)
    x1, x2 = rng.integers(0, city.width, 5000), rng.integers(0, city.width, 5000)
    y1, y2 = rng.integers(0, city.height, 5000), rng.integers(0, city.height, 5000)
    b = city.bridge_rows.astype(float)
    detour = (np.abs(y1[:, None] - b) + np.abs(y2[:, None] - b)).min(axis=1)
    across = np.abs(x1 - city.river_x) + np.abs(x2 - city.river_x) + detour
    same = (x1 < city.river_x) == (x2 < city.river_x)
    expected = np.where(same, np.abs(x1 - x2) + np.abs(y1 - y2), across) * city.cell_km
    assert np.array_equal(city.distance_km(x1, y1, x2, y2), expected)


def test_runs_leave_the_cycle_collector_as_they_found_it():
    """run_to_end freezes the built city out of Python's cycle collector for the run, and always unfreezes it."""
    import gc

    from lockdown_sim.sim.model import LockdownSupplyModel
    from lockdown_sim.experiments.run import run_model

    gc.unfreeze()
    real_step, frozen = LockdownSupplyModel.step, []

    def step(self):
        frozen.append(gc.get_freeze_count())
        real_step(self)

    LockdownSupplyModel.step = step
    try:
        model = run_model({"scenario_file": "toy", "households": 200, "days": 3}, rng=1, progress=False)
    finally:
        LockdownSupplyModel.step = real_step
    assert model.steps == 3
    assert all(count > 1000 for count in frozen), frozen  # the city was frozen while it ran ...
    assert gc.get_freeze_count() == 0  # ... and is not any more


def test_tie_suppliers_follow_the_contacts_members_brought_in():
    """The per-compound lists of suppliers brought into each group (grown incrementally as contacts come in) are
    what a plain computation from who has brought a contact in gives."""
    import numpy as np

    from lockdown_sim.sim.model import LockdownSupplyModel

    m = LockdownSupplyModel(scenario_file="toy", households=2000, rng=2)
    for _ in range(16):
        m.step()
    pop, shared = m.population, m.bridging.shared
    assert shared.any()

    def plain(c):
        return np.unique(pop.supplier_tie[(pop.compound == c) & shared]).tolist()

    for c in range(pop.n_compounds):
        assert m.bridging.suppliers(c).tolist() == plain(c)
    newcomer = np.flatnonzero(~shared & (pop.supplier_tie >= 0))[0]
    c = int(pop.compound[newcomer])
    m.bridging.bring_in([newcomer])
    assert int(pop.supplier_tie[newcomer]) in m.bridging.suppliers(c).tolist()
    assert all(m.bridging.suppliers(k).tolist() == plain(k) for k in range(pop.n_compounds))


def _plain_opening(tryers, cls, compound, gamma, reaction, cand_ptr, cand_site, remaining, n_sites):
    """The slot sale's opening as first written: every household in order of arrival tries its listed sites."""
    delay = gamma * reaction[cls[tryers]]
    won = np.full(len(tryers), -1)
    sold_at, turned = np.full(n_sites, np.nan), np.zeros(n_sites, dtype=bool)
    for j in np.argsort(delay, kind="stable"):
        c = compound[tryers[j]]
        for s in cand_site[cand_ptr[c]:cand_ptr[c + 1]]:
            if remaining[s] > 0:
                remaining[s] -= 1
                won[j] = s
                if remaining[s] == 0:
                    sold_at[s] = delay[j]
                break
            turned[s] = True
    return won, sold_at, turned


@pytest.mark.parametrize("slots_per_site", [3, 400, 5000])  # every site sells out early, some do, none does
def test_the_compiled_slot_sale_equals_the_plain_one(slots_per_site):
    from lockdown_sim.sim.slot_sale import _opening

    rng = np.random.default_rng(slots_per_site)
    n_hh, n_comp, n_sites = 300_000, 3_000, 60
    compound = np.sort(rng.integers(0, n_comp, n_hh)).astype(np.int32)
    cls = rng.integers(0, 5, n_hh).astype(np.int8)
    reaction = np.array([3.0, 9.0, 6.0, 0.0, 30.0])
    per = rng.integers(0, 6, n_comp)
    cand_ptr = np.r_[0, np.cumsum(per)].astype(np.int64)
    cand_site = np.concatenate([rng.choice(n_sites, k, replace=False) for k in per]).astype(np.int64)
    tryers = np.sort(rng.choice(n_hh, 150_000, replace=False)).astype(np.int64)
    gamma = rng.gamma(2.0, 0.5, len(tryers))
    remaining = rng.integers(0, 2 * slots_per_site, n_sites).astype(np.int64)
    won, sold_at, turned = _plain_opening(tryers, cls, compound, gamma, reaction, cand_ptr, cand_site,
                                          remaining.copy(), n_sites)
    fast_remaining, fast_sold, fast_turned = remaining.copy(), np.full(n_sites, np.nan), np.zeros(n_sites, bool)
    won_site = np.full(n_hh, -1)
    winners, others, _ = _opening(tryers, cls, compound, gamma, reaction, True, cand_ptr, cand_site, fast_remaining,
                                  fast_sold, fast_turned, won_site)
    assert 0 < len(winners) < len(tryers) or slots_per_site == 5000
    assert np.array_equal(winners, tryers[won >= 0]) and np.array_equal(others, tryers[won < 0])
    assert np.array_equal(won_site[winners], won[won >= 0])
    assert np.array_equal(fast_sold, sold_at, equal_nan=True) and np.array_equal(fast_turned, turned)


def _plain_group_booking(joiners, comp, arrival, group_min, first_site, limit, n_compounds, n_sites):
    """Compound group-order booking as first written, with numpy's sorts."""
    by_comp = np.lexsort((arrival, comp))
    joiners, arrival, comp = joiners[by_comp], arrival[by_comp], comp[by_comp]
    first = np.searchsorted(comp, comp)
    count = np.searchsorted(comp, comp, side="right") - first
    enough = count >= group_min
    booked_at = np.maximum(arrival, arrival[np.minimum(first + group_min - 1, len(arrival) - 1)])
    joiners, booked_at, comp = joiners[enough], booked_at[enough], comp[enough]
    site = first_site[comp]
    order = np.lexsort((booked_at, site))
    joiners, site, comp = joiners[order], site[order], comp[order]
    ok = np.arange(len(joiners)) - np.searchsorted(site, site) < limit[site]
    kept = np.bincount(comp[ok], minlength=n_compounds)
    ok &= kept[comp] >= group_min
    return joiners[ok], site[ok], comp[ok]


@pytest.mark.parametrize("seed", [0, 1])
def test_the_compiled_group_booking_equals_the_plain_one(seed):
    from lockdown_sim.sim.group_bookings import _book_groups

    rng = np.random.default_rng(seed)
    n_comp, n_sites, n = 4_000, 40, 200_000
    comp = np.sort(rng.integers(0, n_comp, n)).astype(np.int64)
    joiners = np.sort(rng.choice(10 * n, n, replace=False)).astype(np.int64)
    arrival = rng.random(n)
    arrival[::13] = arrival[5]  # ties in arrival, and (below) many in booking time
    first_site = rng.integers(0, n_sites, n_comp).astype(np.int64)
    limit = np.floor(rng.random(n_sites) * 6_000)  # some sites turn compounds away, cutting some short
    for group_min in (20, 60):
        plain = _plain_group_booking(joiners, comp, arrival, group_min, first_site, limit, n_comp, n_sites)
        fast = _book_groups(joiners, comp, arrival, group_min, first_site, limit, n_comp, n_sites)
        assert 0 < len(fast[0]) < n
        assert all(np.array_equal(a, b) for a, b in zip(plain, fast))


def test_a_city_run_on_every_core_is_the_same_run(monkeypatch):
    """Big cities run their loops over households on every core (sim/parallel.py): a toy city made to do the same
    gives the same daily table as on one core."""
    from lockdown_sim.sim import parallel

    def run():
        m = LockdownSupplyModel(scenario_file="toy", households=4000, rng=11, ordering="hybrid")
        while m.running:
            m.step()
        return daily_table(m)

    one_core = run()
    monkeypatch.setattr(parallel, "PARALLEL_HOUSEHOLDS", 0)
    every_core = run()
    assert parallel.threads_on()
    monkeypatch.undo()
    parallel.use_threads(0)
    pd.testing.assert_frame_equal(one_core, every_core)


def test_compiled_loops_are_cached_per_version_of_the_whole_model(tmp_path):
    """A loop calling a compiled function of another file must not keep the old code when that file changes: the
    cache folder is named by every model source file (sim/parallel.py), so any change starts a fresh cache."""
    import shutil

    from lockdown_sim.sim.parallel import cache_folder_name

    from lockdown_sim.sim import parallel

    sources = Path(parallel.__file__).resolve().parent
    copy = tmp_path / "sim"
    shutil.copytree(sources, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = cache_folder_name(copy)
    assert before == cache_folder_name(sources)
    path = copy / "local_supply.py"
    path.write_text(path.read_text() + "\n# a change in one file\n")
    assert cache_folder_name(copy) != before


@pytest.mark.parametrize("target_dtype,values_dtype", [(np.float32, np.float32), (np.float32, np.float64),
                                                       (np.float64, np.float32), (np.float64, np.int64)])
def test_compiled_add_at_equals_numpy_add_at_bit_for_bit(target_dtype, values_dtype):
    """sim/parallel.add_at replaces np.add.at on pending food, gates, holds and stock: repeated indices, a float32
    target meeting float64 values (rounded back after each addition) and negated values give numpy's numbers."""
    from lockdown_sim.sim.parallel import add_at

    rng = np.random.default_rng(3)
    index = rng.integers(0, 50, 2000)  # many repeats: the order of the additions matters in float32
    values = (rng.random(2000) * 37.3).astype(values_dtype) if values_dtype != np.int64 else rng.integers(0, 9, 2000)
    start = (rng.random(50) * 1e4).astype(target_dtype)
    for v in (values, -values):
        plain, fast = start.copy(), start.copy()
        np.add.at(plain, index, v)
        add_at(fast, index, v)
        assert plain.tobytes() == fast.tobytes()


def test_ledger_record_each_equals_record_called_order_by_order():
    from lockdown_sim.sim.ledger import FLOWS, Ledger

    portions = np.random.default_rng(4).random(500) * 123.456
    for kind in FLOWS:
        plain, fast = Ledger(), Ledger()
        for p in portions.tolist():
            plain.record(kind, p)
        fast.record_each(kind, portions)
        assert vars(plain) == vars(fast), kind


def test_the_ties_merge_equals_a_merge_of_unique_keys():
    """Ties._merge counts repeats and merges in place; the plain merge it replaced took
    np.unique(today, return_counts=True) and walked both sorted lists."""
    from lockdown_sim.sim.ties import _merge

    rng = np.random.default_rng(5)
    n = 1000
    keys = np.unique(rng.integers(0, n * n, 3000))
    strength = rng.integers(1, 5, len(keys)).astype(np.int32)
    made = rng.integers(0, 30, len(keys)).astype(np.int32)
    today = np.sort(np.concatenate([rng.choice(keys, 400), rng.integers(0, n * n, 600)]))
    degree = np.zeros(n, np.int64)
    room = [np.concatenate([a, np.zeros(len(today), a.dtype)]) for a in (keys, strength, made)]  # merged in place
    m, fresh, strongest = _merge(*room, len(keys), today, 31, degree, n)
    out_keys, out_strength, out_made = (a[:m] for a in room)
    new, times = np.unique(today, return_counts=True)
    merged = dict(zip(keys.tolist(), zip(strength.tolist(), made.tolist())))
    for k, t in zip(new.tolist(), times.tolist()):
        s, d = merged.get(k, (0, 31))
        merged[k] = (s + t, d)
    assert out_keys.tolist() == sorted(merged) and fresh == len(merged) - len(keys)
    assert list(zip(out_strength.tolist(), out_made.tolist())) == [merged[k] for k in sorted(merged)]
    assert degree.sum() == 2 * fresh and strongest == max(merged[k][0] for k in new.tolist())


def test_the_ties_store_equals_a_plain_store_merged_and_faded_day_by_day():
    """Ties, merged and faded in compiled passes, holds what a plain store holds (the day's keys counted with
    np.unique, merged in a dict, faded with one draw per tie in order of the keys at numpy's chance for its
    strength): the same ties, degrees and counts, day after day."""
    from types import SimpleNamespace

    from lockdown_sim.sim.ties import Ties

    n, decay_rate, exponent = 300, 0.2, 1.0
    fast = Ties(n, SimpleNamespace(decay_rate=decay_rate, strength_exponent=exponent), np.random.default_rng(1),
                decay=True)
    plain_rng, rng = np.random.default_rng(1), np.random.default_rng(2)
    plain, degree, formed, lost = {}, np.zeros(n, np.int64), 0, 0  # plain: key -> [strength, day made]
    for day in range(70):
        households = rng.integers(0, n, int(rng.integers(0, 250)))
        leaders = rng.integers(0, n, len(households))
        fast.form(households, leaders)
        starts = np.array([0, len(households) // 2, len(households)])
        fast.form_among(households, starts, 2)
        today = [households * n + leaders]
        for k in range(2):
            members = np.sort(households[starts[k]:starts[k + 1]])
            for j in (1, 2):
                a, b = members[:-j], members[j:]
                today.append(np.minimum(a, b) * n + np.maximum(a, b))
        fast.end_day(day, reopened=day >= 45)
        new, times = np.unique(np.concatenate(today), return_counts=True)
        for key, t in zip(new.tolist(), times.tolist()):
            if key in plain:
                plain[key][0] += t
            else:
                plain[key] = [t, day]
                degree[key // n] += 1
                degree[key % n] += 1
                formed += 1
        if day >= 45 and plain:
            keys = sorted(plain)
            draw = plain_rng.random(len(keys))
            chance = decay_rate / np.array([plain[k][0] for k in keys], dtype=np.float64) ** exponent
            for key in np.array(keys)[draw < chance].tolist():
                del plain[key]
                degree[key // n] -= 1
                degree[key % n] -= 1
                lost += 1
        assert fast.keys.tolist() == sorted(plain) and len(fast) == len(plain), day
        assert fast.degree.tolist() == degree.tolist() and (fast.formed_total, fast.lost_total) == (formed, lost)
        assert fast.made_before(day + 1) == len(plain)
        assert fast.made_before(30) == sum(d < 30 for _, d in plain.values())
        assert fast.has_tie(households, leaders).all() or day >= 45
        # the fading reads its chances by strength from a table sized by the kept maximum (no bounds check compiled)
        assert fast._strongest >= fast.strength.max(initial=0), day
    assert lost > 0 and formed > 10_000


# --- speed, issue 21 part 4: ties, eating, daily metrics and the run loop ---------------------------------------
def test_neighbour_pairs_equal_the_sorted_orders_plain_pairs():
    """Ties.form_among's compiled pairs equal the plain computation it replaced: participants sorted by (order,
    household) with np.lexsort, each paired with the next j of its order, as the multiset of keys end_day merges."""
    from lockdown_sim.sim.ties import _neighbour_pairs

    rng = np.random.default_rng(8)
    n = 5000
    sizes = np.concatenate([rng.integers(1, 30, 200), [100, 700]])  # the larger orders are sorted by np.sort
    starts = np.concatenate([[0], np.cumsum(sizes)])
    households = np.concatenate([rng.choice(n, s, replace=False) for s in sizes]).astype(np.int64)
    for per_order in (1, 2, 3):
        order_id = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
        hh = households[np.lexsort((households, order_id))]
        plain = []
        for j in range(1, per_order + 1):
            same = order_id[:-j] == order_id[j:]
            a, b = hh[:-j][same], hh[j:][same]
            plain.append(np.minimum(a, b) * n + np.maximum(a, b))
        fast = _neighbour_pairs(households, starts, per_order, np.int64(n))
        assert np.sort(fast).tolist() == np.sort(np.concatenate(plain)).tolist()


def test_leaders_hours_add_up_as_python_sum_does():
    """The daily leader hours, summed in compiled code, equal sum(hours.tolist()) (Python's own float sum, with
    its compensation) bit for bit, whatever the spread of the values; and the gateway count equals numpy's."""
    from lockdown_sim.sim.daily_record import _leaders_day

    rng = np.random.default_rng(11)
    cases = [np.zeros(0), np.array([0.5]), np.array([-0.0]), np.array([1e16, 1.0, -1e16]), np.array([np.inf, 1.0]),
             np.array([1e308, 1e308, -1e308])]
    cases += [rng.random(int(k)) * 10.0 ** rng.integers(-8, 9) for k in rng.integers(1, 800, 300)]
    cases += [rng.standard_normal(int(k)) * 10.0 ** rng.integers(0, 17, int(k)) for k in rng.integers(1, 300, 300)]
    for hours in cases:
        gateway = rng.random(len(hours) + 5) < 0.3
        rows = np.sort(rng.choice(len(hours) + 5, len(hours), replace=False))
        padded = np.zeros(len(hours) + 5)
        padded[rows] = hours
        total, users = _leaders_day(rows, padded, gateway)
        assert repr(total) == repr(float(sum(padded[rows].tolist()))) and users == int(gateway[rows].sum())


def test_food_tallies_equal_the_plain_counts_and_bincount_sums():
    """FoodStock.tallies: the counts numpy gives, and the eaten sums by group np.bincount gives, bit for bit."""
    from lockdown_sim.sim.food_stock import _tallies

    rng = np.random.default_rng(12)
    n = 20_000
    short, left, ever, among = (rng.random((4, n)) < [[0.2], [0.05], [0.3], [0.4]])
    first, second = (rng.random(n) < 0.05).astype(np.int8), (rng.random(n) < 0.3).astype(np.int8)
    eaten = (rng.random(n) * 4.0).astype(np.float32)
    eaten[rng.random(n) < 0.1] = 0.0
    s, lft, e, by_first, by_second = _tallies(short, left, ever, among, first, second, eaten)
    assert (s, lft, e) == (int(short[among].sum()), int(left[among].sum()), int(ever.sum()))
    for groups, got in ((first, by_first), (second, by_second)):
        assert got.tobytes() == np.bincount(groups, weights=eaten.astype(np.float64), minlength=2).tobytes()


def test_group_buying_counts_equal_numpy_sums():
    from lockdown_sim.sim.daily_record import _group_buying_counts

    rng = np.random.default_rng(13)
    bought, open_signups = rng.random(5000) < 0.4, rng.integers(0, 4, 5000).astype(np.int32)
    assert _group_buying_counts(bought, open_signups) == (int(bought.sum()), int(open_signups.sum()),
                                                          int((open_signups > 0).sum()))


def test_the_daily_collector_collects_what_mesas_datacollector_does():
    """DailyCollector's one-pass collect gives Mesa's DataCollector's table and steps, value for value and type for
    type (Mesa's calls each reporter and deep-copies what it returns)."""
    from mesa.datacollection import DataCollector

    from lockdown_sim.sim.metrics import reporters

    m = LockdownSupplyModel(scenario_file="toy", households=2000, rng=3, days=25)
    plain = DataCollector(model_reporters=reporters())
    while m.running:
        m.step()
        plain.collect(m)
    fast = m.datacollector
    assert fast._collection_steps == plain._collection_steps and list(fast.model_vars) == list(plain.model_vars)
    for name, values in plain.model_vars.items():
        assert [(type(v), repr(v)) for v in fast.model_vars[name]] == [(type(v), repr(v)) for v in values], name
    fast_table, plain_table = fast.get_model_vars_dataframe(), plain.get_model_vars_dataframe()
    assert fast_table.equals(plain_table) and fast_table.dtypes.equals(plain_table.dtypes)
    assert fast_table.index.equals(plain_table.index) and set(fast_table.dtypes.astype(str)) == {"float64", "int64"}
    odd = {"floats": [1.0, float("nan")], "ints": [3, -2], "mixed": [1, 2.5], "bools": [True, False], "big": [2**64, 1],
           "texts": ["a", "b"], "empty": [float("nan"), 0.0]}
    fast.model_vars, plain.model_vars = odd, odd
    fast_table, plain_table = fast.get_model_vars_dataframe(), plain.get_model_vars_dataframe()
    assert fast_table.equals(plain_table) and fast_table.dtypes.equals(plain_table.dtypes)


def test_outcomes_measured_with_shared_sums_equal_each_measured_alone():
    """measure() sums each daily column once and takes the last lockdown day once for all outcomes; each outcome
    reduced from a fresh period (nothing shared) gives the same value, bit for bit."""
    from lockdown_sim.sim.outcomes import OUTCOMES, lockdown_period, measure

    m, daily = table(ordering="hybrid")
    reopen = m.cfg.timeline.reopen_day
    shared = measure(daily, m.population.n, reopen)
    alone = {name: o.reduce(lockdown_period(daily, m.population.n, reopen)) for name, o in OUTCOMES.items()}
    assert repr(shared) == repr(alone)


def test_contacts_brought_in_from_the_waiting_list_equal_a_pass_over_every_household():
    """Bridging.update walks only the households with a contact not yet brought in; a pass over every household
    (as before) marks the same households, day after day, new leaders' contacts brought in between."""
    from lockdown_sim.sim.bridging import _bring_in

    rng = np.random.default_rng(14)
    n = 5000
    tie = np.where(rng.random(n) < 0.1, rng.integers(0, 50, n), -1)
    plain, fast = np.zeros(n, bool), np.zeros(n, bool)
    waiting = np.flatnonzero(tie >= 0)
    for day in range(30):
        members = rng.random(n) < 0.02 * day
        degree, member_degree = rng.integers(0, 2, n).astype(np.int32), rng.integers(0, 2, n).astype(np.int32)
        leaders = rng.integers(0, n, 5)
        leaders = leaders[tie[leaders] >= 0]
        plain[leaders] = fast[leaders] = True
        want = members & (tie >= 0) & ~plain & (degree + member_degree >= 2)
        plain |= want
        new, left = _bring_in(waiting, members, fast, degree, member_degree, 2)
        waiting = waiting[:left]
        assert new == int(want.sum()) and fast.tolist() == plain.tolist()
        assert waiting.tolist() == np.flatnonzero((tie >= 0) & ~fast).tolist()


def test_need_met_shares_in_python_floats_equal_numpys():
    from lockdown_sim.sim.need_by_group import _shares

    rng = np.random.default_rng(15)
    for _ in range(2000):
        need = rng.choice([0.0, 1e-13, 1.0, 3.5, 1e6]) * rng.random(2) * rng.integers(0, 2, 2)
        eaten = need * rng.random(2) * 1.3
        plain = eaten / np.maximum(need, 1e-12)
        plain[need == 0] = np.nan
        assert repr([float(v) for v in plain]) == repr(_shares(eaten.tolist(), need.tolist()))


def test_tallies_taken_as_the_eating_ends_equal_tallies_taken_when_asked():
    """The food tallies the daily metrics read are counted right after the day's eating (FoodStock.count_apart);
    counted again when asked, from the same arrays, they are the same."""
    from lockdown_sim.sim.food_stock import _tallies

    m = LockdownSupplyModel(scenario_file="toy", households=2000, rng=5, days=20)
    food, groups = m.food, m.need_by_group
    apart = (m.population.elderly, groups.vulnerable, groups.stranger)
    while m.running:
        m.step()
        kept = food.tallies(*apart)
        again = _tallies(food.short_today, food.left_unserved, food.ever_empty, *apart, food.eaten)
        assert kept is food._tallied and repr(kept) == repr(again)
    assert food.tallies(apart[0].copy(), *apart[1:]) is not food._tallied  # other households: counted when asked


# --- the platform's day compiled (issue 21 part 4, platform side): numpy's draws, sums and verbs, bit for bit ---

def test_compiled_gamma_and_uniform_draws_are_the_generators_own():
    """sim/pcg_draws.py steps numpy's PCG64 itself: its gamma draws and jump ahead give the Generator's numbers and
    leave it in the Generator's state."""
    from lockdown_sim.sim import pcg_draws

    for seed in range(6):
        plain, fast = np.random.default_rng(seed), np.random.default_rng(seed)
        plain.random(seed), fast.random(seed)
        for shape, scale, n in ((2.0, 0.5, 200_000), (1.5, 2.0, 5_000), (9.0, 0.1, 5_000), (2.0, 0.5, 0)):
            assert np.array_equal(plain.gamma(shape, scale, n), pcg_draws.gammas(fast, shape, scale, n))
        for delta in (0, 1, 17, 100_003):
            plain.random(delta)
            words = pcg_draws.pcg_state(fast)
            words[0], words[1] = pcg_draws.advance(words[0], words[1], words[2], words[3], delta)
            pcg_draws.set_pcg_state(fast, words)
        assert plain.bit_generator.state == fast.bit_generator.state and plain.random() == fast.random()


def test_compiled_sums_add_up_as_numpy_does():
    """sim/numpy_sums.py: numpy's pairwise sums (a float64 array, a float32 one through the casting buffer, the
    segments of np.add.reduceat), the same float64 numbers."""
    from lockdown_sim.sim.numpy_sums import segment_sum, sum_as_float64, sum_float64

    rng = np.random.default_rng(21)
    for n in [*range(0, 260), 1_000, 8_191, 8_192, 8_193, 30_001, 200_000]:
        a = rng.standard_normal(n) * 10.0 ** rng.integers(-6, 6, n)
        assert sum_float64(a) == a.sum()
        b = a.astype(np.float32)
        assert sum_as_float64(b) == b.sum(dtype=np.float64)
    for _ in range(50):
        sizes = rng.integers(0, 600, 60)
        sizes[-1] = max(sizes[-1], 1)
        starts = np.r_[0, np.cumsum(sizes)]
        a = (rng.random(starts[-1]) * 10.0 ** rng.integers(-3, 4, starts[-1])).astype(np.float32)
        plain = np.add.reduceat(a, starts[:-1], dtype=np.float64)  # an empty segment gives its first value
        fast = [segment_sum(a, starts[c], starts[c + 1] if c + 1 < len(sizes) else len(a)) for c in range(len(sizes))]
        assert np.array_equal(plain, np.array(fast))
    # float64 is summed whole by numpy, not in buffers: refused rather than summed to other low bits
    with pytest.raises(TypeError, match="float32"):
        sum_as_float64(np.ones(10))
    # the buffer numpy uses now, not the default
    b = rng.standard_normal(30_001).astype(np.float32)
    old = np.setbufsize(4096)
    try:
        assert sum_as_float64(b) == b.sum(dtype=np.float64)
    finally:
        np.setbufsize(old)


def test_kth_smallest_is_the_sorted_value():
    from lockdown_sim.sim.group_bookings import _kth_smallest

    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 30, 64, 65, 200, 3_000):
        a = rng.integers(0, max(2, n // 3), n) / 7.0 if n % 2 else rng.random(n)
        work = np.empty(n)
        for k in {0, n // 3, n // 2, n - 1, min(63, n - 1), min(64, n - 1)}:
            assert _kth_smallest(a, 0, n, k, work) == np.sort(a)[k]


def _plain_dispatch(p, waiting):
    """PlatformCapacity.dispatch_riders as numpy computed it (before its compiled pass)."""
    from lockdown_sim.sim.platform_capacity import _largest_remainder

    working = np.flatnonzero(p.rider_working)
    k = len(working)
    stops = np.maximum(p.stops_per_rider, 1)
    open_ = p.site_open & (p.stops_per_rider > 0)
    staff_left = np.maximum(p.staff_capacity - p.group_picks, 0)
    group = np.ceil(p.group_stop_eq - 1e-9)
    need = np.where(open_ | (group > 0), np.ceil((np.minimum(staff_left, waiting) + group) / stops), 0).astype(np.int64)
    if need.sum() >= k:
        per_site = _largest_remainder(k, need / need.sum()) if need.sum() > 0 else np.zeros(p.n_sites, np.int64)
    else:
        spare = np.where(open_, np.maximum((staff_left + group) / stops - need, 0), 0)
        per_site = need + (_largest_remainder(k - int(need.sum()), spare / spare.sum()) if spare.sum() > 0 else 0)
    sent = np.repeat(np.arange(p.n_sites), per_site)
    rider_site = np.full(len(p.rider_working), -1)
    rider_site[working[:len(sent)]] = sent
    site_riders = np.bincount(sent, minlength=p.n_sites)
    capacity = site_riders * np.where(open_, p.stops_per_rider, 0)
    return (rider_site, site_riders, np.where(rider_site >= 0, stops[np.maximum(rider_site, 0)], 0),
            np.minimum(staff_left, np.maximum(capacity - group, 0)).astype(np.int64), int(capacity.sum()))


def _plain_group_loads(p, site, compound):
    pair, orders = np.unique(compound.astype(np.int64) * p.n_sites + site, return_counts=True)
    p_comp, p_site = pair // p.n_sites, pair % p.n_sites
    trips = np.ceil(orders / p.group_per_trip)
    minutes = trips * (2 * p.first_km[p_comp] * p.minutes_per_km + p.group_handover)
    stop_eq = np.bincount(p_site, weights=minutes / p.minutes_per_stop[p_site], minlength=p.n_sites)
    return (np.bincount(site, minlength=p.n_sites).astype(np.float64), stop_eq, int(trips.sum()),
            float(stop_eq.sum()), len(pair))


def _plain_rounds(p, households, site, rider_stops, rider_gate):
    from lockdown_sim.sim.sorting import group_stably

    orders = np.bincount(site, minlength=p.n_sites)
    by_site, first_order = group_stably(site, p.n_sites)
    riders = np.flatnonzero(p.rider_site >= 0)
    r_site = p.rider_site[riders]
    capacity = np.maximum(p.rider_capacity[riders], 0)
    order, r_first = group_stably(r_site, p.n_sites)
    riders, r_site, capacity = riders[order], r_site[order], capacity[order]
    filled = np.cumsum(capacity)
    before = filled - capacity - (filled - capacity)[r_first[r_site]]
    left = np.maximum(orders[r_site] - before, 0)
    stops = np.minimum(left, capacity)
    go = stops > 0
    rider_stops[riders[go]] += stops[go]
    rider_gate[riders[go]] = p.pop.compound[households[by_site[first_order[r_site[go]] + left[go] - 1]]]
    return orders


@pytest.mark.parametrize("households", [3000, 60000])  # a few sites, and more than eight (numpy's 8-way sums)
def test_the_compiled_platform_day_equals_its_numpy(households):
    """Riders dispatched, group loads carried and the riders' rounds, compiled, on many random days of a city's
    platform: what the numpy they replaced gave."""
    m = LockdownSupplyModel(scenario_file="toy", households=households, rng=5)
    p, rng = m.platform, np.random.default_rng(households)
    assert households < 10_000 or p.n_sites > 8
    for day in range(60):
        p.start_day(20 + day % 40)
        p.site_open = rng.random(p.n_sites) < 0.8
        p.stops_per_rider = rng.integers(0, 120, p.n_sites) * (rng.random(p.n_sites) < 0.9)
        p.staff_capacity = rng.integers(0, 400, p.n_sites)
        p.minutes_per_stop = rng.random(p.n_sites) * 8 + 1
        p.first_km = rng.random(m.population.n_compounds) * 5
        n_group = int(rng.integers(0, 3000))
        g_site = rng.integers(0, p.n_sites, n_group)
        g_comp = rng.integers(0, m.population.n_compounds, n_group)
        plain_loads = _plain_group_loads(p, g_site, g_comp)
        loads = p.carry_group_loads(g_site, g_comp)
        assert np.array_equal(plain_loads[0], p.group_picks) and np.array_equal(plain_loads[1], p.group_stop_eq)
        assert plain_loads[2:] == (p.group_trips, p.group_stop_equivalents, loads)
        p.rider_working = rng.random(len(p.rider_working)) < rng.random()
        waiting = rng.integers(0, 3 * int(rng.integers(1, 500)), p.n_sites)
        plain = _plain_dispatch(p, waiting)
        p.dispatch_riders(waiting)
        assert np.array_equal(plain[0], p.rider_site) and np.array_equal(plain[1], p.site_riders)
        assert np.array_equal(plain[2], p.rider_capacity) and np.array_equal(plain[3], p.slots)
        assert plain[4] == p.stop_capacity
        won = int(rng.integers(0, int(p.slots.sum()) + 1))
        households_won = rng.choice(m.population.n, won, replace=False)
        site = rng.choice(p.n_sites, won, p=p.slots / p.slots.sum()) if won else np.zeros(0, np.int64)
        stops, gate = p.rider_stops.copy(), p.rider_gate.copy()
        plain_orders = _plain_rounds(p, households_won, site, stops, gate)
        p.rounds(households_won, site)
        assert np.array_equal(plain_orders, p.orders)
        assert np.array_equal(stops, p.rider_stops) and np.array_equal(gate, p.rider_gate)


def test_the_compiled_gate_carry_equals_its_numpy():
    """Gate.carry_in compiled: per compound sums, shares, the carry and the ageing as the numpy it replaced."""
    from lockdown_sim.sim.gate import _carry_in

    m = LockdownSupplyModel(scenario_file="toy", households=4000, rng=2)
    pop, rng = m.population, np.random.default_rng(8)
    for trial in range(30):
        waiting = (rng.random((3, pop.n)) * 4 * (rng.random((3, pop.n)) < rng.random())).astype(np.float32)
        if trial % 10 == 0:
            waiting[:] = 0
        capacity = np.where(rng.random(pop.n_compounds) < 0.3, np.inf, rng.random(pop.n_compounds) * 200)
        plain_waiting, plain_home = waiting.copy(), np.zeros(pop.n, np.float32)
        plain_spoiled = np.zeros(pop.n, np.float32)
        if plain_waiting.any():
            left = capacity.copy()
            for k in range(2, -1, -1):
                row = plain_waiting[k]
                if not row.any():
                    continue
                total = pop.per_compound(row)
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(total > 0, np.minimum(1.0, left / np.where(total > 0, total, 1)), 0.0)
                moved = (row * share[pop.compound]).astype(np.float32)
                plain_home += moved
                row[:] = np.maximum(row - moved, 0)
                left -= np.minimum(total, left)
            plain_spoiled = plain_waiting[-1].copy()
            plain_waiting[1:] = plain_waiting[:-1]
            plain_waiting[0] = 0
        home, spoiled = np.zeros(pop.n, np.float32), np.zeros(pop.n, np.float32)
        _carry_in(waiting, capacity, pop.start, pop.compound, home, spoiled)
        assert np.array_equal(home, plain_home) and np.array_equal(spoiled, plain_spoiled)
        assert np.array_equal(waiting, plain_waiting)


def test_shopping_with_draws_made_only_where_looked_at_equals_drawing_them_all():
    """retail: `_shopping_drawn` draws a household's uniform only when it is looked at and steps over the rest;
    the same purchases as `_shopping` given rng.random(n), and the stream where rng.random(n) leaves it."""
    from lockdown_sim.sim import pcg_draws
    from lockdown_sim.sim.retail import _shopping, _shopping_drawn

    m = LockdownSupplyModel(scenario_file="toy", households=4000, rng=3)
    pop, food, rng = m.population, m.food, np.random.default_rng(4)
    for trial in range(20):
        access = np.where(rng.random(pop.n_compounds) < 0.5, 0.0, rng.random(pop.n_compounds))
        free = rng.random(pop.n_compounds) < 0.3
        food.stock = (rng.random(pop.n) * 12).astype(np.float32)
        args = (access, free, pop.start, np.float32(7.0), food.stock, food.pending, food.reorder, food.target,
                food.size)
        plain_rng, fast_rng = np.random.default_rng(trial), np.random.default_rng(trial)
        plain = _shopping(plain_rng.random(pop.n), *args, np.empty(pop.n, np.float32))
        words = pcg_draws.pcg_state(fast_rng)
        fast = _shopping_drawn(words, *args, np.empty(pop.n, np.float32))
        pcg_draws.set_pcg_state(fast_rng, words)
        assert np.array_equal(plain, fast) and plain_rng.bit_generator.state == fast_rng.bit_generator.state


def test_the_compiled_sale_equals_the_sale_drawn_by_numpy(monkeypatch):
    """The slot sale's openings in one compiled pass (its gamma draws made there too) and retail's draws made only
    where looked at: the same daily table as the Generator's own draws between compiled openings."""
    from lockdown_sim.sim import retail, slot_sale

    fast = table(ordering="hybrid")[1]
    monkeypatch.setattr(slot_sale, "draws_compiled", lambda rng: False)
    monkeypatch.setattr(retail, "draws_compiled", lambda rng: False)
    pd.testing.assert_frame_equal(fast, table(ordering="hybrid")[1])


# --- speed round 3, the community's day (issue 21 part 4) -------------------------------------------------------


def _choose_by_binary_search(hh, compound, first, count, offers, signed, stride, leader_hh, tie_keys, tie_stride,
                             demand, size, max_sets, signup_prob, trust_boost, seeds):
    """group_orders._choose as it was: every look-up in `signed` and `tie_keys` a binary search (np.searchsorted)."""
    from lockdown_sim.sim.group_orders import _splitmix

    out = []
    for j in range(len(hh)):
        h, c = int(hh[j]), int(compound[j])
        a, n = int(first[c]), int(count[c])
        order = list(range(n))
        state, left = np.uint64(seeds[j]), float(demand[h])
        for q in range(n):
            if left <= 0:
                break
            state, x = _splitmix(np.uint64(state))
            r = q + min(int(x * (n - q)), n - q - 1)
            order[q], order[r] = order[r], order[q]
            k = a + order[q]
            state, u = _splitmix(np.uint64(state))
            if not u < signup_prob + trust_boost:
                continue
            key = h * stride + offers[k]
            i = np.searchsorted(signed, key)
            if i < len(signed) and signed[i] == key:
                continue
            if not u < signup_prob:
                t = h * tie_stride + leader_hh[k]
                i = np.searchsorted(tie_keys, t)
                if not (i < len(tie_keys) and tie_keys[i] == t):
                    continue
            sets = min(max_sets, int(np.ceil(left / size[k] - 1e-9)))
            if sets <= 0:
                continue
            out.append((h, k, sets))
            left -= sets * size[k]
    return out


def test_sign_up_choice_walking_the_sorted_keys_equals_binary_searches():
    """_choose finds a household's signed offers and ties by walking forward through the sorted keys (households
    come in ascending order); the plain version looked each up by binary search."""
    from lockdown_sim.sim.group_orders import _choose

    rng = np.random.default_rng(21)
    n_h, n_c = 400, 20
    start = np.sort(rng.choice(np.arange(1, n_h), n_c - 1, replace=False))
    compound_of = np.searchsorted(start, np.arange(n_h), side="right")
    count = rng.integers(0, 6, n_c)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    offers = np.arange(int(count.sum()), dtype=np.int64) * 3 + 1
    stride = np.int64(offers.max() + 1)
    leader_hh = rng.integers(0, n_h, len(offers))
    for trial in range(6):
        hh = np.sort(rng.choice(n_h, 250, replace=False))
        if trial == 5:
            hh = hh[::-1].copy()  # not ascending: the walk starts over
        hh = hh[count[compound_of[hh]] > 0]
        compound = compound_of[hh]
        if trial != 5:
            order = np.argsort(compound, kind="stable")
            hh, compound = hh[order], compound[order]
        signed = np.unique(rng.choice(hh, 150) * stride + rng.choice(offers, 150))
        tie_stride = np.int64(n_h)
        tie_keys = np.unique(np.concatenate([hh[:100] * tie_stride + rng.choice(leader_hh, 100),
                                             rng.integers(0, n_h * n_h, 300)]))
        demand = (rng.random(n_h) * 40).astype(np.float32)
        size = rng.choice([4.0, 6.0, 10.0], len(offers))
        seeds = rng.integers(0, np.iinfo(np.int64).max, len(hh), dtype=np.int64)
        args = (hh, compound, first, count, offers, signed, stride, leader_hh, tie_keys, tie_stride, demand, size,
                np.int64(3), 0.6, 0.25, seeds)
        h, k, s = _choose(*args)
        assert list(zip(h.tolist(), k.tolist(), s.tolist())) == _choose_by_binary_search(*args)


def test_leaders_pools_built_in_place_equal_sorted_unions():
    """find_supplier builds its pools in scratch arrays (`_union_into`); it took np.sort of the concatenation and
    dropped repeats (the sorted union, as np.union1d gives)."""
    from lockdown_sim.sim.leadership import _union_into

    rng = np.random.default_rng(22)
    for _ in range(50):
        a = np.unique(rng.integers(0, 40, rng.integers(0, 12)))
        b = rng.permutation(rng.integers(0, 40, rng.integers(0, 12)))  # unsorted, repeats: the nearest-first list
        out = np.empty(len(a) + len(b) + 1, np.int64)
        m = _union_into(a, b, out)
        assert out[:m].tolist() == np.union1d(a, b).tolist()


def test_leaders_street_km_table_equals_street_km_of_each_pair():
    """The leaders' search reads street distances from a table made once a run; it computed `street_km` each time."""
    from lockdown_sim.sim.geometry import Geometry, street_km
    from lockdown_sim.sim.leadership import _km_table

    rng = np.random.default_rng(23)
    geo = Geometry(river_x=10, bridges=np.array([2.0, 9.0, 15.0]), cell_km=0.37,
                   compound_x=rng.integers(0, 20, 30).astype(np.float64),
                   compound_y=rng.integers(0, 20, 30).astype(np.float64),
                   compound_district=np.zeros(30, np.int64))
    x, y = rng.integers(0, 20, 9), rng.integers(0, 20, 9)
    table = _km_table(geo, x, y)
    for c in range(30):
        for s in range(9):
            assert table[c, s] == street_km(geo, x[s], y[s], geo.compound_x[c], geo.compound_y[c])


def test_leaders_search_without_the_km_table_is_the_same_run(monkeypatch):
    """Above KM_TABLE_MAX pairs (a big city) the search computes each street distance as it goes: the same run."""
    import lockdown_sim.sim.leadership as leadership

    _, with_table = table(ordering="group_buying")
    monkeypatch.setattr(leadership, "KM_TABLE_MAX", 0)
    m, without = table(ordering="group_buying")
    assert len(m.leadership._km) == 0 and with_table["portions_group"].sum() > 0
    pd.testing.assert_frame_equal(with_table, without)


def test_sign_up_log_entries_by_counting_equal_the_plain_grouping():
    """group_orders._entries groups an offer's log positions in one counting pass; it took a rank array, np.flatnonzero
    and a stable grouping."""
    from lockdown_sim.sim.group_orders import GONE, _entries
    from lockdown_sim.sim.sorting import group_stably

    rng = np.random.default_rng(24)
    count = 60
    log_offer = np.where(rng.random(900) < 0.3, GONE, rng.integers(0, count, 900))
    for _ in range(10):
        ids = rng.choice(count, rng.integers(0, 20), replace=False)
        rank = np.full(count + 1, -1, dtype=np.int64)
        rank[ids] = np.arange(len(ids))
        at = np.flatnonzero(rank[log_offer] >= 0)
        order, starts = group_stably(rank[log_offer[at]], len(ids))
        fast_at, fast_starts = _entries(log_offer, ids.astype(np.int64), count)
        assert fast_at.tolist() == at[order].tolist() and fast_starts.tolist() == starts.tolist()


def test_signed_pairs_and_booking_compiled_equal_the_plain_numpy():
    """group_orders._signed and _book (sign-ups grouped by offer, accepted, booked in one pass) give what the numpy
    steps they replaced gave."""
    from lockdown_sim.sim.group_orders import OPEN, _accept, _book, _signed
    from lockdown_sim.sim.sorting import group_stably

    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=9, overrides=MANY_SUPPLIERS)
    for _ in range(12):
        m.step()
    orders, supply, lead = m.group_orders, m.local_supply, m.leadership
    assert orders.count > 0 and len(orders._log_offer) > 0
    status = orders._cols["status"].copy()
    status[::3] = OPEN
    stride = np.int64(orders.count + 1)
    live = orders._log_offer >= 0
    live &= status[np.where(live, orders._log_offer, 0)] == OPEN
    plain = np.sort(orders._log_household[live] * stride + orders._log_offer[live])
    assert _signed(orders._log_offer, orders._log_household, status, stride).tolist() == plain.tolist()

    rng = np.random.default_rng(25)
    cols = orders._cols
    offers = np.sort(rng.choice(orders.count, min(orders.count, 30), replace=False)).astype(np.int64)
    cols["cap_sets"][offers] = rng.integers(0, 40, len(offers))
    cols["sets"][offers] = rng.integers(0, 10, len(offers))
    n = 400
    hh = rng.integers(0, 3000, n)
    pick = rng.integers(0, len(offers), n)
    sets = rng.integers(1, 4, n)
    size = supply.portions_per_set[cols["supplier"][offers]]
    per = 0.05
    saved = {k: v.copy() for k, v in lead.team._asdict().items()}
    signups = orders.open_signups.copy()
    offer_sets = cols["sets"].copy()
    h_acc, s_acc, o_acc, portions, taken = _book(hh, pick, sets, offers, size, cols["leader"], cols["supplier"],
                                                 cols["cap_sets"], cols["sets"], supply.stock, supply.portions_per_set,
                                                 supply.promised, lead.team, lead.work(), per, orders.open_signups)
    fast_team = {k: v.copy() for k, v in lead.team._asdict().items()}
    for k, v in saved.items():
        getattr(lead.team, k)[...] = v
    order, starts = group_stably(pick, len(offers))
    hh2, pick2, sets2 = hh[order], pick[order], sets[order]
    taken2, n_ok = _accept(offers, starts, sets2, cols["leader"], cols["supplier"], cols["cap_sets"], offer_sets,
                           supply.sets_in_stock(), supply.promised.copy(), lead.team, lead.work(), per)
    accepted = np.arange(len(hh2)) - starts[pick2] < n_ok[pick2]
    assert accepted.any() and not accepted.all()
    assert h_acc.tolist() == hh2[accepted].tolist() and s_acc.tolist() == sets2[accepted].tolist()
    assert o_acc.tolist() == offers[pick2[accepted]].tolist() and taken.tolist() == taken2.tolist()
    assert portions.tobytes() == (sets2[accepted] * size[pick2[accepted]]).tobytes()
    np.add.at(signups, hh2[accepted], 1)
    offer_sets[offers] += taken2
    assert orders.open_signups.tolist() == signups.tolist() and cols["sets"].tolist() == offer_sets.tolist()
    assert all(np.array_equal(fast_team[k], v) for k, v in lead.team._asdict().items())


def _seen_share_plain(comp, uses, potential, compound_district, n_compounds, visible, w):
    """Gateway._seen_share as it was (numpy)."""
    if not visible:
        return np.full(len(comp), uses.sum() / max(potential.sum(), 1.0))
    district = compound_district[comp]
    users_d = np.bincount(district, weights=uses, minlength=2)
    potential_d = np.bincount(district, weights=potential, minlength=2)
    seen_district = users_d[district] / np.maximum(potential_d[district], 1.0)
    users_c = np.bincount(comp, weights=uses, minlength=n_compounds)[comp] - uses
    potential_c = np.bincount(comp, weights=potential, minlength=n_compounds)[comp] - potential
    seen_compound = np.where(potential_c > 0, users_c / np.maximum(potential_c, 1.0), seen_district)
    return w * seen_compound + (1 - w) * seen_district


@pytest.mark.parametrize("visible", [True, False])
def test_gateway_chances_compiled_equal_the_numpy_shares(visible):
    """gateway._chances counts users and potential adopters per compound and district in one pass; the numpy version
    took np.bincount of each."""
    from lockdown_sim.sim.gateway import _chances

    rng = np.random.default_rng(26)
    n_compounds, p, q, w = 40, 0.01, 0.3, 0.7
    compound_district = rng.integers(0, 2, n_compounds)
    would_adopt = rng.random(5000) < 0.8
    for _ in range(5):
        n = int(rng.integers(1, 300))
        uses, household, comp = rng.random(n) < 0.4, rng.integers(0, 5000, n), rng.integers(0, n_compounds, n)
        new_idx, chance, potential = _chances(uses, household, comp, would_adopt, compound_district, n_compounds,
                                              visible, w, p, q)
        u, a = uses.astype(np.float64), would_adopt[household].astype(np.float64)
        plain_idx = np.flatnonzero(u == 0)
        share = _seen_share_plain(comp, u, a, compound_district, n_compounds, visible, w)[plain_idx]
        assert new_idx.tolist() == plain_idx.tolist()
        assert chance.tobytes() == (p + q * share).tobytes() and potential.tolist() == (a[plain_idx] > 0).tolist()


@pytest.mark.parametrize("several", [True, False])
def test_uncovered_need_compiled_equals_the_numpy_steps(several):
    """group_orders._uncovered: what measure_need computed with numpy from _need's counts, in one pass."""
    from lockdown_sim.sim.group_orders import _uncovered

    rng = np.random.default_rng(27)
    n, n_offers, max_sets, set_portions = 30, 80, 3, 7.0
    wanted, wanting, members = rng.integers(0, 50, n), rng.integers(0, 20, n), rng.integers(0, 30, n)
    compound, supplier = rng.integers(0, n, n_offers), rng.integers(0, 9, n_offers)
    cap_sets, sets = rng.integers(0, 30, n_offers), rng.integers(0, 30, n_offers)
    pps = rng.choice([7.0, 10.0, 31.5], 9)
    open_ids = np.sort(rng.choice(n_offers, 50, replace=False))
    w, share, room_of, unc = _uncovered(wanted, wanting, members, several, max_sets, open_ids, compound, cap_sets, sets,
                                        supplier, pps, set_portions)
    plain_w = wanted.astype(np.float64)
    plain_share = wanting / np.maximum(members.astype(np.float64), 1)
    plain_room_of = max_sets * wanting.astype(np.float64) if several else np.full(n, np.inf)
    plain = plain_w.copy()
    c = compound[open_ids]
    room = np.minimum(np.maximum(0, cap_sets[open_ids] - sets[open_ids]), plain_room_of[c])
    np.add.at(plain, c, -(room * (pps[supplier[open_ids]] / set_portions)))
    np.maximum(plain, 0, out=plain)
    for fast, slow in ((w, plain_w), (share, plain_share), (room_of, plain_room_of), (unc, plain)):
        assert fast.tobytes() == slow.tobytes()


def test_closing_offers_compiled_equals_the_numpy_steps():
    """group_orders._close_due does close_due's own steps in one compiled call; the numpy steps it replaced, around
    the same _close, give the same offers, log, households' open offers and what goes to the other mechanisms."""
    import copy

    from lockdown_sim.sim.group_orders import CANCELLED, CONFIRMED, GONE, LAPSED, _close, _close_due, _entries

    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=9, overrides=MANY_SUPPLIERS)
    for _ in range(14):
        m.step()
    orders, supply, lead = m.group_orders, m.local_supply, m.leadership
    day = m.day + 1
    cols = orders._cols
    assert (cols["close_day"][orders.open_ids] <= day).any()
    state = lambda: (copy.deepcopy(cols), orders._log_room.copy(), orders.open_signups.copy(),  # noqa: E731
                     {k: v.copy() for k, v in lead.team._asdict().items()})
    args = lambda c, log, signups, team: (  # noqa: E731
        orders.open_ids, day, log[0, :orders._log_n], log[1, :orders._log_n], log[2, :orders._log_n], orders.count,
        signups, c["leader"], c["compound"], c["supplier"], c["moq"], c["sets"], c["status"], c["due_day"],
        c["confirmed_day"], c["ended_day"], c["portions"], c["households"], c["close_day"], supply.stock,
        supply.promised, supply.lead, supply.permit_day, supply.permit_delay, supply.permits,
        lead.geometry.compound_district, supply.district, lead.rules.permit_locked(), type(lead.team)(**team),
        lead.work(day), orders.hours.per_payment_minutes / 60.0, supply.portions_per_set)
    fast_state, plain_state = state(), state()
    fast = _close_due(*args(*fast_state))

    c, log, signups, team = plain_state
    log_offer, log_household, log_sets = log[0, :orders._log_n], log[1, :orders._log_n], log[2, :orders._log_n]
    closing = orders.open_ids[c["close_day"][orders.open_ids] <= day]
    still = orders.open_ids[c["close_day"][orders.open_ids] > day]
    at, starts = _entries(log_offer, closing, orders.count)
    np.add.at(signups, log_household[at], -1)
    keep, applied = np.zeros(len(at), dtype=bool), np.zeros(len(closing), dtype=bool)
    totals = c["sets"][closing].copy()
    _close(closing, starts, log_sets[at], keep, c["leader"], c["compound"], c["supplier"], c["moq"], c["sets"],
           c["status"], c["due_day"], c["confirmed_day"], c["ended_day"], c["portions"], c["households"],
           supply.stock.copy(), supply.promised.copy(), supply.lead, supply.permit_day.copy(), supply.permit_delay,
           applied, supply.permits, lead.geometry.compound_district, supply.district, lead.rules.permit_locked(),
           type(lead.team)(**team), lead.work(day), orders.hours.per_payment_minutes / 60.0, supply.portions_per_set,
           day)
    status = c["status"][closing]
    released = at[~keep]
    size = supply.portions_per_set[c["supplier"][log_offer[released]]]
    plain = (still, c["supplier"][closing], totals, closing[status == CONFIRMED], c["supplier"][closing][applied],
             log_household[released], log_sets[released] * size, len(released), int((status == LAPSED).sum()),
             int((status == CANCELLED).sum()))
    log_offer[released] = GONE
    assert len(closing) and len(released) and plain[3].size
    for f, p in zip(fast, plain):
        assert np.asarray(f).tobytes() == np.asarray(p).tobytes()
    f_cols, f_log, f_signups, f_team = fast_state
    assert all(f_cols[k].tobytes() == c[k].tobytes() for k in c)
    assert f_log.tobytes() == log.tobytes() and f_signups.tobytes() == signups.tobytes()
    assert all(f_team[k].tobytes() == team[k].tobytes() for k in team)


def test_chat_joining_and_coordinators_hours_compiled_equal_numpy_and_python():
    """chat_groups._join (who joins, members per compound) equals the numpy steps it replaced; coordination's
    _add_times equals one Python addition after another."""
    from lockdown_sim.sim.chat_groups import _join
    from lockdown_sim.sim.coordination import _add_times

    rng = np.random.default_rng(28)
    compound = np.sort(rng.integers(0, 30, 2000))
    member = rng.random(2000) < 0.4
    count = np.bincount(compound, weights=member, minlength=30).astype(np.int64)
    candidates = np.flatnonzero(~member)
    draw = rng.random(2000)
    chance = -np.expm1(-(rng.random(len(candidates)) * 0.3).astype(np.float32))
    plain_member, plain_count = member.copy(), count.copy()
    joins = candidates[draw[candidates] < chance]
    plain_member[joins] = True
    np.add.at(plain_count, compound[joins], 1)
    assert _join(candidates, draw, chance, member, count, compound) == len(joins) > 0
    assert member.tolist() == plain_member.tolist() and count.tolist() == plain_count.tolist()
    total = 0.1
    for _ in range(77):
        total += 0.7
    assert _add_times(0.1, 0.7, 77) == total


def test_emergence_inputs_compiled_equal_the_numpy_expressions():
    """Leadership.spare_per_compound, GroupOrders.open_kinds and need_pressure, each one compiled pass now, equal
    the numpy expressions they were."""
    from lockdown_sim.sim.local_supply import KINDS

    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=9, overrides=MANY_SUPPLIERS)
    for _ in range(12):
        m.step()
    lead, orders = m.leadership, m.group_orders
    t, rows = lead.team, lead.active_rows
    spare = rows[(t.hours_left[rows] > 0) & (t.open_count[rows] < lead.cap)]
    assert lead.spare_per_compound().tolist() == np.bincount(t.compound[spare], minlength=m.population.n_compounds).tolist()
    kinds = np.zeros((m.population.n_compounds, len(KINDS)), dtype=bool)
    o = orders.open_ids
    kinds[orders.column("compound")[o], m.local_supply.kind[orders.column("supplier")[o]]] = True
    assert len(o) and orders.open_kinds().tolist() == kinds.tolist()
    plain = np.where(orders.wanted > 0, orders.uncovered / np.maximum(orders.wanted, 1), 0.0) * orders.wanting_share
    assert (plain > 0).any() and orders.need_pressure().tobytes() == plain.tobytes()


def test_delivering_orders_compiled_equals_the_numpy_steps():
    """group_orders._deliver does deliver's own steps in one compiled call; the numpy steps it replaced give the same
    confirmed ids, households, drops, leaders' households, chain-store orders, log and marks."""
    from lockdown_sim.sim.group_orders import DELIVERED, GONE, _deliver, _entries
    from lockdown_sim.sim.local_supply import CHAIN_STORE

    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=9, overrides=MANY_SUPPLIERS)
    for _ in range(14):
        m.step()
    orders, supply = m.group_orders, m.local_supply
    ids = orders.confirmed_ids[::2].copy()
    assert len(ids)
    cols = orders._cols

    def state():
        return ({k: v.copy() for k, v in cols.items()}, orders._log_room[:, :orders._log_n].copy(),
                orders.bought.copy(), orders.supplied.copy())

    (f_cols, f_log, f_bought, f_supplied), (p_cols, p_log, p_bought, p_supplied) = state(), state()
    fast = _deliver(ids, 15, orders.confirmed_ids, orders.count, f_log[0], f_log[1], f_log[2], f_cols["status"],
                    f_cols["ended_day"], f_cols["leader"], f_cols["supplier"], f_cols["compound"],
                    supply.portions_per_set, supply.kind, CHAIN_STORE, f_bought, f_supplied,
                    m.leadership.team.household)
    p_cols["status"][ids], p_cols["ended_day"][ids] = DELIVERED, 15
    gone = np.zeros(orders.count + 1, dtype=bool)
    gone[ids] = True
    left = orders.confirmed_ids[~gone[orders.confirmed_ids]]
    at, starts = _entries(p_log[0], ids, orders.count)
    hh = p_log[1][at]
    drop = (p_log[2][at] * supply.portions_per_set[p_cols["supplier"][p_log[0][at]]]).astype(np.float32)
    p_bought[hh] = True
    store = supply.kind[p_cols["supplier"][ids]] == CHAIN_STORE
    p_supplied[p_cols["compound"][ids[store]]] = True
    leader_hh = np.repeat(m.leadership.household_of(p_cols["leader"][ids]), np.diff(starts))
    p_log[0][at] = GONE
    assert len(hh)
    for f, p in zip(fast, (left, hh, starts, drop, leader_hh, store)):
        assert f.dtype == p.dtype and f.tobytes() == p.tobytes()
    assert all(f_cols[k].tobytes() == p_cols[k].tobytes() for k in cols)
    assert f_log.tobytes() == p_log.tobytes() and f_bought.tolist() == p_bought.tolist()
    assert f_supplied.tolist() == p_supplied.tolist()


CACHED_RUN = """
import hashlib
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.run import daily_table
for ordering in ("hybrid", "platform", "group_buying"):
    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=5, ordering=ordering, overrides=%r)
    while m.running:
        m.step()
    print(ordering, hashlib.sha256(daily_table(m).to_csv().encode()).hexdigest())
"""


def test_the_compiled_loops_loaded_from_numbas_cache_give_the_numbers_they_were_compiled_for(tmp_path):
    # the loops call compiled functions of other modules; a stale or mismatched cache once crashed (a segfault) only
    # when a second process loaded it: a fresh cache is written by one process and read by another, same numbers
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    code = CACHED_RUN % (MANY_SUPPLIERS,)
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-2000:]
    assert list((tmp_path / "numba").rglob("*.nbi")), "the first process wrote no cache"
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]  # a crash loading the cache is a negative return code
    assert second.stdout == first.stdout and first.stdout.count("\n") == 3


def test_the_generators_state_is_put_back_when_a_compiled_draw_ends_by_an_exception():
    """sim/pcg_draws.pcg_words: the words compiled code stepped go back into the generator however the block ends,
    so the next draw continues after the draws already taken."""
    from lockdown_sim.sim import pcg_draws

    rng, twin = np.random.default_rng(4), np.random.default_rng(4)
    twin.random(3)  # what three 64-bit draws leave
    with pytest.raises(RuntimeError):
        with pcg_draws.pcg_words(rng) as words:
            for _ in range(3):
                words[0], words[1], _draw = pcg_draws.step(words[0], words[1], words[2], words[3])
            raise RuntimeError("a compiled loop failed after three draws")
    assert rng.random() == twin.random()


def test_a_curve_read_again_gives_np_interps_value_for_that_day():
    """sim/curves.Curve keeps the values it was read at: every read, first or later, at whole and fractional days,
    before, between and after the points, is np.interp's value for that day."""
    from lockdown_sim.sim.curves import Curve

    curve = Curve([(10, 0.2), (3, 1.0), (40, 0.55)])
    days = [0, 3, 3.5, 9, 10, 10.25, 17, 40, 41, 3.5, 0, 17]
    for day in days + days:
        assert curve(day) == float(np.interp(day, [3.0, 10.0, 40.0], [1.0, 0.2, 0.55]))
    assert curve.scaled(2.0)(17) == float(np.interp(17, [3.0, 10.0, 40.0], [2.0, 0.4, 1.1]))  # a new curve
