"""Tensor methods that change a tensor in place (`add_`, `fill_`, `t_`, ...).

Each runs its out-of-place op and writes the result into self's memory through
inplace.py, which moves the history over and bumps the version counter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt, inplace, sampling
from ._checks import (
    _broadcast_check,
    _check_castable,
    _check_inplace_dtype,
    _check_no_partial_overlap,
)
from ._method_helpers import (
    _compared_inplace,
    _named,
    _overwritten,
    _random_bounds,
    _tensor_operand,
)
from .autograd.function import is_tensor
from .autograd.grad_mode import _state as _grad_state
from .ops import binary

if TYPE_CHECKING:
    from .tensor import Tensor


def _inplace(self, compute) -> Tensor:
    """Run `compute(self)` out of place, then write the result into self's memory.

    When the result is recorded in the graph, self takes over its grad_fn (so later ops
    see the new history) and its version counter is bumped (so nodes that saved the old
    value raise in backward). See inplace.py for the rules and the view case.
    """
    return inplace.apply_inplace(self, compute)


def add_(self, other, *, alpha=1) -> Tensor:
    """self += alpha * other."""
    if not _grad_state.enabled and _plain_add(self, other, alpha):
        # An optimizer's update (`p.add_(grad, alpha=-lr)` under no_grad): add's arithmetic
        # written straight into self's memory. Nothing is recorded and no history changes,
        # so the out-of-place tensor and apply_inplace's checks have nothing to do.
        np.add(self._data, other._data if alpha == 1 else alpha * other._data, out=self._data)
        self._version_counter[0] += 1
        return self
    _check_no_partial_overlap(self, other)
    return self._inplace(lambda t: t.add(other, alpha=alpha))


def _plain_add(t, other, alpha) -> bool:
    """`t.add_(other, alpha=alpha)` is plain array arithmetic: a float tensor that is no op's
    output, another of its dtype and shape that is the same array or shares no memory with it
    (two arrays that own their memory cannot), a number alpha, memory that may be written."""
    a, b = t._data, getattr(other, "_data", None)
    return (
        t.grad_fn is None
        and is_tensor(other)
        and (a is b or (a.base is None and b.base is None) or not np.may_share_memory(a, b))
        and alpha.__class__ in (float, int)
        and a.dtype.kind == "f"
        and a.dtype == b.dtype
        and a.shape == b.shape
        and a.flags.writeable
    )


def sub_(self, other, *, alpha=1) -> Tensor:
    """self -= alpha * other."""
    _check_no_partial_overlap(self, other)
    return self._inplace(lambda t: t.sub(other, alpha=alpha))


def mul_(self, other) -> Tensor:
    """self *= other."""
    _check_no_partial_overlap(self, other)
    return self._inplace(lambda t: t.mul(other))


def div_(self, other, *, rounding_mode=None) -> Tensor:
    """self /= other."""
    _check_no_partial_overlap(self, other)
    return self._inplace(lambda t: t.div(other, rounding_mode=rounding_mode))


def pow_(self, exponent) -> Tensor:
    """self **= exponent."""
    return self._inplace(lambda t: t.pow(exponent))


def neg_(self) -> Tensor:
    """self = -self."""
    return self._inplace(lambda t: t.neg())


def abs_(self) -> Tensor:
    """self = |self|."""
    return self._inplace(lambda t: t.abs())


def exp_(self) -> Tensor:
    """self = exp(self)."""
    return self._inplace(lambda t: t.exp())


def log_(self) -> Tensor:
    """self = log(self)."""
    return self._inplace(lambda t: t.log())


def sqrt_(self) -> Tensor:
    """self = sqrt(self)."""
    return self._inplace(lambda t: t.sqrt())


def sigmoid_(self) -> Tensor:
    """self = sigmoid(self)."""
    return self._inplace(lambda t: t.sigmoid())


def tanh_(self) -> Tensor:
    """self = tanh(self)."""
    return self._inplace(lambda t: t.tanh())


def relu_(self) -> Tensor:
    """self = relu(self)."""
    return self._inplace(lambda t: t.relu())


def floor_(self) -> Tensor:
    """self = floor(self)."""
    return self._inplace(lambda t: t.floor())


def ceil_(self) -> Tensor:
    """self = ceil(self)."""
    return self._inplace(lambda t: t.ceil())


def round_(self, *, decimals: int = 0) -> Tensor:
    """self = round(self)."""
    return self._inplace(lambda t: t.round(decimals=decimals))


def trunc_(self) -> Tensor:
    """self = trunc(self)."""
    return self._inplace(lambda t: t.trunc())


def sign_(self) -> Tensor:
    """self = sign(self)."""
    return self._inplace(lambda t: t.sign())


def square_(self) -> Tensor:
    """self = self * self."""
    return self._inplace(lambda t: t.square())


def reciprocal_(self) -> Tensor:
    """self = 1 / self."""
    return self._inplace(lambda t: t.reciprocal())


def sin_(self) -> Tensor:
    """self = sin(self)."""
    return self._inplace(lambda t: t.sin())


def cos_(self) -> Tensor:
    """self = cos(self)."""
    return self._inplace(lambda t: t.cos())


def log1p_(self) -> Tensor:
    """self = log(1 + self)."""
    return self._inplace(lambda t: t.log1p())


def expm1_(self) -> Tensor:
    """self = exp(self) - 1."""
    return self._inplace(lambda t: t.expm1())


def rsqrt_(self) -> Tensor:
    """self = 1 / sqrt(self)."""
    return self._inplace(lambda t: t.rsqrt())


def erf_(self) -> Tensor:
    """self = erf(self)."""
    return self._inplace(lambda t: t.erf())


def tan_(self) -> Tensor:
    """self = tan(self)."""
    return self._inplace(lambda t: t.tan())


def frac_(self) -> Tensor:
    """self = self - trunc(self)."""
    return self._inplace(lambda t: t.frac())


def log2_(self) -> Tensor:
    """self = log2(self)."""
    return self._inplace(lambda t: t.log2())


def log10_(self) -> Tensor:
    """self = log10(self)."""
    return self._inplace(lambda t: t.log10())


def cumsum_(self, dim: int, *, dtype=None) -> Tensor:
    """Running sum along dim, in place (in self's dtype)."""
    _check_inplace_dtype(self, dtype, "cumsum")
    return self._inplace(lambda t: t.cumsum(dim))


def cumprod_(self, dim: int, *, dtype=None) -> Tensor:
    """Running product along dim, in place (in self's dtype)."""
    _check_inplace_dtype(self, dtype, "cumprod")
    return self._inplace(lambda t: t.cumprod(dim))


def tril_(self, diagonal: int = 0) -> Tensor:
    """Zero the elements above the diagonal, in place."""
    return self._inplace(lambda t: t.tril(diagonal))


def triu_(self, diagonal: int = 0) -> Tensor:
    """Zero the elements below the diagonal, in place."""
    return self._inplace(lambda t: t.triu(diagonal))


def eq_(self, other) -> Tensor:
    """self = (self == other), in self's dtype."""
    return _compared_inplace(self, type(self).eq, other, "EqBackward")


def ne_(self, other) -> Tensor:
    """self = (self != other), in self's dtype."""
    return _compared_inplace(self, type(self).ne, other, "NeBackward")


def lt_(self, other) -> Tensor:
    """self = (self < other), in self's dtype."""
    return _compared_inplace(self, type(self).lt, other, "LtBackward")


def le_(self, other) -> Tensor:
    """self = (self <= other), in self's dtype."""
    return _compared_inplace(self, type(self).le, other, "LeBackward")


def gt_(self, other) -> Tensor:
    """self = (self > other), in self's dtype."""
    return _compared_inplace(self, type(self).gt, other, "GtBackward")


def ge_(self, other) -> Tensor:
    """self = (self >= other), in self's dtype."""
    return _compared_inplace(self, type(self).ge, other, "GeBackward")


def logical_not_(self) -> Tensor:
    """self = not self, in self's dtype."""
    return self._inplace(lambda t: _overwritten(t, t.logical_not()._data, None))


def logical_and_(self, other) -> Tensor:
    """self = self and other, in self's dtype."""
    return _compared_inplace(self, type(self).logical_and, other, None)


def logical_or_(self, other) -> Tensor:
    """self = self or other, in self's dtype."""
    return _compared_inplace(self, type(self).logical_or, other, None)


def logical_xor_(self, other) -> Tensor:
    """self = self xor other, in self's dtype."""
    return _compared_inplace(self, type(self).logical_xor, other, None)


def t_(self) -> Tensor:
    """self = self.t(), in place."""
    return inplace.apply_view_inplace(self, lambda t: t.t(), "TBackward1")


def transpose_(self, dim0: int, dim1: int) -> Tensor:
    """self = self.transpose(dim0, dim1), in place."""
    return inplace.apply_view_inplace(self, lambda t: t.transpose(dim0, dim1), "TransposeBackward1")


def squeeze_(self, dim=None) -> Tensor:
    """self = self.squeeze(dim), in place."""
    name = (
        "SqueezeBackward3"
        if dim is None
        else "SqueezeBackward5"
        if isinstance(dim, (tuple, list))
        else "SqueezeBackward4"
    )
    return inplace.apply_view_inplace(self, lambda t: t.squeeze(dim), name)


def unsqueeze_(self, dim: int) -> Tensor:
    """self = self.unsqueeze(dim), in place."""
    return inplace.apply_view_inplace(self, lambda t: t.unsqueeze(dim), "UnsqueezeBackward1")


def fmod_(self, other) -> Tensor:
    """self = fmod(self, other)."""
    return self._inplace(lambda t: t.fmod(other))


def remainder_(self, other) -> Tensor:
    """self = self % other."""
    return self._inplace(lambda t: t.remainder(other))


def floor_divide_(self, other) -> Tensor:
    """self = self // other."""
    return self._inplace(lambda t: t.floor_divide(other))


def clamp_min_(self, min) -> Tensor:
    """self = max(self, min)."""
    return self._inplace(lambda t: t.clamp_min(min))


def clamp_max_(self, max) -> Tensor:
    """self = min(self, max)."""
    return self._inplace(lambda t: t.clamp_max(max))


def clamp_(self, min=None, max=None) -> Tensor:
    """Limit self to [min, max] in place."""
    return self._inplace(lambda t: t.clamp(min, max))


def masked_fill_(self, mask, value) -> Tensor:
    """Write `value` where mask is True."""
    return self._inplace(lambda t: t.masked_fill(mask, value))


def lerp_(self, end, weight) -> Tensor:
    """self += weight * (end - self)."""
    return self._inplace(lambda t: t.lerp(end, weight))


def addcmul_(self, tensor1, tensor2, *, value=1) -> Tensor:
    """self += value * tensor1 * tensor2."""
    return self._inplace(lambda t: t.addcmul(tensor1, tensor2, value=value))


def addcdiv_(self, tensor1, tensor2, *, value=1) -> Tensor:
    """self += value * tensor1 / tensor2."""
    return self._inplace(lambda t: t.addcdiv(tensor1, tensor2, value=value))


def copy_(self, src, non_blocking: bool = False) -> Tensor:
    """Copy src's values (broadcast, cast) into self."""
    src = _tensor_operand(src, "copy_")
    _broadcast_check(src._data.shape, self._data.shape, "copy_")
    _check_no_partial_overlap(self, src)
    # where(True, src, t), not src + t * 0: t * 0 is nan where t is inf or nan.
    return self._inplace(
        lambda t: (
            _named(
                binary.Where.apply(
                    self._make(np.ones((), np.bool_)), src._cast(t.dtype).expand(t._data.shape), t
                ),
                "torch::autograd::CopyBackwards",
            )
            if (src._requires_grad or t._requires_grad) and _grad_state.enabled
            else self._make(np.broadcast_to(src._data.astype(t._data.dtype), t._data.shape))
        )
    )


def fill_(self, value) -> Tensor:
    """Set every element to value."""
    if is_tensor(value):
        if value._data.ndim:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor "
                f"with {value._data.ndim} dimensions."
            )
        self.copy_(value.expand(self._data.shape))
        return _named(self, "FillBackward3") if self._base is None else self
    value = _dt.checked_scalar(value, self._data.dtype)
    full = np.full(self._data.shape, value, self._data.dtype)
    return self._inplace(lambda t: _overwritten(t, full, "FillBackward2"))


