"""torch.* shape and construction functions: diagonals (diag, diag_embed, trace, tril_indices),
grids (meshgrid, cartesian_prod, combinations, block_diag, kron), rearranging (rot90, tile,
repeat_interleave, ...), picking and scattering (take, masked_select, index_copy, index_put,
scatter_reduce, ...), splitting and stacking, and products and distances (tensordot, addmm,
cdist, cross, ...).

Every differentiable one is a composition of existing ops (indexing, gather, scatter, cat,
reshape, permute, flip, matmul), so first and second derivatives come from those ops; only
the index arithmetic is done on NumPy arrays.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import warnings

import numpy as np

from . import dtypes as _dt
from .autograd.grad_mode import is_grad_enabled
from .ops import _index_checks, movement
from .ops._shape import broadcast_shapes as _broadcast
from .tensor import Tensor, _norm_dim

_make = Tensor._make


def _tensor(x, name: str, arg: str = "input", pos: int | None = None) -> Tensor:
    if isinstance(x, Tensor):
        return x
    pos = pos or (1 if arg in ("input", "tensors", "x1", "a") else 2)
    raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                    f"{type(x).__name__}")  # fmt: skip


def _long(values) -> Tensor:
    return _make(np.asarray(values, dtype=np.int64))


def _zeros(shape, like: Tensor) -> Tensor:
    return _make(np.zeros(tuple(shape), dtype=like._data.dtype))


def _tensors(args, name: str) -> list:
    """f(a, b) and f([a, b]) alike."""
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = tuple(args[0])
    return [_tensor(t, name, "tensors") for t in args]


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
    spaced = _cat([x.unsqueeze(-1), _zeros(batch + (m, n), x)], -1).reshape(batch + (m * (n + 1),))
    flat = _cat([_zeros(batch + (start,), x), spaced, _zeros(batch + (n * n,), x)], -1)
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
        raise NotImplementedError(f'"{which}_indices" not implemented for '
                                  f"'{_dt_name(_make(np.zeros(0, kind.np)))}'")  # fmt: skip
    return _make(np.stack([rows, cols]).astype(kind.np))


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) row and column indices of the lower triangle of a row x col matrix."""
    return _tri_indices("tril", row, col, offset, dtype)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (2, N) row and column indices of the upper triangle of a row x col matrix."""
    return _tri_indices("triu", row, col, offset, dtype)


# ------------------------------------------------------------- grids and products


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: result i holds tensor i's values along its own dim ('ij'), with
    the first two dims swapped for 'xy'."""
    ts = _tensors(tensors, "meshgrid")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)  # fmt: skip
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                         f"received: {indexing}")  # fmt: skip
    if not ts:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in ts:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")  # fmt: skip
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
    return _stack([g.reshape(-1) for g in grids], 1)


def _stack(ts, dim):
    from . import functions

    return functions.stack(ts, dim)


def _cat(ts, dim):
    from . import functions

    return functions.cat(ts, dim)


