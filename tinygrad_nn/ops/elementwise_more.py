"""More unary elementwise ops: inverse and hyperbolic trigonometry, exp2, the special
functions (erfc, erfinv, lgamma, digamma, polygamma), logit, sinc and nan_to_num, with the
`torch.X` forms that check their argument and promote integers to the default float dtype.

| op         | forward                | dL/dx                                           |
|------------|------------------------|-------------------------------------------------|
| Asin       | asin x                 | g / sqrt(1 - x^2)                               |
| Acos       | acos x                 | -g / sqrt(1 - x^2)                              |
| Atan       | atan x                 | g / (1 + x^2)                                   |
| Sinh       | sinh x                 | g * cosh x                                      |
| Cosh       | cosh x                 | g * sinh x                                      |
| Asinh      | asinh x                | g / sqrt(x^2 + 1)                               |
| Acosh      | acosh x                | g / sqrt(x^2 - 1)                               |
| Atanh      | atanh x                | g / (1 - x^2)                                   |
| Exp2       | 2^x                    | g * y * ln 2                                    |
| Erfc       | 1 - erf x              | -g * 2/sqrt(pi) * e^(-x^2)                      |
| Erfinv     | erf^-1 x               | g * sqrt(pi)/2 * e^(y^2)                        |
| Lgamma     | ln abs Gamma(x)        | g * digamma x                                   |
| Digamma    | Gamma'(x) / Gamma(x)   | g * polygamma(1, x)                             |
| Polygamma  | digamma's n-th derivative | g * polygamma(n + 1, x)                      |
| Logit      | ln(x / (1 - x))        | g / (x (1 - x)); 0 outside [eps, 1 - eps]       |
| Sinc       | sin(pi x) / (pi x)     | g * (cos(pi x) - sinc x) / x;  0 at x = 0       |
| Deg2Rad    | x * pi / 180           | g * pi / 180   (Rad2Deg: 180 / pi)              |
| NanToNum   | x, nan/+-inf replaced  | g where x is finite, else 0                     |
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, _named
from . import _special, elementwise

_make = Tensor._make


def _saving_input(ctx, x, fn) -> Tensor:
    """fn on x's array, with x saved for the backward."""
    ctx.save_for_backward(x)
    return _make(fn(x._data))


class Asin(Function):
    """y = asin(x).   dL/dx = g / sqrt(1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arcsin)

    rule = "grad_x = grad / sqrt(1 - x^2)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (1 - x * x).rsqrt()


class Acos(Function):
    """y = acos(x).   dL/dx = -g / sqrt(1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arccos)

    rule = "grad_x = -grad / sqrt(1 - x^2)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -(1 - x * x).rsqrt()


class Atan(Function):
    """y = atan(x).   dL/dx = g / (1 + x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arctan)

    rule = "grad_x = grad / (1 + x^2)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)


class Sinh(Function):
    """y = sinh(x).   dL/dx = g * cosh(x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.sinh)

    rule = "grad_x = grad * cosh(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Cosh.apply(x)


class Cosh(Function):
    """y = cosh(x).   dL/dx = g * sinh(x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.cosh)

    rule = "grad_x = grad * sinh(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Sinh.apply(x)


class Asinh(Function):
    """y = asinh(x).   dL/dx = g / sqrt(x^2 + 1)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arcsinh)

    rule = "grad_x = grad / sqrt(x^2 + 1)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x + 1).rsqrt()


class Acosh(Function):
    """y = acosh(x).   dL/dx = g / sqrt(x^2 - 1)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arccosh)

    rule = "grad_x = grad / sqrt(x^2 - 1)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x - 1).rsqrt()


class Atanh(Function):
    """y = atanh(x).   dL/dx = g / (1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arctanh)

    rule = "grad_x = grad / (1 - x^2)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 - x * x)


