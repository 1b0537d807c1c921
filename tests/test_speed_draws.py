"""Speed round 4, one uniform per household a day: the chat groups', leader emergence's, volunteers' and shops'
draws made only where a compiled loop looks at them (sim/pcg_draws.uniforms), and the generator's state read and
written in its own memory (sim/pcg_draws.stream_words), give exactly the numbers of rng.random(n) and leave the
stream where rng.random(n) leaves it."""

import numpy as np
import pandas as pd
import pytest

from lockdown_sim.experiments.run import daily_table
from lockdown_sim.sim import pcg_draws
from lockdown_sim.sim.model import LockdownSupplyModel


def _looked_at(values, cursor, idx):
    """What a compiled loop reads of the day's uniforms at the indices idx (in order; a repeat reads it again)."""
    return np.array([pcg_draws.uniform(values, cursor, i) for i in idx])


def test_the_generators_memory_layout_is_known():
    """The fast path reads numpy's PCG64 state in place; it is found on this numpy (else every stream would take
    the slower `state` dict, with the same numbers)."""
    assert pcg_draws._memory_order() is not None
    rng = np.random.default_rng(3)
    rng.random(5)
    with pcg_draws.stream_words(rng) as words:
        assert words.tolist() == pcg_draws.pcg_state(rng).tolist()


@pytest.mark.parametrize("seed", range(4))
def test_uniforms_made_where_looked_at_are_the_generators_own(seed):
    """Any increasing set of indices (repeats included, gaps small and large, none) reads rng.random(n)'s values
    there, and the stream ends where rng.random(n) leaves it, also when the block ends by an exception."""
    pick = np.random.default_rng(100 + seed)
    for n in (0, 1, 17, 5_000):
        plain, fast = np.random.default_rng(seed), np.random.default_rng(seed)
        plain.random(seed), fast.random(seed)
        expected = plain.random(n)
        idx = np.sort(pick.choice(n, size=pick.integers(0, n + 1), replace=True)) if n else np.zeros(0, int)
        with pcg_draws.uniforms(fast, n) as (values, cursor):
            assert len(values) == 0 and len(cursor) == 7  # the compiled path
            assert _looked_at(values, cursor, idx).tolist() == expected[idx].tolist()
        assert fast.bit_generator.state == plain.bit_generator.state and fast.random() == plain.random()
    plain, fast = np.random.default_rng(seed), np.random.default_rng(seed)
    plain.random(300)
    with pytest.raises(RuntimeError):
        with pcg_draws.uniforms(fast, 300) as (values, cursor):
            _looked_at(values, cursor, [4, 250])
            raise RuntimeError("a compiled loop failed")
    assert fast.random() == plain.random()


def test_uniforms_jump_over_the_draws_nobody_looks_at():
    """The cursor makes a draw only where looked at: asking for the last of a million jumps there (the made count
    is its index + 1, in one jump), and an index below the last one's is refused when the block ends (its draw
    is gone)."""
    rng, twin = np.random.default_rng(8), np.random.default_rng(8)
    with pcg_draws.uniforms(rng, 1_000_000) as (values, cursor):
        assert pcg_draws.uniform(values, cursor, 999_999) == twin.random(1_000_000)[-1]
        assert int(cursor[4]) == 1_000_000
    with pytest.raises(ValueError):
        with pcg_draws.uniforms(rng, 10) as (values, cursor):
            pcg_draws.uniform(values, cursor, 5)
            pcg_draws.uniform(values, cursor, 3)


def test_uniforms_fall_back_to_the_generators_array(monkeypatch):
    """Threads on, or a generator not known: the values are rng.random(n) and there is no cursor."""
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    monkeypatch.setattr(pcg_draws, "threads_on", lambda: True)
    with pcg_draws.uniforms(rng, 50) as (values, cursor):
        assert len(cursor) == 0 and values.tolist() == twin.random(50).tolist()
        assert _looked_at(values, cursor, [3, 3, 49]).tolist() == values[[3, 3, 49]].tolist()
    legacy = np.random.Generator(np.random.MT19937(5))
    assert not pcg_draws._in_memory(legacy)
    monkeypatch.undo()
    with pcg_draws.uniforms(legacy, 10) as (values, cursor):
        assert len(cursor) == 0 and len(values) == 10