def combinations(input, r=2, with_replacement=False):
    """All length-r combinations of a 1-D tensor's elements, as rows (itertools' order)."""
    x = _tensor(input, "combinations")
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _zeros((0,), x)
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations  # fmt: skip
    idx = np.array(list(pick(range(x.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return x[_long(idx)]


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D) placed along the diagonal of one matrix, zeros elsewhere."""
    ts = list(tensors)
    for i, t in enumerate(ts):
        _tensor(t, "block_diag", "tensors")
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t.ndim} dimensions")  # fmt: skip
    dtype = functools.reduce(_dt.promote_types, [t.dtype for t in ts]) if ts else \
        _dt.get_default_dtype()  # fmt: skip
    mats = [t.to(dtype).reshape(1, -1) if t.ndim < 2 else t.to(dtype) for t in ts]
    width = builtins.sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        r, c = m.shape
        pad_l = _make(np.zeros((r, left), dtype=dtype.np))
        pad_r = _make(np.zeros((r, width - left - c), dtype=dtype.np))
        rows.append(_cat([pad_l, m, pad_r], 1))
        left += c
    if not rows:
        return _make(np.zeros((1, 0), dtype=dtype.np))
    return _cat(rows, 0)


def kron(input, other):
    """Kronecker product: every element of input times a whole copy of other."""
    a, b = _tensor(input, "kron"), _tensor(other, "kron", "other")
    n = builtins.max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + tuple(a.shape), (1,) * (n - b.ndim) + tuple(b.shape)
    # interleave: a's dims at even places, b's at odd ones, then merge each pair
    a2 = a.reshape([v for s in sa for v in (s, 1)])
    b2 = b.reshape([v for s in sb for v in (1, s)])
    return (a2 * b2).reshape([x * y for x, y in zip(sa, sb)])


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
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")  # fmt: skip
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
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for '
                                      f"'{_dt_name(repeats)}'")  # fmt: skip
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


# ------------------------------------------------------------- picking and scattering


def take(input, index):
    """input (read as 1-D) at index; the result has index's shape."""
    x, idx = _tensor(input, "take"), _tensor(index, "take", "index")
    if idx.dtype != _dt.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_dt_name(idx)}")
    n = x.numel()
    bad = idx._data[(idx._data >= n) | (idx._data < -n)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {bad.flat[0]} on a tensor of "
                         f"{n} elements.")  # fmt: skip
    return x.reshape(-1)[idx]


def take_along_dim(input, indices, dim=None):
    """gather along dim after broadcasting input and indices off dim; flattened if dim is None."""
    x, idx = _tensor(input, "take_along_dim"), _tensor(indices, "take_along_dim", "indices")
    if idx.dtype != _dt.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_dt_name(idx)}")  # fmt: skip
    if dim is None:
        return x.reshape(-1).gather(0, idx.reshape(-1))
    if x.ndim != idx.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")  # fmt: skip
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
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes but "
                           f"got {_dt_name(x)} and {_dt_name(src)}")  # fmt: skip
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
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{_dt_name(index)}")  # fmt: skip
    if index.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    d = _norm_dim(dim, x.ndim) if x.ndim else 0
    size = x.shape[d] if x.ndim else 1
    idx = index._data.reshape(-1)
    bad = idx[(idx >= size) | (idx < -size)]
    if bad.size:
        where = f"{name}(): " if name == "index_copy_" else ""
        raise IndexError(f"{where}index {bad[0]} is out of bounds for dimension {d} with "
                         f"size {size}")  # fmt: skip
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
            f"but got (self) {_dt_name(x)} and (source) {_dt_name(src)}"
        )
    d = _norm_dim(dim, x.ndim) if x.ndim else 0
    wanted = src.shape[d] if src.ndim else 1
    if idx.numel() != wanted:
        raise IndexError(f"index_copy_(): Number of indices ({idx.numel()}) should be equal to "
                         f"source.size(dim) ({wanted})")  # fmt: skip
    if x.ndim == 0:
        return movement.IndexPut.apply(x.reshape(1), key, src.reshape(1)).reshape(())
    return movement.IndexPut.apply(x, key, src)


def index_fill(input, dim, index, value):
    """input with value written into the slices at the (1-d) index along dim."""
    x = _tensor(input, "index_fill")
    key = _index_key(x, dim, _tensor(index, "index_fill", "index", 3), "index_fill_")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")  # fmt: skip
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
        raise IndexError(f"too many indices for tensor of dimension {x.ndim} (got "
                         f"{len(indices)})")  # fmt: skip
    key = tuple(i._data if isinstance(i, Tensor) else i for i in indices)
    if v.dtype != x.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_dt_name(x)} for the destination and {_dt_name(v)} for the "
                           "source.")  # fmt: skip
    if accumulate:
        picked = np.empty(x.shape, dtype=np.int8)[key].shape
        return x + movement.IndexAdd.apply(v.expand(picked), key, tuple(x.shape))
    try:
        return movement.IndexPut.apply(x, key, v)
    except IndexError as error:  # NumPy's words ("axis 0") -> PyTorch's ("dimension 0")
        raise IndexError(str(error).replace(" axis ", " dimension ")) from None