class Exp2(Function):
    """y = 2^x.   dL/dx = g * y * ln 2."""

    @staticmethod
    def forward(ctx, x):
        y = _make(np.exp2(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad * out * ln(2)"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * math.log(2.0))


class Erfc(Function):
    """y = erfc(x) = 1 - erf(x).   dL/dx = -g * 2 / sqrt(pi) * exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, _special.erfc_array)

    rule = "grad_x = -grad * 2 / sqrt(pi) * exp(-x^2)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((-x * x).exp() * (-2 / math.sqrt(math.pi)))


class Erfinv(Function):
    """y = erfinv(x).   dL/dx = g * sqrt(pi) / 2 * exp(y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = _make(_special.erfinv_array(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad * sqrt(pi) / 2 * exp(out^2)"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * ((y * y).exp() * (math.sqrt(math.pi) / 2))


class Lgamma(Function):
    """y = ln|Gamma(x)|.   dL/dx = g * digamma(x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, _special.lgamma_array)

    rule = "grad_x = grad * digamma(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Digamma.apply(x)


class Digamma(Function):
    """y = digamma(x).   dL/dx = g * polygamma(1, x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, _special.digamma_array)

    rule = "grad_x = grad * polygamma(1, x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Polygamma.apply(x, 1)


class Polygamma(Function):
    """y = polygamma(n, x), n >= 1.   dL/dx = g * polygamma(n + 1, x)."""

    @staticmethod
    def forward(ctx, x, n):
        ctx.n = n
        return _saving_input(ctx, x, lambda a: _special.polygamma_array(n, a))

    rule = "grad_x = grad * polygamma(n + 1, x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Polygamma.apply(x, ctx.n + 1), None


class Logit(Function):
    """y = ln(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given.
    dL/dx = g / (x (1 - x)), and 0 where the clamp cut x."""

    @staticmethod
    def forward(ctx, x, eps):
        ctx.save_for_backward(x)
        ctx.eps = eps
        a = x._data
        if eps is not None:
            a = np.clip(a, eps, 1 - eps, dtype=a.dtype)
        return _make(np.log(a / (1 - a)))

    rule = "grad_x = grad / (x * (1 - x)), 0 outside [eps, 1 - eps]"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        out = grad / (x * (1 - x))
        if ctx.eps is None:
            return out, None
        eps = ctx.eps
        return out.where((x >= eps) & (x <= 1 - eps), 0.0), None


class Sinc(Function):
    """y = sin(pi x) / (pi x), 1 at 0.   dL/dx = g * (pi x cos(pi x) - sin(pi x)) / (pi x^2),
    and 0 at x = 0 (PyTorch's convention; the true derivative there is 0 as well)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x._data
        with np.errstate(all="ignore"):
            px = a * a.dtype.type(math.pi)
            y = np.where(a == 0, a.dtype.type(1), np.sin(px) / px)
        return _make(np.asarray(y, dtype=a.dtype))

    rule = "grad_x = grad * (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        px = x * math.pi
        slope = (px * px.cos() - px.sin()) / (px * x)
        return (grad * slope).where(x != 0, 0.0)


class NanToNum(Function):
    """y = x with nan, +inf and -inf replaced.   dL/dx = g where x is finite, else 0."""

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(x)
        return _make(np.nan_to_num(x._data, nan=nan, posinf=posinf, neginf=neginf))

    rule = "grad_x = grad where x is finite, else 0"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.isfinite(), None, None, None


class Deg2Rad(Function):
    """y = x * pi / 180.   dL/dx = g * pi / 180 (a constant: nothing is saved)."""

    factor = math.pi / 180.0

    @staticmethod
    def forward(ctx, x):
        a = x._data
        return _make(a * a.dtype.type(ctx._fn.factor))

    rule = "grad_x = grad * factor"

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx._fn.factor


class Rad2Deg(Deg2Rad):
    """y = x * 180 / pi.   dL/dx = g * 180 / pi."""

    factor = 180.0 / math.pi


# ---------------------------------------------------------------- the torch.X forms


def _tensor(x, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(x).__name__}")  # fmt: skip
    return x


def _float_unary(cls, name: str):
    def op(input):
        return cls.apply(_tensor(input, name)._floating())

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{name} of each element (integers and bools compute in the default float)."
    return op


asin = _float_unary(Asin, "asin")
acos = _float_unary(Acos, "acos")
atan = _float_unary(Atan, "atan")
sinh = _float_unary(Sinh, "sinh")
cosh = _float_unary(Cosh, "cosh")
asinh = _float_unary(Asinh, "asinh")
acosh = _float_unary(Acosh, "acosh")
atanh = _float_unary(Atanh, "atanh")
exp2 = _float_unary(Exp2, "exp2")
erfc = _float_unary(Erfc, "erfc")
erfinv = _float_unary(Erfinv, "erfinv")
lgamma = _float_unary(Lgamma, "lgamma")
digamma = _float_unary(Digamma, "digamma")
sinc = _float_unary(Sinc, "sinc")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def logit(input, eps=None):
    """ln(p / (1 - p)); with `eps`, p is first clamped to [eps, 1 - eps]."""
    return Logit.apply(_tensor(input, "logit")._floating(), eps)


def polygamma(n, input):
    """The n-th derivative of digamma (n = 0 is digamma itself)."""
    x = _tensor(input, "polygamma")._floating()
    if not isinstance(n, int) or n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return Digamma.apply(x) if n == 0 else Polygamma.apply(x, n)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan -> `nan`, +inf -> `posinf`, -inf -> `neginf` (default: the dtype's largest and
    smallest finite values). Integer and bool tensors come back unchanged (a copy)."""
    x = _tensor(input, "nan_to_num")
    if x._data.dtype.kind != "f":
        return _make(x._data.copy())
    return NanToNum.apply(x, nan, posinf, neginf)


def sgn(input):
    """The sign of each element, as sign (for real tensors)."""
    x = _tensor(input, "sgn")
    if x._data.dtype.kind != "f":
        return x.sign()
    return _named(elementwise.Sign.apply(x), "SgnBackward0")


def deg2rad(input):
    """Degrees to radians: x * pi / 180."""
    return Deg2Rad.apply(_tensor(input, "deg2rad")._floating())


def rad2deg(input):
    """Radians to degrees: x * 180 / pi."""
    return Rad2Deg.apply(_tensor(input, "rad2deg")._floating())


def signbit(input):
    """True where the sign bit is set (-0.0 and -nan included)."""
    x = _tensor(input, "signbit")
    return _make(np.signbit(x._data) if x._data.dtype != np.bool_ else
                 np.zeros(x._data.shape, np.bool_))  # fmt: skip


def isposinf(input):
    """True where the value is +inf."""
    x = _tensor(input, "isposinf")
    return _make(np.isposinf(x._data) if x._data.dtype.kind == "f" else
                 np.zeros(x._data.shape, np.bool_))  # fmt: skip


def isneginf(input):
    """True where the value is -inf."""
    x = _tensor(input, "isneginf")
    return _make(np.isneginf(x._data) if x._data.dtype.kind == "f" else
                 np.zeros(x._data.shape, np.bool_))  # fmt: skip
