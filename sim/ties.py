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

from lockdown_sim.sim.parallel import njit


class Ties:
    def __init__(self, n_households: int, tcfg, rng: np.random.Generator, *, decay: bool):
        self.n = np.int64(n_households)
        # household * n + leader household, sorted; in 32 bits where they fit (a city of up to 46,340 households):
        # the store is read and written every day, and smaller ties cost less of that
        self._key_type = np.int32 if int(self.n) ** 2 <= np.iinfo(np.int32).max else np.int64
        self.keys = np.zeros(0, dtype=self._key_type)
        self.strength = np.zeros(0, dtype=np.int32)
        self.made_day = np.zeros(0, dtype=np.int16)  # day each tie was first made (a run has at most 3,650)
        self.decay_on = decay
        self.decay_rate = tcfg.decay_rate
        self.strength_exponent = tcfg.strength_exponent
        self._rng = rng
        self.formed_total = 0
        self.lost_total = 0
        self.degree = np.zeros(int(n_households), dtype=np.int32)  # ties each household holds (at either end)
        self._made_on = np.zeros(0, dtype=np.int64)  # standing ties by the day they were made
        self._chance = np.zeros(0)  # daily chance to fade, by strength
        self._strongest = 0  # the highest strength standing (kept by the compiled passes, not read off the store)
        self._today: list[np.ndarray] = []  # keys made today, merged once at the end of the day

    def __len__(self) -> int:
        return len(self.keys)

    def form(self, households: np.ndarray, leader) -> None:
        """Households of a delivered order and its leader (one, or one per household) gain or strengthen a tie;
        merged by `end_day`."""
        self._today.append(households.astype(np.int64) * self.n + np.asarray(leader, dtype=np.int64))

    def form_among(self, households: np.ndarray, starts: np.ndarray, per_order: int) -> None:
        """Participants of each delivered order (order k's are households[starts[k]:starts[k + 1]]) gain ties with
        each other: each with the next `per_order` in household order (its neighbours in the building). A tie
        between two households is one tie, whichever order made it; merged by `end_day`."""
        if len(starts) < 2:
            return
        self._today.append(_neighbour_pairs(households.astype(np.int64), np.asarray(starts, dtype=np.int64),
                                            per_order, self.n))

    def end_day(self, day: int, reopened: bool = False) -> None:
        """Merge the day's new ties into the sorted store (one tie per household-leader pair); after reopening,
        a day of fading."""
        self._merge(day)
        if reopened:
            self.decay()

    def _merge(self, day: int) -> None:
        if not self._today:
            return
        today = np.sort(np.concatenate(self._today).astype(self._key_type))
        self._today = []
        if day > np.iinfo(self.made_day.dtype).max:
            self.made_day = self.made_day.astype(np.int32)
        self.keys, self.strength, self.made_day, fresh, strongest = _merge(self.keys, self.strength, self.made_day,
                                                                          today, day, self.degree, self.n)
        self._strongest = max(self._strongest, strongest)
        self.formed_total += fresh
        if day >= len(self._made_on):  # room for days to come (the days after are zeros)
            grown = np.zeros(max(2 * len(self._made_on), day + 1), dtype=np.int64)
            grown[:len(self._made_on)] = self._made_on
            self._made_on = grown
        self._made_on[day] += fresh

    def has_tie(self, households: np.ndarray, leaders: np.ndarray) -> np.ndarray:
        if len(self.keys) == 0:
            return np.zeros(len(households), dtype=bool)
        q = (households.astype(np.int64) * self.n + leaders.astype(np.int64)).astype(self._key_type)
        pos = np.minimum(np.searchsorted(self.keys, q), len(self.keys) - 1)
        return self.keys[pos] == q

    def decay(self) -> None:
        """One day of fading after reopening (stronger ties fade more slowly)."""
        if not self.decay_on or len(self.keys) == 0:
            return
        draw = self._rng.random(len(self.keys))
        strongest = self._strongest
        if strongest >= len(self._chance):  # numpy's own power on an array of strengths, as on the ties themselves
            self._chance = np.zeros(2 * strongest + 1)  # a tie is made with strength 1 at least
            self._chance[1:] = self.decay_rate / np.arange(1, 2 * strongest + 1, dtype=np.float64) ** self.strength_exponent
        n, self._strongest = _fade(self.keys, self.strength, self.made_day, draw, self._chance, self.degree, self.n,
                                   self._made_on)
        self.lost_total += len(self.keys) - n
        self.keys, self.strength, self.made_day = self.keys[:n], self.strength[:n], self.made_day[:n]

    def made_before(self, day: int) -> int:
        """Standing ties first made before `day` (e.g. during the lockdown)."""
        return int(self._made_on[:max(day, 0)].sum())


