"""Group orders: a leader posts a supplier's offer in the compound chat, members in need sign up during a window,
and the offer goes ahead only if the sign-ups reach the supplier's minimum order; otherwise it lapses.

Life of an offer, all of it here: open (`post`, `sign_up`) -> lapsed (minimum not met) | cancelled (supplier sold
out) | confirmed (`close_due`) -> delivered at the gate (`deliver`) | cancelled, never dispatched (`cancel`).
Sign-ups are vectorised over households: each member in need who sees the compound's open offers signs with
`signup_prob` (more if it has a tie to the leader) for as many of the offer's sets as it still lacks (at most
`max_sets_per_household`; a set holds its supplier's `portions_per_set`); a leader can count only as many sign-ups
a day as its hours allow.

Several group buys at once (the `several_group_buys` switch; docs/argument.md, claim 2, and the study's members
joining group buys for milk, meat, vegetables, bread and a supermarket's boxes at once, since a platform slot was a
lottery of minutes): a member goes through every open offer of its compound it is not in yet, in a random order
(its own stream), and signs each with the same chance while it still lacks food; the sets it signs for are food on
its way, so it never signs for more than it lacks. Off: a member takes part in one open offer at a time, picked
at random among its compound's.

A full city makes about half a million offers, so offers are rows of arrays (an `Offer` is a view of one row) and
the loops over offers are compiled. Who signed which live offer is a log appended day by day (offer, household,
sets), so an offer's sign-ups are in signing order; ended offers keep their counts but not who signed.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.leadership import close_offer, paperwork_hours, signups_possible, spend
from lockdown_sim.sim.local_supply import CHAIN_STORE, KINDS, apply_for_pass, trip_needs_pass, whole_sets
from lockdown_sim.sim.parallel import add_at, kernel, njit, prange
from lockdown_sim.sim.pcg_draws import bounded_from_words, draws_compiled, stream_words
from lockdown_sim.sim.sorting import group_stably

OPEN, CONFIRMED, DELIVERED, LAPSED, CANCELLED = range(5)
STATUS_NAMES = ("open", "confirmed", "delivered", "lapsed", "cancelled")
ENDED = (DELIVERED, LAPSED, CANCELLED)
GONE = -1  # the offer of a sign-up that ended (or was released)
SEED_SPAN = np.iinfo(np.int64).max  # a sign-up seed is drawn as rng.integers(0, SEED_SPAN, dtype=np.int64)
_NO_SEEDS, _NO_WORDS = np.zeros(0, np.int64), np.zeros(0, np.uint64)

# offer columns: name -> dtype
_COLUMNS = {"leader": np.int64, "compound": np.int64, "supplier": np.int64, "moq": np.int64, "cap_sets": np.int64,
            "posted_day": np.int64, "close_day": np.int64, "via_gateway": np.bool_, "status": np.int64,
            "due_day": np.int64, "confirmed_day": np.int64, "ended_day": np.int64, "portions": np.float64,
            "sets": np.int64, "km": np.float64, "households": np.int64}


class Offer:
    """One offer (a view of its row in GroupOrders)."""

    __slots__ = ("_orders", "id")

    def __init__(self, orders, offer_id: int):
        self._orders, self.id = orders, int(offer_id)

    def __getattr__(self, name):
        column = self._orders.column(name)
        value = column[self.id]
        return value.item() if hasattr(value, "item") else value

    @property
    def leader(self):
        return self._orders.leadership.agents[int(self._orders.column("leader")[self.id])]

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    def signups(self) -> tuple[np.ndarray, np.ndarray]:
        """(households, sets) signed up, in the order they signed (none once the offer has ended)."""
        return self._orders.signups_of(self.id)

    def __eq__(self, other) -> bool:
        return isinstance(other, Offer) and other._orders is self._orders and other.id == self.id

    def __hash__(self) -> int:
        return hash((id(self._orders), self.id))

    def __repr__(self) -> str:
        return (f"Offer({self.id}, compound={self.compound}, supplier={self.supplier}, {self.status_name}, "
                f"sets={self.sets}/{self.moq})")


class OfferList:
    """All offers of the run, as Offer views (len, index, iterate)."""

    def __init__(self, orders):
        self._orders = orders

    def __len__(self) -> int:
        return self._orders.count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [Offer(self._orders, k) for k in range(*i.indices(len(self)))]
        k = range(len(self))[i]
        return Offer(self._orders, k)

    def __iter__(self):
        return (Offer(self._orders, k) for k in range(len(self)))


class GroupOrders:
    """All offers of the run and the sign-up / minimum-order / delivery mechanics."""

    def __init__(self, scenario, pop, food, supply, gate, ledger, ties, member_ties, leadership,
                 rng: np.random.Generator, several_rng: np.random.Generator, *, min_order: bool,
                 member_ties_on: bool, several: bool):
        g, h = scenario.group_buying, scenario.leader_hours
        self.pop, self.food, self.supply, self.gate, self.ledger = pop, food, supply, gate, ledger
        self.ties, self.member_ties, self.leadership = ties, member_ties, leadership
        self._rng, self._several_rng = rng, several_rng
        self.min_order = min_order
        self.several = several
        self.member_ties_on = member_ties_on
        self.member_ties_per_order = scenario.ties.member_ties_per_order
        self.set_portions = scenario.local_suppliers.set_portions  # the set need is counted in (a generic set)
        self.window = g.signup_window_days
        self.signup_prob = g.signup_prob
        self.trust_boost = g.trust_boost
        self.max_sets = g.max_sets_per_household
        self.hours = h
        self.count = 0
        self._cols = {name: np.zeros(64, dtype=dtype) for name, dtype in _COLUMNS.items()}
        self.offers = OfferList(self)
        self.open_ids = np.zeros(0, dtype=np.int64)  # open offers, by id (= the order they were posted)
        self.confirmed_ids = np.zeros(0, dtype=np.int64)  # confirmed, awaiting dispatch, by id
        self.open_signups = np.zeros(pop.n, dtype=np.int32)  # open offers each household has signed up to
        self.bought = np.zeros(pop.n, dtype=bool)  # households that have received food from a delivered group order
        self.supplied = np.zeros(pop.n_compounds, dtype=bool)  # compounds a chain store's packages have reached
        # the sign-up log (see the module docstring): offer, household, sets; the first _log_n rows of room that
        # grows by doubling (appending a day's sign-ups copies only them)
        self._log_room = np.zeros((3, 1024), dtype=np.int64)
        self._log_n = 0
        self._log_live = 0  # entries of the log whose offer is live (not GONE)
        self.uncovered = np.zeros(pop.n_compounds)
        self.wanted = np.zeros(pop.n_compounds)
        self.wanting_share = np.zeros(pop.n_compounds)
        self.offer_room = np.full(pop.n_compounds, np.inf)
        self.closed_total = {CONFIRMED: 0, DELIVERED: 0, LAPSED: 0, CANCELLED: 0}
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        """Zero the day's counts of sign-ups and offers posted (read by the day's metrics)."""
        self.signups_today = 0
        self.posted_today = 0
        self.confirmed_today = 0
        self.lapsed_today = 0
        self.saw_offer_today = 0
        self.sets_delivered_today = 0  # sets of group orders left at gates today
        self.store_sets_today = 0  # ... of them chain stores' packages
        self.store_portions_today = 0.0

    # --- the offer table ---------------------------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        """One column of the offer table (leader row, compound, supplier, moq, ...), one entry per offer so far."""
        if name not in self._cols:
            raise AttributeError(name)
        return self._cols[name][:self.count]

    @property
    def open(self) -> list[Offer]:
        return [Offer(self, k) for k in self.open_ids.tolist()]

    def _room_for(self, n: int) -> None:
        """Room in the offer table for n more offers (the columns grow by doubling)."""
        if self.count + n > len(self._cols["leader"]):
            size = max(2 * len(self._cols["leader"]), self.count + n)
            for name, col in self._cols.items():
                grown = np.zeros(size, dtype=col.dtype)
                grown[:self.count] = col[:self.count]
                self._cols[name] = grown

    # --- what the compound wants -------------------------------------------------------------------
    def sets_wanted(self, demand: np.ndarray, portions_per_set: np.ndarray | float | None = None) -> np.ndarray:
        """Sets of an offer (of `portions_per_set` each; a generic set if None) a household lacking `demand` signs
        for."""
        size = self.set_portions if portions_per_set is None else portions_per_set
        return np.minimum(self.max_sets, np.ceil(demand / size - 1e-9)).astype(np.int64)

    def measure_need(self, eligible: np.ndarray, demand: np.ndarray) -> None:
        """Sets wanted per compound (in generic sets) by households that could sign up and still lack food, and the
        part no open offer has room for. One group buy at a time: a household in an open offer wants nothing more
        and one offer's sets count at most `max_sets_per_household` per household; several at once: a household
        wants all it lacks, and an offer has room for at most `max_sets_per_household` sets of each household
        wanting food (it takes part in an offer once)."""
        several = self.several
        cap = np.float32(1 << 30) if several else np.float32(self.max_sets)
        wanted, wanting, members = _need(eligible, self.open_signups, several, demand, np.float32(self.set_portions),
                                         cap, self.pop.start)
        c = self._cols
        # the most sets one more offer can sell in each compound (offer_room), and the sets no open offer has room for
        self.wanted, self.wanting_share, self.offer_room, self.uncovered = _uncovered(
            wanted, wanting, members, several, self.max_sets, self.open_ids, c["compound"], c["cap_sets"], c["sets"],
            c["supplier"], self.supply.portions_per_set, self.set_portions)

    def open_kinds(self) -> np.ndarray:
        """Per compound and supplier kind: whether an open offer of that kind is up (sim/local_supply.py KINDS)."""
        return _open_kinds(self.open_ids, self._cols["compound"], self._cols["supplier"], self.supply.kind,
                           self.pop.n_compounds, len(KINDS))

    def need_pressure(self) -> np.ndarray:
        """Per compound, the need nobody is covering: the share of members wanting food today times the share of
        the sets they want that no open offer has room for (0 where nobody wants any)."""
        return _pressure(self.wanted, self.uncovered, self.wanting_share)

    # --- posting and signing up --------------------------------------------------------------------
    def post(self, posted: np.ndarray, day: int) -> np.ndarray:
        """Offers leaders posted today (rows: leader row, supplier, sets it can sell, minimum, via a gateway)."""
        if len(posted) == 0:
            return np.zeros(0, dtype=np.int64)
        self._room_for(len(posted))
        c = self._cols
        ids, self.open_ids = _post(posted, self.count, day, day + self.window - 1, self.open_ids,
                                   self.leadership.team.compound, *(c[name] for name in _COLUMNS))
        self.count += len(ids)
        self.posted_today += len(ids)
        return ids

    def sign_up(self, eligible: np.ndarray, demand: np.ndarray) -> int:
        """Members in need sign up to their compound's open offers (one, or with `several` each they are not in yet);
        returns sign-ups accepted."""
        if len(self.open_ids) == 0:
            return 0
        pop, cols = self.pop, self._cols
        offers, first, count, hh = _offers_seen(self.open_ids, cols["compound"], pop.n_compounds, eligible, demand,
                                                self.open_signups, self.several, pop.compound)
        self.saw_offer_today = len(hh)
        if len(hh) == 0:
            return 0
        # accept in signing order, within each offer's remaining capacity and its leader's hours, and book every
        # accepted sign-up: the offer counts its sets, the supplier holds them, food is on its way
        supply, lead = self.supply, self.leadership
        book = (cols["leader"], cols["supplier"], cols["cap_sets"], cols["sets"], supply.stock, supply.portions_per_set,
                supply.promised, lead.team, lead.work(), self.hours.per_signup_minutes / 60.0, self.open_signups)
        if self.several:
            h_acc, s_acc, o_acc, portions, taken = self._sign_up_several(hh, demand, offers, first, count, book)
        else:
            leader_hh = self.leadership.household_of(cols["leader"][offers])
            size = supply.portions_per_set[cols["supplier"][offers]]
            c = pop.compound[hh]
            pick = first[c] + np.minimum((self._rng.random(len(hh)) * count[c]).astype(np.int64), count[c] - 1)
            p = self.signup_prob + self.trust_boost * self.ties.has_tie(hh, leader_hh[pick])
            signs = self._rng.random(len(hh)) < p
            hh, pick = hh[signs], pick[signs]
            sets = self.sets_wanted(demand[hh], size[pick])
            h_acc, s_acc, o_acc, portions, taken = _book(hh, pick, sets, offers, size, *book)
        supply.hold(cols["supplier"][offers], taken)
        self.food.order(h_acc, portions)
        self._log(o_acc, h_acc, s_acc)
        self.signups_today += len(h_acc)
        return len(h_acc)

    def _sign_up_several(self, hh, demand, offers, first, count, book):
        """Several group buys at once: each household goes through its compound's open offers it is not in yet, in
        a random order, and signs each with its chance while it still lacks food (`_choose`, its draws from one seed
        per household of its own stream); the sign-ups are booked (`_book`). One compiled call (`_several`), the
        seeds drawn in it from the generator's state (sim/pcg_draws.py) or, for a generator it does not know, by
        the generator beforehand: the same numbers. Returns `_book`'s."""
        rng, cols = self._several_rng, self._cols
        args = (hh, self.pop.compound, first, count, offers, self._log_offer, self._log_household, cols["status"],
                np.int64(self.count + 1), self.leadership.team.household, self.ties.keys, self.ties.n, demand,
                np.int64(self.max_sets), self.signup_prob, self.trust_boost)
        if draws_compiled(rng):
            with stream_words(rng) as words:
                return _several(*args, words, _NO_SEEDS, *book)
        seeds = rng.integers(0, SEED_SPAN, len(hh), dtype=np.int64)  # one each, own stream
        return _several(*args, _NO_WORDS, seeds, *book)

    @property
    def _log_offer(self) -> np.ndarray:
        return self._log_room[0, :self._log_n]

    @property
    def _log_household(self) -> np.ndarray:
        return self._log_room[1, :self._log_n]

    @property
    def _log_sets(self) -> np.ndarray:
        return self._log_room[2, :self._log_n]

    def _log(self, offers, households, sets) -> None:
        """Append sign-ups to the log (dropping the entries of ended offers once they are the larger part)."""
        n = self._log_n
        if n > 1024 and 2 * self._log_live < n:
            n = _compact(self._log_room, n)  # the live entries, in their order, at the front
            self._log_live = n  # what the log holds now is live: the count kept by the verbs starts again from it
        k = len(offers)
        if n + k > self._log_room.shape[1]:
            room = np.zeros((3, max(2 * self._log_room.shape[1], n + k)), dtype=np.int64)
            room[:, :n] = self._log_room[:, :n]
            self._log_room = room
        self._log_room[0, n:n + k] = offers
        self._log_room[1, n:n + k] = households
        self._log_room[2, n:n + k] = sets
        self._log_n = n + k
        self._log_live += k

    def _entries(self, ids: np.ndarray):
        """Where the sign-ups of offers `ids` are in the log: (log positions grouped by offer in the order of `ids`,
        each offer's in signing order; where each offer's start, len(ids) + 1 entries)."""
        return _entries(self._log_offer, np.asarray(ids, dtype=np.int64), self.count)

    def _end_entries(self, at: np.ndarray) -> None:
        """These (live) entries of the log are ended: their offer is GONE."""
        self._log_offer[at] = GONE
        self._log_live -= len(at)

    def signups_of(self, offer_id: int) -> tuple[np.ndarray, np.ndarray]:
        at = np.flatnonzero(self._log_offer == offer_id)
        return self._log_household[at], self._log_sets[at]

    # --- closing: the minimum order -------------------------------------------------------------------
    def close_due(self, day: int) -> None:
        """Offers whose window ends today: confirm those that reach the minimum order, lapse the rest.

        A confirmed offer keeps the sign-ups (in signing order) its supplier's free stock covers, and its supplier
        commits the stock and applies for a vehicle pass if its trucks need one. Released sign-ups are given back.
        """
        cols, supply, lead = self._cols, self.supply, self.leadership
        if not (cols["close_day"][self.open_ids] <= day).any():
            return
        (self.open_ids, suppliers, totals, confirmed, applied, released_households, released_portions, n_released,
         n_lapsed, n_cancelled) = _close_due(
            self.open_ids, day, self._log_offer, self._log_household, self._log_sets, self.count, self.open_signups,
            cols["leader"], cols["compound"], cols["supplier"], cols["moq"], cols["sets"], cols["status"],
            cols["due_day"], cols["confirmed_day"], cols["ended_day"], cols["portions"], cols["households"],
            cols["close_day"], supply.stock, supply.promised, supply.lead, supply.permit_day, supply.permit_delay,
            supply.permits, lead.geometry.compound_district, supply.district, lead.rules.permit_locked(), lead.team,
            lead.work(day), self.hours.per_payment_minutes / 60.0, supply.portions_per_set)
        self._log_live -= n_released
        supply.release(suppliers, totals)
        supply.commit(cols["supplier"][confirmed], cols["portions"][confirmed])
        supply.apply_for_permits(applied, day)
        self.ledger.record_each("local_committed", cols["portions"][confirmed])
        self.food.cancel(released_households, released_portions)
        self.confirmed_ids = np.concatenate([self.confirmed_ids, confirmed])
        self.closed_total[CONFIRMED] += len(confirmed)
        self.closed_total[LAPSED] += n_lapsed
        self.closed_total[CANCELLED] += n_cancelled
        self.confirmed_today += len(confirmed)
        self.lapsed_today += n_lapsed

    # --- the end of a confirmed order ---------------------------------------------------------------------
    def due(self, day: int) -> np.ndarray:
        """Confirmed orders due by today, oldest first (by due day, then id)."""
        ids = self.confirmed_ids[self._cols["due_day"][self.confirmed_ids] <= day]
        return ids[np.lexsort((ids, self._cols["due_day"][ids]))]

    def deliver(self, ids: np.ndarray, day: int) -> None:
        """Trucks left these orders (in delivery order) at their gates: the food waits there for the households,
        each household gains a tie with the leader (and neighbours it collects with), the leaders receive them."""
        if len(ids) == 0:
            return
        cols = self._cols
        ids = np.asarray(ids, dtype=np.int64)
        self.confirmed_ids, hh, starts, drop, leader_hh, store = _deliver(
            ids, day, self.confirmed_ids, self.count, self._log_offer, self._log_household, self._log_sets,
            cols["status"], cols["ended_day"], cols["leader"], cols["supplier"], cols["compound"],
            self.supply.portions_per_set, self.supply.kind, CHAIN_STORE, self.bought, self.supplied,
            self.leadership.team.household)
        self._log_live -= len(hh)
        self.ledger.record_each("arrived", cols["portions"][ids])
        self.leadership.receive(cols["leader"][ids], cols["supplier"][ids], day)
        self.gate.drop(hh, drop)
        self.sets_delivered_today += int(cols["sets"][ids].sum())
        self.store_sets_today += int(cols["sets"][ids[store]].sum())
        self.store_portions_today += float(cols["portions"][ids[store]].sum())
        self.ties.form(hh, leader_hh)
        if self.member_ties_on:
            self.member_ties.form_among(hh, starts, self.member_ties_per_order)
        self.closed_total[DELIVERED] += len(ids)

    def cancel(self, ids: np.ndarray, day: int) -> None:
        """Confirmed orders never dispatched (in this order): refunds, stock back to the supplier."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        cols = self._cols
        self.supply.take_back(cols["supplier"][ids], cols["portions"][ids])
        self.ledger.record_each("returned", cols["portions"][ids])
        at, _ = self._entries(ids)  # order by order: a household may be in two of them
        self.food.cancel(self._log_household[at], self._log_sets[at] * self._entry_portions_per_set(at))
        self._end_entries(at)
        cols["status"][ids], cols["ended_day"][ids] = CANCELLED, day
        self.closed_total[CANCELLED] += len(ids)
        self.confirmed_ids = self._without(self.confirmed_ids, ids)

    def _without(self, kept: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """`kept` (offer ids) less `ids`, in its order (np.isin's sort costs more on a few hundred offers)."""
        gone = np.zeros(self.count + 1, dtype=bool)
        gone[ids] = True
        return kept[~gone[kept]]

    def _entry_portions_per_set(self, at: np.ndarray) -> np.ndarray:
        """Portions in a set of the offer of each of these log entries."""
        return self.supply.portions_per_set[self._cols["supplier"][self._log_offer[at]]]

    # --- counts -----------------------------------------------------------------------------------------
    def in_transit(self) -> float:
        """Portions of confirmed orders not yet at their gates."""
        return float(self._cols["portions"][self.confirmed_ids].sum())

    def moq_success_rate(self) -> float:
        """Offers that reached their minimum / offers closed so far (nan before the first close)."""
        ok = self.closed_total[CONFIRMED]
        closed = ok + self.closed_total[LAPSED]
        return ok / closed if closed else float("nan")

    def status_counts(self) -> dict:
        counts = np.bincount(self.column("status"), minlength=len(STATUS_NAMES))
        return {name: int(n) for name, n in zip(STATUS_NAMES, counts)}


@njit(cache=True)
def _post(posted, lo, day, close, open_ids, leader_compound, leader, compound, supplier, moq, cap_sets, posted_day,
          close_day, via_gateway, status, due_day, confirmed_day, ended_day, portions, sets, km, households):
    """`GroupOrders.post`'s rows, from offer id `lo` on (the columns of _COLUMNS, in its order): open, closing on day
    `close`, nothing signed, no day yet for what comes after. Returns their ids and the open offers with them."""
    n = len(posted)
    ids = np.arange(lo, lo + n)
    for j in range(n):
        o = lo + j
        leader[o], supplier[o], cap_sets[o], moq[o] = posted[j, 0], posted[j, 1], posted[j, 2], posted[j, 3]
        compound[o], via_gateway[o] = leader_compound[posted[j, 0]], posted[j, 4] != 0
        posted_day[o], close_day[o], status[o] = day, close, OPEN
        due_day[o], confirmed_day[o], ended_day[o] = -1, -1, -1
        portions[o], sets[o], km[o], households[o] = 0.0, 0, -1.0, 0
    return ids, np.concatenate((open_ids, ids))


@kernel
def _need(eligible, open_signups, several, demand, set_portions, max_sets, start):
    """Per compound (homes start[c]:start[c + 1]): sets wanted by households that could sign up and still lack food
    (without `several`: and are in no open offer; sets_wanted, in float32 as numpy computes it), how many of them
    want any, and how many could sign up."""
    n_compounds = len(start) - 1
    wanted = np.zeros(n_compounds, np.int64)
    wanting = np.zeros(n_compounds, np.int64)
    members = np.zeros(n_compounds, np.int64)
    eps = np.float32(1e-9)
    for c in prange(n_compounds):
        for i in range(start[c], start[c + 1]):
            if eligible[i]:
                members[c] += 1
                if demand[i] > 0 and (several or open_signups[i] == 0):  # no demand: no sets (0 / x - eps -> 0)
                    w = int(min(max_sets, np.ceil(demand[i] / set_portions - eps)))
                    wanted[c] += w
                    wanting[c] += w > 0
    return wanted, wanting, members


@njit(cache=True)
def _offers_seen(open_ids, offer_compound, n_compounds, eligible, demand, open_signups, several, compound):
    """The open offers grouped by compound (each compound's by id), where each compound's start and how many it has,
    and the households that see one today (`_seeing`)."""
    order, at = group_stably(offer_compound[open_ids], n_compounds)
    offers = open_ids[order]
    count = np.empty(n_compounds, np.int64)
    for c in range(n_compounds):
        count[c] = at[c + 1] - at[c]
    return offers, at[:-1], count, _seeing(eligible, demand, open_signups, several, count, compound)


@njit(cache=True)
def _entries(log_offer, ids, count):
    """`GroupOrders._entries`: the log positions of offers `ids` grouped by offer in the order of `ids` (each in log
    order, a stable counting sort), and where each offer's start."""
    rank = np.full(count, -1, np.int64)
    for i in range(len(ids)):
        rank[ids[i]] = i
    starts = np.zeros(len(ids) + 1, np.int64)
    for j in range(len(log_offer)):
        o = log_offer[j]
        if o >= 0 and rank[o] >= 0:
            starts[rank[o] + 1] += 1
    for i in range(len(ids)):
        starts[i + 1] += starts[i]
    pos = starts[:-1].copy()
    at = np.empty(starts[-1], np.int64)
    for j in range(len(log_offer)):
        o = log_offer[j]
        if o >= 0 and rank[o] >= 0:
            at[pos[rank[o]]] = j
            pos[rank[o]] += 1
    return at, starts


@njit(cache=True)
def _compact(room, n):
    """The entries of the log (room[:, :n]) whose offer is live moved to the front, in their order; returns how
    many."""
    k = 0
    for j in range(n):
        if room[0, j] != GONE:
            room[0, k], room[1, k], room[2, k] = room[0, j], room[1, j], room[2, j]
            k += 1
    return k


@njit(cache=True)
def _signed(log_offer, log_household, status, stride):
    """Sorted keys household * stride + offer of the sign-ups to open offers (each pair is logged once: a set)."""
    keys = np.empty(len(log_offer), np.int64)
    m = 0
    for j in range(len(log_offer)):
        o = log_offer[j]
        if o >= 0 and status[o] == OPEN:
            keys[m] = log_household[j] * stride + o
            m += 1
    return np.sort(keys[:m])


@njit(cache=True)
def _book(hh, pick, sets, offers, size, leader, supplier, cap_sets, offer_sets, stock, portions_per_set, promised,
          team, work, per_signup_hours, open_signups):
    """Sign-ups (households, offer positions, sets, in signing order) taken by their offers, offer by offer
    (`_accept`, on whole sets in stock), and booked: each offer counts its sets, each household one more open
    offer. Returns the accepted (households, sets, offers, portions on their way) and the sets each offer took."""
    order, starts = group_stably(pick, len(offers))
    hh, pick, sets = hh[order], pick[order], sets[order]
    stock_sets = whole_sets(stock, portions_per_set).astype(np.int64)  # LocalSupply.sets_in_stock
    taken, n_ok = _accept(offers, starts, sets, leader, supplier, cap_sets, offer_sets, stock_sets, promised.copy(),
                          team, work, per_signup_hours)
    m = 0
    for j in range(len(hh)):
        m += j - starts[pick[j]] < n_ok[pick[j]]
    h_acc, s_acc, o_acc = np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, np.int64)
    portions = np.empty(m)
    m = 0
    for j in range(len(hh)):
        k = pick[j]
        if j - starts[k] < n_ok[k]:
            h_acc[m], s_acc[m], o_acc[m], portions[m] = hh[j], sets[j], offers[k], sets[j] * size[k]
            open_signups[hh[j]] += 1
            m += 1
    for k in range(len(offers)):
        offer_sets[offers[k]] += taken[k]
    return h_acc, s_acc, o_acc, portions, taken


