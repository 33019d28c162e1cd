"""torch.* shape and construction functions: diagonals (diag, diag_embed, trace,
tril_indices), grids (meshgrid, cartesian_prod, combinations, block_diag), rearranging (rot90,
tile, repeat_interleave, ...), and splitting and stacking (tensor_split, hsplit, dstack, ...).

Every differentiable one is a composition of existing ops (indexing, cat, reshape, flip,
narrow), so first and second derivatives come from those ops; only the index arithmetic is
done on NumPy arrays. Picking and scattering live in `_functions_scatter.py`, products and
distances in `_functions_products.py`; both are re-exported here, where `tinygrad_nn` and the
Tensor methods look them up.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import warnings

import numpy as np

from . import dtypes as _dt
from ._checks import _dtype_word
from ._functions_args import _long, _make, _tensor, _tensors, _zeros
from ._functions_products import (  # noqa: F401  (re-exported)
    addbmm,
    addmm,
    addmv,
    baddbmm,
    cdist,
    cross,
    dist,
    kron,
    tensordot,
    vdot,
)
from ._functions_scatter import (  # noqa: F401  (re-exported)
    index_copy,
    index_fill,
    index_put,
    masked_scatter,
    masked_select,
    scatter_reduce,
    slice_scatter,
    take,
    take_along_dim,
    unravel_index,
)
from ._functions_view import cat, stack
from .ops._names import dtype_word
from .tensor import Tensor, _norm_dim

# ------------------------------------------------------------- diagonals and triangles


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose (dim1, dim2) diagonals at `offset` hold input's last dim; zeros elsewhere."""
    x = _tensor(input, "diag_embed")
    a, b = _norm_dim(dim1, x.ndim + 1), _norm_dim(dim2, x.ndim + 1)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    batch, m = tuple(x.shape[:-1]), x.shape[-1]
    n = m + builtins.abs(offset)
    start = builtins.max(-offset, 0) * n + builtins.max(offset, 0)
    # Element i belongs at flat place start + i * (n + 1): follow each by n zeros, shift by
    # `start` zeros and cut to n * n. Joins and reshapes only (no x * eye, so an infinity
    # brings no NaN beside it; nothing saved, so a second backward works as in PyTorch).
    spaced = cat([x.unsqueeze(-1), _zeros(batch + (m, n), x)], -1).reshape(batch + (m * (n + 1),))
    flat = cat([_zeros(batch + (start,), x), spaced, _zeros(batch + (n * n,), x)], -1)
    out = flat.narrow(-1, 0, n * n).reshape(batch + (n, n))
    return out.movedim((out.ndim - 2, out.ndim - 1), (a, b))


def diagflat(input, offset=0):
    """A 2-D tensor with input's elements (flattened) on the `offset` diagonal."""
    return diag_embed(_tensor(input, "diagflat").reshape(-1), offset)


def diag(input, diagonal=0):
    """A 1-D input put on a diagonal of a square matrix; a 2-D input's diagonal."""
    x = _tensor(input, "diag")
    if x.ndim == 1:
        return diag_embed(x, diagonal)
    if x.ndim == 2:
        return x.diagonal(diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


def trace(input):
    """Sum of the main diagonal of a matrix."""
    x = _tensor(input, "trace")
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.dtype == _dt.bool:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return x.diagonal().sum()


def _tri_indices(which, row, col, offset, dtype):
    pick = np.tril_indices if which == "tril" else np.triu_indices
    rows, cols = pick(row, offset, col) if row and col else (np.zeros(0), np.zeros(0))
    kind = _dt.as_dtype(dtype) if dtype is not None else _dt.int64
    if kind.is_floating_point or kind == _dt.bool:
        raise NotImplementedError(
            f"\"{which}_indices\" not implemented for '{dtype_word(kind.np)}'"
        )
    return _make(np.stack([rows, cols]).astype(kind.np))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) row and column indices of the lower triangle of a row x col matrix."""
    return _tri_indices("tril", row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) row and column indices of the upper triangle of a row x col matrix."""
    return _tri_indices("triu", row, col, offset, dtype)


# ------------------------------------------------------------- grids


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: result i holds tensor i's values along its own dim ('ij'), with
    the first two dims swapped for 'xy'."""
    ts = _tensors(tensors, "meshgrid")
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the "
            "indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}"
            )
        if t.dtype != ts[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    flat = [t.reshape(-1) for t in ts]
    axes = list(range(len(flat)))
    if indexing == "xy" and len(flat) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(flat)
    for i, t in enumerate(flat):
        shape[axes[i]] = t.shape[0]
    out = []
    for i, t in enumerate(flat):
        view = [1] * len(flat)
        view[axes[i]] = -1
        out.append(t.reshape(view).expand(shape))
    return tuple(out)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as rows."""
    ts = _tensors(tensors, "cartesian_prod")
    for t in ts:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(ts) == 1:
        return ts[0]
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """All length-r combinations of a 1-D tensor's elements, as rows (itertools' order)."""
    x = _tensor(input, "combinations")
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _zeros((0,), x)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[_long(idx)]


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D) placed along the diagonal of one matrix, zeros elsewhere."""
    ts = list(tensors)
    for i, t in enumerate(ts):
        _tensor(t, "block_diag", "tensors")
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                f"Input {i} has {t.ndim} dimensions"
            )
    dtype = (
        functools.reduce(_dt.promote_types, [t.dtype for t in ts])
        if ts
        else _dt.get_default_dtype()
    )
    mats = [t.to(dtype).reshape(1, -1) if t.ndim < 2 else t.to(dtype) for t in ts]
    width = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m.shape
        pad_l = _make(np.zeros((r, left), dtype=dtype.np))
        pad_r = _make(np.zeros((r, width - left - c), dtype=dtype.np))
        rows.append(cat([pad_l, m, pad_r], 1))
        left += c
    if not rows:
        return _make(np.zeros((1, 0), dtype=dtype.np))
    return cat(rows, 0)


# ------------------------------------------------------------- rearranging


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of dims (from the first towards the second)."""
    x = _tensor(input, "rot90")
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if x.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {x.ndim}")
    d0, d1 = _norm_dim(dims[0], x.ndim), _norm_dim(dims[1], x.ndim)
    if d0 == d1:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    k %= 4
    if k == 1:
        return x.flip(d1).transpose(d0, d1)
    if k == 2:
        return x.flip(d0, d1)
    if k == 3:
        return x.flip(d0).transpose(d0, d1)
    return x.clone()