@njit(cache=True)
def _merge(keys, strength, made_day, today, day, degree, n):
    """The sorted store with today's ties merged in (`today`: sorted, a key once for each order that made it): ties
    already there are strengthened by the orders that made them today, new ones are made today and counted at both
    ends. Returns (keys, strength, made_day, new ties, the highest strength among today's). One walk along the
    store, copying it with today's ties in their places: a day costs one pass over tens of thousands of ties (a
    binary search for each of today's and numba's slice copies cost about twice as much; so did keeping the ties in
    rows per household, whose scattered rows cost more to walk than one sorted array)."""
    m, t = len(keys), len(today)
    out_keys = np.empty(m + t, keys.dtype)
    out_strength = np.empty(m + t, strength.dtype)
    out_made = np.empty(m + t, made_day.dtype)
    i = k = j = fresh = strongest = 0
    while j < t:
        key = today[j]
        times = 1  # orders that made this tie today
        j += 1
        while j < t and today[j] == key:
            times += 1
            j += 1
        while i < m and keys[i] < key:
            out_keys[k], out_strength[k], out_made[k] = keys[i], strength[i], made_day[i]
            i += 1
            k += 1
        if i < m and keys[i] == key:
            out_keys[k], out_strength[k], out_made[k] = key, strength[i] + times, made_day[i]
            i += 1
        else:
            out_keys[k], out_strength[k], out_made[k] = key, times, day
            household = key // n
            degree[household] += 1
            degree[key - household * n] += 1
            fresh += 1
        strongest = max(strongest, out_strength[k])
        k += 1
    while i < m:
        out_keys[k], out_strength[k], out_made[k] = keys[i], strength[i], made_day[i]
        i += 1
        k += 1
    return out_keys[:k], out_strength[:k], out_made[:k], fresh, strongest


@njit(cache=True)
def _neighbour_pairs(households, starts, per_order, n):
    """Keys (lower household * n + higher) of each participant with the next `per_order` in household order, order
    by order (order k's participants are households[starts[k]:starts[k + 1]])."""
    total = 0
    for o in range(len(starts) - 1):
        for j in range(1, per_order + 1):
            total += max(starts[o + 1] - starts[o] - j, 0)
    out = np.empty(total, np.int64)
    members = households.copy()  # each order's participants, sorted in place (a few dozen: insertion sort)
    w = 0
    for o in range(len(starts) - 1):
        first, last = starts[o], starts[o + 1]
        if last - first > 64:
            members[first:last] = np.sort(members[first:last])
        for a in range(first + 1, last):
            h = members[a]
            b = a
            while b > first and members[b - 1] > h:
                members[b] = members[b - 1]
                b -= 1
            members[b] = h
        for j in range(1, per_order + 1):
            for a in range(first, last - j):
                low, high = min(members[a], members[a + j]), max(members[a], members[a + j])
                out[w] = low * n + high
                w += 1
    return out


@njit(cache=True)
def _fade(keys, strength, made_day, draw, chance, degree, n, made_on):
    """Ties whose draw falls below their strength's chance are lost (uncounted at both ends); the rest are moved to
    the front, in order. Returns (how many stand, the highest strength among them)."""
    k = strongest = 0
    for i in range(len(keys)):
        if draw[i] < chance[strength[i]]:
            degree[keys[i] // n] -= 1
            degree[keys[i] % n] -= 1
            made_on[made_day[i]] -= 1
        else:
            keys[k], strength[k], made_day[k] = keys[i], strength[i], made_day[i]
            strongest = max(strongest, strength[i])
            k += 1
    return k, strongest
