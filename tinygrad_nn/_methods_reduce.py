"""Tensor methods: reductions (ops/reduce.py) with PyTorch's argument rules:
`keepdims` as an alias, `dim` as an int, a tuple or nothing, dtypes for sums of integers."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt
from ._checks import _DTYPE_WORDS, _check_reduced_sizes, _dtype_word, _keepdims_alias, _warn_no_dof
from ._method_helpers import (
    _accumulate_dtype,
    _arg_reduce,
    _correction,
    _MaxResult,
    _MinResult,
    _named,
    _norm_dim,
    _norm_dims,
    _reduce_dims,
    _widened,
)
from .autograd.function import is_tensor
from .ops import linalg, reduce

if TYPE_CHECKING:
    from .tensor import Tensor


def sum(self, dim=None, keepdim: bool = False, *, dtype=None, keepdims=None) -> Tensor:
    """Sum over dim (int or tuple; all by default). Ints and bools sum as int64."""
    if keepdims is not None:
        keepdim = _keepdims_alias("sum", keepdim, keepdims)
    dims = _reduce_dims(dim, self._data.ndim)
    out = reduce.Sum.apply(self, dims, keepdim, _accumulate_dtype(self, dtype))
    if (dim is not None or keepdim) and out.grad_fn is not None:
        out.grad_fn.node_name = "SumBackward1"  # PyTorch's name for its `dim` overload
    return out


def mean(self, dim=None, keepdim: bool = False, *, dtype=None, keepdims=None) -> Tensor:
    """Mean over dim. Needs a floating dtype, as in PyTorch."""
    if keepdims is not None:
        keepdim = _keepdims_alias("mean", keepdim, keepdims)
    if dtype is None and self._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {_dtype_word(self)}"
        )
    if dtype is not None and _dt.as_dtype(dtype).np.kind != "f":  # an integer mean rounds
        raise RuntimeError(
            "mean(): could not infer output dtype. Optional dtype must be either a floating "
            f"point or complex dtype. Got: {_DTYPE_WORDS[_dt.as_dtype(dtype).np.name]}"
        )
    dims = _reduce_dims(dim, self._data.ndim)
    out = reduce.Mean.apply(self if dtype is None else self.to(dtype), dims, keepdim)
    if (dim is not None or keepdim) and out.grad_fn is not None:
        out.grad_fn.node_name = "MeanBackward1"  # PyTorch's name for its `dim` overload
    return out


def nansum(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
    """Sum treating NaN as zero."""
    if keepdims is not None:
        keepdim = _keepdims_alias("nansum", keepdim, keepdims)
    return _named(self.where(self.isnan().logical_not(), 0).sum(dim, keepdim), "NansumBackward0")


def prod(self, dim=None, keepdim: bool = False, *, dtype=None, keepdims=None) -> Tensor:
    """Product over dim (one int in PyTorch; all by default)."""
    if keepdims is not None:
        keepdim = _keepdims_alias("prod", keepdim, keepdims)
    dims = _norm_dims(dim, self._data.ndim)
    return reduce.Prod.apply(self, dims, keepdim, _accumulate_dtype(self, dtype))


def var(
    self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, keepdims=None
) -> Tensor:
    """Variance with `correction` (default 1: Bessel's correction)."""
    if keepdims is not None:
        keepdim = _keepdims_alias("var", keepdim, keepdims)
    if isinstance(dim, builtins.bool):  # var(False): `unbiased` passed first, as PyTorch allows
        dim, unbiased = None, dim
    dims, correction = _reduce_dims(dim, self._data.ndim), _correction(unbiased, correction)
    _warn_no_dof(self, dims, correction, "var")
    return reduce.Var.apply(self._floating_for("var"), dims, correction, keepdim, dim is None)


def std(
    self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, keepdims=None
) -> Tensor:
    """Standard deviation with `correction` (default 1)."""
    if keepdims is not None:
        keepdim = _keepdims_alias("std", keepdim, keepdims)
    if isinstance(dim, builtins.bool):  # std(False): `unbiased` passed first
        dim, unbiased = None, dim
    dims, correction = _reduce_dims(dim, self._data.ndim), _correction(unbiased, correction)
    _warn_no_dof(self, dims, correction, "std")
    return reduce.Std.apply(self._floating_for("std"), dims, correction, keepdim)


def max(self, dim=None, keepdim: bool = False, *, keepdims=None):
    """Max of all elements; with dim, a (values, indices) named tuple; with a tensor, maximum."""
    if keepdims is not None:
        keepdim = _keepdims_alias("max", keepdim, keepdims)
    if is_tensor(dim):
        return self.maximum(dim)
    if dim is None:
        return reduce.Max.apply(self, tuple(range(self._data.ndim)), False)
    values, indices = reduce.MaxDim.apply(self, _norm_dim(dim, self._data.ndim), keepdim)
    return _MaxResult(values, indices)


def min(self, dim=None, keepdim: bool = False, *, keepdims=None):
    """Min of all elements; with dim, a (values, indices) named tuple; with a tensor, minimum."""
    if keepdims is not None:
        keepdim = _keepdims_alias("min", keepdim, keepdims)
    if is_tensor(dim):
        return self.minimum(dim)
    if dim is None:
        return reduce.Min.apply(self, tuple(range(self._data.ndim)), False)
    values, indices = reduce.MinDim.apply(self, _norm_dim(dim, self._data.ndim), keepdim)
    return _MinResult(values, indices)


def amax(self, dim=(), keepdim: bool = False, *, keepdims=None) -> Tensor:
    """Max over dims (all if empty); ties share the gradient equally."""
    if keepdims is not None:
        keepdim = _keepdims_alias("amax", keepdim, keepdims)
    _check_reduced_sizes(self, dim, "amax")
    return reduce.Amax.apply(self, _norm_dims(dim if dim != () else None, self._data.ndim), keepdim)


def amin(self, dim=(), keepdim: bool = False, *, keepdims=None) -> Tensor:
    """Min over dims (all if empty); ties share the gradient equally."""
    if keepdims is not None:
        keepdim = _keepdims_alias("amin", keepdim, keepdims)
    _check_reduced_sizes(self, dim, "amin")
    return reduce.Amin.apply(self, _norm_dims(dim if dim != () else None, self._data.ndim), keepdim)


def argmax(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
    """Index of the first maximum (over the flattened tensor if dim is None)."""
    if keepdims is not None:
        keepdim = _keepdims_alias("argmax", keepdim, keepdims)
    return _arg_reduce(np.argmax, self, dim, keepdim, "argmax")


def argmin(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
    """Index of the first minimum (over the flattened tensor if dim is None)."""
    if keepdims is not None:
        keepdim = _keepdims_alias("argmin", keepdim, keepdims)
    return _arg_reduce(np.argmin, self, dim, keepdim, "argmin")


def logsumexp(self, dim, keepdim: bool = False, *, keepdims=None) -> Tensor:
    """log(sum(exp(self))) over dim, computed stably."""
    if keepdims is not None:
        keepdim = _keepdims_alias("logsumexp", keepdim, keepdims)
    return reduce.Logsumexp.apply(self._floating(), _reduce_dims(dim, self._data.ndim), keepdim)


def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """Vector p-norm over dim (2-norm / Frobenius by default)."""
    p = 2 if p in ("fro", None) else p
    if p == "nuc":  # sum of singular values, of the matrices in `dim`
        return linalg.nuclear_norm(
            self if dtype is None else _widened(self, dtype, "matrix"), dim, keepdim
        )
    if dtype is None and self._data.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor "
            f"as input. Got {_dtype_word(self)}"
        )
    x = self if dtype is None else self.to(dtype)
    return reduce.Norm.apply(x, builtins.float(p), _reduce_dims(dim, self._data.ndim), keepdim)
