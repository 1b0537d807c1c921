"""Need met by group of households, and delivery minutes by channel: the daily measures the reproduction's claims
read (docs/argument.md, claims 2, 3 and 5), kept apart from the mechanisms they measure.

- Claim 5's vulnerable are older-only households with nobody at home able to order on a phone and no remote proxy
  (the traits, whatever the `proxies` switch): only volunteers listing their needs, relief and the groups can
  reach them. Claim 2's strangers are households that knew no neighbour before the lockdown.
- Delivery minutes: what trucks spent today (loading, round trips, hand-overs at gates: sim/dispatch.py) and what
  riders spent on single platform orders (a hand-over and their share of the round trip per stop, at each site's
  minutes per stop: sim/platform_capacity.py).
Portions eaten per household are FoodStock's (`food.eaten`), so need met here is what households ate, never what
was delivered: it cannot exceed need.
"""

from __future__ import annotations

import math

import numpy as np

ISOLATED_OLDER, OTHERS = 0, 1  # claim 5
NO_CONTACT, CONTACT = 0, 1  # claim 2

DEFINITIONS: dict[str, str] = {
    "isolated_older_need_met_share": "portions eaten today / needed today by older-only households with nobody able "
                                     "to order on a phone and no remote proxy (claim 5's vulnerable); nan if none",
    "others_need_met_share": "portions eaten today / needed today by every other household",
    "no_contact_need_met_share": "portions eaten today / needed today by households that knew no neighbour before "
                                 "the lockdown (claim 2's strangers); nan if none",
    "contact_need_met_share": "portions eaten today / needed today by households that knew a neighbour",
    "truck_minutes": "minutes local suppliers' trucks worked today: loading, round trips and hand-overs at gates",
    "rider_minutes_single": "minutes riders spent today on single platform orders: per stop, the hand-over and the "
                            "stop's share of the round trip from its site",
}


class NeedByGroup:
    """Fixed groups of households (their traits never change) and their need a day."""

    def __init__(self, pop):
        self.vulnerable = (pop.older_only & ~pop.phone & ~pop.proxy).astype(np.int8)
        self.vulnerable = np.where(self.vulnerable, ISOLATED_OLDER, OTHERS).astype(np.int8)
        self.stranger = np.where(pop.no_contact, NO_CONTACT, CONTACT).astype(np.int8)
        size = pop.size.astype(np.float64)
        self.need_vulnerable = np.bincount(self.vulnerable, weights=size, minlength=2)
        self.need_stranger = np.bincount(self.stranger, weights=size, minlength=2)

    def day(self, model, eaten_vulnerable: np.ndarray, eaten_stranger: np.ndarray) -> dict:
        """The day's values of DEFINITIONS, in its order, from the portions eaten today by each group (`vulnerable`:
        FoodStock.tallies)."""
        by_vulnerable = _shares(eaten_vulnerable.tolist(), self.need_vulnerable.tolist())
        by_stranger = _shares(eaten_stranger.tolist(), self.need_stranger.tolist())
        dispatch, plat = model.dispatch, model.platform
        truck = float(dispatch.minutes_per_day * len(dispatch.minutes_left) - dispatch.minutes_left.sum())
        rider = float((plat.orders * plat.minutes_per_stop).sum()) if model.platform_open else 0.0
        return {
            "isolated_older_need_met_share": by_vulnerable[ISOLATED_OLDER],
            "others_need_met_share": by_vulnerable[OTHERS],
            "no_contact_need_met_share": by_stranger[NO_CONTACT],
            "contact_need_met_share": by_stranger[CONTACT],
            "truck_minutes": truck,
            "rider_minutes_single": rider,
        }


def _shares(eaten: list[float], need: list[float]) -> list[float]:
    """Portions eaten / needed by each group, nan for a group with no need (in Python floats, the numbers numpy's
    division by max(need, 1e-12) gives, without a dozen small array operations a day)."""
    return [e / max(d, 1e-12) if d != 0 else math.nan for e, d in zip(eaten, need)]
