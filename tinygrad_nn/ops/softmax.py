"""Softmax and log-softmax: written as Functions (not composites) for accuracy.

| op         | forward                         | dL/dx                          |
|------------|---------------------------------|--------------------------------|
| Softmax    | e^(x - max) / sum e^(x - max)   | y * (g - sum(g * y))           |
| LogSoftmax | x - max - log sum e^(x - max)   | g - e^y * sum(g)  (one op: LogSoftmaxBackward) |

Subtracting the max before exp keeps e^x from overflowing for logits like 1000.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function, wrap
from ._half import add_reduce, widen, widen_array


def _shifted(a: np.ndarray, dim: int) -> np.ndarray:
    """a minus its max along dim, so that exp cannot overflow. A row of only -inf is shifted
    by 0 instead: its exps are 0, and the result nan (0 / 0) as in PyTorch, sign bit too."""
    if a.size == 0:
        return a
    m = np.maximum.reduce(a, axis=dim, keepdims=True)  # np.max, minus its wrapper
    # One sum shows that every max is finite, the common case (an inf or nan makes it not;
    # an overflow only takes the careful path): a third of the cost of np.where below.
    if math.isfinite(np.add.reduce(m, axis=None)):
        return a - m
    return a - np.where(m == -np.inf, 0, m)


class Softmax(Function):
    """y = exp(x) / sum(exp(x)) along dim.   dL/dx = y * (g - sum(g * y)), summed along dim."""

    @staticmethod
    def forward(ctx, x, dim):
        y = wrap(softmax_array(x._data, dim))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return softmax_grad(y, grad, ctx.dim), None


def softmax_array(a: np.ndarray, dim: int) -> np.ndarray:
    """Softmax's forward on an array (also the fused attention's, ops/fused.py)."""
    shifted = _shifted(widen_array(a), dim)  # float16: rounded once (_half.py)
    if shifted is a or not isinstance(shifted, np.ndarray):  # empty, or a 0-d result
        e = np.exp(shifted)
        return (e / np.add.reduce(e, axis=dim, keepdims=True)).astype(a.dtype, copy=False)
    # exp and the division write into `shifted`, a new array: the same numbers, and one
    # temporary instead of three.
    e = np.exp(shifted, out=shifted)
    e = np.divide(e, np.add.reduce(e, axis=dim, keepdims=True), out=e)
    return e.astype(a.dtype, copy=False)


def softmax_grad(y, grad, dim: int):
    """dL/dx of y = softmax(x) along dim, in Tensor ops: y * (g - sum(g * y))."""
    g, y = widen(grad, y)  # float16: computed in float32, rounded once (_half.py)
    return (y * (g - (g * y).sum(dim, keepdim=True))).to(grad.dtype)


class LogSoftmax(Function):
    """y = x - log(sum(exp(x))) along dim.   dL/dx = g - exp(y) * sum(g), summed along dim."""

    @staticmethod
    def forward(ctx, x, dim):
        s = _shifted(x._data, dim)
        y = wrap(s - np.log(np.add.reduce(np.exp(s), axis=dim, keepdims=True)))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return LogSoftmaxBackward.apply(grad, y, ctx.dim), None


class LogSoftmaxBackward(Function):
    """z = g - exp(y) * sum(g) along dim: log-softmax's backward as one op (PyTorch's
    _log_softmax_backward_data), one node instead of four in every backward pass.
    dL/dg = u - sum(u * exp(y)),   dL/dy = -u * sum(g) * exp(y),   where u = dL/dz
    (the products in the order the four ops' own backwards would take them)."""

    node_name = "LogSoftmaxBackwardDataBackward0"

    @staticmethod
    def forward(ctx, g, y, dim):
        ctx.dim = dim
        ctx.save_for_backward(g, y)
        dtype = g._data.dtype
        g, y = widen_array(g._data), widen_array(y._data)  # float16: rounded once at the end
        return (g - np.exp(y) * add_reduce(g, dim, True)).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        g, y = ctx.saved_tensors
        e, neg = y.exp(), -grad
        grad_g = grad + (neg * e).sum(ctx.dim, keepdim=True) if ctx.needs_input_grad[0] else None
        grad_y = neg * g.sum(ctx.dim, keepdim=True) * e if ctx.needs_input_grad[1] else None
        return grad_g, grad_y, None
