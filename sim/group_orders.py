"""Group orders: a leader posts a supplier's offer in the compound chat, members in need sign up during a window,
and the offer goes ahead only if the sign-ups reach the supplier's minimum order; otherwise it lapses.

Life of an offer: open -> lapsed (minimum not met) | cancelled (supplier sold out, or never dispatched)
| confirmed -> delivered (at the gate) | cancelled. Sign-ups are vectorised over households: each member in
need who sees the compound's open offers picks one and signs with `signup_prob` (more if it has a tie to the
leader); a leader can count only as many sign-ups a day as its hours allow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

OPEN, CONFIRMED, DELIVERED, LAPSED, CANCELLED = range(5)
STATUS_NAMES = ("open", "confirmed", "delivered", "lapsed", "cancelled")
ENDED = (DELIVERED, LAPSED, CANCELLED)


@dataclass(eq=False, slots=True)
class Offer:
    id: int
    leader: object  # GroupLeader
    compound: int
    supplier: int
    moq: int  # minimum sets for the offer to go ahead (1 with min_order off)
    cap_sets: int  # the most the supplier can sell in it
    posted_day: int
    close_day: int
    via_gateway: bool  # the supplier was reached through a gateway listing (now or when the leader first found it)
    status: int = OPEN
    due_day: int = -1
    confirmed_day: int = -1
    ended_day: int = -1
    portions: float = 0.0  # committed by the supplier at confirmation
    sets: int = 0  # sets signed up so far
    km: float = -1.0  # supplier-to-gate distance, measured at the first dispatch attempt
    plan: list | None = None  # minutes of each truck run, worked out at the first dispatch attempt
    _hh: list = field(default_factory=list)
    _sets: list = field(default_factory=list)

    def signups(self) -> tuple[np.ndarray, np.ndarray]:
        """(households, sets) signed up, in the order they signed."""
        if not self._hh:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if len(self._hh) > 1:
            self._hh, self._sets = [np.concatenate(self._hh)], [np.concatenate(self._sets)]
        return self._hh[0], self._sets[0]

    def forget_signups(self) -> None:
        """An ended offer keeps its counts but not who signed (a full city makes millions of offers)."""
        self._hh, self._sets = [], []

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
        self.wanted = np.zeros(pop.n_compounds)
        self.wanting_share = np.zeros(pop.n_compounds)
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
        self.wanted = self.pop.per_compound(want)
        self.wanting_share = self.pop.per_compound(want > 0) / np.maximum(self.pop.per_compound(eligible), 1)
        self.uncovered = self.wanted.copy()
        for offer in self.open:
            self.uncovered[offer.compound] -= max(0, offer.cap_sets - offer.sets)
        np.maximum(self.uncovered, 0, out=self.uncovered)

    def need_pressure(self) -> np.ndarray:
        """Per compound, the need nobody is covering: the share of members wanting food today times the share of
        the sets they want that no open offer has room for (0 where nobody wants any)."""
        return np.where(self.wanted > 0, self.uncovered / np.maximum(self.wanted, 1), 0.0) * self.wanting_share

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

        In offer order, an offer takes the longest prefix of its sign-ups that fits its room (its cap and its
        supplier's free stock) and its leader's remaining hours. The result is computed in three tiers that give
        exactly that sequential answer: offers that share neither leader nor a short supplier at once; offers
        whose leader runs several (only the hours carry over: scalar arithmetic); offers tied to a supplier
        without stock for all of today's sign-ups (room and hours live, one by one).
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
        lo, hi = starts[active], ends[active]
        base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0)
        stock_sets = np.floor(supply.stock / supply.set_portions + 1e-9).astype(np.int64)
        act = [offers[k] for k in active.tolist()]
        leaders = [o.leader for o in act]
        sup = np.array([o.supplier for o in act], dtype=np.int64)
        cap_left = np.array([o.cap_sets - o.sets for o in act], dtype=np.int64)
        hours = np.array([ld.hours_left for ld in leaders], dtype=np.float64)
        per = np.array([ld.overhead(per_signup) for ld in leaders], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            limit = np.where(hours <= 0, 0, np.where(per > 0, np.floor(hours / np.where(per > 0, per, 1)), 1 << 30))
        limit = limit.astype(np.int64)  # leader.signups_possible, for all at once
        per_l = per.tolist()
        free = np.maximum(stock_sets[sup] - supply.promised[sup], 0)

        def prefix(room):
            return np.clip(np.searchsorted(cum, base + room, side="right") - lo, 0, hi - lo)

        n_room = prefix(np.minimum(cap_left, free))  # what each offer would take with unlimited hours
        n0 = np.minimum(n_room, limit)
        taken0 = np.where(n0 > 0, cum[np.maximum(lo + n0 - 1, 0)] - base, 0)
        leader_id = np.array([id(ld) for ld in leaders], dtype=np.int64)
        _, l_inv, l_cnt = np.unique(leader_id, return_inverse=True, return_counts=True)
        _, s_inv = np.unique(sup, return_inverse=True)
        s_need = np.bincount(s_inv, weights=taken0)
        s_free = np.zeros(len(s_need))
        s_free[s_inv] = free
        live = s_need[s_inv] > s_free[s_inv]  # short supplier: close over shared suppliers and leaders
        while True:
            grow = live | np.isin(s_inv, s_inv[live]) | np.isin(l_inv, l_inv[live])
            if (grow == live).all():
                break
            live = grow
        shared_leader = ~live & (l_cnt[l_inv] > 1)
        n_act = np.where(live | shared_leader, 0, n0)
        spent = np.zeros(len(act), dtype=bool)
        # leaders with several offers, suppliers with enough stock: only the hours carry from offer to offer
        for i in np.flatnonzero(shared_leader).tolist():
            leader = leaders[i]
            n = min(int(n_room[i]), leader.signups_possible(per_signup))
            if n > 0:
                leader.spend(n * per_l[i])
                spent[i] = True
            n_act[i] = n
        # offers tied to a short supplier: room and hours live, one by one
        live_i = np.flatnonzero(live).tolist()
        if live_i:
            promised = supply.promised.tolist()  # plain ints one by one, written back after the loop
            stock_l, sup_l, cap_l = stock_sets.tolist(), sup.tolist(), cap_left.tolist()
            base_l, lo_l, hi_l = base.tolist(), lo.tolist(), hi.tolist()
            for i in live_i:
                leader, s = leaders[i], sup_l[i]
                room = min(cap_l[i], max(stock_l[s] - promised[s], 0))
                b, a = base_l[i], lo_l[i]
                # cum rises, so the first sign-up past the room, clipped to the offer's own, is its prefix's end
                n = min(min(max(int(cum.searchsorted(b + room, "right")), a), hi_l[i]) - a,
                        leader.signups_possible(per_signup))
                if n > 0:
                    promised[s] += int(cum[a + n - 1]) - b
                    leader.spend(n * per_l[i])
                    spent[i] = True
                n_act[i] = max(n, 0)
            supply.promised[:] = promised
        # book every accepted sign-up
        n_ok[active] = n_act
        pos = np.arange(len(hh)) - starts[pick]
        acc = pos < n_ok[pick]
        h_acc, s_acc = hh[acc], sets[acc]
        offer_id = np.array([o.id for o in offers], dtype=np.int64)
        self.signed[h_acc] = offer_id[pick[acc]]
        self.food.pending[h_acc] += s_acc * self.set_portions
        taken = np.where(n_act > 0, cum[np.maximum(lo + n_act - 1, 0)] - base, 0)
        not_live = ~live & (n_act > 0)
        np.add.at(supply.promised, sup[not_live], taken[not_live])
        # each offer keeps a view of one compact array of today's accepted sign-ups (in offer, then signing order)
        ok_i = np.flatnonzero(n_act > 0)
        at = np.zeros(len(act) + 1, dtype=np.int64)
        np.cumsum(n_act, out=at[1:])
        at_l, taken_l, n_l, spent_l = at.tolist(), taken.tolist(), n_act.tolist(), spent.tolist()
        for i in ok_i.tolist():
            offer, a, b = act[i], at_l[i], at_l[i + 1]
            offer._hh.append(h_acc[a:b])
            offer._sets.append(s_acc[a:b])
            offer.sets += taken_l[i]
            if not spent_l[i]:
                leaders[i].spend(n_l[i] * per_l[i])
        return n_ok

    # --- closing: the minimum order -------------------------------------------------------------------
    def close_due(self, day: int, supply, ledger, permit_needed) -> None:
        """Offers whose window ends today: confirm those that reach the minimum order, lapse the rest.

        A confirmed offer keeps the sign-ups (in signing order) its supplier's free stock covers. Released
        sign-ups are given back in one pass at the end (a household is in at most one open offer).
        """
        still_open, freed, released = [], [], []
        payment = self.hours.per_payment_minutes / 60.0
        sp = supply.set_portions
        for offer in self.open:
            if offer.close_day > day:
                still_open.append(offer)
                continue
            hh, sets = offer.signups()
            freed.append(hh)
            offer.leader.offers.remove(offer)
            s, total = offer.supplier, offer.sets
            supply.promised[s] -= total
            if total < offer.moq or total == 0:
                released.append((hh, sets))
                self._end(offer, LAPSED, day)
                offer.leader.note_lapse(s, day)
                continue
            avail = max(math.floor(supply.stock[s] / sp + 1e-9) - int(supply.promised[s]), 0)
            if avail < offer.moq:
                released.append((hh, sets))
                self._end(offer, CANCELLED, day)
                continue
            n_keep = len(hh) if avail >= total else int(np.searchsorted(np.cumsum(sets), avail, side="right"))
            if n_keep < len(hh):
                released.append((hh[n_keep:], sets[n_keep:]))
                hh, sets = hh[:n_keep], sets[:n_keep]
                offer._hh, offer._sets = [hh], [sets]
                offer.sets = int(sets.sum())
            offer.portions = float(offer.sets) * self.set_portions
            supply.commit(s, offer.portions)
            ledger.shipped_local += offer.portions
            ledger.in_transit += offer.portions
            ready = supply.permit_ready(s, day, permit_needed(offer))
            offer.due_day = max(day + int(supply.lead[s]), ready)
            offer.status, offer.confirmed_day = CONFIRMED, day
            self.confirmed[offer.id] = offer
            self.closed_total[CONFIRMED] += 1
            self.confirmed_today += 1
            offer.leader.spend(n_keep * offer.leader.overhead(payment))
        self.open = still_open
        if freed:
            self.signed[np.concatenate(freed)] = -1
        if released:
            self._release(np.concatenate([h for h, _ in released]), np.concatenate([x for _, x in released]))

    def _release(self, hh: np.ndarray, sets: np.ndarray) -> None:
        self.food.pending[hh] = np.maximum(self.food.pending[hh] - sets * self.set_portions, 0)

    def _end(self, offer: Offer, status: int, day: int, hh=None, sets=None) -> None:
        if hh is not None:
            self._release(hh, sets)
        offer.status, offer.ended_day = status, day
        offer.forget_signups()
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