def _dt_name(t: Tensor) -> str:
    """PyTorch's C++ name of t's dtype, as its errors spell it."""
    return {
        "float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long",
        "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
    }.get(t._data.dtype.name, t._data.dtype.name)  # fmt: skip


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """input with src written into the slice start:end:step along dim."""
    x, s = _tensor(input, "slice_scatter"), _tensor(src, "slice_scatter", "src")
    d = _norm_dim(dim, x.ndim)
    key = (slice(None),) * d + (slice(start, end, step),)
    want = np.empty(x.shape, dtype=np.int8)[key].shape
    if tuple(s.shape) != want:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(s.shape)}, slice size = {list(want)}")  # fmt: skip
    return movement.IndexPut.apply(x, key, s.to(x.dtype))


_REDUCES = ("sum", "prod", "mean", "amax", "amin", "max", "min")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src reduced (sum, prod, mean, amax, amin) into the places index names along
    dim; with include_self=False the old values there take no part."""
    x = _tensor(input, "scatter_reduce")
    idx, s = _tensor(index, "scatter_reduce", "index", 3), _tensor(src, "scatter_reduce", "src", 4)
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")  # fmt: skip
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch takes these too
    d = _norm_dim(dim, x.ndim)
    _index_checks.check_scatter(idx._data, tuple(x.shape), d, x._data.dtype, s._data)
    if x.ndim == 0:  # a 0-d tensor scatters as a 1-element vector
        one = scatter_reduce(x.reshape(1), 0, idx.reshape(-1), s.reshape(-1), reduce,
                             include_self=include_self)  # fmt: skip
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
    factors = _cat([s.reshape(-1), _make(np.ones(1, s._data.dtype))], 0)[_long(rows)]
    own = (x if include_self else x.masked_fill(_make(hit), 1)).reshape(-1)  # left out: 1
    table = _cat([own[_long(places)].unsqueeze(1), factors], 1)
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


# ------------------------------------------------------------- splitting and stacking


def tensor_split(input, indices_or_sections, dim=0):
    """Views split into n nearly equal parts (the first ones one larger), or at the indices."""
    x = _tensor(input, "tensor_split")
    if x.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")  # fmt: skip
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
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {x.ndim} dimensions!")  # fmt: skip
    if isinstance(ios, int):
        size = x.shape[dim]
        if ios == 0 or size % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the "
                               f"split_size {ios}!")  # fmt: skip
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
    return _cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in ts], 1)


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

    return _cat([three(t) for t in ts], 2)


# ------------------------------------------------------------- products and distances


def _safe_root(s: Tensor, p: float) -> Tensor:
    """s ** (1/p) with a zero (not NaN) gradient where s == 0, as PyTorch's norms give."""
    pos = s > 0
    return (s.masked_fill(~pos, 1) ** (1.0 / p)).masked_fill(~pos, 0)


