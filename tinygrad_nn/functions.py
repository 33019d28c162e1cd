"""The `tinygrad_nn.<op>(tensor, ...)` forms of the Tensor methods (`torch.exp(t)`, `torch.cat`).

Each is a one-line call of the method; the ops that take several tensors (cat, stack,
einsum, broadcast_tensors) live here.
"""

from __future__ import annotations

import builtins

import numpy as np

from . import dtypes as _dt
from .ops import _shape as _shape_ops
from .ops import linalg, movement
from .tensor import Size, Tensor, _promote, _tensor_operand, where  # noqa: F401  (re-exported)
from .autograd.anomaly import is_anomaly_enabled  # noqa: F401  (torch.is_anomaly_enabled)


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x))


# elementwise
def abs(input):  # noqa: A001
    """|input|."""
    return input.abs()


def neg(input):
    """-input."""
    return input.neg()


negative = neg
absolute = abs


def exp(input):
    """e ** input."""
    return input.exp()


def log(input):
    """Natural logarithm."""
    return input.log()


def log1p(input):
    """log(1 + input)."""
    return input.log1p()


def expm1(input):
    """exp(input) - 1."""
    return input.expm1()


def log2(input):
    """Base-2 logarithm."""
    return input.log2()


def log10(input):
    """Base-10 logarithm."""
    return input.log10()


def sqrt(input):
    """Square root."""
    return input.sqrt()


def rsqrt(input):
    """1 / sqrt(input)."""
    return input.rsqrt()


def square(input):
    """input * input."""
    return input.square()


def sin(input):
    """Sine."""
    return input.sin()


def cos(input):
    """Cosine."""
    return input.cos()


def tan(input):
    """Tangent."""
    return input.tan()


def tanh(input):
    """Hyperbolic tangent."""
    return input.tanh()


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return input.sigmoid()


def relu(input):
    """max(input, 0)."""
    return input.relu()


def sign(input):
    """-1, 0 or 1."""
    return input.sign()


def reciprocal(input):
    """1 / input."""
    return input.reciprocal()


def floor(input):
    """Round down."""
    return input.floor()


def ceil(input):
    """Round up."""
    return input.ceil()


def round(input, *, decimals: int = 0):  # noqa: A001
    """Round half to even."""
    return input.round(decimals=decimals)


def trunc(input):
    """Round toward zero."""
    return input.trunc()


def erf(input):
    """The error function."""
    return input.erf()


def pow(input, exponent):  # noqa: A001
    """input ** exponent (either may be a number)."""
    if isinstance(input, Tensor):
        return input.pow(exponent)
    return exponent.__rpow__(input)


def clamp(input, min=None, max=None):  # noqa: A002
    """Limit values to [min, max]."""
    return input.clamp(min, max)


clip = clamp


def clamp_min(input, min):  # noqa: A002
    """max(input, min)."""
    return input.clamp_min(min)


def clamp_max(input, max):  # noqa: A002
    """min(input, max)."""
    return input.clamp_max(max)


def frac(input):
    """input - trunc(input)."""
    return input.frac()


def maximum(input, other):
    """Elementwise max."""
    return input.maximum(other)


def minimum(input, other):
    """Elementwise min."""
    return input.minimum(other)


def add(input, other, *, alpha=1):
    """input + alpha * other."""
    return _t(input).add(other, alpha=alpha)


def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    return _t(input).sub(other, alpha=alpha)


subtract = sub


def mul(input, other):
    """input * other."""
    return _t(input).mul(other)


multiply = mul


def div(input, other, *, rounding_mode=None):
    """input / other."""
    return _t(input).div(other, rounding_mode=rounding_mode)


divide = true_divide = div


def floor_divide(input, other):
    """floor(input / other)."""
    return _t(input).floor_divide(other)


def remainder(input, other):
    """input mod other (sign of other)."""
    return _t(input).remainder(other)


def fmod(input, other):
    """input mod other (sign of input)."""
    return _t(input).fmod(other)


