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

from ..autograd.function import Function, is_tensor, wrap
from . import _special, elementwise


def _saving_input(ctx, x, fn) -> np.ndarray:
    """fn on x's array, with x saved for the backward."""
    ctx.save_for_backward(x)
    # nan/inf off the domain, silently
    return fn(x._data)


class Asin(Function):
    """y = asin(x).   dL/dx = g / sqrt(1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arcsin)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (1 - x * x).rsqrt()


class Acos(Function):
    """y = acos(x).   dL/dx = -g / sqrt(1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arccos)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -(1 - x * x).rsqrt()


class Atan(Function):
    """y = atan(x).   dL/dx = g / (1 + x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arctan)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)


class Sinh(Function):
    """y = sinh(x).   dL/dx = g * cosh(x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.sinh)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Cosh.apply(x)


class Cosh(Function):
    """y = cosh(x).   dL/dx = g * sinh(x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.cosh)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Sinh.apply(x)


class Asinh(Function):
    """y = asinh(x).   dL/dx = g / sqrt(x^2 + 1)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arcsinh)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x + 1).rsqrt()


class Acosh(Function):
    """y = acosh(x).   dL/dx = g / sqrt(x^2 - 1)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arccosh)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x - 1).rsqrt()


class Atanh(Function):
    """y = atanh(x).   dL/dx = g / (1 - x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, np.arctanh)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1 - x * x)


class Exp2(Function):
    """y = 2^x.   dL/dx = g * y * ln 2."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(np.exp2(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * math.log(2.0))


class Erfc(Function):
    """y = erfc(x) = 1 - erf(x).   dL/dx = -g * 2 / sqrt(pi) * exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, _special.erfc_array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((-x * x).exp() * (-2 / math.sqrt(math.pi)))


class Erfinv(Function):
    """y = erfinv(x).   dL/dx = g * sqrt(pi) / 2 * exp(y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(_special.erfinv_array(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * ((y * y).exp() * (math.sqrt(math.pi) / 2))


class Lgamma(Function):
    """y = ln|Gamma(x)|.   dL/dx = g * digamma(x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, _special.lgamma_array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Digamma.apply(x)


class Digamma(Function):
    """y = digamma(x).   dL/dx = g * polygamma(1, x)."""

    @staticmethod
    def forward(ctx, x):
        return _saving_input(ctx, x, _special.digamma_array)

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
        # 0 and 1 give -inf and inf
        return np.log(a / (1 - a))

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
        px = a * a.dtype.type(math.pi)
        y = np.where(a == 0, a.dtype.type(1), np.sin(px) / px)
        return np.asarray(y, dtype=a.dtype)

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
        return np.nan_to_num(x._data, nan=nan, posinf=posinf, neginf=neginf)

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
        return a * a.dtype.type(ctx._fn.factor)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx._fn.factor


class Rad2Deg(Deg2Rad):
    """y = x * 180 / pi.   dL/dx = g * 180 / pi."""

    factor = 180.0 / math.pi


# ---------------------------------------------------------------- the torch.X forms


def _tensor(x, name: str):
    if not is_tensor(x):
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}"
        )
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
        return wrap(x._data.copy())
    return NanToNum.apply(x, nan, posinf, neginf)


def sgn(input):
    """The sign of each element, as sign (for real tensors)."""
    x = _tensor(input, "sgn")
    if x._data.dtype.kind != "f":
        return x.sign()
    out = elementwise.Sign.apply(x)
    if out.grad_fn is not None:  # Sign's node, under the name PyTorch gives sgn's
        out.grad_fn.node_name = "SgnBackward0"
    return out


def deg2rad(input):
    """Degrees to radians: x * pi / 180."""
    return Deg2Rad.apply(_tensor(input, "deg2rad")._floating())


def rad2deg(input):
    """Radians to degrees: x * 180 / pi."""
    return Rad2Deg.apply(_tensor(input, "rad2deg")._floating())


def signbit(input):
    """True where the sign bit is set (-0.0 and -nan included)."""
    x = _tensor(input, "signbit")
    return wrap(
        np.signbit(x._data) if x._data.dtype != np.bool_ else np.zeros(x._data.shape, np.bool_)
    )


def isposinf(input):
    """True where the value is +inf."""
    x = _tensor(input, "isposinf")
    return wrap(
        np.isposinf(x._data) if x._data.dtype.kind == "f" else np.zeros(x._data.shape, np.bool_)
    )


def isneginf(input):
    """True where the value is -inf."""
    x = _tensor(input, "isneginf")
    return wrap(
        np.isneginf(x._data) if x._data.dtype.kind == "f" else np.zeros(x._data.shape, np.bool_)
    )
