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

import mesa
import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from lockdown_sim.agents import Compound, GroupLeader, LocalSupplier
from lockdown_sim.agents.household import Households
from lockdown_sim.sim.bridging import Bridging
from lockdown_sim.sim.chain_stores import ChainStores
from lockdown_sim.sim.chat_groups import ChatGroups
from lockdown_sim.sim.city import City
from lockdown_sim.sim.community import GroupBuying
from lockdown_sim.sim.coordination import Coordination
from lockdown_sim.sim.daily_record import DailyCollector, daily_metrics
from lockdown_sim.sim.dispatch import TruckDispatch
from lockdown_sim.sim.keywords import (  # noqa: F401 - ORDERING_MODES, check_params: the model's API too
    ORDERING_MODES, check_params, old_scenario_keyword, validated)
from lockdown_sim.sim.food_stock import FoodStock
from lockdown_sim.sim.gate import Gate
from lockdown_sim.sim.gateway import Gateway
from lockdown_sim.sim.group_bookings import GroupBookings
from lockdown_sim.sim.group_orders import GroupOrders
from lockdown_sim.sim.leader_emergence import LeaderEmergence
from lockdown_sim.sim.leader_lottery import leader_lottery
from lockdown_sim.sim.leadership import Leadership
from lockdown_sim.sim.ledger import Ledger
from lockdown_sim.sim.local_supply import LocalSupply
from lockdown_sim.sim.lockdown import LockdownRules
from lockdown_sim.sim.need_by_group import NeedByGroup
from lockdown_sim.sim.outreach import Canvassing
from lockdown_sim.sim.parallel import use_threads
from lockdown_sim.sim.platform_capacity import PlatformCapacity
from lockdown_sim.sim.platform_top_up import platform_top_up
from lockdown_sim.sim.population import build_population, stochastic_round
from lockdown_sim.sim.relief import Relief
from lockdown_sim.sim.retail import Retail
from lockdown_sim.sim.streams import Streams
from lockdown_sim.sim.supplier_ties import draw_supplier_ties
from lockdown_sim.sim.slot_sale import SlotSale
from lockdown_sim.sim.ties import Ties
from lockdown_sim.sim.volunteering import Volunteers

