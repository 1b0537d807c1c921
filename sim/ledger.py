"""Goods accounting: every portion a supplier (or a residents' committee) ships is delivered, in transit, waiting at a gate, spoiled or returned.

Portions are person-days of food. Each mechanism records the flows it owns with `Ledger.record(kind, portions)`
(the platform its orders, group orders their confirmations, deliveries and refunds, relief its packs, the gate
what is carried home or spoils, shops what residents buy); a flow moves portions from one account to another.
The ledger is cumulative; `imbalance()` is zero when goods are conserved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lockdown_sim.sim.parallel import njit

# kind -> (who shipped it, if it enters the accounts now; the account it leaves; the account it reaches)
FLOWS: dict[str, tuple[str | None, str | None, str]] = {
    "platform_to_gate": ("shipped_platform", None, "at_gate"),  # single orders picked today, left at gates by riders
    "platform_booked": ("shipped_platform", None, "in_transit"),  # compound group orders booked for a later day
    "local_committed": ("shipped_local", None, "in_transit"),  # a confirmed group order takes a supplier's stock
    "relief_to_gate": ("shipped_relief", None, "at_gate"),  # packs handed out at the gate
    "relief_ordered": ("shipped_relief", None, "in_transit"),  # vegetable packages ordered through the committees
    "arrived": (None, "in_transit", "at_gate"),  # an order booked or confirmed earlier reaches its gate
    "returned": (None, "in_transit", "returned"),  # a confirmed order never dispatched: stock back to the supplier
    "carried_home": (None, "at_gate", "delivered_home"),
    "spoiled": (None, "at_gate", "spoiled"),
    "bought_in_shops": (None, None, "retail"),  # not shipped by a supplier of the model
}


@dataclass
class Ledger:
    shipped_platform: float = 0.0  # platform baskets picked and handed to riders
    shipped_local: float = 0.0  # local suppliers' stock committed to confirmed group orders
    shipped_relief: float = 0.0  # relief packs handed out and packages ordered through residents' committees
    in_transit: float = 0.0  # committed, not yet at the gate (now)
    at_gate: float = 0.0  # at a gate, not yet carried home (now)
    delivered_home: float = 0.0  # carried from the gate into homes
    spoiled: float = 0.0  # waited at a gate too long
    returned: float = 0.0  # committed, then cancelled before dispatch, back in the supplier's stock
    retail: float = 0.0  # bought in shops by residents allowed out (not a supplier in the model)

    def record(self, kind: str, portions: float) -> None:
        """Portions move along one of the FLOWS."""
        shipper, source, target = FLOWS[kind]
        if shipper is not None:
            setattr(self, shipper, getattr(self, shipper) + portions)
        if source is not None:
            setattr(self, source, getattr(self, source) - portions)
        setattr(self, target, getattr(self, target) + portions)

    def record_each(self, kind: str, portions: np.ndarray) -> None:
        """One flow of each of `portions` (float64), in order: the same numbers as `record` called for each in turn
        (each account adds them one after another), without a Python call per order."""
        portions = np.asarray(portions, dtype=np.float64)
        shipper, source, target = FLOWS[kind]
        if any(type(getattr(self, a)) is not float for a in (shipper, source, target) if a is not None):
            for p in portions.tolist():  # an account held in another type adds in its own precision
                self.record(kind, p)
            return
        if shipper is not None:
            setattr(self, shipper, _running_sum(getattr(self, shipper), portions, 1.0))
        if source is not None:
            setattr(self, source, _running_sum(getattr(self, source), portions, -1.0))
        setattr(self, target, _running_sum(getattr(self, target), portions, 1.0))

    def imbalance(self) -> float:
        """shipped - (delivered + in transit + at gates + spoiled + returned); zero when goods are conserved."""
        shipped = self.shipped_platform + self.shipped_local + self.shipped_relief
        return shipped - (self.delivered_home + self.in_transit + self.at_gate + self.spoiled + self.returned)


@njit(cache=True)
def _running_sum(total, portions, sign):
    """total + p0 + p1 + ... (sign 1) or total - p0 - p1 - ... (sign -1), one after another in float64."""
    total = float(total)
    if sign > 0:
        for p in portions:
            total += p
    else:
        for p in portions:
            total -= p
    return total
