"""Ties formed by taking part together: every household in a delivered group order gains (or strengthens) a
tie with the order's leader, and (the `member_ties` switch, a second store) with the neighbours it collects the
order with: each participant with the next `member_ties_per_order` participants in household order (homes are
numbered building by building, so these are neighbours in its building). Ties raise the chance of signing up to
that leader's next offer (trust), and the ties a household holds in its group decide when it brings its supplier
contact into the group (sim/bridging.py). After
reopening every tie can fade: a tie made in k orders is lost with daily chance decay_rate / k^strength_exponent,
so ties made in many orders last longer, but none is kept by construction (the study: ties mostly faded after
reopening, some remained; docs/argument.md, claim 7)."""

from __future__ import annotations

import numpy as np


class Ties:
    def __init__(self, n_households: int, tcfg, rng: np.random.Generator, *, decay: bool):
        self.n = np.int64(n_households)
        self.keys = np.zeros(0, dtype=np.int64)  # household * n + leader household, sorted
        self.strength = np.zeros(0, dtype=np.int32)
        self.made_day = np.zeros(0, dtype=np.int32)  # day each tie was first made
        self.decay_on = decay
        self.decay_rate = tcfg.decay_rate
        self.strength_exponent = tcfg.strength_exponent
        self._rng = rng
        self.formed_total = 0
        self.lost_total = 0
        self.degree = np.zeros(int(n_households), dtype=np.int32)  # ties each household holds (at either end)
        self._today: list[np.ndarray] = []  # keys made today, merged once at the end of the day

    def __len__(self) -> int:
        return len(self.keys)

    def form(self, households: np.ndarray, leader) -> None:
        """Households of a delivered order and its leader (one, or one per household) gain or strengthen a tie;
        merged by `end_day`."""
        self._today.append(households.astype(np.int64) * self.n + np.asarray(leader, dtype=np.int64))

    def form_among(self, orders: list, per_order: int) -> None:
        """Participants of each delivered order gain ties with each other: each with the next `per_order` in
        household order (its neighbours in the building). A tie between two households is one tie, whichever
        order made it; merged by `end_day`."""
        if not orders:
            return
        hh = np.concatenate([np.sort(o) for o in orders]).astype(np.int64)
        order_id = np.repeat(np.arange(len(orders)), [len(o) for o in orders])
        for j in range(1, per_order + 1):
            same = order_id[:-j] == order_id[j:]
            a, b = hh[:-j][same], hh[j:][same]
            self._today.append(np.minimum(a, b) * self.n + np.maximum(a, b))

    def end_day(self, day: int, reopened: bool = False) -> None:
        """Merge the day's new ties into the sorted store (one tie per household-leader pair); after reopening,
        a day of fading."""
        self._merge(day)
        if reopened:
            self.decay()

    def _merge(self, day: int) -> None:
        if not self._today:
            return
        new, times = np.unique(np.concatenate(self._today), return_counts=True)
        self._today = []
        pos = np.searchsorted(self.keys, new)
        found = pos < len(self.keys)
        found[found] = self.keys[pos[found]] == new[found]
        self.strength[pos[found]] += times[found].astype(np.int32)
        fresh = ~found
        if fresh.any():
            self.formed_total += int(fresh.sum())
            self.keys = np.insert(self.keys, pos[fresh], new[fresh])
            self.strength = np.insert(self.strength, pos[fresh], times[fresh].astype(np.int32))
            self.made_day = np.insert(self.made_day, pos[fresh], np.full(int(fresh.sum()), day, dtype=np.int32))
            self._count(new[fresh], 1)

    def _count(self, keys: np.ndarray, sign: int) -> None:
        np.add.at(self.degree, keys // self.n, sign)
        np.add.at(self.degree, keys % self.n, sign)

    def has_tie(self, households: np.ndarray, leaders: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.zeros(len(households), dtype=bool)
        q = households.astype(np.int64) * self.n + leaders.astype(np.int64)
        pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
        return self.keys[pos] == q

    def decay(self) -> None:
        """One day of fading after reopening (stronger ties fade more slowly)."""
        if not self.decay_on or len(self.keys) == 0:
            return
        draw = self._rng.random(len(self.keys))
        lose = draw < self.decay_rate / self.strength.astype(np.float64) ** self.strength_exponent
        if lose.any():
            self.lost_total += int(lose.sum())
            self._count(self.keys[lose], -1)
            self.keys, self.strength, self.made_day = self.keys[~lose], self.strength[~lose], self.made_day[~lose]

    def made_before(self, day: int) -> int:
        """Standing ties first made before `day` (e.g. during the lockdown)."""
        return int((self.made_day < day).sum())