def lerp(input, end, weight):
    """input + weight * (end - input)."""
    return input.lerp(end, weight)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return input.addcmul(tensor1, tensor2, value=value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2."""
    return input.addcdiv(tensor1, tensor2, value=value)


def masked_fill(input, mask, value):
    """input with value where mask."""
    return input.masked_fill(mask, value)


def softmax(input, dim, dtype=None):
    """Softmax along dim."""
    return input.softmax(dim, dtype=dtype)


def log_softmax(input, dim, dtype=None):
    """Log-softmax along dim."""
    return input.log_softmax(dim, dtype=dtype)


# comparisons
def eq(input, other):
    """input == other."""
    return input.eq(other)


def ne(input, other):
    """input != other."""
    return input.ne(other)


def lt(input, other):
    """input < other."""
    return input.lt(other)


def le(input, other):
    """input <= other."""
    return input.le(other)


def gt(input, other):
    """input > other."""
    return input.gt(other)


def ge(input, other):
    """input >= other."""
    return input.ge(other)


def logical_not(input):
    """not input."""
    return input.logical_not()


def logical_and(input, other):
    """input and other."""
    return input.logical_and(other)


def logical_or(input, other):
    """input or other."""
    return input.logical_or(other)


def logical_xor(input, other):
    """input xor other."""
    return input.logical_xor(other)


def isnan(input):
    """True where NaN."""
    return input.isnan()


def isinf(input):
    """True where +-inf."""
    return input.isinf()


def isfinite(input):
    """True where finite."""
    return input.isfinite()


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True if all values are close."""
    return input.allclose(other, rtol, atol, equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise closeness."""
    return input.isclose(other, rtol, atol, equal_nan)


def equal(input, other) -> bool:
    """True if same shape and values."""
    return input.equal(other)


# reductions
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    """Sum over dim."""
    return input.sum(dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean over dim."""
    return input.mean(dim, keepdim, dtype=dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over dim."""
    return input.prod(dim, keepdim, dtype=dtype)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over dim."""
    return input.var(dim, unbiased, keepdim, correction=correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over dim."""
    return input.std(dim, unbiased, keepdim, correction=correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(variance, mean) over dim."""
    if isinstance(dim, builtins.bool):  # var_mean(x, False): `unbiased` passed first
        dim, unbiased = None, dim
    return _named("VarMeanBackward0", input.var(dim, unbiased, keepdim, correction=correction),
                  input.mean(dim, keepdim))  # fmt: skip


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(standard deviation, mean) over dim."""
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


def max(input, dim=None, keepdim=False):  # noqa: A001
    """Max of all; (values, indices) along dim; elementwise max with a tensor."""
    return input.max(dim, keepdim)


def min(input, dim=None, keepdim=False):  # noqa: A001
    """Min of all; (values, indices) along dim; elementwise min with a tensor."""
    return input.min(dim, keepdim)


def amax(input, dim=(), keepdim=False):
    """Max over dims."""
    return input.amax(dim, keepdim)


def amin(input, dim=(), keepdim=False):
    """Min over dims."""
    return input.amin(dim, keepdim)


def argmax(input, dim=None, keepdim=False):
    """Index of the first max."""
    return input.argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Index of the first min."""
    return input.argmin(dim, keepdim)


def logsumexp(input, dim, keepdim=False):
    """log(sum(exp(input))) over dim."""
    return input.logsumexp(dim, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm."""
    return input.norm(p, dim, keepdim, dtype)


def all(input, dim=None, keepdim=False):  # noqa: A001
    """True if all non-zero."""
    return input.all(dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001
    """True if any non-zero."""
    return input.any(dim, keepdim)


def cumprod(input, dim, *, dtype=None):
    """Running product along dim."""
    return input.cumprod(dim, dtype=dtype)


def nansum(input, dim=None, keepdim=False):
    """Sum treating NaN as zero."""
    return input.nansum(dim, keepdim)


def broadcast_to(input, size):
    """input expanded to `size`."""
    return input.broadcast_to(size)


def cumsum(input, dim, *, dtype=None):
    """Running sum."""
    return input.cumsum(dim, dtype=dtype)


def count_nonzero(input, dim=None):
    """Number of non-zero elements."""
    return input.count_nonzero(dim)


# shape
def reshape(input, shape):
    """input in a new shape."""
    return input.reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims."""
    return input.flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    """Split a dim."""
    return input.unflatten(dim, sizes)


def squeeze(input, dim=None):
    """Drop size-1 dims."""
    return input.squeeze(dim)


def unsqueeze(input, dim):
    """Insert a size-1 dim."""
    return input.unsqueeze(dim)


def transpose(input, dim0, dim1):
    """Swap two dims."""
    return input.transpose(dim0, dim1)


swapaxes = swapdims = transpose


def t(input):
    """Matrix transpose."""
    return input.t()


def permute(input, dims):
    """Reorder dims."""
    return input.permute(dims)


def flip(input, dims):
    """Reverse along dims."""
    return input.flip(dims)


def chunk(input, chunks, dim=0):
    """Split into chunks."""
    return input.chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces."""
    return tensor.split(split_size_or_sections, dim)


def unbind(input, dim=0):
    """Slices along dim."""
    return input.unbind(dim)


def narrow(input, dim, start, length):
    """A slice along dim."""
    return input.narrow(dim, start, length)


def select(input, dim, index):
    """The slice at index along dim."""
    return input.select(dim, index)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements."""
    return input.nonzero(as_tuple=as_tuple)


def argwhere(input):
    """Indices of the non-zero elements, as an (n, ndim) tensor."""
    return input.argwhere()


def roll(input, shifts, dims=None):
    """Shift elements along dims, wrapping around."""
    return input.roll(shifts, dims)


def movedim(input, source, destination):
    """Move dims from source positions to destination positions."""
    return input.movedim(source, destination)


moveaxis = movedim


def scatter(input, dim, index, src=None, *, value=None):
    """input with src written at index along dim."""
    return input.scatter(dim, index, src, value=value)


def scatter_add(input, dim, index, src):
    """input with src added at index along dim."""
    return input.scatter_add(dim, index, src)


def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source's slices added at index along dim."""
    return input.index_add(dim, index, source, alpha=alpha)


def gather(input, dim, index):
    """Values at index along dim."""
    return input.gather(dim, index)


def index_select(input, dim, index):
    """Slices at index along dim."""
    return input.index_select(dim, index)


def tril(input, diagonal=0):
    """Lower triangle."""
    return input.tril(diagonal)


def triu(input, diagonal=0):
    """Upper triangle."""
    return input.triu(diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A diagonal."""
    return input.diagonal(offset, dim1, dim2)


def cat(tensors, dim: int = 0):
    """Join tensors along an existing dim."""
    tensors = _check_sequence(tensors, "cat")
    ref = builtins.max(tensors, key=lambda x: x._data.ndim)
    if ref._data.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
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
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(x._data.shape)} at entry {i}")  # fmt: skip
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
    return input.matmul(other)


def mm(input, mat2):
    """Matrix product of two matrices."""
    return input.mm(mat2)


def bmm(input, mat2):
    """Batched matrix product."""
    return input.bmm(mat2)


def mv(input, vec):
    """Matrix-vector product."""
    return input.mv(vec)


def dot(input, other):
    """Inner product of vectors."""
    return input.dot(other)


def outer(input, vec2):
    """Outer product of vectors."""
    return input.outer(vec2)


def einsum(equation: str, *operands):
    """Einstein summation, e.g. einsum('ij,jk->ik', a, b)."""
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
    shape = _shape_ops.broadcast_shapes(*[x._data.shape for x in tensors])
    return tuple(x.expand(shape) for x in tensors)


def broadcast_shapes(*shapes) -> Size:
    """The shape that the given shapes broadcast to."""
    return Size(_shape_ops.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s)
                                              for s in shapes]))  # fmt: skip


def numel(input) -> int:
    """Number of elements."""
    return input.numel()


def is_tensor(obj) -> bool:
    """True for Tensors."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    """True for floating dtypes."""
    return input.is_floating_point()


def clone(input):
    """A copy attached to the graph."""
    return input.clone()


def detach(input):
    """A detached alias."""
    return input.detach()


def promote_types(type1, type2):
    """The dtype two dtypes promote to."""
    return _dt.promote_types(_dt.as_dtype(type1), _dt.as_dtype(type2))


def result_type(tensor1, tensor2):
    """The dtype of an op on the two operands."""
    return _dt.result_type(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    """True if a value of dtype from_ may be written into dtype to (PyTorch's category rule)."""
    order = "biuf"
    return order.index(from_.np.kind) <= order.index(to.np.kind)
