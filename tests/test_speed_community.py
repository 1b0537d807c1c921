"""Speed round 4, the community's day (issue 21 part 4): each compiled shortcut gives exactly the numbers of the
plain computation it replaced, and the generators end in the same state."""

import numpy as np
import pandas as pd
import pytest

from test_speed_equivalence import MANY_SUPPLIERS
from test_speed_equivalence import table as toy_run  # the toy city with ~120 suppliers, run to its end

from lockdown_sim.sim.model import LockdownSupplyModel


@pytest.mark.parametrize("low, high", [(0, np.iinfo(np.int64).max), (5, 2**40 + 3), (0, 2**62 + 12345), (-7, 2**33)])
def test_bounded_draws_from_words_are_the_generators_integers(low, high):
    """pcg_draws.bounded_from_words draws what Generator.integers(low, high, dtype=int64) draws (2**62 + 12345
    rejects about a quarter of its first draws: the rejection loop is exercised) and leaves the same state."""
    from numba import njit

    from lockdown_sim.sim.pcg_draws import bounded_from_words, pcg_words

    @njit
    def draw(words, low, span, n):
        out = np.empty(n, np.int64)
        for i in range(n):
            out[i] = bounded_from_words(words, low, span)
        return out

    for seed in range(5):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        expected = a.integers(low, high, 2000, dtype=np.int64)
        with pcg_words(b) as words:
            got = draw(words, low, high - low, 2000)
        assert got.tolist() == expected.tolist()
        assert a.bit_generator.state == b.bit_generator.state


def _sign_up_several_plain(self, hh, demand, offers, first, count, book):
    """GroupOrders._sign_up_several as it was: numpy's seeds, then _signed, _choose and _book called one by one."""
    from lockdown_sim.sim.group_orders import _book, _choose, _signed

    cols = self._cols
    stride = np.int64(self.count + 1)
    signed = _signed(self._log_offer, self._log_household, cols["status"], stride)
    leader_hh = self.leadership.household_of(cols["leader"][offers])
    size = self.supply.portions_per_set[cols["supplier"][offers]]
    seeds = self._several_rng.integers(0, np.iinfo(np.int64).max, len(hh), dtype=np.int64)
    hh, pick, sets = _choose(hh, self.pop.compound[hh], first, count, offers, signed, stride, leader_hh,
                             self.ties.keys, self.ties.n, demand, size, np.int64(self.max_sets), self.signup_prob,
                             self.trust_boost, seeds)
    return _book(hh, pick, sets, offers, size, *book)


def test_several_sign_ups_in_one_compiled_call_are_the_same_run(monkeypatch):
    """Sign-ups with several group buys (seeds drawn in compiled code, choice and booking in one call) give the run
    the plain steps gave; and with seeds drawn by the generator (one it does not know) too."""
    from lockdown_sim.sim import group_orders

    m_fast, fast = toy_run(ordering="group_buying")
    assert m_fast.group_orders.several and fast["signups"].sum() > 0
    monkeypatch.setattr(group_orders, "draws_compiled", lambda rng: False)
    _, drawn = toy_run(ordering="group_buying")
    monkeypatch.setattr(group_orders.GroupOrders, "_sign_up_several", _sign_up_several_plain)
    _, plain = toy_run(ordering="group_buying")
    pd.testing.assert_frame_equal(plain, fast)
    pd.testing.assert_frame_equal(plain, drawn)


