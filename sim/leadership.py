"""Group leaders at work (docs/argument.md, claim 4): residents who took on group buying post offers for the need
in their chat group, find suppliers, count sign-ups, collect money and receive deliveries at the gate, within the
hours they have a day.

A big city has many leaders (about 170,000 in the full city), so their state lives here, one row per leader, and
the day's loop over leaders is compiled; each `GroupLeader` agent (agents/group_leader.py) is the handle for its
row, and its verbs do the same work for that leader alone.

The work of one leader in a day (`lead`): while it has hours, room for another open offer and its compound has
need no open offer covers, it finds a supplier (`find_supplier`: those it has received from first, then the
suppliers members brought into the group, then, on a gateway, every supplier listed there, nearest first), spends
the hours to post, and posts an offer for as many sets as the supplier can sell today. Leaders act in a random
order each day; they interact only through their compound's uncovered need, which every posted offer reduces.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from lockdown_sim.sim.geometry import street_km
from lockdown_sim.sim.local_supply import trip_needs_pass
from lockdown_sim.sim.parallel import njit

NO_SUPPLIER = -1
LONG_AGO = -(1 << 40)

# the leaders' state, one row per leader, owned by Leadership: only it and the compiled verbs below (spend,
# close_offer, receive_delivery, ...) change it; the compiled loops of group orders (sim/group_orders.py) call them
Team = namedtuple("Team", "household compound hours_left hours_today hours_total uses_gateway active deliveries "
                          "open_count open_supplier open_offer known known_count found found_count "
                          "lapsed_supplier lapsed_day")
# what leaders know of local suppliers today (a snapshot: stock and holds do not change while leaders act)
Market = namedtuple("Market", "available moq_today moq listed listed_ids x y district near_ids near_dk tie_start "
                              "tie_suppliers store_start store_ids set_scale km")
KM_TABLE_MAX = 4_000_000  # compounds x suppliers up to which street distances are computed once, as a table
# the rules of the work: hours, factors and switches
Work = namedtuple("Work", "day cap post_hours search_hours gateway_overhead gateway_search factor learned reach_km "
                          "permits locked supplier_ties min_order")


@njit(cache=True)
def work_factor(team, work, r):
    """Hours per order of leader r as a share of a first-time leader's without a coordinator (sim/coordination.py)."""
    return work.factor[team.compound[r]] * work.learned[team.deliveries[r]]


@njit(cache=True)
def paperwork_hours(team, work, r, hours):
    """`hours` of paperwork (posting, counting sign-ups, collecting money) for leader r after the gateway's cut, the
    coordinator's rules and its routine."""
    return hours * (work.gateway_overhead if team.uses_gateway[r] else 1.0) * work_factor(team, work, r)


@njit(cache=True)
def spend(team, r, hours):
    """Leader r works `hours` (beyond today's hours they are overwork, taken from tomorrow's)."""
    team.hours_left[r] -= hours
    team.hours_today[r] += hours
    team.hours_total[r] += hours


@njit(cache=True)
def _usable(team, work, r, s):
    """Not a supplier leader r has an open offer with, nor one whose offer with it lapsed in the last two days."""
    for k in range(team.open_count[r]):
        if team.open_supplier[r, k] == s:
            return False
    for k in range(team.lapsed_supplier.shape[1]):
        if team.lapsed_supplier[r, k] == s and work.day - team.lapsed_day[r, k] <= 2:
            return False
    return True


@njit(cache=True)
def _usable_into(team, work, r, pool, n, out):
    """The usable suppliers of pool[:n], in pool order, into out; returns how many (out may be pool itself)."""
    m = 0
    for k in range(n):
        s = pool[k]
        if _usable(team, work, r, s):
            out[m] = s
            m += 1
    return m


