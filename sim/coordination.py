"""Coordination and routine: the work of leading becomes routine (docs/argument.md, claim 4, from the study's section "Social
ties in community groups": in some compounds a "leader of leaders" wrote rules, schedules and a shared document,
and volunteers became a fixed roster of one or two per building).

- Coordinators (`coordinators` switch): in a compound with at least `min_leaders` active leaders, its most
  experienced leader (most deliveries received, at least `min_deliveries`) takes up coordinating with a daily chance
  `rate`. From then on every leader's hours per order in the compound are cut to `hours_factor` (the coordinator
  gives `hours_per_day` to it), and a fixed roster of `roster_per_building` volunteers per building carries food
  from the gate with a pass: in a sealed compound roster volunteers all work, where only a share
  (`volunteers.sealed_factor`) of the others may move.
- Routine (`leader_learning` switch): a leader's hours per order fall with the orders it has received, as
  (1 + deliveries) ** -learning_exponent (a learning curve; 0.15 is a 90 % curve per doubling), never below
  `learning_floor`.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import njit


class Coordination:
    """Who coordinates in each compound, the hours factor every leader there works at, and the volunteer rosters."""

    def __init__(self, pop, ccfg, hours_cfg, rng: np.random.Generator, *, coordinators: bool, learning: bool):
        self.coordinators_on = coordinators
        self.learning_on = learning
        self.min_leaders = ccfg.min_leaders
        self.min_deliveries = ccfg.min_deliveries
        self.rate = ccfg.rate
        self.cut = ccfg.hours_factor
        self.hours_per_day = ccfg.hours_per_day
        self.exponent = hours_cfg.learning_exponent
        self.floor = hours_cfg.learning_floor
        buildings = np.ceil(pop.compound_size / ccfg.households_per_building)
        self.roster_size = np.ceil(buildings * ccfg.roster_per_building)
        self.coordinator: dict[int, object] = {}  # compound -> its coordinating leader
        self.factor = np.ones(pop.n_compounds)  # hours factor of every leader in the compound
        self.coordinated = np.zeros(pop.n_compounds, dtype=bool)
        self.appointed_total = 0
        self.hours_given = 0.0  # coordinators' own hours so far
        self._rows = None  # the coordinators' leader rows (made again when one takes up or stands down)
        self._rng = rng

    # --- who coordinates ------------------------------------------------------------------------------
    def appoint(self, leadership) -> int:
        """Experienced leaders take up coordinating where a compound has enough leaders and no coordinator yet;
        returns how many did today.

        The most experienced active leader: most deliveries received, then the earliest to emerge, then the first to
        come forward (`Leadership.most_experienced`)."""
        if not self.coordinators_on:
            return 0
        per_compound = leadership.per_compound
        draw = self._rng.random(len(per_compound))  # one per compound, whichever are candidates (a stable stream)
        candidates = np.flatnonzero((per_compound >= self.min_leaders) & ~self.coordinated & (draw < self.rate))
        if len(candidates) == 0:
            return 0
        rows = leadership.most_experienced(candidates)  # -1 for a compound without an active leader
        ok = (rows >= 0) & (leadership.team.deliveries[np.maximum(rows, 0)] >= self.min_deliveries)
        for c, r in zip(candidates[ok].tolist(), rows[ok].tolist()):
            best = leadership.agents[r]
            self.coordinator[c] = best
            best.become_coordinator()
        appointed = candidates[ok]
        if len(appointed):
            self._rows = None
        self.coordinated[appointed] = True
        self.factor[appointed] = self.cut
        self.appointed_total += len(appointed)
        return len(appointed)

    def stand_down(self, leader) -> None:
        """A coordinator who stops leading (after reopening) leaves the compound without one."""
        c = leader.compound.index
        if self.coordinator.get(c) is leader:
            del self.coordinator[c]
            self._rows = None
            self.coordinated[c] = False
            self.factor[c] = 1.0

    def coordinate(self, leadership) -> None:
        """Coordinators give their hours to rules, schedules and the roster."""
        if self.coordinator:
            if self._rows is None:
                self._rows = np.array([leader.row for leader in self.coordinator.values()], dtype=np.int64)
            leadership.spend_each(self._rows, self.hours_per_day)
            # one addition per coordinator, as the total has always been kept
            self.hours_given = _add_times(self.hours_given, float(self.hours_per_day), len(self._rows))

    # --- what it changes ------------------------------------------------------------------------------
    def learned(self, deliveries: int) -> float:
        """Hours per order of a leader with `deliveries` orders received, as a share of a first-time leader's."""
        return max(self.floor, (1.0 + deliveries) ** -self.exponent) if self.learning_on else 1.0

    def hours_factor(self, compound: int, deliveries: int) -> float:
        """Hours per order of a leader with `deliveries` orders received, in compound `compound`, as a share of a
        first-time leader's without a coordinator."""
        return float(self.factor[compound]) * self.learned(deliveries)

    def roster(self, volunteers_per_compound: np.ndarray) -> np.ndarray:
        """Volunteers on a coordinator's fixed roster, per compound (0 where nobody coordinates)."""
        return np.where(self.coordinated, np.minimum(volunteers_per_compound, self.roster_size), 0.0)

    @property
    def active(self) -> int:
        return len(self.coordinator)


@njit(cache=True)
def _add_times(total, value, n):
    """total + value + value + ... (n times, one addition after another)."""
    for _ in range(n):
        total += value
    return total
