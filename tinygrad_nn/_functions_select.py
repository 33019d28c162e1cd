"""torch.* sorting, selection, scans and the reductions built on them: sort, topk, kthvalue,
median, mode, unique, searchsorted, bincount, cummax, logcumsumexp, quantile, diff, cov, ...

The ops that pick elements find their indices on the arrays (ops/sorting.py) and take the
values with `gather`, so the gradient goes back to the picked elements as PyTorch routes it,
and second derivatives come free. The statistics (quantile, cov, trapezoid, ...) are
compositions of Tensor ops.
"""

from __future__ import annotations

import builtins
import collections

import numpy as np

from . import dtypes as _dt
from .ops import sorting as _sorting
from .ops._names import dtype_word
from .ops.scan import LogCumSumExp
from .tensor import Tensor, _norm_dim

_make = Tensor._make


def _result(name: str, fields: tuple):
    """A named tuple type like torch.return_types.<name>."""
    kind = collections.namedtuple(name, fields)
    kind.__module__ = "tinygrad_nn.return_types"
    return kind


_Sort = _result("sort", ("values", "indices"))
_Topk = _result("topk", ("values", "indices"))
_Kthvalue = _result("kthvalue", ("values", "indices"))
_Median = _result("median", ("values", "indices"))
_Nanmedian = _result("nanmedian", ("values", "indices"))
_Mode = _result("mode", ("values", "indices"))
_Cummax = _result("cummax", ("values", "indices"))
_Cummin = _result("cummin", ("values", "indices"))
_Aminmax = _result("aminmax", ("min", "max"))


def _tensor(x, name: str, arg: str = "input", pos: int = 1) -> Tensor:
    if isinstance(x, Tensor):
        return x
    raise TypeError(
        f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}"
    )


def _pick(x: Tensor, dim: int, index: np.ndarray, keepdim: bool) -> tuple:
    """(values, indices) at `index` (keepdim shape) along dim, dropping dim unless keepdim."""
    if x.ndim == 0:
        return x.clone(), _make(np.zeros((), np.int64))
    idx = _make(index)
    values = x.gather(dim, idx)
    if not keepdim:
        values, idx = values.squeeze(dim), idx.squeeze(dim)
    return values, idx


def _nonempty(x: Tensor, dim: int, name: str) -> None:
    if x.ndim and x.shape[dim] == 0 and x.numel() == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


# ---------------------------------------------------------------------- sorting


def sort(input, dim=-1, descending=False, *, stable=False):
    """(values, indices) sorted along dim; stable, NaN counted as the largest value."""
    x = _tensor(input, "sort")
    dim = _norm_dim(dim, x.ndim)
    index = _sorting.sort_order(x._data, dim, builtins.bool(descending))
    return _Sort(*_pick(x, dim, index, True))


def argsort(input, dim=-1, descending=False, *, stable=False):
    """Indices that sort input along dim (as sort's)."""
    x = _tensor(input, "argsort")
    return _make(_sorting.sort_order(x._data, _norm_dim(dim, x.ndim), builtins.bool(descending)))


def msort(input):
    """input sorted along its first dim."""
    return sort(_tensor(input, "msort"), 0).values


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) along dim."""
    x = _tensor(input, "topk")
    dim = _norm_dim(dim, x.ndim)
    n = x.shape[dim] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        return _Topk(*_pick(x, 0, None, False))
    index = _sorting.topk_index(x._data, dim, k, builtins.bool(largest), builtins.bool(sorted))
    return _Topk(*_pick(x, dim, index, True))


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest along dim (k counts from 1)."""
    x = _tensor(input, "kthvalue")
    dim = _norm_dim(dim, x.ndim)
    n = x.shape[dim] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    if x.ndim == 0:
        return _Kthvalue(*_pick(x, 0, None, keepdim))
    return _Kthvalue(*_pick(x, dim, _sorting.kth_index(x._data, dim, k - 1), keepdim))


def _median(x: Tensor, dim, keepdim: bool, ignore_nan: bool, kind):
    if dim is None:
        return _median_all(x, ignore_nan)
    dim = _norm_dim(dim, x.ndim)
    _nonempty(x, dim, "median")  # nanmedian's error says median() too
    if x.ndim == 0:
        return kind(*_pick(x, 0, None, keepdim))
    return kind(*_pick(x, dim, _sorting.median_index(x._data, dim, ignore_nan), keepdim))