@njit(cache=True)
def _best(market, work, geo, c, pool, wanted):
    """(supplier, a minimum the group can plausibly meet, km) of the best usable supplier in pool, or (-1, ...).

    Usable: stock for its minimum order today and within a truck's day. Best: a minimum the group can plausibly
    meet (`wanted` generic sets) first, then the nearest, then the first in pool order."""
    best, reachable, best_km, best_score = NO_SUPPLIER, False, 0.0, np.inf
    cx, cy = geo.compound_x[c], geo.compound_y[c]
    for s in pool:
        km = market.km[c, s] if len(market.km) else street_km(geo, market.x[s], market.y[s], cx, cy)
        need = market.moq_today[s]
        if market.available[s] >= need and km <= work.reach_km:
            meets = need * market.set_scale[s] <= wanted
            score = (0.0 if meets else 1e6) + km
            if score < best_score:
                best, reachable, best_km, best_score = s, meets, km, score
    return best, reachable, best_km


@njit(cache=True)
def _union_into(a, b, out):
    """The sorted distinct ids of a and b into out (room for both); returns how many."""
    m = 0
    for v in a:
        out[m] = v
        m += 1
    for v in b:
        out[m] = v
        m += 1
    if m == 0:
        return 0
    out[:m].sort()
    k = 1
    for j in range(1, m):
        if out[j] != out[k - 1]:
            out[k] = out[j]
            k += 1
    return k


@njit(cache=True)
def _in_sorted(values, s):
    i = np.searchsorted(values, s)
    return i < len(values) and values[i] == s


@njit(cache=True)
def search_room(team, market):
    """Scratch room for `find_supplier`'s pools (three of them), made once for a whole day's searches."""
    return np.empty((3, 2 * len(market.x) + team.known.shape[1] + 1), np.int64)


@njit(cache=True)
def find_supplier(team, market, work, geo, r, wanted_sets, room):
    """Pick a supplier leader r can reach: known ones first, then members' ties and the chain stores that deliver
    to the compound (their own channel: sim/chain_stores.py), then the gateway. `room`: `search_room`'s scratch
    arrays, where the pools are built (sorted unions, usable ones) without allocating.

    Returns (supplier, searched, via_gateway), supplier -1 when none; a failed search still costs its hours."""
    c = team.compound[r]
    wanted = max(wanted_sets, 1.0)
    pool, both, other = room[0], room[1], room[2]
    if team.known_count[r] > 0:
        m = _usable_into(team, work, r, team.known[r], team.known_count[r], pool)
        s, _, _ = _best(market, work, geo, c, pool[:m], wanted)
        if s >= 0:
            return s, False, False
    if work.supplier_ties:
        ties = market.tie_suppliers[market.tie_start[c]:market.tie_start[c + 1]]
    else:
        ties = market.tie_suppliers[:0]
    stores = market.store_ids[market.store_start[c]:market.store_start[c + 1]]
    if len(stores):
        ties = both[:_union_into(ties, stores, both)]
    gateway = team.uses_gateway[r]
    searched_any = False
    if not gateway:
        m = _usable_into(team, work, r, ties, len(ties), pool)
        s, _, _ = _best(market, work, geo, c, pool[:m], wanted)
        searched_any = m > 0
    else:
        # the nearest suppliers first: exact when the winner is nearer than every supplier left out
        near = market.near_ids[c]
        n_near = 0
        for v in near:
            if market.listed[v]:
                other[n_near] = v
                n_near += 1
        complete = n_near >= len(market.listed_ids)
        m = _union_into(ties, other[:n_near], pool)
        m = _usable_into(team, work, r, pool, m, pool)
        s, reachable, km = _best(market, work, geo, c, pool[:m], wanted)
        if complete:
            searched_any = m > 0
        elif s < 0 or not (reachable and km < market.near_dk[c]):
            n_unlisted = 0
            for v in ties:
                if not market.listed[v]:
                    other[n_unlisted] = v
                    n_unlisted += 1
            m = _union_into(market.listed_ids, other[:n_unlisted], pool)
            m = _usable_into(team, work, r, pool, m, pool)
            s, _, _ = _best(market, work, geo, c, pool[:m], wanted)
            searched_any = m > 0
    if s < 0:
        if searched_any:  # searched, found nobody usable: the hours are spent anyway
            spend(team, r, work.search_hours * (work.gateway_search if gateway else 1.0) * work_factor(team, work, r))
        return NO_SUPPLIER, False, False
    via_gateway = gateway and market.listed[s] and not _in_sorted(ties, s)
    return s, True, via_gateway


