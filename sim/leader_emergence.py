"""Leader emergence: group leaders are not appointed, they emerge from households (docs/argument.md, claim 4).

Each day, after the group's leaders have posted their offers, a chat-group member with a phone and enough free
time is moved to lead with a chance that grows with the need nobody is covering: the share of members wanting food
times the share of the sets they want that no open offer has room for. Members see in the chat when someone steps
up, so at most one new leader a day comes forward in each chat group (a compound has one group per
`group_members_max` households; FACTS: 200-500 members per group) and posts offers before anyone else decides.
Once leaders' offers cover the need, nobody else steps up; and while a leader of the compound still has time and
room for another offer, the need left is a want of suppliers, not of leaders, so only members who bring a supplier
of their own (a tie) step up. The number of leaders a compound gets thus emerges from its need, its suppliers and
its members' willingness
(`leader_propensity`); a member with a tie to a supplier is likelier to lead (bridging capital).
`leaders_per_100_households` is only an upper bound; the model counts the compounds where it turned someone away.

Leaders at the scale of a building or a product line (the `leader_scale` switch; the study: groups per building and
per product, milk, meat, vegetables, bread, a supermarket's boxes, one or two volunteers per building): members of
a building see in their building's group when someone steps up, so at most one new leader a day comes forward in
each building (`coordination.households_per_building`); a member with a channel of its own (a tie to a supplier
with stock to sell) steps up because its group wants what the channel sells, not only where need is left
uncovered: while no open offer of its supplier's kind is up in the compound, its chance is `leader_propensity`
x `leader_tie_boost` x the share of members wanting food, whatever the other offers cover; and the upper bound is
one leader per building and product line (`group_buying.product_lines`), a bound of the groups' structure that the
model reports whenever it binds (`leader_cap_binding`). Its draws come from their own stream. Off: the rule above.

Remote leaders (the `remote_leaders` switch; the study: a leader living elsewhere serving grandparents): the child
elsewhere who orders for older parents without phone skill (a remote proxy) can also step up to lead the parents'
group, `group_buying.remote_leader_factor` times as readily as a resident, giving the least hours a leader needs
(its own stream of draws). Off: only residents with a phone lead.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import njit
from lockdown_sim.sim.pcg_draws import uniform, uniforms
from lockdown_sim.sim.sorting import stable_argsort_within


class LeaderEmergence:
    def __init__(self, pop, scenario, supply, rng: np.random.Generator, scale_rng: np.random.Generator,
                 remote_rng: np.random.Generator, *, supplier_ties: bool, at_scale: bool, remote: bool):
        gcfg = scenario.group_buying
        self.pop, self.supply = pop, supply
        self.propensity = gcfg.leader_propensity
        self.supplier_ties = supplier_ties
        self.tie_boost = gcfg.leader_tie_boost if supplier_ties else 1.0
        self.min_hours = gcfg.leader_min_hours
        self.at_scale = at_scale
        buildings = np.ceil(pop.compound_size / scenario.coordination.households_per_building)
        if at_scale:  # one leader per building and product line
            self.cap = np.maximum(1, buildings * gcfg.product_lines)
        else:
            self.cap = np.maximum(1, np.floor(gcfg.leaders_per_100_households * pop.compound_size / 100.0))
        self.groups = np.ceil(pop.compound_size / gcfg.group_members_max)  # chat groups per compound
        # each household's building: homes are numbered compound by compound, a building is each run of
        # households_per_building of them (global ids: compound c's buildings start at building_start[c])
        per_building = scenario.coordination.households_per_building
        building_start = np.concatenate([[0], np.cumsum(buildings)]).astype(np.int64)
        rank = np.arange(pop.n) - np.repeat(pop.start[:-1], pop.compound_size.astype(np.int64))
        self.building = (building_start[pop.compound] + (rank // per_building)).astype(np.int64)
        self.n_buildings = int(building_start[-1])
        self._rng, self._scale_rng, self._remote_rng = rng, scale_rng, remote_rng
        self.remote = pop.proxy & ~pop.phone if remote else np.zeros(pop.n, dtype=bool)  # who can lead from elsewhere
        self.remote_ids = np.flatnonzero(self.remote)
        self.remote_at = np.full(pop.n, -1, dtype=np.int64)  # where each remote proxy's draw is in their stream
        self.remote_at[self.remote_ids] = np.arange(len(self.remote_ids))
        self.remote_factor = gcfg.remote_leader_factor
        # members with a channel of their own (a supplier tie), and where each one's draw is
        self.tie_holders = np.flatnonzero(pop.supplier_tie >= 0)
        self.channel_at = np.full(pop.n, -1, dtype=np.int64)
        self.channel_at[self.tie_holders] = np.arange(len(self.tie_holders))
        self._kind = supply.kind.astype(np.int64)  # every supplier's kind (the chain stores are in by now)
        self.tie_start = np.searchsorted(pop.compound[self.tie_holders], np.arange(pop.n_compounds + 1))
        self.reset_day_stats()

    def reset_day_stats(self) -> None:
        """Zero the day's counts of compounds where someone wanted to lead and where the bound turned them away."""
        self.wanting_today = 0  # compounds where someone wanted to start leading today
        self.capped_today = 0  # ... of which the upper bound turned someone away

    def emerge(self, members: np.ndarray, pressure: np.ndarray, leaders_per_compound: np.ndarray,
               busy: np.ndarray, active_compounds: np.ndarray, spare_leaders: np.ndarray,
               wanting_share: np.ndarray | None = None, open_kinds: np.ndarray | None = None) -> np.ndarray:
        """Households that start leading today (at most the room left under the upper bound in each compound).

        members: chat-group members; pressure: per compound, the need no open offer covers (0..1);
        busy: households already leading or volunteering; spare_leaders: per compound, leaders who still have time
        and room for another offer after today's work; with `leader_scale`, wanting_share: per compound, the share
        of members wanting food, and open_kinds: per compound and supplier kind, an open offer of that kind is up.
        """
        pop = self.pop
        pressure = np.where(active_compounds, pressure, 0.0)
        room = self.cap - leaders_per_compound
        # one draw per household whoever is a candidate (a stable stream: rng.random(n)), a remote proxy's from
        # their own stream (the k-th of its random(number of them)), made only where looked at (sim/pcg_draws.py)
        with uniforms(self._rng, pop.n) as own, uniforms(self._remote_rng, len(self.remote_ids)) as remote:
            draws = (*own, *remote, self.remote_at)
            if not self.at_scale:
                leaders, wanting, capped = _step_up(draws, members, pop.phone, self.remote, self.remote_factor,
                                                    pop.free_hours, np.float32(self.min_hours), busy, pressure,
                                                    spare_leaders, pop.start, pop.supplier_tie, self.tie_boost,
                                                    self.propensity, room, self.groups)
            else:
                s = self.supply
                wants = np.where(active_compounds, wanting_share, 0.0)
                tie = pop.supplier_tie if self.supplier_ties else np.full(pop.n, -1, dtype=pop.supplier_tie.dtype)
                sells = s.today_available >= s.today_moq  # a supplier with stock for its minimum order today
                # the channel members' draws, their own stream (random(number of them))
                with uniforms(self._scale_rng, len(self.tie_holders)) as channel:
                    leaders, wanting, capped = _step_up_at_scale(
                        draws, channel, self.channel_at, self.tie_holders, self.tie_start, members, pop.phone,
                        self.remote, self.remote_factor, pop.free_hours, np.float32(self.min_hours), busy, pressure,
                        wants, spare_leaders, pop.start, tie, self._kind, sells, open_kinds, self.tie_boost,
                        self.propensity, room, self.building, self.n_buildings)
        self.wanting_today, self.capped_today = int(wanting), int(capped)
        return leaders