@njit(cache=True)
def _uncovered(wanted, wanting, members, several, max_sets, open_ids, compound, cap_sets, offer_sets, supplier,
               portions_per_set, set_portions):
    """From `_need`'s counts: sets wanted, the share of members wanting, the room of one more offer (max_sets per
    household wanting with several group buys, else unbounded) per compound, and the wanted sets no open offer has
    room for (each open offer, in id order, covers its room in generic sets; never below 0)."""
    n = len(wanted)
    wanted_f, share, offer_room = np.empty(n), np.empty(n), np.empty(n)
    for c in range(n):
        wanted_f[c] = float(wanted[c])
        share[c] = wanting[c] / max(float(members[c]), 1.0)
        offer_room[c] = max_sets * float(wanting[c]) if several else np.inf
    uncovered = wanted_f.copy()
    for o in open_ids:
        c = compound[o]
        room = min(float(max(0, cap_sets[o] - offer_sets[o])), offer_room[c])
        uncovered[c] += -(room * (portions_per_set[supplier[o]] / set_portions))  # x + (-y) is x - y exactly
    for c in range(n):
        if not (uncovered[c] >= 0.0 or np.isnan(uncovered[c])):  # np.maximum(x, 0)
            uncovered[c] = 0.0
    return wanted_f, share, offer_room, uncovered


