"""Sliding windows: the ops that convolution and pooling are built from.

| op              | forward                                                  | dL/d(input)    |
|-----------------|----------------------------------------------------------|----------------|
| Unfold          | every window of x, as extra axes (a strided view)        | Fold(g)        |
| Fold            | zeros(shape); add each window back where it came from    | Unfold(g)      |
| WindowMax       | each window's maximum, and where its first maximum is    | WindowPlace(g) |
| WindowMaxValues | each window's maximum only (max pooling without indices) | WindowPlace(g) |
| WindowPick      | one element of each window, at a given kernel offset     | WindowPlace(g) |
| WindowPlace     | zeros(shape); add g[o] at window o's chosen offset       | WindowPick(g)  |
| Convolution     | W @ columns(x) + b, the windows as columns (im2col)      | Fold(W^T @ g)  |

Each pair is adjoint: Unfold copies an element into every window that covers it, so its
backward adds those copies' gradients up again, which is Fold; WindowPick reads one
element per window, so its backward writes the gradient back to that element. All work on
the last `nd` axes (1 for conv1d, 2 for conv2d and pooling); the leading axes (batch,
channel) ride along. For a 2-d input the window view is

    windows[..., i, j, p, q] = x[..., i * stride_h + p * dilation_h, j * stride_w + q * dilation_w]

`np.lib.stride_tricks.as_strided` builds it without copying, so a convolution is this view,
copied once into columns, and one matmul (Convolution), and max pooling is WindowMaxValues,
or WindowMax when the indices are wanted (see nn/_functional_conv.py). The rest loops over
the kernel offsets (9 for a 3x3 kernel), each step one vectorised operation on a strided
slice: no loop runs over pixels.

The NumPy math of each op is a plain function (`fold`, `window_maximum`, `place`, `pick`)
that its forward calls; each backward is the adjoint op, applied to the gradient, so a
gradient of a gradient is again one of these ops.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..autograd.function import Function, wrap
from .elementwise import _WORDS  # unsigned ints as wide as a float, for selecting by bits


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
    shape = a.shape[:-nd] + counts + tuple(kernel)
    strides = (
        a.strides[:-nd]
        + tuple(st * s for st, s in zip(axis_strides, stride))
        + tuple(st * d for st, d in zip(axis_strides, dilation))
    )
    if not a.flags.c_contiguous or a.size == 0:  # any layout: as_strided works from a.base
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    # The same view made straight on a's buffer: as_strided's argument handling costs as much
    # again (several microseconds, on every conv and pool of a small network).
    view = np.ndarray(shape, a.dtype, a, 0, strides)
    view.flags.writeable = False  # windows overlap: one write would change several of them
    return view


def kernel_offsets(kernel: tuple):
    """Every offset inside a kernel, in row-major order (the order of a flattened window)."""
    return itertools.product(*(range(k) for k in kernel))


def _offset_slice(offset: tuple, stride: tuple, dilation: tuple, counts: tuple) -> tuple:
    """The strided slice of the input that holds element `offset` of every window."""
    return tuple(
        slice(k * d, k * d + s * (n - 1) + 1, s)
        for k, d, s, n in zip(offset, dilation, stride, counts)
    )


def fold(g: np.ndarray, shape: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """zeros(shape) with every window of `g` (..., *counts, *kernel) added back in place."""
    nd = len(stride)
    counts, kernel = g.shape[-2 * nd : -nd], g.shape[-nd:]
    out = np.zeros(shape, dtype=g.dtype)
    lead = (slice(None),) * (g.ndim - 2 * nd)
    # One vectorised add per kernel offset: all windows at once, through a strided slice.
    for offset in kernel_offsets(kernel):
        target = lead + _offset_slice(offset, stride, dilation, counts)
        out[target] += g[lead + (slice(None),) * nd + offset]
    return out


class Unfold(Function):
    """y[..., o_1.., k_1..] = x[..., o_1 * s_1 + k_1 * d_1, ..]  (a read-only view of x).
    dL/dx = Fold(g): each window's gradient added back where the window came from."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple):
        ctx.shape, ctx.stride, ctx.dilation = x._data.shape, stride, dilation
        out = wrap(window_view(x._data, kernel, stride, dilation))
        out._version_counter = x._version_counter  # a view: an in-place change of x shows up here
        out._base = x._base if x._base is not None else x
        return out

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.shape, ctx.stride, ctx.dilation), None, None, None