@njit(cache=True)
def _step_up(draws, members, phone, remote, remote_factor, free_hours, min_hours, busy, pressure, spare, start,
             supplier_tie, tie_boost, propensity, room, groups):
    """Members with a phone and free time, not busy, where need is uncovered (and, where a leader still has time and
    room for another offer, only members bringing a supplier of their own), are moved to lead with chance
    propensity x pressure (x tie_boost with a supplier tie); in each compound the most moved (lowest draw relative
    to their chance) come forward first, one per chat group, while the upper bound leaves room. Returns (who steps
    up today, compounds where someone wanted to, compounds where the bound turned someone away). `draws`: see
    `_draw`."""
    n_c = len(pressure)
    moved = np.empty(1024, np.int64)
    eagerness = np.empty(1024)
    comp = np.empty(1024, np.int64)
    m = 0
    for c in range(n_c):  # homes start[c]:start[c + 1]; only where need is uncovered
        if not pressure[c] > 0:
            continue
        for i in range(start[c], start[c + 1]):
            if members[i] and _can_lead(phone, remote, free_hours, min_hours, i) and not busy[i]:
                e = _moved_by_need(draws, phone, supplier_tie, pressure, spare, i, c, propensity, tie_boost,
                                   remote_factor)
                if e < np.inf:
                    moved, eagerness, comp = _keep(moved, eagerness, comp, m, i, e, c)
                    m += 1
    moved, eagerness, comp = moved[:m], eagerness[:m], comp[:m]
    return _come_forward(moved, eagerness, comp, comp, groups, room)  # one a day per chat group


