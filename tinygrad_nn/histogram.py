"""Histograms: `histc` (counts in equal bins) and `histogram` (counts and the bin edges).

Neither is differentiable. Both follow PyTorch's CPU kernel, so a value on an edge lands in
the same bin as there:

- the outer edges come from `range` (or `min`/`max`), else from the data's min and max;
  an empty range is widened (by 0.5 each side for `histogram`, by 1 for `histc`);
- values outside [first edge, last edge] and NaNs are not counted; a value equal to the last
  edge counts in the last bin;
- `histc` finds a value's bin by linear interpolation alone,
  `int((x - left) * bins / (right - left))`, computed in the input's dtype;
- `histogram` with a number of bins interpolates the same way, then corrects the guess by a
  binary search among the neighbouring edges (its edges are `linspace`'s, and a rounded
  edge can sit on either side of the guess); with a tensor of edges it searches them all.

A bin is the half-open interval [edge i, edge i+1): a value's bin is the last edge <= it,
found as C++'s `std::upper_bound` finds it (so even unsorted edges give PyTorch's answer).
"""

from __future__ import annotations

import builtins
import collections
import math

import numpy as np

from .creation import linspace
from .sampling import type_word
from .tensor import Tensor

# PyTorch's `torch.return_types.histogram`: a named tuple of the counts and the edges.
HistogramResult = collections.namedtuple("histogram", ["hist", "bin_edges"])


def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """Counts of `input`'s values in `bins` equal bins spanning [min, max].

    Same semantics as `torch.histc`: with min == max the data's own range is used; values
    outside it are ignored. The counts have the input's (floating) dtype.
    """
    _check_bins_type(bins, "histc")
    data = input._data
    if data.dtype.kind != "f":
        kernel = "linspace_cpu" if data.dtype == np.bool_ else "histogram_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_word(data.dtype)}'")
    left, right = builtins.float(min), builtins.float(max)
    if left == right and data.size:
        left, right = builtins.float(np.min(data)), builtins.float(np.max(data))
        if math.isnan(left):  # PyTorch's min/max kernel makes x86's default NaN, sign set
            left = right = -math.nan
    if left == right:
        left, right = left - 1, right + 1
    if not (math.isfinite(left) and math.isfinite(right)):
        raise RuntimeError(f"torch.histc: range of [{_cpp(left)}, {_cpp(right)}] is not finite")
    if not left < right:
        raise RuntimeError("torch.histc: max must be larger than min")
    _check_bin_count(bins)
    edges = linspace(left, right, bins + 1, dtype=input.dtype)._data  # only the outer two count
    values = data.reshape(-1)
    values = values[(values >= edges[0]) & (values <= edges[-1])]
    with np.errstate(over="ignore", invalid="ignore"):  # in the input dtype, as the kernel
        guess = (values - edges[0]) * data.dtype.type(bins) / (edges[-1] - edges[0])
    pos = np.minimum(guess.astype(np.int64), bins - 1)  # x == right: the last bin
    return Tensor._make(np.bincount(pos, minlength=bins).astype(data.dtype))


def histogram(input: Tensor, bins, *, range=None, weight=None, density: bool = False):
    """(hist, bin_edges) of `input`'s values: `bins` equal bins over `range` (default: the
    data's min and max) or the given edges (a 1-d tensor).

    Same semantics as `torch.histogram`. `weight` (same shape and dtype as input) counts
    each value with its weight; `density=True` scales hist so it integrates to 1.
    """
    data = input._data
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError(
                "histogram(): `range` goes with a number of bins, not with a tensor of bin edges"
            )
        edges = _given_edges(data, bins)
        search = (np.zeros(data.size, np.int64), np.full(data.size, edges.size, np.int64))
    else:
        _check_bins_type(bins, "histogram")
        _check_float(data)
        _check_bin_count(bins)
        left, right = _outer_edges(data, range)
        edges = linspace(left, right, bins + 1, dtype=input.dtype)._data
        search = None
    values = data.reshape(-1)
    weights = _weights(data, weight)
    hist = _count(values, weights, edges, search)
    if density:
        with np.errstate(all="ignore"):  # no counts, or bins of width 0: nan, silently
            hist = hist / hist.sum() / np.diff(edges)
    return HistogramResult(Tensor._make(hist.astype(data.dtype)), Tensor._make(edges.copy()))


# ---------------------------------------------------------------------- checks


def _check_bins_type(bins, name: str) -> None:
    if not isinstance(bins, (builtins.int, np.integer)) or isinstance(bins, builtins.bool):
        raise TypeError(
            f"{name}(): argument 'bins' (position 2) must be int, not {type(bins).__name__}"
        )


def _check_bin_count(bins: int) -> None:
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")


def _check_float(data: np.ndarray) -> None:
    # PyTorch's histogramdd kernel exists for float and double only.
    if data.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{type_word(data.dtype)}'")