def test_stream_words_put_the_state_back_as_pcg_words_does():
    """Words stepped in compiled code go back into the generator's memory however the block ends."""
    rng, twin = np.random.default_rng(4), np.random.default_rng(4)
    twin.random(3)
    with pytest.raises(RuntimeError):
        with pcg_draws.stream_words(rng) as words:
            for _ in range(3):
                words[0], words[1], _draw = pcg_draws.step(words[0], words[1], words[2], words[3])
            raise RuntimeError("a compiled loop failed after three draws")
    assert rng.bit_generator.state == twin.bit_generator.state and rng.random() == twin.random()


class _NoArrays(np.random.Generator):
    """A generator on the same bit generator (so the same stream, drawing on from where it is) that refuses
    rng.random(n) of a whole day's households: the compiled path must not ask for it."""

    households = 0

    def random(self, size=None, *args, **kwargs):
        if size is not None and size == self.households:
            raise AssertionError("a day's uniforms drawn as an array")
        return super().random(size, *args, **kwargs)


def _refusing(rng, households):
    strict = _NoArrays(rng.bit_generator)
    strict.households = households
    return strict


def _run(households=3000, days=None, strict=False, **switches):
    m = LockdownSupplyModel(scenario_file="toy", households=households, rng=12, days=days, **switches)
    if strict:  # built: from now on the day's verbs must not draw arrays of every household's uniform
        for owner in (m.chat, m.volunteers, m.emergence):
            owner._rng = _refusing(owner._rng, households)
    while m.running:
        m.step()
    return m, daily_table(m)


@pytest.mark.parametrize("switches", [{}, {"leader_scale": False}, {"remote_leaders": False, "leader_scale": False},
                                      {"supplier_ties": False}])
def test_runs_with_draws_made_where_looked_at_equal_runs_drawing_them_all(monkeypatch, switches):
    """Chat groups, leader emergence (at the scale of buildings or not, remote leaders or not), volunteers and
    shops: the same daily table with the draws made where looked at as with numpy's rng.random(n) arrays."""
    fast_model, fast = _run(strict=True, **switches)
    monkeypatch.setattr(pcg_draws, "_in_memory", lambda rng: False)
    from lockdown_sim.sim import retail
    monkeypatch.setattr(retail, "draws_compiled", lambda rng: False)
    plain_model, plain = _run(**switches)
    pd.testing.assert_frame_equal(fast, plain)
    assert fast_model.chat.count > 0 and fast_model.volunteers.count > 0 and fast_model.leadership.is_leader.any()
    if not switches:  # remote proxies' draws (their own stream) were looked at
        assert fast_model.leadership.is_leader[fast_model.emergence.remote_ids].any()


def _candidates_as_it_was(member, can_join, active, start, invite, contact_factor, code, invitations, posted_codes):
    """chat_groups._candidates before round 4: every household of an active compound looked at, the invitation and
    code hazards per compound computed by numpy."""
    out, hazard = [], []
    for c in range(len(active)):
        if not active[c]:
            continue
        for i in range(start[c], start[c + 1]):
            if member[i] or not can_join[i]:
                continue
            h = np.float32(0)
            if invitations:
                h = np.float32(np.float64(h) + invite[c] * np.float64(contact_factor[i]))
            if posted_codes:
                h = np.float32(np.float64(h) + code[c])
            out.append(i)
            hazard.append(h)
    return np.array(out, dtype=np.int64), np.array(hazard, dtype=np.float32)


def test_chat_candidates_skipping_full_compounds_equal_looking_at_every_household():
    """chat_groups._candidates computes the compounds' hazards itself and skips compounds where all who could join
    have: the same candidates and hazards, bit for bit, as the numpy expressions and the full loop it replaced."""
    from lockdown_sim.sim.chat_groups import _candidates

    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=5)
    chat, pop = m.chat, m.population
    rng = np.random.default_rng(7)
    full = 0
    for day in range(40):
        active = rng.random(pop.n_compounds) < 0.8
        invitations, posted_codes = bool(day % 3), bool(day % 4)
        share = chat._count / np.maximum(pop.compound_size, 1)
        plain = _candidates_as_it_was(chat.member, chat.can_join, active, pop.start, chat.invite_rate * share,
                                      chat.contact_factor, chat.code_hazard * chat.codes, invitations, posted_codes)
        fast = _candidates(chat.member, chat.can_join, active, pop.start, chat._count, chat._joinable,
                           pop.compound_size, chat.invite_rate, chat.contact_factor, chat.code_hazard, chat.codes,
                           invitations, posted_codes)
        assert fast[0].tobytes() == plain[0].tobytes() and fast[1].tobytes() == plain[1].tobytes()
        chat.grow(np.ones(pop.n_compounds, dtype=bool))
        chat.post_codes(np.flatnonzero(rng.random(pop.n_compounds) < 0.1))
        full += int((chat._count == chat._joinable).sum())
    assert full > 0 and len(plain[0]) > 0  # some compounds were skipped, some candidates were left


