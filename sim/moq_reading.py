"""A null model, not a mechanism: suppliers' minimum orders read as portions instead of sets.

The record gives minimum orders as "commonly 50-200 portions" per delivery to a gate, and restaurant and meat
suppliers' as about 30 sets (FACTS, "Group buying"); the scenario reads the spans as sets of
`local_suppliers.set_portions` portions (sim/local_supply.py). Claim 3 (docs/argument.md) says pooling met the
minimum and brought one bulk delivery instead of many rider trips. If pooling's efficiency were only the set
reading of the minimum restated, reading the minimum as portions (ceil(moq / set_portions) sets, at least one)
would remove it. Switch: `counterfactuals.moq_in_portions` (off in every scenario). The draws are the same either
way: only their reading changes. The supermarket chains' package minimum (`packages.min_order`, sim/chain_stores.py)
is a figure of its own, in packages, and is not re-read.
"""

from __future__ import annotations

import numpy as np


def minimum_orders(moq_sets: np.ndarray, set_portions: float, in_portions: bool) -> np.ndarray:
    """Each supplier's minimum order in sets: as drawn, or the drawn number read as portions."""
    if not in_portions:
        return moq_sets
    return np.maximum(1, np.ceil(moq_sets / set_portions - 1e-9)).astype(moq_sets.dtype)
