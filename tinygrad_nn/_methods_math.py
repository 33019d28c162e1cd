"""Tensor methods: elementwise math (ops/elementwise.py) whose argument handling needs
more than one line: clamp and its bounds, rounding with decimals, softmax's dtype."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt
from ._checks import _check_not_bool, _dtype_word
from ._method_helpers import _named
from .autograd.function import is_tensor
from .ops import elementwise

if TYPE_CHECKING:
    from .tensor import Tensor


def relu(self) -> Tensor:
    """max(self, 0); gradient 0 at 0."""
    if self._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return elementwise.Relu.apply(self)


def abs(self) -> Tensor:
    """|self|; gradient 0 at 0."""
    if self._data.dtype == np.bool_:
        raise RuntimeError("\"abs_cpu\" not implemented for 'Bool'")
    return elementwise.Abs.apply(self)


def sign(self) -> Tensor:
    """-1, 0 or 1; gradient 0."""
    if self._data.dtype == np.bool_:  # the sign of a bool is itself
        return self._make(self._data.copy())
    return elementwise.Sign.apply(self)


def round(self, *, decimals: int = 0) -> Tensor:
    """Round half to even; gradient 0."""
    if decimals:
        if self._data.dtype.kind != "f":
            raise NotImplementedError(f"\"round_cpu\" not implemented for '{_dtype_word(self)}'")
        scale = 10.0**decimals
        return (self * scale).round() / scale
    return elementwise.Round.apply(self) if self._data.dtype.kind == "f" else self.clone()


def frac(self) -> Tensor:
    """self - trunc(self)."""
    if self._data.dtype.kind != "f":
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_dtype_word(self)}'")
    return _named(self - self.trunc(), "FracBackward0")


def clamp(self, min=None, max=None) -> Tensor:
    """Limit values to [min, max] (bounds inclusive for the gradient)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    for bound in (min, max):
        number = isinstance(bound, (builtins.int, builtins.float, np.generic))
        if not (bound is None or number or is_tensor(bound)):
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got "
                f"({type(bound).__name__})"
            )
    if is_tensor(min) or is_tensor(max):
        return self._clamp_tensor(min, max)
    x = self
    if self._data.dtype.kind != "f":  # an integer tensor takes the bounds' dtype into account
        x = self._cast(_dt.result_type(self, *[b for b in (min, max) if b is not None]))
        _check_not_bool(x, "clamp_scalar_cpu")
    return elementwise.Clamp.apply(x, min, max)


def _clamp_tensor(self, min, max, only: str = "") -> Tensor:
    """clamp with tensor bounds, all operands in their common dtype, as PyTorch's. Its
    node has edges (x, min, max), or (x, min) / (x, max) for `only` "min" / "max"."""
    if not all(b is None or is_tensor(b) for b in (min, max)):
        raise TypeError(
            "clamp() received an invalid combination of arguments - got "
            f"(min={type(min).__name__}, max={type(max).__name__}): the bounds must be both "
            "Tensors or both numbers"
        )
    bounds = [b for b in (min, max) if b is not None]
    dtype = _dt.result_type(self, *bounds)
    x, lo, hi = (None if t is None else t._cast(dtype) for t in (self, min, max))
    if only == "min":
        return elementwise.ClampTensor.apply(x, lo)
    if only == "max":
        return elementwise.ClampTensor.apply(x, hi, upper_only=True)
    return elementwise.ClampTensor.apply(x, lo, hi)


def clamp_min(self, min) -> Tensor:
    """max(self, min)."""
    if is_tensor(min):
        return _named(self._clamp_tensor(min, None, "min"), "ClampMinBackward1")
    return _named(self.clamp(min=min), "ClampMinBackward0")


def clamp_max(self, max) -> Tensor:
    """min(self, max)."""
    if is_tensor(max):
        return _named(self._clamp_tensor(None, max, "max"), "ClampMaxBackward1")
    return _named(self.clamp(max=max), "ClampMaxBackward0")


def _floating(self) -> Tensor:
    """Ops like exp promote integer tensors to the default float dtype."""
    if self._data.dtype.kind == "f":
        return self
    return self._make(self._data.astype(_dt.get_default_dtype().np))
