"""Ties formed by taking part together: every household in a delivered group order gains (or strengthens) a
tie with the order's leader. Ties raise the chance of signing up to that leader's next offer (trust). After
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
        self._today: list[np.ndarray] = []  # keys made today, merged once at the end of the day

    def __len__(self) -> int:
        return len(self.keys)

    def form(self, households: np.ndarray, leader) -> None:
        """Households of a delivered order and its leader (one, or one per household) gain or strengthen a tie;
        merged by `end_day`."""
        self._today.append(households.astype(np.int64) * self.n + np.asarray(leader, dtype=np.int64))

    def end_day(self, day: int) -> None:
        """Merge the day's new ties into the sorted store (one tie per household-leader pair)."""
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
            self.keys, self.strength, self.made_day = self.keys[~lose], self.strength[~lose], self.made_day[~lose]

    def made_before(self, day: int) -> int:
        """Standing ties first made before `day` (e.g. during the lockdown)."""
        return int((self.made_day < day).sum())

    def per_household(self) -> np.ndarray:
        return np.bincount((self.keys // self.n).astype(np.int64), minlength=int(self.n))
