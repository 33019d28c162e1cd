"""float16 as PyTorch's CPU computes it: each kernel reads float16, computes in float32 (its
"opmath" type) and rounds the result to float16 once. NumPy's float16 arithmetic rounds after
every step instead, so an op whose forward or backward takes several steps (softmax, sigmoid,
tanh's backward, a matmul's sum of products) must widen its float16 operands first.

    widen_array(a)      a as float32 if it is float16, else a itself (no copy)
    add_reduce(a, ...)  a sum that accumulates float16 in float32 and rounds once
    widen(*tensors)     the same for Tensors, through differentiable casts (double backward)
"""

from __future__ import annotations

import numpy as np


def widen_array(a: np.ndarray) -> np.ndarray:
    """`a` in float32 when it is float16 (round the result back with `.astype(dtype)`)."""
    return a.astype(np.float32) if a.dtype == np.float16 else a


def add_reduce(a: np.ndarray, axis, keepdims: bool, dtype=None) -> np.ndarray:
    """`np.add.reduce` (what np.sum calls, minus its Python-level argument handling); float16
    accumulates in float32 and is rounded once, as PyTorch's CPU sum does."""
    acc = np.float32 if dtype is None and a.dtype == np.float16 else dtype
    out = np.add.reduce(a, axis=axis, dtype=acc, keepdims=keepdims)
    return out if acc is dtype else out.astype(np.float16)


def widen(*tensors):
    """The Tensors in float32 where they are float16; the others unchanged. A backward that
    calls it ends with `.to(grad.dtype)`, the one rounding PyTorch's fused kernel makes."""
    return tuple(t.float() if t._data.dtype == np.float16 else t for t in tensors)
