"""Tensor methods: arithmetic and comparisons (the operator overloads call these).

Each normalises its operands (`_promote`) and calls one op of ops/binary.py.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from ._checks import (
    _check_alpha,
    _check_int_divisor,
    _check_not_bool,
    _check_tolerances,
    _need_tensor,
    _refuse_number,
)
from ._method_helpers import _arr, _as_mask, _int_power, _named, _promote, _rounded_div
from .autograd.function import is_tensor
from .ops import _shape as _shape_ops, binary, elementwise

if TYPE_CHECKING:
    from .tensor import Tensor


def add(self, other, *, alpha=1) -> Tensor:
    """self + alpha * other, broadcasting."""
    x, y = _promote(self, other)
    if alpha == 1:
        return binary.Add.apply(x, y)
    _check_alpha(x, alpha)
    return binary.Add.apply(x, y, alpha)


def sub(self, other, *, alpha=1) -> Tensor:
    """self - alpha * other, broadcasting."""
    x, y = _promote(self, other, "sub")
    if alpha == 1:
        return binary.Sub.apply(x, y)
    _check_alpha(x, alpha)
    return binary.Sub.apply(x, y, alpha)


def div(self, other, *, rounding_mode=None) -> Tensor:
    """self / other (true division; ints give floats). rounding_mode 'trunc' or 'floor'."""
    if rounding_mode is not None:
        return _rounded_div(self, other, rounding_mode)
    x, y = _promote(self, other, "div")
    return binary.Div.apply(x, y)


def remainder(self, other) -> Tensor:
    """self mod other with the sign of other (Python's %)."""
    x, y = _promote(self, other)
    _check_int_divisor(x, y, "remainder")
    return binary.Remainder.apply(x, y)


def fmod(self, other) -> Tensor:
    """self mod other with the sign of self (C's fmod)."""
    x, y = _promote(self, other)
    _check_int_divisor(x, y, "fmod")
    return binary.Fmod.apply(x, y)


def pow(self, exponent) -> Tensor:
    """self ** exponent."""
    if is_tensor(exponent):
        x, y = _promote(self, exponent)
        if x._data.dtype.kind in "iub":
            _check_not_bool(x, "pow")
            return _int_power(x._data, y._data, x._data.dtype)
        return binary.Pow.apply(x, y)
    x, p = _promote(self, exponent)
    if x._data.dtype.kind in "iub":
        if exponent.__class__ is builtins.int and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return _int_power(x._data, p, x._data.dtype)
    return binary.PowScalar.apply(x, p)


def neg(self) -> Tensor:
    """-self."""
    if self._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or "
            "`logical_not()` operator instead."
        )
    return elementwise.Neg.apply(self)


def nonzero(self, *, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or a 1-d one per dim."""
    coords = np.nonzero(np.atleast_1d(self._data))
    if as_tuple:
        return tuple(self._make(c.astype(np.int64)) for c in coords)
    stacked = np.stack(coords, axis=1) if self._data.ndim else np.zeros((len(coords[0]), 0))
    return self._make(stacked.astype(np.int64))


def masked_fill(self, mask, value) -> Tensor:
    """self with `value` where `mask` is True."""
    mask = _as_mask(mask, "masked_fill")
    if is_tensor(value):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                f"with {value._data.ndim} dimension(s)."
            )
        value = value._cast(self.dtype)
    # A fractional number into an integer tensor needs nothing here: NumPy truncates it when
    # writing, as PyTorch does.
    # Out of place, self broadcasts to the mask's shape too (masked_fill_ checks its shape).
    shape = _shape_ops.broadcast_shapes(self._data.shape, mask._data.shape)
    x = self if shape == self._data.shape else self.expand(shape)
    out = binary.MaskedFill.apply(x, mask, value)
    if is_tensor(value) and out.grad_fn is not None:
        out.grad_fn.node_name = "MaskedFillBackward1"  # PyTorch's name for a tensor value
    return out


def lerp(self, end, weight) -> Tensor:
    """self + weight * (end - self)."""
    if is_tensor(weight):
        return _named(self + weight * (end - self), "LerpBackward1")
    # A number weight as add's alpha: PyTorch keeps it as a plain number, not a saved
    # tensor, so a second backward through lerp accumulates (x * 2 would free its node).
    return _named(self.add(end - self, alpha=weight), "LerpBackward0")


def __rsub__(self, other) -> Tensor:
    x, y = _promote(self, other, "sub")
    if is_tensor(y):
        return y.sub(x)
    return binary.RSub.apply(x, y)


def __rtruediv__(self, other) -> Tensor:
    x, y = _promote(self, other, "div")
    if is_tensor(y):
        return y.div(x)
    return binary.RDiv.apply(x, y)


def __rpow__(self, base) -> Tensor:
    if is_tensor(base):
        return base.pow(self)
    x, c = _promote(self, base)
    if x._data.dtype.kind in "iub":
        _check_not_bool(x, "pow")
        return _int_power(c, x._data, x._data.dtype)
    return binary.RPow.apply(x, c)


def __invert__(self) -> Tensor:
    if self._data.dtype == np.bool_:
        return self._make(np.logical_not(self._data))
    if self._data.dtype.kind not in "iu":
        raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
    return self._make(np.invert(self._data))


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if all |self - other| <= atol + rtol * |other|."""
    _refuse_number(other, "allclose")
    _check_tolerances(rtol, atol)
    return builtins.bool(np.allclose(self._data, _arr(other), rtol, atol, equal_nan))


def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    """Elementwise |self - other| <= atol + rtol * |other|."""
    _refuse_number(other, "isclose")
    _check_tolerances(rtol, atol)
    return self._make(np.isclose(self._data, _arr(other), rtol, atol, equal_nan))


def equal(self, other) -> bool:
    """True if same shape and same values."""
    _need_tensor(other, "equal", "other")
    return self._data.shape == other._data.shape and builtins.bool(
        np.array_equal(self._data, other._data)
    )
