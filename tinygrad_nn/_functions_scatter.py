"""`torch.<op>(...)` for picking and scattering: take, take_along_dim, masked_select,
masked_scatter, index_copy, index_fill, index_put, slice_scatter, scatter_reduce and
unravel_index, with PyTorch's checks and messages.

Each differentiable one is composed of the indexing ops (IndexPut, IndexAdd, gather,
scatter_add), so first and second derivatives come from those; only the index arithmetic
runs on NumPy arrays.
"""

from __future__ import annotations

import builtins

import numpy as np

from . import dtypes as _dt
from ._checks import _dtype_word
from ._functions_args import _long, _make, _tensor, _zeros
from ._functions_view import cat
from .autograd.grad_mode import is_grad_enabled
from .ops import _index_checks, movement
from .ops._shape import broadcast_shapes as _broadcast
from .tensor import Tensor, _norm_dim


def take(input, index):
    """input (read as 1-D) at index; the result has index's shape."""
    x, idx = _tensor(input, "take"), _tensor(index, "take", "index")
    if idx.dtype != _dt.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_dtype_word(idx)}")
    n = x.numel()
    bad = idx._data[(idx._data >= n) | (idx._data < -n)]
    if bad.size:
        raise IndexError(
            f"out of range: tried to access index {bad.flat[0]} on a tensor of {n} elements."
        )
    return x.reshape(-1)[idx]


def take_along_dim(input, indices, dim=None):
    """gather along dim after broadcasting input and indices off dim; flattened if dim is None."""
    x, idx = _tensor(input, "take_along_dim"), _tensor(indices, "take_along_dim", "indices")
    if idx.dtype != _dt.int64:
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {_dtype_word(idx)}"
        )
    if dim is None:
        return x.reshape(-1).gather(0, idx.reshape(-1))
    if x.ndim != idx.ndim:
        raise RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same "
            f"number of dimensions, but got {x.ndim} dimensions for input, and "
            f"{idx.ndim} dimensions for indices"
        )
    d = _norm_dim(dim, x.ndim)
    xs, ids = list(x.shape), list(idx.shape)
    xs[d] = ids[d] = 1
    common = list(_broadcast(tuple(xs), tuple(ids)))
    x_shape, i_shape = list(common), list(common)
    x_shape[d], i_shape[d] = x.shape[d], idx.shape[d]
    return x.expand(x_shape).gather(d, idx.expand(i_shape))


def _need_bool_mask(mask: Tensor, name: str) -> None:
    if mask.dtype != _dt.bool:
        raise RuntimeError(f"{name}: expected BoolTensor for mask")


def masked_select(input, mask):
    """The elements of input (broadcast with mask) where mask is True, as a 1-D tensor."""
    x, m = _tensor(input, "masked_select"), _tensor(mask, "masked_select", "mask")
    _need_bool_mask(m, "masked_select")
    shape = _broadcast(tuple(m.shape), tuple(x.shape))  # PyTorch names the mask first
    return x.expand(shape)[m.expand(shape)._data]


def masked_scatter(input, mask, source):
    """input with the masked places filled, in order, by source's first elements."""
    x, m = _tensor(input, "masked_scatter"), _tensor(mask, "masked_scatter", "mask")
    src = _tensor(source, "masked_scatter", "source")
    _need_bool_mask(m, "masked_scatter_")
    if src.dtype != x.dtype:
        raise RuntimeError(
            f"masked_scatter_: expected self and source to have same dtypes but "
            f"got {_dtype_word(x)} and {_dtype_word(src)}"
        )
    hit = np.broadcast_to(m._data, x.shape)
    k = int(hit.sum())
    if k > src.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return movement.IndexPut.apply(x, (np.ascontiguousarray(hit),), src.reshape(-1)[:k])


def _index_key(x: Tensor, dim: int, index: Tensor, name: str):
    """The key that names the slices at a 1-d index along dim; PyTorch's checks, in its
    words (index_copy_ and index_fill_ word them differently)."""
    if index.dtype != _dt.int64:
        if name == "index_fill_":
            raise IndexError("index_fill_(): Expected dtype int64 for index.")
        raise RuntimeError(
            f"{name}(): Expected a long tensor for index, but got {_dtype_word(index)}"
        )
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    d = _norm_dim(dim, x.ndim) if x.ndim else 0
    size = x.shape[d] if x.ndim else 1
    idx = index._data.reshape(-1)
    bad = idx[(idx >= size) | (idx < -size)]
    if bad.size:
        where = f"{name}(): " if name == "index_copy_" else ""
        raise IndexError(
            f"{where}index {bad[0]} is out of bounds for dimension {d} with size {size}"
        )
    return (slice(None),) * d + (idx,)


