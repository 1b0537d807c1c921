"""Orderings the model needs over millions of households, compiled: the arrival order of a slot sale and the
booking order of compound group orders. Each gives exactly the order numpy's stable sorts give (ties in index
order), several times faster on a full city (sorting there was most of a day's cost: see benchmarks/).

numba is a dependency; without it the same functions run as plain Python (slowly), with the same answers.
"""

from __future__ import annotations

import numpy as np

try:
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency
    def njit(*args, **kwargs):
        return (lambda f: f) if not (len(args) == 1 and callable(args[0])) else args[0]


@njit(cache=True)
def _bucket_sort(keys, index, out_index, out_keys, start, n):
    """keys[start:start + n] (with their index) sorted into out_index/out_keys[start:start + n]: spread evenly over
    about n/2 buckets by value, then sorted by insertion inside each; equal keys keep their order."""
    if n == 0:
        return
    lo, hi = keys[start], keys[start]
    for i in range(start, start + n):
        lo, hi = min(lo, keys[i]), max(hi, keys[i])
    n_buckets = max(1, n // 2)
    span = hi - lo
    scale = n_buckets / span if span > 0 else 0.0
    count = np.zeros(n_buckets + 1, np.int64)
    for i in range(start, start + n):
        count[min(int((keys[i] - lo) * scale), n_buckets - 1) + 1] += 1  # never decreases as the key grows
    for b in range(n_buckets):
        count[b + 1] += count[b]
    pos = count[:-1].copy()
    for i in range(start, start + n):
        b = min(int((keys[i] - lo) * scale), n_buckets - 1)
        p = start + pos[b]
        out_index[p], out_keys[p] = index[i], keys[i]
        pos[b] += 1
    for b in range(n_buckets):
        first, end = start + count[b], start + count[b + 1]
        for j in range(first + 1, end):
            i, key = out_index[j], out_keys[j]
            k = j - 1
            while k >= first and out_keys[k] > key:  # strictly greater: equal keys keep their order
                out_index[k + 1], out_keys[k + 1] = out_index[k], out_keys[k]
                k -= 1
            out_index[k + 1], out_keys[k + 1] = i, key


@njit(cache=True)
def stable_argsort(keys):
    """np.argsort(keys, kind="stable") for float64 keys without NaN, linear in n for the smooth distributions of
    arrival times. Many keys are first spread by the top bits of their float representation (which grow with the
    number for non-negative floats) into buckets of about a thousand, each then sorted in cache."""
    n = len(keys)
    out = np.empty(n, np.int64)
    out_keys = np.empty(n, keys.dtype)
    if n < 65536 or keys.min() < 0:
        _bucket_sort(keys, np.arange(n), out, out_keys, 0, n)
        return out
    bits = keys.view(np.uint64)
    low, span = bits.min(), bits.max() - bits.min()
    n_buckets = max(1, n // 1024)
    shift = np.uint64(0)
    while (span >> shift) >= n_buckets:
        shift += np.uint64(1)
    count = np.zeros(n_buckets + 2, np.int64)
    for i in range(n):
        count[int((bits[i] - low) >> shift) + 1] += 1
    for b in range(n_buckets + 1):
        count[b + 1] += count[b]
    pos = count[:-1].copy()
    spread_index = np.empty(n, np.int64)
    spread_keys = np.empty(n, keys.dtype)
    for i in range(n):  # in index order, so each bucket starts in index order
        b = int((bits[i] - low) >> shift)
        spread_index[pos[b]], spread_keys[pos[b]] = i, keys[i]
        pos[b] += 1
    for b in range(n_buckets + 1):
        _bucket_sort(spread_keys, spread_index, out, out_keys, count[b], count[b + 1] - count[b])
    return out


@njit(cache=True)
def stable_argsort_within(groups, keys, n_groups):
    """np.lexsort((keys, groups)): by group (a small non-negative int), then by key, ties in index order."""
    n = len(groups)
    count = np.zeros(n_groups + 1, np.int64)
    for i in range(n):
        count[groups[i] + 1] += 1
    for g in range(n_groups):
        count[g + 1] += count[g]
    pos = count[:-1].copy()
    by_group = np.empty(n, np.int64)
    for i in range(n):
        by_group[pos[groups[i]]] = i
        pos[groups[i]] += 1
    out = np.empty(n, np.int64)
    for g in range(n_groups):
        start, end = count[g], count[g + 1]
        if end - start > 1:
            members = by_group[start:end]
            out[start:end] = members[np.argsort(keys[members], kind="mergesort")]
        elif end > start:
            out[start] = by_group[start]
    return out


@njit(cache=True)
def group_stably(groups, n_groups):
    """Indices 0..n-1 grouped by `groups` (small non-negative ints), each group in index order, and where each group
    starts (n_groups + 1 entries): a stable counting sort."""
    n = len(groups)
    starts = np.zeros(n_groups + 1, np.int64)
    for i in range(n):
        starts[groups[i] + 1] += 1
    for g in range(n_groups):
        starts[g + 1] += starts[g]
    pos = starts[:-1].copy()
    order = np.empty(n, np.int64)
    for i in range(n):
        order[pos[groups[i]]] = i
        pos[groups[i]] += 1
    return order, starts
