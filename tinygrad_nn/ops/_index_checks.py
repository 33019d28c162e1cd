"""PyTorch's argument checks for the index ops: gather, scatter, scatter_add, index_select and
index_add, with its exception classes and wording, so that bad input fails the same way.

They work on shapes, dtypes and the index array; the ops (ops/movement.py) keep the math.
PyTorch accepts int64 and int32 index tensors for all of these. A 0-d tensor counts as a
1-d tensor of one element wherever PyTorch's checks say so.
"""

from __future__ import annotations

import numpy as np

from ._names import dtype_word

_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))


def _first_bad(index: np.ndarray, size: int):
    """The first index (in memory order) outside [0, size), or None."""
    bad = (index < 0) | (index >= size)
    return int(index.ravel()[np.argmax(bad.ravel())]) if bad.any() else None


def _check_bounds(index: np.ndarray, size: int, dim: int) -> None:
    bad = _first_bad(index, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def check_gather(index: np.ndarray, shape: tuple, dim: int) -> None:
    """gather's checks: index dtype, rank, size off `dim`, then bounds."""
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"gather(): Expected dtype int32/int64 for index, but got {index.dtype}")
    if max(index.ndim, 1) != max(len(shape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(index.ndim):
        if d != dim and index.shape[d] > shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                f"no larger than self {list(shape)} apart from dimension {dim}"
            )
    _check_bounds(index, shape[dim] if shape else 1, dim)


def check_scatter(index: np.ndarray, shape: tuple, dim: int, self_dtype, src=None) -> None:
    """scatter's and scatter_add's checks; `src` is the source array, or None for a number."""
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(
            f"scatter(): Expected dtype int32/int64 for index, but got {index.dtype}"
        )
    if src is not None and src.dtype != self_dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if max(index.ndim, 1) != max(len(shape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if src is not None and max(index.ndim, 1) != max(src.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    sizes = list(shape) or [1]
    src_sizes = None if src is None else (list(src.shape) or [1])
    for d, n in enumerate(index.shape):
        if (d != dim and n > sizes[d]) or (src_sizes is not None and n > src_sizes[d]):
            also = "" if src is None else f" and to be no larger size than src {list(src.shape)}"
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self "
                f"{list(shape)} apart from dimension {dim}{also}"
            )
    _check_bounds(index, shape[dim] if shape else 1, dim)


def check_index_select(index: np.ndarray, shape: tuple, dim: int) -> None:
    """index_select's checks. Out-of-range messages differ by PyTorch's kernel: selecting
    along dim 1 of a tensor of two or more dims reports the bad index (RuntimeError), the
    other paths say "index out of range in self" (IndexError)."""
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(
            f"index_select(): Expected dtype int32 or int64 for index, but got {index.dtype}"
        )
    if not shape:  # a 0-d tensor: one index, and it must be 0
        if index.size != 1:
            raise RuntimeError(
                f"index_select(): Index to scalar can have only 1 value, got {index.size} value(s)"
            )
        if int(index.ravel()[0]) != 0:
            raise IndexError(
                f"index out of range in self (index {int(index.ravel()[0])} of a 0-d tensor)"
            )
        return
    size = shape[dim]
    bad = _first_bad(index, size)
    if bad is None or (len(shape) > 1 and index.size == 0):
        return
    if len(shape) > 1 and 0 in shape and size == 0:
        raise RuntimeError("index_select(): self indexing axis dim should be positive")
    if len(shape) > 1 and (0 in shape or dim == 1):
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    # PyTorch's words, then which index it was
    raise IndexError(
        f"index out of range in self (index {bad} of dimension {dim} with size {size})"
    )


def check_index_add(index: np.ndarray, shape: tuple, dim: int, self_dtype, source) -> None:
    """index_add's checks, in PyTorch's order; `source` is the source array."""
    if index.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: "
            f"{index.ndim} with type: {dtype_word(index.dtype)} and size: "
            f"{list(index.shape)}"
        )
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(
            f"index_add_(): Expected dtype int32/int64 for index but got: {dtype_word(index.dtype)}"
        )
    if source.dtype != self_dtype:
        words = dtype_word(self_dtype), dtype_word(source.dtype)
        raise RuntimeError(
            f"index_add_(): self ({words[0]}) and source ({words[1]}) must have "
            "the same scalar type"
        )
    if dim != 0 and dim >= source.ndim:
        raise RuntimeError(
            f"index_add_(): Indexing dim {dim} is out of bounds of the source "
            f"tensor with dim {source.ndim}"
        )
    along = source.shape[dim] if source.ndim else 1
    if index.size != along:
        raise RuntimeError(
            f"index_add_(): Number of indices ({index.size}) should be equal to "
            f"source.size(dim): ({along}), for dim: {dim}"
        )
    if source.ndim != len(shape) or any(
        a != b for d, (a, b) in enumerate(zip(shape, source.shape)) if d != dim
    ):
        raise RuntimeError(
            f"source tensor shape must match self tensor shape, excluding the "
            f"specified dimension. Got self.shape = {list(shape)} source.shape = "
            f"{list(source.shape)}"
        )
    _check_bounds(index, shape[dim] if shape else 1, dim)
