"""Cumulative ops that are Functions of their own (cumsum and cumprod live in reduce.py;
cummax and cummin are gathers at running-extreme indices, see ops/sorting.py).

| op           | forward                               | dL/dx                                 |
|--------------|---------------------------------------|---------------------------------------|
| LogCumSumExp | y_i = log(e^x_0 + ... + e^x_i)        | sum over i >= j of g_i e^(x_j - y_i)  |

Both directions stay in log space, so no exp overflows: the backward splits g by sign and
runs logcumsumexp itself in reverse over log|g| - y, which also makes its own gradient (the
second derivative) come from the same Function.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function, wrap


def _logcumsumexp_array(a: np.ndarray, dim: int) -> np.ndarray:
    """Running log-sum-exp along dim, one logaddexp at a time (exact for -inf and +inf)."""
    if a.ndim == 0 or a.size == 0:
        return a.copy()
    if a.dtype.itemsize < 8:  # accumulate in float64 as PyTorch's CPU scan does
        return np.logaddexp.accumulate(a.astype(np.float64), axis=dim).astype(a.dtype)
    return np.logaddexp.accumulate(a, axis=dim)


class LogCumSumExp(Function):
    """y_i = log sum_{k <= i} e^x_k.   dL/dx_j = sum_{i >= j} g_i e^(x_j - y_i)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = wrap(_logcumsumexp_array(x._data, dim))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if x.ndim == 0:
            return grad, None
        # sum_{i >= j} g_i e^(x_j - y_i) = e^(x_j + revlcse(log g - y)_j) for g > 0. Split g
        # into its positive and negative parts so both logs exist; where a part is 0 its log
        # is a finite "minus infinity" (log 0 = -inf would meet +inf in a second derivative
        # and give nan), and log runs on 1 there so that its own derivative stays finite.
        floor = float(np.finfo(x._data.dtype).min) / 4

        def part(g, keep):
            log_g = g.where(keep, 1.0).log().where(keep, floor)
            shifted = (log_g - out).flip(dim)
            return (x + LogCumSumExp.apply(shifted, dim).flip(dim)).exp()

        return part(grad, grad > 0) - part(-grad, grad < 0), None
