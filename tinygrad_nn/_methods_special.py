"""Tensor methods for the special functions of ops/elementwise_more.py and
ops/binary_more.py, each with its in-place twin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .ops import binary_more, elementwise_more

if TYPE_CHECKING:
    from .tensor import Tensor


def asin(self) -> Tensor:
    """torch.asin(self)."""
    return elementwise_more.asin(self)


def asin_(self) -> Tensor:
    """self = asin(self), in place."""
    return self._inplace(lambda t: elementwise_more.asin(t))


def acos(self) -> Tensor:
    """torch.acos(self)."""
    return elementwise_more.acos(self)


def acos_(self) -> Tensor:
    """self = acos(self), in place."""
    return self._inplace(lambda t: elementwise_more.acos(t))


def atan(self) -> Tensor:
    """torch.atan(self)."""
    return elementwise_more.atan(self)


def atan_(self) -> Tensor:
    """self = atan(self), in place."""
    return self._inplace(lambda t: elementwise_more.atan(t))


def sinh(self) -> Tensor:
    """torch.sinh(self)."""
    return elementwise_more.sinh(self)


def sinh_(self) -> Tensor:
    """self = sinh(self), in place."""
    return self._inplace(lambda t: elementwise_more.sinh(t))


def cosh(self) -> Tensor:
    """torch.cosh(self)."""
    return elementwise_more.cosh(self)


def cosh_(self) -> Tensor:
    """self = cosh(self), in place."""
    return self._inplace(lambda t: elementwise_more.cosh(t))


def asinh(self) -> Tensor:
    """torch.asinh(self)."""
    return elementwise_more.asinh(self)


def asinh_(self) -> Tensor:
    """self = asinh(self), in place."""
    return self._inplace(lambda t: elementwise_more.asinh(t))


def acosh(self) -> Tensor:
    """torch.acosh(self)."""
    return elementwise_more.acosh(self)


def acosh_(self) -> Tensor:
    """self = acosh(self), in place."""
    return self._inplace(lambda t: elementwise_more.acosh(t))


def atanh(self) -> Tensor:
    """torch.atanh(self)."""
    return elementwise_more.atanh(self)


def atanh_(self) -> Tensor:
    """self = atanh(self), in place."""
    return self._inplace(lambda t: elementwise_more.atanh(t))


def exp2(self) -> Tensor:
    """torch.exp2(self)."""
    return elementwise_more.exp2(self)


def exp2_(self) -> Tensor:
    """self = exp2(self), in place."""
    return self._inplace(lambda t: elementwise_more.exp2(t))


def erfc(self) -> Tensor:
    """torch.erfc(self)."""
    return elementwise_more.erfc(self)


def erfc_(self) -> Tensor:
    """self = erfc(self), in place."""
    return self._inplace(lambda t: elementwise_more.erfc(t))


def erfinv(self) -> Tensor:
    """torch.erfinv(self)."""
    return elementwise_more.erfinv(self)


def erfinv_(self) -> Tensor:
    """self = erfinv(self), in place."""
    return self._inplace(lambda t: elementwise_more.erfinv(t))


def lgamma(self) -> Tensor:
    """torch.lgamma(self)."""
    return elementwise_more.lgamma(self)


def lgamma_(self) -> Tensor:
    """self = lgamma(self), in place."""
    return self._inplace(lambda t: elementwise_more.lgamma(t))


def digamma(self) -> Tensor:
    """torch.digamma(self)."""
    return elementwise_more.digamma(self)


def digamma_(self) -> Tensor:
    """self = digamma(self), in place."""
    return self._inplace(lambda t: elementwise_more.digamma(t))


def sinc(self) -> Tensor:
    """torch.sinc(self)."""
    return elementwise_more.sinc(self)


def sinc_(self) -> Tensor:
    """self = sinc(self), in place."""
    return self._inplace(lambda t: elementwise_more.sinc(t))


def logit(self, eps=None) -> Tensor:
    """torch.logit(self, eps)."""
    return elementwise_more.logit(self, eps)


def logit_(self, eps=None) -> Tensor:
    """self = logit(self, eps), in place."""
    return self._inplace(lambda t: elementwise_more.logit(t, eps))


def nan_to_num(self, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """torch.nan_to_num(self, nan, posinf, neginf)."""
    return elementwise_more.nan_to_num(self, nan, posinf, neginf)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None) -> Tensor:
    """self = nan_to_num(self, nan, posinf, neginf), in place."""
    return self._inplace(lambda t: elementwise_more.nan_to_num(t, nan, posinf, neginf))


def sgn(self) -> Tensor:
    """torch.sgn(self)."""
    return elementwise_more.sgn(self)


def sgn_(self) -> Tensor:
    """self = sgn(self), in place."""
    return self._inplace(lambda t: elementwise_more.sgn(t))


def deg2rad(self) -> Tensor:
    """torch.deg2rad(self)."""
    return elementwise_more.deg2rad(self)


def deg2rad_(self) -> Tensor:
    """self = deg2rad(self), in place."""
    return self._inplace(lambda t: elementwise_more.deg2rad(t))


def rad2deg(self) -> Tensor:
    """torch.rad2deg(self)."""
    return elementwise_more.rad2deg(self)


def rad2deg_(self) -> Tensor:
    """self = rad2deg(self), in place."""
    return self._inplace(lambda t: elementwise_more.rad2deg(t))


def signbit(self) -> Tensor:
    """torch.signbit(self)."""
    return elementwise_more.signbit(self)


def isposinf(self) -> Tensor:
    """torch.isposinf(self)."""
    return elementwise_more.isposinf(self)


def isneginf(self) -> Tensor:
    """torch.isneginf(self)."""
    return elementwise_more.isneginf(self)


def polygamma(self, n: int) -> Tensor:
    """The n-th derivative of digamma at self."""
    return elementwise_more.polygamma(n, self)


def polygamma_(self, n: int) -> Tensor:
    """self = polygamma(n, self), in place."""
    return self._inplace(lambda t: elementwise_more.polygamma(n, t))


def atan2(self, other) -> Tensor:
    """torch.atan2(self, other)."""
    return binary_more.atan2(self, other)


def atan2_(self, other) -> Tensor:
    """self = atan2(self, other), in place."""
    return self._inplace(lambda t: binary_more.atan2(t, other))


def hypot(self, other) -> Tensor:
    """torch.hypot(self, other)."""
    return binary_more.hypot(self, other)


def hypot_(self, other) -> Tensor:
    """self = hypot(self, other), in place."""
    return self._inplace(lambda t: binary_more.hypot(t, other))


def xlogy(self, other) -> Tensor:
    """torch.xlogy(self, other)."""
    return binary_more.xlogy(self, other)


def xlogy_(self, other) -> Tensor:
    """self = xlogy(self, other), in place."""
    return self._inplace(lambda t: binary_more.xlogy(t, other))


def copysign(self, other) -> Tensor:
    """torch.copysign(self, other)."""
    return binary_more.copysign(self, other)


def copysign_(self, other) -> Tensor:
    """self = copysign(self, other), in place."""
    return self._inplace(lambda t: binary_more.copysign(t, other))


def ldexp(self, other) -> Tensor:
    """torch.ldexp(self, other)."""
    return binary_more.ldexp(self, other)


def ldexp_(self, other) -> Tensor:
    """self = ldexp(self, other), in place."""
    return self._inplace(lambda t: binary_more.ldexp(t, other))


def heaviside(self, values) -> Tensor:
    """torch.heaviside(self, values)."""
    return binary_more.heaviside(self, values)


def heaviside_(self, values) -> Tensor:
    """self = heaviside(self, values), in place."""
    return self._inplace(lambda t: binary_more.heaviside(t, values))


def bitwise_and(self, other) -> Tensor:
    """torch.bitwise_and(self, other)."""
    return binary_more.bitwise_and(self, other)


def bitwise_and_(self, other) -> Tensor:
    """self = bitwise_and(self, other), in place."""
    return self._inplace(lambda t: binary_more.bitwise_and(t, other))


def bitwise_or(self, other) -> Tensor:
    """torch.bitwise_or(self, other)."""
    return binary_more.bitwise_or(self, other)


def bitwise_or_(self, other) -> Tensor:
    """self = bitwise_or(self, other), in place."""
    return self._inplace(lambda t: binary_more.bitwise_or(t, other))


def bitwise_xor(self, other) -> Tensor:
    """torch.bitwise_xor(self, other)."""
    return binary_more.bitwise_xor(self, other)


def bitwise_xor_(self, other) -> Tensor:
    """self = bitwise_xor(self, other), in place."""
    return self._inplace(lambda t: binary_more.bitwise_xor(t, other))


def bitwise_not(self) -> Tensor:
    """torch.bitwise_not(self)."""
    return binary_more.bitwise_not(self)


def bitwise_not_(self) -> Tensor:
    """self = bitwise_not(self), in place."""
    return self._inplace(lambda t: binary_more.bitwise_not(t))


def logaddexp(self, other) -> Tensor:
    """torch.logaddexp(self, other)."""
    return binary_more.logaddexp(self, other)


def logaddexp2(self, other) -> Tensor:
    """torch.logaddexp2(self, other)."""
    return binary_more.logaddexp2(self, other)


def fmax(self, other) -> Tensor:
    """torch.fmax(self, other)."""
    return binary_more.fmax(self, other)


def fmin(self, other) -> Tensor:
    """torch.fmin(self, other)."""
    return binary_more.fmin(self, other)


def float_power(self, exponent) -> Tensor:
    """torch.float_power(self, exponent)."""
    return binary_more.float_power(self, exponent)


def float_power_(self, exponent) -> Tensor:
    """self = float_power(self, exponent), in place; self must be float64."""
    return binary_more._float_power_(self, exponent)
