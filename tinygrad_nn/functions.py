"""The `tinygrad_nn.<op>(tensor, ...)` forms of the Tensor methods (`torch.exp(t)`, `torch.cat`).

Each is a one-line call of the method; the ops that take several tensors (cat, stack,
einsum, broadcast_tensors) live here.
"""

from __future__ import annotations

import builtins

import numpy as np

from . import dtypes as _dt
from .debug.anomaly import is_anomaly_enabled  # noqa: F401  (torch.is_anomaly_enabled)
from .histogram import histc, histogram  # noqa: F401  (re-exported as torch.histc, ...)
from .ops import _shape as _shape_ops
from .ops import linalg, movement
from .ops.binary_more import (  # noqa: F401
    arctan2,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    copysign,
    float_power,
    fmax,
    fmin,
    heaviside,
    hypot,
    isin,  # (re-exported)
    ldexp,
    logaddexp,
    logaddexp2,
    xlogy,
)
from .ops.elementwise_more import (  # noqa: F401
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    asin,
    asinh,
    atan,
    atanh,
    cosh,
    deg2rad,
    digamma,
    erfc,
    erfinv,
    exp2,
    isneginf,
    isposinf,
    lgamma,
    logit,
    nan_to_num,
    polygamma,
    rad2deg,
    sgn,
    signbit,
    sinc,
    sinh,  # (re-exported as torch.asin, ...)
)
from .tensor import Size, Tensor, _keepdims_alias, _promote, _tensor_operand, where  # noqa: F401  (re-exported)


def _input(x, name: str) -> Tensor:
    """The tensor that `torch.<name>(x, ...)` works on. A Python number there has no method
    to call: PyTorch's TypeError, not an AttributeError from inside the call."""
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, "
                    f"not {type(x).__name__}")  # fmt: skip


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
def abs(input):  # noqa: A001
    """|input|."""
    return _input(input, "abs").abs()


def neg(input):
    """-input."""
    return _input(input, "neg").neg()


negative = neg
absolute = abs


def exp(input):
    """e ** input."""
    return _input(input, "exp").exp()


def log(input):
    """Natural logarithm."""
    return _input(input, "log").log()


def log1p(input):
    """log(1 + input)."""
    return _input(input, "log1p").log1p()


def expm1(input):
    """exp(input) - 1."""
    return _input(input, "expm1").expm1()


def log2(input):
    """Base-2 logarithm."""
    return _input(input, "log2").log2()


def log10(input):
    """Base-10 logarithm."""
    return _input(input, "log10").log10()


def sqrt(input):
    """Square root."""
    return _input(input, "sqrt").sqrt()


def rsqrt(input):
    """1 / sqrt(input)."""
    return _input(input, "rsqrt").rsqrt()


def square(input):
    """input * input."""
    return _input(input, "square").square()


def sin(input):
    """Sine."""
    return _input(input, "sin").sin()


def cos(input):
    """Cosine."""
    return _input(input, "cos").cos()


def tan(input):
    """Tangent."""
    return _input(input, "tan").tan()


def tanh(input):
    """Hyperbolic tangent."""
    return _input(input, "tanh").tanh()


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return _input(input, "sigmoid").sigmoid()


def relu(input):
    """max(input, 0)."""
    return _input(input, "relu").relu()


def sign(input):
    """-1, 0 or 1."""
    return _input(input, "sign").sign()


def reciprocal(input):
    """1 / input."""
    return _input(input, "reciprocal").reciprocal()


def floor(input):
    """Round down."""
    return _input(input, "floor").floor()


def ceil(input):
    """Round up."""
    return _input(input, "ceil").ceil()


def round(input, *, decimals: int = 0):  # noqa: A001
    """Round half to even."""
    return _input(input, "round").round(decimals=decimals)


def trunc(input):
    """Round toward zero."""
    return _input(input, "trunc").trunc()


def erf(input):
    """The error function."""
    return _input(input, "erf").erf()


def pow(input, exponent):  # noqa: A001
    """input ** exponent (either may be a number, not both)."""
    _refuse_numbers("pow", input, exponent)
    if isinstance(input, Tensor):
        return input.pow(exponent)
    return exponent.__rpow__(input)


def clamp(input, min=None, max=None):  # noqa: A002
    """Limit values to [min, max]."""
    return _input(input, "clamp").clamp(min, max)


clip = clamp


def clamp_min(input, min):  # noqa: A002
    """max(input, min)."""
    return _input(input, "clamp_min").clamp_min(min)


