"""Convolution and pooling, as composites over the sliding-window view (ops/window.py).

    conv:     Convolution(pad(x)), one op:
              windows = Unfold(x)                  (N, C, *out, *kernel), no copy
              cols    = windows as matrices        (N, groups, C/groups * kernel, out), one copy
              y       = W @ cols  (+ bias)         already laid out as (N, C_out, *out)
    max pool: WindowMaxValues (WindowMax for the indices): the gradient goes to each
              window's first maximum (PyTorch's rule for ties)
    avg pool: the window sum divided by PyTorch's divisor (padding counted or not)

Backward needs no code here: the ops of ops/window.py know their gradients (Fold and
WindowPlace, whose own gradients lead back), so double backward works too.
Functions take 1-d (N, C, L) or 2-d (N, C, H, W) inputs, and the unbatched forms without
N, as PyTorch does.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops.movement import Pad
from ..ops.window import (
    Convolution,
    Fold,
    Unfold,
    WindowMax,
    WindowMaxValues,
    lowest_value,
    window_counts,
    window_view,
)
from ..tensor import Tensor
from ._functional_loss import _dtype_word

# The C++ type names PyTorch's conv messages use.
_CPP_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}

_make = Tensor._make


def _tuple(value, nd: int, name: str = "value") -> tuple:
    """An int or a sequence as an nd-tuple of ints."""
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and nd > 1:
            value = tuple(value) * nd
        if len(value) != nd:
            raise RuntimeError(f"{name} must be a single int or a tuple of {nd} ints")
        return tuple(int(v) for v in value)
    return (int(value),) * nd


def _batched(input: Tensor, nd: int, name: str) -> tuple:
    """(input with a batch axis, whether it had one); RuntimeError for the wrong rank."""
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
            f"{name}, but got input of size: {list(input.shape)}"
        )
    return (input, True) if input.dim() == nd + 2 else (input.unsqueeze(0), False)


def _pad_spatial(x: Tensor, pads: list, value: float) -> Tensor:
    """Constant padding of the last len(pads) axes; pads = [(before, after), ...]."""
    if not any(b or a for b, a in pads):
        return x
    return Pad.apply(x, ((0, 0),) * (x.dim() - len(pads)) + tuple(pads), value)


# ---------------------------------------------------------------------- convolution


def _conv_padding(padding, kernel: tuple, stride: tuple, dilation: tuple) -> list:
    """[(before, after)] per spatial axis; 'same' puts an odd extra on the right, as PyTorch."""
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding != "same":
            raise ValueError(
                f"Invalid padding string '{padding}', should be one of {{'same', 'valid'}}"
            )
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [(t // 2, t - t // 2) for t in totals]
    return [(p, p) for p in _tuple(padding, nd, "padding")]


def _check_conv_dtypes(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"Input type ({_CPP_NAMES[input._data.dtype.name]}) and bias type "
            f"({_CPP_NAMES[bias._data.dtype.name]}) should be the same"
        )
    if weight.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {_dtype_word(input)} but found {_dtype_word(weight)}"
        )


def _conv(input, weight, bias, stride, padding, dilation, groups: int, nd: int, name: str):
    x, batched = _batched(input, nd, name)
    _check_conv_dtypes(x, weight, bias)
    kernel = tuple(weight.shape[2:])
    stride, dilation = _tuple(stride, nd, "stride"), _tuple(dilation, nd, "dilation")
    channels, out_channels = x.shape[1], weight.shape[0]
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {out_channels} elements, but got bias of size "
            f"{list(bias.shape)} instead"
        )
    if weight.shape[1] * groups != channels:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {channels} "
            "channels instead"
        )
    _check_conv_args(stride, padding, dilation, nd)
    x = _pad_spatial(x, _conv_padding(padding, kernel, stride, dilation), 0.0)
    spatial = tuple(x.shape[2:])
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(s > n_ for s, n_ in zip(span, spatial)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, spatial))}). "
            f"Kernel size: ({' x '.join(map(str, span))}). Kernel size can't be greater than "
            "actual input size"
        )
    y = Convolution.apply(x, weight, bias, stride, dilation, groups)
    return y if batched else y.squeeze(0)


def _check_conv_args(stride: tuple, padding, dilation: tuple, nd: int) -> None:
    """PyTorch's checks of a convolution's stride, padding and dilation, in its order."""
    if not isinstance(padding, str) and any(p < 0 for p in _tuple(padding, nd, "padding")):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d < 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if any(d == 0 for d in dilation):  # PyTorch runs conv1d as conv2d: it lists two
        shown = list(dilation) if nd > 1 else [1, dilation[0]]
        raise RuntimeError(f"dilation should be greater than zero, but got {shown}")


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """1-d cross-correlation of (N, C_in, L) with weight (C_out, C_in / groups, k)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    dilation=1,
    groups: int = 1,
) -> Tensor:
    """2-d cross-correlation of (N, C_in, H, W) with weight (C_out, C_in / groups, kH, kW).

    padding: an int, a tuple, 'valid' (none) or 'same' (output size = input size, stride 1).
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


# ---------------------------------------------------------------------- pooling geometry


def _pool_geometry(
    x: Tensor,
    nd: int,
    kernel_size,
    stride,
    padding,
    dilation,
    ceil_mode,
    check_raw_kernel: bool = False,
):
    """Normalised (kernel, stride, padding, dilation, output counts, right padding needed)."""
    kernel = _tuple(kernel_size, nd, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else _tuple(stride, nd)
    padding, dilation = _tuple(padding, nd, "padding"), _tuple(dilation, nd, "dilation")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        s_h, s_w = ((1,) + stride)[-2:]  # PyTorch pools 1-d as 2-d, with height 1
        raise RuntimeError(f"stride should be greater than zero, but got dH: {s_h} dW: {s_w}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(padding)}")
    sizes = tuple(x.shape[2:])
    counts, right = [], []
    for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got "
                f"pad={p}, kernel_size={k} and dilation={d}"
            )
        span = d * (k - 1) + 1
        count = (n + 2 * p - span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (count - 1) * s >= n + p:  # the last window must start inside
            count -= 1
        counts.append(count)
        right.append(max((count - 1) * s + span - n - p, 0))
    if check_raw_kernel and any(k // 2 < p for k, p in zip(kernel, padding)):
        names = ("W", "H")[:nd]  # PyTorch lists the last axis first
        got = ", ".join(
            [f"pad{a} = {p}" for a, p in zip(names, padding[::-1])]
            + [f"k{a} = {k}" for a, k in zip(names, kernel[::-1])]
        )
        raise RuntimeError(
            f"pad should be smaller than or equal to half of kernel size, but got {got}"
        )
    if any(c < 1 for c in counts):
        shape = "x".join(map(str, x.shape[1:]))
        out = "x".join(map(str, (x.shape[1],) + tuple(counts)))
        raise RuntimeError(
            f"Given input size: ({shape}). Calculated output size: ({out}). "
            "Output size is too small"
        )
    return kernel, stride, padding, dilation, tuple(counts), right


def _pool_input(input: Tensor, nd: int, name: str) -> tuple:
    """(input with a batch axis, whether it had one). An empty batch is allowed, as in
    PyTorch; an empty channel or spatial axis is not."""
    if name == "max_pool1d" and (input.dim() not in (2, 3) or 0 in input.shape[-2:]):
        raise RuntimeError(
            f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
            f"dim batch size for input, but got:{list(input.shape)}"
        )
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input"
        )
    if 0 in input.shape[-nd - 1 :]:
        shape = list(input.shape)
        if nd == 1:  # PyTorch pools 1-d as 2-d: it shows the input with a height of 1
            shape.insert(-1, 1)
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
            f"size for input, but got:{shape}"
        )
    return (input, True) if input.dim() == nd + 2 else (input.unsqueeze(0), False)


def _no_bool(input: Tensor, kernel: str) -> None:
    if input._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_max_pool_args(nd: int, kernel_size, stride, padding, dilation) -> None:
    """max_pool1d's own argument checks (PyTorch's wording), and max_pool2d's dilation."""
    if nd == 2:
        d_h, d_w = _tuple(dilation, 2, "dilation")
        if d_h <= 0 or d_w <= 0:
            raise RuntimeError(
                f"dilation should be greater than zero, but got dilationH: {d_h} dilationW: {d_w}"
            )
        return
    no_stride = stride is None or stride == [] or stride == ()
    checks = [
        ("kernel_size", kernel_size, 1),
        ("stride", kernel_size if no_stride else stride, 1),
        ("padding", padding, 0),
        ("dilation", dilation, 1),
    ]
    for name, value, low in checks:
        (v,) = _tuple(value, 1, name)
        if v < low:
            need = "be greater than zero" if low else "be non-negative"
            raise RuntimeError(f"max_pool1d() {name} must {need}, but got {v}")


