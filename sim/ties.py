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
from lockdown_sim.sim.pcg_draws import draws_compiled, step, stream_words, to_double

try:
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def _shift(typingctx, a, to, frm, count):
        """a[to:to + count] = a[frm:frm + count] in a contiguous array, the two ranges may overlap (one memmove: the
        store's runs between the day's new ties are moved as blocks, not tie by tie)."""
        if not (isinstance(a, types.Array) and a.ndim == 1 and a.layout == "C"):
            return None

        def codegen(context, builder, signature, args):
            ary = context.make_array(signature.args[0])(context, builder, value=args[0])
            itemsize = context.get_abi_sizeof(context.get_data_type(signature.args[0].dtype))
            cgutils.raw_memmove(builder, cgutils.gep(builder, ary.data, args[1]),
                                cgutils.gep(builder, ary.data, args[2]), args[3], itemsize)
            return context.get_dummy_value()
        return types.void(a, types.intp, types.intp, types.intp), codegen
except ImportError:  # pragma: no cover - numba is a dependency
    def _shift(a, to, frm, count):
        a[to:to + count] = a[frm:frm + count].copy()


class Ties:
    def __init__(self, n_households: int, tcfg, rng: np.random.Generator, *, decay: bool):
        self.n = np.int64(n_households)
        # household * n + leader household, sorted; in 32 bits where they fit (a city of up to 46,340 households):
        # the store is read and written every day, and smaller ties cost less of that
        self._key_type = np.int32 if int(self.n) ** 2 <= np.iinfo(np.int32).max else np.int64
        # the standing ties are the first `_m` of each array; the arrays have room for more and are changed in place
        # (grown by doubling): a day moves the ties after each new one up, and the fading moves the rest down
        self._m = 0
        self._keys = np.zeros(0, dtype=self._key_type)
        self._strength = np.zeros(0, dtype=np.int32)
        self._made_day = np.zeros(0, dtype=np.int16)  # day each tie was first made (a run has at most 3,650)
        self._days_held = np.iinfo(np.int16).max + 1  # days _made_day can hold (looked up once: np.iinfo is slow)
        self.decay_on = decay
        self.decay_rate = tcfg.decay_rate
        self.strength_exponent = tcfg.strength_exponent
        self._rng = rng
        self._drawn = draws_compiled(rng)  # the fading draws its uniforms in compiled code (sim/pcg_draws.py)
        self.formed_total = 0
        self.lost_total = 0
        self.degree = np.zeros(int(n_households), dtype=np.int32)  # ties each household holds (at either end)
        self._made_on = np.zeros(0, dtype=np.int64)  # standing ties by the day they were made
        self._chance = np.zeros(0)  # daily chance to fade, by strength
        self._strongest = 0  # the highest strength standing (kept by the compiled passes, not read off the store)
        self._today: list[np.ndarray] = []  # keys made today, merged once at the end of the day

    def __len__(self) -> int:
        return self._m

    @property
    def keys(self) -> np.ndarray:
        """The standing ties' keys (household * n + leader household), sorted; a view, valid until `end_day`."""
        return self._keys[:self._m]

    @property
    def strength(self) -> np.ndarray:
        """Orders that made each standing tie (in the order of `keys`)."""
        return self._strength[:self._m]

    @property
    def made_day(self) -> np.ndarray:
        """Day each standing tie was first made (in the order of `keys`)."""
        return self._made_day[:self._m]

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
        today = (self._today[0] if len(self._today) == 1 else np.concatenate(self._today)).astype(self._key_type)
        today.sort()
        self._today = []
        if day >= self._days_held:
            self._made_day = self._made_day.astype(np.int32)
            self._days_held = np.iinfo(np.int32).max + 1
        if self._m + len(today) > len(self._keys):  # room for every one of today's to be new
            more = max(2 * len(self._keys), self._m + len(today), 1024) - self._m
            self._keys, self._strength, self._made_day = (np.concatenate([a[:self._m], np.empty(more, a.dtype)])
                                                          for a in (self._keys, self._strength, self._made_day))
        self._m, fresh, strongest = _merge(self._keys, self._strength, self._made_day, self._m, today, day,
                                           self.degree, self.n)
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
        """One day of fading after reopening (stronger ties fade more slowly): a uniform for each tie, in the order
        of the keys, as `rng.random(len(self))` gives them (drawn inside the compiled walk where it can be)."""
        if not self.decay_on or self._m == 0:
            return
        strongest = self._strongest
        if strongest >= len(self._chance):  # numpy's own power on an array of strengths, as on the ties themselves
            self._chance = np.zeros(2 * strongest + 1)  # a tie is made with strength 1 at least
            self._chance[1:] = self.decay_rate / np.arange(1, 2 * strongest + 1, dtype=np.float64) ** self.strength_exponent
        store = (self._keys, self._strength, self._made_day, self._m, self._chance, self.degree, self.n, self._made_on)
        if self._drawn:
            with stream_words(self._rng) as words:
                m, self._strongest = _fade(words, np.zeros(0), *store)
        else:
            m, self._strongest = _fade(np.zeros(0, np.uint64), self._rng.random(self._m), *store)
        self.lost_total += self._m - m
        self._m = m

    def made_before(self, day: int) -> int:
        """Standing ties first made before `day` (e.g. during the lockdown)."""
        return int(self._made_on[:max(day, 0)].sum())