@pytest.mark.parametrize("several", [True, False])
def test_need_counts_skipping_households_without_demand_equal_numpys(several):
    """group_orders._need (households without demand skipped) counts what numpy's sets_wanted gives per compound."""
    from lockdown_sim.sim.group_orders import _need

    rng = np.random.default_rng(41)
    n, max_sets, set_portions = 4000, 3, np.float32(7.0)
    start = np.concatenate([[0], np.sort(rng.choice(np.arange(1, n), 39, replace=False)), [n]])
    eligible = rng.random(n) < 0.7
    open_signups = rng.integers(0, 3, n).astype(np.int32)
    demand = np.where(rng.random(n) < 0.5, 0.0, rng.random(n) * 30).astype(np.float32)
    demand[::97] = -0.0
    cap = np.float32(1 << 30) if several else np.float32(max_sets)
    wanted, wanting, members = _need(eligible, open_signups, several, demand, set_portions, cap, start)
    compound = np.repeat(np.arange(len(start) - 1), np.diff(start))
    w = np.minimum(cap, np.ceil(demand / set_portions - np.float32(1e-9))).astype(np.int64)
    counted = eligible & (several | (open_signups == 0))
    assert wanted.tolist() == np.bincount(compound, weights=np.where(counted, w, 0), minlength=40).astype(int).tolist()
    assert wanting.tolist() == np.bincount(compound[counted & (w > 0)], minlength=40).tolist()
    assert members.tolist() == np.bincount(compound[eligible], minlength=40).tolist()


def _post_plain(self, posted, day):
    """GroupOrders.post as it was: every column written by numpy, one value for all where one is given."""
    from lockdown_sim.sim.group_orders import OPEN

    if len(posted) == 0:
        return np.zeros(0, dtype=np.int64)
    self._room_for(len(posted))
    leader, lo, hi = posted[:, 0], self.count, self.count + len(posted)
    values = dict(leader=leader, compound=self.leadership.compound_of(leader), supplier=posted[:, 1],
                  cap_sets=posted[:, 2], moq=posted[:, 3], via_gateway=posted[:, 4] != 0, posted_day=day,
                  close_day=day + self.window - 1, status=OPEN, km=-1.0, portions=0.0, sets=0, households=0)
    for name, col in self._cols.items():
        col[lo:hi] = values.get(name, -1 if col.dtype == np.int64 else 0)
    self.count = hi
    ids = np.arange(lo, hi, dtype=np.int64)
    self.open_ids = np.concatenate([self.open_ids, ids])
    self.posted_today += len(ids)
    return ids


def test_offers_posted_by_the_compiled_writer_are_the_same_run(monkeypatch):
    """Offers written into the offer table in one compiled pass (group_orders._post) give the run and the offer
    table that numpy's column by column writes gave."""
    from lockdown_sim.sim.group_orders import GroupOrders

    m_fast, fast = toy_run(ordering="group_buying")
    monkeypatch.setattr(GroupOrders, "post", _post_plain)
    m_plain, plain = toy_run(ordering="group_buying")
    pd.testing.assert_frame_equal(plain, fast)
    a, b = m_fast.group_orders, m_plain.group_orders
    assert a.count == b.count > 100
    for name in a._cols:
        assert a.column(name).tobytes() == b.column(name).tobytes(), name


def test_the_days_rules_of_work_are_made_once_and_follow_routine_and_pass_rules():
    """Leadership.work is made once a day; the table of routine covers every leader's deliveries (as the check on
    each call did), a new day, new pass rules or a longer table make it again."""
    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=9, overrides=MANY_SUPPLIERS,
                            ordering="group_buying")
    for _ in range(25):
        m.step()
    lead = m.leadership
    assert lead.team.deliveries[:lead.n].max() > 0
    assert len(lead._learned) > lead.team.deliveries[:lead.n].max() + 1
    w = lead.work(m.day)
    assert lead.work(m.day) is w and lead.work(m.day + 1) is not w
    assert w.learned.tolist() == [m.coordination.learned(d) for d in range(len(w.learned))]
    lead._learn_up_to(len(lead._learned) + 5)
    assert lead.work(m.day + 1).learned is lead._learned


def test_the_sign_up_log_compacted_in_place_keeps_the_live_entries_in_order():
    """group_orders._compact moves the live entries of the log to the front in their order, as the boolean mask did
    (what lies beyond them is never read)."""
    from lockdown_sim.sim.group_orders import GONE, _compact

    rng = np.random.default_rng(43)
    room = rng.integers(0, 1000, (3, 5000))
    n = 4100
    room[0, :n][rng.random(n) < 0.6] = GONE
    live = room[0, :n] != GONE
    expected = room[:, :n][:, live].copy()
    k = _compact(room, n)
    assert k == live.sum() and room[:, :k].tobytes() == np.ascontiguousarray(expected).tobytes()

