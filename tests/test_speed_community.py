"""Speed round 4, the community's day (issue 21 part 4): each compiled shortcut gives exactly the numbers of the
plain computation it replaced, and the generators end in the same state."""

import numpy as np
import pandas as pd
import pytest

from lockdown_sim.experiments.run import daily_table
from lockdown_sim.sim.model import LockdownSupplyModel

MANY_SUPPLIERS = {"local_suppliers.real_count": 400_000}  # ~120 suppliers in a 3,000-household toy city


def toy_run(**kw):
    m = LockdownSupplyModel(scenario_file="toy", households=3000, rng=9, overrides=MANY_SUPPLIERS, **kw)
    while m.running:
        m.step()
    return m, daily_table(m)


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