def index_copy(input, dim, index, source):
    """input with source's slices written at the (1-d) index along dim."""
    x = _tensor(input, "index_copy")
    src = _tensor(source, "index_copy", "source", 4)
    idx = _tensor(index, "index_copy", "index", 3)
    key = _index_key(x, dim, idx, "index_copy_")
    if src.dtype != x.dtype:
        raise RuntimeError(
            f"index_copy_(): self and source expected to have the same dtype, "
            f"but got (self) {_dtype_word(x)} and (source) {_dtype_word(src)}"
        )
    d = _norm_dim(dim, x.ndim) if x.ndim else 0
    wanted = src.shape[d] if src.ndim else 1
    if idx.numel() != wanted:
        raise IndexError(
            f"index_copy_(): Number of indices ({idx.numel()}) should be equal to "
            f"source.size(dim) ({wanted})"
        )
    if x.ndim == 0:
        return movement.IndexPut.apply(x.reshape(1), key, src.reshape(1)).reshape(())
    return movement.IndexPut.apply(x, key, src)


def index_fill(input, dim, index, value):
    """input with value written into the slices at the (1-d) index along dim."""
    x = _tensor(input, "index_fill")
    key = _index_key(x, dim, _tensor(index, "index_fill", "index", 3), "index_fill_")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"index_fill_ only supports a 0-dimensional value tensor, but got "
                f"tensor with {value.ndim} dimension(s)."
            )
        value = value.to(x.dtype)
    else:
        value = _dt.checked_scalar(value, x._data.dtype)
    if x.ndim == 0:
        return movement.IndexPut.apply(x.reshape(1), key, value).reshape(())
    return movement.IndexPut.apply(x, key, value)


def index_put(input, indices, values, accumulate=False):
    """input with values written (or added, with accumulate) at the index tensors `indices`."""
    x = _tensor(input, "index_put")
    v = _tensor(values, "index_put", "values", 3)
    if len(indices) > x.ndim:
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got {len(indices)})")
    key = tuple(i._data if isinstance(i, Tensor) else i for i in indices)
    if v.dtype != x.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{_dtype_word(x)} for the destination and {_dtype_word(v)} for the "
            "source."
        )
    if accumulate:
        picked = np.empty(x.shape, dtype=np.int8)[key].shape
        return x + movement.IndexAdd.apply(v.expand(picked), key, tuple(x.shape))
    try:
        return movement.IndexPut.apply(x, key, v)
    except IndexError as error:  # NumPy's words ("axis 0") -> PyTorch's ("dimension 0")
        raise IndexError(str(error).replace(" axis ", " dimension ")) from None


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """input with src written into the slice start:end:step along dim."""
    x, s = _tensor(input, "slice_scatter"), _tensor(src, "slice_scatter", "src")
    d = _norm_dim(dim, x.ndim)
    key = (slice(None),) * d + (slice(start, end, step),)
    want = np.empty(x.shape, dtype=np.int8)[key].shape
    if tuple(s.shape) != want:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(s.shape)}, slice size = {list(want)}"
        )
    return movement.IndexPut.apply(x, key, s.to(x.dtype))


