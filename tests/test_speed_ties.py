"""Speed round 4, the tie stores (sim/ties.py): the store kept in arrays with room, merged and faded in place, and
the fading's uniforms drawn inside the compiled walk. Each compiled piece against the plain computation, bit for
bit (issue 21, part 4)."""

from types import SimpleNamespace

import numpy as np
import pytest

from lockdown_sim.sim import ties as ties_module
from lockdown_sim.sim.ties import Ties, _fade, _merge, _shift


def _plain_merge(keys, strength, made, today, day, n):
    """The merge as a dict: today's keys counted with np.unique, old ties strengthened, new ones made today."""
    store = dict(zip(keys.tolist(), zip(strength.tolist(), made.tolist())))
    new, times = np.unique(today, return_counts=True)
    degree = np.zeros(n, np.int64)
    for k, t in zip(new.tolist(), times.tolist()):
        if k in store:
            store[k] = (store[k][0] + t, store[k][1])
        else:
            store[k] = (t, day)
            degree[k // n] += 1
            degree[k % n] += 1
    out = sorted(store)
    strongest = max((store[k][0] for k in new.tolist()), default=0)
    return out, [store[k] for k in out], degree, len(out) - len(keys), strongest


@pytest.mark.parametrize("key_type", [np.int32, np.int64])  # int64 keys in a city of more than 46,340 homes
@pytest.mark.parametrize("case", ["spread", "before all", "after all", "all old", "empty store", "one new"])
def test_the_in_place_merge_equals_a_plain_merge(case, key_type):
    """_merge moves the store's runs up in place (memmove) and puts today's new ties below them: the same keys,
    strengths, days made, degrees, new ties and strongest as a merge into a dict, and nothing past the new end
    written except by the new ties."""
    rng = np.random.default_rng(11)
    n = 2000
    keys = np.unique(rng.integers(n * n // 4, 3 * n * n // 4, 3000)).astype(key_type)
    if case == "empty store":
        keys = keys[:0]
    strength = rng.integers(1, 6, len(keys)).astype(np.int32)
    made = rng.integers(0, 40, len(keys)).astype(np.int16)
    today = {"spread": lambda: np.concatenate([rng.choice(keys, 300), rng.integers(0, n * n, 700)]),
             "before all": lambda: rng.integers(0, n * n // 4, 500),
             "after all": lambda: rng.integers(3 * n * n // 4, n * n, 500),
             "all old": lambda: rng.choice(keys, 800),
             "empty store": lambda: rng.integers(0, n * n, 600),
             "one new": lambda: np.array([keys[len(keys) // 2] + 1])}[case]()
    today = np.sort(np.concatenate([today, today[::3]])).astype(key_type)  # repeats: orders that made a tie twice
    want_keys, want, want_degree, want_fresh, want_strongest = _plain_merge(keys, strength, made, today, 41, n)
    room = [np.concatenate([a, np.full(len(today), -7, a.dtype)]) for a in (keys, strength, made)]
    degree = np.zeros(n, np.int64)
    m, fresh, strongest = _merge(*room, len(keys), today, 41, degree, np.int64(n))
    assert m == len(want_keys) and fresh == want_fresh and strongest == want_strongest
    assert room[0][:m].tolist() == want_keys
    assert list(zip(room[1][:m].tolist(), room[2][:m].tolist())) == want
    assert degree.tolist() == want_degree.tolist()
    assert all((a[m:] == -7).all() for a in room)


def test_shift_moves_overlapping_runs_both_ways():
    """_shift is a memmove: a run moved up or down over itself arrives whole, in order, for each dtype used."""
    from lockdown_sim.sim.parallel import njit

    shift = njit(lambda a, to, frm, count: _shift(a, to, frm, count))  # an intrinsic: called from compiled code
    for dtype in (np.int16, np.int32, np.int64):
        base = np.arange(50, dtype=dtype)
        for to, frm, count in ((7, 3, 30), (3, 7, 30), (0, 0, 10), (10, 5, 0), (45, 0, 5)):
            got, want = base.copy(), base.copy()
            want[to:to + count] = base[frm:frm + count]
            shift(got, to, frm, count)
            assert got.tolist() == want.tolist(), (dtype, to, frm, count)


def _store(n=20, m=4000, seed=3):
    rng = np.random.default_rng(seed)
    keys = np.sort(rng.choice(n * n, m, replace=False)).astype(np.int32)
    strength = rng.integers(1, 4, m).astype(np.int32)
    made = rng.integers(0, 30, m).astype(np.int16)
    return keys, strength, made


def test_the_fade_drawn_in_the_walk_equals_the_fade_of_rng_random():
    """_fade drawing each tie's uniform from the stream's state (numpy's next_double) loses the ties that
    rng.random(m) would lose, counts them off the same degrees and days, keeps the rest in order, and leaves the
    generator where rng.random(m) leaves it."""
    n = 200
    keys, strength, made = _store(n, m=30_000)
    chance = np.zeros(8)
    chance[1:] = 0.2 / np.arange(1, 8, dtype=np.float64) ** 1.0
    results = []
    for drawn in (True, False):
        rng = np.random.default_rng(2022)
        k, s, d = keys.copy(), strength.copy(), made.copy()
        degree, made_on = np.full(n, 10_000, np.int64), np.full(30, 10_000, np.int64)
        if drawn:
            from lockdown_sim.sim.pcg_draws import pcg_words
            with pcg_words(rng) as words:
                m, strongest = _fade(words, np.zeros(0), k, s, d, len(k), chance, degree, np.int64(n), made_on)
        else:
            draw = rng.random(len(k))
            lost = draw < chance[strength]
            m, strongest = _fade(np.zeros(0, np.uint64), draw, k, s, d, len(k), chance, degree, np.int64(n), made_on)
            assert k[:m].tolist() == keys[~lost].tolist() and s[:m].tolist() == strength[~lost].tolist()
            assert d[:m].tolist() == made[~lost].tolist() and strongest == strength[~lost].max()
            assert 0 < lost.sum() < len(k)
            assert (10_000 - made_on).tolist() == np.bincount(made[lost], minlength=30).tolist()
            assert (10_000 - degree).tolist() == np.bincount(np.concatenate([keys[lost] // n, keys[lost] % n]),
                                                             minlength=n).tolist()
        results.append((k[:m].tolist(), s[:m].tolist(), d[:m].tolist(), degree.tolist(), made_on.tolist(),
                        strongest, rng.bit_generator.state, rng.random(3).tolist()))
    assert results[0] == results[1]


def test_the_store_gives_the_same_day_by_day_with_its_draws_in_numpy():
    """A store whose generator the compiled draws cannot stand in for (or with numba's draws off) draws
    rng.random(len) and fades the same ties: day by day, two stores, one of each, stay equal; the store outgrows
    its first room several times; its public arrays are the standing ties, sorted, with strengths of 1 or more."""
    n = 400
    cfg = SimpleNamespace(decay_rate=0.1, strength_exponent=1.0)
    stores = [Ties(n, cfg, np.random.default_rng(9), decay=True)]
    compiled = ties_module.draws_compiled
    ties_module.draws_compiled = lambda rng: False  # the second store draws as for a generator compiled code lacks
    try:
        stores.append(Ties(n, cfg, np.random.default_rng(9), decay=True))
    finally:
        ties_module.draws_compiled = compiled
    assert stores[0]._drawn and not stores[1]._drawn
    rng = np.random.default_rng(4)
    rooms = set()
    for day in range(60):
        households = rng.integers(0, n, int(rng.integers(0, 900)))
        leaders = rng.integers(0, n, len(households))
        for store in stores:
            store.form(households, leaders)
            store.form_among(households, np.array([0, len(households)]), 2)
            store.end_day(day, reopened=day >= 40)
        a, b = stores
        assert a.keys.tolist() == b.keys.tolist() and a.strength.tolist() == b.strength.tolist(), day
        assert a.made_day.tolist() == b.made_day.tolist() and a.degree.tolist() == b.degree.tolist(), day
        assert (a.formed_total, a.lost_total, len(a)) == (b.formed_total, b.lost_total, len(b)), day
        assert a._rng.bit_generator.state == b._rng.bit_generator.state, day
        assert (np.diff(a.keys) > 0).all() and (a.strength >= 1).all() and len(a.keys) == len(a)
        rooms.add(len(a._keys))
    assert a.lost_total > 0 and len(rooms) >= 3


def test_a_store_past_the_days_int16_holds_keeps_its_days():
    """Days made are kept in 16 bits until a day past them: then the store's room widens to 32 bits, ties and
    days kept."""
    cfg = SimpleNamespace(decay_rate=0.1, strength_exponent=1.0)
    store = Ties(50, cfg, np.random.default_rng(1), decay=True)
    store.form(np.array([3, 4]), 7)
    store.end_day(10)
    store.form(np.array([1, 3]), 7)
    store.end_day(40_000)
    assert store.made_day.dtype == np.int32 and store.made_day.tolist() == [40_000, 10, 10]
    assert store.keys.tolist() == [57, 157, 207] and store.strength.tolist() == [1, 2, 1]
    assert store.made_before(11) == 2 and store.made_before(40_001) == 3
