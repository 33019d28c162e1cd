"""Argument helpers shared by the `torch.<name>(...)` functions (functions.py and the
`_functions_*` modules): PyTorch's TypeError for a non-tensor where a tensor belongs, and the
small tensors their index arithmetic builds.
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor

_make = Tensor._make


def _tensor(x, name: str, arg: str = "input", pos: int | None = None) -> Tensor:
    """`x`, which must be a tensor: PyTorch's TypeError naming the argument otherwise (a
    number has no method to call, and AttributeError from inside the call would mislead)."""
    if isinstance(x, Tensor):
        return x
    pos = pos or (1 if arg in ("input", "tensors", "x1", "a") else 2)
    raise TypeError(
        f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}"
    )


def _tensors(args, name: str) -> list:
    """f(a, b) and f([a, b]) alike."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    return [_tensor(t, name, "tensors") for t in args]


def _long(values) -> Tensor:
    """An int64 tensor of `values` (indices)."""
    return _make(np.asarray(values, dtype=np.int64))


def _zeros(shape, like: Tensor) -> Tensor:
    """Zeros of `shape` in like's dtype."""
    return _make(np.zeros(tuple(shape), dtype=like._data.dtype))
