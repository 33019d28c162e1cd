"""More binary elementwise ops (atan2, hypot, xlogy, copysign, logaddexp(2), fmax/fmin) and
the non-differentiable ones (heaviside, bitwise, isin), with the `torch.X` forms that apply
PyTorch's operand rules: which ops take a Python number, and in which position, and which
promote integers to the default float dtype.

| op         | forward                  | dL/dx                         | dL/dy                  |
|------------|--------------------------|-------------------------------|------------------------|
| Atan2      | atan2(x, y)              | g y / (x^2 + y^2); 0 at (0,0) | -g x / (x^2 + y^2)     |
| Hypot      | sqrt(x^2 + y^2)          | g x / z                       | g y / z                |
| Xlogy      | x ln y; 0 where x = 0    | g xlogy(x != 0, y)            | g x / y                |
| Copysign   | abs x with y's sign      | g z / x; 0 where x = 0        | 0                      |
| Logaddexp  | ln(e^x + e^y)            | g / (1 + e^(y - x))           | g / (1 + e^(x - y))    |
| Logaddexp2 | log2(2^x + 2^y)          | g / (1 + 2^(y - x))           | g / (1 + 2^(x - y))    |
| Fmax       | max, ignoring nan        | g where x >= y or y is nan    | g elsewhere            |
| Fmin       | min, ignoring nan        | g where x <= y or y is nan    | g elsewhere            |
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function, is_tensor, wrap
from ._names import dtype_word, named
from ._shape import unbroadcast

_NUMBERS = (builtins.bool, builtins.int, builtins.float)


def _save_both(ctx, x, y):
    """Save both inputs for the backward; their arrays for the forward."""
    ctx.save_for_backward(x, y)
    return x._data, y._data


def _to_inputs(ctx, x, y, grad_x, grad_y) -> tuple:
    """The gradients summed back to the inputs' shapes, None where none is needed."""
    return (
        unbroadcast(grad_x, x.shape) if ctx.needs_input_grad[0] else None,
        unbroadcast(grad_y, y.shape) if ctx.needs_input_grad[1] else None,
    )


class Atan2(Function):
    """z = atan2(x, y).   dL/dx = g y / (x^2 + y^2),  dL/dy = -g x / (x^2 + y^2), both 0 at
    the origin (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        return np.arctan2(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        square = x * x + y * y
        recip = square.reciprocal().where(square != 0, 0.0)
        return _to_inputs(ctx, x, y, grad * y * recip, grad * -x * recip)


class Hypot(Function):
    """z = sqrt(x^2 + y^2).   dL/dx = g x / z,  dL/dy = g y / z."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        return np.hypot(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        z = Hypot.apply(x, y)  # recomputed, so that double backward sees z's own graph
        return _to_inputs(ctx, x, y, grad * x / z, grad * y / z)


def _xlogy_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        # 0 * log(y) is 0 even where log(y) is -inf, but a nan y stays nan
        return np.where((a == 0) & ~np.isnan(b), a.dtype.type(0), a * np.log(b)).astype(a.dtype)


class Xlogy(Function):
    """z = x ln y, 0 where x = 0 (unless y is nan).
    dL/dx = g xlogy(x != 0, y),  dL/dy = g x / y."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        return _xlogy_array(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        nonzero = (x != 0)._cast(_dt.as_dtype(y.dtype))
        return _to_inputs(ctx, x, y, grad * Xlogy.apply(nonzero, y), grad * x / y)


class Copysign(Function):
    """z = |x| with the sign of y.   dL/dx = g z / x (0 where x = 0),  dL/dy = 0."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        return np.copysign(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        # out / x is y's sign (signed zeros and nan's sign bit included) times x's sign, and
        # 0 where x = 0: a constant, so it carries no graph of its own
        ratio = wrap(np.copysign(np.ones_like(y._data), y._data) * np.sign(x._data))
        return _to_inputs(ctx, x, y, grad * ratio, grad.new_zeros(grad.shape))


