"""Sliding windows: the ops that convolution and pooling are built from.

| op          | forward                                                  | dL/d(input)       |
|-------------|----------------------------------------------------------|-------------------|
| Unfold      | every window of x, as extra axes (a strided view)        | Fold(g)           |
| Fold        | zeros(shape); add each window back where it came from    | Unfold(g)         |
| WindowMax   | each window's first maximum (and where it is)            | WindowPlace(g)    |
| WindowPick  | one element of each window, at a given kernel offset     | WindowPlace(g)    |
| WindowPlace | zeros(shape); add g[o] at window o's chosen offset       | WindowPick(g)     |

Each pair is adjoint: Unfold copies an element into every window that covers it, so its
backward adds those copies' gradients up again, which is Fold; WindowPick reads one
element per window, so its backward writes the gradient back to that element. All work on
the last `nd` axes (1 for conv1d, 2 for conv2d and pooling); the leading axes (batch,
channel) ride along. For a 2-d input the window view is

    windows[..., i, j, p, q] = x[..., i * stride_h + p * dilation_h, j * stride_w + q * dilation_w]

`np.lib.stride_tricks.as_strided` builds it without copying, so a convolution is this view
followed by one matmul, and max pooling is WindowMax (see nn/_functional_conv.py). The
rest loops over the kernel offsets (9 for a 3x3 kernel), each step one vectorised
operation on a strided slice: no loop runs over pixels.
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


def window_view(a: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """The read-only (..., *counts, *kernel) view of every window of `a` (no copy)."""
    nd = len(kernel)
    counts = window_counts(a.shape[-nd:], kernel, stride, dilation)
    axis_strides = a.strides[-nd:]
    return np.lib.stride_tricks.as_strided(
        a,
        shape=a.shape[:-nd] + counts + tuple(kernel),
        strides=a.strides[:-nd]
        + tuple(st * s for st, s in zip(axis_strides, stride))
        + tuple(st * d for st, d in zip(axis_strides, dilation)),
        writeable=False,
    )


def kernel_offsets(kernel: tuple):
    """Every offset inside a kernel, in row-major order (the order of a flattened window)."""
    return itertools.product(*(range(k) for k in kernel))


def _offset_slice(offset: tuple, stride: tuple, dilation: tuple, counts: tuple) -> tuple:
    """The strided slice of the input that holds element `offset` of every window."""
    return tuple(slice(k * d, k * d + s * (n - 1) + 1, s)
                 for k, d, s, n in zip(offset, dilation, stride, counts))  # fmt: skip


class Unfold(Function):
    """y[..., o_1.., k_1..] = x[..., o_1 * s_1 + k_1 * d_1, ..]  (a read-only view of x).
    dL/dx = Fold(g): each window's gradient added back where the window came from."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple):
        ctx.shape, ctx.stride, ctx.dilation = x._data.shape, stride, dilation
        out = _make(window_view(x._data, kernel, stride, dilation))
        out._vc = x._vc  # a view: an in-place change of x shows up here
        out._base = x._base if x._base is not None else x
        return out

    rule = "grad_x = Fold(grad): each window's gradient added back where it came from"

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
        for offset in kernel_offsets(kernel):
            target = lead + _offset_slice(offset, stride, dilation, counts)
            out[target] += g[lead + (slice(None),) * nd + offset]
        ctx.kernel, ctx.stride, ctx.dilation = kernel, stride, dilation
        return _make(out)

    rule = "grad_windows = Unfold(grad)"

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.kernel, ctx.stride, ctx.dilation), None, None, None