@njit(cache=True)
def _found(team, r, s):
    for k in range(team.found_count[r]):
        if team.found[r, k] == s:
            return True
    return False


@njit(cache=True)
def lead(team, market, work, geo, rows, uncovered, offer_room, first_offer, posted):
    """Leaders `rows`, in that order, post offers while their group has uncovered need and they have hours (an offer
    covers at most `offer_room[c]` sets of compound c's need: its households take part in it once).

    Posted offers are written to `posted` (columns: leader row, supplier, sets it can sell, minimum, via a
    gateway, the supplier's trucks need a pass for the trip), with ids from `first_offer` on; returns how many were
    posted."""
    n = 0
    room = search_room(team, market)
    for r in rows:
        if not team.active[r]:
            continue
        c = team.compound[r]
        while team.open_count[r] < work.cap and team.hours_left[r] > 0:
            if uncovered[c] < 1:
                break
            s, searched, via_gateway = find_supplier(team, market, work, geo, r, uncovered[c], room)
            if s < 0:
                break
            cost = paperwork_hours(team, work, r, work.post_hours)
            if searched:
                cost += work.search_hours * (work.gateway_search if via_gateway else 1.0) * work_factor(team, work, r)
            spend(team, r, cost)
            available = market.available[s]
            if via_gateway and not _found(team, r, s):
                team.found[r, team.found_count[r]] = s
                team.found_count[r] += 1
            k = team.open_count[r]
            team.open_supplier[r, k] = s
            team.open_offer[r, k] = first_offer + n
            team.open_count[r] = k + 1
            posted[n, 0] = r
            posted[n, 1] = s
            posted[n, 2] = available
            posted[n, 3] = market.moq[s] if work.min_order else 1
            posted[n, 4] = via_gateway or _found(team, r, s)
            posted[n, 5] = trip_needs_pass(work.permits, work.locked, market.district[s], geo.compound_district[c])
            n += 1
            uncovered[c] = max(0.0, uncovered[c] - min(available, offer_room[c]) * market.set_scale[s])
    return n


@njit(cache=True)
def close_offer(team, r, offer, supplier, lapsed, day):
    """Leader r's offer leaves its open offers (its window closed); a lapse is remembered for two days."""
    m = team.open_count[r]
    for k in range(m):
        if team.open_offer[r, k] == offer:
            for j in range(k, m - 1):
                team.open_offer[r, j] = team.open_offer[r, j + 1]
                team.open_supplier[r, j] = team.open_supplier[r, j + 1]
            team.open_offer[r, m - 1] = -1
            team.open_supplier[r, m - 1] = -1
            team.open_count[r] = m - 1
            break
    if lapsed:
        slot = -1
        for k in range(team.lapsed_supplier.shape[1]):
            if team.lapsed_supplier[r, k] == supplier:
                slot = k
                break
        if slot < 0:
            for k in range(team.lapsed_supplier.shape[1]):
                if day - team.lapsed_day[r, k] > 2:  # forgotten: a lapse counts for two days only
                    slot = k
                    break
        team.lapsed_supplier[r, slot] = supplier
        team.lapsed_day[r, slot] = day


@njit(cache=True)
def receive_delivery(team, work, r, supplier, receive_hours):
    """At the gate: timing, unloading, checking (not cut by a gateway; cut by coordination and routine)."""
    spend(team, r, receive_hours * work_factor(team, work, r))
    known = False
    for k in range(team.known_count[r]):
        if team.known[r, k] == supplier:
            known = True
            break
    if not known:
        team.known[r, team.known_count[r]] = supplier
        team.known_count[r] += 1
    team.deliveries[r] += 1


@njit(cache=True)
def signups_possible(team, r, per_signup_hours):
    """Sign-ups leader r can still count today, at `per_signup_hours` each (after its factors)."""
    if team.hours_left[r] <= 0:
        return 0
    return int(team.hours_left[r] / per_signup_hours) if per_signup_hours > 0 else 1 << 30