def _median_all(x: Tensor, ignore_nan: bool) -> Tensor:
    """The lower median of all elements. Its gradient is shared evenly by the elements equal
    to it, as PyTorch's median() (without dim) shares it."""
    flat = x._data.reshape(-1)
    if flat.size == 0:
        return _make(np.array(np.nan, x._data.dtype))
    value = flat[_sorting.median_index(flat, 0, ignore_nan)[0]]
    const = _make(np.array(value, x._data.dtype))
    if x._data.dtype.kind != "f" or not x.requires_grad:
        return const
    hit = x == const
    count = hit.sum().clamp(min=1)
    # (x - value) is 0 wherever hit: the value stays exact, the gradient is hit / count
    return const + ((x - const) * hit).sum() / count


def median(input, dim=None, keepdim=False):
    """Lower median of all elements; with dim, (values, indices). NaN propagates."""
    return _median(_tensor(input, "median"), dim, keepdim, False, _Median)


def nanmedian(input, dim=None, keepdim=False):
    """median ignoring NaN (NaN only where everything is NaN)."""
    return _median(_tensor(input, "nanmedian"), dim, keepdim, True, _Nanmedian)


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along dim (smallest on ties) and the index
    of its last occurrence."""
    x = _tensor(input, "mode")
    dim = _norm_dim(dim, x.ndim)
    _nonempty(x, dim, "mode")
    if x.ndim == 0:
        return _Mode(*_pick(x, 0, None, keepdim))
    return _Mode(*_pick(x, dim, _sorting.mode_index(x._data, dim), keepdim))


# ---------------------------------------------------------------------- unique and bins


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (sorted), with the inverse indices and counts if asked."""
    x = _tensor(input, "unique")
    a = x._data
    if dim is None:
        values, inverse, counts = np.unique(
            a.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False
        )
        inverse = inverse.reshape(a.shape)
    else:
        dim = _norm_dim(dim, x.ndim)
        values, inverse, counts = np.unique(
            a, return_inverse=True, return_counts=True, axis=dim, equal_nan=False
        )
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [_make(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(_make(inverse.astype(np.int64)))
    if return_counts:
        out.append(_make(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """input with each run of equal consecutive values (or slices along dim) kept once."""
    x = _tensor(input, "unique_consecutive")
    a = x._data
    flat = dim is None
    if flat:
        a = a.reshape(-1)
        dim = 0
    else:
        dim = _norm_dim(dim, x.ndim)
    n = a.shape[dim] if a.ndim else 1
    rows = np.moveaxis(a, dim, 0).reshape(n, -1) if a.ndim else a.reshape(1, 1)
    starts = np.ones(n, bool)
    if n > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1)
    first = np.flatnonzero(starts)
    values = np.take(a, first, axis=dim) if a.ndim else a
    inverse = np.cumsum(starts) - 1
    if flat:  # one inverse index per element, in input's shape
        inverse = inverse.reshape(x._data.shape)
    counts = np.diff(np.append(first, n))
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


def _search(boundaries: np.ndarray, values: np.ndarray, right: bool) -> np.ndarray:
    """Row by row np.searchsorted (boundaries' last dim against values' last dim)."""
    side = "right" if right else "left"
    if boundaries.ndim == 1:
        return np.searchsorted(boundaries, values, side=side)
    b = boundaries.reshape(-1, boundaries.shape[-1])
    v = values.reshape(-1, values.shape[-1])
    out = np.stack([np.searchsorted(b[i], v[i], side=side) for i in range(b.shape[0])])
    return out.reshape(values.shape)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of input would go in sorted_sequence's last dim to keep it sorted."""
    seq = _tensor(sorted_sequence, "searchsorted", "sorted_sequence")
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, "
                "got side of left while right was True"
            )
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = np.asarray(input, seq._data.dtype) if scalar else input._data
    b = seq._data
    if b.ndim > 1 and (scalar or b.shape[:-1] != values.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(b.shape)} and input value tensor {list(values.shape)}"
        )
    if sorter is not None:
        b = np.take_along_axis(b, sorter._data, axis=-1)
    out = _search(b, values, builtins.bool(right))
    return _make(np.asarray(out, np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value: the index into the 1-d sorted `boundaries` (as searchsorted
    with right read the other way round: right=True puts a value equal to a boundary after it)."""
    b = _tensor(boundaries, "bucketize", "boundaries", 2)
    if b.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def bincount(input, weights=None, minlength=0):
    """Count of each non-negative integer in the 1-d input (or the sum of its weights)."""
    x = _tensor(input, "bincount")
    a = x._data
    if a.dtype.kind not in "iub" or a.dtype == np.bool_:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{dtype_word(a.dtype)}'")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return _make(np.bincount(a, minlength=minlength).astype(np.int64))
    w = weights._data
    if w.shape != a.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    kind = w.dtype if w.dtype == np.float32 else np.float64  # PyTorch: float stays, else double
    return _make(np.bincount(a, weights=w.astype(np.float64), minlength=minlength).astype(kind))


# ---------------------------------------------------------------------- scans


def _cumulative_extreme(x: Tensor, dim, largest: bool, kind):
    dim = _norm_dim(dim, x.ndim)
    if x.ndim == 0:
        return kind(*_pick(x, 0, None, False))
    index = _sorting.running_extreme_index(x._data, dim, largest)
    return kind(x.gather(dim, _make(index)), _make(index))


def cummax(input, dim):
    """(values, indices): the running maximum along dim and where it was (the latest tie)."""
    return _cumulative_extreme(_tensor(input, "cummax"), dim, True, _Cummax)


def cummin(input, dim):
    """(values, indices): the running minimum along dim and where it was (the latest tie)."""
    return _cumulative_extreme(_tensor(input, "cummin"), dim, False, _Cummin)


def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) along dim, computed without overflow."""
    x = _tensor(input, "logcumsumexp")
    if x._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{dtype_word(x._data.dtype)}'"
        )
    return LogCumSumExp.apply(x, _norm_dim(dim, x.ndim))


# ---------------------------------------------------------------------- reductions


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements (along dim)."""
    x = _tensor(input, "nanmean")
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype "
            f"but got {dtype_word(x._data.dtype)}"
        )
    if dtype is not None:
        x = x.to(dtype)
    nan = x.isnan()
    zeroed = x.masked_fill(nan, 0.0)
    count = (~nan).sum(dim, keepdim)
    return zeroed.sum(dim, keepdim) / count


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over all elements or along dim; ties share each gradient evenly."""
    x = _tensor(input, "aminmax")
    if dim is not None and x.ndim and x.shape[_norm_dim(dim, x.ndim)] == 0:
        raise IndexError(
            f"aminmax: Expected reduction dim {_norm_dim(dim, x.ndim)} to have non-zero size."
        )
    if x.numel() == 0 and dim is None:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the "
            "operation has no identity."
        )
    if dim is None:
        lo, hi = x.amin(), x.amax()
        if keepdim:
            shape = (1,) * x.ndim
            lo, hi = lo.reshape(shape), hi.reshape(shape)
        return _Aminmax(lo, hi)
    return _Aminmax(x.amin(dim, keepdim), x.amax(dim, keepdim))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check_quantile(x: Tensor, q, name: str, interpolation: str) -> np.ndarray:
    """q as an array, after PyTorch's checks of input, q and interpolation."""
    if x._data.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._data.dtype != x._data.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qs = q._data
    else:
        qs = np.asarray(q, x._data.dtype)
    if not ((qs >= 0) & (qs <= 1)).all():
        if isinstance(q, Tensor):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, "
            f"midpoint or nearest, but got {interpolation}"
        )
    return qs


