"""lockdown-supply-sim: how a city under strict residential lockdown gets food to sealed homes.

The model (`sim.model.LockdownSupplyModel`) follows the argument of a qualitative study of group buying in
Shanghai, spring 2022 (see docs/argument.md and the README; calibration sources in docs/sources.md).
"""

__version__ = "0.2.0"