# ---------------------------------------------------------------------- max pooling


def _max_pool(input, nd, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x, batched = _pool_input(input, nd, f"max_pool{nd}d")
    if nd == 1 and not return_indices and x._data.dtype.kind != "f":
        # PyTorch's 1-d kernel without indices takes floats only (with indices, it pools 2-d)
        raise NotImplementedError(f"\"max_pool1d_impl\" not implemented for '{_dtype_word(x)}'")
    _no_bool(x, "max_pool2d")
    _check_max_pool_args(nd, kernel_size, stride, padding, dilation)
    kernel, stride, padding, dilation, counts, right = _pool_geometry(
        x, nd, kernel_size, stride, padding, dilation, ceil_mode, check_raw_kernel=True
    )
    pads = tuple(zip(padding, right))
    padded = _pad_spatial(x, list(pads), lowest_value(x._data.dtype))
    pads = pads if padded is not x else None  # where the -inf padding must not be chosen
    if not return_indices:  # no index array to build: backward finds the maxima itself
        out = WindowMaxValues.apply(padded, kernel, stride, dilation, pads)
        return out if batched else out.squeeze(0)
    out, choice = WindowMax.apply(padded, kernel, stride, dilation, pads)
    out = out if batched else out.squeeze(0)
    indices = _flat_input_index(
        choice._data, kernel, stride, padding, dilation, counts, x.shape[2:]
    )
    return out, _make(indices if batched else indices[0])


def _flat_input_index(first, kernel, stride, padding, dilation, counts, sizes) -> np.ndarray:
    """Where each chosen maximum sits in the unpadded input, as a flat index per channel."""
    offsets = np.unravel_index(first, kernel)
    index = np.zeros(first.shape, np.int64)
    for axis, (k_off, s, p, d, c, n) in enumerate(
        zip(offsets, stride, padding, dilation, counts, sizes)
    ):
        window = np.arange(c).reshape((c,) + (1,) * (len(kernel) - axis - 1))
        index = index * n + (window * s - p + k_off * d)
    return index


def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """Max over sliding windows of the last axis."""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    """Max over sliding kH x kW windows; padding counts as -inf. stride defaults to kernel_size.

    Returns (output, indices) with `return_indices`, indices flat over each input plane.
    """
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


# ---------------------------------------------------------------------- average pooling


def _avg_pool(
    input, nd, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
):
    x, batched = _pool_input(input, nd, f"avg_pool{nd}d")
    if x._data.dtype.kind not in "f" and x._data.dtype != np.int64:
        raise NotImplementedError(f"\"avg_pool2d\" not implemented for '{_dtype_word(x)}'")
    _check_divisor(divisor_override)
    kernel, stride, padding, _, counts, right = _pool_geometry(
        x, nd, kernel_size, stride, padding, 1, ceil_mode
    )
    if divisor_override is None:
        divisor = _avg_divisor(kernel, stride, padding, counts, x.shape[2:], count_include_pad)
    if x._data.dtype == np.int64:  # integers have no gradient: plain NumPy
        divisor = divisor_override if divisor_override is not None else divisor
        out = _make(_int_window_means(x._data, kernel, stride, padding, right, divisor))
        return out if batched else out.squeeze(0)
    padded = _pad_spatial(x, list(zip(padding, right)), 0.0)
    windows = Unfold.apply(padded, kernel, stride, (1,) * nd)
    sums = windows.sum(tuple(range(-nd, 0)))
    if divisor_override is not None:
        out = sums / divisor_override
    else:
        out = sums / _make(divisor.astype(x._data.dtype))
    return out if batched else out.squeeze(0)


def _check_divisor(divisor_override) -> None:
    if divisor_override is None:
        return
    if not isinstance(divisor_override, (int, np.integer)) or isinstance(divisor_override, bool):
        raise TypeError(
            f"avg_pool2d(): argument 'divisor_override' must be int, not "
            f"{type(divisor_override).__name__}"
        )
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")


def _int_window_means(a: np.ndarray, kernel, stride, padding, right, divisor) -> np.ndarray:
    """Integer average pooling as PyTorch's int64 kernel: the window sums in int64 (wrapping
    as C does), divided by the divisor with C's division, which truncates toward zero."""
    nd = len(kernel)
    padded = np.pad(a, ((0, 0),) * (a.ndim - nd) + tuple(zip(padding, right)))
    sums = window_view(padded, kernel, stride, (1,) * nd).sum(tuple(range(-nd, 0)))
    divisor = np.asarray(divisor, dtype=np.int64)
    quotient = np.abs(sums) // np.abs(divisor)
    return np.where((sums < 0) != (divisor < 0), -quotient, quotient).astype(np.int64)


def _avg_divisor(kernel, stride, padding, counts, sizes, count_include_pad) -> np.ndarray:
    """PyTorch's divisor per output position: the window clipped to the padded input
    (count_include_pad) or to the input itself."""
    divisor = np.ones(())
    for k, s, p, c, n in zip(kernel, stride, padding, counts, sizes):
        start = np.arange(c) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        divisor = np.multiply.outer(divisor, end - start)
    return divisor


def avg_pool1d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True
) -> Tensor:
    """Mean over sliding windows of the last axis."""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
) -> Tensor:
    """Mean over sliding kH x kW windows (zero padding counted unless count_include_pad=False)."""
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