def zero_(self) -> Tensor:
    """Set every element to 0."""
    zeros = np.zeros(self._data.shape, self._data.dtype)
    return self._inplace(lambda t: _overwritten(t, zeros, "ZeroBackward0"))


def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from U(a, b): PyTorch's stream for the same seed."""
    values = sampling.fill_like(
        self._data, lambda shape, _: sampling.uniform(shape, self._data.dtype, a, b, generator)
    )
    return self._inplace(lambda t: _overwritten(t, values, "UniformBackward0"))


def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from N(mean, std^2): PyTorch's stream for the same seed."""
    values = sampling.fill_like(
        self._data,
        lambda shape, contiguous: sampling.normal(
            shape, self._data.dtype, mean, std, generator, contiguous
        ),
    )
    return self._inplace(lambda t: _overwritten(t, values, "NormalBackward0"))


def random_(self, *args, generator=None, **kwargs) -> Tensor:
    """Fill with integers: `random_()` (the dtype's whole range), `random_(to)` ([0, to))
    or `random_(from, to)` ([from, to); to=None: up to the dtype's top)."""
    low, high, name = _random_bounds(args, kwargs)
    values = sampling.fill_like(
        self._data, lambda shape, _: sampling.random_(shape, self._data.dtype, low, high, generator)
    )
    return self._inplace(lambda t: _overwritten(t, values, name))


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """Fill with 1 with probability p (a number, or a tensor broadcast to self), else 0."""
    if is_tensor(p):
        probs = np.broadcast_to(p._data, self._data.shape)
        values = sampling.bernoulli_tensor(probs, generator)
        name = "BernoulliBackward1"
    else:
        values = sampling.fill_like(
            self._data, lambda shape, _: sampling.bernoulli_scalar(shape, p, generator)
        )
        name = "BernoulliBackward2"
    return self._inplace(lambda t: _overwritten(t, values, name))


