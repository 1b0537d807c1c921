"""numpy's float sums, compiled: the same additions in the same order, so the same numbers bit for bit, for loops
that must give what the numpy they replace gave (a run's numbers may not move by a rounding).

numpy adds a float array up pairwise (numpy/_core/src/umath/loops_utils.h.src, `pairwise_sum`): blocks of up to 128
values in eight running sums, longer runs split in two. `a.sum()` of a contiguous float64 array is its identity
(0.0) plus the pairwise sum of the whole array; `a.sum(dtype=np.float64)` of a float32 array goes through numpy's
casting buffer, 8,192 values at a time, each block's pairwise sum added to the running total; `np.add.reduceat(a,
starts, dtype=np.float64)` starts each segment from its first value and adds the pairwise sum of the rest.
tests/test_speed_equivalence.py checks each against numpy.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import njit


@njit(cache=True)
def _block(a, first, n):
    """numpy's pairwise_sum of a block of at most 128 values: one running sum below 8, else eight."""
    if n < 8:
        res = -0.0
        for i in range(first, first + n):
            res += np.float64(a[i])
        return res
    r0, r1, r2, r3 = np.float64(a[first]), np.float64(a[first + 1]), np.float64(a[first + 2]), np.float64(a[first + 3])
    r4, r5, r6, r7 = np.float64(a[first + 4]), np.float64(a[first + 5]), np.float64(a[first + 6]), np.float64(a[first + 7])
    i = first + 8
    stop = first + n - (n % 8)
    while i < stop:
        r0, r1, r2, r3 = r0 + a[i], r1 + a[i + 1], r2 + a[i + 2], r3 + a[i + 3]
        r4, r5, r6, r7 = r4 + a[i + 4], r5 + a[i + 5], r6 + a[i + 6], r7 + a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < first + n:
        res += np.float64(a[i])
        i += 1
    return res


@njit(cache=True)
def pairwise_sum(a, first, n):
    """numpy's pairwise_sum of a[first:first + n], in float64: a run longer than 128 values is split in two (the
    first half a multiple of 8) and the halves' sums added. numpy recurses; here the same tree is walked with a
    stack (numba's cache cannot load a recursive function called from another file's)."""
    if n <= 128:
        return _block(a, first, n)
    seg_first, seg_n, stage = np.empty(64, np.int64), np.empty(64, np.int64), np.zeros(64, np.int64)
    sums = np.empty(64)
    top, n_sums = 0, 0
    seg_first[0], seg_n[0] = first, n
    while top >= 0:
        f, m = seg_first[top], seg_n[top]
        if m <= 128:
            sums[n_sums] = _block(a, f, m)
            n_sums += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top] == 0:  # the first half
            stage[top] = 1
            top += 1
            seg_first[top], seg_n[top], stage[top] = f, half, 0
        elif stage[top] == 1:  # then the second
            stage[top] = 2
            top += 1
            seg_first[top], seg_n[top], stage[top] = f + half, m - half, 0
        else:  # their sums added
            sums[n_sums - 2] = sums[n_sums - 2] + sums[n_sums - 1]
            n_sums -= 1
            top -= 1
    return sums[0]


@njit(cache=True)
def sum_float64(a):
    """`a.sum()` of a contiguous float64 array."""
    return 0.0 + pairwise_sum(a, 0, len(a))


def sum_as_float64(a):
    """`a.sum(dtype=np.float64)` of a contiguous float32 array (numpy's casting buffer: np.getbufsize() values at a
    time, 8,192 by default).
    Only float32: numpy sums a float64 array whole, not in buffers, so the same blocks would give other low bits."""
    if a.dtype != np.float32:
        raise TypeError(f"sum_as_float64 takes a float32 array, not {a.dtype}: use sum_float64")
    return _sum_as_float64(a, np.getbufsize())  # numpy's buffer now (np.setbufsize changes it)


@njit(cache=True)
def _sum_as_float64(a, buffer):
    """sum_as_float64's loop: pairwise sums of `buffer` values at a time, added in order."""
    total = 0.0
    for first in range(0, len(a), buffer):
        total += pairwise_sum(a, first, min(buffer, len(a) - first))
    return total


@njit(cache=True)
def segment_sum(a, first, end):
    """One segment of `np.add.reduceat(a, starts, dtype=np.float64)`: a[first:end] from its first value (a[first]
    alone when the segment is empty, as reduceat gives)."""
    if end <= first:
        return np.float64(a[first])
    return np.float64(a[first]) + pairwise_sum(a, first + 1, end - first - 1)
