"""More normalisations and the channel-wise dropouts, composed from Tensor ops.

group_norm:     split the C channels into G groups; mean and (biased) var over each
                group of each sample; then scale and shift per channel.
instance_norm:  mean and var over the spatial axes of each (sample, channel); the
                running statistics, if given, move toward the batch average of those.
rms_norm:       x / sqrt(mean(x^2) + eps) over the trailing normalized_shape axes, then
                * weight; eps=None means the dtype's machine epsilon.
dropout1d/2d:   zero whole channels: one Bernoulli(1 - p) draw per (sample, channel),
                drawn as PyTorch does (a (N, C, 1, ...) tensor's bernoulli_), scaled by
                1 / (1 - p).
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import sampling
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from ._functional_norm import _check_same_dtype

_make = Tensor._make


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each group of channels of each sample, then scale and shift per channel."""
    if input.dim() < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.dim()}"
        )
    n, c = input.shape[0], input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, "
            f"but got input of shape {list(input.shape)} and num_groups="
            f"{num_groups}"
        )
    for name, param in (("weight", weight), ("bias", bias)):
        if param is not None and (param.dim() != 1 or param.numel() != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of "
                f"channels in input, but got {name} of shape "
                f"{list(param.shape)} and input of shape "
                f"{list(input.shape)}"
            )
    _check_same_dtype(input, weight, bias)
    grouped = input.reshape(n, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    var = grouped.var(-1, keepdim=True, correction=0)
    out = ((grouped - mean) * (var + eps).rsqrt()).reshape(input.shape)
    kept = (c,) + (1,) * (input.dim() - 2)  # per-channel values broadcast like this
    if weight is not None:
        out = out * weight.reshape(kept)
    if bias is not None:
        out = out + bias.reshape(kept)
    return out


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial axes (input statistics), or
    with the running ones (use_input_stats=False)."""
    spatial = tuple(range(2, input.dim()))
    if use_input_stats and int(np.prod([input.shape[d] for d in spatial])) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {_size(input)}"
        )
    if input.dim() < 2:
        raise RuntimeError(
            f"instance_norm expects a (N, C, *) input, got shape {list(input.shape)}"
        )
    c = input.shape[1]
    kept = (1, c) + (1,) * len(spatial)
    _check_same_dtype(input, running_mean, running_var, weight, bias)
    if use_input_stats:
        mean = input.mean(spatial, keepdim=True)
        var = input.var(spatial, keepdim=True, correction=0)
        _update_running(input, running_mean, running_var, momentum, spatial)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "Expected running_mean and running_var to be defined when use_input_stats is false"
            )
        mean, var = running_mean.reshape(kept), running_var.reshape(kept)
    out = (input - mean) * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(kept)
    if bias is not None:
        out = out + bias.reshape(kept)
    return out


def _size(input: Tensor) -> str:
    return f"torch.Size([{', '.join(map(str, input.shape))}])"


def _update_running(input, running_mean, running_var, momentum, spatial) -> None:
    """Move each running statistic toward the batch average of the per-instance ones (the
    variance unbiased), in float64 then stored, as batch_norm does."""
    a = input._data.astype(np.float64)
    count = int(np.prod([a.shape[d] for d in spatial]))
    with no_grad():
        if running_mean is not None:
            batch = a.mean(axis=spatial).mean(axis=0)
            new = momentum * batch + (1 - momentum) * running_mean._data.astype(np.float64)
            running_mean.copy_(_make(new))
        if running_var is not None:
            batch = (a.var(axis=spatial) * count / (count - 1)).mean(axis=0)
            new = momentum * batch + (1 - momentum) * running_var._data.astype(np.float64)
            running_var.copy_(_make(new))


def rms_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """x / sqrt(mean(x^2 over the last dims) + eps) * weight."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if len(shape) > input.dim() or tuple(input.shape[input.dim() - len(shape) :]) != shape:
        expected = ", ".join(map(str, shape))
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*{expected}], but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(-len(shape), 0))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


# ---------------------------------------------------------------------- channel dropout


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Zero each (sample, channel) slice with probability p, scale the rest by 1 / (1 - p)."""
    if not training or p == 0.0 or input.numel() == 0:
        return input
    dtype = input._data.dtype
    noise_shape = input.shape[:2] + (1,) * (input.dim() - 2)
    if p == 1.0:
        noise = np.zeros((), dtype)
    else:
        keep = sampling.bernoulli_scalar(noise_shape, 1.0 - p)
        noise = keep.astype(dtype) / dtype.type(1.0 - p)

    def scale(x: Tensor) -> Tensor:
        return x * _make(noise)

    return input._inplace(scale) if inplace else scale(input)


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, L) or (C, L) input."""
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension,"
            " a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs)."
        )
    if input.dim() == 3:
        return _feature_dropout(input, p, training, inplace)
    if inplace:  # unbatched: (C, L) is one sample, viewed as (1, C, L)
        input.unsqueeze_(0)
        _feature_dropout(input, p, training, True)
        return input.squeeze_(0)
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, H, W) input (a 3D input is taken as (N, C, L))."""
    _check_p(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _feature_dropout(input, p, training, inplace)