@njit(cache=True)
def _deliver(ids, day, confirmed_ids, count, log_offer, log_household, log_sets, status, ended_day, leader, supplier,
             compound, portions_per_set, kind, chain_store, bought, supplied, leader_household):
    """`GroupOrders.deliver`'s own part, compiled: the orders delivered, out of the confirmed ones, their sign-ups'
    households (grouped by order, `_entries`) marked as having bought, the compounds a chain store's package reached,
    the log entries GONE. Returns (confirmed ids left, households, where each order's start, portions left at the
    gate for each, in float32, the household of each one's leader, which orders are a chain store's)."""
    gone = np.zeros(count + 1, np.bool_)
    for o in ids:
        status[o], ended_day[o] = DELIVERED, day
        gone[o] = True
    left = np.empty(len(confirmed_ids), np.int64)
    m = 0
    for o in confirmed_ids:
        if not gone[o]:
            left[m] = o
            m += 1
    at, starts = _entries(log_offer, ids, count)
    hh = log_household[at]
    drop = np.empty(len(at), np.float32)
    leader_hh = np.empty(len(at), np.int64)
    for k in range(len(ids)):
        o = ids[k]
        for j in range(starts[k], starts[k + 1]):
            e = at[j]
            drop[j] = np.float32(log_sets[e] * portions_per_set[supplier[log_offer[e]]])
            leader_hh[j] = leader_household[leader[o]]
            bought[hh[j]] = True
    store = np.empty(len(ids), np.bool_)
    for k in range(len(ids)):
        store[k] = kind[supplier[ids[k]]] == chain_store
        if store[k]:
            supplied[compound[ids[k]]] = True
    for e in at:
        log_offer[e] = GONE
    return left[:m], hh, starts, drop, leader_hh, store


