"""Draws of a named stream (numpy's PCG64 Generator, sim/streams.py) made inside compiled loops: the same numbers,
bit for bit, that the Generator's own methods give from the same state, and the Generator left in the same state.

numpy makes each gamma variate through two calls by function pointer (the normal, then the uniform) and a draw
from its bit generator through a third; the slot sale's arrivals (sim/slot_sale.py) are over a million a run.
Here the generator's 128-bit state is copied into four unsigned 64-bit words, stepped inline, and written back.
The algorithms are numpy's (numpy/random/src/distributions/distributions.c: Marsaglia and Tsang's gamma for a
shape above 1 on the ziggurat normal), with numpy's ziggurat tables as numba carries them; tests/
test_speed_equivalence.py compares them with the Generator's methods. Without numba, or for a generator this
does not know, the Generator's own methods are used.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from lockdown_sim.sim.parallel import njit, threads_on

try:
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic
    from numba.np.random._constants import fi_double, ki_double, wi_double

    @intrinsic
    def _mul_hi(typingctx, a, b):
        """The high 64 bits of the 128-bit product of two unsigned 64-bit words."""
        def codegen(context, builder, signature, args):
            wide = ir.IntType(128)
            product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
            return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))
        return types.uint64(types.uint64, types.uint64), codegen

    COMPILED = True
except ImportError:  # pragma: no cover - numba is a dependency
    COMPILED = False

_MULT_HI = np.uint64(0x2360ED051FC65DA4)  # PCG's default 128-bit multiplier (numpy's pcg64.h)
_MULT_LO = np.uint64(0x4385DF649FCCF645)
_NOR_R = 3.6541528853610087963519472518
_NOR_INV_R = 0.27366123732975827203338247596
_MASK64 = (1 << 64) - 1


def draws_compiled(rng) -> bool:
    """Whether this module's compiled draws can stand in for `rng`'s (numba and its copy of numpy's ziggurat
    tables are there, and the generator is numpy's PCG64)."""
    state = getattr(getattr(rng, "bit_generator", None), "state", None)
    return COMPILED and isinstance(state, dict) and state.get("bit_generator") == "PCG64"


def pcg_state(rng: np.random.Generator) -> np.ndarray:
    """The generator's PCG64 state and increment as four words (state high, low, increment high, low)."""
    st = rng.bit_generator.state["state"]
    return np.array([st["state"] >> 64, st["state"] & _MASK64, st["inc"] >> 64, st["inc"] & _MASK64],
                    dtype=np.uint64)


def set_pcg_state(rng: np.random.Generator, words: np.ndarray) -> None:
    """Put the state stepped in compiled code back into the generator (its buffered 32-bit half is untouched:
    64-bit draws neither use nor change it)."""
    full = rng.bit_generator.state
    full["state"] = {"state": (int(words[0]) << 64) | int(words[1]), "inc": (int(words[2]) << 64) | int(words[3])}
    rng.bit_generator.state = full


@contextmanager
def pcg_words(rng: np.random.Generator):
    """The generator's state as words (pcg_state) for compiled code to draw from, put back into the generator when
    the block ends, also when it ends by an exception (the draws taken so far stay taken), and under the bit
    generator's lock, as numpy's own methods draw."""
    with rng.bit_generator.lock:
        words = pcg_state(rng)
        try:
            yield words
        finally:
            set_pcg_state(rng, words)


if COMPILED:
    @njit(cache=True, inline="always")
    def step(hi, lo, inc_hi, inc_lo):
        """numpy's pcg64_next64: one step of the 128-bit LCG (state hi:lo, increment inc_hi:inc_lo), then the
        XSL-RR output of the new state. Returns (new hi, new lo, the 64-bit draw)."""
        new_lo = lo * _MULT_LO
        new_hi = _mul_hi(lo, _MULT_LO) + lo * _MULT_HI + hi * _MULT_LO
        out_lo = new_lo + inc_lo
        out_hi = new_hi + inc_hi + (np.uint64(1) if out_lo < new_lo else np.uint64(0))
        x = out_hi ^ out_lo
        rot = out_hi >> np.uint64(58)
        return out_hi, out_lo, (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
else:  # pragma: no cover
    step = None


@njit(cache=True, inline="always")
def _times(a_hi, a_lo, b_hi, b_lo):
    """a * b modulo 2**128, each as (high word, low word)."""
    return _mul_hi(a_lo, b_lo) + a_lo * b_hi + a_hi * b_lo, a_lo * b_lo


@njit(cache=True, inline="always")
def _plus(a_hi, a_lo, b_hi, b_lo):
    """a + b modulo 2**128."""
    lo = a_lo + b_lo
    return a_hi + b_hi + (np.uint64(1) if lo < a_lo else np.uint64(0)), lo


@njit(cache=True)
def advance(hi, lo, inc_hi, inc_lo, delta):
    """The state `delta` steps on (numpy's pcg64_advance, PCG's jump ahead in log2(delta) steps): for draws a loop
    does not need, e.g. `rng.random(n)`'s for households that do not look at theirs."""
    one, zero = np.uint64(1), np.uint64(0)
    acc_m_hi, acc_m_lo, acc_p_hi, acc_p_lo = zero, one, zero, zero
    cur_m_hi, cur_m_lo, cur_p_hi, cur_p_lo = _MULT_HI, _MULT_LO, inc_hi, inc_lo
    delta = np.uint64(delta)
    while delta > zero:
        if delta & one:
            acc_m_hi, acc_m_lo = _times(acc_m_hi, acc_m_lo, cur_m_hi, cur_m_lo)
            p_hi, p_lo = _times(acc_p_hi, acc_p_lo, cur_m_hi, cur_m_lo)
            acc_p_hi, acc_p_lo = _plus(p_hi, p_lo, cur_p_hi, cur_p_lo)
        m1_hi, m1_lo = _plus(cur_m_hi, cur_m_lo, zero, one)
        cur_p_hi, cur_p_lo = _times(m1_hi, m1_lo, cur_p_hi, cur_p_lo)
        cur_m_hi, cur_m_lo = _times(cur_m_hi, cur_m_lo, cur_m_hi, cur_m_lo)
        delta >>= one
    s_hi, s_lo = _times(acc_m_hi, acc_m_lo, hi, lo)
    return _plus(s_hi, s_lo, acc_p_hi, acc_p_lo)


@njit(cache=True, inline="always")
def to_double(draw):
    """numpy's next_double from a 64-bit draw: its top 53 bits, in [0, 1)."""
    return np.float64(draw >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def gammas_from_words(s, shape, scale, n):
    """n draws of numpy's random_gamma for a shape above 1 (scale times Marsaglia and Tsang's standard gamma on
    numpy's ziggurat normal, random_standard_normal), from the state s (updated). One function, its loops nested
    as numpy's calls are, so that the state stays in registers."""
    hi, lo, inc_hi, inc_lo = s[0], s[1], s[2], s[3]
    b = shape - 1. / 3.
    c = 1. / np.sqrt(9 * b)
    out = np.empty(n)
    for i in range(n):
        while True:  # the gamma's rejection loop
            while True:  # a normal x with 1 + c x > 0
                while True:  # the ziggurat
                    hi, lo, r = step(hi, lo, inc_hi, inc_lo)
                    idx = np.int64(r & np.uint64(0xFF))
                    r >>= np.uint64(8)
                    rabs = (r >> np.uint64(1)) & np.uint64(0x000FFFFFFFFFFFFF)
                    x = np.float64(rabs) * wi_double[idx]
                    if r & np.uint64(1):
                        x = -x
                    if rabs < ki_double[idx]:
                        break
                    if idx == 0:
                        while True:
                            hi, lo, r1 = step(hi, lo, inc_hi, inc_lo)
                            xx = -_NOR_INV_R * np.log1p(-to_double(r1))
                            hi, lo, r2 = step(hi, lo, inc_hi, inc_lo)
                            yy = -np.log1p(-to_double(r2))
                            if yy + yy > xx * xx:
                                break
                        x = -(_NOR_R + xx) if (rabs >> np.uint64(8)) & np.uint64(1) else _NOR_R + xx
                        break
                    hi, lo, r1 = step(hi, lo, inc_hi, inc_lo)
                    if (fi_double[idx - 1] - fi_double[idx]) * to_double(r1) + fi_double[idx] < np.exp(-0.5 * x * x):
                        break
                v = 1.0 + c * x
                if v > 0.0:
                    break
            v = v * v * v
            hi, lo, r = step(hi, lo, inc_hi, inc_lo)
            u = to_double(r)
            if u < 1.0 - 0.0331 * (x * x) * (x * x):
                break
            if np.log(u) < 0.5 * x * x + b * (1. - v + np.log(v)):
                break
        out[i] = scale * (b * v)
    s[0], s[1] = hi, lo
    return out


def gammas(rng: np.random.Generator, shape: float, scale: float, n: int) -> np.ndarray:
    """`rng.gamma(shape, scale, n)`, the same numbers and the same state after, compiled (a shape above 1)."""
    if not (draws_compiled(rng) and shape > 1.0 and scale >= 0.0):
        return rng.gamma(shape, scale, n)
    with stream_words(rng) as s:
        return gammas_from_words(s, float(shape), float(scale), int(n))


# --- the community's day (speed round 4): numpy's bounded 64-bit integers ----------------------------------------
@njit(cache=True, inline="always")
def bounded_from_words(s, low, span):
    """One draw of `rng.integers(low, low + span, dtype=np.int64)` for a span above 2**32 from the state s (updated
    in place): numpy's bounded_lemire_uint64 (Lemire's multiply-shift with rejection,
    numpy/random/src/distributions/distributions.c), which Generator.integers uses for 64-bit integers."""
    excl = np.uint64(span)
    hi, lo, inc_hi, inc_lo = s[0], s[1], s[2], s[3]
    hi, lo, r = step(hi, lo, inc_hi, inc_lo)
    leftover = r * excl
    if leftover < excl:
        threshold = (np.uint64(0xFFFFFFFFFFFFFFFF) - (excl - np.uint64(1))) % excl
        while leftover < threshold:
            hi, lo, r = step(hi, lo, inc_hi, inc_lo)
            leftover = r * excl
    s[0], s[1] = hi, lo
    return np.int64(low) + np.int64(_mul_hi(r, excl))


# --- speed round 4, one uniform per household a day (chat groups, leader emergence, volunteers, shops): the stream's
# state read and written in the generator's own memory, and the day's uniforms made only where a loop looks ---

if COMPILED:
    @intrinsic
    def _word_at(typingctx, address, k):
        """The k-th unsigned 64-bit word of memory from `address`."""
        def codegen(context, builder, signature, args):
            pointer = builder.inttoptr(args[0], ir.IntType(64).as_pointer())
            return builder.load(builder.gep(pointer, [args[1]]))
        return types.uint64(types.intp, types.intp), codegen

    @intrinsic
    def _put_word(typingctx, address, k, value):
        """Write `value` as the k-th unsigned 64-bit word of memory from `address`."""
        def codegen(context, builder, signature, args):
            pointer = builder.inttoptr(args[0], ir.IntType(64).as_pointer())
            builder.store(args[2], builder.gep(pointer, [args[1]]))
            return context.get_dummy_value()
        return types.void(types.intp, types.intp, types.uint64), codegen


@njit(cache=True)
def _read_words(address, order, words):
    """The PCG64 state and increment (high, low, high, low) into words[:4], from the bit generator's state struct at
    `address` (numpy's pcg64_state: first a pointer to the pcg64_random_t, whose four words are in memory as
    `order` says)."""
    where = np.intp(_word_at(address, 0))
    for k in range(4):
        words[k] = _word_at(where, order[k])


@njit(cache=True)
def _write_words(address, order, words):
    """The state (words[0], words[1]) back into the bit generator's memory (the increment does not change)."""
    where = np.intp(_word_at(address, 0))
    _put_word(where, order[0], words[0])
    _put_word(where, order[1], words[1])


_ORDER: dict[str, np.ndarray | None] = {}


def _memory_order() -> np.ndarray | None:
    """Where numpy's pcg64_random_t keeps the state's and increment's high and low words: (1, 0, 3, 2) with a
    native 128-bit integer on a little-endian machine, (0, 1, 2, 3) with numpy's emulated one; found once by
    comparing a generator's memory with its `state`, None (then the `state` dict is used) if neither fits."""
    if "order" not in _ORDER:
        _ORDER["order"] = None
        if COMPILED:
            bit_generator = np.random.PCG64(20220328)
            bit_generator.random_raw(3)
            expected = pcg_state(np.random.Generator(bit_generator))
            for order in ((1, 0, 3, 2), (0, 1, 2, 3)):
                order = np.array(order, dtype=np.intp)
                words = np.zeros(4, np.uint64)
                _read_words(bit_generator.ctypes.state_address, order, words)
                if np.array_equal(words, expected):
                    _ORDER["order"] = order
                    break
    return _ORDER["order"]


def _in_memory(rng) -> bool:
    """Whether `rng`'s state can be read and written in place: numpy's PCG64 (exactly), compiled, a known layout."""
    return COMPILED and type(getattr(rng, "bit_generator", None)) is np.random.PCG64 and _memory_order() is not None


@contextmanager
def stream_words(rng: np.random.Generator):
    """`pcg_words(rng)` (the same four words, put back the same way, under the generator's lock), read from and
    written to the bit generator's own memory: the `state` dict's round trip costs tens of microseconds, about as
    much as drawing a few thousand uniforms. pcg_words where the memory's layout is not known."""
    if not _in_memory(rng):
        with pcg_words(rng) as words:
            yield words
        return
    bit_generator = rng.bit_generator
    with bit_generator.lock:
        address, order = bit_generator.ctypes.state_address, _ORDER["order"]
        words = np.empty(4, np.uint64)
        _read_words(address, order, words)
        try:
            yield words
        finally:
            _write_words(address, order, words)


NO_VALUES = np.empty(0)
NO_CURSOR = np.empty(0, np.uint64)


class uniforms:  # noqa: N801 - used as a function: `with uniforms(rng, n) as (values, cursor)`
    """The day's `rng.random(n)` for a compiled loop that looks at some of them, in increasing order of their
    index (a household's the same one again at most), through `uniform(values, cursor, i)`: yields (values,
    cursor). Compiled, on one core: values is empty and cursor the stream's state (`uniform` makes the i-th draw
    when looked at, jumping over those not looked at), and the stream ends n draws on, as rng.random(n) leaves it,
    however the block ends. Otherwise (threads on: a parallel loop looks in no set order; a generator this module
    does not know): values is rng.random(n), cursor empty. One block per generator at a time. (A class, not a
    generator function: it is entered a few times a day, and contextlib's machinery cost more than the draws.)"""

    __slots__ = ("_rng", "_n", "_lock", "_address", "_cursor")

    def __init__(self, rng: np.random.Generator, n: int):
        self._rng, self._n, self._lock = rng, n, None

    def __enter__(self):
        rng = self._rng
        if not (_in_memory(rng) and not threads_on()):
            return rng.random(self._n), NO_CURSOR
        bit_generator = rng.bit_generator
        self._lock = bit_generator.lock
        self._lock.acquire()
        try:
            self._address = bit_generator.ctypes.state_address
            # state high, low, increment high, low, draws made, the last draw, 1 if asked out of order
            self._cursor = np.zeros(7, np.uint64)
            _read_words(self._address, _ORDER["order"], self._cursor)
        except BaseException:
            self._lock.release()
            raise
        return NO_VALUES, self._cursor

    def __exit__(self, *exc):
        if self._lock is not None:
            try:
                _close_cursor(self._cursor, self._n, self._address, _ORDER["order"])
            finally:
                self._lock.release()
            if self._cursor[6]:
                raise ValueError("uniform: draws must be looked at in increasing order of their index")
        return False


@njit(cache=True)
def _close_cursor(cursor, n, address, order):
    """Jump the cursor's stream to n draws made and write its state back into the generator's memory."""
    made = np.int64(cursor[4])
    if n > made:
        cursor[0], cursor[1] = advance(cursor[0], cursor[1], cursor[2], cursor[3], n - made)
        cursor[4] = np.uint64(n)
    _write_words(address, order, cursor)


@njit(cache=True, inline="always")
def uniform(values, cursor, i):
    """The i-th of the day's uniforms from `uniforms`: values[i], or, with a cursor, numpy's next_double of the
    stream's i-th draw, made now."""
    if len(cursor) == 0:
        return values[i]
    return to_double(_draw_at(cursor, i))


@njit(cache=True, inline="always")
def _draw_at(cursor, i):
    """The stream's i-th 64-bit draw of the day: the last one made again, or made after jumping (advance) or
    stepping over those between. An index below the last one's is an error (its draw is gone): noted in the
    cursor, and `uniforms` raises it when the block ends (not raised here: a loop that may raise is not run in
    parallel by numba)."""
    made = np.int64(cursor[4])
    if i < made:
        if i != made - 1:
            cursor[6] = np.uint64(1)
        return cursor[5]
    hi, lo, inc_hi, inc_lo = cursor[0], cursor[1], cursor[2], cursor[3]
    if i - made > 16:
        hi, lo = advance(hi, lo, inc_hi, inc_lo, i - made)
        made = i
    draw = np.uint64(0)
    while made <= i:
        hi, lo, draw = step(hi, lo, inc_hi, inc_lo)
        made += 1
    cursor[0], cursor[1], cursor[4], cursor[5] = hi, lo, np.uint64(made), draw
    return draw
