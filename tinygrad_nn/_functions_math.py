"""`torch.<op>(input, ...)` for the elementwise ops: math (exp, sin, clamp, ...), arithmetic
(add, div, pow, ...), comparisons and logical ops. Each is one call of the Tensor method.

Arithmetic takes a Python number first where PyTorch does (`torch.add(2, t)`): the number
becomes a tensor of the dtype PyTorch's scalar rule gives it next to the other operand.
"""

from __future__ import annotations

import builtins

import numpy as np

from . import dtypes as _dt
from ._functions_args import _tensor
from .tensor import Tensor


def _t(x, other) -> Tensor:
    """`x` as a tensor where PyTorch accepts a number first (`torch.add(2, t)`): the number
    takes the dtype PyTorch's scalar rule gives it next to `other` (2 next to an int32 tensor
    is int32, 2.5 alone is the default float dtype)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._make(x)
    if isinstance(x, builtins.bool):  # stays bool: torch.sub(True, t) is refused as bool - t
        return Tensor._make(np.asarray(x))
    dtype = _dt.result_type(other, x) if isinstance(other, Tensor) else _dt.result_type(x)
    if isinstance(x, builtins.int) and dtype.np.kind in "iu":  # -3 next to uint8 wraps to 253
        x = _dt.wrapped_int(x, dtype.np)
    return Tensor._make(np.asarray(x, dtype=dtype.np))


def _refuse_numbers(name: str, *args) -> None:
    """PyTorch's remainder/pow take a number first only next to a tensor (fmod not at all)."""
    if not isinstance(args[0], Tensor) and (name == "fmod" or not isinstance(args[1], Tensor)):
        got = ", ".join("Tensor" if isinstance(a, Tensor) else type(a).__name__ for a in args)
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got ({got}), "
            "but expected one of: (Tensor input, Tensor other), (Tensor input, "
            f"Number other){'' if name == 'fmod' else ', (Number self, Tensor other)'}"
        )


# elementwise
def abs(input):
    """|input|."""
    return _tensor(input, "abs").abs()


def neg(input):
    """-input."""
    return _tensor(input, "neg").neg()


negative = neg


absolute = abs


def exp(input):
    """e ** input."""
    return _tensor(input, "exp").exp()


def log(input):
    """Natural logarithm."""
    return _tensor(input, "log").log()


def log1p(input):
    """log(1 + input)."""
    return _tensor(input, "log1p").log1p()


def expm1(input):
    """exp(input) - 1."""
    return _tensor(input, "expm1").expm1()


def log2(input):
    """Base-2 logarithm."""
    return _tensor(input, "log2").log2()


def log10(input):
    """Base-10 logarithm."""
    return _tensor(input, "log10").log10()


def sqrt(input):
    """Square root."""
    return _tensor(input, "sqrt").sqrt()


def rsqrt(input):
    """1 / sqrt(input)."""
    return _tensor(input, "rsqrt").rsqrt()


def square(input):
    """input * input."""
    return _tensor(input, "square").square()


def sin(input):
    """Sine."""
    return _tensor(input, "sin").sin()


def cos(input):
    """Cosine."""
    return _tensor(input, "cos").cos()


def tan(input):
    """Tangent."""
    return _tensor(input, "tan").tan()


def tanh(input):
    """Hyperbolic tangent."""
    return _tensor(input, "tanh").tanh()


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return _tensor(input, "sigmoid").sigmoid()


def relu(input):
    """max(input, 0)."""
    return _tensor(input, "relu").relu()


def sign(input):
    """-1, 0 or 1."""
    return _tensor(input, "sign").sign()


def reciprocal(input):
    """1 / input."""
    return _tensor(input, "reciprocal").reciprocal()


def floor(input):
    """Round down."""
    return _tensor(input, "floor").floor()


def ceil(input):
    """Round up."""
    return _tensor(input, "ceil").ceil()


def round(input, *, decimals: int = 0):
    """Round half to even."""
    return _tensor(input, "round").round(decimals=decimals)


def trunc(input):
    """Round toward zero."""
    return _tensor(input, "trunc").trunc()


def erf(input):
    """The error function."""
    return _tensor(input, "erf").erf()


