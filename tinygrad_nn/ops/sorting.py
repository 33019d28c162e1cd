"""Sorting and selection on arrays: the orders that sort, topk, kthvalue, median and mode
pick, with PyTorch's CPU tie-breaking and NaN placement.

No Function lives here. The ops built on these orders take their values with `gather`, so
their gradient is gather's (the gradient scattered back to the picked index, as PyTorch's
value-selecting backward does) and second derivatives come with it.

| op        | order                                                 | dL/dx               |
|-----------|-------------------------------------------------------|---------------------|
| sort      | stable; NaN counts as the largest value                | g to the indices    |
| topk      | libstdc++ nth_element at k-1, then std::sort of k-1    | g to the indices    |
| kthvalue  | PyTorch's own quickselect                              | g at the index      |
| median    | k-th of the stable order; NaN wins (median) or is      | g at the index      |
|           | skipped (nanmedian)                                    |                     |
| mode      | most frequent, smallest on count ties, last of its run | g at the index      |
| cummax/in | latest index of the running extreme; NaN takes over    | g to the indices    |

Which of several equal values an op returns the index of is whatever PyTorch's CPU kernel's
algorithm leaves there, so those algorithms are followed step by step (on Python lists: the
rows are walked one by one, which is slow for big inputs but exact).
"""

from __future__ import annotations

import math

import numpy as np


