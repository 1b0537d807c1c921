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
def stable_argsort(keys):
    """np.argsort(keys, kind="stable") for float keys without NaN: a bucket sort (keys spread evenly over about n/2
    buckets by value, then sorted by insertion inside each), linear in n for the smooth distributions of arrival
    times; equal keys keep their index order."""
    n = len(keys)
    out = np.empty(n, np.int64)
    if n == 0:
        return out
    lo, hi = keys.min(), keys.max()
    n_buckets = max(1, n // 2)
    span = hi - lo
    scale = n_buckets / span if span > 0 else 0.0
    count = np.zeros(n_buckets + 1, np.int64)
    bucket = np.empty(n, np.int64)
    for i in range(n):
        b = min(int((keys[i] - lo) * scale), n_buckets - 1)  # never decreases as the key grows
        bucket[i] = b
        count[b + 1] += 1
    for b in range(n_buckets):
        count[b + 1] += count[b]
    pos = count[:-1].copy()
    sorted_keys = np.empty(n, keys.dtype)
    for i in range(n):  # in index order, so each bucket starts in index order
        p = pos[bucket[i]]
        out[p] = i
        sorted_keys[p] = keys[i]
        pos[bucket[i]] = p + 1
    for b in range(n_buckets):
        start, end = count[b], count[b + 1]
        for j in range(start + 1, end):
            index, key = out[j], sorted_keys[j]
            k = j - 1
            while k >= start and sorted_keys[k] > key:  # strictly greater: equal keys stay in index order
                out[k + 1] = out[k]
                sorted_keys[k + 1] = sorted_keys[k]
                k -= 1
            out[k + 1] = index
            sorted_keys[k + 1] = key
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