# ---------------------------------------------------------------------- adaptive pooling


def _adaptive_avg_pool(input: Tensor, output_size, nd: int) -> Tensor:
    """Windows i cover [floor(i n / o), ceil((i + 1) n / o)): sum them with a 0/1 matrix per
    axis (a matmul, vectorised for uneven windows too), then divide by their sizes."""
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"adaptive_avg_pool{nd}d(): Expected {nd + 1}D or {nd + 2}D tensor, "
            f"but got {list(input.shape)}"
        )
    sizes = tuple(input.shape[-nd:])
    if not isinstance(output_size, (list, tuple)):
        output_size = (output_size,) * nd
    if len(output_size) != nd:
        raise RuntimeError(f"adaptive_avg_pool{nd}d: output_size must be {nd}")
    wanted = [n if o is None else o for n, o in zip(sizes, output_size)]
    if any(o < 0 for o in wanted):  # PyTorch pools 1-d as 2-d and names it so
        shown = ", ".join(map(str, ([1] if nd == 1 else []) + wanted))
        raise RuntimeError(
            f"adaptive_avg_pool2d: elements of output_size must be greater than "
            f"or equal to 0 but received {{{shown}}}"
        )
    out = input
    for axis, (n, o) in enumerate(zip(sizes, output_size)):
        o = n if o is None else o
        i = np.arange(o)
        start, end = (i * n) // o, -((-(i + 1) * n) // o)
        cover = (np.arange(n) >= start[:, None]) & (np.arange(n) < end[:, None])
        dim = input.dim() - nd + axis
        summed = out.transpose(dim, -1).matmul(_make(cover.T.astype(input._data.dtype)))
        out = (summed / _make((end - start).astype(input._data.dtype))).transpose(dim, -1)
    return out


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed output length."""
    return _adaptive_avg_pool(input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a fixed (H_out, W_out); an int means square, None keeps that size."""
    return _adaptive_avg_pool(input, output_size, 2)


