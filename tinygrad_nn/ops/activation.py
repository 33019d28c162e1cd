"""Activation functions PyTorch records as one node each, with its formulas in its order.

| op       | forward                             | dL/dx                                  |
|----------|-------------------------------------|----------------------------------------|
| Silu     | x / (1 + exp(-x))                   | g * s * (1 + x * (1 - s)), s = sig(x)  |
| Gelu     | x/2 * (1 + erf(x / sqrt 2))         | g * (cdf(x) + x * pdf(x))              |
| (tanh)   | x/2 * (1 + tanh(b (x + k x^3)))     | g * (d/dx of the same)                 |
| Elu      | x if x > 0 else alpha * expm1(x)    | g if x > 0 else g * alpha * exp(x)     |
| Softplus | log1p(exp(b x)) / b; x if b x > t   | g * z / (z + 1), z = exp(b x); g if lin|

Each backward is written in Tensor ops, so second derivatives work.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ._half import widen, widen_array
from .elementwise import erf_array

_SQRT1_2 = 1 / math.sqrt(2)
_GELU_PDF = 2 / math.sqrt(math.pi) * _SQRT1_2 * 0.5  # PyTorch's kBeta: 1 / sqrt(2 pi)
_TANH_BETA = math.sqrt(2) * 2 / math.sqrt(math.pi) * 0.5  # sqrt(2 / pi)
_TANH_KAPPA = 0.044715


class Silu(Function):
    """y = x * sigmoid(x) = x / (1 + exp(-x)).   dL/dx = g * s * (1 + x * (1 - s)),
    s = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        a = widen_array(x._data)  # float16: computed in float32, rounded once (_half.py)
        return (a / (1 + np.exp(-a))).astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g, x = widen(grad, x)  # float16: computed in float32, rounded once (_half.py)
        s = x.sigmoid()  # exp of -|x| only: neither it nor its derivative overflows
        return (g * s * (1 + x * (1 - s))).to(grad.dtype)


class Gelu(Function):
    """y = x * Phi(x), Phi the normal cdf (`approximate="tanh"`: its tanh approximation).
    dL/dx = g * (Phi(x) + x * phi(x)), phi the normal density."""

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        a = widen_array(x._data)  # float16: computed in float32, rounded once (_half.py)
        if approximate == "tanh":
            inner = _TANH_BETA * (a + _TANH_KAPPA * (a * a * a))
            return (0.5 * a * (1 + np.tanh(inner))).astype(x._data.dtype, copy=False)
        return (a * 0.5 * (1 + erf_array(a * _SQRT1_2))).astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        g, x = widen(grad, x)  # float16: computed in float32, rounded once (_half.py)
        if ctx.approximate == "tanh":
            x_sq = x * x
            tanh_inner = (_TANH_BETA * (x + _TANH_KAPPA * (x_sq * x))).tanh()
            left = 0.5 * x
            right = 1 + tanh_inner
            inner_derivative = _TANH_BETA * (1 + 3 * _TANH_KAPPA * x_sq)
            right_derivative = left * (1 - tanh_inner * tanh_inner) * inner_derivative
            return (g * (0.5 * right + right_derivative)).to(grad.dtype), None
        cdf = 0.5 * (1 + (x * _SQRT1_2).erf())
        pdf = (-0.5 * x * x).exp() * _GELU_PDF
        return (g * (cdf + x * pdf)).to(grad.dtype), None


class Elu(Function):
    """y = x if x > 0 else alpha * expm1(x).   dL/dx = g if x > 0 else g * alpha * exp(x)."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        a = x._data
        return np.where(a > 0, a, np.expm1(np.minimum(a, 0)) * alpha).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # exp of x where x < 0, of 0 elsewhere: the positive side's exp, never used, cannot
        # overflow (inf * 0 in a recorded second derivative is NaN), and at x == 0 the slope
        # is alpha but its own derivative 0, as PyTorch's.
        negative = grad * ctx.alpha * x.where(x < 0, 0 * x).exp()
        return negative.where(x <= 0, grad), None  # a NaN x takes grad, as PyTorch's


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
        return np.where(scaled > threshold, a, smooth).astype(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        scaled = x.detach() * ctx.beta  # beta x without its history: the masks and a constant
        linear = scaled > ctx.threshold
        # z = exp(beta x): 1 where unused (it stays finite), and at beta x == threshold a
        # constant, so the second derivative is 0 there as PyTorch's (its mask is strict).
        inner = (x * ctx.beta).where(scaled < ctx.threshold, scaled)
        z = (0 * x).where(linear, inner).exp()
        return grad.where(linear, grad * z / (z + 1)), None, None