def _come_forward_plain(moved, eagerness, comp, unit, per_unit, room):
    """leader_emergence._come_forward in numpy and Python: the moved by compound, then eagerness (np.lexsort)."""
    used, taken = np.zeros(len(per_unit), np.int64), np.zeros(len(room), np.int64)
    wanting, capped, out = set(), set(), []
    for j in np.lexsort((eagerness, comp)):
        c, u = comp[j], unit[j]
        wanting.add(c)
        if used[u] < per_unit[u]:
            used[u] += 1
            if taken[c] < room[c]:
                out.append(moved[j])
                taken[c] += 1
            else:
                capped.add(c)
    return np.array(out, dtype=np.int64), len(wanting), len(capped)


def test_coming_forward_sorted_by_the_compounds_present_equals_sorting_by_every_compound():
    """leader_emergence._come_forward groups the moved by the compounds present (numbered in order) rather than by
    every compound: who comes forward, and the counts, as np.lexsort by compound and eagerness gives; also for
    compounds not in order (then grouped by compound number) and for nobody moved."""
    from lockdown_sim.sim.leader_emergence import _come_forward

    rng = np.random.default_rng(11)
    for trial in range(60):
        n_c, m = 40, int(rng.integers(0, 80))
        comp = rng.integers(0, n_c, m)
        if trial % 3:
            comp = np.sort(comp)  # as the loops note them, compound by compound
        eagerness = np.round(rng.random(m), 1)  # ties, kept in index order
        moved = rng.permutation(10_000)[:m]
        unit = rng.integers(0, 25, m)
        per_unit = rng.integers(1, 3, 25).astype(np.float64)
        room = rng.integers(0, 3, n_c).astype(np.float64)
        fast = _come_forward(moved, eagerness, comp, unit, per_unit, room)
        plain = _come_forward_plain(moved, eagerness, comp, unit, per_unit, room)
        assert fast[0].tolist() == plain[0].tolist() and (int(fast[1]), int(fast[2])) == plain[1:]


def _recruit_in_numpy(draw, rate, volunteer, busy, pop, hours, locked, room, count):
    """volunteering._recruit's rule in numpy: the willing (not volunteering, not busy, a phone, the free hours, their
    draw below rate) of locked compounds, the first room[c] of them in each compound in household order."""
    willing = np.flatnonzero(~volunteer & ~busy & pop.phone & (pop.free_hours >= hours) & (draw < rate)
                             & locked[pop.compound])
    comp = pop.compound[willing]
    rank = np.arange(len(willing)) - np.searchsorted(comp, comp)  # the order of the day's recruits in a compound
    joins = willing[rank < room[comp]]
    volunteer[joins] = True
    np.add.at(count, pop.compound[joins], 1)
    return len(joins)


def test_volunteers_recruited_from_the_able_equal_looking_at_every_household():
    """Volunteers.recruit looks only at households with a phone and the free hours (listed once at build), its
    draws made where looked at: the same recruits, counts and stream as the rule in numpy over rng.random(n)."""
    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=6)
    vol, pop = m.volunteers, m.population
    rng = np.random.default_rng(2)
    plain_rng = np.random.default_rng(vol._rng.bit_generator.state["state"]["state"] % 2**63)
    vol._rng = np.random.default_rng(vol._rng.bit_generator.state["state"]["state"] % 2**63)
    plain_volunteer, plain_count = vol.volunteer.copy(), vol._count.copy()
    total = 0
    for day in range(30):
        locked = rng.random(pop.n_compounds) < 0.7
        busy = rng.random(pop.n) < 0.05
        room = vol.cap - plain_count
        plain = _recruit_in_numpy(plain_rng.random(pop.n), vol.rate, plain_volunteer, busy, pop,
                                  np.float32(vol.hours), locked, room, plain_count)
        assert vol.recruit(locked, busy) == plain
        assert vol.volunteer.tolist() == plain_volunteer.tolist() and vol._count.tolist() == plain_count.tolist()
        total += plain
        if day % 7 == 6:  # some stand down, making room
            leaving = np.flatnonzero(plain_volunteer)[::3]
            vol.stand_down(leaving)
            plain_volunteer[leaving] = False
            np.subtract.at(plain_count, pop.compound[leaving], 1)
    assert total > 0 and plain_rng.random() == vol._rng.random()
