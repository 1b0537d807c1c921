"""Goods accounting: every portion a supplier (or a residents' committee) ships is delivered, in transit, waiting at a gate, spoiled or returned.

Portions are person-days of food. The ledger is cumulative; `imbalance()` is zero when goods are conserved.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


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

    def imbalance(self) -> float:
        """shipped - (delivered + in transit + at gates + spoiled + returned); zero when goods are conserved."""
        shipped = self.shipped_platform + self.shipped_local + self.shipped_relief
        return shipped - (self.delivered_home + self.in_transit + self.at_gate + self.spoiled + self.returned)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}