def clamp_max(input, max):  # noqa: A002
    """min(input, max)."""
    return _input(input, "clamp_max").clamp_max(max)


def frac(input):
    """input - trunc(input)."""
    return _input(input, "frac").frac()


def maximum(input, other):
    """Elementwise max."""
    return _input(input, "maximum").maximum(other)


def minimum(input, other):
    """Elementwise min."""
    return _input(input, "minimum").minimum(other)


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
    return _input(input, "lerp").lerp(end, weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return _input(input, "addcmul").addcmul(tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    return _input(input, "addcdiv").addcdiv(tensor1, tensor2, value=value)


def masked_fill(input, mask, value):
    """input with value where mask."""
    return _input(input, "masked_fill").masked_fill(mask, value)


def softmax(input, dim, dtype=None):
    """Softmax along dim."""
    return _input(input, "softmax").softmax(dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    """Log-softmax along dim."""
    return _input(input, "log_softmax").log_softmax(dim, dtype=dtype)


# comparisons
def eq(input, other):
    """input == other."""
    return _input(input, "eq").eq(other)


def ne(input, other):
    """input != other."""
    return _input(input, "ne").ne(other)


def lt(input, other):
    """input < other."""
    return _input(input, "lt").lt(other)


def le(input, other):
    """input <= other."""
    return _input(input, "le").le(other)


def gt(input, other):
    """input > other."""
    return _input(input, "gt").gt(other)


def ge(input, other):
    """input >= other."""
    return _input(input, "ge").ge(other)


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_not(input):
    """not input."""
    return _input(input, "logical_not").logical_not()


def logical_and(input, other):
    """input and other."""
    return _input(input, "logical_and").logical_and(other)


def logical_or(input, other):
    """input or other."""
    return _input(input, "logical_or").logical_or(other)


def logical_xor(input, other):
    """input xor other."""
    return _input(input, "logical_xor").logical_xor(other)


def isnan(input):
    """True where NaN."""
    return _input(input, "isnan").isnan()


def isinf(input):
    """True where +-inf."""
    return _input(input, "isinf").isinf()


def isfinite(input):
    """True where finite."""
    return _input(input, "isfinite").isfinite()


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if all values are close."""
    return _input(input, "allclose").allclose(other, rtol, atol, equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise closeness."""
    return _input(input, "isclose").isclose(other, rtol, atol, equal_nan)


def equal(input, other) -> bool:
    """True if same shape and values."""
    return _input(input, "equal").equal(other)


# reductions
def sum(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):  # noqa: A001
    """Sum over dim."""
    return _input(input, "sum").sum(dim, keepdim, dtype=dtype, keepdims=keepdims)


def mean(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """Mean over dim."""
    return _input(input, "mean").mean(dim, keepdim, dtype=dtype, keepdims=keepdims)


def prod(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """Product over dim."""
    return _input(input, "prod").prod(dim, keepdim, dtype=dtype, keepdims=keepdims)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """Variance over dim."""
    return _input(input, "var").var(
        dim, unbiased, keepdim, correction=correction, keepdims=keepdims
    )


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """Standard deviation over dim."""
    return _input(input, "std").std(
        dim, unbiased, keepdim, correction=correction, keepdims=keepdims
    )


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """(variance, mean) over dim."""
    input = _input(input, "var_mean")
    if keepdims is not None:
        keepdim = _keepdims_alias("var_mean", keepdim, keepdims)
    if isinstance(dim, builtins.bool):  # var_mean(x, False): `unbiased` passed first
        dim, unbiased = None, dim
    return _named("VarMeanBackward0", input.var(dim, unbiased, keepdim, correction=correction),
                  input.mean(dim, keepdim))  # fmt: skip


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """(standard deviation, mean) over dim."""
    input = _input(input, "std_mean")
    if keepdims is not None:
        keepdim = _keepdims_alias("std_mean", keepdim, keepdims)
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    return _named("StdMeanBackward0", input.std(dim, unbiased, keepdim, correction=correction),
                  input.mean(dim, keepdim))  # fmt: skip


def _named(name: str, *outputs) -> tuple:
    """PyTorch computes these pairs in one node: show its name on both outputs' nodes."""
    for out in outputs:
        if out.grad_fn is not None:
            out.grad_fn.node_name = name
    return outputs


def max(input, dim=None, keepdim=False, *, keepdims=None):  # noqa: A001
    """Max of all; (values, indices) along dim; elementwise max with a tensor."""
    return _input(input, "max").max(dim, keepdim, keepdims=keepdims)


def min(input, dim=None, keepdim=False, *, keepdims=None):  # noqa: A001
    """Min of all; (values, indices) along dim; elementwise min with a tensor."""
    return _input(input, "min").min(dim, keepdim, keepdims=keepdims)


def amax(input, dim=(), keepdim=False, *, keepdims=None):
    """Max over dims."""
    return _input(input, "amax").amax(dim, keepdim, keepdims=keepdims)


def amin(input, dim=(), keepdim=False, *, keepdims=None):
    """Min over dims."""
    return _input(input, "amin").amin(dim, keepdim, keepdims=keepdims)


def argmax(input, dim=None, keepdim=False, *, keepdims=None):
    """Index of the first max."""
    return _input(input, "argmax").argmax(dim, keepdim, keepdims=keepdims)


def argmin(input, dim=None, keepdim=False, *, keepdims=None):
    """Index of the first min."""
    return _input(input, "argmin").argmin(dim, keepdim, keepdims=keepdims)


def logsumexp(input, dim, keepdim=False, *, keepdims=None):
    """log(sum(exp(input))) over dim."""
    return _input(input, "logsumexp").logsumexp(dim, keepdim, keepdims=keepdims)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm."""
    return input.norm(p, dim, keepdim, dtype)


def all(input, dim=None, keepdim=False, *, keepdims=None):  # noqa: A001
    """True if all non-zero."""
    return _input(input, "all").all(dim, keepdim, keepdims=keepdims)


def any(input, dim=None, keepdim=False, *, keepdims=None):  # noqa: A001
    """True if any non-zero."""
    return _input(input, "any").any(dim, keepdim, keepdims=keepdims)


def cumprod(input, dim, *, dtype=None):
    """Running product along dim."""
    return _input(input, "cumprod").cumprod(dim, dtype=dtype)


def nansum(input, dim=None, keepdim=False, *, keepdims=None):
    """Sum treating NaN as zero."""
    return _input(input, "nansum").nansum(dim, keepdim, keepdims=keepdims)


def broadcast_to(input, size):
    """input expanded to `size`."""
    return _input(input, "broadcast_to").broadcast_to(size)


def cumsum(input, dim, *, dtype=None):
    """Running sum."""
    return _input(input, "cumsum").cumsum(dim, dtype=dtype)


def count_nonzero(input, dim=None):
    """Number of non-zero elements."""
    return _input(input, "count_nonzero").count_nonzero(dim)


# shape
def reshape(input, shape):
    """input in a new shape."""
    return _input(input, "reshape").reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims."""
    return _input(input, "flatten").flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    """Split a dim."""
    return _input(input, "unflatten").unflatten(dim, sizes)


def squeeze(input, dim=None):
    """Drop size-1 dims."""
    return _input(input, "squeeze").squeeze(dim)


def unsqueeze(input, dim):
    """Insert a size-1 dim."""
    return _input(input, "unsqueeze").unsqueeze(dim)


def transpose(input, dim0, dim1):
    """Swap two dims."""
    return _input(input, "transpose").transpose(dim0, dim1)


swapaxes = swapdims = transpose


def t(input):
    """Matrix transpose."""
    return _input(input, "t").t()


def permute(input, dims):
    """Reorder dims."""
    return _input(input, "permute").permute(dims)


def flip(input, dims):
    """Reverse along dims."""
    return _input(input, "flip").flip(dims)


def chunk(input, chunks, dim=0):
    """Split into chunks."""
    return _input(input, "chunk").chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces."""
    return tensor.split(split_size_or_sections, dim)


def unbind(input, dim=0):
    """Slices along dim."""
    return _input(input, "unbind").unbind(dim)


def narrow(input, dim, start, length):
    """A slice along dim."""
    return _input(input, "narrow").narrow(dim, start, length)


def select(input, dim, index):
    """The slice at index along dim."""
    return _input(input, "select").select(dim, index)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements."""
    return _input(input, "nonzero").nonzero(as_tuple=as_tuple)


def argwhere(input):
    """Indices of the non-zero elements, as an (n, ndim) tensor."""
    return _input(input, "argwhere").argwhere()


def roll(input, shifts, dims=None):
    """Shift elements along dims, wrapping around."""
    return _input(input, "roll").roll(shifts, dims)


def movedim(input, source, destination):
    """Move dims from source positions to destination positions."""
    return _input(input, "movedim").movedim(source, destination)


moveaxis = movedim


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with src written at index along dim."""
    return _input(input, "scatter").scatter(dim, index, src, value=value, reduce=reduce)


def scatter_add(input, dim, index, src):
    """input with src added at index along dim."""
    return _input(input, "scatter_add").scatter_add(dim, index, src)


def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source's slices added at index along dim."""
    return _input(input, "index_add").index_add(dim, index, source, alpha=alpha)


def gather(input, dim, index):
    """Values at index along dim."""
    return _input(input, "gather").gather(dim, index)


def index_select(input, dim, index):
    """Slices at index along dim."""
    return _input(input, "index_select").index_select(dim, index)


def tril(input, diagonal=0):
    """Lower triangle."""
    return _input(input, "tril").tril(diagonal)


def triu(input, diagonal=0):
    """Upper triangle."""
    return _input(input, "triu").triu(diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A diagonal."""
    return _input(input, "diagonal").diagonal(offset, dim1, dim2)


def cat(tensors, dim: int = 0):
    """Join tensors along an existing dim."""
    tensors = _check_sequence(tensors, "cat")
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    if builtins.all(x._data.shape == (0,) for x in tensors):  # legacy empties only: any dim
        return movement.Cat.apply(0, *_common_dtype(tensors))
    ref = next(x for x in tensors if x._data.shape != (0,))
    d = _shape_ops.normalize_dim(dim, ref._data.ndim)
    for i, x in enumerate(tensors):
        if x._data.shape == (0,):
            continue
        if x._data.ndim != ref._data.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got "
                               f"{ref._data.ndim} and {x._data.ndim}")  # fmt: skip
        for axis, (m, n) in enumerate(zip(x._data.shape, ref._data.shape)):
            if axis != d and m != n:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {n} but "
                    f"got size {m} for tensor number {i} in the list."
                )
    return movement.Cat.apply(d, *_common_dtype(tensors))


concat = concatenate = cat


def stack(tensors, dim: int = 0):
    """Join tensors along a new dim."""
    tensors = _check_sequence(tensors, "stack")
    shape = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got "
                f"{list(shape)} at entry 0 and {list(x._data.shape)} at entry {i}"
            )
    d = _shape_ops.normalize_dim(dim, len(shape) + 1)
    return movement.Stack.apply(d, *_common_dtype(tensors))


def hstack(tensors):
    """Stack along dim 1 (dim 0 for 1-d tensors)."""
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """Stack rows."""
    return cat([x.reshape(1, -1) if x._data.ndim == 1 else x for x in tensors], 0)


def _check_sequence(tensors, name: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - expected a "
                        "tuple or list of Tensors, got Tensor")  # fmt: skip
    tensors = list(tensors)
    if not tensors:  # PyTorch: ValueError from cat, RuntimeError from stack
        if name == "cat":
            raise ValueError("cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    for x in tensors:
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, but got "
                            f"{type(x).__name__}")  # fmt: skip
    return tensors


def _common_dtype(tensors: list) -> list:
    dtype = _dt.result_type(*tensors)
    return [x._cast(dtype) for x in tensors]


def matmul(input, other):
    """Matrix product with batch broadcasting."""
    return _input(input, "matmul").matmul(other)


def mm(input, mat2):
    """Matrix product of two matrices."""
    return _input(input, "mm").mm(mat2)


def bmm(input, mat2):
    """Batched matrix product."""
    return _input(input, "bmm").bmm(mat2)


def mv(input, vec):
    """Matrix-vector product."""
    return _input(input, "mv").mv(vec)


def dot(input, other):
    """Inner product of vectors."""
    return _input(input, "dot").dot(other)


def outer(input, vec2):
    """Outer product of vectors."""
    return _input(input, "outer").outer(vec2)


ger = outer


def inner(input, other):
    """Sum over the last dims of both (a 0-d operand scales the other)."""
    return _input(input, "inner").inner(other)


def fill(input, value):
    """A new tensor shaped like input with every element `value` (`fill_` out of place). A
    tensor `value` gets the gradient, summed; input gets none, being overwritten."""
    input = _input(input, "fill")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")  # fmt: skip
    filled = (
        value._cast(input.dtype)
        if isinstance(value, Tensor)
        else Tensor._make(
            np.asarray(_dt.checked_scalar(value, input._data.dtype), input._data.dtype)
        )
    )
    # where(True, value, input): value's gradient is summed over the broadcast, input's is 0
    out = where(Tensor._make(np.ones((), np.bool_)), filled.expand(input.shape), input)
    if out.grad_fn is not None:
        out.grad_fn.node_name = "FillBackward1" if isinstance(value, Tensor) else "FillBackward0"
    return out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """`nn.functional.conv1d` under its `torch.` name."""
    from .nn import functional as F  # nn builds on this module, so it is imported later

    return F.conv1d(_input(input, "conv1d"), weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """`nn.functional.conv2d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv2d(_input(input, "conv2d"), weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # fmt: skip
    """`nn.functional.conv_transpose1d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv_transpose1d(_input(input, "conv_transpose1d"), weight, bias, stride, padding,
                              output_padding, groups, dilation)  # fmt: skip


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # fmt: skip
    """`nn.functional.conv_transpose2d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv_transpose2d(_input(input, "conv_transpose2d"), weight, bias, stride, padding,
                              output_padding, groups, dilation)  # fmt: skip


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):  # fmt: skip
    """`nn.functional.conv_transpose3d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv_transpose3d(_input(input, "conv_transpose3d"), weight, bias, stride, padding,
                              output_padding, groups, dilation)  # fmt: skip


def pixel_shuffle(input, upscale_factor):
    """`nn.functional.pixel_shuffle` under its `torch.` name."""
    from .nn import functional as F

    return F.pixel_shuffle(_input(input, "pixel_shuffle"), upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """`nn.functional.pixel_unshuffle` under its `torch.` name."""
    from .nn import functional as F

    return F.pixel_unshuffle(_input(input, "pixel_unshuffle"), downscale_factor)


def adaptive_max_pool1d(input, output_size):
    """`nn.functional.adaptive_max_pool1d` under its `torch.` name: always (values, indices)."""
    from .nn import functional as F

    return F.adaptive_max_pool1d(_input(input, "adaptive_max_pool1d"), output_size, True)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """`nn.functional.max_pool1d` under its `torch.` name (values only)."""
    from .nn import functional as F

    return F.max_pool1d(_input(input, "max_pool1d"), kernel_size, stride or None, padding,
                        dilation, ceil_mode)  # fmt: skip


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """`nn.functional.max_pool2d` under its `torch.` name (values only)."""
    from .nn import functional as F

    return F.max_pool2d(_input(input, "max_pool2d"), kernel_size, stride or None, padding,
                        dilation, ceil_mode)  # fmt: skip


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):  # fmt: skip
    """`nn.functional.avg_pool1d` under its `torch.` name."""
    from .nn import functional as F

    return F.avg_pool1d(_input(input, "avg_pool1d"), kernel_size, stride, padding, ceil_mode,
                        count_include_pad)  # fmt: skip


def adaptive_avg_pool1d(input, output_size):
    """`nn.functional.adaptive_avg_pool1d` under its `torch.` name."""
    from .nn import functional as F

    return F.adaptive_avg_pool1d(_input(input, "adaptive_avg_pool1d"), output_size)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """`nn.functional.layer_norm` under its `torch.` name (cudnn_enable has no effect on CPU)."""
    from .nn import functional as F

    return F.layer_norm(_input(input, "layer_norm"), normalized_shape, weight, bias, eps)


def einsum(equation: str, *operands):
    """Einstein summation, e.g. einsum('ij,jk->ik', a, b)."""
    if not isinstance(equation, str):
        raise TypeError("einsum(): argument 'equation' (position 1) must be str, not "
                        f"{type(equation).__name__}")  # fmt: skip
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = _common_dtype([_tensor_operand(x, "einsum") for x in operands])
    subs, out = linalg.parse_einsum(equation, [x._data.ndim for x in operands])
    for s, x in zip(subs, operands):
        sizes = {}
        for c, n in zip(s, x._data.shape):
            if sizes.setdefault(c, n) != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand but the sizes "
                                   f"don't match, {sizes[c]} != {n}")  # fmt: skip
    return linalg.Einsum.apply(subs, out, *operands)


def broadcast_tensors(*tensors):
    """Expand the tensors to their common broadcast shape."""
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(x).__name__}")  # fmt: skip
    shape = _shape_ops.broadcast_shapes(*[x._data.shape for x in tensors])
    return tuple(x.expand(shape) for x in tensors)


def broadcast_shapes(*shapes) -> Size:
    """The shape that the given shapes broadcast to."""
    return Size(_shape_ops.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s)
                                              for s in shapes]))  # fmt: skip


def numel(input) -> int:
    """Number of elements."""
    return _input(input, "numel").numel()


def is_tensor(obj) -> bool:
    """True for Tensors."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    """True for floating dtypes."""
    return _input(input, "is_floating_point").is_floating_point()


def clone(input):
    """A copy attached to the graph."""
    return _input(input, "clone").clone()


def detach(input):
    """A detached alias."""
    return _input(input, "detach").detach()


def promote_types(type1, type2):
    """The dtype two dtypes promote to."""
    return _dt.promote_types(_dt.as_dtype(type1), _dt.as_dtype(type2))


def result_type(tensor1, tensor2):
    """The dtype of an op on the two operands."""
    return _dt.result_type(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    """True if a value of dtype from_ may be written into dtype to (PyTorch's category rule)."""
    for i, (name, d) in enumerate((("from_", from_), ("to", to))):
        if not isinstance(d, _dt.dtype):
            raise TypeError(f"can_cast(): argument '{name}' (position {i + 1}) must be "
                            f"torch.dtype, not {type(d).__name__}")  # fmt: skip
    order = "biuf"
    return order.index(from_.np.kind) <= order.index(to.np.kind)


# ---------------------------------------------------------------------- nn functionals as torch.X
# PyTorch exposes these at the top level too; each forwards to nn.functional (imported when
# called: nn imports this package).


def _tensor_args(name: str, **args) -> None:
    """PyTorch's TypeError for a non-tensor in a tensor argument (named, in call order)."""
    for pos, (arg, value) in enumerate(args.items(), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, "
                            f"not {type(value).__name__}")  # fmt: skip


def selu(input):
    """scale * elu(x, alpha) (see nn.functional.selu)."""
    from .nn import functional as F

    _tensor_args("selu", input=input)
    return F.selu(input)


def selu_(input):
    """In-place selu."""
    from .nn import functional as F

    _tensor_args("selu_", input=input)
    return F.selu(input, inplace=True)


def celu(input, alpha: float = 1.0):
    """x if x > 0 else alpha * (exp(x / alpha) - 1) (see nn.functional.celu)."""
    from .nn import functional as F

    _tensor_args("celu", input=input)
    return F.celu(input, alpha)


def celu_(input, alpha: float = 1.0):
    """In-place celu."""
    from .nn import functional as F

    _tensor_args("celu_", input=input)
    return F.celu(input, alpha, inplace=True)


def prelu(input, weight):
    """x if x > 0 else weight * x, weight per channel (see nn.functional.prelu)."""
    from .nn import functional as F

    _tensor_args("prelu", input=input, weight=weight)
    return F.prelu(input, weight)


def hardshrink(input, lambd: float = 0.5):
    """x where |x| > lambd, else 0 (see nn.functional.hardshrink)."""
    from .nn import functional as F

    _tensor_args("hardshrink", input=input)
    return F.hardshrink(input, lambd)


def threshold(input, threshold, value):
    """x where x > threshold, else value (see nn.functional.threshold)."""
    from .nn import functional as F

    _tensor_args("threshold", input=input)
    return F.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place threshold."""
    from .nn import functional as F

    _tensor_args("threshold_", input=input)
    return F.threshold(input, threshold, value, inplace=True)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between x1 and x2 along dim (see nn.functional.cosine_similarity)."""
    from .nn import functional as F

    _tensor_args("cosine_similarity", x1=x1, x2=x2)
    return F.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p along the last dim (see nn.functional.pairwise_distance)."""
    from .nn import functional as F

    _tensor_args("pairwise_distance", x1=x1, x2=x2)
    return F.pairwise_distance(x1, x2, p, eps, keepdim)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5,
               cudnn_enabled: bool = True):  # fmt: skip
    """Group normalisation (see nn.functional.group_norm); cudnn_enabled is ignored."""
    from .nn import functional as F

    _tensor_args("group_norm", input=input)
    return F.group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats: bool,
                  momentum: float, eps: float, cudnn_enabled: bool):  # fmt: skip
    """Instance normalisation with PyTorch's top-level argument order (weight and bias
    first); see nn.functional.instance_norm. cudnn_enabled is ignored."""
    from .nn import functional as F

    _tensor_args("instance_norm", input=input)
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                           momentum, eps)  # fmt: skip


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalisation over the last dims (see nn.functional.rms_norm)."""
    from .nn import functional as F

    _tensor_args("rms_norm", input=input)
    return F.rms_norm(input, normalized_shape, weight, eps)


def bilinear(input1, input2, weight, bias=None):
    """x1^T W x2 + b (see nn.functional.bilinear)."""
    from .nn import functional as F

    _tensor_args("bilinear", input1=input1, input2=input2, weight=weight)
    return F.bilinear(input1, input2, weight, bias)
