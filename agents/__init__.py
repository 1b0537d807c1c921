"""Mesa agents of the lockdown food-supply model.

Households are many, so their daily state lives in the model's numpy arrays and each `Household` agent reads
its own entries; the few agents (compounds, group leaders, suppliers, couriers) carry their logic themselves.
"""

from lockdown_sim.agents.compound import Compound
from lockdown_sim.agents.courier import Courier, Rider, Truck
from lockdown_sim.agents.group_leader import GroupLeader
from lockdown_sim.agents.household import Household
from lockdown_sim.agents.supplier import LocalSupplier, PlatformSupplier, Supplier

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
