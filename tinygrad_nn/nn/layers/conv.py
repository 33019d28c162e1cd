"""Convolution layers: hold the kernel and options, hand the math to F.conv1d / F.conv2d."""

from __future__ import annotations

import math

from ...creation import empty
from ...tensor import Tensor
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, n: int) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


def _check_arguments(in_channels, out_channels, stride, padding, groups, padding_mode, nd):
    """PyTorch's constructor checks, with its exception classes and messages."""
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    if in_channels % groups != 0:
        raise ValueError("in_channels must be divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels must be divisible by groups")
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise ValueError(
            f"Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}"
        )
    if padding == "same" and any(s != 1 for s in _ntuple(stride, nd)):
        raise ValueError("padding='same' is not supported for strided convolutions")
    if padding_mode not in _PADDING_MODES:
        raise ValueError(
            "padding_mode must be one of {'replicate', 'reflect', 'circular', "
            f"'zeros'}}, but got padding_mode='{padding_mode}'"
        )


def _explicit_padding(padding, kernel_size: tuple, dilation: tuple) -> tuple:
    """F.pad's (left, right, top, bottom) for the non-zero padding modes (last axis first)."""
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel_size, dilation)]
        per_axis = [(t // 2, t - t // 2) for t in totals]
    elif padding == "valid":
        per_axis = [(0, 0)] * len(kernel_size)
    else:
        per_axis = [(p, p) for p in padding]
    return tuple(v for pair in reversed(per_axis) for v in pair)


class _ConvNd(Module):
    """What Conv1d and Conv2d share: parameters, init, repr and forward."""

    _nd = 0

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        nd = self._nd
        _check_arguments(in_channels, out_channels, stride, padding, groups, padding_mode, nd)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _ntuple(kernel_size, nd), _ntuple(stride, nd)
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, nd)
        self.dilation, self.padding_mode = _ntuple(dilation, nd), padding_mode
        self.output_padding, self.transposed = (0,) * nd, False
        shape = self._weight_shape(in_channels, out_channels, groups)
        self.weight = Parameter(empty(shape, dtype=dtype, device=device))
        bias = Parameter(empty(out_channels, dtype=dtype, device=device)) if bias else None
        self.register_parameter("bias", bias)
        self.reset_parameters()

    def _weight_shape(self, in_channels: int, out_channels: int, groups: int) -> tuple:
        return (out_channels, in_channels // groups) + self.kernel_size

    def reset_parameters(self) -> None:
        """As Linear: W ~ U(+-1/sqrt(fan_in)) via kaiming_uniform_(a=sqrt(5)), b the same."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """Cross-correlate input with the kernel (after padding in padding_mode)."""
        conv = F.conv1d if self._nd == 1 else F.conv2d
        if self.padding_mode != "zeros":
            pads = _explicit_padding(self.padding, self.kernel_size, self.dilation)
            input = F.pad(input, pads, mode=self.padding_mode)
            return conv(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return conv(
            input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * len(self.padding):  # a string ('same') always shows
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-d convolution. Same semantics (and arguments) as `torch.nn.Conv1d`.

    Shape:
        input (N, C_in, L) or (C_in, L) -> output (N, C_out, L_out).
    """

    _nd = 1


class Conv2d(_ConvNd):
    """2-d convolution. Same semantics (and arguments) as `torch.nn.Conv2d`.

    Shape:
        input (N, C_in, H, W) or (C_in, H, W) -> output (N, C_out, H_out, W_out);
        weight (C_out, C_in / groups, kH, kW).
    """

    _nd = 2


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d, 2d and 3d share: the weight is (C_in, C_out / groups,
    *kernel), the transpose of a convolution's, drawn by the same init (its fan_in is thus
    C_out / groups * kernel, as in PyTorch); output_size in forward picks output_padding."""

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )
        self.output_padding, self.transposed = _ntuple(output_padding, self._nd), True

    def _weight_shape(self, in_channels: int, out_channels: int, groups: int) -> tuple:
        return (in_channels, out_channels // groups) + self.kernel_size

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """output_padding, or the one that makes the output `output_size` (spatial sizes, or
        with the batch and channel axes in front), which must lie in the reachable range."""
        if output_size is None:
            return self.output_padding
        nd, lead = self._nd, 2 if input.dim() == self._nd + 2 else 1
        output_size = list(output_size)
        if len(output_size) == lead + nd:
            output_size = output_size[lead:]
        if len(output_size) != nd:
            raise ValueError(
                f"ConvTranspose{nd}D: for {input.dim()}D input, output_size must "
                f"have {nd} or {lead + nd} elements (got {len(output_size)})"
            )
        smallest = [
            (n - 1) * s - 2 * p + d * (k - 1) + 1
            for n, s, p, d, k in zip(
                input.shape[lead:], self.stride, self.padding, self.dilation, self.kernel_size
            )
        ]
        largest = [m + s - 1 for m, s in zip(smallest, self.stride)]
        if any(not lo <= o <= hi for o, lo, hi in zip(output_size, smallest, largest)):
            raise ValueError(
                f"requested an output size of {output_size}, but valid sizes range "
                f"from {smallest} to {largest} (for an input of "
                f"{input.size()[lead:]})"
            )
        return tuple(o - lo for o, lo in zip(output_size, smallest))

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """Spread each input element over a kernel-sized window of the output."""
        conv = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._nd - 1]
        output_padding = self._output_padding(input, output_size)
        return conv(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """1-d transposed convolution. Same semantics (and arguments) as `torch.nn.ConvTranspose1d`.

    Shape:
        input (N, C_in, L) or (C_in, L) -> output (N, C_out, L_out), L_out =
        (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1;
        weight (C_in, C_out / groups, k).
    """

    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-d transposed convolution. Same semantics (and arguments) as `torch.nn.ConvTranspose2d`.

    Shape:
        input (N, C_in, H, W) or (C_in, H, W) -> output (N, C_out, H_out, W_out);
        weight (C_in, C_out / groups, kH, kW).
    """

    _nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-d transposed convolution. Same semantics (and arguments) as `torch.nn.ConvTranspose3d`.

    Shape:
        input (N, C_in, D, H, W) or (C_in, D, H, W) -> output (N, C_out, D_out, H_out, W_out);
        weight (C_in, C_out / groups, kD, kH, kW).
    """

    _nd = 3
