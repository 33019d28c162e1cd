"""More activations, each a composite of Tensor ops (so double backward comes free).

    relu6(x)        = hardtanh(x, 0, 6)
    hardtanh(x)     = min_val if x <= min_val, max_val if x >= max_val, else x
    hardsigmoid(x)  = relu6(x + 3) / 6
    hardswish(x)    = x * relu6(x + 3) / 6
    selu(x)         = scale * elu(x, alpha)           (alpha, scale: the self-normalising pair)
    celu(x)         = alpha * elu(x / alpha)
    mish(x)         = x * tanh(softplus(x))
    softsign(x)     = x / (1 + |x|)
    softmin(x)      = softmax(-x)
    logsigmoid(x)   = log(sigmoid(x)), without overflow on either side
    tanhshrink(x)   = x - tanh(x)
    softshrink(x)   = x - lambd * sign(x) where |x| > lambd, else 0
    hardshrink(x)   = x where |x| > lambd, else 0
    threshold(x)    = x where x > threshold, else value
    glu(x)          = a * sigmoid(b), (a, b) = the two halves of x along dim
    prelu(x, w)     = x where x > 0, else w * x       (w per channel, on axis 1)

The piecewise ones are written with `where`, so the gradient at each kink is the branch
PyTorch picks: hardtanh, hardsigmoid, softshrink and hardshrink have slope 0 on their
boundaries, threshold has slope 0 at x == threshold, hardswish has 0 at -3 and 1 at 3.
A NaN input stays NaN with slope 1, as in PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..sampling import cpp_number, type_word
from ..tensor import Tensor, where

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input: Tensor, fn, inplace: bool) -> Tensor:
    return input._inplace(fn) if inplace else fn(input)


def _need_float(x: Tensor, kernel: str) -> None:
    """PyTorch's kernels for these exist for floating dtypes only."""
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_word(x._data.dtype)}'")


def _elu(x: Tensor, alpha: float) -> Tensor:
    from .functional import elu  # functional imports this module: import when called

    return elu(x, alpha)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """Clamp to [min_val, max_val]; the slope is 0 on both boundaries (unlike clamp's 1)."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")

    def fn(x: Tensor) -> Tensor:
        return where(x <= min_val, min_val, where(x >= max_val, max_val, x)).to(x.dtype)

    return _maybe_inplace(input, fn, inplace)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place hardtanh."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between."""

    _need_float(input, "hardsigmoid_cpu")

    def fn(x: Tensor) -> Tensor:
        return where(x <= -3.0, 0.0, where(x >= 3.0, 1.0, x / 6.0 + 0.5))

    return _maybe_inplace(input, fn, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, x for x >= 3, x (x + 3) / 6 between."""

    _need_float(input, "hardswish_cpu")

    def fn(x: Tensor) -> Tensor:
        # the middle branch sees 0 outside (-3, 3): a NaN there keeps slope 1, not NaN
        mid = where((x > -3.0) & (x < 3.0), x, 0.0)
        return where(x <= -3.0, 0.0, where(x < 3.0, mid * (mid + 3.0) / 6.0, x))

    return _maybe_inplace(input, fn, inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * (x if x > 0 else alpha * (exp(x) - 1)), with the fixed alpha and scale."""
    _need_float(input, "elu_cpu")
    return _maybe_inplace(input, lambda x: _elu(x, SELU_ALPHA) * SELU_SCALE, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x / alpha) - 1)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    _need_float(input, "elu_cpu")
    return _maybe_inplace(input, lambda x: _elu(x / alpha, 1.0) * alpha, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    from .functional import softplus

    _need_float(input, "mish_cpu")
    return _maybe_inplace(input, lambda x: x * softplus(x).tanh(), inplace)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x) along dim: weights that favour the smallest entries."""
    if dim is None:
        warnings.warn(
            "Implicit dimension choice for softmin has been deprecated. Change the "
            "call to include dim=X as an argument.",
            stacklevel=_stacklevel,
        )
        dim = 0 if input.dim() in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)
    return (-input).softmax(dim)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = x - log1p(exp(x)) for x < 0, -log1p(exp(-x)) otherwise.

    Each branch sees only its own side of 0 (the other side is replaced by 0), so neither
    exp can overflow, not even in the unused branch's gradient."""
    x = input
    _need_float(x, "log_sigmoid_cpu")
    negative = x < 0
    low = where(negative, x, 0.0)
    high = where(negative, 0.0, x)
    return where(negative, low - low.exp().log1p(), -(-high).exp().log1p())


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - input.tanh()


def _check_lambd(x: Tensor, lambd: float) -> None:
    dtype = x._data.dtype
    if lambd < 0 or lambd > np.finfo(dtype).max:
        raise RuntimeError(
            f"lambda must be in range [0, {cpp_number(np.finfo(dtype).max)}] for "
            f"input dtype {type_word(dtype)}, but found {cpp_number(lambd)}"
        )


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd for x > lambd, x + lambd for x < -lambd, 0 between (boundaries included)."""
    _need_float(input, "softshrink_check")
    _check_lambd(input, lambd)
    x = input
    inside = (x >= -lambd) & (x <= lambd)
    return where(inside, 0.0, where(x > 0, x - lambd, x + lambd)).to(x.dtype)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0 (boundaries give 0)."""
    _need_float(input, "hardshrink_cpu")
    x = input
    inside = (x >= -lambd) & (x <= lambd)
    return where(inside, 0.0, x).to(x.dtype)


def _threshold(input: Tensor, bound: float, value: float, inplace: bool) -> Tensor:
    return _maybe_inplace(input, lambda x: where(x <= bound, value, x).to(x.dtype), inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value (x == threshold gives value and slope 0)."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place threshold."""
    return _threshold(input, threshold, value, True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: first half * sigmoid(second half) along dim."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    if not 0 <= d < input.dim():
        raise IndexError(
            f"Dimension out of range (expected to be in range of "
            f"[{-input.dim()}, {input.dim() - 1}], but got {dim})"
        )
    _need_float(input, "glu_cpu")
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    a, b = input.split(size // 2, d)
    return a * b.sigmoid()


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x; weight has one value or one per channel (axis 1)."""
    if not isinstance(weight, Tensor):
        raise TypeError(
            f"prelu(): argument 'weight' (position 2) must be Tensor, not {type(weight).__name__}"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got "
            f"{type_word(input._data.dtype)} and "
            f"{type_word(weight._data.dtype)}"
        )
    n = weight.numel()
    if n == 1:  # one slope for every element; the output keeps input's shape
        return where(input > 0, input, weight.reshape(()) * input)
    if input.dim() == 0:
        raise RuntimeError("Not allow zero-dim input tensor.")
    channels = input.shape[1] if input.dim() >= 2 else 1
    if n != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found "
            f"parameter numbers = {n} and channel size = {channels}."
        )
    weight = weight.reshape((channels,) + (1,) * (input.dim() - 2))
    return where(input > 0, input, weight * input)
