"""The Tensor: a NumPy array plus the fields autograd needs. No calculus lives here.

A Tensor holds
    _data          the ndarray with the values;
    requires_grad  whether gradients should flow to it;
    grad           dL/d(this tensor), filled by backward() for leaves;
    grad_fn        the node of the op that made it (None for a leaf), see autograd/function.py;
    _version       a counter bumped by every in-place change, shared with its views, so a
                   node that saved this tensor can tell it was modified.

This file is the table of contents of the Tensor API, in sections. A method whose body is one
line is written here: it normalises its arguments and calls an op of `ops/`. Longer bodies live
beside it, one module per section, and are listed here by name (`sum = _reduce.sum`):

    _methods_convert.py  attributes, conversion, graph control, new tensors
    _methods_arith.py    arithmetic, comparisons        _methods_math.py     elementwise
    _methods_reduce.py   reductions                     _methods_linalg.py   linear algebra
    _methods_shape.py    views, splits, indexing        _methods_inplace.py  in-place versions
    _methods_more.py     methods over torch functions   _methods_special.py  special functions

Argument checks with PyTorch's messages are in `_checks.py`, shared helpers (dtype promotion,
dims) in `_method_helpers.py`, `Size` and `device` in `_size_device.py`.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from . import (
    _methods_activation as _activation,
    _methods_arith as _arith,
    _methods_convert as _convert,
    _methods_inplace as _inplace_methods,
    _methods_linalg as _linalg,
    _methods_math as _math,
    _methods_more as _more,
    _methods_reduce as _reduce,
    _methods_shape as _shape,
    _methods_special as _special,
    dtypes as _dt,
)
from ._checks import (  # noqa: F401  (_DTYPE_WORDS, _dtype_word, _keepdims_alias: re-exported)
    _DTYPE_WORDS,
    _NON_LEAF_GRAD,
    _dtype_word,
    _keepdims_alias,
    _need_matrix,
    _need_tensor,
    _refuse_number,
)
from ._method_helpers import (  # noqa: F401  (where, _shape_args, ...: re-exported)
    _as_tensor_like,
    _bitwise,
    _compare,
    _multi_views,
    _named,
    _norm_dim,
    _operand_like,
    _promote,
    _rounded_div,
    _shape_args,
    _tensor_operand,
    where,
)
from ._size_device import (  # noqa: F401  (CUDA_MISSING, cuda_request, ...: re-exported)
    _CPU,
    CUDA_MISSING,
    NO_ACCELERATOR,
    Size,
    _check_device,
    cuda_request,
    device,
)
from .autograd import engine
from .autograd.function import use_tensor_class
from .ops import binary, elementwise, movement, softmax as softmax_ops

_FROM_NUMPY = _dt._FROM_NUMPY
_new = object.__new__


class Tensor:
    """A multi-dimensional array that records the ops applied to it, for autograd.

    `Tensor(data)` always makes the default float dtype (float32 unless changed), as
    `torch.Tensor` does; use `tinygrad_nn.tensor` to infer the dtype. `Tensor(2, 3)` makes an
    uninitialised 2x3 tensor.
    """

    __slots__ = (
        "_data",
        "_requires_grad",
        "grad_fn",
        "_output_nr",
        "_version_counter",
        "__dict__",
        "__weakref__",
    )
    # Fields few tensors set are class-level defaults: making a tensor then costs five writes.
    _grad = None  # .grad, on leaves
    _hooks = None  # register_hook
    _accumulator = None  # a leaf's AccumulateGrad node, made on first use
    _base = None  # a view's base tensor
    _retains_grad = False  # retain_grad() was called
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected op
    _views = None  # on a base: weak references to its views (ops/movement.py, inplace.py)
    _multi_view = None  # on a split/chunk/unbind piece: (op, output_nr), see inplace.py

    def __init__(self, *args, requires_grad: bool = False, dtype=None, device=None):
        _check_device(device)
        if len(args) == 1 and not isinstance(args[0], (builtins.int, Size)):
            data = args[0]
            if isinstance(data, Tensor) and dtype is None:  # PyTorch returns such a tensor as is
                Tensor._init_fields(self, data._data, requires_grad)
                self._version_counter = data._version_counter
                return
            np_dtype = _dt.get_default_dtype().np if dtype is None else _dt.as_dtype(dtype).np
            array = np.array(data, dtype=np_dtype)
            if array.ndim == 0 and not isinstance(args[0], (Tensor, np.ndarray)):
                raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        else:
            shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
            array = np.empty(tuple(shape) if shape else (0,), dtype=_dt.get_default_dtype().np)
        Tensor._init_fields(self, array, requires_grad)

    def _init_fields(self, array: np.ndarray, requires_grad: bool = False) -> None:
        self._data = array
        self._requires_grad = requires_grad
        self.grad_fn = None
        self._output_nr = 0
        self._version_counter = [0]  # one-element list: views share it (ops/movement.py)

    @staticmethod
    def _make(array, requires_grad: bool = False) -> Tensor:
        """Wrap an ndarray without copying (NumPy scalars become 0-d arrays). The fast path."""
        t = _new(Tensor)
        t._data = array if array.__class__ is np.ndarray else np.asarray(array)
        t._requires_grad = requires_grad
        t.grad_fn = None
        t._output_nr = 0
        t._version_counter = [0]
        return t

    # ------------------------------------------------------------------ attributes

    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, as a `Size` (a tuple)."""
        return Size(self._data.shape)

    @property
    def dtype(self) -> _dt.dtype:
        """The element type, e.g. `tinygrad_nn.float32`."""
        return _FROM_NUMPY[self._data.dtype]

    @staticmethod
    def _dtype_of(np_dtype) -> _dt.dtype:
        return _FROM_NUMPY[np_dtype]

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    dim, ndimension, size, numel = _convert.dim, _convert.ndimension, _convert.size, _convert.numel
    nelement, element_size = _convert.nelement, _convert.element_size

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of all elements."""
        return self._data.nbytes

    stride, is_contiguous = _convert.stride, _convert.is_contiguous
    is_floating_point, is_complex = _convert.is_floating_point, _convert.is_complex
    data_ptr = _convert.data_ptr

    @property
    def device(self) -> device:
        """Always the CPU."""
        return _CPU

    @property
    def is_cuda(self) -> bool:
        """Always False."""
        return False

    @property
    def is_cpu(self) -> bool:
        """Always True."""
        return True

    @property
    def is_mps(self) -> bool:
        """Always False."""
        return False

    get_device, is_pinned, pin_memory = _convert.get_device, _convert.is_pinned, _convert.pin_memory

    @property
    def layout(self) -> str:
        """Always strided."""
        return "torch.strided"

    @property
    def T(self) -> Tensor:
        """All dims reversed (the transpose for a matrix)."""
        return self.permute(tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dims swapped (a batch of transposed matrices)."""
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. "
                f"Got {self._data.ndim}-D tensor."
            )
        return self.transpose(-2, -1)

    @property
    def H(self) -> Tensor:
        """Conjugate transpose; the transpose for real tensors."""
        return self.T

    @property
    def mH(self) -> Tensor:
        """Conjugate transpose of matrices; mT for real tensors."""
        return self.mT

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor. Settable on leaves."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        self._requires_grad = builtins.bool(value)

    @property
    def grad(self) -> Tensor | None:
        """dL/d(this tensor), accumulated by backward(). Settable (e.g. `p.grad = None`)."""
        if self._grad is None and self.grad_fn is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of "
                    f"type {type(value).__name__}"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created, or not requiring grad)."""
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf after `retain_grad()`."""
        return self._retains_grad

    @property
    def data(self) -> Tensor:
        """A detached tensor sharing memory: changes through it are not tracked by autograd."""
        t = Tensor._make(self._data)
        return t

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self) -> int:
        """How many times this tensor (or a view of its memory) was changed in place."""
        return self._version_counter[0]

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is."""
        return self._output_nr

    # ------------------------------------------------------------------ conversion

    item, tolist, numpy = _convert.item, _convert.tolist, _convert.numpy
    __array__, to, _cast = _convert.__array__, _convert.to, _convert._cast
    type, type_as = _convert.tensor_type, _convert.type_as
    float, double, half = _convert.to_float, _convert.to_double, _convert.to_half
    long, int, short = _convert.to_long, _convert.to_int, _convert.to_short
    bool, byte = _convert.to_bool, _convert.to_byte
    cpu, cuda, __len__ = _convert.cpu, _convert.cuda, _convert.__len__
    __iter__, __bool__, __float__ = _convert.__iter__, _convert.__bool__, _convert.__float__
    __int__, _scalar, __index__ = _convert.__int__, _convert._scalar, _convert.__index__
    __complex__, __format__, __repr__ = _convert.__complex__, _convert.__format__, _convert.__repr__

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    __deepcopy__ = _convert.__deepcopy__

    # ------------------------------------------------------------------ graph control

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see autograd/engine.py)."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    detach, detach_ = _convert.detach, _convert.detach_

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    retain_grad, register_hook = _convert.retain_grad, _convert.register_hook

    def clone(self, *, memory_format=None) -> Tensor:
        """A copy, attached to the graph (its gradient flows back to self)."""
        return movement.Clone.apply(self)

    def contiguous(self, memory_format=None) -> Tensor:
        """Itself if already contiguous, else a contiguous copy."""
        return self if self._data.flags.c_contiguous else movement.Clone.apply(self)

    def _shallow_copy(self) -> Tensor:
        t = Tensor._make(self._data)
        t._version_counter = self._version_counter
        return t

    def _detached_copy(self) -> Tensor:
        return Tensor._make(np.array(self._data, copy=True))

    # ------------------------------------------------------------------ arithmetic

    add, sub = _arith.add, _arith.sub

    subtract = sub

    def mul(self, other) -> Tensor:
        """self * other, broadcasting."""
        return binary.Mul.apply(*_promote(self, other))

    multiply = mul

    div = _arith.div

    divide = true_divide = div

    def floor_divide(self, other) -> Tensor:
        """floor(self / other); not differentiable (as in PyTorch)."""
        return _rounded_div(self, other, "floor").detach()

    remainder, fmod, pow = _arith.remainder, _arith.fmod, _arith.pow

    def square(self) -> Tensor:
        """self * self."""
        return self.pow(2)

    neg = _arith.neg

    negative = neg

    def maximum(self, other) -> Tensor:
        """Elementwise max; ties share the gradient equally. `other` must be a tensor."""
        _refuse_number(other, "maximum")
        return binary.Maximum.apply(*_promote(self, _operand_like(other, self, "maximum")))

    def minimum(self, other) -> Tensor:
        """Elementwise min; ties share the gradient equally. `other` must be a tensor."""
        _refuse_number(other, "minimum")
        return binary.Minimum.apply(*_promote(self, _operand_like(other, self, "minimum")))

    nonzero = _arith.nonzero

    def argwhere(self) -> Tensor:
        """nonzero() as an (n, ndim) tensor."""
        return self.nonzero()

    def where(self, condition, other) -> Tensor:
        """self where condition else other (`torch.where(condition, self, other)`)."""
        return where(condition, self, other)

    masked_fill, lerp = _arith.masked_fill, _arith.lerp

    def addcmul(self, tensor1, tensor2, *, value=1) -> Tensor:
        """self + value * tensor1 * tensor2."""
        return _named(self + value * tensor1 * tensor2, "AddcmulBackward0")

    def addcdiv(self, tensor1, tensor2, *, value=1) -> Tensor:
        """self + value * tensor1 / tensor2."""
        return _named(self + value * tensor1 / tensor2, "AddcdivBackward0")

    __add__ = add

    def __radd__(self, other) -> Tensor:
        return self.add(other)

    __sub__ = sub

    __rsub__ = _arith.__rsub__

    __mul__ = mul

    def __rmul__(self, other) -> Tensor:
        return self.mul(other)

    def __truediv__(self, other) -> Tensor:
        return self.div(other)

    __rtruediv__ = _arith.__rtruediv__

    def __floordiv__(self, other) -> Tensor:
        return self.floor_divide(other)

    def __rfloordiv__(self, other) -> Tensor:
        return _as_tensor_like(other, self).floor_divide(self)

    def __mod__(self, other) -> Tensor:
        return self.remainder(other)

    def __rmod__(self, other) -> Tensor:
        return _as_tensor_like(other, self).remainder(self)

    def __pow__(self, exponent) -> Tensor:
        return self.pow(exponent)

    __rpow__ = _arith.__rpow__

    def __matmul__(self, other) -> Tensor:
        if not isinstance(other, (Tensor, np.ndarray)):
            return NotImplemented  # x @ 2: Python's TypeError, as PyTorch's
        return self.matmul(other)

    def __rmatmul__(self, other) -> Tensor:
        return _as_tensor_like(other, self).matmul(self)

    def __neg__(self) -> Tensor:
        return self.neg()

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    __invert__ = _arith.__invert__

    # comparisons and logic: no gradient, bool results

    def eq(self, other) -> Tensor:
        """self == other, elementwise (bool)."""
        return _compare(np.equal, self, other)

    def ne(self, other) -> Tensor:
        """self != other, elementwise (bool)."""
        return _compare(np.not_equal, self, other)

    def lt(self, other) -> Tensor:
        """self < other, elementwise (bool)."""
        return _compare(np.less, self, other)

    def le(self, other) -> Tensor:
        """self <= other, elementwise (bool)."""
        return _compare(np.less_equal, self, other)

    def gt(self, other) -> Tensor:
        """self > other, elementwise (bool)."""
        return _compare(np.greater, self, other)

    def ge(self, other) -> Tensor:
        """self >= other, elementwise (bool)."""
        return _compare(np.greater_equal, self, other)

    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = eq, ne, lt, le, gt, ge
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def logical_not(self) -> Tensor:
        """not self, elementwise (bool)."""
        return Tensor._make(np.logical_not(self._data))

    def logical_and(self, other) -> Tensor:
        """self and other, elementwise (bool). `other` must be a tensor."""
        _refuse_number(other, "logical_and")
        return _compare(np.logical_and, self, other)

    def logical_or(self, other) -> Tensor:
        """self or other, elementwise (bool). `other` must be a tensor."""
        _refuse_number(other, "logical_or")
        return _compare(np.logical_or, self, other)

    def logical_xor(self, other) -> Tensor:
        """self xor other, elementwise (bool). `other` must be a tensor."""
        _refuse_number(other, "logical_xor")
        return _compare(np.logical_xor, self, other)

    def __and__(self, other) -> Tensor:
        return _bitwise(np.bitwise_and, self, other)

    def __or__(self, other) -> Tensor:
        return _bitwise(np.bitwise_or, self, other)

    def __xor__(self, other) -> Tensor:
        return _bitwise(np.bitwise_xor, self, other)

    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__

    def __lshift__(self, other) -> Tensor:
        return _bitwise(np.left_shift, self, other)

    def __rshift__(self, other) -> Tensor:
        return _bitwise(np.right_shift, self, other)

    def isnan(self) -> Tensor:
        """True where the value is NaN."""
        return Tensor._make(np.isnan(self._data))

    def isinf(self) -> Tensor:
        """True where the value is +-inf."""
        return Tensor._make(np.isinf(self._data))

    def isfinite(self) -> Tensor:
        """True where the value is neither inf nor NaN."""
        return Tensor._make(np.isfinite(self._data))

    allclose, isclose, equal = _arith.allclose, _arith.isclose, _arith.equal

    # ------------------------------------------------------------------ elementwise

    def exp(self) -> Tensor:
        """e ** self."""
        return elementwise.Exp.apply(self._floating())

    def log(self) -> Tensor:
        """Natural logarithm."""
        return elementwise.Log.apply(self._floating())

    def log2(self) -> Tensor:
        """Base-2 logarithm."""
        return self.log() / np.log(2.0)

    def log10(self) -> Tensor:
        """Base-10 logarithm."""
        return self.log() / np.log(10.0)

    def log1p(self) -> Tensor:
        """log(1 + self), accurate near 0."""
        return elementwise.Log1p.apply(self._floating())

    def expm1(self) -> Tensor:
        """exp(self) - 1, accurate near 0."""
        return elementwise.Expm1.apply(self._floating())

    def sqrt(self) -> Tensor:
        """Square root."""
        return elementwise.Sqrt.apply(self._floating())

    def rsqrt(self) -> Tensor:
        """1 / sqrt(self)."""
        return elementwise.Rsqrt.apply(self._floating())

    def sin(self) -> Tensor:
        """Sine."""
        return elementwise.Sin.apply(self._floating())

    def cos(self) -> Tensor:
        """Cosine."""
        return elementwise.Cos.apply(self._floating())

    def tan(self) -> Tensor:
        """Tangent."""
        return elementwise.Tan.apply(self._floating())

    def tanh(self) -> Tensor:
        """Hyperbolic tangent."""
        return elementwise.Tanh.apply(self._floating())

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-self))."""
        return elementwise.Sigmoid.apply(self._floating())

    relu, abs = _math.relu, _math.abs

    absolute = abs

    sign = _math.sign

    def reciprocal(self) -> Tensor:
        """1 / self."""
        return elementwise.Reciprocal.apply(self._floating())

    def floor(self) -> Tensor:
        """Round down; gradient 0."""
        return elementwise.Floor.apply(self) if self._data.dtype.kind == "f" else self.clone()

    def ceil(self) -> Tensor:
        """Round up; gradient 0."""
        return elementwise.Ceil.apply(self) if self._data.dtype.kind == "f" else self.clone()

    round = _math.round

    def trunc(self) -> Tensor:
        """Round toward zero; gradient 0."""
        return elementwise.Trunc.apply(self) if self._data.dtype.kind == "f" else self.clone()

    frac = _math.frac

    def erf(self) -> Tensor:
        """The error function."""
        return elementwise.Erf.apply(self._floating())

    clamp = _math.clamp

    clip = clamp

    _clamp_tensor, clamp_min, clamp_max = _math._clamp_tensor, _math.clamp_min, _math.clamp_max

    def softmax(self, dim: int, dtype=None) -> Tensor:
        """exp(self) / sum(exp(self)) along dim."""
        x = self if dtype is None else self.to(dtype)
        return softmax_ops.Softmax.apply(x._floating(), _norm_dim(dim, self._data.ndim))

    def log_softmax(self, dim: int, dtype=None) -> Tensor:
        """self - logsumexp(self) along dim, computed stably."""
        x = self if dtype is None else self.to(dtype)
        return softmax_ops.LogSoftmax.apply(x._floating(), _norm_dim(dim, self._data.ndim))

    _floating = _math._floating

    # ------------------------------------------------------------------ reductions

    sum, mean, nansum, prod = _reduce.sum, _reduce.mean, _reduce.nansum, _reduce.prod
    var, std, max, min = _reduce.var, _reduce.std, _reduce.max, _reduce.min
    amax, amin, argmax, argmin = _reduce.amax, _reduce.amin, _reduce.argmax, _reduce.argmin
    logsumexp, norm = _reduce.logsumexp, _reduce.norm

    # decompositions (linalg.py, imported when first used), truth tests, counts, running sums
    inverse, det, logdet, slogdet = _linalg.inverse, _linalg.det, _linalg.logdet, _linalg.slogdet
    cholesky, pinverse, qr, svd = _linalg.cholesky, _linalg.pinverse, _linalg.qr, _linalg.svd
    all, any, histc, histogram = _linalg.all, _linalg.any, _linalg.histc, _linalg.histogram
    count_nonzero, cumsum, cumprod = _linalg.count_nonzero, _linalg.cumsum, _linalg.cumprod

    # shape and construction: tinygrad_nn/_functions_shape.py

    diag, diag_embed, diagflat, trace = _more.diag, _more.diag_embed, _more.diagflat, _more.trace
    rot90, fliplr, flipud, tile = _more.rot90, _more.fliplr, _more.flipud, _more.tile
    repeat_interleave, ravel, take = _more.repeat_interleave, _more.ravel, _more.take
    take_along_dim, masked_select = _more.take_along_dim, _more.masked_select
    masked_scatter, masked_scatter_ = _more.masked_scatter, _more.masked_scatter_
    hardshrink, prelu = _activation.hardshrink, _activation.prelu
    fix, fix_ = _activation.fix, _activation.fix_
    index_copy, index_copy_, index_fill = _more.index_copy, _more.index_copy_, _more.index_fill
    index_fill_, index_put, index_put_ = _more.index_fill_, _more.index_put, _more.index_put_
    scatter_reduce, scatter_reduce_ = _more.scatter_reduce, _more.scatter_reduce_
    slice_scatter, tensor_split, hsplit = _more.slice_scatter, _more.tensor_split, _more.hsplit
    vsplit, dsplit, kron, cross = _more.vsplit, _more.dsplit, _more.kron, _more.cross
    vdot, dist, addmm, addmm_ = _more.vdot, _more.dist, _more.addmm, _more.addmm_
    addmv, addmv_, addbmm, addbmm_ = _more.addmv, _more.addmv_, _more.addbmm, _more.addbmm_
    baddbmm, baddbmm_ = _more.baddbmm, _more.baddbmm_

    # sorting, selection, scans: tinygrad_nn/_functions_select.py

    sort, argsort, msort, topk = _more.sort, _more.argsort, _more.msort, _more.topk
    kthvalue, median, nanmedian, mode = _more.kthvalue, _more.median, _more.nanmedian, _more.mode
    unique, unique_consecutive, bincount = _more.unique, _more.unique_consecutive, _more.bincount
    cummax, cummin, logcumsumexp = _more.cummax, _more.cummin, _more.logcumsumexp
    nanmean, aminmax, quantile = _more.nanmean, _more.aminmax, _more.quantile
    nanquantile, diff, cov, corrcoef = _more.nanquantile, _more.diff, _more.cov, _more.corrcoef
    _floating_for = _more._floating_for

    # ------------------------------------------------------------------ shape

    reshape, view = _shape.reshape, _shape.view

    def view_as(self, other) -> Tensor:
        """view(other.shape)."""
        return self.view(other._data.shape)

    def reshape_as(self, other) -> Tensor:
        """reshape(other.shape)."""
        return self.reshape(other._data.shape)

    def _alias(self) -> Tensor:
        return movement._as_view_of(Tensor._make(self._data.view()), self)

    flatten, unflatten, squeeze = _shape.flatten, _shape.unflatten, _shape.squeeze
    unsqueeze, transpose = _shape.unsqueeze, _shape.transpose

    swapaxes = swapdims = transpose

    t, permute, expand = _shape.t, _shape.permute, _shape.expand

    def expand_as(self, other) -> Tensor:
        """expand(other.shape)."""
        return self.expand(other._data.shape)

    def broadcast_to(self, shape) -> Tensor:
        """expand(shape)."""
        return self.expand(shape)

    repeat, flip, roll, movedim = _shape.repeat, _shape.flip, _shape.roll, _shape.movedim

    moveaxis = movedim

    chunk, split = _shape.chunk, _shape.split

    def unbind(self, dim: int = 0) -> tuple:
        """All slices along dim, with that dim removed."""
        d = _norm_dim(dim, self._data.ndim)
        return _multi_views(movement.Split.apply(self, d, None, "UnbindBackward0"), "Unbind")

    select, narrow, __getitem__ = _shape.select, _shape.narrow, _shape.__getitem__
    __setitem__, _setitem = _shape.__setitem__, _shape._setitem

    def gather(self, dim: int, index) -> Tensor:
        """out[i][j] = self[index[i][j]][j] for dim 0 (and likewise for other dims)."""
        _need_tensor(index, "gather", "index")
        return movement.Gather.apply(self, _norm_dim(dim, self._data.ndim), index)

    scatter_add = _shape.scatter_add

    def scatter_add_(self, dim: int, index, src) -> Tensor:
        """In place: src added at `index` along dim."""
        return self._inplace(lambda t: t.scatter_add(dim, index, src))

    scatter = _shape.scatter

    def scatter_(self, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
        """In place: src written (or with `reduce`, added or multiplied) at `index` along dim."""
        return self._inplace(lambda t: t.scatter(dim, index, src, value=value, reduce=reduce))

    index_add = _shape.index_add

    def index_add_(self, dim: int, index, source, *, alpha=1) -> Tensor:
        """In place: alpha * source's slices added at `index` along dim."""
        return self._inplace(lambda t: t.index_add(dim, index, source, alpha=alpha))

    index_select = _shape.index_select

    def tril(self, diagonal: int = 0) -> Tensor:
        """Zero the elements above the diagonal."""
        _need_matrix(self, "tril")
        return movement.Tril.apply(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """Zero the elements below the diagonal."""
        _need_matrix(self, "triu")
        return movement.Triu.apply(self, diagonal)

    diagonal = _shape.diagonal

    # ------------------------------------------------------------------ linear algebra

    matmul, mm, bmm, mv = _linalg.matmul, _linalg.mm, _linalg.bmm, _linalg.mv
    dot, inner, outer = _linalg.dot, _linalg.inner, _linalg.outer

    ger = outer

    # ------------------------------------------------------------------ in place

    _inplace, add_, sub_ = _inplace_methods._inplace, _inplace_methods.add_, _inplace_methods.sub_
    mul_, div_, pow_ = _inplace_methods.mul_, _inplace_methods.div_, _inplace_methods.pow_
    neg_, abs_, exp_ = _inplace_methods.neg_, _inplace_methods.abs_, _inplace_methods.exp_
    log_, sqrt_, sigmoid_ = _inplace_methods.log_, _inplace_methods.sqrt_, _inplace_methods.sigmoid_
    tanh_, relu_, floor_ = _inplace_methods.tanh_, _inplace_methods.relu_, _inplace_methods.floor_
    ceil_, round_, trunc_ = _inplace_methods.ceil_, _inplace_methods.round_, _inplace_methods.trunc_
    sign_, square_ = _inplace_methods.sign_, _inplace_methods.square_
    reciprocal_, sin_ = _inplace_methods.reciprocal_, _inplace_methods.sin_
    cos_, log1p_, expm1_ = _inplace_methods.cos_, _inplace_methods.log1p_, _inplace_methods.expm1_
    rsqrt_, erf_, tan_ = _inplace_methods.rsqrt_, _inplace_methods.erf_, _inplace_methods.tan_
    frac_, log2_, log10_ = _inplace_methods.frac_, _inplace_methods.log2_, _inplace_methods.log10_
    cumsum_, cumprod_ = _inplace_methods.cumsum_, _inplace_methods.cumprod_
    tril_, triu_ = _inplace_methods.tril_, _inplace_methods.triu_

    # Comparisons and logic in place store 1 or 0 in self's own dtype. They have no gradient:
    # a self in a graph stays in it and passes a zero gradient back, as in PyTorch.

    eq_, ne_, lt_ = _inplace_methods.eq_, _inplace_methods.ne_, _inplace_methods.lt_
    le_, gt_, ge_ = _inplace_methods.le_, _inplace_methods.gt_, _inplace_methods.ge_

    greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_

    logical_not_, logical_and_ = _inplace_methods.logical_not_, _inplace_methods.logical_and_
    logical_or_, logical_xor_ = _inplace_methods.logical_or_, _inplace_methods.logical_xor_

    # Shape in place: self becomes a view of its own memory with new sizes; nothing is
    # written, but its history gains the view op and its version is bumped, as in PyTorch.

    t_, transpose_ = _inplace_methods.t_, _inplace_methods.transpose_

    swapaxes_ = swapdims_ = transpose_

    squeeze_, unsqueeze_ = _inplace_methods.squeeze_, _inplace_methods.unsqueeze_
    fmod_, remainder_ = _inplace_methods.fmod_, _inplace_methods.remainder_
    floor_divide_, clamp_min_ = _inplace_methods.floor_divide_, _inplace_methods.clamp_min_
    clamp_max_, clamp_ = _inplace_methods.clamp_max_, _inplace_methods.clamp_

    clip_ = clamp_
    absolute_, negative_, multiply_, subtract_ = abs_, neg_, mul_, sub_  # PyTorch's aliases
    divide_ = true_divide_ = div_

    masked_fill_, lerp_ = _inplace_methods.masked_fill_, _inplace_methods.lerp_
    addcmul_, addcdiv_ = _inplace_methods.addcmul_, _inplace_methods.addcdiv_
    copy_, fill_, zero_ = _inplace_methods.copy_, _inplace_methods.fill_, _inplace_methods.zero_
    uniform_, normal_ = _inplace_methods.uniform_, _inplace_methods.normal_
    random_, bernoulli_ = _inplace_methods.random_, _inplace_methods.bernoulli_
    exponential_, log_normal_ = _inplace_methods.exponential_, _inplace_methods.log_normal_
    cauchy_, geometric_ = _inplace_methods.cauchy_, _inplace_methods.geometric_
    __iadd__, __isub__ = _inplace_methods.__iadd__, _inplace_methods.__isub__
    __imul__, __itruediv__ = _inplace_methods.__imul__, _inplace_methods.__itruediv__
    __ifloordiv__, __imod__ = _inplace_methods.__ifloordiv__, _inplace_methods.__imod__
    __ipow__, __iand__ = _inplace_methods.__ipow__, _inplace_methods.__iand__
    __ior__, __ixor__ = _inplace_methods.__ior__, _inplace_methods.__ixor__
    __ilshift__, __irshift__ = _inplace_methods.__ilshift__, _inplace_methods.__irshift__

    # ------------------------------------------------------------------ new tensors

    new_zeros, new_ones, new_empty = _convert.new_zeros, _convert.new_ones, _convert.new_empty
    new_full, new_tensor, _new = _convert.new_full, _convert.new_tensor, _convert._new

    # ---- windows, diagonals, sums to a size and Python callables (_tensor_extras.py)

    unfold, fill_diagonal_, sum_to_size = _more.unfold, _more.fill_diagonal_, _more.sum_to_size
    apply_, map_, resize_ = _more.apply_, _more.map_, _more.resize_

    # ---- elementwise functions beside their ops (ops/elementwise_more.py, binary_more.py)

    asin, asin_, acos, acos_ = _special.asin, _special.asin_, _special.acos, _special.acos_
    atan, atan_, sinh, sinh_ = _special.atan, _special.atan_, _special.sinh, _special.sinh_
    cosh, cosh_, asinh, asinh_ = _special.cosh, _special.cosh_, _special.asinh, _special.asinh_
    acosh, acosh_, atanh, atanh_ = _special.acosh, _special.acosh_, _special.atanh, _special.atanh_
    arcsin, arcsin_, arccos, arccos_ = asin, asin_, acos, acos_  # NumPy's names, as PyTorch
    arctan, arctan_, arcsinh, arcsinh_ = atan, atan_, asinh, asinh_
    arccosh, arccosh_, arctanh, arctanh_ = acosh, acosh_, atanh, atanh_
    exp2, exp2_, erfc, erfc_ = _special.exp2, _special.exp2_, _special.erfc, _special.erfc_
    erfinv, erfinv_, lgamma = _special.erfinv, _special.erfinv_, _special.lgamma
    lgamma_, digamma, digamma_ = _special.lgamma_, _special.digamma, _special.digamma_
    sinc, sinc_, logit, logit_ = _special.sinc, _special.sinc_, _special.logit, _special.logit_
    nan_to_num, nan_to_num_, sgn = _special.nan_to_num, _special.nan_to_num_, _special.sgn
    sgn_, deg2rad, deg2rad_ = _special.sgn_, _special.deg2rad, _special.deg2rad_
    rad2deg, rad2deg_, signbit = _special.rad2deg, _special.rad2deg_, _special.signbit
    isposinf, isneginf, polygamma = _special.isposinf, _special.isneginf, _special.polygamma
    polygamma_, atan2, atan2_ = _special.polygamma_, _special.atan2, _special.atan2_
    arctan2, arctan2_, hypot = atan2, atan2_, _special.hypot
    hypot_, xlogy, xlogy_ = _special.hypot_, _special.xlogy, _special.xlogy_
    copysign, copysign_, ldexp = _special.copysign, _special.copysign_, _special.ldexp
    ldexp_, heaviside, heaviside_ = _special.ldexp_, _special.heaviside, _special.heaviside_
    bitwise_and, bitwise_and_ = _special.bitwise_and, _special.bitwise_and_
    bitwise_or, bitwise_or_ = _special.bitwise_or, _special.bitwise_or_
    bitwise_xor, bitwise_xor_ = _special.bitwise_xor, _special.bitwise_xor_
    bitwise_not, bitwise_not_ = _special.bitwise_not, _special.bitwise_not_
    logaddexp, logaddexp2, fmax = _special.logaddexp, _special.logaddexp2, _special.fmax
    fmin, float_power, float_power_ = _special.fmin, _special.float_power, _special.float_power_


use_tensor_class(Tensor)  # autograd wraps the arrays a forward returns in this class


def _rebuild(data, requires_grad):
    """Unpickling: a Tensor around `data` (pickles name this function, so it stays here)."""
    return Tensor._make(data, requires_grad)
