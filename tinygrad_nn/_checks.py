"""Argument checks that raise PyTorch's exception classes with PyTorch's messages.

The Tensor methods call these before running an op, so the messages live in one place.
"""

from __future__ import annotations

import builtins
import warnings
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt
from .autograd.function import is_tensor
from .ops import _shape as _shape_ops
from .ops._names import DTYPE_WORDS as _DTYPE_WORDS, dtype_word

if TYPE_CHECKING:
    from .tensor import Tensor


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If "
    "you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. "
    "See github.com/pytorch/pytorch/pull/30531 for more information."
)


def _warn_no_dof(t: Tensor, dims: tuple, correction, name: str) -> None:
    count = 1
    for d in dims:
        count *= t._data.shape[d]
    if count - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )


def _dtype_word(t: Tensor) -> str:
    """PyTorch's word for t's dtype in messages (Float, Long, ...)."""
    return dtype_word(t._data.dtype)


def _check_alpha(x: Tensor, alpha) -> None:
    if isinstance(alpha, builtins.float) and x._data.dtype.kind in "iub":
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


def _check_no_partial_overlap(t: Tensor, other) -> None:
    """`x.add_(x[0])` would read values it already overwrote: refused, as in PyTorch (which
    checks contiguous operands only; the same memory in the same layout is fine)."""
    if not is_tensor(other) or other._data is t._data:
        return
    a, b = t._data, other._data
    if not (a.flags.c_contiguous and b.flags.c_contiguous and np.may_share_memory(a, b)):
        return
    if a.ctypes.data == b.ctypes.data and a.shape == b.shape and a.dtype == b.dtype:
        return
    raise RuntimeError(
        "unsupported operation: some elements of the input tensor and the written-to tensor "
        "refer to a single memory location. Please clone() the tensor before performing the "
        "operation."
    )


def _keepdims_alias(name: str, keepdim, keepdims) -> bool:
    """NumPy's `keepdims`, which PyTorch's argument parser takes for `keepdim` on its native
    reductions (not on `norm`, written in Python there). Given both, no signature matches."""
    if keepdim is not False:  # a keepdim left at its default cannot be told from False
        raise TypeError(f"{name}() got an unexpected keyword argument 'keepdims'")
    if keepdims.__class__ is not builtins.bool:  # NumPy's bool is refused too, as there
        kind = type(keepdims)
        where = "" if kind.__module__ == "builtins" else kind.__module__ + "."
        raise TypeError(f"{name}(): argument 'keepdim' must be bool, not {where}{kind.__name__}")
    return keepdims


def _check_reduced_sizes(t: Tensor, dim, name: str) -> None:
    """An explicitly named dim of size 0 has no max: IndexError, as PyTorch raises."""
    if dim not in ((), None):
        for d in _shape_ops.normalize_dims(dim, t._data.ndim):
            if t._data.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _check_inplace_dtype(t: Tensor, dtype, name: str) -> None:
    """cumsum_(dtype=...) cannot change the dtype of the tensor it writes into, and has no
    bool kernel (the out-of-place op counts bools in int64)."""
    if t._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
    if dtype is not None and _dt.as_dtype(dtype).np != t._data.dtype:
        words = {
            "float32": "float",
            "float64": "double",
            "int64": "long int",
            "int32": "int",
            "bool": "bool",
            "float16": "c10::Half",
            "int16": "short int",
            "int8": "signed char",
            "uint8": "unsigned char",
        }  # PyTorch's C++ type names
        raise RuntimeError(
            f"Bad in-place call: input tensor dtype {words[t._data.dtype.name]} "
            f"and output tensor dtype {words[_dt.as_dtype(dtype).np.name]} "
            "should match"
        )


def _check_bool_sub(x: Tensor, y) -> None:
    if (
        x._data.dtype == np.bool_
        or y.__class__ is builtins.bool
        or (is_tensor(y) and y._data.dtype == np.bool_)
    ):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _check_not_bool(x: Tensor, kernel: str) -> None:
    """PyTorch has no bool kernel for pow, floor division, remainder or clamp."""
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_int_divisor(x: Tensor, y, kernel: str) -> None:
    """Integer division by zero raises in PyTorch (floats give inf or nan instead)."""
    if x._data.dtype.kind in "iub":
        _check_not_bool(x, f"{kernel}_cpu")
        if np.any(np.asarray(y._data if is_tensor(y) else y) == 0):
            raise RuntimeError("ZeroDivisionError")


def _check_tolerances(rtol, atol) -> None:
    """isclose/allclose: a negative tolerance is a caller's mistake, refused as in PyTorch."""
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value}")


def _refuse_number(other, name: str) -> None:
    """Ops with no Scalar overload in PyTorch (maximum, logical_and, isclose, ...) take only
    tensors: a Python number is PyTorch's TypeError."""
    if other.__class__ in (builtins.float, builtins.int, builtins.bool, builtins.complex):
        raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")


def _type_error(fn, y):
    raise TypeError(f"'{fn.__name__}' not supported between a Tensor and {type(y).__name__}")


def _check_castable(t: Tensor, other) -> None:
    """`x <<= 1.5` on an integer x: the result's dtype is refused before any kernel runs."""
    if is_tensor(other) or other.__class__ in (builtins.int, builtins.float):
        result = _dt.result_type(t, other).np
        if "biuf".index(result.kind) > "biuf".index(t._data.dtype.kind):
            raise RuntimeError(
                f"result type {_DTYPE_WORDS[result.name]} can't be cast to the "
                f"desired output type {_dtype_word(t)}"
            )


def _broadcast_check(shape: tuple, target: tuple, name: str) -> None:
    if not _shape_ops.is_expandable_to(shape, target):
        raise RuntimeError(
            f"{name}: the shape {list(shape)} cannot be broadcast to the tensor's shape "
            f"{list(target)}"
        )


def _need_tensor(value, op: str, name: str) -> None:
    if not is_tensor(value):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def _need_matrix(t: Tensor, name: str) -> None:
    if t._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