@njit(cache=True)
def _open_kinds(open_ids, compound, supplier, kind, n_compounds, n_kinds):
    """`GroupOrders.open_kinds` in one pass over the open offers."""
    out = np.zeros((n_compounds, n_kinds), np.bool_)
    for o in open_ids:
        out[compound[o], kind[supplier[o]]] = True
    return out


@njit(cache=True)
def _pressure(wanted, uncovered, wanting_share):
    """`GroupOrders.need_pressure`, compound by compound."""
    out = np.empty(len(wanted))
    for c in range(len(wanted)):
        out[c] = (uncovered[c] / max(wanted[c], 1.0) if wanted[c] > 0 else 0.0) * wanting_share[c]
    return out


@njit(cache=True)
def _seeing(eligible, demand, open_signups, several, offers_in, compound):
    """Households that see an offer today: could sign up, in need (without `several`: in no open offer), their
    compound has one."""
    out = np.empty(len(demand), np.int64)
    n = 0
    for i in range(len(demand)):
        if eligible[i] and demand[i] > 0 and (several or open_signups[i] == 0) and offers_in[compound[i]] > 0:
            out[n] = i
            n += 1
    return out[:n]


@njit(cache=True)
def _choose(hh, compound, first, count, offers, signed, stride, leader_hh, tie_keys, tie_stride, demand, size,
            max_sets, signup_prob, trust_boost, seeds):
    """Each household (in order) goes through its compound's open offers in a random order (a Fisher-Yates shuffle,
    drawn as far as it goes), skips those it has signed (`signed`: sorted household * stride + offer), signs each
    with signup_prob (+ trust_boost with a tie to its leader: `tie_keys`, sorted household * tie_stride + leader)
    for the sets it still lacks (at most max_sets of the offer's size), until it lacks nothing. Its draws come from
    its seed (one per household from the stream), as a SplitMix64 sequence. Returns (households, offer positions,
    sets).

    Households come in ascending order, so a household's entries in `signed` and `tie_keys` are found by walking
    forward from the previous household's (`_seek`) instead of a binary search over all of them each time."""
    smallest = size.min() if len(size) else 1.0
    total = 0  # room for every sign-up: a household signs at most as many offers as sets it lacks
    widest = 0
    for j in range(len(hh)):
        n = count[compound[j]]
        total += min(n, int(demand[hh[j]] / smallest) + 1)
        widest = max(widest, n)
    out_h = np.empty(total, np.int64)
    out_k = np.empty(total, np.int64)
    out_s = np.empty(total, np.int64)
    order = np.empty(widest, np.int64)  # the compound's offers, shuffled as far as a household goes, then restored
    swapped = np.empty(widest, np.int64)
    m, last = 0, -1
    ps, pt, last_h = 0, 0, -1  # where the household's entries start in `signed` and `tie_keys` (once looked up)
    for j in range(len(hh)):
        h, c = hh[j], compound[j]
        a, n = first[c], count[c]
        if c != last:  # households come compound by compound
            for q in range(n):
                order[q] = q
            last = c
        if h < last_h:  # not ascending after all: look up from the start
            ps, pt = 0, 0
        last_h = h
        ps_found, pt_found = False, False
        state = np.uint64(seeds[j])
        left = float(demand[h])
        steps = 0
        for q in range(n):  # a Fisher-Yates shuffle, drawn as far as the household goes
            if left <= 0:
                break
            state, x = _splitmix(state)
            r = q + min(int(x * (n - q)), n - q - 1)
            order[q], order[r] = order[r], order[q]
            swapped[q] = r
            steps = q + 1
            k = a + order[q]
            state, u = _splitmix(state)
            if not u < signup_prob + trust_boost:
                continue
            if not ps_found:
                ps, ps_found = _seek(signed, ps, h * stride), True
            if _holds(signed, ps, h * stride + offers[k]):
                continue
            if not u < signup_prob:  # signs only with a tie to the offer's leader
                if not pt_found:
                    pt, pt_found = _seek(tie_keys, pt, h * tie_stride), True
                if not _holds(tie_keys, pt, h * tie_stride + leader_hh[k]):
                    continue
            sets = min(max_sets, int(np.ceil(left / size[k] - 1e-9)))
            if sets <= 0:
                continue
            out_h[m], out_k[m], out_s[m] = h, k, sets
            left -= sets * size[k]
            m += 1
        for q in range(steps - 1, -1, -1):  # undo the swaps: the next household starts from the same order
            r = swapped[q]
            order[q], order[r] = order[r], order[q]
    return out_h[:m], out_k[:m], out_s[:m]


