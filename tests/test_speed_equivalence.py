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
    """Ties._merge counts repeats and walks the store once; the plain merge it replaced took
    np.unique(today, return_counts=True) and walked both sorted lists."""
    from lockdown_sim.sim.ties import _merge

    rng = np.random.default_rng(5)
    n = 1000
    keys = np.unique(rng.integers(0, n * n, 3000))
    strength = rng.integers(1, 5, len(keys)).astype(np.int32)
    made = rng.integers(0, 30, len(keys)).astype(np.int32)
    today = np.sort(np.concatenate([rng.choice(keys, 400), rng.integers(0, n * n, 600)]))
    degree = np.zeros(n, np.int64)
    out_keys, out_strength, out_made, fresh, strongest = _merge(keys, strength.copy(), made, today, 31, degree, n)
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
