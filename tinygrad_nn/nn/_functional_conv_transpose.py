"""Transposed convolution: the adjoint of convolution, built from the ops convolution uses.

A convolution reads each output from a window of the input; the transposed convolution
writes each input element, weighted by the kernel, into the window it would have been read
from. So it is convolution's input gradient applied to x:

    columns = W^T @ x                      (N, groups, C_out/groups * kernel, positions)
    windows = columns as windows           (N, C_out, *in_sizes, *kernel), a view
    full    = Fold(windows)                every window added back at o * stride + k * dilation
    y       = full cropped by padding (output_padding widens the far edge) + bias

Matmul, Fold and slicing know their gradients (Fold's is Unfold, Unfold's is Fold), so the
gradients of input, weight and bias, and their second derivatives, need no code here.
"""

from __future__ import annotations

from ..ops.window import Fold, as_windows
from ..tensor import Tensor
from ._functional_conv import _batched, _check_conv_dtypes, _tuple


def _check_weight(x: Tensor, weight: Tensor, bias, groups: int) -> None:
    """PyTorch's checks of a transposed convolution's weight and bias against the input."""
    if weight.shape[0] % groups != 0:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} "
            f"at dimension 0, but got weight of size [{list(weight.shape)}] "
            "instead"
        )
    if weight.shape[0] != x.shape[1]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"input{list(x.shape)} to have {weight.shape[0]} channels, but got "
            f"{x.shape[1]} channels instead"
        )
    out_channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected "
            f"bias to be 1-dimensional with {out_channels} elements, but got "
            f"bias of size {list(bias.shape)} instead"
        )


def _check_geometry(stride, padding, output_padding, dilation) -> None:
    """Stride, padding and output_padding as PyTorch checks them (its 2-d wording)."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if any(o < 0 for o in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(o >= s and o >= d for o, s, d in zip(output_padding, stride, dilation)):
        # PyTorch runs the 1-d form as 2-d with a height of 1, and names both axes
        pad, st, di = [
            ((0,) * 2 + t)[-2:] if len(t) == 1 else t for t in (output_padding, stride, dilation)
        ]
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + _named(pad, "output_padding")
            + _named(st, "stride")
            + _named(di, "dilation")
        )


def _named(values: tuple, what: str) -> str:
    """`what_depth: 1 what_height: 2 what_width: 3 ` for 3 values (height and width for 2).
    The height 0 put in front of a 1-d stride or dilation reads 1, as in PyTorch."""
    axes = ("depth", "height", "width")[-len(values) :]
    shown = values if what == "output_padding" else [v or 1 for v in values]
    text = " ".join(f"{what}_{axis}: {v}" for axis, v in zip(axes, shown))
    return text + ("" if what == "dilation" else " ")


def _conv_transpose(
    input, weight, bias, stride, padding, output_padding, groups, dilation, nd: int, name: str
) -> Tensor:
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    x, batched = _batched(input, nd, name)
    _check_conv_dtypes(x, weight, bias)
    stride, padding = _tuple(stride, nd, "stride"), _tuple(padding, nd, "padding")
    output_padding = _tuple(output_padding, nd, "output_padding")
    dilation = _tuple(dilation, nd, "dilation")
    _check_weight(x, weight, bias, groups)
    _check_geometry(stride, padding, output_padding, dilation)
    kernel, sizes = tuple(weight.shape[2:]), tuple(x.shape[2:])
    full = tuple(
        (n - 1) * s + d * (k - 1) + 1 + o
        for n, s, d, k, o in zip(sizes, stride, dilation, kernel, output_padding)
    )
    out = tuple(f - 2 * p for f, p in zip(full, padding))
    if any(o <= 0 for o in out):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, sizes))}). "
            f"Calculated output size per channel: ({' x '.join(map(str, out))}). "
            "Output size is too small"
        )
    n, channels = x.shape[0], x.shape[1]
    out_channels = weight.shape[1] * groups
    # (G, C_in/G, C_out/G * kernel) -> its transpose, times x's (N, G, C_in/G, positions)
    flat_w = weight.reshape(groups, channels // groups, -1).mT
    columns = flat_w @ x.reshape(n, groups, channels // groups, -1)
    windows = as_windows(columns, out_channels, sizes, kernel)
    y = Fold.apply(windows, (n, out_channels) + full, stride, dilation)
    if any(padding):
        y = y[(slice(None), slice(None)) + tuple(slice(p, f - p) for p, f in zip(padding, full))]
    if bias is not None:
        y = y + bias.reshape((out_channels,) + (1,) * nd)
    return y if batched else y.squeeze(0)


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """1-d transposed convolution of (N, C_in, L) with weight (C_in, C_out / groups, k).

    Output length: (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
    """
    return _conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        1,
        "conv_transpose1d",
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """2-d transposed convolution of (N, C_in, H, W) with weight (C_in, C_out / groups, kH, kW),
    sometimes called a deconvolution: the adjoint of conv2d with the same arguments."""
    return _conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        2,
        "conv_transpose2d",
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride=1,
    padding=0,
    output_padding=0,
    groups: int = 1,
    dilation=1,
) -> Tensor:
    """3-d transposed convolution of (N, C_in, D, H, W) with weight
    (C_in, C_out / groups, kD, kH, kW): the adjoint of conv3d with the same arguments."""
    return _conv_transpose(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        3,
        "conv_transpose3d",
    )
