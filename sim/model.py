"""LockdownSupplyModel: how a city under strict residential lockdown gets food to sealed homes.

After Shanghai, spring 2022, and the argument of a qualitative study of group buying there (20 leaders and 30
members): e-grocery platforms reached every resident but lacked delivery capacity ("space of flows"), while
local suppliers had stock and trucks but no channel to residents ("space of places"); compound chat groups,
their leaders and volunteers joined the two (docs/argument.md#claim-1-space-of-flows-and-space-of-places; the
other claims and the mechanisms that carry them are on the same page). See also the README.

One step is one day. Each day: rules -> relief at the gates -> shops -> volunteers and canvassing -> platform
(yesterday's compound group orders, the slot sale, today's group orders) -> community (chat groups, gateway,
coordinators, leaders, offers, minimum orders) -> truck dispatch -> gate to door -> eating -> ties and the
supplier contacts they bring into groups.
"""

from __future__ import annotations

import inspect

import mesa
import numpy as np
from mesa.datacollection import DataCollector

from agents import Compound, GroupLeader, Household, LocalSupplier, Truck
from sim.bridging import Bridging
from sim.chat_groups import ChatGroups
from sim.city import City
from sim.coordination import Coordination
from sim.dispatch import TruckDispatch
from sim.errors import ScenarioError
from sim.food_stock import FoodStock
from sim.gate import Gate
from sim.gateway import Gateway
from sim.group_orders import GroupOrders
from sim.leader_emergence import LeaderEmergence
from sim.ledger import Ledger
from sim.local_supply import LocalSupply
from sim.lockdown import SEALED, LockdownRules
from sim.metrics import daily_metrics, reporters
from sim.outreach import Canvassing
from sim.platform_slots import PlatformChannel
from sim.population import build_population, stochastic_round
from sim.relief import Relief
from sim.retail import Retail
from sim.scenario import load_scenario
from sim.streams import Streams
from sim.supplier_ties import draw_supplier_ties
from sim.schema import MECHANISMS
from sim.ties import Ties
from sim.volunteering import Volunteers

ORDERING_MODES = ("platform", "group_buying", "hybrid")


def _check(name: str, ok: bool, allowed: str, value) -> None:
    if not ok:
        raise ScenarioError(f"{name}: {value!r} is not allowed; allowed: {allowed}")


def _number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