class Logaddexp(Function):
    """z = ln(e^x + e^y).   dL/dx = g / (1 + e^(y - x)),  dL/dy = g / (1 + e^(x - y))."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        # inf and -inf give nan, silently
        return np.logaddexp(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _to_inputs(ctx, x, y, grad / ((y - x).exp() + 1), grad / ((x - y).exp() + 1))


class Logaddexp2(Function):
    """z = log2(2^x + 2^y).   dL/dx = g / (1 + 2^(y - x)),  dL/dy = g / (1 + 2^(x - y))."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        # inf and -inf give nan, silently
        return np.logaddexp2(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _to_inputs(ctx, x, y, grad / (2.0 ** (y - x) + 1), grad / (2.0 ** (x - y) + 1))


class Fmax(Function):
    """z = max(x, y), the other value where one is nan.
    dL/dx = g where x >= y or y is nan,  dL/dy = g elsewhere."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        return np.fmax(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _pick(ctx, x, y, grad, (x >= y) | y.isnan())


class Fmin(Function):
    """z = min(x, y), the other value where one is nan.
    dL/dx = g where x <= y or y is nan,  dL/dy = g elsewhere."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = _save_both(ctx, x, y)
        return np.fmin(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _pick(ctx, x, y, grad, (x <= y) | y.isnan())


def _pick(ctx, x, y, grad, to_x) -> tuple:
    """The whole gradient to x where `to_x`, else to y (fmax/fmin; no sharing of ties)."""
    return _to_inputs(ctx, x, y, grad.where(to_x, 0.0), grad.where(~to_x, 0.0))


# ---------------------------------------------------------------- operand rules


def _argument(value, op: str, name: str, position: int) -> None:
    if not is_tensor(value):
        raise TypeError(
            f"{op}(): argument '{name}' (position {position}) must be Tensor, "
            f"not {type(value).__name__}"
        )


def _invalid_combination(op: str, *args) -> TypeError:
    got = ", ".join("Tensor" if is_tensor(a) else type(a).__name__ for a in args)
    return TypeError(
        f"{op}() received an invalid combination of arguments - got ({got}), "
        "but expected one of: (Tensor input, Tensor other), "
        "(Tensor input, Number other)"
    )


def _as_tensor(value, other, dtype: _dt.dtype):
    """A Python number operand as a 0-d tensor of `dtype`."""
    if is_tensor(value):
        return value
    if not isinstance(value, (*_NUMBERS, np.generic)):
        raise TypeError(f"unsupported operand type: '{type(value).__name__}'")
    if isinstance(value, builtins.int) and dtype.np.kind in "iu":
        value = _dt.wrapped_int(value, dtype.np)
    return wrap(np.asarray(value, dtype=dtype.np))


def _float_operands(x, y):
    """Both operands in PyTorch's result dtype, integers and bools lifted to the default float."""
    dt = _dt.result_type(x, y)
    if not dt.is_floating_point:
        dt = _dt.get_default_dtype()
    x, y = _as_tensor(x, y, dt), _as_tensor(y, x, dt)
    return x._cast(dt), y._cast(dt)


def _tensor_pair(x, y, op: str, float_only: bool = False, name: str = "other"):
    """The operands of an op with only a (Tensor, Tensor) overload, in the result dtype."""
    _argument(x, op, "input", 1)
    _argument(y, op, name, 2)
    dt = _dt.result_type(x, y)
    if float_only and not dt.is_floating_point:
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{dtype_word(dt.np)}'")
    return x._cast(dt), y._cast(dt)


# ---------------------------------------------------------------- the torch.X forms


def atan2(input, other):
    """The angle of the point (other, input): atan(input / other) in the right quadrant."""
    _argument(input, "atan2", "input", 1)
    _argument(other, "atan2", "other", 2)
    return Atan2.apply(*_float_operands(input, other))


arctan2 = atan2


def hypot(input, other):
    """sqrt(input^2 + other^2) without overflow (float tensors only)."""
    return Hypot.apply(*_tensor_pair(input, other, "hypot", float_only=True))


def logaddexp(input, other):
    """ln(exp(input) + exp(other)) without overflow (float tensors only)."""
    return Logaddexp.apply(*_tensor_pair(input, other, "logaddexp", float_only=True))


def logaddexp2(input, other):
    """log2(2^input + 2^other) without overflow (float tensors only)."""
    return Logaddexp2.apply(*_tensor_pair(input, other, "logaddexp2", float_only=True))


def fmax(input, other):
    """Elementwise maximum that ignores a nan in one operand."""
    x, y = _tensor_pair(input, other, "fmax")
    return Fmax.apply(x, y) if x._data.dtype.kind == "f" else wrap(np.maximum(x._data, y._data))


def fmin(input, other):
    """Elementwise minimum that ignores a nan in one operand."""
    x, y = _tensor_pair(input, other, "fmin")
    return Fmin.apply(x, y) if x._data.dtype.kind == "f" else wrap(np.minimum(x._data, y._data))


def xlogy(input, other):
    """input * ln(other), 0 where input is 0; either operand may be a number."""
    if not is_tensor(input) and not is_tensor(other):
        raise _invalid_combination("xlogy", input, other)
    out = Xlogy.apply(*_float_operands(input, other))
    # PyTorch's nodes: 0 for two tensors, 1 for a number first, 2 for a number second
    return named(
        out, "XlogyBackward" + ("1" if not is_tensor(input) else "0" if is_tensor(other) else "2")
    )


def copysign(input, other):
    """|input| with the sign of other (a tensor or a number)."""
    if not is_tensor(input):
        raise _invalid_combination("copysign", input, other)
    out = Copysign.apply(*_float_operands(input, other))
    return named(out, "CopysignBackward" + ("0" if is_tensor(other) else "1"))


def float_power(input, exponent):
    """input ** exponent computed in double precision (float64 result)."""
    if not is_tensor(input) and not is_tensor(exponent):
        raise _invalid_combination("float_power", input, exponent)
    x = input._cast(_dt.float64) if is_tensor(input) else float(input)
    y = exponent._cast(_dt.float64) if is_tensor(exponent) else float(exponent)
    return x**y


def ldexp(input, other):
    """input * 2 ** other."""
    _argument(input, "ldexp", "input", 1)
    _argument(other, "ldexp", "other", 2)
    return named(input * (2.0**other), "LdexpBackward0")


def heaviside(input, values):
    """0 where input < 0, `values` where input == 0, 1 where input > 0 (not differentiable;
    a nan input gives 0, as PyTorch)."""
    _argument(input, "heaviside", "input", 1)
    _argument(values, "heaviside", "values", 2)
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    a, b = input._data, values._data
    return wrap(np.where(a == 0, b, (a > 0).astype(a.dtype)).astype(a.dtype))


def _bitwise(fn, op: str):
    def bitwise(input, other):
        if not is_tensor(input) and not is_tensor(other):
            raise _invalid_combination(op, input, other)
        dt = _dt.result_type(input, other)
        if dt.np.kind not in "iub":
            word = dtype_word(dt.np)
            raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{word}'")
        x, y = _as_tensor(input, other, dt), _as_tensor(other, input, dt)
        return wrap(fn(x._data.astype(dt.np, copy=False), y._data.astype(dt.np, copy=False)))

    bitwise.__name__ = bitwise.__qualname__ = op
    bitwise.__doc__ = f"{op} of integer or bool tensors (or a tensor and a number)."
    return bitwise


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    """~input for integer and bool tensors."""
    _argument(input, "bitwise_not", "input", 1)
    if input._data.dtype.kind not in "iub":
        raise NotImplementedError(
            f"\"bitwise_not_cpu\" not implemented for '{dtype_word(input._data.dtype)}'"
        )
    return wrap(np.invert(input._data))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of `elements` occurs in `test_elements` (either may be a
    number, not both)."""
    if not is_tensor(elements) and not is_tensor(test_elements):
        raise _invalid_combination("isin", elements, test_elements)
    a = elements._data if is_tensor(elements) else np.asarray(elements)
    b = test_elements._data if is_tensor(test_elements) else np.asarray(test_elements)
    if a.dtype == np.bool_ or b.dtype == np.bool_:
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    return wrap(np.isin(a, b, assume_unique=assume_unique, invert=invert))


def _float_power_(self, exponent):
    """self = float_power(self, exponent), in place; self must be float64."""
    if self._data.dtype != np.float64:
        word = dtype_word(self._data.dtype)
        raise RuntimeError(
            f"the base given to float_power_ has dtype {word} but the "
            "operation's result requires dtype Double"
        )
    return self._inplace(lambda t: float_power(t, exponent))