def _given_edges(data: np.ndarray, bins: Tensor) -> np.ndarray:
    _check_float(data)
    edges = bins._data
    if edges.dtype != data.dtype:
        raise RuntimeError(
            "torch.histogramdd: input tensor and bins tensors should have the "
            f"same dtype, but got input with dtype {_name(data.dtype)} and bins "
            f"for dimension 0 with dtype {_name(edges.dtype)}"
        )
    if edges.ndim != 1:
        raise RuntimeError(
            "torch.histogramdd: bins tensor should have one dimension, but got "
            f"{edges.ndim} dimensions in the bins tensor for dimension "
            "0"
        )
    if edges.size == 0:
        raise RuntimeError(
            "torch.histogramdd: bins tensor should have at least 1 element, but "
            "got 0 elements in the bins tensor for dimension 0"
        )
    _check_bin_count(edges.size - 1)
    return edges


def _outer_edges(data: np.ndarray, range) -> tuple:
    """The first and last edge: `range`, or the data's extremes; an empty range widened."""
    if range is not None:
        range = tuple(range)
        if len(range) != 2:
            raise RuntimeError(
                "torch.histogramdd: for a 1-dimensional histogram range should "
                f"have 2 elements, but got {len(range)}"
            )
        left, right = builtins.float(range[0]), builtins.float(range[1])
    elif data.size:
        left, right = builtins.float(np.min(data)), builtins.float(np.max(data))
    else:  # no data: PyTorch's default range
        left, right = 0.0, 1.0
    if not (math.isfinite(left) and math.isfinite(right)):
        raise RuntimeError(
            f"torch.histogramdd: dimension 0's range [{_cpp(left)}, {_cpp(right)}] is not finite"
        )
    if left > right:
        raise RuntimeError(
            "torch.histogramdd: min should not exceed max, but got min "
            f"{_cpp(left)} max {_cpp(right)} for dimension 0"
        )
    if left == right:  # as NumPy: widen, so that the density has no division by zero
        left, right = left - 0.5, right + 0.5
    return left, right


def _weights(data: np.ndarray, weight):
    if weight is None:
        return None
    w = weight._data
    if w.size != data.size:  # PyTorch flattens both
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided it should have the "
            "same shape as the input tensor excluding its innermost dimension, "
            f"but got input with shape {[data.size, 1]} and weight with shape "
            f"{list(w.shape)}"
        )
    if w.dtype != data.dtype:
        raise RuntimeError(
            "torch.histogramdd: if weight tensor is provided, input tensor and "
            f"weight tensor should have the same dtype, but got "
            f"input({_name(data.dtype)}), and weight({_name(w.dtype)})"
        )
    return w.reshape(-1)


# ---------------------------------------------------------------------- counting


def _count(values: np.ndarray, weights, edges: np.ndarray, search) -> np.ndarray:
    """Sum of weights (or 1s) per bin, as PyTorch's kernel bins each value."""
    bins = edges.size - 1
    inside = (values >= edges[0]) & (values <= edges[-1])  # NaN is never inside
    values = values[inside]
    if search is None:  # a number of bins: interpolate, then search the neighbouring edges
        with np.errstate(over="ignore", invalid="ignore"):
            guess = ((values - edges[0]) * edges.dtype.type(bins) / (edges[-1] - edges[0])).astype(
                np.int64
            )
        first, last = np.maximum(guess - 1, 0), np.minimum(guess + 2, edges.size)
    else:
        first, last = search[0][inside], search[1][inside]
    pos = _upper_bound(edges, values, first, last) - 1
    pos[pos == bins] = bins - 1  # the last edge belongs to the last bin
    hist = np.zeros(bins, edges.dtype)
    # One value at a time in input order, as the kernel adds (the same float32 rounding).
    np.add.at(hist, pos, 1 if weights is None else weights[inside])
    return hist


def _upper_bound(edges: np.ndarray, values: np.ndarray, first, last) -> np.ndarray:
    """For each value, C++'s `std::upper_bound(edges + first, edges + last, value)`: the
    first index whose edge is > value, by the same halving steps (vectorised)."""
    first, count = first.copy(), last - first
    while count.any():
        step = count // 2
        probe = first + step
        right = (count > 0) & ~(values < edges[np.minimum(probe, edges.size - 1)])
        first = np.where(right, probe + 1, first)
        count = np.where(right, count - step - 1, np.where(count > 0, step, 0))
    return first


def _name(dtype: np.dtype) -> str:
    """The C type name PyTorch prints for a dtype ('float', 'double')."""
    return {"f": "float", "d": "double", "e": "c10::Half"}.get(np.dtype(dtype).char, str(dtype))


def _cpp(x: float) -> str:
    """A double as C++'s ostream prints it (%g, and a NaN's sign)."""
    return "-nan" if math.isnan(x) and math.copysign(1.0, x) < 0 else f"{x:g}"
