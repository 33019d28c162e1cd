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

from ..autograd.function import Function
from ..tensor import Tensor
from ._shape import unbroadcast

_make = Tensor._make
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
        return _make(np.negative(x._data))

    rule = "grad_x = -grad"

    @staticmethod
    def backward(ctx, grad):
        return -grad

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Exp(Function):
    """y = exp(x).   dL/dx = g * y  (reuse the saved output; do not recompute exp)."""

    @staticmethod
    def forward(ctx, x):
        y = _make(np.exp(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad * out"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Log(Function):
    """y = ln(x).   dL/dx = g / x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, log(-1) = nan
            return _make(np.log(x._data))

    rule = "grad_x = grad / x"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Log1p(Function):
    """y = ln(1 + x), accurate for small x.   dL/dx = g / (1 + x)."""

    node_name = "Log1PBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _make(np.log1p(x._data))

    rule = "grad_x = grad / (1 + x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1)

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Expm1(Function):
    """y = exp(x) - 1, accurate for small x.   dL/dx = g * (y + 1)."""

    @staticmethod
    def forward(ctx, x):
        y = _make(np.expm1(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad * (out + 1)"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Sqrt(Function):
    """y = sqrt(x).   dL/dx = g / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):  # sqrt(-1) = nan, as in PyTorch
            y = _make(np.sqrt(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad / (2 * out)"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Rsqrt(Function):
    """y = 1 / sqrt(x).   dL/dx = -g * y^3 / 2."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", invalid="ignore"):
            y = _make(1 / np.sqrt(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = -grad * out^3 / 2"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -0.5 * grad * y.pow(3)

    @staticmethod
    def array_backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -0.5 * grad * y**3  # y.pow(3) is PowScalar's forward: a ** 3


class Sin(Function):
    """y = sin(x).   dL/dx = g * cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _make(np.sin(x._data))

    rule = "grad_x = grad * cos(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Cos(Function):
    """y = cos(x).   dL/dx = -g * sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _make(np.cos(x._data))

    rule = "grad_x = -grad * sin(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -x.sin()

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * -np.sin(x)


class Tan(Function):
    """y = tan(x).   dL/dx = g * (1 + y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = _make(np.tan(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad * (1 + out^2)"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 + y * y)

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Tanh(Function):
    """y = tanh(x).   dL/dx = g * (1 - y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = _make(np.tanh(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad * (1 - out^2)"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return TanhBackward.apply(grad, y)

    @staticmethod
    def array_backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return _tanh_grad(grad, y)  # TanhBackward's forward, on the arrays


def _tanh_grad(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g * (1 - y^2) on arrays: TanhBackward's forward, and its array form in the passes
    that record nothing."""
    return grad * (_constant(1, y.dtype) - y * y)


class TanhBackward(Function):
    """z = g * (1 - y^2), tanh's backward as one op (PyTorch's tanh_backward): one node
    instead of three in every backward pass.   dL/dg = h * (1 - y^2),   dL/dy = -2 h g y."""

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(grad, y)
        return _make(_tanh_grad(grad._data, y._data))

    rule = "grad_grad = h * (1 - y^2);  grad_y = -2 * h * grad * y  (h: the incoming grad)"

    @staticmethod
    def backward(ctx, h):
        grad, y = ctx.saved_tensors
        grad_g = TanhBackward.apply(h, y) if ctx.needs_input_grad[0] else None
        grad_y = -2 * h * grad * y if ctx.needs_input_grad[1] else None
        return grad_g, grad_y

    @staticmethod
    def array_backward(ctx, h):
        grad, y = ctx.saved_tensors
        grad_g = _tanh_grad(h, y) if ctx.needs_input_grad[0] else None
        grad_y = -2 * h * grad * y if ctx.needs_input_grad[1] else None
        return grad_g, grad_y


def sigmoid_array(a: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-a)) on an array, computed from exp(-|a|), which never overflows (the two
    branches are the same function)."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)).   dL/dx = g * (1 - y) * y."""

    @staticmethod
    def forward(ctx, x):
        y = _make(sigmoid_array(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = grad * (1 - out) * out"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y) * y  # PyTorch's sigmoid_backward, in its order: the same rounding

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Relu(Function):
    """y = max(x, 0).   dL/dx = 0 where y <= 0 (also at 0, as PyTorch), g elsewhere."""

    @staticmethod
    def forward(ctx, x):
        a = x._data
        y = _make(np.maximum(a, _constant(0, a.dtype)))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = 0 where out <= 0, else grad"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return ThresholdBackward.apply(grad, y)

    @staticmethod
    def array_backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return _threshold(grad, y)  # ThresholdBackward's forward, on the arrays


def _threshold(grad: np.ndarray, y: np.ndarray) -> np.ndarray:
    """0 where y <= 0, else g, on arrays (PyTorch's threshold_backward, so a nan y passes g
    on): ThresholdBackward's forward, and its array form in the passes that record nothing."""
    return _zero_where(y <= _constant(0, y.dtype), grad)


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
        return _make(np.where(a > 0, a, a * slope))

    rule = "grad_x = grad where x > 0, else slope * grad"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return LeakyReluBackward.apply(grad, x, ctx.slope), None

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _leaky_relu_grad(grad, x, ctx.slope), None


def _leaky_relu_grad(grad: np.ndarray, x: np.ndarray, slope) -> np.ndarray:
    """PyTorch's leaky_relu_backward on arrays: grad where x > 0, else grad * slope."""
    return np.where(x > 0, grad, grad * slope)


class LeakyReluBackward(Function):
    """z = g where x > 0, else slope * g: leaky_relu's backward as one op (PyTorch's
    leaky_relu_backward), so a second derivative stays connected as in PyTorch.
    dL/dg = LeakyReluBackward(h, x),   dL/dx = 0."""

    @staticmethod
    def forward(ctx, grad, x, slope):
        ctx.slope = slope
        ctx.save_for_backward(x)
        return _make(_leaky_relu_grad(grad._data, x._data, slope))

    rule = "grad_grad = h where x > 0, else slope * h;  grad_x = 0  (h: the incoming grad)"

    @staticmethod
    def backward(ctx, h):
        (x,) = ctx.saved_tensors
        grad_g = LeakyReluBackward.apply(h, x, ctx.slope) if ctx.needs_input_grad[0] else None
        grad_x = h * 0 if ctx.needs_input_grad[1] else None  # zeros_like, shaped and typed as h
        return grad_g, grad_x, None

    @staticmethod
    def array_backward(ctx, h):
        (x,) = ctx.saved_tensors
        grad_x = np.zeros_like(h) if ctx.needs_input_grad[1] else None
        return _leaky_relu_grad(h, x, ctx.slope), grad_x, None


class ThresholdBackward(Function):
    """z = 0 where y <= 0, else g: relu's backward as one op (PyTorch's threshold_backward).
    It keeps a second derivative connected to y, as PyTorch's does (a zero one: a step).
    dL/dg = ThresholdBackward(h, y),   dL/dy = 0."""

    @staticmethod
    def forward(ctx, grad, y):
        ctx.save_for_backward(y)
        return _make(_threshold(grad._data, y._data))

    rule = "grad_grad = 0 where y <= 0, else h;  grad_y = 0  (h: the incoming grad)"

    @staticmethod
    def backward(ctx, h):
        (y,) = ctx.saved_tensors
        grad_g = ThresholdBackward.apply(h, y) if ctx.needs_input_grad[0] else None
        grad_y = Tensor._make(np.zeros(y._data.shape, y._data.dtype)) \
            if ctx.needs_input_grad[1] else None  # fmt: skip
        return grad_g, grad_y

    @staticmethod
    def array_backward(ctx, h):
        (y,) = ctx.saved_tensors
        grad_g = _threshold(h, y) if ctx.needs_input_grad[0] else None
        grad_y = np.zeros(y.shape, y.dtype) if ctx.needs_input_grad[1] else None
        return grad_g, grad_y


class Abs(Function):
    """y = |x|.   dL/dx = g * sign(x)  (0 at 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _make(np.abs(x._data))

    rule = "grad_x = grad * sign(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sign()

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _sign(x)  # Sign's forward, on the arrays


class Reciprocal(Function):
    """y = 1 / x.   dL/dx = -g * y^2."""

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore"):
            y = _make(np.reciprocal(x._data))
        ctx.save_for_backward(y)
        return y

    rule = "grad_x = -grad * out^2"

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -grad * (y * y)

    array_backward = backward  # plain arithmetic: runs on bare arrays as well


class Clamp(Function):
    """y = min(max(x, lo), hi) for Python bounds.   dL/dx = g where lo <= x <= hi (inclusive)."""

    node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        a = x._data
        if lo is not None and hi is not None and lo > hi:
            return _make(np.full_like(a, hi))  # PyTorch: every value becomes max
        if lo is not None:
            a = np.maximum(a, lo, dtype=a.dtype)
        if hi is not None:
            a = np.minimum(a, hi, dtype=a.dtype)
        return _make(a if a is not x._data else a.copy())

    rule = "grad_x = grad where lo <= x <= hi, else 0"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad.where(_inside(x, ctx.lo, ctx.hi), 0.0), None, None

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _zero_where(np.logical_not(_inside(x, ctx.lo, ctx.hi)), grad), None, None


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
        return _make(a if a is not x._data else a.copy())

    rule = "grad_x = grad where lo <= x <= hi;  grad_lo = grad where x < lo < hi;  " \
        "grad_hi = grad where x > hi or hi < lo"  # fmt: skip

    @staticmethod
    def backward(ctx, grad):
        return _clamp_tensor_grads(ctx, grad, lambda mask: grad.where(mask, 0.0))

    @staticmethod
    def array_backward(ctx, grad):
        return _clamp_tensor_grads(ctx, grad, lambda mask: _zero_where(np.logical_not(mask), grad))


def _clamp_tensor_grads(ctx, grad, select) -> tuple:
    """ClampTensor's three gradients; `select(mask)` is grad where mask, else 0 (on Tensors
    or on arrays: the comparisons and `&`, `|` mean the same on both)."""
    x, lo, hi = ctx.saved_tensors
    needs = ctx.needs_input_grad
    grad_x = grad_lo = grad_hi = None
    if needs[0]:
        grad_x = unbroadcast(select(_inside(x, lo, hi)), x.shape)
    if lo is not None and needs[1]:
        below = x < lo
        grad_lo = unbroadcast(select(below if hi is None else below & (lo < hi)), lo.shape)
    if hi is not None and needs[1 if ctx.upper_only else 2]:
        above = x > hi
        grad_hi = unbroadcast(select(above if lo is None else above | (hi < lo)), hi.shape)
    if ctx.upper_only:
        return grad_x, grad_hi, None, None
    return grad_x, grad_lo, grad_hi, None


def _inside(x, lo, hi):
    """lo <= x <= hi (a missing bound is no limit), on a Tensor or an array. Clamp's gradient
    selects with it (PyTorch's clamp_backward): a nan or inf gradient outside gives 0."""
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
        return _make(erf_array(x._data))

    rule = "grad_x = grad * 2 / sqrt(pi) * exp(-x^2)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((-x * x).exp() * (2 / math.sqrt(math.pi)))

    @staticmethod
    def array_backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (np.exp(-x * x) * (2 / math.sqrt(math.pi)))


class _PiecewiseConstant(Function):
    """Base of ops that are flat almost everywhere: dL/dx = 0."""

    numpy_fn = None

    @staticmethod
    def forward(ctx, x):
        return _make(ctx._fn.numpy_fn(x._data))

    rule = "grad_x = 0"

    @staticmethod
    def backward(ctx, grad):
        # Zeros, not grad * 0: a nan or inf upstream must not leak through (PyTorch's
        # zeros_like), not even in double backward.
        return grad.new_zeros(grad.shape)

    @staticmethod
    def array_backward(ctx, grad):
        return np.zeros(grad.shape, grad.dtype)


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