def _pnorm_last(diff: Tensor, p: float) -> Tensor:
    if p == 0:
        return (diff != 0).to(diff.dtype).sum(-1)
    if p == float("inf"):
        return diff.abs().amax(-1)
    if p == 1:
        return diff.abs().sum(-1)
    if p == 2:
        return _safe_root((diff * diff).sum(-1), 2)
    return _safe_root((diff.abs() ** p).sum(-1), p)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distance between each row of x1 and each row of x2 (batched over leading dims)."""
    a, b = _tensor(x1, "cdist", "x1"), _tensor(x2, "cdist", "x2")
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X{1 if a.ndim < 2 else 2} "
                           f"got: {(a if a.ndim < 2 else b).ndim}D")  # fmt: skip
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} "
                           f"X2: {b.shape[-1]}")  # fmt: skip
    if not a.dtype.is_floating_point or not b.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {_dt_name(a)}")
    if a.dtype is _dt.float16:  # PyTorch's CPU build has no float16 cdist kernel
        raise NotImplementedError("\"cdist\" not implemented for 'Half'")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return _pnorm_last(a.unsqueeze(-2) - b.unsqueeze(-3), float(p))


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    a, b = _tensor(input, "dist"), _tensor(other, "dist", "other")
    kind = _dt.promote_types(a.dtype, b.dtype)
    if not kind.is_floating_point:
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {_dt_name(_make(np.zeros(0, kind.np)))} instead.")  # fmt: skip
    return _pnorm_last((a - b).reshape(-1), float(p))


def cross(input, other, dim=None):
    """Cross product of 3-vectors along dim (default: the first dim of size 3)."""
    a, b = _tensor(input, "cross"), _tensor(other, "cross", "other")
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = _broadcast(tuple(a.shape), tuple(b.shape))
    a, b = a.expand(shape), b.expand(shape)
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                      "The default value of dim will change to agree with that of "
                      "linalg.cross in a future release.", UserWarning, stacklevel=2)  # fmt: skip
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    d = _norm_dim(dim, len(shape))
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")  # fmt: skip
    i1, i2 = _long([1, 2, 0]), _long([2, 0, 1])
    return (a.index_select(d, i1) * b.index_select(d, i2)
            - a.index_select(d, i2) * b.index_select(d, i1))  # fmt: skip


def vdot(input, other):
    """Dot product of two 1-D tensors (real numbers: no conjugation to do)."""
    a, b = _tensor(input, "vdot"), _tensor(other, "vdot", "other")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_dt_name(a)} and {_dt_name(b)}")  # fmt: skip
    return a.dot(b)


def tensordot(a, b, dims=2, out=None):
    """Sum of products over the given dims of a and b (the last `dims` of a with the first
    of b, or the two listed sets); the free dims of a, then of b, remain."""
    x, y = _tensor(a, "tensordot", "a"), _tensor(b, "tensordot", "b")
    if x.dtype != y.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(x.ndim - dims, x.ndim)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da, db = [_norm_dim(d, x.ndim) for d in da], [_norm_dim(d, y.ndim) for d in db]
    for i, j in zip(da, db):
        if x.shape[i] != y.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{x.shape[i]} in dim {i} and second has size {y.shape[j]} in "
                               f"dim {j}")  # fmt: skip
    fa = [d for d in range(x.ndim) if d not in da]
    fb = [d for d in range(y.ndim) if d not in db]
    k = int(np.prod([x.shape[d] for d in da]))
    xm = x.permute(fa + da).reshape(-1, k)
    ym = y.permute(db + fb).reshape(k, -1)
    return xm.mm(ym).reshape([x.shape[d] for d in fa] + [y.shape[d] for d in fb])


def _add_scaled(input, product, beta, alpha):
    """beta * input + alpha * product; beta == 0 ignores input (its NaNs too), as PyTorch."""
    prod = product if alpha == 1 else product * alpha
    if beta == 0:
        return prod + _zeros((), prod).expand(input.shape).to(prod.dtype)
    return (input if beta == 1 else input * beta) + prod


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    x = _tensor(input, "addmm")
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if _tensor(m, "addmm", name).ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    return _add_scaled(x, _tensor(mat1, "addmm", "mat1").mm(mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    x = _tensor(input, "addmv")
    m, v = _tensor(mat, "addmv", "mat"), _tensor(vec, "addmv", "vec", 3)
    if m.ndim != 2 or v.ndim != 1 or x.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {x.ndim}, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0] or (x.ndim and x.shape[0] not in (1, m.shape[0])):
        size = "x".join(str(n) for n in x.shape)
        raise RuntimeError(f"size mismatch, got input ({size}), mat ({m.shape[0]}x{m.shape[1]}), "
                           f"vec ({v.shape[0]})")  # fmt: skip
    return _add_scaled(x, m.mv(v), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i])."""
    x = _tensor(input, "addbmm")
    b1, b2 = _tensor(batch1, "addbmm", "batch1"), _tensor(batch2, "addbmm", "batch2", 3)
    if b1.ndim == 3 and b2.ndim == 3 and b1.shape[0] != b2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{b1.shape[0]} and {b2.shape[0]}")  # fmt: skip
    return _add_scaled(x, _tensor(batch1, "addbmm", "batch1").bmm(batch2).sum(0), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    x = _tensor(input, "baddbmm")
    return _add_scaled(x, _tensor(batch1, "baddbmm", "batch1").bmm(batch2), beta, alpha)