@njit(cache=True)
def _several(hh, hh_compound, first, count, offers, log_offer, log_household, status, stride, leader_household,
             tie_keys, tie_stride, demand, max_sets, signup_prob, trust_boost, words, seeds, leader, supplier, cap_sets,
             offer_sets, stock, portions_per_set, promised, team, work, per_signup_hours, open_signups):
    """`GroupOrders._sign_up_several` compiled: the signed pairs (`_signed`), each offer's leader's household and
    set size, one seed per household (drawn from `words`, a PCG64 state, as rng.integers(0, SEED_SPAN) draws them,
    or given as `seeds` when `words` is empty), the choices (`_choose`) and their booking (`_book`)."""
    signed = _signed(log_offer, log_household, status, stride)
    leader_hh = np.empty(len(offers), np.int64)
    size = np.empty(len(offers))
    for k in range(len(offers)):
        leader_hh[k] = leader_household[leader[offers[k]]]
        size[k] = portions_per_set[supplier[offers[k]]]
    compound = np.empty(len(hh), np.int64)
    for j in range(len(hh)):
        compound[j] = hh_compound[hh[j]]
    if len(words):
        seeds = np.empty(len(hh), np.int64)
        for j in range(len(hh)):
            seeds[j] = bounded_from_words(words, 0, SEED_SPAN)
    h, pick, sets = _choose(hh, compound, first, count, offers, signed, stride, leader_hh, tie_keys, tie_stride, demand,
                            size, max_sets, signup_prob, trust_boost, seeds)
    return _book(h, pick, sets, offers, size, leader, supplier, cap_sets, offer_sets, stock, portions_per_set,
                 promised, team, work, per_signup_hours, open_signups)


