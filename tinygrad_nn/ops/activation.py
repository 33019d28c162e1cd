"""Activation functions PyTorch records as one node each, with its formulas in its order.

| op       | forward                             | dL/dx                                  |
|----------|-------------------------------------|----------------------------------------|
| Silu     | x / (1 + exp(-x))                   | g * s * (1 + x * (1 - s)), s = sig(x)  |
| Gelu     | x/2 * (1 + erf(x / sqrt 2))         | g * (cdf(x) + x * pdf(x))              |
| (tanh)   | x/2 * (1 + tanh(b (x + k x^3)))     | g * (d/dx of the same)                 |
| Elu      | x if x > 0 else alpha * expm1(x)    | g if x > 0 else g * alpha * exp(x)     |
| Softplus | log1p(exp(b x)) / b; x if b x > t   | g * z / (z + 1), z = exp(b x); g if lin|

Each backward is written once, with `_exp`/`_erf_of`/`_tanh`/`_sigmoid`/`_where` that take
Tensors (the recorded pass, so second derivatives work) or arrays (the array pass): the same
NumPy calls in the same order either way, so both passes give the same bits.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import erf_array, sigmoid_array

_make = Tensor._make
_SQRT1_2 = 1 / math.sqrt(2)
_GELU_PDF = 2 / math.sqrt(math.pi) * _SQRT1_2 * 0.5  # PyTorch's kBeta: 1 / sqrt(2 pi)
_TANH_BETA = math.sqrt(2) * 2 / math.sqrt(math.pi) * 0.5  # sqrt(2 / pi)
_TANH_KAPPA = 0.044715


def _exp(v):
    return v.exp() if isinstance(v, Tensor) else np.exp(v)


def _erf_of(v):
    return v.erf() if isinstance(v, Tensor) else erf_array(v)


def _tanh(v):
    return v.tanh() if isinstance(v, Tensor) else np.tanh(v)


def _sigmoid(v):
    """sigmoid on a Tensor or an array, the same formula (Sigmoid's): exp of -|x| only, so
    neither it nor its derivative ever overflows."""
    return v.sigmoid() if isinstance(v, Tensor) else sigmoid_array(v)


def _constant(v):
    """The value of `v` without its history: a second derivative does not flow through it."""
    return v.detach() if isinstance(v, Tensor) else v


def _where(condition: np.ndarray, a, b):
    """a where condition else b, for a Tensor `a` (recorded) or arrays."""
    if isinstance(a, Tensor):
        return a.where(Tensor._make(condition), b)
    return np.where(condition, a, b)


class Silu(Function):
    """y = x * sigmoid(x) = x / (1 + exp(-x)).   dL/dx = g * s * (1 + x * (1 - s))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = x._data
        return _make(a / (1 + np.exp(-a)))

    rule = "grad_x = grad * s * (1 + x * (1 - s)),  s = sigmoid(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = _sigmoid(x)
        return grad * s * (1 + x * (1 - s))

    array_backward = backward  # _sigmoid takes both: runs on bare arrays as well


class Gelu(Function):
    """y = x * Phi(x), Phi the normal cdf (`approximate="tanh"`: its tanh approximation).
    dL/dx = g * (Phi(x) + x * phi(x))."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        a = x._data
        if approximate == "tanh":
            inner = _TANH_BETA * (a + _TANH_KAPPA * (a * a * a))
            return _make(0.5 * a * (1 + np.tanh(inner)))
        return _make(a * 0.5 * (1 + _erf_of(a * _SQRT1_2)))

    rule = "grad_x = grad * (cdf(x) + x * pdf(x))"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            x_sq = x * x
            tanh_inner = _tanh(_TANH_BETA * (x + _TANH_KAPPA * (x_sq * x)))
            left = 0.5 * x
            right = 1 + tanh_inner
            inner_derivative = _TANH_BETA * (1 + 3 * _TANH_KAPPA * x_sq)
            right_derivative = left * (1 - tanh_inner * tanh_inner) * inner_derivative
            return grad * (0.5 * right + right_derivative), None
        cdf = 0.5 * (1 + _erf_of(x * _SQRT1_2))
        pdf = _exp(-0.5 * x * x) * _GELU_PDF
        return grad * (cdf + x * pdf), None

    array_backward = backward  # the helpers take both: runs on bare arrays as well


class Elu(Function):
    """y = x if x > 0 else alpha * expm1(x).   dL/dx = g if x > 0 else g * alpha * exp(x)."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        a = x._data
        return _make(np.where(a > 0, a, np.expm1(np.minimum(a, 0)) * alpha).astype(a.dtype))

    rule = "grad_x = grad if x > 0 else grad * alpha * exp(x)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        data = x._data if isinstance(x, Tensor) else x
        # exp of x where x < 0, of 0 elsewhere: the positive side's exp, never used, cannot
        # overflow (inf * 0 in a recorded second derivative is NaN), and at x == 0 the slope
        # is alpha but its own derivative 0, as PyTorch's.
        negative = grad * ctx.alpha * _exp(_where(data < 0, x, 0 * x))
        return _where(data <= 0, negative, grad), None  # a NaN x takes grad, as PyTorch's

    array_backward = backward  # the helpers take both: runs on bare arrays as well


class Softplus(Function):
    """y = log1p(exp(beta x)) / beta, or x where beta x > threshold.
    dL/dx = g * z / (z + 1) with z = exp(beta x), or g where beta x > threshold."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        a = x._data
        scaled = a * beta
        smooth = np.log1p(np.exp(np.minimum(scaled, threshold))) / beta
        return _make(np.where(scaled > threshold, a, smooth).astype(a.dtype))

    rule = "grad_x = grad * z / (z + 1), z = exp(beta * x)  (grad where beta * x > threshold)"

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        data = x._data if isinstance(x, Tensor) else x
        scaled = data * ctx.beta
        linear = scaled > ctx.threshold
        # z = exp(beta x): 1 where unused (it stays finite), and at beta x == threshold a
        # constant, so the second derivative is 0 there as PyTorch's (its mask is strict).
        inner = _where(scaled < ctx.threshold, x * ctx.beta, _constant(x) * ctx.beta)
        z = _exp(_where(linear, 0 * x, inner))
        return _where(linear, grad, grad * z / (z + 1)), None, None

    array_backward = backward  # the helpers take both: runs on bare arrays as well