class LockdownSupplyModel(mesa.Model):
    """Food supply of a locked-down city: platform ordering vs community group buying.

    Args:
        scenario: built-in scenario name ("shanghai-2022", "toy") or path to a scenario TOML file.
        ordering: "platform" (individual platform ordering only), "group_buying" (community group buying
            only) or "hybrid" (both channels open, as in reality).
        households: households in the run; the scenario's city is scaled to it (None: the scenario default).
        courier_availability: multiplier on the scenario's curve of riders at work (1.0 = as in the scenario).
        elderly_share: share of households with a member aged 60+ (None: the scenario's value).
        lockdown: False runs the same city with no restrictions (the counterfactual baseline).
        days: days to run (None: the scenario's horizon).
        invitations ... tiers: mechanism switches (None: the scenario's [mechanisms] value); see README.
        overrides: {"section.key": value} changes to any scenario setting.
        rng: seed or numpy Generator (Mesa 3.5 style).
    """

    def __init__(
        self,
        scenario: str = "shanghai-2022",
        ordering: str = "hybrid",
        households: int | None = None,
        courier_availability: float = 1.0,
        elderly_share: float | None = None,
        lockdown: bool = True,
        days: int | None = None,
        invitations: bool | None = None,
        posted_codes: bool | None = None,
        supplier_ties: bool | None = None,
        leader_emergence: bool | None = None,
        min_order: bool | None = None,
        bulk_delivery: bool | None = None,
        volunteers: bool | None = None,
        gateway: bool | None = None,
        proxies: bool | None = None,
        canvassing: bool | None = None,
        fcfs_slots: bool | None = None,
        tie_decay: bool | None = None,
        permits: bool | None = None,
        tiers: bool | None = None,
        compound_types: bool | None = None,
        relief: bool | None = None,
        platform_group: bool | None = None,
        visible_imitation: bool | None = None,
        coordinators: bool | None = None,
        leader_learning: bool | None = None,
        occupation_ties: bool | None = None,
        member_ties: bool | None = None,
        overrides: dict | None = None,
        rng=None,
    ):
        super().__init__(rng=rng)
        switches = dict(invitations=invitations, posted_codes=posted_codes, supplier_ties=supplier_ties,
                        leader_emergence=leader_emergence, min_order=min_order, bulk_delivery=bulk_delivery,
                        volunteers=volunteers, gateway=gateway, proxies=proxies, canvassing=canvassing,
                        fcfs_slots=fcfs_slots, tie_decay=tie_decay, permits=permits, tiers=tiers,
                        compound_types=compound_types, relief=relief,
                        platform_group=platform_group, visible_imitation=visible_imitation,
                        coordinators=coordinators, leader_learning=leader_learning,
                        occupation_ties=occupation_ties, member_ties=member_ties)
        cfg = _validated(scenario, ordering, households, courier_availability, elderly_share, lockdown, days,
                         switches, overrides)
        n = cfg.meta.default_households if households is None else households

        self.cfg = cfg
        self.ordering = ordering
        self.platform_open = ordering in ("platform", "hybrid")
        self.group_open = ordering in ("group_buying", "hybrid")
        self.mechanisms = {k: bool(cfg.mechanisms.__dict__[k] if v is None else v) for k, v in switches.items()}
        self.horizon = int(days) if days is not None else cfg.horizon
        self.elderly_share = cfg.population.elderly_share if elderly_share is None else float(elderly_share)
        self.day = 0
        mech = self.mechanisms
        # independent streams per subsystem (common random numbers): see sim/streams.py
        self.streams = streams = Streams.of(self.rng)

        # --- the city and its people ------------------------------------------------------------
        self.population = pop = build_population(int(n), cfg, self.elderly_share, streams,
                                                  compound_types=mech["compound_types"])
        self.scale = pop.n / cfg.population.real_households
        self.city = City(pop.n_compounds, cfg.city, streams.python_random("city.grid"))
        self.compound_x, self.compound_y = self.city.random_land_cells(pop.compound_district, streams("city.compounds"))
        self.compounds = [Compound(self, c, self.city.cell(self.compound_x[c], self.compound_y[c]))
                          for c in range(pop.n_compounds)]
        self.households = Household.create_all(self, pop.n)
        self.n_elderly = int(pop.elderly.sum())
        self.rules = LockdownRules(cfg, pop.compound_district, streams("lockdown.tiers"), lockdown=bool(lockdown),
                                   tiers=mech["tiers"])
        self.food = FoodStock(pop.size, cfg.stock, streams("food.initial_stock"), streams("food.reorder_level"))

        # --- local suppliers and their trucks ----------------------------------------------------
        supplier_rng = streams("local_suppliers")
        n_local = stochastic_round(cfg.local_suppliers.real_count * self.scale, supplier_rng, minimum=2)
        self.local_supply = LocalSupply(n_local, cfg, self.city, float(pop.size.sum()), supplier_rng,
                                        permits=mech["permits"])
        self.local_supply.place_compounds(self.compound_x, self.compound_y)
        ls = self.local_supply
        self.local_suppliers = [LocalSupplier(self, s, self.city.cell(ls.x[s], ls.y[s])) for s in range(n_local)]
        self.trucks = []
        for supplier in self.local_suppliers:
            for _ in range(int(ls.trucks[supplier.index])):
                truck = Truck(self, supplier, supplier.cell, cfg.couriers.truck_minutes_per_day)
                supplier.trucks.append(truck)
                self.trucks.append(truck)
        pop.supplier_tie[:] = draw_supplier_ties(pop, ls, self.city, self.compound_x, self.compound_y,
                                                 cfg.population.supplier_tie_share, cfg.population.supplier_tie_km,
                                                 streams("supplier_ties"),
                                                 pop.occupation if mech["occupation_ties"] else None,
                                                 cfg.population.occupation_tie_factor)

        # --- channels and community mechanisms ---------------------------------------------------
        self.platform = PlatformChannel(self, cfg, pop, self.city, streams, self.scale, fcfs=mech["fcfs_slots"],
                                        proxies=mech["proxies"], courier_availability=float(courier_availability),
                                        group_orders=mech["platform_group"])
        self.retail = Retail(cfg, streams("retail"))
        self.chat = ChatGroups(pop, cfg.group_buying, streams("chat_groups"), invitations=mech["invitations"],
                               posted_codes=mech["posted_codes"], proxies=mech["proxies"])
        self.volunteers = Volunteers(pop, cfg.volunteers, streams("volunteers"), enabled=mech["volunteers"])
        self.canvassing = Canvassing(pop, cfg.outreach, streams("canvassing"), enabled=mech["canvassing"],
                                     proxies=mech["proxies"])
        self.gate = Gate(pop, cfg.volunteers)
        self.relief = Relief(pop, cfg.relief, streams("relief"), enabled=mech["relief"])
        self.group_orders = GroupOrders(cfg, pop, self.food, streams("group_orders.signups"), min_order=mech["min_order"])
        self.emergence = LeaderEmergence(pop, cfg.group_buying, streams("leaders.emergence"),
                                         supplier_ties=mech["supplier_ties"])
        self._leader_order_rng = streams("leaders.order")
        self._retirement_rng = streams("leaders.retirement")
        self.dispatch = TruckDispatch(cfg, bulk=mech["bulk_delivery"])
        self.gateway = Gateway(cfg.gateway, pop, streams("gateway"), streams("gateway.potential"), enabled=mech["gateway"],
                               visible_imitation=mech["visible_imitation"])
        self.coordination = Coordination(pop, cfg.coordination, cfg.leader_hours, streams("coordination"),
                                         coordinators=mech["coordinators"], learning=mech["leader_learning"])
        self.ties = Ties(pop.n, cfg.ties, streams("ties"), decay=mech["tie_decay"])
        self.member_ties = Ties(pop.n, cfg.ties, streams("ties.members"), decay=mech["tie_decay"])
        self.bridging = Bridging(pop, self.local_supply.n, cfg.ties.ties_to_share)
        self.ledger = Ledger()
        self.leaders: list[GroupLeader] = []
        self.leader_of_household: dict[int, GroupLeader] = {}
        self.is_leader = np.zeros(pop.n, dtype=bool)
        self._leaders_c = np.zeros(pop.n_compounds)
        self._permit_day = None
        self._leader_compound: list[int] = []  # compound of each leader, in the order of self.leaders
        self._supplier_district = self.local_supply.district.tolist()  # plain lists for the per-offer permit check
        self._compound_district = pop.compound_district.tolist()
        self.cum_home = 0.0
        self.cum_needed = 0.0
        self.today: dict = {}
        self.datacollector = DataCollector(model_reporters=reporters())

    # --- helpers the agents use -------------------------------------------------------------------
    def active_leaders(self) -> list[GroupLeader]:
        return [ld for ld in self.leaders if ld.active]

    def leaders_per_compound(self) -> np.ndarray:
        return self._leaders_c

    def member_tie_suppliers(self, c: int) -> np.ndarray:
        """Local suppliers that members of compound c's chat group have brought into it (sim/bridging.py)."""
        return self.bridging.suppliers(c)

    def permit_needed_for(self, supplier: int, compound: int) -> bool:
        """A truck needs a pass if either end of its trip is in a locked district (asked per offer, so the
        district rules are read once a day)."""
        rules = self.rules
        if self._permit_day != rules.day:
            self._permit_locked = [rules.needs_permit(d) for d in range(2)]
            self._permit_day = rules.day
        locked = self._permit_locked
        return locked[self._supplier_district[supplier]] or locked[self._compound_district[compound]]

    def permit_needed(self, offer) -> bool:
        return self.permit_needed_for(offer.supplier, offer.compound)

    # --- one day ----------------------------------------------------------------------------------
    def step(self) -> None:
        day = self.day = self.steps - 1
        pop, food, ledger, rules = self.population, self.food, self.ledger, self.rules
        rules.update(day)
        active = rules.locked_compounds()
        self.local_supply.start_day(self.gateway.listed_today(day))
        d = dict.fromkeys(("courier_stops", "stop_capacity", "platform_tried", "platform_slots",
                           "riders_working", "portions_platform", "portions_platform_group"), 0)

        # residents' committees bring relief to the gates of locked compounds, in every mode
        d["portions_relief"] = self.relief.deliver(day, active, food, self.gate, ledger)

        # shops, where residents may go out
        bought = self.retail.shop(food, pop, rules, day)
        retail = float(bought.sum(dtype=np.float64))
        ledger.retail += retail

        # volunteers and door-to-door listing of older residents' needs, in every mode (the residents'
        # committees and the "old partner" scheme worked whatever the channel; docs/sources.md)
        self.volunteers.recruit(active, busy=self.is_leader)
        factor = np.where(rules.tier == SEALED, self.cfg.volunteers.sealed_factor, 1.0)
        self.canvassing.canvass(self.volunteers.per_compound(), active, factor)

        # platform ordering: yesterday's compound group orders first, then the slot sale, then today's group orders
        # (volunteers order for the residents they listed)
        if self.platform_open:
            plat = self.platform
            plat.start_day(day)
            group_hh, group_baskets = plat.deliver_group_orders(day)
            self.gate.drop(group_hh, group_baskets)
            ledger.in_transit -= plat.group_portions
            ledger.at_gate += plat.group_portions
            winners, baskets = plat.book(food.demand(), self.canvassing.listed)
            food.order(winners, baskets)
            self.gate.drop(winners, baskets)
            ledger.shipped_platform += plat.portions
            ledger.at_gate += plat.portions
            plat.deliver(winners, self.compounds)
            joined, joined_baskets = plat.book_group_orders(food.demand(), day)
            food.order(joined, joined_baskets)
            booked = float(joined_baskets.sum(dtype=np.float64))
            ledger.shipped_platform += booked
            ledger.in_transit += booked
            d.update(courier_stops=plat.stops, stop_capacity=plat.stop_capacity, platform_tried=plat.tried,
                     platform_slots=int(plat.slots.sum()), riders_working=int(plat.rider_working.sum()),
                     portions_platform=plat.portions, portions_platform_group=plat.group_portions)

        # community group buying: chat groups, leaders and offers
        self.group_orders.reset_day_stats()
        self.emergence.wanting_today = self.emergence.capped_today = 0
        if self.group_open:
            self._community_day(day, active)
        if rules.reopened:
            self._retire_leaders()
        self.dispatch.dispatch(self, day)

        # from the gate to the door, then a day of eating
        volunteers = self.volunteers.per_compound()
        capacity = self.gate.capacity(rules, volunteers, self.coordination.roster(volunteers))
        home, spoiled = self.gate.carry_in(capacity)
        food.receive(home)
        food.pending[:] = np.maximum(food.pending - spoiled, 0)
        home_sum, spoiled_sum = float(home.sum(dtype=np.float64)), float(spoiled.sum(dtype=np.float64))
        ledger.delivered_home += home_sum
        ledger.spoiled += spoiled_sum
        ledger.at_gate -= home_sum + spoiled_sum
        needed, eaten = food.consume()
        for store in (self.ties, self.member_ties):
            store.end_day(day)
            if rules.reopened:
                store.decay()
        self.bridging.update(self.chat.member, self.ties, self.member_ties)

        delivered = home_sum + retail
        self.cum_home += delivered
        self.cum_needed += needed
        d.update(home=delivered, needed=needed, eaten=eaten, spoiled=spoiled_sum, portions_retail=retail,
                 truck_trips=self.dispatch.trips, truck_stops=self.dispatch.stops,
                 portions_group=self.dispatch.portions)
        self.today = daily_metrics(self, d)
        self.datacollector.collect(self)
        self.running = day + 1 < self.horizon

    def _community_day(self, day: int, active: np.ndarray) -> None:
        """Chat groups grow; leaders post offers for the need in their group; where need is left uncovered,
        members step up to lead (and post today); members sign up; offers whose window ends close."""
        pop, food, mech = self.population, self.food, self.mechanisms
        self.chat.grow(active)
        eligible = self.chat.member | self.canvassing.listed
        demand = food.offer_demand()
        self.group_orders.measure_need(eligible, demand)
        leaders = self.active_leaders()
        self.gateway.adopt(leaders, day)
        for leader in leaders:
            leader.start_day()
        self.coordination.appoint(self.compounds, self._leaders_c)
        self.coordination.coordinate()
        self.local_supply.snapshot_for_search(self.group_orders.min_order)
        self._leaders_act()
        if mech["leader_emergence"]:
            busy = self.is_leader | self.volunteers.volunteer
            first_new = len(self.leaders)
            spare = np.bincount(
                [ld.compound.index for ld in self.leaders[:first_new]
                 if ld.active and ld.hours_left > 0 and len(ld.offers) < self.cfg.group_buying.offers_per_leader],
                minlength=pop.n_compounds)
            for h in self.emergence.emerge(self.chat.member, self.group_orders.need_pressure(), self._leaders_c,
                                           busy, active, spare):
                self._new_leader(int(h))
            self._leaders_act(first_new)
        self.group_orders.sign_up(eligible, demand, self.ties, self.local_supply)
        self.group_orders.close_due(day, self.local_supply, self.ledger, self.permit_needed)

    def _leaders_act(self, first: int = 0) -> None:
        """Leaders from number `first` on, in a random order, do the day's work; those with nothing to do (retired,
        out of hours, offers full, no uncovered need in their compound) are skipped without a call."""
        leaders = self.leaders[first:]
        if not leaders:
            return
        cap = self.cfg.group_buying.offers_per_leader
        uncovered = self.group_orders.uncovered
        compound = np.asarray(self._leader_compound[first:], dtype=np.int64)
        order = self._leader_order_rng.permutation(len(leaders))
        # uncovered need only falls while leaders act, so leaders in compounds without any are skipped up front
        for i in order[uncovered[compound[order]] >= 1].tolist():
            leader = leaders[i]
            if leader.active and leader.hours_left > 0 and len(leader.offers) < cap and uncovered[leader.compound.index] >= 1:
                leader.lead()

    def _new_leader(self, h: int) -> None:
        c = int(self.population.compound[h])
        g = self.cfg.group_buying
        hours = min(float(self.population.free_hours[h]), self.cfg.population.free_hours_max)
        leader = GroupLeader(self, h, self.compounds[c], max(hours, g.leader_min_hours))
        leader.start_day()
        self.leaders.append(leader)
        self._leader_compound.append(c)
        self.compounds[c].leaders.append(leader)
        self.leader_of_household[h] = leader
        self.is_leader[h] = True
        self._leaders_c[c] += 1
        self.volunteers.stand_down([h])
        self.bridging.bring_in([h])
        if self.mechanisms["posted_codes"]:
            self.chat.post_codes(c)

    def _retire_leaders(self) -> None:
        rate = self.cfg.group_buying.leader_retire_rate
        leaders = self.active_leaders()  # a retiring leader posts no new offers; open ones run their course
        for leader, u in zip(leaders, self._retirement_rng.random(len(leaders)).tolist()):
            if u < rate:
                leader.retire()
                self._leaders_c[leader.compound.index] -= 1

    # --- checks -----------------------------------------------------------------------------------
    def conservation_errors(self) -> dict:
        """Goods-accounting residuals (all ~0 when goods are conserved) and the smallest stock anywhere."""
        in_transit = (sum(o.portions for o in self.group_orders.confirmed.values()) + self.relief.in_transit
                      + self.platform.group_in_transit)
        return {
            "ledger_imbalance": self.ledger.imbalance(),
            "gate_vs_ledger": self.ledger.at_gate - self.gate.total(),
            "transit_vs_orders": self.ledger.in_transit - in_transit,
            "min_household_stock": float(self.food.stock.min()),
            "min_supplier_stock": float(self.local_supply.stock.min()),
            "min_gate": float(self.gate.waiting.min()),
        }