def _lerp(lo: Tensor, hi: Tensor, w: np.ndarray) -> Tensor:
    """lo + w (hi - lo), as PyTorch's lerp rounds it (from the nearer end)."""
    wt = _make(w)
    near_lo = _make(w < 0.5)
    return (lo + wt * (hi - lo)).where(near_lo, hi - (hi - lo) * (1 - wt))


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan: bool, name: str) -> Tensor:
    x = _tensor(input, name)
    qs = _check_quantile(x, q, name, interpolation)
    if x.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    flat = dim is None
    src = (
        x.reshape(-1) if flat else x.movedim(_norm_dim(dim, x.ndim), -1) if x.ndim else x.reshape(1)
    )
    ordered = sort(src, -1).values
    a = ordered._data
    n = a.shape[-1]
    nan = np.isnan(a)
    valid = (n - nan.sum(-1, keepdims=True)) if ignore_nan else np.full(a.shape[:-1] + (1,), n)
    q1 = qs.reshape(-1).astype(a.dtype)
    rank = q1 * (valid - 1).astype(a.dtype)  # (..., Q)
    if not ignore_nan:  # a row with NaN answers NaN: point every q at its last (NaN) value
        rank = np.where(nan.any(-1, keepdims=True), n - 1, rank)
    rank = np.where(valid == 0, n - 1, rank)
    lo = np.floor(rank).astype(np.int64)
    hi = np.ceil(rank).astype(np.int64)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = np.round(rank).astype(np.int64)
    lo_v, hi_v = ordered.gather(-1, _make(lo)), ordered.gather(-1, _make(hi))
    weight = (rank - lo).astype(a.dtype)
    if interpolation == "midpoint":
        weight = np.where(hi != lo, a.dtype.type(0.5), weight).astype(a.dtype)
    out = lo_v if interpolation in ("lower", "higher", "nearest") else _lerp(lo_v, hi_v, weight)
    return _quantile_shape(out, x, dim, keepdim, qs)


