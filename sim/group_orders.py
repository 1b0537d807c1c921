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
    def sets(self) -> int:
        return int(sum(int(s.sum()) for s in self._sets))

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
        self.confirmed: list[Offer] = []
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
        starts = np.searchsorted(pick, np.arange(len(offers)))
        ends = np.searchsorted(pick, np.arange(len(offers)), side="right")
        accepted = 0
        for k in np.flatnonzero(ends > starts):
            offer = offers[k]
            lo, hi = starts[k], ends[k]
            room = min(offer.cap_sets - offer.sets, int(supply.available_sets(offer.supplier)))
            limit = offer.leader.signups_possible(self.hours.per_signup_minutes / 60.0)
            s = sets[lo:hi]
            ok = (np.cumsum(s) <= room) & (np.arange(hi - lo) < limit)
            if not ok.any():
                continue
            h_ok, s_ok = hh[lo:hi][ok], s[ok]
            offer._hh.append(h_ok)
            offer._sets.append(s_ok)
            supply.hold(offer.supplier, int(s_ok.sum()))
            self.signed[h_ok] = offer.id
            self.food.pending[h_ok] += s_ok * self.set_portions
            offer.leader.spend(len(h_ok) * offer.leader.overhead(self.hours.per_signup_minutes / 60.0))
            accepted += len(h_ok)
        self.signups_today += accepted
        return accepted

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
            offer.portions = float(sets[keep].sum()) * self.set_portions
            supply.commit(offer.supplier, offer.portions)
            ledger.shipped_local += offer.portions
            ledger.in_transit += offer.portions
            ready = supply.permit_ready(offer.supplier, day, permit_needed(offer))
            offer.due_day = max(day + int(supply.lead[offer.supplier]), ready)
            offer.status, offer.confirmed_day = CONFIRMED, day
            self.confirmed.append(offer)
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
        self.confirmed.remove(offer)
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