_REDUCES = ("sum", "prod", "mean", "amax", "amin", "max", "min")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src reduced (sum, prod, mean, amax, amin) into the places index names along
    dim; with include_self=False the old values there take no part."""
    x = _tensor(input, "scatter_reduce")
    idx, s = _tensor(index, "scatter_reduce", "index", 3), _tensor(src, "scatter_reduce", "src", 4)
    if reduce not in _REDUCES:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch takes these too
    d = _norm_dim(dim, x.ndim)
    _index_checks.check_scatter(idx._data, tuple(x.shape), d, x._data.dtype, s._data)
    if x.ndim == 0:  # a 0-d tensor scatters as a 1-element vector
        one = scatter_reduce(
            x.reshape(1), 0, idx.reshape(-1), s.reshape(-1), reduce, include_self=include_self
        )
        return one.reshape(())
    s = s[tuple(slice(0, n) for n in idx.shape)]  # the corner the index covers
    hit = _zeros(x.shape, x).scatter(d, idx, _make(np.ones(idx.shape, x._data.dtype)))
    keep = x if include_self else x.masked_fill(_make(hit._data.astype(bool)), 0)
    if reduce == "sum":
        return keep.scatter_add(d, idx, s)
    if reduce == "mean":
        ones = _make(np.ones(idx.shape, dtype=x._data.dtype))
        count = _zeros(x.shape, x).scatter_add(d, idx, ones) + (1 if include_self else 0)
        total = keep.scatter_add(d, idx, s)
        count = count.masked_fill(_make(count._data == 0), 1)
        if x.dtype.is_floating_point:
            return total / count
        return total.div(count, rounding_mode="floor")
    return _scatter_pick(x, d, idx, s, reduce, include_self, hit._data.astype(bool))


def _scatter_pick(x, d, idx, s, reduce, include_self, hit):
    """prod, amax, amin: the result on the arrays; the gradient composed from it (prod's in
    _scatter_prod). amax/amin share it equally among the tied elements, as PyTorch does."""
    res = x._data.copy()
    if not include_self:
        fill = {"prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
        res[hit] = fill if res.dtype.kind == "f" else _int_fill(res.dtype, reduce)
    ufunc = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
    grid = list(np.indices(idx.shape, sparse=True))
    grid[d] = idx._data
    ufunc.at(res, tuple(grid), s._data)
    out = _make(res)
    if not (is_grad_enabled() and (x.requires_grad or s.requires_grad)):
        return out
    if reduce == "prod":
        return _scatter_prod(x, idx, s, include_self, hit, grid)
    # PyTorch counts self's ties even where include_self=False leaves self out (and then
    # gives self no gradient there): the same count here, so the shares match
    self_tie = res == x._data
    corner = tuple(slice(0, n) if i != d else slice(None) for i, n in enumerate(idx.shape))
    src_tie = np.take_along_axis(res[corner], idx._data, d) == s._data
    count = self_tie.astype(res.dtype)
    np.add.at(count, tuple(grid), src_tie.astype(res.dtype))
    count[count == 0] = 1
    mine = x.masked_fill(_make(~(self_tie & (~hit | include_self))), 0)
    theirs = s.masked_fill(_make(~src_tie), 0)
    shares = (_zeros(x.shape, x).scatter_add(d, idx, theirs) + mine) / _make(count)
    if include_self:
        return shares  # equal to res in value, with PyTorch's gradient
    # the value from res, the gradient from the shares (x - x.detach() is exactly 0 where
    # finite; an infinite result keeps its value and passes no gradient)
    step = shares - shares.detach()
    return out + step.masked_fill(_make(~np.isfinite(shares._data)), 0)


def _scatter_prod(x, idx, s, include_self, hit, grid):
    """prod with a gradient: the factors of each place src reaches laid out as one row of a
    table (its own value first, then its src elements in index order, padded with ones) and
    multiplied by prod, whose zero-aware backward gives PyTorch's values for no, one and
    several zeros in a group (and exact second derivatives)."""
    target = np.ravel_multi_index(np.broadcast_arrays(*grid), tuple(x.shape)).reshape(-1)
    places, rows = _factor_rows(target)
    # the extra last element is the padding 1 that short rows point at
    factors = cat([s.reshape(-1), _make(np.ones(1, s._data.dtype))], 0)[_long(rows)]
    own = (x if include_self else x.masked_fill(_make(hit), 1)).reshape(-1)  # left out: 1
    table = cat([own[_long(places)].unsqueeze(1), factors], 1)
    return own.scatter(0, _long(places), table.prod(1)).reshape(x.shape)


def _factor_rows(target: np.ndarray):
    """The places src reaches, and per place the flat src positions scattered there in index
    order, padded with target.size (one past the last)."""
    n = target.size
    places, group, counts = np.unique(target, return_inverse=True, return_counts=True)
    order = np.argsort(group, kind="stable")  # stable: a group keeps ufunc.at's order
    rank = np.arange(n) - (np.cumsum(counts) - counts)[group[order]]
    rows = np.full((places.size, int(counts.max()) if n else 0), n, dtype=np.int64)
    rows[group[order], rank] = order
    return places, rows


def _int_fill(dtype, reduce):
    info = np.iinfo(dtype)
    return {"prod": 1, "amax": info.min, "amin": info.max}[reduce]


def unravel_index(indices, shape):
    """The coordinates, one tensor per dim of shape, of flat indices."""
    idx = indices if isinstance(indices, Tensor) else _long(indices)
    if idx.dtype.is_floating_point or idx.dtype == _dt.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {idx.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if builtins.any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(shape))
    # PyTorch's arithmetic: floor division and remainder, with no range check (so
    # out-of-range and negative indices wrap around)
    flat, coords = idx._data.astype(np.int64), []
    for size in reversed(shape):
        coords.append(np.remainder(flat, size) if size else np.zeros_like(flat))
        flat = np.floor_divide(flat, size) if size else flat
    return tuple(_long(c) for c in reversed(coords))