def _quantile_shape(out: Tensor, x: Tensor, dim, keepdim, qs) -> Tensor:
    """(..., Q) -> PyTorch's layout: the q dim first (if q is 1-d), then input's dims."""
    if dim is None:
        lead = (1,) * x.ndim if keepdim else ()
    else:
        d = _norm_dim(dim, x.ndim)
        shape = list(x.shape)
        if x.ndim:
            if keepdim:
                shape[d] = 1
            else:
                del shape[d]
        lead = tuple(shape)
    out = out.movedim(-1, 0).reshape((out.shape[-1],) + lead)
    return out if qs.ndim == 1 else out.squeeze(0)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles along dim (of all elements if None); NaN if the slice has NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring NaN (NaN only where everything is NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (after prepending/appending)."""
    x = _tensor(input, "diff")
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = _norm_dim(dim, x.ndim)
    if n == 0:  # PyTorch returns input itself then, without prepend or append
        return x
    parts = [p for p in (prepend, x, append) if p is not None]
    for p in parts:
        _check_diff_part(p, x, dim)
    if len(parts) > 1:
        x = _cat(parts, dim)
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        hi, lo = x.narrow(dim, 1, length - 1), x.narrow(dim, 0, length - 1)
        x = hi.logical_xor(lo) if x._data.dtype == np.bool_ else hi - lo
    return x


def _check_diff_part(p: Tensor, x: Tensor, dim: int) -> None:
    """prepend/append must be x's rank and shape except along dim."""
    if p.ndim != x.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for d in range(x.ndim):
        if d != dim and p.shape[d] != x.shape[d]:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({d}) = {x.shape[d]}, "
                f"but got tensor.size({d}) = {p.shape[d]}"
            )


def _cat(parts, dim):
    from .functions import cat

    return cat(parts, dim)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of y along dim by the trapezoidal rule (spacing dx, or the sample points x)."""
    y = _tensor(y, "trapezoid", "y")
    dim = _norm_dim(dim, y.ndim)
    length = y.shape[dim]
    if length == 0:
        return y.sum(dim) * 0
    pair = y.narrow(dim, 1, length - 1) + y.narrow(dim, 0, length - 1)
    if not isinstance(x, Tensor):
        step = dx if dx is not None else (x if x is not None else 1)
        total = pair.sum(dim)
        if total._data.dtype.kind != "f":
            total = total.to(_dt.get_default_dtype())
        # scaled through add's alpha, which keeps no tensor for the backward: the graph can
        # be walked twice, as PyTorch's (a sum and a scalar multiply) can
        return total.new_zeros(()).add(total, alpha=step / 2)
    if x.ndim == 1:  # the sample points of y's dim, for every other position
        x, xdim = x.reshape((-1,) + (1,) * (y.ndim - dim - 1)), 0
    else:
        xdim = dim
    n = x.shape[xdim]
    spacing = x.narrow(xdim, 1, n - 1) - x.narrow(xdim, 0, n - 1)
    return (spacing * pair).sum(dim) / 2


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the variables in the rows of input (observations in columns)."""
    x = _tensor(input, "cov")
    if x.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an "
            f"input with {x.ndim} dimensions"
        )
    x = x.reshape(1, -1) if x.ndim < 2 else x
    if x._data.dtype.kind != "f":
        x = x.to(_dt.get_default_dtype())
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        total = n
        mean = x.mean(1, keepdim=True)
        norm = total - correction
        centered = x - mean
        prod = centered @ centered.t()
    else:
        w = w.to(x.dtype)
        total = w.sum()
        mean = (x * w).sum(1, keepdim=True) / total
        if correction == 0:
            norm = total
        elif aweights is None:
            norm = total - correction
        else:
            norm = total - correction * (w * aweights).sum() / total
        centered = x - mean
        prod = (centered * w) @ centered.t()
    norm = norm.clamp(min=0) if isinstance(norm, Tensor) else builtins.max(norm, 0)
    out = prod / norm
    return out.squeeze() if input.ndim < 2 or input.shape[0] == 1 else out


def corrcoef(input):
    """Pearson correlation coefficients of the rows of input, clipped to [-1, 1]."""
    c = cov(_tensor(input, "corrcoef"))
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    # clipped to [-1, 1] as PyTorch clips rounding overshoots; a where, not a clamp, so the
    # diagonal's exact 1s are not a kink for a finite-difference check
    return c.where(c.abs() <= 1, c.sign())