@njit(cache=True)
def _step_up_at_scale(draws, channel, channel_at, tie_holders, tie_start, members, phone, remote, remote_factor,
                      free_hours, min_hours, busy, pressure, wants, spare, start, supplier_tie, kind, sells,
                      open_kinds, tie_boost, propensity, room, building, n_buildings):
    """As `_step_up`, at the scale of buildings and product lines: a member is moved by uncovered need (as there),
    or, with a channel (a tie to a supplier that has stock to sell and whose kind has no open offer in the
    compound), by its group wanting food: chance propensity x tie_boost x the share of members wanting food (its
    own draw). In each compound the most moved come forward first, at most one a day per building, while the upper
    bound leaves room. Where no need is left uncovered only members with a channel (`tie_holders`, compound c's
    at tie_start[c]:tie_start[c + 1]) are looked at. `channel`: (values, cursor) of sim/pcg_draws.uniforms, the
    channel members' draws (member i's at channel_at[i])."""
    n_c = len(pressure)
    moved = np.empty(1024, np.int64)
    eagerness = np.empty(1024)
    comp = np.empty(1024, np.int64)
    m = 0
    for c in range(n_c):
        if not (pressure[c] > 0 or wants[c] > 0):
            continue
        everyone = pressure[c] > 0
        lo, hi = (start[c], start[c + 1]) if everyone else (tie_start[c], tie_start[c + 1])
        for j in range(lo, hi):
            i = j if everyone else tie_holders[j]
            if not (members[i] and _can_lead(phone, remote, free_hours, min_hours, i) and not busy[i]):
                continue
            s = supplier_tie[i]
            best = np.inf
            if pressure[c] > 0:
                best = _moved_by_need(draws, phone, supplier_tie, pressure, spare, i, c, propensity, tie_boost,
                                      remote_factor)
            if s >= 0 and wants[c] > 0 and sells[s] and not open_kinds[c, kind[s]]:
                p = min(1.0, propensity * tie_boost * wants[c])
                u = uniform(channel[0], channel[1], channel_at[i])
                if u < p:
                    best = min(best, u / max(p, 1e-12))
            if best < np.inf:
                moved, eagerness, comp = _keep(moved, eagerness, comp, m, i, best, c)
                m += 1
    moved, eagerness, comp = moved[:m], eagerness[:m], comp[:m]
    return _come_forward(moved, eagerness, comp, building[moved], np.ones(n_buildings), room)  # one per building