class LockdownSupplyModel(mesa.Model):
    """Food supply of a locked-down city: platform ordering vs community group buying.

    Args:
        scenario_file: built-in scenario name ("shanghai-2022", "toy") or path to a scenario TOML file.
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
        scenario: Mesa's own: a `mesa.experimental.scenarios.Scenario` (SolaraViz's Reset passes one). A scenario
            name or path here is the old spelling of `scenario_file`: it still works, with a DeprecationWarning.
    """

    def __init__(
        self,
        scenario_file: str = "shanghai-2022",
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
        several_group_buys: bool | None = None,
        leader_scale: bool | None = None,
        chain_packages: bool | None = None,
        remote_leaders: bool | None = None,
        overrides: dict | None = None,
        rng=None,
        scenario=None,
    ):
        scenario_file, mesa_scenario = _scenario_keywords(scenario_file, scenario, rng)
        super().__init__(rng=rng, scenario=mesa_scenario)
        switches = dict(invitations=invitations, posted_codes=posted_codes, supplier_ties=supplier_ties,
                        leader_emergence=leader_emergence, min_order=min_order, bulk_delivery=bulk_delivery,
                        volunteers=volunteers, gateway=gateway, proxies=proxies, canvassing=canvassing,
                        fcfs_slots=fcfs_slots, tie_decay=tie_decay, permits=permits, tiers=tiers,
                        compound_types=compound_types, relief=relief,
                        platform_group=platform_group, visible_imitation=visible_imitation,
                        coordinators=coordinators, leader_learning=leader_learning,
                        occupation_ties=occupation_ties, member_ties=member_ties,
                        several_group_buys=several_group_buys, leader_scale=leader_scale,
                        chain_packages=chain_packages, remote_leaders=remote_leaders)
        cfg = validated(scenario_file, ordering, households, courier_availability, elderly_share, lockdown, days,
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
        use_threads(pop.n)  # big cities run their loops over households on every core (sim/parallel.py)
        self.scale = pop.n / cfg.population.real_households
        self.city = City(pop.n_compounds, cfg.city, streams.python_random("city.grid"))
        self.compound_x, self.compound_y = self.city.place_compounds(pop.compound_district, streams("city.compounds"))
        self.compounds = [Compound(self, c, self.city.cell(self.compound_x[c], self.compound_y[c]))
                          for c in range(pop.n_compounds)]
        self.households = Households(self, pop.n)
        self.n_elderly = int(pop.elderly.sum())
        self.rules = rules = LockdownRules(cfg, pop.compound_district, streams("lockdown.tiers"),
                                           lockdown=bool(lockdown), tiers=mech["tiers"])
        self.food = food = FoodStock(pop.size, cfg.stock, streams("food.initial_stock"), streams("food.reorder_level"))
        self.ledger = ledger = Ledger()
        self.volunteers = Volunteers(pop, cfg.volunteers, streams("volunteers"), enabled=mech["volunteers"])
        self.coordination = Coordination(pop, cfg.coordination, cfg.leader_hours, streams("coordination"),
                                         coordinators=mech["coordinators"], learning=mech["leader_learning"])
        self.gate = Gate(pop, cfg.volunteers, food, ledger, rules, self.volunteers, self.coordination)

        # --- local suppliers ---------------------------------------------------------------------
        supplier_rng = streams("local_suppliers")
        n_local = stochastic_round(cfg.local_suppliers.real_count * self.scale, supplier_rng, minimum=2)
        self.local_supply = ls = LocalSupply(n_local, cfg, self.city, float(pop.size.sum()), supplier_rng,
                                             permits=mech["permits"])
        self.local_suppliers = [LocalSupplier(self, s, self.city.cell(ls.x[s], ls.y[s])) for s in range(n_local)]
        pop.supplier_tie[:] = draw_supplier_ties(pop, ls, self.city, self.compound_x, self.compound_y,
                                                 cfg.population.supplier_tie_share, cfg.population.supplier_tie_km,
                                                 streams("supplier_ties"),
                                                 pop.occupation if mech["occupation_ties"] else None,
                                                 cfg.population.occupation_tie_factor)
        # the supermarket chains' stores join the suppliers (after the ties: members' ties are to local suppliers)
        self.stores = ChainStores(cfg, pop, self.city, ls, self.scale, streams("chain_stores"),
                                  enabled=mech["chain_packages"])
        self.local_suppliers += [LocalSupplier(self, int(s), self.city.cell(ls.x[s], ls.y[s])) for s in self.stores.ids]

        # --- channels and community mechanisms ---------------------------------------------------
        self.canvassing = Canvassing(pop, cfg.outreach, self.volunteers, rules, cfg.volunteers.sealed_factor,
                                     streams("canvassing"), enabled=mech["canvassing"], proxies=mech["proxies"])
        self.platform = platform = PlatformCapacity(self, cfg, pop, self.city, self.compounds, streams, self.scale,
                                                    courier_availability=float(courier_availability))
        platform.top_up = platform_top_up(cfg, pop.n, float(pop.size.mean()))  # a null model, off unless asked
        self.slot_sale = SlotSale(cfg, pop, platform, food, self.gate, ledger, self.canvassing.listed,
                                  streams("platform.slots"), fcfs=mech["fcfs_slots"], proxies=mech["proxies"])
        self.group_bookings = GroupBookings(cfg, pop, platform, self.slot_sale, food, self.gate, ledger,
                                            streams("platform.group"), enabled=mech["platform_group"])
        self.retail = Retail(cfg, pop, rules, food, ledger, streams("retail"))
        self.chat = ChatGroups(pop, cfg.group_buying, streams("chat_groups"), invitations=mech["invitations"],
                               posted_codes=mech["posted_codes"], proxies=mech["proxies"])
        self.relief = Relief(pop, cfg.relief, food, self.gate, ledger, streams("relief"), enabled=mech["relief"])
        self.emergence = leader_lottery(
            LeaderEmergence(pop, cfg, ls, streams("leaders.emergence"), streams("leaders.scale"),
                            streams("leaders.remote"), supplier_ties=mech["supplier_ties"],
                            at_scale=mech["leader_scale"], remote=mech["remote_leaders"] and mech["proxies"]),
            cfg, pop, streams)  # a null model (sim/leader_lottery.py), off unless asked
        self.gateway = Gateway(cfg.gateway, pop, streams("gateway"), streams("gateway.potential"), enabled=mech["gateway"],
                               visible_imitation=mech["visible_imitation"])
        self.ties = Ties(pop.n, cfg.ties, streams("ties"), decay=mech["tie_decay"])
        self.member_ties = Ties(pop.n, cfg.ties, streams("ties.members"), decay=mech["tie_decay"])
        self.bridging = Bridging(pop, ls.n, cfg.ties.ties_to_share)
        geometry = self.city.geometry
        reach_km = TruckDispatch.reach_km(cfg)
        self.leadership = Leadership(self, pop, self.compounds, cfg, ls, self.stores, self.gateway, self.coordination,
                                     self.bridging, rules, self.volunteers, self.chat, geometry,
                                     streams("leaders.order"), streams("leaders.retirement"),
                                     supplier_ties=mech["supplier_ties"], min_order=mech["min_order"],
                                     posted_codes=mech["posted_codes"], reach_km=reach_km)
        self.leaders = self.leadership.agents
        self.group_orders = GroupOrders(cfg, pop, food, ls, self.gate, ledger, self.ties, self.member_ties,
                                        self.leadership, streams("group_orders.signups"),
                                        streams("group_orders.several"), min_order=mech["min_order"],
                                        member_ties_on=mech["member_ties"], several=mech["several_group_buys"])
        self.leadership.post_offers_to(self.group_orders)
        self.dispatch = TruckDispatch(self, cfg, self.group_orders, ls, self.local_suppliers, self.compounds, geometry,
                                      rules, bulk=mech["bulk_delivery"])
        self.trucks = self.dispatch.trucks
        self.community = GroupBuying(self.chat, self.canvassing, food, self.group_orders, self.leadership,
                                     self.emergence, self.coordination, ls, self.volunteers, self.compounds,
                                     leader_emergence=mech["leader_emergence"])
        self.need_by_group = NeedByGroup(pop)  # measured, not a mechanism (sim/need_by_group.py)
        food.count_apart(pop.elderly, self.need_by_group.vulnerable, self.need_by_group.stranger)  # daily metrics
        self.cum_home = 0.0
        self.cum_needed = 0.0
        self.today: dict = {}
        self.datacollector = DailyCollector()

    # --- one day ----------------------------------------------------------------------------------
    def step(self) -> None:
        """One day; each line is one mechanism's verb, in the order of the day (see the module docstring)."""
        day = self.day = self.steps - 1
        self.rules.update(day)
        locked = self.rules.locked_compounds()
        self.stores.open(day)
        self.local_supply.start_day(self.gateway.listed_today(day))
        self.relief.deliver(day, locked)
        self.retail.shop(day)
        self.volunteers.recruit(locked, busy=self.leadership.is_leader)
        self.canvassing.canvass(locked)
        if self.platform_open:
            self.platform.start_day(day)
            self.group_bookings.deliver(day)
            self.slot_sale.sell()
            self.group_bookings.book(day)
        self.group_orders.reset_day_stats()
        self.emergence.reset_day_stats()
        if self.group_open:
            self.community.organise(day, locked)
        if self.rules.reopened:
            self.leadership.retire_some()
        self.dispatch.dispatch(day)
        self.gate.carry_in()
        self.food.consume()
        for store in (self.ties, self.member_ties):
            store.end_day(day, reopened=self.rules.reopened)
        self.bridging.update(self.chat.member, self.ties, self.member_ties)
        self.collect()
        self.running = day + 1 < self.horizon

    def collect(self) -> None:
        """The day's metrics (sim/metrics.py), into the DataCollector."""
        delivered = self.gate.home_today + self.retail.bought_today
        self.cum_home += delivered
        self.cum_needed += self.food.needed_today
        self.today = daily_metrics(self, delivered)
        self.datacollector.collect(self)

    # --- views ------------------------------------------------------------------------------------
    def active_leaders(self) -> list[GroupLeader]:
        return [self.leaders[r] for r in self.leadership.active_rows.tolist()]

    @property
    def is_leader(self) -> np.ndarray:
        return self.leadership.is_leader

    # --- checks -----------------------------------------------------------------------------------
    def conservation_errors(self) -> dict:
        """Goods-accounting residuals (all ~0 when goods are conserved) and the smallest stock anywhere."""
        in_transit = self.group_orders.in_transit() + self.relief.in_transit + self.group_bookings.in_transit
        return {
            "ledger_imbalance": self.ledger.imbalance(),
            "gate_vs_ledger": self.ledger.at_gate - self.gate.total(),
            "transit_vs_orders": self.ledger.in_transit - in_transit,
            "min_household_stock": float(self.food.stock.min()),
            "min_supplier_stock": float(self.local_supply.stock.min()),
            "min_gate": float(self.gate.waiting.min()),
        }


def _scenario_keywords(scenario_file, scenario, rng):
    """(scenario_file, Mesa Scenario or None) from the model's keywords: `scenario` is Mesa's experiment object, or
    the old spelling of `scenario_file` (deprecated: Mesa 3.5 models use `scenario` for their own object)."""
    if scenario is None or isinstance(scenario, MesaScenario):
        if scenario is not None and scenario.rng is None and rng is not None:
            scenario.rng = rng  # its seed is the model's (Mesa refuses a model whose two seeds differ)
        return scenario_file, scenario
    return old_scenario_keyword(scenario_file, scenario, stacklevel=4), None


