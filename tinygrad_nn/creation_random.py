"""Making tensors of random numbers: `rand`, `randn`, `randint`, `randperm`, their `*_like`
forms, `bernoulli`, `normal` and `multinomial`, each drawing PyTorch's numbers for the same
seed from the streams of `random.py` (through `sampling.py`).
"""

from __future__ import annotations

import builtins

import numpy as np

from . import dtypes as _dt, sampling
from .autograd.function import Function
from .creation import _check_input, _finish, _np_dtype, _sizes, empty, empty_like
from .tensor import Tensor, _check_device

_make = Tensor._make


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from U(0, 1): PyTorch's numbers for the same seed."""
    _check_device(device)
    shape, np_dtype = _sizes(sizes, size), _float_only(dtype, "check_uniform_bounds")
    return _finish(sampling.uniform(shape, np_dtype, 0.0, 1.0, generator), requires_grad)


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from N(0, 1): PyTorch's numbers for the same seed."""
    _check_device(device)
    shape, np_dtype = _sizes(sizes, size), _float_only(dtype, "normal_kernel_cpu")
    return _finish(sampling.normal(shape, np_dtype, 0.0, 1.0, generator), requires_grad)


def _float_only(dtype, kernel: str) -> np.dtype:
    """rand/randn draw floats: PyTorch has no integer kernel for them."""
    np_dtype = np.dtype(_np_dtype(dtype))
    if np_dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{sampling.type_word(np_dtype)}'"
        )
    return np_dtype


def randint(
    *args,
    low=None,
    high=None,
    size=None,
    generator=None,
    dtype=None,
    device=None,
    requires_grad=False,
):
    """Integers in [low, high): `randint(high, size)` or `randint(low, high, size)`; the
    draws of `empty(size, dtype=dtype).random_(low, high)`, as in PyTorch."""
    _check_device(device)
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    bounds += [b for b in (low, high) if b is not None]  # keyword bounds, as PyTorch allows
    if low is not None and high is None and len(bounds) == 1:
        raise TypeError("randint() missing required argument 'high'")
    low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
    if not all(isinstance(b, (builtins.int, np.integer)) for b in (low, high)):
        raise TypeError("randint(): the bounds low and high must be ints")
    np_dtype = np.dtype(np.int64 if dtype is None else _dt.as_dtype(dtype).np)
    values = sampling.random_(_sizes((size,), None), np_dtype, low, high, generator)
    return _finish(values, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0..n-1 (PyTorch's shuffle: the same seed, the same order)."""
    _check_device(device)
    return _finish(sampling.randperm(n, _np_dtype(dtype, _dt.int64), generator), requires_grad)


def rand_like(
    input: Tensor, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """U(0, 1) samples with input's shape and dtype."""
    _check_device(device)
    _check_input(input, "rand_like")
    return rand(
        input._data.shape,
        generator=generator,
        dtype=dtype or input.dtype,
        requires_grad=requires_grad,
    )


def randn_like(
    input: Tensor, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """N(0, 1) samples with input's shape and dtype."""
    _check_device(device)
    _check_input(input, "randn_like")
    return randn(
        input._data.shape,
        generator=generator,
        dtype=dtype or input.dtype,
        requires_grad=requires_grad,
    )


def randint_like(
    input: Tensor, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Integers in [low, high) with input's shape and (unless `dtype`) dtype."""
    _check_device(device)
    _check_input(input, "randint_like")
    if high is None:
        low, high = 0, low
    return randint(
        low,
        high,
        input._data.shape,
        generator=generator,
        dtype=dtype or input.dtype,
        requires_grad=requires_grad,
    )


class _Sampled(Function):
    """y = a draw from a law whose parameters are tensors (bernoulli(p), normal(mean, std)).
    dL/dparam = 0: PyTorch defines these derivatives as zero (no reparametrisation)."""

    @staticmethod
    def forward(ctx, values: np.ndarray, *params):
        ctx.metas = [(p._data.shape, p._data.dtype) for p in params]
        return values

    @staticmethod
    def backward(ctx, grad):
        return (None,) + tuple(_make(np.zeros(shape, dtype)) for shape, dtype in ctx.metas)


def _sampled(values: np.ndarray, name: str, *params: Tensor) -> Tensor:
    """`values` as a result that requires grad when a parameter does, with a zero gradient."""
    out = _Sampled.apply(values, *params)
    if out.grad_fn is not None:
        out.grad_fn.node_name = name
    return out


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """1 with probability input (elementwise), else 0; with `p`, every element uses p."""
    _check_input(input, "bernoulli")
    if p is not None:
        return empty_like(input).bernoulli_(p, generator=generator)
    draws = sampling.bernoulli_tensor(input._data, generator)
    return _sampled(draws.astype(input._data.dtype), "BernoulliBackward0", input)


def normal(
    mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Samples from N(mean, std^2), elementwise over broadcast tensor mean/std, or of `size`
    for number mean and std. Drawn as PyTorch does: N(0, 1) (N(0, std) for a number std with
    a tensor mean), then scaled by std and shifted by mean in the result's dtype."""
    _check_device(device)
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError("normal() missing required argument 'size'")
        out = empty(size, dtype=dtype).normal_(mean, std, generator=generator)
        return _finish(out._data, requires_grad)
    if std_t and std._data.size and not np.all(std._data >= 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if mean_t and not std_t:
        sampling.check_std(std)
        values = _draw_normal(mean._data.shape, mean._data.dtype, std, generator) + mean._data
        return _sampled(values, "NormalBackward1", mean)
    like = mean._data if mean_t else std._data
    shape = np.broadcast_shapes(mean._data.shape, std._data.shape) if mean_t else like.shape
    values = _draw_normal(shape, like.dtype, 1.0, generator)
    shift = mean._data if mean_t else like.dtype.type(mean)  # a number mean: in the dtype
    values = (values * std._data).astype(like.dtype) + shift
    if mean_t:
        return _sampled(values.astype(like.dtype), "NormalBackward3", mean, std)
    return _sampled(values.astype(like.dtype), "NormalBackward2", std)


def _draw_normal(shape: tuple, np_dtype, std: float, generator) -> np.ndarray:
    if np.dtype(np_dtype).kind != "f":
        raise NotImplementedError(
            f"\"normal_kernel_cpu\" not implemented for '{sampling.type_word(np_dtype)}'"
        )
    return sampling.normal(shape, np_dtype, 0.0, std, generator)


def multinomial(input: Tensor, num_samples: int, replacement=False, *, generator=None):
    """Category indices drawn from each row of `input` (non-negative weights, not necessarily
    normalised), as `torch.multinomial` draws them."""
    _check_input(input, "multinomial")
    return _make(sampling.multinomial(input._data, num_samples, replacement, generator))