@njit(cache=True)
def _come_forward(moved, eagerness, comp, unit, per_unit, room):
    """In each compound the most moved (lowest eagerness) come forward first: at most per_unit[u] a day from each
    unit (a chat group, a building) while the upper bound leaves room (`room`, per compound). Returns (who steps up
    today, compounds where someone wanted to, compounds where the bound turned someone away)."""
    n_c = len(room)
    groups, n_groups = _ranked(comp, n_c)
    order = stable_argsort_within(groups, eagerness, n_groups)
    used = np.zeros(len(per_unit), np.int64)
    taken = np.zeros(n_c, np.int64)
    wanting = np.zeros(n_c, np.bool_)
    capped = np.zeros(n_c, np.bool_)
    out = np.empty(len(moved), np.int64)
    k = 0
    for j in order:
        c, u = comp[j], unit[j]
        wanting[c] = True
        if used[u] < per_unit[u]:
            used[u] += 1
            if taken[c] < room[c]:
                out[k] = moved[j]
                k += 1
                taken[c] += 1
            else:
                capped[c] = True
    return out[:k], wanting.sum(), capped.sum()


@njit(cache=True)
def _ranked(comp, n_c):
    """Groups for sorting the moved by compound: where `comp` does not decrease (the moved are noted compound by
    compound), the compounds present numbered 0, 1, ... in the same order (the same grouped order, and the sort
    looks at a group per compound present, not at every compound); else comp itself. Returns (groups, how many)."""
    ranks = np.empty(len(comp), np.int64)
    r = -1
    for j in range(len(comp)):
        if j > 0 and comp[j] < comp[j - 1]:
            return comp, n_c
        if j == 0 or comp[j] != comp[j - 1]:
            r += 1
        ranks[j] = r
    return ranks, r + 1


@njit(cache=True, inline="always")
def _moved_by_need(draws, phone, supplier_tie, pressure, spare, i, c, propensity, tie_boost, remote_factor):
    """How little member i of compound c needed moving (its draw over its chance; inf if not moved) by the need no
    open offer covers: chance propensity x pressure (x tie_boost with a supplier tie, x remote_factor for a remote
    proxy); where a leader still has time and room (`spare`), only a member bringing a supplier of its own."""
    tie = supplier_tie[i] >= 0
    if not (spare[c] == 0 or tie):
        return np.inf
    p = min(1.0, propensity * pressure[c] * (tie_boost if tie else 1.0) * (1.0 if phone[i] else remote_factor))
    u = _draw(draws, i)
    return u / max(p, 1e-12) if u < p else np.inf


@njit(cache=True, inline="always")
def _draw(draws, i):
    """Household i's draw today, `draws` being (values, cursor) of sim/pcg_draws.uniforms for the households'
    stream, the same for the remote proxies' stream, and remote_at: a remote proxy's (remote_at[i] >= 0) the
    remote_at[i]-th of its stream, anyone else's the i-th of theirs."""
    values, cursor, remote_values, remote_cursor, remote_at = draws
    k = remote_at[i]
    return uniform(remote_values, remote_cursor, k) if k >= 0 else uniform(values, cursor, i)


@njit(cache=True, inline="always")
def _keep(moved, eagerness, comp, m, i, e, c):
    """Note member i of compound c, moved with eagerness e, as the m-th (the arrays grow by doubling)."""
    if m == len(moved):
        moved, eagerness, comp = _grow(moved), _grow(eagerness), _grow(comp)
    moved[m], eagerness[m], comp[m] = i, e, c
    return moved, eagerness, comp


@njit(cache=True, inline="always")
def _can_lead(phone, remote, free_hours, min_hours, i):
    """Household i could lead: a resident with a phone and the free hours, or a remote proxy (its child elsewhere)."""
    return (phone[i] and free_hours[i] >= min_hours) or remote[i]


@njit(cache=True)
def _grow(a):
    out = np.empty(2 * len(a), a.dtype)
    out[:len(a)] = a
    return out
