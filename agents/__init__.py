"""Mesa agents of the lockdown food-supply model.

Households are many, so their daily state lives in the model's numpy arrays and each `Household` agent reads
its own entries; the few agents (compounds, group leaders, suppliers, couriers) carry their logic themselves.
"""

from agents.compound import Compound
from agents.courier import Courier, Rider, Truck
from agents.group_leader import GroupLeader
from agents.household import Household
from agents.supplier import LocalSupplier, PlatformSupplier, Supplier

__all__ = [
    "Compound",
    "Courier",
    "GroupLeader",
    "Household",
    "LocalSupplier",
    "PlatformSupplier",
    "Rider",
    "Supplier",
    "Truck",
]