def pow(input, exponent):
    """input ** exponent (either may be a number, not both)."""
    _refuse_numbers("pow", input, exponent)
    if isinstance(input, Tensor):
        return input.pow(exponent)
    return exponent.__rpow__(input)


def clamp(input, min=None, max=None):
    """Limit values to [min, max]."""
    return _tensor(input, "clamp").clamp(min, max)


clip = clamp


def clamp_min(input, min):
    """max(input, min)."""
    return _tensor(input, "clamp_min").clamp_min(min)


def clamp_max(input, max):
    """min(input, max)."""
    return _tensor(input, "clamp_max").clamp_max(max)


def frac(input):
    """input - trunc(input)."""
    return _tensor(input, "frac").frac()


def maximum(input, other):
    """Elementwise max."""
    return _tensor(input, "maximum").maximum(other)


def minimum(input, other):
    """Elementwise min."""
    return _tensor(input, "minimum").minimum(other)


def add(input, other, *, alpha=1):
    """input + alpha * other."""
    return _t(input, other).add(other, alpha=alpha)


def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    return _t(input, other).sub(other, alpha=alpha)


subtract = sub


def mul(input, other):
    """input * other."""
    return _t(input, other).mul(other)


multiply = mul


def div(input, other, *, rounding_mode=None):
    """input / other."""
    if rounding_mode is None and not isinstance(input, Tensor) and isinstance(other, Tensor):
        return other.__rtruediv__(input)  # the number keeps its value: -3 / uint8 t is -3.0 / t
    return _t(input, other).div(other, rounding_mode=rounding_mode)


divide = true_divide = div


def floor_divide(input, other):
    """floor(input / other)."""
    return _t(input, other).floor_divide(other)


def remainder(input, other):
    """input mod other (sign of other)."""
    _refuse_numbers("remainder", input, other)
    return _t(input, other).remainder(other)


def fmod(input, other):
    """input mod other (sign of input)."""
    _refuse_numbers("fmod", input, other)
    return input.fmod(other)


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    return _tensor(input, "lerp").lerp(end, weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return _tensor(input, "addcmul").addcmul(tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    return _tensor(input, "addcdiv").addcdiv(tensor1, tensor2, value=value)


def masked_fill(input, mask, value):
    """input with value where mask."""
    return _tensor(input, "masked_fill").masked_fill(mask, value)


def softmax(input, dim, dtype=None):
    """Softmax along dim."""
    return _tensor(input, "softmax").softmax(dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    """Log-softmax along dim."""
    return _tensor(input, "log_softmax").log_softmax(dim, dtype=dtype)


# comparisons
def eq(input, other):
    """input == other."""
    return _tensor(input, "eq").eq(other)


def ne(input, other):
    """input != other."""
    return _tensor(input, "ne").ne(other)


def lt(input, other):
    """input < other."""
    return _tensor(input, "lt").lt(other)


def le(input, other):
    """input <= other."""
    return _tensor(input, "le").le(other)


def gt(input, other):
    """input > other."""
    return _tensor(input, "gt").gt(other)


def ge(input, other):
    """input >= other."""
    return _tensor(input, "ge").ge(other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_not(input):
    """not input."""
    return _tensor(input, "logical_not").logical_not()


def logical_and(input, other):
    """input and other."""
    return _tensor(input, "logical_and").logical_and(other)


def logical_or(input, other):
    """input or other."""
    return _tensor(input, "logical_or").logical_or(other)


def logical_xor(input, other):
    """input xor other."""
    return _tensor(input, "logical_xor").logical_xor(other)


def isnan(input):
    """True where NaN."""
    return _tensor(input, "isnan").isnan()


def isinf(input):
    """True where +-inf."""
    return _tensor(input, "isinf").isinf()


def isfinite(input):
    """True where finite."""
    return _tensor(input, "isfinite").isfinite()


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if all values are close."""
    return _tensor(input, "allclose").allclose(other, rtol, atol, equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise closeness."""
    return _tensor(input, "isclose").isclose(other, rtol, atol, equal_nan)


def equal(input, other) -> bool:
    """True if same shape and values."""
    return _tensor(input, "equal").equal(other)