# ---------------------------------------------------------------------- im2col


def _pair_arg(value, name: str) -> tuple:
    """An int or a 2-sequence as a pair, with PyTorch's message for a wrong length."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * 2


def _im2col_args(kernel_size, dilation, padding, stride) -> tuple:
    """unfold/fold's arguments as pairs, checked as PyTorch checks them."""
    kernel, dilation = _pair_arg(kernel_size, "kernel_size"), _pair_arg(dilation, "dilation")
    padding, stride = _pair_arg(padding, "padding"), _pair_arg(stride, "stride")
    checks = (
        ("kernel size", "kernel", kernel, 1),
        ("dilation", "dilation", dilation, 1),
        ("padding", "pad", padding, 0),
        ("stride", "stride", stride, 1),
    )
    for label, word, (h, w), low in checks:
        if h < low or w < low:
            need = "be non-negative" if low == 0 else "be greater than zero"
            raise RuntimeError(
                f"{label} should {need}, but got {word}_height: {h} {word}_width: {w}"
            )
    return kernel, dilation, padding, stride


def _im2col_dtype(input: Tensor, kernel: str) -> None:
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}_out_cpu\" not implemented for '{_dtype_word(input)}'"
        )


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Image patches as columns: (N, C, H, W) -> (N, C * kH * kW, number of windows); an
    unbatched (C, H, W) gives (C * kH * kW, number of windows)."""
    kernel, dilation, padding, stride = _im2col_args(kernel_size, dilation, padding, stride)
    if input.dim() not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {list(input.shape)}"
        )
    _im2col_dtype(input, "im2col")
    x = input if input.dim() == 4 else input.unsqueeze(0)
    sizes = tuple(n + 2 * p for n, p in zip(x.shape[2:], padding))
    counts = window_counts(sizes, kernel, stride, dilation)
    if any(c < 1 for c in counts):
        raise RuntimeError(
            f"Given input with spatial size {tuple(x.shape[2:])}, "
            f"kernel_size={kernel}, dilation={dilation}, padding={padding}, "
            f"calculated shape of the array of sliding blocks as {counts}, but "
            "its components must be at least one."
        )
    x = _pad_spatial(x, [(p, p) for p in padding], 0.0)
    windows = Unfold.apply(x, kernel, stride, dilation)
    n, c, oh, ow = windows.shape[:4]
    out = windows.permute(0, 1, 4, 5, 2, 3).reshape(n, c * math.prod(kernel), oh * ow)
    return out if input.dim() == 4 else out.squeeze(0)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The adjoint of `unfold`: columns summed back into an (N, C, H, W) image; an unbatched
    (C * kH * kW, L) gives (C, H, W)."""
    kernel, dilation, padding, stride = _im2col_args(kernel_size, dilation, padding, stride)
    output_size = _pair_arg(output_size, "output_size")
    if input.dim() not in (2, 3) or 0 in input.shape[-2:]:
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
            "batch size and non-zero dimensions for input, but got: "
            f"{list(input.shape)}"
        )
    _im2col_dtype(input, "col2im")
    columns = input if input.dim() == 3 else input.unsqueeze(0)
    n, ck, blocks = columns.shape
    if ck % math.prod(kernel):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product "
            f"of kernel_size, but got input.size(1)={ck} and "
            f"kernel_size={kernel}."
        )
    size = tuple(o + 2 * p for o, p in zip(output_size, padding))
    counts = window_counts(size, kernel, stride, dilation)
    if max(counts[0], 0) * max(counts[1], 0) != blocks:
        shown = " * ".join(str(max(c, 0)) for c in counts)
        raise RuntimeError(
            f"Given output_size={output_size}, kernel_size={kernel}, "
            f"dilation={dilation}, padding={padding}, stride={stride}, expected "
            f"size of input's dimension 2 to match the calculated number of "
            f"sliding blocks {shown} = {max(counts[0], 0) * max(counts[1], 0)}, "
            f"but got input.size(2)={blocks}."
        )
    c = ck // math.prod(kernel)
    windows = columns.reshape((n, c) + kernel + counts).permute(0, 1, 4, 5, 2, 3)
    image = Fold.apply(windows, (n, c) + size, stride, dilation)
    image = image[..., padding[0] : size[0] - padding[0], padding[1] : size[1] - padding[1]]
    return image if input.dim() == 3 else image.squeeze(0)