def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
    """Fill with samples from Exp(lambd) (density lambd * exp(-lambd * x))."""
    values = sampling.fill_like(
        self._data, lambda shape, _: sampling.exponential(shape, self._data.dtype, lambd, generator)
    )
    return self._inplace(lambda t: _overwritten(t, values, "ExponentialBackward0"))


def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    """Fill with exp(N(mean, std^2)) samples."""
    values = sampling.fill_like(
        self._data,
        lambda shape, _: sampling.log_normal(shape, self._data.dtype, mean, std, generator),
    )
    return self._inplace(lambda t: _overwritten(t, values, "LogNormalBackward0"))


def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy(median, sigma) samples."""
    values = sampling.fill_like(
        self._data,
        lambda shape, _: sampling.cauchy(shape, self._data.dtype, median, sigma, generator),
    )
    return self._inplace(lambda t: _overwritten(t, values, "CauchyBackward0"))


def geometric_(self, p: float, *, generator=None) -> Tensor:
    """Fill with Geometric(p) samples: trials up to and including the first success."""
    values = sampling.fill_like(
        self._data, lambda shape, _: sampling.geometric(shape, self._data.dtype, p, generator)
    )
    return self._inplace(lambda t: _overwritten(t, values, "GeometricBackward0"))


def __iadd__(self, other) -> Tensor:
    return self.add_(other)


def __isub__(self, other) -> Tensor:
    return self.sub_(other)


def __imul__(self, other) -> Tensor:
    return self.mul_(other)


def __itruediv__(self, other) -> Tensor:
    return self.div_(other)


def __ifloordiv__(self, other) -> Tensor:
    return self.floor_divide_(other)


def __imod__(self, other) -> Tensor:
    return self.remainder_(other)


def __ipow__(self, exponent) -> Tensor:
    return self.pow_(exponent)


def __iand__(self, other) -> Tensor:
    return self._inplace(lambda t: t & other)


def __ior__(self, other) -> Tensor:
    return self._inplace(lambda t: t | other)


def __ixor__(self, other) -> Tensor:
    return self._inplace(lambda t: t ^ other)


def __ilshift__(self, other) -> Tensor:
    _check_castable(self, other)
    return self._inplace(lambda t: t << other)


def __irshift__(self, other) -> Tensor:
    _check_castable(self, other)
    return self._inplace(lambda t: t >> other)