class Fold(Function):
    """y = zeros(shape);  y[..., o * s + k * d, ..] += windows[..., o, k]  for every window o
    and offset k.   dL/dwindows = Unfold(g)."""

    @staticmethod
    def forward(ctx, windows, shape: tuple, stride: tuple, dilation: tuple):
        g = windows._data
        ctx.kernel, ctx.stride, ctx.dilation = g.shape[-len(stride) :], stride, dilation
        return fold(g, shape, stride, dilation)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.kernel, ctx.stride, ctx.dilation), None, None, None


def offset_views(a: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> list:
    """Element `offset` of every window of `a`: one strided view per kernel offset."""
    windows = window_view(a, kernel, stride, dilation)
    return [windows[(...,) + offset] for offset in kernel_offsets(kernel)]


def window_maximum(a: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """The maximum of every window (NaN where the window holds one, as in PyTorch).

    An elementwise maximum over the kernel offsets, written into one array: a few passes over
    strided views (np.max over small strided axes is several times slower).
    """
    views = offset_views(a, kernel, stride, dilation)
    if len(views) == 1:
        return np.array(views[0])  # a copy: the output must not be a view of the input
    best = np.maximum(views[0], views[1])
    for value in views[2:]:
        np.maximum(best, value, out=best)
    return best


def first_maximum_masks(
    a: np.ndarray,
    best: np.ndarray,
    kernel: tuple,
    stride: tuple,
    dilation: tuple,
    pads: tuple | None = None,
) -> list:
    """One bool array per kernel offset, shaped like `best` (the windows' maxima): True
    where that offset holds the window's first maximum, in row-major order.

    The first maximum is where PyTorch sends the whole gradient (ties are common after a
    ReLU); in a window with NaNs the last NaN wins, as in PyTorch's kernel. `pads`, the
    (before, after) -inf padding of each window axis of `a`, is never chosen.
    """
    views = offset_views(a, kernel, stride, dilation)
    masks, taken = [], None
    for value in views:
        hit = value == best
        if taken is None:
            taken = hit.copy()
        else:
            hit &= ~taken  # only the first offset that reaches the maximum
            taken |= hit
        masks.append(hit)
    if not taken.all():  # rare: NaN == NaN is False, so the NaN windows are still open
        left = ~taken
        for value, hit in zip(reversed(views), reversed(masks)):
            nan = np.isnan(value)
            nan &= left
            hit |= nan
            left &= ~nan
    stuck = None if pads is None else best == lowest_value(best.dtype)
    if stuck is not None and stuck.any():  # rare: windows of the padding's value alone
        _off_the_padding(masks, stuck, a.shape[-len(kernel) :], pads, kernel, stride, dilation)
    return masks


def lowest_value(dtype: np.dtype):
    """What max pooling pads with: -inf, or an integer type's minimum (never chosen)."""
    return -math.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _off_the_padding(
    masks: list,
    stuck: np.ndarray,
    sizes: tuple,
    pads: tuple,
    kernel: tuple,
    stride: tuple,
    dilation: tuple,
) -> None:
    """In the windows whose maximum is the padding's value (`stuck`: -inf, or an integer
    type's minimum) the padding ties with the input: choose the window's first input element
    instead, as PyTorch does (its running maximum starts on that element)."""
    inside = np.zeros(sizes, bool)
    inside[tuple(slice(b, n - a) for (b, a), n in zip(pads, sizes))] = True
    left = stuck.copy()
    for hit, real in zip(masks, offset_views(inside, kernel, stride, dilation)):
        hit &= ~stuck
        first = left & real
        hit |= first
        left &= ~first


def offsets_of(masks: list) -> np.ndarray:
    """The int64 kernel offset each window's mask names (the inverse of `masks_of`)."""
    choice = np.zeros(masks[0].shape, np.int64)
    for k, hit in enumerate(masks[1:], 1):
        choice += hit * k
    return choice


def masks_of(choice: np.ndarray, kernel: tuple) -> list:
    """One bool array per kernel offset: the windows whose `choice` is that offset."""
    return [choice == k for k in range(math.prod(kernel))]


def place(
    g: np.ndarray, shape: tuple, kernel: tuple, stride: tuple, dilation: tuple, masks: list
) -> np.ndarray:
    """zeros(shape) with g[..., o] added at the element window o chose (`masks`, one per
    kernel offset, as `first_maximum_masks` makes them)."""
    nd = len(kernel)
    counts = g.shape[-nd:]
    lead = (slice(None),) * (g.ndim - nd)
    # Windows that do not overlap (max pooling's usual kernel == stride) receive each element
    # at most once, so g * mask can be written straight into place, without a temporary to
    # add; when they also tile the whole input, nothing needs zeroing first.
    disjoint = all(s >= d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
    tiled = disjoint and all(
        s == k and d == 1 and c * s == n
        for k, s, d, c, n in zip(kernel, stride, dilation, counts, shape[-nd:])
    )
    out = np.empty(shape, dtype=g.dtype) if tiled else np.zeros(shape, dtype=g.dtype)
    word = _WORDS.get(g.dtype.itemsize)
    finite = disjoint or np.isfinite(g).all()  # only overlapping windows use the product
    if disjoint and word is not None:
        g = g + 0.0  # PyTorch adds g into zeros: a -0.0 in g arrives as +0.0
    for mask, offset in zip(masks, kernel_offsets(kernel)):
        target = out[lead + _offset_slice(offset, stride, dilation, counts)]
        if disjoint and word is not None:
            # g where mask, else +0.0, written straight into place: g's bits ANDed with whole
            # words of ones (mask) or zeros. A select, as PyTorch's, at the speed of a product
            # (g * mask would give -0.0 under a negative g, and NaN under an inf), and without
            # np.where's per-element branch, ten times slower on a random mask.
            keep = np.subtract(0, mask, dtype=word)  # True -> all ones, False -> 0
            np.bitwise_and(g.view(word), keep, out=target.view(word))
        elif disjoint:
            target[...] = np.where(mask, g, 0)
        else:
            target += g * mask if finite else np.where(mask, g, 0)
    return out


def pick(a: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple, choice) -> np.ndarray:
    """The element at kernel offset choice[o] of every window o of `a` (`choice` given as the
    offsets or as their masks, see `as_masks`)."""
    windows = window_view(a, kernel, stride, dilation)
    masks = as_masks(choice, kernel)
    out = np.empty(masks[0].shape, dtype=a.dtype)
    for mask, offset in zip(masks, kernel_offsets(kernel)):
        np.copyto(out, windows[(...,) + offset], where=mask)
    return out


def as_masks(choice, kernel: tuple) -> list:
    """The masks of a window choice: given as such (a list, as `first_maximum_masks` makes
    them, which max pooling's backward passes on without a round trip through offsets), or
    made from the int64 offsets."""
    return choice if isinstance(choice, list) else masks_of(choice, kernel)


class WindowMax(Function):
    """(y, k) = the max of each window and the offset of its first maximum (an int64 output
    without gradient, for max pooling's indices); `pads` names x's -inf padding, never chosen.
    dL/dx = WindowPlace(g) at k: the whole gradient goes to the first maximum."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple, pads=None):
        a = x._data
        values = window_maximum(a, kernel, stride, dilation)
        masks = first_maximum_masks(a, values, kernel, stride, dilation, pads)
        ctx.shape, ctx.kernel, ctx.stride, ctx.dilation = a.shape, kernel, stride, dilation
        ctx.choice = masks  # what backward's WindowPlace takes as it is
        return values, offsets_of(masks)

    @staticmethod
    def backward(ctx, grad, grad_choice):
        grad_x = WindowPlace.apply(
            grad, ctx.shape, ctx.kernel, ctx.stride, ctx.dilation, ctx.choice
        )
        return grad_x, None, None, None, None


class WindowMaxValues(Function):
    """y = the max of each window, as WindowMax without the offsets: backward finds each
    window's first maximum again by comparing the windows with y, so the forward of max
    pooling writes no index array (the backward would read it once; comparing costs the same).
    dL/dx = WindowPlace(g) at the first maxima."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple, pads=None):
        values = window_maximum(x._data, kernel, stride, dilation)
        ctx.save_for_backward(x)  # as PyTorch's max pooling: x may not change before backward
        ctx.shape, ctx.kernel, ctx.stride, ctx.dilation = x._data.shape, kernel, stride, dilation
        # A copy of y, not y saved: y may change in place before backward (PyTorch's max
        # pooling keeps indices, not values), even through .data, which no version counts.
        ctx.pads, ctx.values = pads, values.copy()
        return values

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        masks = first_maximum_masks(
            x._data, ctx.values, ctx.kernel, ctx.stride, ctx.dilation, ctx.pads
        )
        grad_x = WindowPlace.apply(grad, ctx.shape, ctx.kernel, ctx.stride, ctx.dilation, masks)
        return grad_x, None, None, None, None


class WindowPick(Function):
    """y[..., o] = x[..., o * s + k[o] * d], where k[o] (`choice`, an index into the flattened
    kernel) names one element of window o - e.g. its maximum.   dL/dx = WindowPlace(g)."""

    @staticmethod
    def forward(ctx, x, kernel: tuple, stride: tuple, dilation: tuple, choice: np.ndarray):
        ctx.shape, ctx.kernel, ctx.stride, ctx.dilation = x._data.shape, kernel, stride, dilation
        ctx.choice = choice
        return pick(x._data, kernel, stride, dilation, choice)

    @staticmethod
    def backward(ctx, grad):
        grad_x = WindowPlace.apply(
            grad, ctx.shape, ctx.kernel, ctx.stride, ctx.dilation, ctx.choice
        )
        return grad_x, None, None, None, None


class WindowPlace(Function):
    """y = zeros(shape);  y[..., o * s + k[o] * d] += g[..., o]  for every window o.
    dL/dg = WindowPick(dL/dy) at the same offsets."""

    @staticmethod
    def forward(ctx, g, shape: tuple, kernel: tuple, stride: tuple, dilation: tuple, choice):
        ctx.kernel, ctx.stride, ctx.dilation, ctx.choice = kernel, stride, dilation, choice
        return place(g._data, shape, kernel, stride, dilation, as_masks(choice, kernel))

    @staticmethod
    def backward(ctx, grad):
        grad_g = WindowPick.apply(grad, ctx.kernel, ctx.stride, ctx.dilation, ctx.choice)
        return grad_g, None, None, None, None, None


# ---------------------------------------------------------------------- convolution


def _swap_blocks(nd: int) -> tuple:
    """The axis order that swaps (..., *a, *b) to (..., *b, *a) after three leading axes,
    for two blocks of nd axes: windows <-> columns (it is its own inverse)."""
    return (0, 1, 2) + tuple(range(3 + nd, 3 + 2 * nd)) + tuple(range(3, 3 + nd))


def _column_layout(shape: tuple, groups: int) -> tuple:
    """How (N, C, *out, *kernel) windows become (N, G, C/G * kernel, out) columns: reshaped
    to the grouped shape, permuted by the order returned (kernel axes before window axes),
    reshaped to the columns' shape."""
    nd = (len(shape) - 2) // 2
    n, c, out, kernel = shape[0], shape[1], shape[2 : 2 + nd], shape[2 + nd :]
    columns = (n, groups, c // groups * math.prod(kernel), math.prod(out))
    return (n, groups, c // groups) + out + kernel, _swap_blocks(nd), columns


def as_columns(windows, groups: int):
    """(N, C, *out, *kernel) windows -> (N, G, C/G * kernel, out): one column per window, the
    layout a matmul with the (G, O/G, C/G * kernel) kernel needs (im2col: the one copy)."""
    grouped, order, columns = _column_layout(tuple(windows.shape), groups)
    return windows.reshape(grouped).permute(order).reshape(columns)


def as_windows(columns, channels: int, out: tuple, kernel: tuple):
    """The inverse of `as_columns`, as a view: (N, G, C/G * kernel, out) -> (N, C, *out,
    *kernel), ready for Fold."""
    n, groups = columns.shape[:2]
    grouped = columns.reshape((n, groups, channels // groups) + kernel + out)
    return grouped.permute(_swap_blocks(len(kernel))).reshape((n, channels) + out + kernel)


class Convolution(Function):
    """y[n, o] = b[o] + sum over c, k of W[o, c, k] * x[n, c, o * s + k * d]  (groups apart):
    y = W @ columns(x) + b, with columns(x) = as_columns(Unfold(x)), one column per window.
    dL/dbias = g summed over batch and positions;  dL/dweight = g @ columns(x)^T summed over
    the batch;  dL/dx = Fold(W^T @ g), each column's gradient added back where its window was.

    One op, not the Unfold -> reshape -> matmul -> add composite its backward is written
    in, for speed: the bias is added in place, and the columns (kernel-size times larger
    than x) are not kept for backward, which makes them again from x, as PyTorch's CPU
    convolution does: the peak memory of a step, and so its page faults, drop by that much.
    """

    number_edges = (2,)  # no bias: still an (empty) edge, as in PyTorch's ConvolutionBackward0

    @staticmethod
    def forward(ctx, x, weight, bias, stride: tuple, dilation: tuple, groups: int):
        a, w = x._data, weight._data
        kernel, out_channels = w.shape[2:], w.shape[0]
        windows = window_view(a, kernel, stride, dilation)
        out = windows.shape[2 : 2 + len(kernel)]
        grouped, order, columns = _column_layout(windows.shape, groups)
        columns = windows.reshape(grouped).transpose(order).reshape(columns)
        y = np.matmul(w.reshape(groups, out_channels // groups, -1), columns)
        y = y.reshape((a.shape[0], out_channels) + out)
        if bias is not None:
            y += bias._data.reshape((out_channels,) + (1,) * len(kernel))
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.dilation, ctx.groups = stride, dilation, groups
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        columns = None
        if ctx.needs_input_grad[1]:
            windows = Unfold.apply(x, tuple(weight.shape[2:]), ctx.stride, ctx.dilation)
            columns = as_columns(windows, ctx.groups)
        return _convolution_grads(ctx, grad, x, weight, columns)


def _convolution_grads(ctx, grad, x, weight, columns) -> tuple:
    """Convolution's gradients from the columns of x (None if the weight needs none)."""
    groups, nd = ctx.groups, len(ctx.stride)
    n, out_channels = grad.shape[:2]
    kernel = tuple(weight.shape[2:])
    grads = grad.reshape(n, groups, out_channels // groups, -1)  # (N, G, O/G, out)
    grad_x = grad_w = grad_b = None
    if ctx.needs_input_grad[2]:
        grad_b = grad.sum((0,) + tuple(range(2, 2 + nd)))
    if ctx.needs_input_grad[1]:
        grad_w = (grads @ columns.mT).sum((0,)).reshape(weight.shape)
    if ctx.needs_input_grad[0]:
        flat_w = weight.reshape(groups, out_channels // groups, -1)
        col_grads = flat_w.mT @ grads  # (N, G, C/G * kernel, out)
        windows = as_windows(col_grads, x.shape[1], tuple(grad.shape[2:]), kernel)
        grad_x = Fold.apply(windows, tuple(x.shape), ctx.stride, ctx.dilation)
    return grad_x, grad_w, grad_b, None, None, None