@njit(cache=True)
def _seek(keys, p, target):
    """The first position from p on whose key (keys sorted) is >= target, given every key before p is smaller: a
    gallop from p, then a binary search, so a walk through ascending targets costs a step or two for each."""
    n = len(keys)
    if p >= n or keys[p] >= target:
        return p
    lo, step = p, 1  # keys[lo] < target
    hi = lo + step
    while hi < n and keys[hi] < target:
        lo = hi
        step *= 2
        hi = lo + step
    hi = min(hi, n)
    lo += 1
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _holds(keys, p, key):
    """Whether keys[p:] (sorted) holds key: a walk from p, the few entries of one household."""
    while p < len(keys) and keys[p] <= key:
        if keys[p] == key:
            return True
        p += 1
    return False


@njit(cache=True)
def _splitmix(state):
    """One step of SplitMix64: (the next state, a uniform draw in [0, 1))."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return state, float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _accept(offers, starts, sets, leader, supplier, cap_sets, offer_sets, stock_sets, promised, team, work,
            per_signup_hours):
    """In offer order, an offer takes the longest prefix of its sign-ups (sorted by offer, in signing order) that
    fits its room (its cap, its supplier's stock not held by other sign-ups) and its leader's remaining hours.
    Returns the sets each offer took and how many sign-ups; leaders spend the hours of counting them."""
    k_offers = len(offers)
    taken = np.zeros(k_offers, np.int64)
    n_ok = np.zeros(k_offers, np.int64)
    for k in range(k_offers):
        a, b = starts[k], starts[k + 1]
        if a == b:
            continue
        o = offers[k]
        s, r = supplier[o], leader[o]
        room = min(cap_sets[o] - offer_sets[o], max(stock_sets[s] - promised[s], 0))
        n, total = 0, 0
        while a + n < b and total + sets[a + n] <= room:
            total += sets[a + n]
            n += 1
        per = paperwork_hours(team, work, r, per_signup_hours)
        n = min(n, signups_possible(team, r, per))
        if n > 0:
            total = 0
            for j in range(a, a + n):
                total += sets[j]
            promised[s] += total
            spend(team, r, n * per)
            taken[k], n_ok[k] = total, n
    return taken, n_ok


@njit(cache=True)
def _close_due(open_ids, day, log_offer, log_household, log_sets, count, open_signups, leader, compound, supplier, moq,
               offer_sets, status, due_day, confirmed_day, ended_day, portions, households, close_day, stock, promised,
               lead_days, permit_day, permit_delay, permits, compound_district, supplier_district, locked, team, work,
               payment_hours, portions_per_set):
    """`GroupOrders.close_due`'s own part, compiled: the offers closing today (`_close`, on copies of the suppliers'
    stock, holds and pass days), their sign-ups taken off the households' open offers, the released ones marked
    GONE in the log. Returns (offers still open, closing offers' suppliers and sets they held, confirmed offers,
    suppliers that applied for a pass, released households and their portions, how many released, lapsed and
    cancelled) for the other mechanisms' verbs."""
    closes = close_day[open_ids] <= day
    closing, still = open_ids[closes], open_ids[~closes]
    at, starts = _entries(log_offer, closing, count)
    sets = log_sets[at]
    for j in at:
        open_signups[log_household[j]] -= 1
    keep = np.zeros(len(at), np.bool_)
    applied = np.zeros(len(closing), np.bool_)
    totals = offer_sets[closing].copy()
    _close(closing, starts, sets, keep, leader, compound, supplier, moq, offer_sets, status, due_day, confirmed_day,
           ended_day, portions, households, stock.copy(), promised.copy(), lead_days, permit_day.copy(), permit_delay,
           applied, permits, compound_district, supplier_district, locked, team, work, payment_hours,
           portions_per_set, day)
    suppliers = supplier[closing]
    closed = status[closing]
    confirmed = closing[closed == CONFIRMED]
    released = at[~keep]
    released_households = log_household[released]
    released_portions = np.empty(len(released))
    for j in range(len(released)):
        e = released[j]
        released_portions[j] = log_sets[e] * portions_per_set[supplier[log_offer[e]]]
    for e in released:
        log_offer[e] = GONE
    return (still, suppliers, totals, confirmed, suppliers[applied], released_households, released_portions,
            len(released), (closed == LAPSED).sum(), (closed == CANCELLED).sum())