def sort_order(a: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """Indices that sort `a` along dim, stably. NaN is the largest value (last ascending,
    first descending); equal values keep their original order either way."""
    if a.ndim == 0:
        return np.zeros((), np.int64)
    if a.dtype == np.bool_:
        a = a.view(np.uint8)
    if not descending:
        return np.argsort(a, axis=dim, kind="stable").astype(np.int64)
    # Descending and stable: sort the reversed array ascending, reverse the result, and map
    # the positions back. Ties then come out in their original order, NaN first.
    n = a.shape[dim]
    rev = np.flip(a, dim)
    order = np.flip(np.argsort(rev, axis=dim, kind="stable"), dim)
    return (n - 1 - order).astype(np.int64)


_isnan = math.isnan  # takes Python ints and bools too (the rows come from tolist())


def _greater(x, y) -> bool:
    """x > y where NaN is above every number (PyTorch's gt_or_nan)."""
    return (_isnan(x) and not _isnan(y)) or x > y


def quickselect(vals: list, idx: list, k: int, above) -> None:
    """Reorder vals (and idx alongside) so position k holds the element that a full sort
    by `above` would put there, as PyTorch's CPU quickselect (median-of-three pivot) does:
    which of several equal values lands there depends on this exact sequence of swaps."""

    def swap(i, j):
        vals[i], vals[j] = vals[j], vals[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(vals) - 1
    while True:
        if hi <= lo:
            return
        if hi == lo + 1:
            if above(vals[lo], vals[hi]):
                swap(lo, hi)
            return
        mid = lo + (hi - lo) // 2
        swap(mid, lo + 1)
        if above(vals[lo + 1], vals[hi]):
            swap(lo + 1, hi)
        if above(vals[lo], vals[hi]):
            swap(lo, hi)
        if above(vals[lo + 1], vals[lo]):
            swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, vals[lo]
        while True:
            i += 1
            while above(pivot, vals[i]):
                i += 1
            j -= 1
            while above(vals[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


def _rows(a: np.ndarray, dim: int) -> np.ndarray:
    """`a` with dim moved last and the rest flattened: one row per slice along dim."""
    n = a.shape[dim]
    return np.moveaxis(a, dim, -1).reshape(
        a.size // n if n else int(np.prod([m for i, m in enumerate(a.shape) if i != dim])), n
    )


def _unrows(rows: np.ndarray, shape: tuple, dim: int) -> np.ndarray:
    """Undo _rows for a result with `rows.shape[1]` entries along dim."""
    lead = tuple(n for i, n in enumerate(shape) if i != dim)
    return np.moveaxis(rows.reshape(lead + (rows.shape[1],)), -1, dim)


def kth_index(a: np.ndarray, dim: int, k: int) -> np.ndarray:
    """Index of the k-th smallest (0-based) along dim, keepdim shape."""
    rows = _rows(a, dim)
    out = np.empty((rows.shape[0], 1), np.int64)
    for r, row in enumerate(rows):
        vals, idx = row.tolist(), list(range(len(row)))
        quickselect(vals, idx, k, _greater)
        out[r, 0] = idx[k]
    return _unrows(out, a.shape, dim)


def _move_median_to_first(v: list, result: int, a: int, b: int, c: int, before) -> None:
    """Swap into `result` the median of v[a], v[b], v[c] (libstdc++'s pivot choice)."""
    if before(v[a], v[b]):
        pick = b if before(v[b], v[c]) else c if before(v[a], v[c]) else a
    else:
        pick = a if before(v[a], v[c]) else c if before(v[b], v[c]) else b
    v[result], v[pick] = v[pick], v[result]


def _partition(v: list, first: int, last: int, before) -> int:
    """Hoare partition of v[first:last] around a median-of-three pivot put at v[first]."""
    _move_median_to_first(v, first, first + 1, first + (last - first) // 2, last - 1, before)
    pivot, lo, hi = v[first], first + 1, last
    while True:
        while before(v[lo], pivot):
            lo += 1
        hi -= 1
        while before(pivot, v[hi]):
            hi -= 1
        if not lo < hi:
            return lo
        v[lo], v[hi] = v[hi], v[lo]
        lo += 1


def _insertion_sort(v: list, first: int, last: int, before) -> None:
    """Stable insertion sort of v[first:last]."""
    for i in range(first + 1, last):
        item, j = v[i], i
        while j > first and before(item, v[j - 1]):
            v[j] = v[j - 1]
            j -= 1
        v[j] = item


def nth_element(v: list, nth: int, before) -> None:
    """The C++ standard library's nth_element as GCC's libstdc++ runs it (introselect), which
    PyTorch's CPU topk and median call: it decides which of several equal values ends up at
    each position. (Its heap fallback after 2 log n bad pivots is left out.)"""
    first, last = 0, len(v)
    while last - first > 3:
        cut = _partition(v, first, last, before)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(v, first, last, before)


def std_sort(v: list, first: int, last: int, before) -> None:
    """libstdc++'s std::sort (introsort: partitions down to runs of 16, then one insertion
    sort), which is not stable past 16 elements; PyTorch's topk sorts its head with it."""
    while last - first > 16:
        cut = _partition(v, first, last, before)
        std_sort(v, cut, last, before)
        last = cut
    _insertion_sort(v, first, last, before)


def _adjust_heap(v: list, hole: int, length: int, value, before) -> None:
    """libstdc++'s __adjust_heap: sift the hole down to a leaf, then push `value` up."""
    top, child = hole, hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if before(v[child], v[child - 1]):
            child -= 1
        v[hole] = v[child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        v[hole] = v[child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and before(v[parent], value):
        v[hole] = v[parent]
        hole, parent = parent, (parent - 1) // 2
    v[hole] = value


def _pop_heap(v: list, length: int, result: int, before) -> None:
    value = v[result]
    v[result] = v[0]
    _adjust_heap(v, 0, length, value, before)


def partial_sort(v: list, middle: int, before) -> None:
    """libstdc++'s std::partial_sort (a heap of the first `middle`, then heap sort), which
    PyTorch's topk runs instead of nth_element when k * 64 <= n."""
    for parent in range((middle - 2) // 2, -1, -1):
        _adjust_heap(v, parent, middle, v[parent], before)
    for i in range(middle, len(v)):
        if before(v[i], v[0]):
            _pop_heap(v, middle, i, before)
    for last in range(middle - 1, 0, -1):
        _pop_heap(v, last, last, before)


def _first_before(x, y) -> bool:
    """Larger first, NaN before every number (topk's largest=True order), on pairs."""
    return (_isnan(x[0]) and not _isnan(y[0])) or x[0] > y[0]


def _first_after(x, y) -> bool:
    """Smaller first, NaN after every number (topk's largest=False order), on pairs."""
    return (not _isnan(x[0]) and _isnan(y[0])) or x[0] < y[0]


def topk_index(a: np.ndarray, dim: int, k: int, largest: bool, ordered: bool) -> np.ndarray:
    """Indices of the k largest (smallest) along dim, in PyTorch's order: a partial sort for
    small k, else nth_element at k-1 and, when sorted, std::sort of the first k-1 (the k-th
    is in place already)."""
    rows = _rows(a, dim)
    out = np.empty((rows.shape[0], k), np.int64)
    before = _first_before if largest else _first_after
    for r, row in enumerate(rows.tolist()):
        pairs = list(zip(row, range(len(row))))
        if k and k * 64 <= len(pairs):
            partial_sort(pairs, k, before)
        elif k:
            nth_element(pairs, k - 1, before)
            if ordered:
                std_sort(pairs, 0, k - 1, before)
        out[r] = [i for _, i in pairs[:k]]
    return _unrows(out, a.shape, dim)


def median_index(a: np.ndarray, dim: int, ignore_nan: bool) -> np.ndarray:
    """Index of the lower median along dim (keepdim shape). PyTorch breaks ties between equal
    values by index, so it is the k-th of a stable sort. median: a NaN in the row is the
    answer (its first one); nanmedian: the median of the rest (NaN if the row is all NaN)."""
    rows = _rows(a, dim)
    order = np.argsort(rows, axis=-1, kind="stable")  # NaN last
    nan = np.isnan(rows) if rows.dtype.kind == "f" else np.zeros(rows.shape, bool)
    n = rows.shape[-1]
    k = (n - nan.sum(-1) - 1) // 2 if ignore_nan else np.full(rows.shape[0], (n - 1) // 2)
    k = np.maximum(k, 0)
    out = np.take_along_axis(order, k[:, None], axis=-1)
    use_nan = nan.any(-1) if not ignore_nan else nan.all(-1)
    out[use_nan, 0] = np.argmax(nan[use_nan], axis=-1)
    return _unrows(out.astype(np.int64), a.shape, dim)


def _value_before(x, y) -> bool:
    return x[0] < y[0]


def mode_index(a: np.ndarray, dim: int) -> np.ndarray:
    """Index of the most frequent value along dim (keepdim shape), the smallest such value on
    a tie of counts. PyTorch sorts (value, index) pairs by value alone with std::sort and
    takes the last pair of the run: the last occurrence, for rows of up to 16."""
    rows = _rows(a, dim)
    out = np.empty((rows.shape[0], 1), np.int64)
    for r, row in enumerate(rows.tolist()):
        pairs = list(zip(row, range(len(row))))
        std_sort(pairs, 0, len(pairs), _value_before)
        best, best_count, run = 0, 0, 0
        for i, (v, j) in enumerate(pairs):
            run += 1
            if i == len(pairs) - 1 or v != pairs[i + 1][0]:
                if run > best_count:
                    best, best_count = j, run
                run = 0
        out[r, 0] = best
    return _unrows(out, a.shape, dim)


def running_extreme_index(a: np.ndarray, dim: int, largest: bool) -> np.ndarray:
    """Indices for cummax/cummin: the latest position holding the running extreme (ties move
    the index forward); once a NaN is seen it is the extreme, and each later NaN takes over."""
    rows = _rows(a, dim)
    out = np.empty(rows.shape, np.int64)
    for r, row in enumerate(rows.tolist()):
        best, best_i = math.nan, 0
        for i, v in enumerate(row):
            if i == 0 or _isnan(v) or (not _isnan(best) and (v >= best if largest else v <= best)):
                best, best_i = v, i
            out[r, i] = best_i
    return _unrows(out, a.shape, dim)