class Leadership:
    """Who leads, with what hours and experience, and the offers each keeps open (arrays, one row per leader)."""

    def __init__(self, model, pop, compounds, scenario, supply, stores, gateway, coordination, bridging, rules,
                 volunteers, chat, geometry, order_rng: np.random.Generator, retirement_rng: np.random.Generator, *,
                 supplier_ties: bool, min_order: bool, posted_codes: bool, reach_km: float):
        """`model` is only the Mesa model the GroupLeader agents belong to."""
        g, h = scenario.group_buying, scenario.leader_hours
        self.model, self.pop, self.compounds = model, pop, compounds
        self.supply, self.gateway, self.coordination, self.bridging = supply, gateway, coordination, bridging
        self.stores = stores  # the chain stores (sim/chain_stores.py): suppliers with a channel of their own
        self.rules, self.volunteers, self.chat, self.geometry = rules, volunteers, chat, geometry
        self.orders = None  # GroupOrders, wired by `post_offers_to`
        self._order_rng, self._retirement_rng = order_rng, retirement_rng
        self.cap = g.offers_per_leader
        self.min_hours = g.leader_min_hours
        self.free_hours_max = scenario.population.free_hours_max
        self.retire_rate = g.leader_retire_rate
        self.hours = h
        self.supplier_ties, self.min_order, self.posted_codes = supplier_ties, min_order, posted_codes
        self.reach_km = reach_km
        self.agents: list = []  # GroupLeader agents, one per row, in the order they emerged
        self.of_compound: list[list] = [[] for _ in range(pop.n_compounds)]
        self.per_compound = np.zeros(pop.n_compounds)  # active leaders per compound
        self.is_leader = np.zeros(pop.n, dtype=bool)
        self.row_of_household: dict[int, int] = {}
        self.n = 0
        self.team = self._new_team(16, known=4, found=4, lapsed=4 * self.cap)
        self.hours_per_day = np.zeros(16)  # hours a day each leader can give
        self.emerged_day = np.zeros(16, dtype=np.int64)
        self.coordinator = np.zeros(16, dtype=bool)  # a "leader of leaders" for its compound
        self._learned = np.ones(1)  # hours per order by deliveries received (`_learn_up_to`)
        self._most_deliveries = 0  # the most deliveries any leader has received
        self._learn_up_to(0)
        self._work = None  # today's Work (`work`)
        self.day = 0
        self._supplier_static = (supply.moq.astype(np.int64), supply.x.astype(np.int64), supply.y.astype(np.int64),
                                 supply.district.astype(np.int64))
        self._set_scale = supply.portions_per_set / supply.set_portions  # a supplier's set in generic sets
        self._km = None  # street km from each compound to each supplier (`_market`)

    def post_offers_to(self, orders) -> None:
        """Leaders post their offers into these group orders (built after the leaders: they need the leaders too)."""
        self.orders = orders

    # --- the arrays -----------------------------------------------------------------------------------
    def _new_team(self, rows: int, known: int, found: int, lapsed: int) -> Team:
        return Team(
            household=np.zeros(rows, np.int64), compound=np.zeros(rows, np.int64), hours_left=np.zeros(rows),
            hours_today=np.zeros(rows), hours_total=np.zeros(rows), uses_gateway=np.zeros(rows, np.bool_),
            active=np.zeros(rows, np.bool_), deliveries=np.zeros(rows, np.int64),
            open_count=np.zeros(rows, np.int64), open_supplier=np.full((rows, self.cap), -1, np.int64),
            open_offer=np.full((rows, self.cap), -1, np.int64), known=np.full((rows, known), -1, np.int64),
            known_count=np.zeros(rows, np.int64), found=np.full((rows, found), -1, np.int64),
            found_count=np.zeros(rows, np.int64), lapsed_supplier=np.full((rows, lapsed), -1, np.int64),
            lapsed_day=np.full((rows, lapsed), LONG_AGO, np.int64))

    def _reshape(self, rows: int | None = None, known: int | None = None, found: int | None = None) -> None:
        """Room for more leaders, or for more suppliers known or found per leader (arrays grow by doubling)."""
        t = self.team
        rows = rows or len(t.household)
        known, found = known or t.known.shape[1], found or t.found.shape[1]
        new = self._new_team(rows, known, found, t.lapsed_supplier.shape[1])
        n = min(self.n, rows)
        for name, old in zip(Team._fields, t):
            target = getattr(new, name)
            if old.ndim == 1:
                target[:n] = old[:n]
            else:
                target[:n, :old.shape[1]] = old[:n]
        self.team = new
        if len(self.hours_per_day) < rows:
            self.hours_per_day = np.concatenate([self.hours_per_day, np.zeros(rows - len(self.hours_per_day))])
            self.emerged_day = np.concatenate([self.emerged_day, np.zeros(rows - len(self.emerged_day), np.int64)])
            self.coordinator = np.concatenate([self.coordinator, np.zeros(rows - len(self.coordinator), bool)])

    def work(self, day: int | None = None) -> Work:
        """The rules of the work today (for compiled code): made once a day, and again when the table of routine or
        the districts' pass rules are replaced."""
        day = self.day if day is None else day
        locked, w = self.rules.permit_locked(), self._work
        if w is None or w.day != day or w.locked is not locked or w.learned is not self._learned:
            co, gw = self.coordination, self.gateway
            w = self._work = Work(day=day, cap=self.cap, post_hours=self.hours.post, search_hours=self.hours.search,
                                  gateway_overhead=gw.overhead_factor, gateway_search=gw.search_factor,
                                  factor=co.factor, learned=self._learned, reach_km=self.reach_km,
                                  permits=self.supply.permits, locked=locked, supplier_ties=self.supplier_ties,
                                  min_order=self.min_order)
        return w

    def _learn_up_to(self, deliveries: int) -> None:
        """The table of routine (hours per order by deliveries received, Coordination.learned) reaches past
        `deliveries` + 1 (it grows by doubling; its entries never change)."""
        while len(self._learned) <= deliveries + 1:
            self._learned = np.array([self.coordination.learned(d) for d in range(2 * len(self._learned) + 64)])

    def _market(self) -> Market:
        s = self.supply
        near_ids, near_dk = s.shortlists() if self.team.uses_gateway[:self.n].any() else (
            np.zeros((self.pop.n_compounds, 0), np.int64), np.zeros(self.pop.n_compounds))
        tie_start, tie_suppliers = self.bridging.lists()
        store_start, store_ids = self.stores.delivery_areas()
        moq, x, y, district = self._supplier_static
        if self._km is None:  # the street distances do not change: computed once (in a city of modest size)
            small = self.pop.n_compounds * len(x) <= KM_TABLE_MAX
            self._km = _km_table(self.geometry, x, y) if small else np.zeros((0, 0))
        return Market(available=s.today_available, moq_today=s.today_moq, moq=moq, listed=s.listed,
                      listed_ids=s.listed_ids, x=x, y=y, district=district, near_ids=near_ids, near_dk=near_dk,
                      tie_start=tie_start, tie_suppliers=tie_suppliers, store_start=store_start, store_ids=store_ids,
                      set_scale=self._set_scale, km=self._km)

    @property
    def active_rows(self) -> np.ndarray:
        return np.flatnonzero(self.team.active[:self.n])

    def household_of(self, rows) -> np.ndarray:
        """The household each of these leaders is."""
        return self.team.household[rows]

    def compound_of(self, rows) -> np.ndarray:
        """The compound each of these leaders leads in."""
        return self.team.compound[rows]

    def spare_per_compound(self) -> np.ndarray:
        """Per compound, active leaders who still have time and room for another offer after their work today."""
        t = self.team
        return _spare(t.compound, t.active, t.hours_left, t.open_count, self.n, self.cap, self.pop.n_compounds)

    # --- who leads --------------------------------------------------------------------------------------
    def add(self, households, day: int) -> list:
        """Members step up to lead (in this order): new rows and their GroupLeader agents, returned. A volunteer who
        leads stops volunteering, a leader brings its supplier contact into the group and posts the group's code."""
        from lockdown_sim.agents.group_leader import GroupLeader

        households = np.atleast_1d(np.asarray(households, dtype=np.int64))
        if self.n + len(households) > len(self.team.household):
            self._reshape(rows=max(2 * self.n, self.n + len(households)))
        added, t = [], self.team
        for h in households.tolist():
            c = int(self.pop.compound[h])
            r = self.n
            self.n += 1
            # a remote leader (a child elsewhere leading for its parents' compound) gives the least hours a leader needs
            hours = (max(min(float(self.pop.free_hours[h]), self.free_hours_max), self.min_hours) if self.pop.phone[h]
                     else self.min_hours)
            t.household[r], t.compound[r], t.active[r] = h, c, True
            self.hours_per_day[r], self.emerged_day[r] = hours, day
            t.hours_left[r] = hours  # its first day starts now (yesterday's overwork: none)
            leader = GroupLeader(self.model, self, r)
            added.append(leader)
            self.of_compound[c].append(leader)
            self.row_of_household[h] = r
            self.per_compound[c] += 1
        self.agents.extend(added)
        self.is_leader[households] = True
        self.volunteers.stand_down(households)
        self.bridging.bring_in(households)
        if self.posted_codes:
            self.chat.post_codes(self.pop.compound[households])
        return added

    def agent_of(self, household: int):
        """The GroupLeader this household became, or None."""
        r = self.row_of_household.get(int(household))
        return None if r is None else self.agents[r]

    def most_experienced(self, compounds: np.ndarray) -> np.ndarray:
        """Per compound (each with an active leader), its active leader with the most deliveries received, then the
        earliest to emerge, then the first to come forward (rows, in the order of `compounds`)."""
        t = self.team
        return _most_experienced(np.asarray(compounds, np.int64), t.compound, t.active, t.deliveries, self.emerged_day,
                                 self.n, len(self.per_compound))

    def appoint_coordinator(self, r: int) -> None:
        """Leader r becomes its compound's "leader of leaders" (sim/coordination.py decides who)."""
        self.coordinator[r] = True

    def adopt_gateway(self, day: int) -> int:
        """Active leaders not yet on a gateway take it up by Bass diffusion (the gateway decides who, sim/gateway.py);
        returns how many did today."""
        t, rows = self.team, self.active_rows
        adopters = rows[self.gateway.adopters(t.uses_gateway[rows], t.household[rows], t.compound[rows], day)]
        t.uses_gateway[adopters] = True
        return len(adopters)

    def retire(self, rows: np.ndarray) -> None:
        """These leaders stop leading (a retiring leader posts no new offers; open ones run their course)."""
        for r in np.asarray(rows, dtype=np.int64).tolist():
            self.team.active[r] = False
            self.per_compound[self.team.compound[r]] -= 1
            if self.coordinator[r]:
                self.coordination.stand_down(self.agents[r])

    def retire_some(self) -> None:
        """After reopening, each active leader retires with a daily chance."""
        rows = self.active_rows
        self.retire(rows[self._retirement_rng.random(len(rows)) < self.retire_rate])

    # --- the day's work -------------------------------------------------------------------------------
    def start_day(self, day: int) -> None:
        """Active leaders get their day's hours; yesterday's overwork comes first."""
        self.day = day
        t, rows = self.team, self.active_rows
        t.hours_left[rows] = self.hours_per_day[rows] + np.minimum(0.0, t.hours_left[rows])
        t.hours_today[rows] = 0.0

    def act(self, day: int, first: int = 0) -> None:
        """Leaders from row `first` on, in a random order, do the day's work (`lead`)."""
        count = self.n - first
        if count <= 0:
            return
        order = self._order_rng.permutation(count) + first
        self.lead(order, day)

    def lead(self, rows: np.ndarray, day: int) -> int:
        """Leaders `rows`, in that order, post offers; returns how many they posted."""
        rows = np.asarray(rows, dtype=np.int64)
        orders, t = self.orders, self.team
        if t.found_count[:self.n].max(initial=0) + self.cap > t.found.shape[1]:
            self._reshape(found=2 * t.found.shape[1] + self.cap)
            t = self.team
        posted = np.zeros((len(rows) * self.cap, 6), dtype=np.int64)
        n = lead(t, self._market(), self.work(day), self.geometry, rows, orders.uncovered, orders.offer_room,
                 orders.count, posted)
        posted = posted[:n]
        orders.post(posted[:, :5], day)
        self.supply.apply_for_permits(posted[posted[:, 5] == 1, 1], day)  # a supplier applies the first time asked
        return n

    def find_supplier(self, r: int, wanted_sets: float, day: int):
        """(supplier, searched, via_gateway) for leader r, or None (the hours of a failed search are spent)."""
        market = self._market()
        s, searched, via = find_supplier(self.team, market, self.work(day), self.geometry, int(r), float(wanted_sets),
                                         search_room(self.team, market))
        return None if s < 0 else (int(s), bool(searched), bool(via))

    def spend(self, r: int, hours: float) -> None:
        spend(self.team, int(r), float(hours))

    def spend_each(self, rows, hours: float) -> None:
        """Each of these (distinct) leaders spends `hours`."""
        rows, t = np.asarray(rows, dtype=np.int64), self.team
        t.hours_left[rows] -= hours
        t.hours_today[rows] += hours
        t.hours_total[rows] += hours

    def work_factor(self, r: int) -> float:
        co = self.coordination
        return float(co.factor[self.team.compound[r]]) * co.learned(int(self.team.deliveries[r]))

    def overhead(self, r: int, hours: float) -> float:
        """Paperwork hours after the gateway's cut, the coordinator's rules and the leader's routine."""
        return hours * (self.gateway.overhead_factor if self.team.uses_gateway[r] else 1.0) * self.work_factor(r)

    def receive(self, rows: np.ndarray, suppliers: np.ndarray, day: int) -> None:
        """Leaders `rows` each receive a delivery from `suppliers` (in delivery order) at their gate."""
        if len(rows) == 0:
            return
        t = self.team
        room = t.known_count[rows] + np.bincount(rows, minlength=self.n)[rows]
        if room.max() > t.known.shape[1]:
            self._reshape(known=2 * int(room.max()))
            t = self.team
        rows = np.asarray(rows, np.int64)
        self._learn_up_to(self._most_deliveries + len(rows))  # every entry the deliveries read as they come in
        _receive_all(t, self.work(day), rows, np.asarray(suppliers, np.int64), float(self.hours.receive))
        self._most_deliveries = max(self._most_deliveries, int(t.deliveries[rows].max()))
        self._learn_up_to(self._most_deliveries)


