"""Unary elementwise ops. Where the derivative is a function of the output, the output is
saved (and stored without a reference cycle, see `function.py`).

| op         | forward              | dL/dx                          |
|------------|----------------------|--------------------------------|
| Neg        | -x                   | -g                             |
| Exp        | e^x                  | g * y                          |
| Log        | ln x                 | g / x                          |
| Log1p      | ln(1 + x)            | g / (1 + x)                    |
| Expm1      | e^x - 1              | g * (y + 1)                    |
| Sqrt       | sqrt x               | g / (2 y)                      |
| Rsqrt      | 1 / sqrt x           | -g * y^3 / 2                   |
| Sin / Cos  | sin x / cos x        | g * cos x / -g * sin x         |
| Tan        | tan x                | g * (1 + y^2)                  |
| Tanh       | tanh x               | TanhBackward(g, y) = g * (1 - y^2) |
| Sigmoid    | 1 / (1 + e^-x)       | g * (1 - y) * y                |
| Relu       | max(x, 0)            | ThresholdBackward(g, y) = 0 where y <= 0, else g |
| Abs        | abs x                | g * sign x     (0 at the kink) |
| Reciprocal | 1 / x                | -g * y^2                       |
| Clamp      | min(max(x, lo), hi)  | g where lo <= x <= hi          |
| Erf        | erf x                | g * 2/sqrt(pi) * e^(-x^2)      |
| Sign Floor Ceil Round Trunc | piecewise constant | 0          |
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function, wrap
from ._half import widen_array
from ._shape import unbroadcast

_CONSTANTS = {}  # (value, dtype) -> that value as a read-only 0-d array


def _constant(value: int, dtype: np.dtype) -> np.ndarray:
    """A literal of the formulas (0, 1) as a 0-d array of `dtype`, made once. Given a Python
    number, NumPy first works out which dtype it takes (NEP 50): on small arrays that costs
    as much as the arithmetic itself. The numbers come out the same. (Not for user values:
    0.0 and -0.0 would share an entry.)"""
    key = (value, dtype)
    array = _CONSTANTS.get(key)
    if array is None:
        array = _CONSTANTS[key] = np.asarray(value, dtype)
        array.flags.writeable = False
    return array


class Neg(Function):
    """y = -x.   dL/dx = -g."""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x._data)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    """y = exp(x).   dL/dx = g * y  (reuse the saved output; do not recompute exp)."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(np.exp(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """y = ln(x).   dL/dx = g / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        # log(0) = -inf, log(-1) = nan
        return np.log(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log1p(Function):
    """y = ln(1 + x), accurate for small x.   dL/dx = g / (1 + x)."""

    node_name = "Log1PBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Function):
    """y = exp(x) - 1, accurate for small x.   dL/dx = g * (y + 1)."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(np.expm1(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)


class Sqrt(Function):
    """y = sqrt(x).   dL/dx = g / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        # sqrt(-1) = nan, as in PyTorch
        y = wrap(np.sqrt(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Rsqrt(Function):
    """y = 1 / sqrt(x).   dL/dx = -g * y^3 / 2."""

    @staticmethod
    def forward(ctx, x):
        y = wrap((1 / np.sqrt(widen_array(x._data))).astype(x._data.dtype, copy=False))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -0.5 * grad * y.pow(3)


class Sin(Function):
    """y = sin(x).   dL/dx = g * cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(Function):
    """y = cos(x).   dL/dx = -g * sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -x.sin()


class Tan(Function):
    """y = tan(x).   dL/dx = g * (1 + y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(np.tan(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 + y * y)


class Tanh(Function):
    """y = tanh(x).   dL/dx = g * (1 - y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(np.tanh(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return TanhBackward.apply(grad, y)


class TanhBackward(Function):
    """z = g * (1 - y^2), tanh's backward as one op (PyTorch's tanh_backward): one node
    instead of three in every backward pass.   dL/dg = dL/dz * (1 - y^2),
    dL/dy = -2 * dL/dz * g * y."""

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return tanh_backward_array(g._data, y._data)

    @staticmethod
    def backward(ctx, grad):
        g, y = ctx.saved_tensors
        grad_g = TanhBackward.apply(grad, y) if ctx.needs_input_grad[0] else None
        grad_y = -2 * grad * g * y if ctx.needs_input_grad[1] else None
        return grad_g, grad_y


def tanh_backward_array(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g * (1 - y^2) on arrays; float16 is computed in float32 and rounded once at the end."""
    dtype = y.dtype
    g, y = widen_array(g), widen_array(y)
    return (g * (_constant(1, y.dtype) - y * y)).astype(dtype, copy=False)


def sigmoid_array(a: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-a)) on an array, computed from exp(-|a|), which never overflows (the two
    branches are the same function)."""
    if a.dtype == np.float16:  # computed in float32, rounded once (see _half.py)
        return sigmoid_array(widen_array(a)).astype(np.float16)
    one = _constant(1, a.dtype)  # not the number 1: see _constant
    e = np.exp(-np.abs(a))
    # 1 / (1 + e) where a >= 0, e / (1 + e) elsewhere: pick the numerator, divide once.
    numerator = np.where(a >= 0, one, e)  # a new array, also for a 0-d `a`
    return np.divide(numerator, e + one, out=numerator)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)).   dL/dx = g * (1 - y) * y."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(sigmoid_array(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y) * y  # PyTorch's sigmoid_backward, in its order: the same rounding


class Relu(Function):
    """y = max(x, 0).   dL/dx = 0 where y <= 0 (also at 0, as PyTorch), g elsewhere."""

    @staticmethod
    def forward(ctx, x):
        a = x._data
        y = wrap(np.maximum(a, _constant(0, a.dtype)))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return ThresholdBackward.apply(grad, y)


_WORDS = {2: np.uint16, 4: np.uint32, 8: np.uint64}  # unsigned ints as wide as a float


def _zero_where(mask: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """np.where(mask, 0, grad): +0.0 under the mask, grad elsewhere. A select, not a product
    with the mask, as PyTorch's: grad * ~mask turns an inf or nan under the mask into nan,
    and a negative value into -0.0. np.where branches on every element, though, which on a
    large array with a random mask (a relu layer's) costs ten times a product; there the
    bits are cleared instead: the mask becomes whole words of zeros (True) or ones (False),
    ANDed with the gradient's bits. Both give the same numbers, bit for bit."""
    word = _WORDS.get(grad.dtype.itemsize)
    if mask.size < 4096 or word is None:
        return np.where(mask, _constant(0, grad.dtype), grad)
    keep = np.subtract(mask, 1, dtype=word)  # True - 1 = 0, False - 1 wraps to all ones
    return np.bitwise_and(grad.view(word), keep, out=keep).view(grad.dtype)


class LeakyRelu(Function):
    """y = x if x > 0 else slope * x.   dL/dx = g if x > 0 else slope * g."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.slope = slope
        ctx.save_for_backward(x)
        a = x._data
        return np.where(a > 0, a, a * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return LeakyReluBackward.apply(grad, x, ctx.slope), None


class LeakyReluBackward(Function):
    """z = g where x > 0, else slope * g: leaky_relu's backward as one op (PyTorch's
    leaky_relu_backward), so a second derivative stays connected as in PyTorch.
    dL/dg = dL/dz where x > 0, else slope * dL/dz,   dL/dx = 0."""

    @staticmethod
    def forward(ctx, g, x, slope):
        ctx.slope = slope
        ctx.save_for_backward(x)
        g, x = g._data, x._data
        return np.where(x > 0, g, g * slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        grad_g = LeakyReluBackward.apply(grad, x, ctx.slope) if ctx.needs_input_grad[0] else None
        # zeros, as PyTorch's zeros_like: grad * 0 would be nan under a nan, -0.0 under a -1
        grad_x = grad.new_zeros(grad.shape) if ctx.needs_input_grad[1] else None
        return grad_g, grad_x, None


class ThresholdBackward(Function):
    """z = 0 where y <= 0, else g: relu's backward as one op (PyTorch's threshold_backward,
    so a nan y passes g on). It keeps a second derivative connected to y, as PyTorch's does
    (a zero one: a step).   dL/dg = 0 where y <= 0, else dL/dz,   dL/dy = 0."""

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(y)
        y = y._data
        return _zero_where(y <= _constant(0, y.dtype), g._data)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        grad_g = ThresholdBackward.apply(grad, y) if ctx.needs_input_grad[0] else None
        grad_y = y.new_zeros(y.shape) if ctx.needs_input_grad[1] else None
        return grad_g, grad_y


class Abs(Function):
    """y = |x|.   dL/dx = g * sign(x)  (0 at 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sign()


class Reciprocal(Function):
    """y = 1 / x.   dL/dx = -g * y^2."""

    @staticmethod
    def forward(ctx, x):
        y = wrap(np.reciprocal(x._data))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * (y * y)


class Clamp(Function):
    """y = min(max(x, lo), hi) for Python bounds.   dL/dx = g where lo <= x <= hi (inclusive)."""

    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        a = x._data
        if lo is not None and hi is not None and lo > hi:
            return np.full_like(a, hi)  # PyTorch: every value becomes max
        if lo is not None:
            a = np.maximum(a, lo, dtype=a.dtype)
        if hi is not None:
            a = np.minimum(a, hi, dtype=a.dtype)
        return a if a is not x._data else a.copy()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad.where(_inside(x, ctx.lo, ctx.hi), 0.0), None, None


class ClampTensor(Function):
    """y = min(max(x, lo), hi) for tensor bounds (one may be absent); a NaN in x or a bound
    gives NaN, as PyTorch's.   dL/dx = g where lo <= x <= hi;   dL/dlo = g where x < lo < hi;
    dL/dhi = g where x > hi or hi < lo  (PyTorch's clamp_backward_min_max)."""

    node_name = "ClampBackward0"
    number_edges = (1, 2)  # an absent bound has an empty edge, as in PyTorch

    @staticmethod
    def forward(ctx, x, lo, hi=None, upper_only=False):
        # clamp_max(t) passes (x, t, upper_only=True): PyTorch's node has edges (x, max).
        if upper_only:
            lo, hi = None, lo
        ctx.upper_only = upper_only
        ctx.save_for_backward(x, lo, hi)
        a = x._data
        if lo is not None:
            a = np.maximum(a, lo._data)  # NumPy's maximum and minimum propagate NaN
        if hi is not None:
            a = np.minimum(a, hi._data)
        return a if a is not x._data else a.copy()

    @staticmethod
    def backward(ctx, grad):
        return _clamp_tensor_grads(ctx, grad)


def _clamp_tensor_grads(ctx, grad) -> tuple:
    """ClampTensor's three gradients: grad where each mask holds, else 0 (a select, so a nan
    or inf gradient outside gives 0, as PyTorch's)."""
    x, lo, hi = ctx.saved_tensors
    needs = ctx.needs_input_grad
    grad_x = grad_lo = grad_hi = None
    if needs[0]:
        grad_x = unbroadcast(grad.where(_inside(x, lo, hi), 0.0), x.shape)
    if lo is not None and needs[1]:
        below = x < lo
        below = below if hi is None else below & (lo < hi)
        grad_lo = unbroadcast(grad.where(below, 0.0), lo.shape)
    if hi is not None and needs[1 if ctx.upper_only else 2]:
        above = x > hi
        above = above if lo is None else above | (hi < lo)
        grad_hi = unbroadcast(grad.where(above, 0.0), hi.shape)
    if ctx.upper_only:
        return grad_x, grad_hi, None, None
    return grad_x, grad_lo, grad_hi, None


def _inside(x, lo, hi):
    """lo <= x <= hi as a bool Tensor (a missing bound is no limit). Clamp's gradient selects
    with it (PyTorch's clamp_backward): a nan or inf gradient outside gives 0."""
    inside = None
    if lo is not None:
        inside = x >= lo
    if hi is not None:
        upper = x <= hi
        inside = upper if inside is None else inside & upper
    return inside


_erf = np.frompyfunc(math.erf, 1, 1)


def erf_array(a: np.ndarray) -> np.ndarray:
    """erf on an array: math.erf per element (in double), rounded to a's dtype."""
    return np.asarray(_erf(a), dtype=np.float64).astype(a.dtype, copy=False)


class Erf(Function):
    """y = erf(x).   dL/dx = g * 2 / sqrt(pi) * exp(-x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(x._data)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((-x * x).exp() * (2 / math.sqrt(math.pi)))


class _PiecewiseConstant(Function):
    """Base of ops that are flat almost everywhere: dL/dx = 0."""

    numpy_fn = None

    @staticmethod
    def forward(ctx, x):
        return ctx._fn.numpy_fn(x._data)

    @staticmethod
    def backward(ctx, grad):
        # Zeros, not grad * 0: a nan or inf upstream must not leak through (PyTorch's
        # zeros_like), not even in double backward.
        return grad.new_zeros(grad.shape)


def _sign(a: np.ndarray) -> np.ndarray:
    out = np.sign(a)
    # PyTorch's sign(nan) is 0, NumPy's nan (nan_to_num also keeps inf's sign, 1 or -1)
    return np.nan_to_num(out, nan=0.0) if a.dtype.kind == "f" else out


class Sign(_PiecewiseConstant):
    """y = sign(x) in {-1, 0, 1} (0 for nan, as PyTorch).   dL/dx = 0."""

    numpy_fn = staticmethod(_sign)


class Floor(_PiecewiseConstant):
    """y = floor(x).   dL/dx = 0."""

    numpy_fn = staticmethod(np.floor)


class Ceil(_PiecewiseConstant):
    """y = ceil(x).   dL/dx = 0."""

    numpy_fn = staticmethod(np.ceil)


class Round(_PiecewiseConstant):
    """y = round(x), half to even (as PyTorch and NumPy).   dL/dx = 0."""

    numpy_fn = staticmethod(np.round)


class Trunc(_PiecewiseConstant):
    """y = trunc(x), toward zero.   dL/dx = 0."""

    numpy_fn = staticmethod(np.trunc)