def _validated(scenario, ordering, households, courier_availability, elderly_share, lockdown, days, switches,
               overrides):
    """Check the model's keyword parameters and load the scenario with its overrides; return the scenario."""
    assert set(switches) == set(MECHANISMS)
    _check("ordering", ordering in ORDERING_MODES, " | ".join(ORDERING_MODES), ordering)
    _check("courier_availability", _number(courier_availability) and 0 <= courier_availability <= 10,
           "a number from 0 to 10", courier_availability)
    _check("elderly_share", elderly_share is None or (_number(elderly_share) and 0 <= elderly_share <= 1),
           "a number from 0 to 1", elderly_share)
    _check("lockdown", isinstance(lockdown, (bool, np.bool_)), "true or false", lockdown)
    for name, value in switches.items():
        _check(name, value is None or isinstance(value, (bool, np.bool_)), "true or false (or None)", value)
    _check("overrides", overrides is None or isinstance(overrides, dict), 'a dict {"section.key": value}', overrides)
    cfg = load_scenario(scenario, overrides)
    n = cfg.meta.default_households if households is None else households
    _check("households", _number(n) and float(n).is_integer() and 10 <= n <= 20_000_000,
           "a whole number from 10 to 20,000,000", households)
    _check("days", days is None or (_number(days) and float(days).is_integer() and 1 <= days <= 3650),
           "a whole number of days from 1 to 3650", days)
    return cfg


def check_params(**params):
    """Check model keyword parameters exactly as the model does, without building the city; return the scenario.

    Experiments call it for every parameter point before any run starts, so a bad point fails in seconds.
    """
    signature = inspect.signature(LockdownSupplyModel.__init__).parameters
    names = [name for name in signature if name not in ("self", "rng")]
    for name in params:
        if name not in names:
            raise ScenarioError(f"{name}: unknown parameter; allowed: {', '.join(names)}")
    kw = {name: signature[name].default for name in names} | params
    switches = {name: kw[name] for name in MECHANISMS}
    return _validated(kw["scenario"], kw["ordering"], kw["households"], kw["courier_availability"],
                      kw["elderly_share"], kw["lockdown"], kw["days"], switches, kw["overrides"])
