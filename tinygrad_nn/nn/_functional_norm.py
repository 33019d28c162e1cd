"""Normalisation: subtract a mean, divide by a standard deviation, then scale and shift.

    y = (x - mean) / sqrt(var + eps) * weight + bias        (var is the biased variance)

layer_norm takes mean and var over the trailing `normalized_shape` axes of each sample;
batch_norm over the batch and spatial axes of each channel. In training, batch_norm also
updates the running statistics in place (not recorded by autograd):

    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var  = (1 - momentum) * running_var  + momentum * var * n / (n - 1)   (unbiased)

batch_norm is a composite of Tensor ops, its gradient that of mean, var and rsqrt. layer_norm
is one node (`ops/fused.py`, as PyTorch records it) that computes the same numbers, forward and
backward, as that composite.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.grad_mode import no_grad
from ..ops import fused
from ..tensor import Tensor
from ._functional_loss import _dtype_word

_make = Tensor._make


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample over its last len(normalized_shape) axes."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.dim() - len(shape) :]) != shape or len(shape) > input.dim():
        expected = ", ".join(map(str, shape))
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {expected}], "
            f"but got input of size{list(input.shape)}"
        )
    _check_same_dtype(input, weight, bias)
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and tuple(param.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                f"shape {list(param.shape)} and normalized_shape = {list(shape)}"
            )
    if input.dtype.itemsize == 2 and input.is_floating_point():
        # float16: PyTorch's kernel computes in float32 and rounds once; so does this, and
        # the gradients flow back through the casts, rounded once too.
        wide = [None if t is None else t.float() for t in (weight, bias)]
        return layer_norm(input.float(), shape, *wide, eps).to(input.dtype)
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"LayerNormKernelImpl\" not implemented for '{_dtype_word(input)}'"
        )
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    # One node, as PyTorch records it; the numbers are those of mean, var, sub, rsqrt, mul.
    return fused.LayerNorm.apply(input, weight, bias, dims, eps)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (axis 1) with batch statistics (training) or running ones."""
    dims = (0,) + tuple(range(2, input.dim()))
    count = math.prod(input.shape[d] for d in dims)  # values per channel
    if training and count == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {input.shape}"
        )
    if input.numel() == 0:
        return _empty_batch_norm(input, weight, bias)
    channels = input.shape[1] if input.dim() > 1 else 0
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and stat.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {stat.numel()}")
    _check_same_dtype(input, running_mean, running_var, weight, bias)
    kept = (1, channels) + (1,) * (input.dim() - 2)  # per-channel values broadcast like this
    if training:
        _need_channel_axis(input)
        mean = input.mean(dims, keepdim=True)
        var = input.var(dims, keepdim=True, correction=0)
        _update_running_stats(input, running_mean, running_var, momentum, dims, count)
    else:
        for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
            if stat is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
        _need_channel_axis(input)
        mean, var = running_mean.reshape(kept), running_var.reshape(kept)
    out = (input - mean) * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(kept)
    if bias is not None:
        out = out + bias.reshape(kept)
    return out


def _need_channel_axis(input: Tensor) -> None:
    if input.dim() < 2:  # PyTorch reads the channel count from axis 1
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")


def _empty_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """No values, so no statistics: PyTorch returns a copy of the input, scaled and shifted by
    the first channel's weight and bias so that they stay in the graph, and leaves the
    running statistics alone, whatever their size."""
    out = input.clone()
    for name, param in (("weight", weight), ("bias", bias)):
        if param is None:
            continue
        if param.numel() == 0:
            raise IndexError(
                f"select(): index 0 out of range for tensor of size "
                f"{list(param.shape)} at dimension 0"
            )
        out = out * param[0] if name == "weight" else out + param[0]
    return out


def _check_same_dtype(input: Tensor, *params) -> None:
    """PyTorch refuses parameters whose dtype differs from the input's, in these words."""
    given = [p._data.dtype for p in params if p is not None]
    if all(d == input._data.dtype for d in given):
        return
    if input._data.dtype == np.float64 and all(d == np.float32 for d in given):
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")


def _update_running_stats(input, running_mean, running_var, momentum, dims, count) -> None:
    """The exponential moving averages, in float64 then stored (PyTorch accumulates in double)."""
    a = input._data
    with no_grad():
        if running_mean is not None:
            mean = a.mean(axis=dims, dtype=np.float64)
            new = momentum * mean + (1 - momentum) * running_mean._data.astype(np.float64)
            running_mean.copy_(_make(new))
        if running_var is not None:
            var = a.var(axis=dims, dtype=np.float64) * count / (count - 1)
            new = momentum * var + (1 - momentum) * running_var._data.astype(np.float64)
            running_var.copy_(_make(new))