def fliplr(input):
    """Reverse the columns (dim 1)."""
    x = _tensor(input, "fliplr")
    if x.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return x.flip(1)


def flipud(input):
    """Reverse the rows (dim 0)."""
    x = _tensor(input, "flipud")
    if x.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return x.flip(0)


def tile(input, dims):
    """Repeat the tensor along each dim; fewer dims than input's are padded with 1s in front."""
    x = _tensor(input, "tile")
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    dims = (1,) * (x.ndim - len(dims)) + dims
    return x.repeat(dims)


def _repeat_counts(repeats, n: int, dim) -> np.ndarray:
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        if repeats.dtype.is_floating_point or repeats.dtype == _dt.bool:
            raise NotImplementedError(
                f"\"repeat_interleave_cpu\" not implemented for '{_dtype_word(repeats)}'"
            )
        reps = repeats._data.reshape(-1).astype(np.int64)
    else:
        reps = np.array([repeats], dtype=np.int64)
    if np.any(reps < 0):
        raise RuntimeError("repeats can not be negative")
    if reps.size == 1:
        return np.full(n, reps[0])
    if reps.size != n:
        raise RuntimeError(
            f"repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {reps.size} and input.size({dim or 0}) = {n}"
        )
    return reps


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or each slice along dim) `repeats` times, in place order.
    With only a tensor of counts, the indices 0, 1, ... each repeated that many times."""
    x = _tensor(input, "repeat_interleave")
    if repeats is None:
        if x.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        return _long(np.repeat(np.arange(x.numel()), _repeat_counts(x, x.numel(), 0)))
    if dim is None:
        x, d = x.reshape(-1), 0
    else:
        d = _norm_dim(dim, x.ndim)
    if x.ndim == 0:
        x = x.reshape(1)
    counts = _repeat_counts(repeats, x.shape[d], dim)
    return x.index_select(d, _long(np.repeat(np.arange(x.shape[d]), counts)))


def ravel(input):
    """The elements as a 1-D tensor."""
    return _tensor(input, "ravel").reshape(-1)


# ------------------------------------------------------------- splitting and stacking


def tensor_split(input, indices_or_sections, dim=0):
    """Views split into n nearly equal parts (the first ones one larger), or at the indices."""
    x = _tensor(input, "tensor_split")
    if x.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    d = _norm_dim(dim, x.ndim)
    n = x.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = int(ios.item()) if ios.ndim == 0 else ios.tolist()
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(n, ios)
        bounds = list(itertools.accumulate([q + 1] * r + [q] * (ios - r)))[:-1]
    else:
        bounds = list(ios)
    edges = [0] + bounds + [n]
    pieces = []
    for a, b in zip(edges[:-1], edges[1:]):
        a, b, _ = slice(a, b).indices(n)  # Python's slice rules: negative bounds count back
        pieces.append(x.narrow(d, a, builtins.max(b - a, 0)))
    return tuple(pieces)


def _split_along(x, ios, dim, name, min_dims):
    if x.ndim < min_dims:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dims} dimension, "
            f"but got a tensor with {x.ndim} dimensions!"
        )
    if isinstance(ios, int):
        size = x.shape[dim]
        if ios == 0 or size % ios:
            raise RuntimeError(
                f"torch.{name} attempted to split along dimension {dim}, but the "
                f"size of the dimension {size} is not divisible by the "
                f"split_size {ios}!"
            )
    return tensor_split(x, ios, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for a 1-D tensor), equal parts only."""
    x = _tensor(input, "hsplit")
    return _split_along(x, indices_or_sections, 0 if x.ndim == 1 else 1, "hsplit", 1)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor with at least 2 dims, equal parts only."""
    return _split_along(_tensor(input, "vsplit"), indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor with at least 3 dims, equal parts only."""
    return _split_along(_tensor(input, "dsplit"), indices_or_sections, 2, "dsplit", 3)


def column_stack(tensors):
    """Join as columns: 0-D and 1-D tensors become columns, then cat along dim 1."""
    ts = _tensors((tensors,), "column_stack")
    if not ts:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    return cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in ts], 1)


def dstack(tensors):
    """Join along dim 2, after making each tensor at least 3-D."""
    ts = _tensors((tensors,), "dstack")
    if not ts:
        raise RuntimeError("dstack expects a non-empty TensorList")

    def three(t):
        if t.ndim == 0:
            return t.reshape(1, 1, 1)
        if t.ndim == 1:
            return t.reshape(1, -1, 1)
        return t.unsqueeze(-1) if t.ndim == 2 else t

    return cat([three(t) for t in ts], 2)