def first_maximum(a: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """(max, offset of the first max) of every window of `a`; offsets index the flat kernel.

    The first maximum is where PyTorch sends the whole gradient (ties are common after a
    ReLU); a NaN counts as the maximum, the last one winning, as in PyTorch's kernel. A few
    elementwise passes per kernel offset over strided views (np.argmax over small strided
    axes, or masked copies, are several times slower).
    """
    windows = window_view(a, kernel, stride, dilation)
    views = [windows[(...,) + offset] for offset in kernel_offsets(kernel)]
    best = views[0]
    for value in views[1:]:
        best = np.maximum(best, value)
    found = np.zeros(best.shape, bool)
    choice = np.zeros(best.shape, np.int64)
    for k, value in enumerate(views):
        hit = value == best
        hit &= ~found  # only the first offset that reaches the maximum
        found |= hit
        if k:
            choice += hit * k
    if np.isnan(a).any():  # rare: NaN == NaN is False, so place the NaN windows' choice here
        for k, value in enumerate(views):
            np.copyto(choice, k, where=np.isnan(value))
    return np.array(best, copy=True), choice


class WindowMax(Function):
    """(y, k) = the max of each window and its offset (an int64 output without gradient).
    dL/dx = WindowPlace(g) at k: the whole gradient goes to the first maximum."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple):
        values, choice = first_maximum(x._data, kernel, stride, dilation)
        ctx.shape, ctx.kernel, ctx.stride, ctx.dilation = x._data.shape, kernel, stride, dilation
        ctx.choice = choice
        return _make(values), _make(choice)

    rule = "grad_x = WindowPlace(grad): all of each window's grad to its first maximum"

    @staticmethod
    def backward(ctx, grad, grad_choice):
        grad_x = WindowPlace.apply(grad, ctx.shape, ctx.kernel, ctx.stride, ctx.dilation,
                                   ctx.choice)  # fmt: skip
        return grad_x, None, None, None


class WindowPick(Function):
    """y[..., o] = x[..., o * s + k[o] * d], where k[o] (`choice`, an index into the flattened
    kernel) names one element of window o - e.g. its maximum.   dL/dx = WindowPlace(g)."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple, choice: np.ndarray):
        windows = window_view(x._data, kernel, stride, dilation)
        out = np.empty(choice.shape, dtype=x._data.dtype)
        for k, offset in enumerate(kernel_offsets(kernel)):
            np.copyto(out, windows[(...,) + offset], where=choice == k)
        ctx.shape, ctx.kernel, ctx.stride, ctx.dilation = x._data.shape, kernel, stride, dilation
        ctx.choice = choice
        return _make(out)

    rule = "grad_x = WindowPlace(grad) at choice"

    @staticmethod
    def backward(ctx, grad):
        grad_x = WindowPlace.apply(grad, ctx.shape, ctx.kernel, ctx.stride, ctx.dilation,
                                   ctx.choice)  # fmt: skip
        return grad_x, None, None, None, None


class WindowPlace(Function):
    """y = zeros(shape);  y[..., o * s + k[o] * d] += g[..., o]  for every window o.
    dL/dg = WindowPick(dL/dy) at the same offsets."""

    @staticmethod
    def forward(ctx, g, shape: tuple, kernel: tuple, stride: tuple, dilation: tuple, choice):
        a = g._data
        nd = len(kernel)
        out = np.zeros(shape, dtype=a.dtype)
        lead = (slice(None),) * (a.ndim - nd)
        # g * mask is much faster than np.where, but would turn an inf or NaN in g into NaN
        # at the windows' other elements; only finite gradients take the fast path.
        finite = np.isfinite(a).all()
        for k, offset in enumerate(kernel_offsets(kernel)):
            target = lead + _offset_slice(offset, stride, dilation, a.shape[-nd:])
            mask = choice == k
            out[target] += a * mask if finite else np.where(mask, a, 0)
        ctx.kernel, ctx.stride, ctx.dilation, ctx.choice = kernel, stride, dilation, choice
        return _make(out)

    rule = "grad_g = WindowPick(grad) at choice"

    @staticmethod
    def backward(ctx, grad):
        grad_g = WindowPick.apply(grad, ctx.kernel, ctx.stride, ctx.dilation, ctx.choice)
        return grad_g, None, None, None, None, None
