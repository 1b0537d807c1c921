"""Community group buying, one day of it: chat groups grow, leaders post offers for the need in their group,
members step up to lead where need is left uncovered (and post today), members sign up, and offers whose window
ends close on the minimum order (docs/argument.md, claims 2-4 and 6)."""

from __future__ import annotations


class GroupBuying:
    """The community side of the day, given the mechanisms it runs in order."""

    def __init__(self, chat, canvassing, food, orders, leadership, emergence, coordination, supply, volunteers,
                 compounds, *, leader_emergence: bool):
        self.chat, self.canvassing, self.food, self.orders = chat, canvassing, food, orders
        self.leadership, self.emergence, self.coordination = leadership, emergence, coordination
        self.supply, self.volunteers, self.compounds = supply, volunteers, compounds
        self.leader_emergence = leader_emergence

    def organise(self, day: int, locked) -> None:
        """The day of group buying in the compounds where groups are active (`locked`)."""
        orders, leaders = self.orders, self.leadership
        self.chat.grow(locked)
        eligible = self.chat.member | self.canvassing.listed
        demand = self.food.offer_demand()
        orders.measure_need(eligible, demand)
        leaders.adopt_gateway(day)
        leaders.start_day(day)
        self.coordination.appoint(leaders)
        self.coordination.coordinate(leaders)
        self.supply.snapshot_for_search(orders.min_order)
        leaders.act(day)
        if self.leader_emergence:
            busy = leaders.is_leader | self.volunteers.volunteer
            first_new = leaders.n
            at_scale = self.emergence.at_scale
            leaders.add(self.emergence.emerge(self.chat.member, orders.need_pressure(), leaders.per_compound, busy,
                                              locked, leaders.spare_per_compound(),
                                              orders.wanting_share if at_scale else None,
                                              orders.open_kinds() if at_scale else None), day)
            leaders.act(day, first_new)
        orders.sign_up(eligible, demand)
        orders.close_due(day)
