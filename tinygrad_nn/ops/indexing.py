"""Indexing: a Python key (`t[1, ::2, mask]`) turned into the NumPy index the movement ops use.

| key element                 | becomes                                  | refused               |
|-----------------------------|------------------------------------------|-----------------------|
| int, slice, None, ...       | itself (slice bounds through __index__)  | slice step <= 0       |
| 0-d integer Tensor          | a Python int (a view, as in PyTorch)     |                       |
| Tensor, list, tuple, range  | an integer array (advanced indexing)     | float or str elements |
| bool or uint8 Tensor        | a bool mask (uint8 with PyTorch's warning)|                      |

`index_key` does the conversion and the checks; `index_error` rewrites NumPy's IndexError in
PyTorch's words; `ints_first` splits a key the way PyTorch applies it (int dims first).
"""

from __future__ import annotations

import builtins
import operator
import warnings

import numpy as np

from ..autograd.function import is_tensor


def index_key(key, shape: tuple) -> tuple:
    """Turn a Python index into a NumPy one: Tensors and lists become arrays, checked."""
    if key.__class__ is builtins.int or key.__class__ is slice:
        key = (key,)
    elif key.__class__ is list and _list_is_tuple(key):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
            "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this "
            "will be interpreted as tensor index, x[torch.tensor(seq)], which will result "
            "either in an error or a different result",
            UserWarning,
            stacklevel=3,
        )
        key = tuple(key)
    elif not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if is_tensor(k):
            # A 0-d integer tensor indexes like a Python int (a view), as in PyTorch.
            k = (
                builtins.int(k._data)
                if k._data.ndim == 0 and k._data.dtype.kind in "iu"
                else k._data
            )
            if k.__class__ is np.ndarray and k.dtype == np.uint8:  # a byte tensor is a mask
                warnings.warn(
                    "indexing with dtype torch.uint8 is now deprecated, please use a "
                    "dtype torch.bool instead.",
                    UserWarning,
                    stacklevel=3,
                )
                k = k.astype(np.bool_)
        elif isinstance(k, (list, tuple, range)):  # a sequence in a tuple is an index tensor
            k = np.asarray(k)
            if k.size == 0:
                k = k.astype(np.int64)
        elif isinstance(k, np.integer):
            k = builtins.int(k)
        if isinstance(k, np.ndarray):
            if k.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif isinstance(k, slice):
            if k.step is not None and int_of(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            k = slice(int_of(k.start), int_of(k.stop), int_of(k.step))
        elif isinstance(k, str):
            raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
        elif not (k is None or k is Ellipsis or isinstance(k, builtins.int)):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(k).__name__})"
            )
        out.append(k)
    return tuple(out)


def _list_is_tuple(key: list) -> bool:
    """PyTorch reads `x[[0, 1], [2, 3]]`-style lists (holding sequences, tensors, slices,
    None or ...) as a tuple of indices, and `x[[0, 1]]` as one index."""
    return len(key) < 32 and any(
        is_tensor(k)
        or isinstance(k, (list, tuple, range, slice, np.ndarray))
        or k is None
        or k is Ellipsis
        for k in key
    )


def ints_first(key: tuple):
    """Split an index mixing ints and arrays as PyTorch applies it: the ints select first
    (removing their dims), then the arrays index what is left. NumPy would count the ints
    as arrays, which moves the result's dims (`x[0, :, [1, 2]]` is (2, n) there, (n, 2)
    here). Returns (select key, rest key), or None if no int is mixed in."""
    if not any(k.__class__ is builtins.int for k in key):
        return None
    first, rest = [], []
    for k in key:
        if k.__class__ is builtins.int:
            first.append(k)
        elif k is None or k.__class__ is builtins.bool:  # they add a dim, consuming none
            rest.append(k)
        elif k is Ellipsis:
            first.append(k)
            rest.append(k)
        else:
            first.extend(
                [slice(None)] * (k.ndim if k.__class__ is np.ndarray and k.dtype == np.bool_ else 1)
            )
            rest.append(k)
    return tuple(first), tuple(rest)


def index_error(error: IndexError, key, shape: tuple) -> IndexError:
    """The error PyTorch raises for `key` on a tensor of `shape`, checked in PyTorch's order:
    the count of indices, the ints, the masks' shapes, the index tensors' broadcast, their
    values. `error` itself (NumPy's) if none of these finds the fault."""
    if not shape and key.__class__ is builtins.int:
        return IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
        )
    try:
        key = index_key(key, shape)
    except IndexError:
        return error
    if (
        builtins.sum(k is Ellipsis for k in key) > 1
    ):  # PyTorch's reading of several is its own; keep NumPy's error
        return error
    if not shape and any(k.__class__ is slice for k in key):
        return IndexError("slice() cannot be applied to a 0-dim tensor.")
    consumed = [_dims_consumed(k) for k in key]
    if builtins.sum(consumed) > len(shape):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    starts, d = [], 0  # the first dim of `shape` each index applies to
    for k, n in zip(key, consumed):
        starts.append(d)
        d += len(shape) - builtins.sum(consumed) if k is Ellipsis else n
    for position, (k, d) in enumerate(zip(key, starts)):  # PyTorch names the tuple position
        if k.__class__ is builtins.int and not -shape[d] <= k < shape[d]:
            return IndexError(
                f"index {k} is out of bounds for dimension {position} with size {shape[d]}"
            )
    return _tensor_index_error(key, starts, shape) or error


def _dims_consumed(k) -> int:
    """How many dims of the indexed tensor one index uses up (a mask: one per its dim)."""
    if k is None or k is Ellipsis or k.__class__ is builtins.bool:
        return 0
    if k.__class__ is np.ndarray and k.dtype == np.bool_:
        return k.ndim
    return 1


def _tensor_index_error(key: tuple, starts: list, shape: tuple):
    """PyTorch's error for the masks and index tensors of `key`, or None. A mask stands for
    one index tensor per dim it covers (its nonzero), as in PyTorch."""
    tensors = []  # (index values, size of the dim they index)
    for k, d in zip(key, starts):
        if k.__class__ is not np.ndarray:
            continue
        if k.dtype == np.bool_:
            for j, n in enumerate(k.shape):
                if n != shape[d + j]:
                    return IndexError(
                        f"The shape of the mask {list(k.shape)} at index {j} does "
                        "not match the shape of the indexed tensor "
                        f"{list(shape)} at index {d + j}"
                    )
            tensors.extend((ix, shape[d + j]) for j, ix in enumerate(np.nonzero(k)))
        else:
            tensors.append((k, shape[d]))
    try:
        values = np.broadcast_arrays(*[t for t, _ in tensors])
    except ValueError:
        shapes = ", ".join(str(list(t.shape)) for t, _ in tensors)
        return IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
        )
    if not values or not values[0].size:
        return None
    # PyTorch checks element by element, each element's indices in order: the first bad
    # pair in that order is the one it names.
    bad = np.stack([(v < -n) | (v >= n) for v, (_, n) in zip(values, tensors)], -1)
    if not bad.any():
        return None
    element, i = divmod(builtins.int(np.argmax(bad.reshape(-1))), len(values))
    value = values[i].reshape(-1)[element]
    return IndexError(f"index {value} is out of bounds for dimension {i} with size {tensors[i][1]}")


def int_of(v):
    if v is None or isinstance(v, builtins.int):
        return v
    if is_tensor(v):
        return builtins.int(v.item())
    try:
        return operator.index(v)  # a float is refused, as in Python's own slices
    except TypeError:
        raise TypeError(
            "slice indices must be integers or None or have an __index__ method"
        ) from None
