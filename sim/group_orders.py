"""Group orders: a leader posts a supplier's offer in the compound chat, members in need sign up during a window,
and the offer goes ahead only if the sign-ups reach the supplier's minimum order; otherwise it lapses.

Life of an offer: open -> lapsed (minimum not met) | cancelled (supplier sold out, or never dispatched)
| confirmed -> delivered (at the gate) | cancelled. Sign-ups are vectorised over households: each member in
need who sees the compound's open offers picks one and signs with `signup_prob` (more if it has a tie to the
leader); a leader can count only as many sign-ups a day as its hours allow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OPEN, CONFIRMED, DELIVERED, LAPSED, CANCELLED = range(5)
STATUS_NAMES = ("open", "confirmed", "delivered", "lapsed", "cancelled")
ENDED = (DELIVERED, LAPSED, CANCELLED)


@dataclass(eq=False)
class Offer:
    id: int
    leader: object  # GroupLeader
    compound: int
    supplier: int
    moq: int  # minimum sets for the offer to go ahead (1 with min_order off)
    cap_sets: int  # the most the supplier can sell in it
    posted_day: int
    close_day: int
    via_gateway: bool
    status: int = OPEN
    due_day: int = -1
    confirmed_day: int = -1
    ended_day: int = -1
    portions: float = 0.0  # committed by the supplier at confirmation
    sets: int = 0  # sets signed up so far
    km: float = -1.0  # supplier-to-gate distance, measured at the first dispatch attempt
    _hh: list = field(default_factory=list)
    _sets: list = field(default_factory=list)

    def signups(self) -> tuple[np.ndarray, np.ndarray]:
        """(households, sets) signed up, in the order they signed."""
        if not self._hh:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if len(self._hh) > 1:
            self._hh, self._sets = [np.concatenate(self._hh)], [np.concatenate(self._sets)]
        return self._hh[0], self._sets[0]

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    def __repr__(self) -> str:
        return f"Offer({self.id}, compound={self.compound}, supplier={self.supplier}, {self.status_name}, sets={self.sets}/{self.moq})"


class GroupOrders:
    """All offers of the run and the sign-up / minimum-order mechanics."""

    def __init__(self, scenario, pop, food, rng: np.random.Generator, *, min_order: bool):
        g, h = scenario.group_buying, scenario.leader_hours
        self.pop, self.food, self._rng = pop, food, rng
        self.min_order = min_order
        self.set_portions = scenario.local_suppliers.set_portions
        self.window = g.signup_window_days
        self.signup_prob = g.signup_prob
        self.trust_boost = g.trust_boost
        self.max_sets = g.max_sets_per_household
        self.hours = h
        self.offers: list[Offer] = []
        self.open: list[Offer] = []
        self.confirmed: dict[int, Offer] = {}  # id -> offer awaiting dispatch, in confirmation order
        self.signed = np.full(pop.n, -1, dtype=np.int64)  # id of the open offer a household signed, -1 none
        self.uncovered = np.zeros(pop.n_compounds)
        self.closed_total = {CONFIRMED: 0, LAPSED: 0, CANCELLED: 0}
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        self.signups_today = 0
        self.posted_today = 0
        self.confirmed_today = 0
        self.lapsed_today = 0
        self.saw_offer_today = 0

    # --- what the compound wants -------------------------------------------------------------------
    def sets_wanted(self, demand: np.ndarray) -> np.ndarray:
        return np.minimum(self.max_sets, np.ceil(demand / self.set_portions - 1e-9)).astype(np.int64)

    def measure_need(self, eligible: np.ndarray, demand: np.ndarray) -> None:
        """Sets wanted per compound by households that could sign up and are not covered by an open offer."""
        want = np.where(eligible & (self.signed < 0), self.sets_wanted(demand), 0)
        self.uncovered = self.pop.per_compound(want)
        for offer in self.open:
            self.uncovered[offer.compound] -= max(0, offer.cap_sets - offer.sets)
        np.maximum(self.uncovered, 0, out=self.uncovered)

    # --- posting and signing up --------------------------------------------------------------------
    def post(self, leader, supplier: int, cap_sets: int, moq: int, day: int, via_gateway: bool) -> Offer:
        offer = Offer(
            id=len(self.offers), leader=leader, compound=leader.compound.index, supplier=supplier,
            moq=moq if self.min_order else 1, cap_sets=cap_sets, posted_day=day,
            close_day=day + self.window - 1, via_gateway=via_gateway,
        )
        self.offers.append(offer)
        self.open.append(offer)
        leader.offers.append(offer)
        self.uncovered[offer.compound] = max(0.0, self.uncovered[offer.compound] - cap_sets)
        self.posted_today += 1
        return offer

    def sign_up(self, eligible: np.ndarray, demand: np.ndarray, ties, supply) -> int:
        """Members in need sign up to one of their compound's open offers; returns sign-ups accepted."""
        if not self.open:
            return 0
        pop = self.pop
        offers = sorted(self.open, key=lambda o: (o.compound, o.id))
        o_comp = np.array([o.compound for o in offers], dtype=np.int64)
        count = np.bincount(o_comp, minlength=pop.n_compounds)
        first = np.searchsorted(o_comp, np.arange(pop.n_compounds))
        hh = np.flatnonzero(eligible & (demand > 0) & (self.signed < 0) & (count[pop.compound] > 0))
        self.saw_offer_today = len(hh)
        if len(hh) == 0:
            return 0
        c = pop.compound[hh]
        pick = first[c] + np.minimum((self._rng.random(len(hh)) * count[c]).astype(np.int64), count[c] - 1)
        leader_hh = np.array([o.leader.household_index for o in offers], dtype=np.int64)
        p = self.signup_prob + self.trust_boost * ties.has_tie(hh, leader_hh[pick])
        signs = self._rng.random(len(hh)) < p
        hh, pick = hh[signs], pick[signs]
        sets = self.sets_wanted(demand[hh])
        # accept in signing order, within each offer's remaining capacity and its leader's hours
        order = np.argsort(pick, kind="stable")
        hh, pick, sets = hh[order], pick[order], sets[order]
        n_ok = self._accept(offers, hh, pick, sets, supply)
        accepted = int(n_ok.sum())
        self.signups_today += accepted
        return accepted

    def _accept(self, offers: list, hh, pick, sets, supply) -> np.ndarray:
        """How many of each offer's sign-ups (sorted by offer, in signing order) are accepted, and book them.

        An offer takes the longest prefix of its sign-ups that fits its room (its cap and the supplier's free
        stock) and its leader's hours. Offers whose leader runs only that offer and whose supplier has stock for
        all of today's sign-ups do not affect each other and are done at once; the others (shared leaders,
        oversubscribed suppliers) are done one by one in order, as holds and hours change between them.
        """
        k_all = np.arange(len(offers))
        starts = np.searchsorted(pick, k_all)
        ends = np.searchsorted(pick, k_all, side="right")
        active = np.flatnonzero(ends > starts)
        n_ok = np.zeros(len(offers), dtype=np.int64)
        if len(active) == 0:
            return n_ok
        per_signup = self.hours.per_signup_minutes / 60.0
        cum = np.cumsum(sets)
        base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0)
        stock_sets = np.floor(supply.stock / supply.set_portions + 1e-9).astype(np.int64)
        act = [offers[k] for k in active.tolist()]
        sup = np.array([o.supplier for o in act], dtype=np.int64)
        leaders = [o.leader for o in act]
        cap_left = np.array([o.cap_sets - o.sets for o in act], dtype=np.int64)
        limit = np.array([ld.signups_possible(per_signup) for ld in leaders], dtype=np.int64)
        free = np.maximum(stock_sets[sup] - supply.promised[sup], 0)
        lo, hi = starts[active], ends[active]

        def prefix(room, lim):
            n = np.searchsorted(cum, base[active] + room, side="right") - lo
            return np.clip(np.minimum(n, lim), 0, hi - lo)

        n0 = prefix(np.minimum(cap_left, free), limit)
        taken0 = np.where(n0 > 0, cum[np.maximum(lo + n0 - 1, 0)] - base[active], 0)
        # offers that interact: a leader with several, or a supplier without stock for all; closed over both
        leader_id = np.array([id(ld) for ld in leaders], dtype=np.int64)
        _, l_inv, l_cnt = np.unique(leader_id, return_inverse=True, return_counts=True)
        _, s_inv = np.unique(sup, return_inverse=True)
        s_need = np.bincount(s_inv, weights=taken0)
        s_free = np.zeros(len(s_need))
        s_free[s_inv] = free
        seq = (l_cnt[l_inv] > 1) | (s_need[s_inv] > s_free[s_inv])
        while True:
            grow = seq | np.isin(s_inv, s_inv[seq]) | np.isin(l_inv, l_inv[seq])
            if (grow == seq).all():
                break
            seq = grow
        n_act = np.where(seq, 0, n0)
        for i in np.flatnonzero(seq).tolist():  # in offer order, with live holds and hours
            offer, leader, s = act[i], leaders[i], int(sup[i])
            room = min(int(cap_left[i]), max(int(stock_sets[s] - supply.promised[s]), 0))
            b = int(base[active[i]])
            n = min(int(np.searchsorted(cum[lo[i]:hi[i]], b + room, side="right")), leader.signups_possible(per_signup))
            if n > 0:
                supply.promised[s] += int(cum[lo[i] + n - 1]) - b
                leader.spend(n * leader.overhead(per_signup))
            n_act[i] = max(n, 0)
        # book every accepted sign-up
        n_ok[active] = n_act
        pos = np.arange(len(hh)) - starts[pick]
        acc = pos < n_ok[pick]
        h_acc, s_acc = hh[acc], sets[acc]
        offer_id = np.array([o.id for o in offers], dtype=np.int64)
        self.signed[h_acc] = offer_id[pick[acc]]
        self.food.pending[h_acc] += s_acc * self.set_portions
        taken = np.where(n_act > 0, cum[np.maximum(lo + n_act - 1, 0)] - base[active], 0)
        simple = ~seq & (n_act > 0)
        np.add.at(supply.promised, sup[simple], taken[simple])
        for i in np.flatnonzero(n_act > 0).tolist():
            offer, n = act[i], int(n_act[i])
            a, b = int(lo[i]), int(lo[i]) + n
            offer._hh.append(hh[a:b])
            offer._sets.append(sets[a:b])
            offer.sets += int(taken[i])
            if not seq[i]:
                leaders[i].spend(n * leaders[i].overhead(per_signup))
        return n_ok

    # --- closing: the minimum order -------------------------------------------------------------------
    def close_due(self, day: int, supply, ledger, permit_needed) -> None:
        """Offers whose window ends today: confirm those that reach the minimum order, lapse the rest."""
        still_open = []
        for offer in self.open:
            if offer.close_day > day:
                still_open.append(offer)
                continue
            hh, sets = offer.signups()
            self.signed[hh] = -1
            offer.leader.offers.remove(offer)
            total = int(sets.sum())
            supply.release(offer.supplier, total)
            if total < offer.moq or total == 0:
                self._end(offer, LAPSED, day, hh, sets)
                offer.leader.note_lapse(offer.supplier, day)
                continue
            avail = int(supply.available_sets(offer.supplier))
            if avail < offer.moq:
                self._end(offer, CANCELLED, day, hh, sets)
                continue
            keep = np.cumsum(sets) <= avail
            self._release(hh[~keep], sets[~keep])
            offer._hh, offer._sets = [hh[keep]], [sets[keep]]
            offer.sets = int(sets[keep].sum())
            offer.portions = float(sets[keep].sum()) * self.set_portions
            supply.commit(offer.supplier, offer.portions)
            ledger.shipped_local += offer.portions
            ledger.in_transit += offer.portions
            ready = supply.permit_ready(offer.supplier, day, permit_needed(offer))
            offer.due_day = max(day + int(supply.lead[offer.supplier]), ready)
            offer.status, offer.confirmed_day = CONFIRMED, day
            self.confirmed[offer.id] = offer
            self.closed_total[CONFIRMED] += 1
            self.confirmed_today += 1
            offer.leader.spend(int(keep.sum()) * offer.leader.overhead(self.hours.per_payment_minutes / 60.0))
        self.open = still_open

    def _release(self, hh: np.ndarray, sets: np.ndarray) -> None:
        self.food.pending[hh] = np.maximum(self.food.pending[hh] - sets * self.set_portions, 0)

    def _end(self, offer: Offer, status: int, day: int, hh=None, sets=None) -> None:
        if hh is not None:
            self._release(hh, sets)
        offer.status, offer.ended_day = status, day
        self.closed_total[status] = self.closed_total.get(status, 0) + 1
        if status == LAPSED:
            self.lapsed_today += 1

    def cancel_confirmed(self, offer: Offer, day: int, supply, ledger) -> None:
        """A confirmed order that was never dispatched: refund, stock back to the supplier."""
        hh, sets = offer.signups()
        supply.take_back(offer.supplier, offer.portions)
        ledger.in_transit -= offer.portions
        ledger.returned += offer.portions
        del self.confirmed[offer.id]
        self._end(offer, CANCELLED, day, hh, sets)

    def moq_success_rate(self) -> float:
        """Offers that reached their minimum / offers closed so far (nan before the first close)."""
        ok = self.closed_total[CONFIRMED]
        closed = ok + self.closed_total[LAPSED]
        return ok / closed if closed else float("nan")

    def status_counts(self) -> dict:
        counts = dict.fromkeys(STATUS_NAMES, 0)
        for offer in self.offers:
            counts[offer.status_name] += 1
        return counts