@njit(cache=True)
def _merge(keys, strength, made_day, m, today, day, degree, n):
    """Today's ties (`today`: sorted, a key once for each order that made it) merged in place into the store's first
    m ties (keys sorted; the arrays have room for len(today) more): ties already there are strengthened by the
    orders that made them today, new ones are made today and counted at both ends. Returns (ties standing, new
    ties, the highest strength among today's). One walk along the store finds each of today's places (comparisons
    32 ties apart, then tie by tie; no copy); then, from the end, each run of the store between two new ties moves
    up in one memmove and the new tie goes below it. (A new store each day, copied tie by tie with today's in their
    places, cost about twice as much; a binary search for each of today's place, more than the walk.)"""
    t = len(today)
    at = np.empty(t, np.int64)  # each new tie's place in the store as it was (before the tie there)
    new_key = np.empty(t, keys.dtype)
    new_strength = np.empty(t, strength.dtype)
    u = j = p = strongest = 0
    while j < t:
        key = today[j]
        times = 1  # orders that made this tie today
        j += 1
        while j < t and today[j] == key:
            times += 1
            j += 1
        while p + 32 <= m and keys[p + 31] < key:  # the first place from p whose key is not below today's:
            p += 32  # in strides, then tie by tie (a binary search mispredicts at every step)
        while p < m and keys[p] < key:
            p += 1
        if p < m and keys[p] == key:
            strength[p] += times
            strongest = max(strongest, strength[p])
        else:
            at[u], new_key[u], new_strength[u] = p, key, times
            u += 1
            household = key // n
            degree[household] += 1
            degree[key - household * n] += 1
            strongest = max(strongest, new_strength[u - 1])
    end = m  # the store's ties from at[q] to `end` move up by q + 1, the ones after them already moved
    for q in range(u - 1, -1, -1):
        start = at[q]
        if end > start:
            _shift(keys, start + q + 1, start, end - start)
            _shift(strength, start + q + 1, start, end - start)
            _shift(made_day, start + q + 1, start, end - start)
        keys[start + q], strength[start + q], made_day[start + q] = new_key[q], new_strength[q], day
        end = start
    return m + u, u, strongest


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
def _fade(words, draw, keys, strength, made_day, m, chance, degree, n, made_on):
    """Of the store's first m ties, those whose uniform falls below their strength's chance are lost (uncounted at
    both ends); the rest move down, in order, a run between two lost ties in one memmove. The i-th tie's uniform
    is draw[i], or, with `draw` empty, the stream's next (numpy's next_double from the PCG64 state `words`, left m
    draws on, as after rng.random(m)). Returns (how many stand, the highest strength among them)."""
    drawn = len(draw) == 0
    hi = lo = inc_hi = inc_lo = np.uint64(0)
    if drawn:
        hi, lo, inc_hi, inc_lo = words[0], words[1], words[2], words[3]
    k = strongest = 0
    run = 0  # the first kept tie not moved down yet
    for i in range(m):
        if drawn:
            hi, lo, r = step(hi, lo, inc_hi, inc_lo)
            u = to_double(r)
        else:
            u = draw[i]
        s = strength[i]
        if u < chance[s]:
            key = keys[i]
            household = key // n
            degree[household] -= 1
            degree[key - household * n] -= 1
            made_on[made_day[i]] -= 1
            if k != run:
                _shift(keys, k, run, i - run)
                _shift(strength, k, run, i - run)
                _shift(made_day, k, run, i - run)
            k += i - run
            run = i + 1
        else:
            strongest = max(strongest, s)
    if k != run:
        _shift(keys, k, run, m - run)
        _shift(strength, k, run, m - run)
        _shift(made_day, k, run, m - run)
    k += m - run
    if drawn:
        words[0], words[1] = hi, lo
    return k, strongest
