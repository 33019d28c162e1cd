"""Sliding windows: the two ops that convolution and pooling are built from.

| op      | forward                                             | dL/d(input)     |
|---------|-----------------------------------------------------|-----------------|
| Unfold  | every window of x, as extra axes (a strided view)   | Fold(g)         |
| Fold    | zeros(shape); add each window back where it came from | Unfold(g)     |

They are adjoints: Unfold copies each element into every window that covers it, so its
backward adds those copies' gradients up again, which is Fold. Both work on the last `nd`
axes (1 for conv1d, 2 for conv2d and pooling); the leading axes (batch, channel) ride along.
For a 2-d input the window view is

    windows[..., i, j, p, q] = x[..., i * stride_h + p * dilation_h, j * stride_w + q * dilation_w]

`np.lib.stride_tricks.as_strided` builds it without copying, so a convolution is this view
followed by one matmul, and max pooling is the view followed by a max over the window axes
(see nn/_functional_conv.py). Fold loops over the kernel offsets (9 for a 3x3 kernel), each
step one vectorised add of a strided slice: no Python loop ever runs over pixels.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor

_make = Tensor._make


def window_counts(sizes: tuple, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """How many windows fit along each axis: floor((n - dilation * (k - 1) - 1) / stride) + 1."""
    return tuple(
        (n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(sizes, kernel, stride, dilation)
    )


class Unfold(Function):
    """y[..., o_1.., k_1..] = x[..., o_1 * s_1 + k_1 * d_1, ..]  (a read-only view of x).
    dL/dx = Fold(g): each window's gradient added back where the window came from."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple):
        a, nd = x._data, len(kernel)
        counts = window_counts(a.shape[-nd:], kernel, stride, dilation)
        axis_strides = a.strides[-nd:]
        view = np.lib.stride_tricks.as_strided(
            a,
            shape=a.shape[:-nd] + counts + tuple(kernel),
            strides=a.strides[:-nd]
            + tuple(st * s for st, s in zip(axis_strides, stride))
            + tuple(st * d for st, d in zip(axis_strides, dilation)),
            writeable=False,
        )
        ctx.shape, ctx.stride, ctx.dilation = a.shape, stride, dilation
        out = _make(view)
        out._vc, out._base = x._vc, x  # a view: an in-place change of x shows up here
        return out

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.shape, ctx.stride, ctx.dilation), None, None, None


class Fold(Function):
    """y = zeros(shape);  y[..., o * s + k * d, ..] += g[..., o, k]  for every window o, offset k.
    dL/dg = Unfold(dL/dy)."""

    @staticmethod
    def forward(ctx, windows, shape: tuple, stride: tuple, dilation: tuple):
        g = windows._data
        nd = len(stride)
        counts, kernel = g.shape[-2 * nd : -nd], g.shape[-nd:]
        out = np.zeros(shape, dtype=g.dtype)
        lead = (slice(None),) * (g.ndim - 2 * nd)
        # One vectorised add per kernel offset: all windows at once, through a strided slice.
        for offset in itertools.product(*(range(k) for k in kernel)):
            target = tuple(slice(k * d, k * d + s * (n - 1) + 1, s)
                           for k, d, s, n in zip(offset, dilation, stride, counts))  # fmt: skip
            out[lead + target] += g[lead + (slice(None),) * nd + offset]
        ctx.kernel, ctx.stride, ctx.dilation = kernel, stride, dilation
        return _make(out)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.kernel, ctx.stride, ctx.dilation), None, None, None
