"""The swaps of PyTorch's `randperm`, replayed with sorts and gathers instead of a loop.

`random.randperm_array` draws the random numbers; these functions turn them into the
permutation PyTorch's CPU kernel builds from the same numbers.
"""

from __future__ import annotations

import numpy as np


def apply_swaps(targets: np.ndarray) -> np.ndarray:
    """r after `for i in range(n): r[i], r[targets[i]] = r[targets[i]], r[i]` from r = range(n),
    for targets[i] >= i, without a Python loop over n.

    Step i fixes r[i] for good: it takes the value at position targets[i], which is the value
    the last earlier step with the same target moved there, or targets[i] itself if none did.
    The value step t moved there, a[t], is the one at position t just before step t: again the
    value of the last earlier step that targeted t, or t. Those "last earlier step" links form
    trees whose roots are their own values, so pointer jumping finds every a[t] at once.
    """
    n = targets.size
    steps = np.arange(n, dtype=np.int64)
    # steps grouped by target, in time order: sort (target, step) pairs packed in one int64
    keys = np.sort((targets << 32) | steps)
    order, grouped = keys & 0xFFFFFFFF, keys >> 32
    repeat = grouped[1:] == grouped[:-1]
    earlier = np.full(n, -1, dtype=np.int64)  # the previous step with the same target
    earlier[order[1:][repeat]] = order[:-1][repeat]
    final = np.append(~repeat, True)
    last = np.full(n, -1, dtype=np.int64)  # the last step that targeted each position
    last[grouped[final]] = order[final]
    # the last step before t that targeted position t (steps targeting t all come at or before t)
    parent = np.where(last == steps, earlier, last)
    value = np.where(parent < 0, steps, parent)
    while True:
        jumped = value[value]
        if np.array_equal(jumped, value):
            break
        value = jumped
    return np.where(earlier < 0, targets, value[earlier])


def randperm_inside_out(gen, n: int) -> np.ndarray:
    """PyTorch's randperm for huge n: r[i] = r[z]; r[z] = i with z = random64() % (i + 1)."""
    picks = (gen._random64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
    perm = list(range(n))
    for i, z in enumerate(picks):
        perm[i] = perm[z]
        perm[z] = i
    return np.array(perm, dtype=np.int64)