@njit(cache=True)
def _receive_all(team, work, rows, suppliers, receive_hours):
    for k in range(len(rows)):
        receive_delivery(team, work, rows[k], suppliers[k], receive_hours)


@njit(cache=True)
def _most_experienced(compounds, compound, active, deliveries, emerged_day, n, n_compounds):
    """Rows of `most_experienced`: one pass over the leaders (rows in the order they came forward)."""
    best = np.full(n_compounds, -1, np.int64)
    wanted = np.zeros(n_compounds, np.bool_)
    wanted[compounds] = True
    for r in range(n):
        c = compound[r]
        if not (wanted[c] and active[r]):
            continue
        b = best[c]
        if b < 0 or deliveries[r] > deliveries[b] or (deliveries[r] == deliveries[b] and emerged_day[r] < emerged_day[b]):
            best[c] = r
    return best[compounds]


@njit(cache=True)
def _km_table(geo, x, y):
    """Street km from each compound (rows) to each supplier (columns): `street_km` of each pair, once for the run."""
    out = np.empty((len(geo.compound_x), len(x)))
    for c in range(len(geo.compound_x)):
        for s in range(len(x)):
            out[c, s] = street_km(geo, x[s], y[s], geo.compound_x[c], geo.compound_y[c])
    return out


@njit(cache=True)
def _spare(compound, active, hours_left, open_count, n, cap, n_compounds):
    """`Leadership.spare_per_compound` in one pass over the leaders' rows."""
    out = np.zeros(n_compounds, np.int64)
    for r in range(n):
        if active[r] and hours_left[r] > 0 and open_count[r] < cap:
            out[compound[r]] += 1
    return out