@njit(cache=True)
def _close(closing, starts, sets, keep, leader, compound, supplier, moq, offer_sets, status, due_day, confirmed_day,
           ended_day, portions, households, stock, promised, lead_days, permit_day, permit_delay, applied, permits,
           compound_district, supplier_district, locked, team, work, payment_hours, portions_per_set, day):
    """Close offers (in id order): lapse those below the minimum, cancel those whose supplier cannot sell the
    minimum any more, confirm the rest with the sign-ups (`keep`, in signing order) the supplier's free stock
    covers. `stock`, `promised` and `permit_day` are copies of the suppliers', updated as each offer closes (the
    supplier applies them through its own verbs afterwards); `applied[k]`: offer k's supplier applied for a pass."""
    for k in range(len(closing)):
        o = closing[k]
        r, s, total = leader[o], supplier[o], offer_sets[o]
        a, b = starts[k], starts[k + 1]
        close_offer(team, r, o, s, total < moq[o] or total == 0, day)
        promised[s] -= total
        if total < moq[o] or total == 0:
            status[o], ended_day[o] = LAPSED, day
            continue
        avail = max(np.int64(whole_sets(stock[s], portions_per_set[s])) - promised[s], 0)
        if avail < moq[o]:
            status[o], ended_day[o] = CANCELLED, day
            continue
        n_keep, kept = b - a, total
        if avail < total:
            n_keep, kept = 0, 0
            while a + n_keep < b and kept + sets[a + n_keep] <= avail:
                kept += sets[a + n_keep]
                n_keep += 1
        keep[a:a + n_keep] = True
        offer_sets[o], households[o] = kept, n_keep
        portions[o] = float(kept) * portions_per_set[s]
        stock[s] = max(0.0, stock[s] - portions[o])
        ready = day
        if trip_needs_pass(permits, locked, supplier_district[s], compound_district[compound[o]]):
            applied[k] = apply_for_pass(permit_day, permit_delay, s, day)
            ready = max(day, permit_day[s])
        due_day[o] = max(day + lead_days[s], ready)
        status[o], confirmed_day[o] = CONFIRMED, day
        payment = paperwork_hours(team, work, r, payment_hours)
        spend(team, r, n_keep * payment)
