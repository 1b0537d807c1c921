"""Orderings the model needs over millions of households, compiled: households or orders grouped by compound or
site, and sorted by a key within each group (leaders' emergence). Each gives exactly the order numpy's stable sorts
give (ties in index order), several times faster on a full city (sorting there was most of a day's cost: see
benchmarks/). The sorts carry two integer arrays along with the keys (an index and one more value), so that the
loops that read the sorted households read memory in order.

numba is a dependency; without it the same functions run as plain Python (slowly), with the same answers.
"""

from __future__ import annotations

import numpy as np

from lockdown_sim.sim.parallel import njit  # numba, or plain Python without it


@njit(cache=True)
def sort_bucket(keys, index, value, out_keys, out_index, out_value, start, n):
    """keys[start:start + n], with their index and value, sorted by key into out_*[start:start + n]: spread evenly
    over about n/2 buckets by key, then sorted by insertion inside each; equal keys keep their order."""
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
        out_keys[p], out_index[p], out_value[p] = keys[i], index[i], value[i]
        pos[b] += 1
    for b in range(n_buckets):
        first, end = start + count[b], start + count[b + 1]
        for j in range(first + 1, end):
            key, i, v = out_keys[j], out_index[j], out_value[j]
            k = j - 1
            while k >= first and out_keys[k] > key:  # strictly greater: equal keys keep their order
                out_keys[k + 1], out_index[k + 1], out_value[k + 1] = out_keys[k], out_index[k], out_value[k]
                k -= 1
            out_keys[k + 1], out_index[k + 1], out_value[k + 1] = key, i, v


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


@njit(cache=True)
def stable_argsort_within(groups, keys, n_groups):
    """np.lexsort((keys, groups)): by group (a small non-negative int), then by key, ties in index order."""
    n = len(groups)
    by_group, starts = group_stably(groups, n_groups)
    group_keys = keys[by_group]
    nothing = np.zeros(n, np.int8)
    out, out_keys, out_nothing = np.empty(n, np.int64), np.empty(n, keys.dtype), np.empty(n, np.int8)
    for g in range(n_groups):
        sort_bucket(group_keys, by_group, nothing, out_keys, out, out_nothing, starts[g], starts[g + 1] - starts[g])
    return out
