"""The Tensor: a NumPy array plus the fields autograd needs. No calculus lives here.

A Tensor holds
    _data          the ndarray with the values;
    requires_grad  whether gradients should flow to it;
    grad           dL/d(this tensor), filled by backward() for leaves;
    grad_fn        the node of the op that made it (None for a leaf), see autograd/function.py;
    _version       a counter bumped by every in-place change, shared with its views, so a
                   node that saved this tensor can tell it was modified.

Almost every method is one line that normalises its arguments and calls an op in `ops/`.
"""

from __future__ import annotations

import builtins
import math
import operator
import warnings
import weakref

import numpy as np

from . import dtypes as _dt
from ._tensor_str import tensor_repr
from .autograd.grad_mode import _state as _grad_state

_FROM_NUMPY = _dt._FROM_NUMPY
_new = object.__new__

# PyTorch computes inf and nan silently (1 / 0, exp(1000), 0 * inf, inf - inf); NumPy warns
# about each. An np.errstate around every op would cost more than a small op itself, so
# NumPy's floating-point warnings are switched off once, when the package is imported.
np.seterr(divide="ignore", over="ignore", invalid="ignore")


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's `torch.Size`."""

    def numel(self) -> int:
        """Product of the sizes."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"tinygrad_nn.Size({list(self)})"

    def __getitem__(self, item):
        result = tuple.__getitem__(self, item)
        return Size(result) if isinstance(item, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


# The device types PyTorch's parser knows; torch.device('cuda') is a valid object even on a
# CPU-only build, and only *using* it fails (see _check_device).
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")  # fmt: skip
CUDA_MISSING = "Torch not compiled with CUDA enabled"  # PyTorch's CPU-only build says this
NO_ACCELERATOR = "Cannot access accelerator device when none is available."


class device:
    """A device name, as `torch.device`: `device('cpu')`, `device('cuda:0')`, `device('cuda', 1)`.

    Any device PyTorch knows can be named; tensors live only on the CPU.
    """

    def __init__(self, type: str = "cpu", index=None):  # noqa: A002  (PyTorch's keyword)
        spec = type
        if isinstance(spec, builtins.int) and not isinstance(spec, builtins.bool):
            raise RuntimeError(NO_ACCELERATOR)  # a bare index names the (absent) accelerator
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        name, _, number = str(spec).partition(":")
        if name not in _DEVICE_TYPES or (number and not number.isdigit()):
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start "
                               f"of device string: {spec}")  # fmt: skip
        self.type, self.index = name, builtins.int(number) if number else index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):  # kept lenient: `t.device == 'cpu'` reads naturally
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


_CPU = device("cpu")


def cuda_request(d) -> None:
    """`.cuda(d)` on a CPU-only build: always raises, with PyTorch's exception for `d`."""
    if d is not None and device(d).type != "cuda":  # device(0) raises NO_ACCELERATOR itself
        raise RuntimeError("Invalid device, must be cuda device")
    raise AssertionError(CUDA_MISSING)


def _check_device(d) -> None:
    """Accept None or a CPU device; other devices raise what a CPU-only PyTorch raises."""
    if d is None:
        return
    kind = device(d).type
    if kind == "cuda":
        raise AssertionError(CUDA_MISSING)
    if kind == "mps":
        raise RuntimeError("PyTorch is not linked with support for mps devices")
    if kind != "cpu":
        raise RuntimeError(f"tinygrad_nn runs on the CPU only: device '{d}' is not available")


class Tensor:
    """A multi-dimensional array that records the ops applied to it, for autograd.

    `Tensor(data)` always makes the default float dtype (float32 unless changed), as
    `torch.Tensor` does; use `tinygrad_nn.tensor` to infer the dtype. `Tensor(2, 3)` makes an
    uninitialised 2x3 tensor.
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "_output_nr", "_vc", "_hooks",
                 "_accumulator", "_base", "_retains_grad", "__dict__", "__weakref__")  # fmt: skip
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected op
    _views = None  # on a base: weak references to its views (ops/movement.py, inplace.py)
    _multi_view = None  # on a split/chunk/unbind piece: (op, output_nr), see inplace.py

    def __init__(self, *args, requires_grad: bool = False, dtype=None, device=None):
        _check_device(device)
        if len(args) == 1 and not isinstance(args[0], (builtins.int, Size)):
            data = args[0]
            if isinstance(data, Tensor) and dtype is None:  # PyTorch returns such a tensor as is
                Tensor._init_fields(self, data._data, requires_grad)
                self._vc = data._vc
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
        self._grad = None
        self.grad_fn = None
        self._output_nr = 0
        self._vc = [0]  # one-element list: views share it, see _as_view_of in ops/movement.py
        self._hooks = None
        self._accumulator = None
        self._base = None
        self._retains_grad = False

    @staticmethod
    def _make(array, requires_grad: bool = False) -> Tensor:
        """Wrap an ndarray without copying (NumPy scalars become 0-d arrays). The fast path."""
        t = _new(Tensor)
        t._data = array if array.__class__ is np.ndarray else np.asarray(array)
        t._requires_grad = requires_grad
        t._grad = None
        t.grad_fn = None
        t._output_nr = 0
        t._vc = [0]
        t._hooks = None
        t._accumulator = None
        t._base = None
        t._retains_grad = False
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

    def dim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    def ndimension(self) -> int:
        """Number of dimensions (old name)."""
        return self._data.ndim

    def size(self, dim: int | None = None):
        """The shape, or the size of one dimension."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_norm_dim(dim, self._data.ndim)]

    def numel(self) -> int:
        """Number of elements."""
        return self._data.size

    def nelement(self) -> int:
        """Number of elements (old name)."""
        return self._data.size

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes of all elements."""
        return self._data.nbytes

    def stride(self, dim: int | None = None):
        """Strides in elements (not bytes), as PyTorch reports them."""
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_norm_dim(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        """True if the elements lie in row-major order without gaps."""
        return self._data.flags.c_contiguous

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """Always False: complex tensors are not supported."""
        return False

    def data_ptr(self) -> int:
        """Address of the first element."""
        return self._data.ctypes.data

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

    def get_device(self) -> int:
        """-1: PyTorch's answer for a CPU tensor."""
        return -1

    def is_pinned(self, device=None) -> bool:
        """False: there is no pinned (page-locked) memory without an accelerator."""
        return False

    def pin_memory(self, device=None):
        """Raises RuntimeError, as PyTorch does without an accelerator."""
        raise RuntimeError(NO_ACCELERATOR)

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
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")  # fmt: skip
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
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")  # fmt: skip
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
        return self._vc[0]

    @property
    def output_nr(self) -> int:
        """Which output of its grad_fn this tensor is."""
        return self._output_nr

    # ------------------------------------------------------------------ conversion

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        """Nested Python lists (a number for a 0-d tensor)."""
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The underlying ndarray (shared memory). Raises if the tensor requires grad."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def to(self, *args, **kwargs) -> Tensor:
        """Convert dtype (and accept device='cpu'): `to(dtype)`, `to('cpu')`, `to(other)`."""
        dtype = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        _check_device(kwargs.pop("device", None))
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, (str, device, builtins.int)) and not isinstance(a, builtins.bool):
                _check_device(a)  # a device name, or an index (which names an accelerator)
            elif a is not None and not isinstance(a, builtins.bool):
                dtype = a
        result = self if dtype is None else self._cast(_dt.as_dtype(dtype))
        return result.clone() if copy and result is self else result

    def _cast(self, dtype: _dt.dtype) -> Tensor:
        """This tensor as `dtype`: itself if it already is; differentiable between floats."""
        if self._data.dtype == dtype.np:
            return self
        if self._requires_grad and _grad_state.enabled and dtype.is_floating_point:
            return movement.Cast.apply(self, dtype.np)
        return Tensor._make(self._data.astype(dtype.np))

    def type(self, dtype=None):
        """Without arguments, the type name (e.g. 'torch.FloatTensor'); else `to(dtype)`."""
        if dtype is None:
            return f"torch.{_dtype_word(self)}Tensor"
        if isinstance(dtype, str):  # 'torch.DoubleTensor'
            words = {f"torch.{w}Tensor": n for n, w in _DTYPE_WORDS.items()}
            if dtype not in words:
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = _dt._by_name(words[dtype])
        return self.to(getattr(dtype, "legacy_dtype", dtype))  # FloatTensor and friends

    def type_as(self, other) -> Tensor:
        """This tensor in other's dtype."""
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """As float32."""
        return self._cast(_dt.float32)

    def double(self) -> Tensor:
        """As float64."""
        return self._cast(_dt.float64)

    def half(self) -> Tensor:
        """As float16."""
        return self._cast(_dt.float16)

    def long(self) -> Tensor:
        """As int64."""
        return self._cast(_dt.int64)

    def int(self) -> Tensor:
        """As int32."""
        return self._cast(_dt.int32)

    def short(self) -> Tensor:
        """As int16."""
        return self._cast(_dt.int16)

    def bool(self) -> Tensor:
        """As bool."""
        return self._cast(_dt.bool)

    def byte(self) -> Tensor:
        """As uint8."""
        return self._cast(_dt.uint8)

    def cpu(self) -> Tensor:
        """Itself: every tensor is on the CPU."""
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Raises what a CPU-only PyTorch raises: there is no GPU backend."""
        cuda_request(device)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
            )
        return builtins.bool(self._data.reshape(()))

    def __float__(self) -> float:
        return builtins.float(self._scalar())

    def __int__(self) -> int:
        return builtins.int(self._scalar())

    def _scalar(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(()).item()

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        return tensor_repr(self)

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data, self._requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.")  # fmt: skip
        new = type(self).__new__(type(self))
        Tensor._init_fields(new, self._data.copy(), self._requires_grad)
        if isinstance(new, Tensor) and hasattr(self, "__dict__"):
            new.__dict__.update({k: v for k, v in self.__dict__.items()})
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    # ------------------------------------------------------------------ graph control

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (see autograd/engine.py)."""
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self) -> Tensor:
        """A tensor sharing memory and version counter, cut off from the graph."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor off from the graph, in place."""
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place and return self."""
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        if self.grad_fn._retained is None:
            self.grad_fn._retained = {}
        self.grad_fn._retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook) -> _RemovableHandle:
        """`hook(grad)` runs when this tensor's gradient is computed; may return a new grad."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            if self.grad_fn._pre_hooks is None:
                self.grad_fn._pre_hooks = {}
            hooks = self.grad_fn._pre_hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def clone(self, *, memory_format=None) -> Tensor:
        """A copy, attached to the graph (its gradient flows back to self)."""
        return movement.Clone.apply(self)

    def contiguous(self, memory_format=None) -> Tensor:
        """Itself if already contiguous, else a contiguous copy."""
        return self if self._data.flags.c_contiguous else movement.Clone.apply(self)

    def _shallow_copy(self) -> Tensor:
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

    def _detached_copy(self) -> Tensor:
        return Tensor._make(np.array(self._data, copy=True))

    # ------------------------------------------------------------------ arithmetic

    def add(self, other, *, alpha=1) -> Tensor:
        """self + alpha * other, broadcasting."""
        x, y = _promote(self, other)
        if alpha == 1:
            return binary.Add.apply(x, y)
        _check_alpha(x, alpha)
        return binary.Add.apply(x, y, alpha)

    def sub(self, other, *, alpha=1) -> Tensor:
        """self - alpha * other, broadcasting."""
        x, y = _promote(self, other, "sub")
        if alpha == 1:
            return binary.Sub.apply(x, y)
        _check_alpha(x, alpha)
        return binary.Sub.apply(x, y, alpha)

    subtract = sub

    def mul(self, other) -> Tensor:
        """self * other, broadcasting."""
        return binary.Mul.apply(*_promote(self, other))

    multiply = mul

    def div(self, other, *, rounding_mode=None) -> Tensor:
        """self / other (true division; ints give floats). rounding_mode 'trunc' or 'floor'."""
        if rounding_mode is not None:
            return _rounded_div(self, other, rounding_mode)
        x, y = _promote(self, other, "div")
        return binary.Div.apply(x, y)

    divide = true_divide = div

    def floor_divide(self, other) -> Tensor:
        """floor(self / other); not differentiable (as in PyTorch)."""
        return _rounded_div(self, other, "floor").detach()

    def remainder(self, other) -> Tensor:
        """self mod other with the sign of other (Python's %)."""
        x, y = _promote(self, other)
        _check_int_divisor(x, y, "remainder")
        return binary.Remainder.apply(x, y)

    def fmod(self, other) -> Tensor:
        """self mod other with the sign of self (C's fmod)."""
        x, y = _promote(self, other)
        _check_int_divisor(x, y, "fmod")
        return binary.Fmod.apply(x, y)

    def pow(self, exponent) -> Tensor:
        """self ** exponent."""
        if isinstance(exponent, Tensor):
            x, y = _promote(self, exponent)
            if x._data.dtype.kind in "iub":
                _check_not_bool(x, "pow")
                return _int_power(x._data, y._data, x._data.dtype)
            return binary.Pow.apply(x, y)
        x, p = _promote(self, exponent)
        if x._data.dtype.kind in "iub":
            if exponent.__class__ is builtins.int and exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            return _int_power(x._data, p, x._data.dtype)
        return binary.PowScalar.apply(x, p)

    def square(self) -> Tensor:
        """self * self."""
        return self.pow(2)

    def neg(self) -> Tensor:
        """-self."""
        if self._data.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")  # fmt: skip
        return elementwise.Neg.apply(self)

    negative = neg

    def maximum(self, other) -> Tensor:
        """Elementwise max; ties share the gradient equally. `other` must be a tensor."""
        _refuse_number(other, "maximum")
        return binary.Maximum.apply(*_promote(self, _operand_like(other, self, "maximum")))

    def minimum(self, other) -> Tensor:
        """Elementwise min; ties share the gradient equally. `other` must be a tensor."""
        _refuse_number(other, "minimum")
        return binary.Minimum.apply(*_promote(self, _operand_like(other, self, "minimum")))

    def nonzero(self, *, as_tuple: bool = False):
        """Indices of the non-zero elements: an (n, ndim) int64 tensor, or a 1-d one per dim."""
        coords = np.nonzero(np.atleast_1d(self._data))
        if as_tuple:
            return tuple(Tensor._make(c.astype(np.int64)) for c in coords)
        stacked = np.stack(coords, axis=1) if self._data.ndim else np.zeros((len(coords[0]), 0))
        return Tensor._make(stacked.astype(np.int64))

    def argwhere(self) -> Tensor:
        """nonzero() as an (n, ndim) tensor."""
        return self.nonzero()

    def where(self, condition, other) -> Tensor:
        """self where condition else other (`torch.where(condition, self, other)`)."""
        return where(condition, self, other)

    def masked_fill(self, mask, value) -> Tensor:
        """self with `value` where `mask` is True."""
        mask = _as_mask(mask, "masked_fill")
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError(
                    "masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                    f"with {value._data.ndim} dimension(s)."
                )
            value = value._cast(self.dtype)
        elif self._data.dtype.kind in "iub" and isinstance(value, builtins.float) and \
                not builtins.float(value).is_integer():  # fmt: skip
            value = value  # NumPy truncates when writing, as PyTorch does
        # Out of place, self broadcasts to the mask's shape too (masked_fill_ checks its shape).
        shape = _shape_ops.broadcast_shapes(self._data.shape, mask._data.shape)
        x = self if shape == self._data.shape else self.expand(shape)
        out = binary.MaskedFill.apply(x, mask, value)
        if isinstance(value, Tensor) and out.grad_fn is not None:
            out.grad_fn.node_name = "MaskedFillBackward1"  # PyTorch's name for a tensor value
        return out

    def lerp(self, end, weight) -> Tensor:
        """self + weight * (end - self)."""
        if isinstance(weight, Tensor):
            return _named(self + weight * (end - self), "LerpBackward1")
        # A number weight as add's alpha: PyTorch keeps it as a plain number, not a saved
        # tensor, so a second backward through lerp accumulates (x * 2 would free its node).
        return _named(self.add(end - self, alpha=weight), "LerpBackward0")

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

    def __rsub__(self, other) -> Tensor:
        x, y = _promote(self, other, "sub")
        if isinstance(y, Tensor):
            return y.sub(x)
        return binary.RSub.apply(x, y)

    __mul__ = mul

    def __rmul__(self, other) -> Tensor:
        return self.mul(other)

    def __truediv__(self, other) -> Tensor:
        return self.div(other)

    def __rtruediv__(self, other) -> Tensor:
        x, y = _promote(self, other, "div")
        if isinstance(y, Tensor):
            return y.div(x)
        return binary.RDiv.apply(x, y)

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

    def __rpow__(self, base) -> Tensor:
        if isinstance(base, Tensor):
            return base.pow(self)
        x, c = _promote(self, base)
        if x._data.dtype.kind in "iub":
            _check_not_bool(x, "pow")
            return _int_power(c, x._data, x._data.dtype)
        return binary.RPow.apply(x, c)

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

    def __invert__(self) -> Tensor:
        if self._data.dtype == np.bool_:
            return Tensor._make(np.logical_not(self._data))
        if self._data.dtype.kind not in "iu":
            raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
        return Tensor._make(np.invert(self._data))

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

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        """True if all |self - other| <= atol + rtol * |other|."""
        _refuse_number(other, "allclose")
        _check_tolerances(rtol, atol)
        return builtins.bool(np.allclose(self._data, _arr(other), rtol, atol, equal_nan))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
        """Elementwise |self - other| <= atol + rtol * |other|."""
        _refuse_number(other, "isclose")
        _check_tolerances(rtol, atol)
        return Tensor._make(np.isclose(self._data, _arr(other), rtol, atol, equal_nan))

    def equal(self, other) -> bool:
        """True if same shape and same values."""
        _need_tensor(other, "equal", "other")
        return self._data.shape == other._data.shape and builtins.bool(
            np.array_equal(self._data, other._data)
        )

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

    def relu(self) -> Tensor:
        """max(self, 0); gradient 0 at 0."""
        if self._data.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        return elementwise.Relu.apply(self)

    def abs(self) -> Tensor:
        """|self|; gradient 0 at 0."""
        if self._data.dtype == np.bool_:
            raise RuntimeError("\"abs_cpu\" not implemented for 'Bool'")
        return elementwise.Abs.apply(self)

    absolute = abs

    def sign(self) -> Tensor:
        """-1, 0 or 1; gradient 0."""
        if self._data.dtype == np.bool_:  # the sign of a bool is itself
            return Tensor._make(self._data.copy())
        return elementwise.Sign.apply(self)

    def reciprocal(self) -> Tensor:
        """1 / self."""
        return elementwise.Reciprocal.apply(self._floating())

    def floor(self) -> Tensor:
        """Round down; gradient 0."""
        return elementwise.Floor.apply(self) if self._data.dtype.kind == "f" else self.clone()

    def ceil(self) -> Tensor:
        """Round up; gradient 0."""
        return elementwise.Ceil.apply(self) if self._data.dtype.kind == "f" else self.clone()

    def round(self, *, decimals: int = 0) -> Tensor:
        """Round half to even; gradient 0."""
        if decimals:
            if self._data.dtype.kind != "f":
                raise NotImplementedError(f'"round_cpu" not implemented for \'{_dtype_word(self)}\'')
            scale = 10.0**decimals
            return (self * scale).round() / scale
        return elementwise.Round.apply(self) if self._data.dtype.kind == "f" else self.clone()

    def trunc(self) -> Tensor:
        """Round toward zero; gradient 0."""
        return elementwise.Trunc.apply(self) if self._data.dtype.kind == "f" else self.clone()

    def frac(self) -> Tensor:
        """self - trunc(self)."""
        if self._data.dtype.kind != "f":
            raise NotImplementedError(f'"frac_cpu" not implemented for \'{_dtype_word(self)}\'')
        return _named(self - self.trunc(), "FracBackward0")

    def erf(self) -> Tensor:
        """The error function."""
        return elementwise.Erf.apply(self._floating())

    def clamp(self, min=None, max=None) -> Tensor:
        """Limit values to [min, max] (bounds inclusive for the gradient)."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        for bound in (min, max):
            if not (bound is None or isinstance(bound, (builtins.int, builtins.float, Tensor,
                                                        np.generic))):  # fmt: skip
                raise TypeError(f"clamp() received an invalid combination of arguments - got "
                                f"({type(bound).__name__})")  # fmt: skip
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            return self._clamp_tensor(min, max)
        x = self
        if self._data.dtype.kind != "f":  # an integer tensor takes the bounds' dtype into account
            x = self._cast(_dt.result_type(self, *[b for b in (min, max) if b is not None]))
            _check_not_bool(x, "clamp_scalar_cpu")
        return elementwise.Clamp.apply(x, min, max)

    clip = clamp

    def _clamp_tensor(self, min, max, only: str = "") -> Tensor:
        """clamp with tensor bounds, all operands in their common dtype, as PyTorch's. Its
        node has edges (x, min, max), or (x, min) / (x, max) for `only` "min" / "max"."""
        if not all(b is None or isinstance(b, Tensor) for b in (min, max)):
            raise TypeError(
                "clamp() received an invalid combination of arguments - got "
                f"(min={type(min).__name__}, max={type(max).__name__}): the bounds must be both "
                "Tensors or both numbers"
            )
        bounds = [b for b in (min, max) if b is not None]
        dtype = _dt.result_type(self, *bounds)
        x, lo, hi = (None if t is None else t._cast(dtype) for t in (self, min, max))
        if only == "min":
            return elementwise.ClampTensor.apply(x, lo)
        if only == "max":
            return elementwise.ClampTensor.apply(x, hi, upper_only=True)
        return elementwise.ClampTensor.apply(x, lo, hi)

    def clamp_min(self, min) -> Tensor:
        """max(self, min)."""
        if isinstance(min, Tensor):
            return _named(self._clamp_tensor(min, None, "min"), "ClampMinBackward1")
        return _named(self.clamp(min=min), "ClampMinBackward0")

    def clamp_max(self, max) -> Tensor:
        """min(self, max)."""
        if isinstance(max, Tensor):
            return _named(self._clamp_tensor(None, max, "max"), "ClampMaxBackward1")
        return _named(self.clamp(max=max), "ClampMaxBackward0")

    def softmax(self, dim: int, dtype=None) -> Tensor:
        """exp(self) / sum(exp(self)) along dim."""
        x = self if dtype is None else self.to(dtype)
        return softmax_ops.Softmax.apply(x._floating(), _norm_dim(dim, self._data.ndim))

    def log_softmax(self, dim: int, dtype=None) -> Tensor:
        """self - logsumexp(self) along dim, computed stably."""
        x = self if dtype is None else self.to(dtype)
        return softmax_ops.LogSoftmax.apply(x._floating(), _norm_dim(dim, self._data.ndim))

    def _floating(self) -> Tensor:
        """Ops like exp promote integer tensors to the default float dtype."""
        if self._data.dtype.kind == "f":
            return self
        return Tensor._make(self._data.astype(_dt.get_default_dtype().np))

    # ------------------------------------------------------------------ reductions

    def sum(self, dim=None, keepdim: bool = False, *, dtype=None, keepdims=None) -> Tensor:
        """Sum over dim (int or tuple; all by default). Ints and bools sum as int64."""
        if keepdims is not None:
            keepdim = _keepdims_alias("sum", keepdim, keepdims)
        dims = _reduce_dims(dim, self._data.ndim)
        out = reduce.Sum.apply(self, dims, keepdim, _accumulate_dtype(self, dtype))
        if (dim is not None or keepdim) and out.grad_fn is not None:
            out.grad_fn.node_name = "SumBackward1"  # PyTorch's name for its `dim` overload
        return out

    def mean(self, dim=None, keepdim: bool = False, *, dtype=None, keepdims=None) -> Tensor:
        """Mean over dim. Needs a floating dtype, as in PyTorch."""
        if keepdims is not None:
            keepdim = _keepdims_alias("mean", keepdim, keepdims)
        if dtype is None and self._data.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_dtype_word(self)}"
            )
        if dtype is not None and _dt.as_dtype(dtype).np.kind != "f":  # an integer mean rounds
            raise RuntimeError(
                "mean(): could not infer output dtype. Optional dtype must be either a floating "
                f"point or complex dtype. Got: {_DTYPE_WORDS[_dt.as_dtype(dtype).np.name]}"
            )
        dims = _reduce_dims(dim, self._data.ndim)
        out = reduce.Mean.apply(self if dtype is None else self.to(dtype), dims, keepdim)
        if (dim is not None or keepdim) and out.grad_fn is not None:
            out.grad_fn.node_name = "MeanBackward1"  # PyTorch's name for its `dim` overload
        return out

    def nansum(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
        """Sum treating NaN as zero."""
        if keepdims is not None:
            keepdim = _keepdims_alias("nansum", keepdim, keepdims)
        return _named(self.where(self.isnan().logical_not(), 0).sum(dim, keepdim),
                      "NansumBackward0")  # fmt: skip

    def prod(self, dim=None, keepdim: bool = False, *, dtype=None, keepdims=None) -> Tensor:
        """Product over dim (one int in PyTorch; all by default)."""
        if keepdims is not None:
            keepdim = _keepdims_alias("prod", keepdim, keepdims)
        dims = _norm_dims(dim, self._data.ndim)
        return reduce.Prod.apply(self, dims, keepdim, _accumulate_dtype(self, dtype))

    def var(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
            keepdims=None) -> Tensor:  # fmt: skip
        """Variance with `correction` (default 1: Bessel's correction)."""
        if keepdims is not None:
            keepdim = _keepdims_alias("var", keepdim, keepdims)
        if isinstance(dim, builtins.bool):  # var(False): `unbiased` passed first, as PyTorch allows
            dim, unbiased = None, dim
        dims, correction = _reduce_dims(dim, self._data.ndim), _correction(unbiased, correction)
        _warn_no_dof(self, dims, correction, "var")
        return reduce.Var.apply(self._floating_for("var"), dims, correction, keepdim,
                                dim is None)  # fmt: skip

    def std(self, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
            keepdims=None) -> Tensor:  # fmt: skip
        """Standard deviation with `correction` (default 1)."""
        if keepdims is not None:
            keepdim = _keepdims_alias("std", keepdim, keepdims)
        if isinstance(dim, builtins.bool):  # std(False): `unbiased` passed first
            dim, unbiased = None, dim
        dims, correction = _reduce_dims(dim, self._data.ndim), _correction(unbiased, correction)
        _warn_no_dof(self, dims, correction, "std")
        return reduce.Std.apply(self._floating_for("std"), dims, correction, keepdim)

    def max(self, dim=None, keepdim: bool = False, *, keepdims=None):
        """Max of all elements; with dim, a (values, indices) named tuple; with a tensor, maximum."""
        if keepdims is not None:
            keepdim = _keepdims_alias("max", keepdim, keepdims)
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None:
            out = reduce.Amax.apply(self, tuple(range(self._data.ndim)), False)
            if out.grad_fn is not None:
                out.grad_fn.node_name = "MaxBackward1"
            return out
        values, indices = reduce.MaxDim.apply(self, _norm_dim(dim, self._data.ndim), keepdim)
        return _MaxResult(values, indices)

    def min(self, dim=None, keepdim: bool = False, *, keepdims=None):
        """Min of all elements; with dim, a (values, indices) named tuple; with a tensor, minimum."""
        if keepdims is not None:
            keepdim = _keepdims_alias("min", keepdim, keepdims)
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None:
            out = reduce.Amin.apply(self, tuple(range(self._data.ndim)), False)
            if out.grad_fn is not None:
                out.grad_fn.node_name = "MinBackward1"
            return out
        values, indices = reduce.MinDim.apply(self, _norm_dim(dim, self._data.ndim), keepdim)
        return _MinResult(values, indices)

    def amax(self, dim=(), keepdim: bool = False, *, keepdims=None) -> Tensor:
        """Max over dims (all if empty); ties share the gradient equally."""
        if keepdims is not None:
            keepdim = _keepdims_alias("amax", keepdim, keepdims)
        _check_reduced_sizes(self, dim, "amax")
        return reduce.Amax.apply(self, _norm_dims(dim if dim != () else None, self._data.ndim),
                                 keepdim)  # fmt: skip

    def amin(self, dim=(), keepdim: bool = False, *, keepdims=None) -> Tensor:
        """Min over dims (all if empty); ties share the gradient equally."""
        if keepdims is not None:
            keepdim = _keepdims_alias("amin", keepdim, keepdims)
        _check_reduced_sizes(self, dim, "amin")
        return reduce.Amin.apply(self, _norm_dims(dim if dim != () else None, self._data.ndim),
                                 keepdim)  # fmt: skip

    def argmax(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
        """Index of the first maximum (over the flattened tensor if dim is None)."""
        if keepdims is not None:
            keepdim = _keepdims_alias("argmax", keepdim, keepdims)
        return _arg_reduce(np.argmax, self, dim, keepdim, "argmax")

    def argmin(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
        """Index of the first minimum (over the flattened tensor if dim is None)."""
        if keepdims is not None:
            keepdim = _keepdims_alias("argmin", keepdim, keepdims)
        return _arg_reduce(np.argmin, self, dim, keepdim, "argmin")

    def logsumexp(self, dim, keepdim: bool = False, *, keepdims=None) -> Tensor:
        """log(sum(exp(self))) over dim, computed stably."""
        if keepdims is not None:
            keepdim = _keepdims_alias("logsumexp", keepdim, keepdims)
        return reduce.Logsumexp.apply(self._floating(), _reduce_dims(dim, self._data.ndim), keepdim)

    def norm(self, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
        """Vector p-norm over dim (2-norm / Frobenius by default)."""
        p = 2 if p in ("fro", None) else p
        if p == "nuc":  # sum of singular values, of the matrices in `dim`
            return linalg.nuclear_norm(self if dtype is None else _widened(self, dtype, "matrix"),
                                       dim, keepdim)  # fmt: skip
        if dtype is None and self._data.dtype.kind != "f":
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                               f"as input. Got {_dtype_word(self)}")  # fmt: skip
        x = self if dtype is None else self.to(dtype)
        return reduce.Norm.apply(x, builtins.float(p), _reduce_dims(dim, self._data.ndim), keepdim)

    # linear algebra: the bodies live in linalg.py (imported here: it imports this module)
    def inverse(self) -> Tensor:
        """The inverse of each square matrix (torch.linalg.inv)."""
        from . import linalg as la

        return la.inverse(self)

    def det(self) -> Tensor:
        """The determinant of each square matrix (torch.linalg.det)."""
        from . import linalg as la

        return la.det(self)

    def logdet(self) -> Tensor:
        """log det of each square matrix: nan for a negative determinant."""
        from . import linalg as la

        return la.logdet(self)

    def slogdet(self):
        """(sign, log|det|) of each square matrix."""
        from . import linalg as la

        return la.slogdet_plain(self)

    def cholesky(self, upper: bool = False) -> Tensor:
        """The Cholesky factor of each positive-definite matrix (lower unless `upper`)."""
        from . import linalg as la

        return la.cholesky(self, upper=upper)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        """The pseudo-inverse of each matrix (torch.linalg.pinv with rtol = rcond)."""
        from . import linalg as la

        return la.pinverse(self, rcond)

    def qr(self, some: bool = True):
        """(Q, R) of each matrix, reduced when `some`."""
        from . import linalg as la

        return la.qr_plain(self, some)

    def svd(self, some: bool = True, compute_uv: bool = True):
        """(U, S, V) of each matrix, V = Vh^T, reduced when `some`."""
        from . import linalg as la

        return la.svd_plain(self, some, compute_uv)

    def all(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
        """True if every element (along dim) is non-zero (uint8 in, uint8 out, as PyTorch)."""
        if keepdims is not None:
            keepdim = _keepdims_alias("all", keepdim, keepdims)
        axis = None if dim is None else _norm_dims(dim, self._data.ndim)
        out = np.all(self._data, axis=axis, keepdims=keepdim)
        return Tensor._make(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)

    def any(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
        """True if some element (along dim) is non-zero (uint8 in, uint8 out, as PyTorch)."""
        if keepdims is not None:
            keepdim = _keepdims_alias("any", keepdim, keepdims)
        axis = None if dim is None else _norm_dims(dim, self._data.ndim)
        out = np.any(self._data, axis=axis, keepdims=keepdim)
        return Tensor._make(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)

    def histc(self, bins: int = 100, min=0, max=0) -> Tensor:
        """Counts in `bins` equal bins over [min, max] (the data's range if min == max)."""
        from .histogram import histc  # histogram.py needs creation.py, which needs this module

        return histc(self, bins, min, max)

    def histogram(self, bins, *, range=None, weight=None, density: bool = False):
        """(hist, bin_edges): counts in `bins` bins (a number, or the edges as a tensor)."""
        from .histogram import histogram

        return histogram(self, bins, range=range, weight=weight, density=density)

    def count_nonzero(self, dim=None) -> Tensor:
        """Number of non-zero elements (along dim)."""
        axis = None if dim is None else _norm_dims(dim, self._data.ndim)
        return Tensor._make(np.asarray(np.count_nonzero(self._data, axis=axis), dtype=np.int64))

    def cumsum(self, dim: int, *, dtype=None) -> Tensor:
        """Running sum along dim."""
        return reduce.Cumsum.apply(self, _norm_dim(dim, self._data.ndim),
                                   _accumulate_dtype(self, dtype))  # fmt: skip

    def cumprod(self, dim: int, *, dtype=None) -> Tensor:
        """Running product along dim."""
        return reduce.Cumprod.apply(self, _norm_dim(dim, self._data.ndim),
                                    _accumulate_dtype(self, dtype))  # fmt: skip

    # shape and construction: tinygrad_nn/_functions_shape.py

    def diag(self, diagonal=0):
        """A 1-D tensor on a diagonal of a matrix, or a matrix's diagonal."""
        return _shape_fns().diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        """The last dim put on the (dim1, dim2) diagonals of a new tensor."""
        return _shape_fns().diag_embed(self, offset, dim1, dim2)

    def diagflat(self, offset=0):
        """The flattened tensor on a diagonal of a matrix."""
        return _shape_fns().diagflat(self, offset)

    def trace(self):
        """Sum of a matrix's main diagonal."""
        return _shape_fns().trace(self)

    def rot90(self, k=1, dims=(0, 1)):
        """Rotate by 90 degrees k times in the plane of dims."""
        return _shape_fns().rot90(self, k, dims)

    def fliplr(self):
        """Reverse dim 1."""
        return _shape_fns().fliplr(self)

    def flipud(self):
        """Reverse dim 0."""
        return _shape_fns().flipud(self)

    def tile(self, *dims):
        """Repeat along each dim (missing leading dims count as 1)."""
        return _shape_fns().tile(self, _shape_args(dims))

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        """Repeat each element (or slice along dim) `repeats` times."""
        return _shape_fns().repeat_interleave(self, repeats, dim, output_size=output_size)

    def ravel(self):
        """The elements as a 1-D tensor."""
        return _shape_fns().ravel(self)

    def take(self, index):
        """Elements of the flattened tensor at index."""
        return _shape_fns().take(self, index)

    def take_along_dim(self, indices, dim=None):
        """gather along dim after broadcasting."""
        return _shape_fns().take_along_dim(self, indices, dim)

    def masked_select(self, mask):
        """The elements where mask is True, as a 1-D tensor."""
        return _shape_fns().masked_select(self, mask)

    def masked_scatter(self, mask, source):
        """The masked places filled in order from source."""
        return _shape_fns().masked_scatter(self, mask, source)

    def masked_scatter_(self, mask, source):
        """In place: masked_scatter."""
        return self._inplace(lambda t: t.masked_scatter(mask, source))

    def index_copy(self, dim, index, source):
        """source's slices written at index along dim."""
        return _shape_fns().index_copy(self, dim, index, source)

    def index_copy_(self, dim, index, source):
        """In place: index_copy."""
        return self._inplace(lambda t: t.index_copy(dim, index, source))

    def index_fill(self, dim, index, value):
        """value written into the slices at index along dim."""
        return _shape_fns().index_fill(self, dim, index, value)

    def index_fill_(self, dim, index, value):
        """In place: index_fill."""
        return self._inplace(lambda t: t.index_fill(dim, index, value))

    def index_put(self, indices, values, accumulate=False):
        """values written (or added) at the index tensors."""
        return _shape_fns().index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        """In place: index_put."""
        return self._inplace(lambda t: t.index_put(indices, values, accumulate))

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """src reduced (sum, prod, mean, amax, amin) into the places index names."""
        return _shape_fns().scatter_reduce(self, dim, index, src, reduce,
                                           include_self=include_self)  # fmt: skip

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        """In place: scatter_reduce."""
        return self._inplace(lambda t: t.scatter_reduce(dim, index, src, reduce,
                                                        include_self=include_self))  # fmt: skip

    def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
        """src written into the slice start:end:step along dim."""
        return _shape_fns().slice_scatter(self, src, dim, start, end, step)

    def tensor_split(self, indices_or_sections, dim=0):
        """Views in nearly equal parts, or split at the indices."""
        return _shape_fns().tensor_split(self, indices_or_sections, dim)

    def hsplit(self, indices_or_sections):
        """tensor_split along dim 1 (0 for 1-D)."""
        return _shape_fns().hsplit(self, indices_or_sections)

    def vsplit(self, indices_or_sections):
        """tensor_split along dim 0."""
        return _shape_fns().vsplit(self, indices_or_sections)

    def dsplit(self, indices_or_sections):
        """tensor_split along dim 2."""
        return _shape_fns().dsplit(self, indices_or_sections)

    def kron(self, other):
        """Kronecker product."""
        return _shape_fns().kron(self, other)

    def cross(self, other, dim=None):
        """Cross product of 3-vectors along dim."""
        return _shape_fns().cross(self, other, dim)

    def vdot(self, other):
        """Dot product of two 1-D tensors."""
        return _shape_fns().vdot(self, other)

    def dist(self, other, p=2):
        """p-norm of self - other."""
        return _shape_fns().dist(self, other, p)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        """beta * self + alpha * (mat1 @ mat2)."""
        return _shape_fns().addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        """In place: addmm."""
        return self._inplace(lambda t: t.addmm(mat1, mat2, beta=beta, alpha=alpha))

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        """beta * self + alpha * (mat @ vec)."""
        return _shape_fns().addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addmv_(self, mat, vec, *, beta=1, alpha=1):
        """In place: addmv."""
        return self._inplace(lambda t: t.addmv(mat, vec, beta=beta, alpha=alpha))

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * self + alpha * sum of batch1[i] @ batch2[i]."""
        return _shape_fns().addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        """In place: addbmm."""
        return self._inplace(lambda t: t.addbmm(batch1, batch2, beta=beta, alpha=alpha))

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        """beta * self + alpha * (batch1 @ batch2)."""
        return _shape_fns().baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
        """In place: baddbmm."""
        return self._inplace(lambda t: t.baddbmm(batch1, batch2, beta=beta, alpha=alpha))

    # sorting, selection, scans: tinygrad_nn/_functions_select.py

    def sort(self, dim=-1, descending=False, *, stable=False):
        """(values, indices) sorted along dim (stable; NaN last)."""
        return _select().sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, *, stable=False):
        """Indices that sort along dim."""
        return _select().argsort(self, dim, descending, stable=stable)

    def msort(self):
        """Sorted along the first dim."""
        return _select().msort(self)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """(values, indices) of the k largest (or smallest) along dim."""
        return _select().topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        """(values, indices) of the k-th smallest along dim."""
        return _select().kthvalue(self, k, dim, keepdim)

    def median(self, dim=None, keepdim=False):
        """Lower median (with dim: values, indices)."""
        return _select().median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        """Lower median ignoring NaN."""
        return _select().nanmedian(self, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        """(values, indices) of the most frequent value along dim."""
        return _select().mode(self, dim, keepdim)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct values (and inverse, counts)."""
        return _select().unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        """Runs of equal values kept once."""
        return _select().unique_consecutive(self, return_inverse, return_counts, dim)

    def bincount(self, weights=None, minlength=0):
        """Counts of each non-negative integer."""
        return _select().bincount(self, weights, minlength)

    def cummax(self, dim):
        """(values, indices) of the running maximum."""
        return _select().cummax(self, dim)

    def cummin(self, dim):
        """(values, indices) of the running minimum."""
        return _select().cummin(self, dim)

    def logcumsumexp(self, dim):
        """Running log-sum-exp along dim."""
        return _select().logcumsumexp(self, dim)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        """Mean of the non-NaN elements."""
        return _select().nanmean(self, dim, keepdim, dtype=dtype)

    def aminmax(self, *, dim=None, keepdim=False):
        """(min, max) over all or along dim."""
        return _select().aminmax(self, dim=dim, keepdim=keepdim)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """q-th quantiles along dim."""
        return _select().quantile(self, q, dim, keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """q-th quantiles ignoring NaN."""
        return _select().nanquantile(self, q, dim, keepdim, interpolation=interpolation)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        """n-th forward difference along dim."""
        return _select().diff(self, n, dim, prepend, append)

    def cov(self, *, correction=1, fweights=None, aweights=None):
        """Covariance of the rows."""
        return _select().cov(self, correction=correction, fweights=fweights, aweights=aweights)

    def corrcoef(self):
        """Correlation coefficients of the rows."""
        return _select().corrcoef(self)

    def _floating_for(self, name: str) -> Tensor:
        if self._data.dtype.kind != "f":
            raise RuntimeError(f"{name}(): only floating point and complex types are supported, "
                               f"got {_dtype_word(self)}")  # fmt: skip
        return self

    # ------------------------------------------------------------------ shape

    def reshape(self, *sizes, shape=None) -> Tensor:
        """The same elements in a new shape (one dim may be -1)."""
        shape = _infer_shape(_shape_args(sizes if shape is None else (shape,)), self._data.size,
                             self._data.shape)  # fmt: skip
        if shape == self._data.shape:
            return movement.View.apply(self, shape) if self._requires_grad else self._alias()
        if self._data.flags.c_contiguous:
            return movement.View.apply(self, shape)
        if _viewable(self._data, shape):  # a view with other strides: PyTorch's _reshape_alias
            return _named(movement.View.apply(self, shape), "ReshapeAliasBackward0")
        # As PyTorch: a copy in contiguous order (CloneBackward0), then that copy in the new
        # shape (UnsafeViewBackward0), which is no view of anything the caller holds.
        out = _named(movement.View.apply(self.contiguous(), shape), "UnsafeViewBackward0")
        out._base, out._vc = None, [0]
        return out

    def view(self, *shape) -> Tensor:
        """Like reshape, but only where no copy is needed (a view); `view(dtype)` reinterprets."""
        if len(shape) == 1 and not isinstance(shape[0], (builtins.int, tuple, list, Size)):
            return Tensor._make(self._data.view(_dt.as_dtype(shape[0]).np))
        shape = _infer_shape(_shape_args(shape), self._data.size, self._data.shape)
        if not self._data.flags.c_contiguous and not _viewable(self._data, shape):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least "
                "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                "instead."
            )
        return movement.View.apply(self, shape)

    def view_as(self, other) -> Tensor:
        """view(other.shape)."""
        return self.view(other._data.shape)

    def reshape_as(self, other) -> Tensor:
        """reshape(other.shape)."""
        return self.reshape(other._data.shape)

    def _alias(self) -> Tensor:
        return movement._as_view_of(Tensor._make(self._data.view()), self)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dims start_dim..end_dim into one."""
        shape = self._data.shape
        if not shape:
            return self.reshape(1)
        start, end = _norm_dim(start_dim, len(shape)), _norm_dim(end_dim, len(shape))
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if start == end:
            return self  # nothing to merge: PyTorch returns the tensor itself, not a view
        merged = 1
        for n in shape[start:end + 1]:
            merged *= n
        return self.reshape(shape[:start] + (merged,) + shape[end + 1:])

    def unflatten(self, dim: int, sizes) -> Tensor:
        """Split dim into `sizes` (one may be -1)."""
        shape = self._data.shape
        d = _norm_dim(dim, len(shape))
        sizes = _infer_shape(tuple(sizes), shape[d], shape)
        return movement.View.apply(self, shape[:d] + sizes + shape[d + 1:])

    def squeeze(self, dim=None) -> Tensor:
        """Drop size-1 dims (all, or the given ones)."""
        shape = self._data.shape
        dims = _norm_dims(dim, len(shape)) if dim is not None else range(len(shape))
        new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
        name = "SqueezeBackward0" if dim is None else \
            "SqueezeBackward2" if isinstance(dim, (tuple, list)) else "SqueezeBackward1"  # fmt: skip
        return movement.View.apply(self, new, name)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a size-1 dim at position dim."""
        shape = self._data.shape
        d = _norm_dim(dim, len(shape) + 1)
        return movement.View.apply(self, shape[:d] + (1,) + shape[d:], "UnsqueezeBackward0")

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dims."""
        n = self._data.ndim
        order = list(range(n))
        a, b = _norm_dim(dim0, n), _norm_dim(dim1, n)
        if n == 0:  # dims 0 and -1 of a 0-d tensor: nothing to swap
            return movement.Permute.apply(self, (), "TransposeBackward0")
        order[a], order[b] = order[b], order[a]
        return movement.Permute.apply(self, tuple(order), "TransposeBackward0")

    swapaxes = swapdims = transpose

    def t(self) -> Tensor:
        """Transpose of a matrix (a 0-d or 1-d tensor is returned as is)."""
        if self._data.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{self._data.ndim}D")  # fmt: skip
        if self._data.ndim < 2:
            return movement.View.apply(self, self._data.shape, "TBackward0")
        return movement.Permute.apply(self, (1, 0), "TBackward0")

    def permute(self, *order, dims=None) -> Tensor:
        """Reorder the dims."""
        dims = _shape_args(order if dims is None else (dims,))
        n = self._data.ndim
        if len(dims) != n:
            raise RuntimeError(
                f"permute(sparse_coo): number of dimensions in the tensor input does not match "
                f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is not "
                f"equal to len(dims) = {len(dims)}"
            )
        return movement.Permute.apply(self, tuple(_norm_dims(list(dims), n) and
                                                  [_norm_dim(d, n) for d in dims]))  # fmt: skip

    def expand(self, *sizes) -> Tensor:
        """Broadcast to a bigger shape without copying (-1 keeps a size)."""
        sizes = _shape_args(sizes)
        shape = self._data.shape
        if len(sizes) < len(shape):
            raise RuntimeError(
                f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
                f"provided ({len(sizes)}) must be greater or equal to the number of dimensions "
                f"in the tensor ({len(shape)})"
            )
        lead = len(sizes) - len(shape)
        target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
        for i, n in enumerate(shape):
            if n != 1 and n != target[lead + i]:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target[lead + i]}) must match the existing "
                    f"size ({n}) at non-singleton dimension {lead + i}.  Target sizes: "
                    f"{list(sizes)}.  Tensor sizes: {list(shape)}"
                )
        return movement.Expand.apply(self, target)

    def expand_as(self, other) -> Tensor:
        """expand(other.shape)."""
        return self.expand(other._data.shape)

    def broadcast_to(self, shape) -> Tensor:
        """expand(shape)."""
        return self.expand(shape)

    def repeat(self, *repeats) -> Tensor:
        """Tile the tensor `repeats` times along each dim."""
        repeats = _shape_args(repeats)
        if len(repeats) < self._data.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                               "number of dimensions of tensor")  # fmt: skip
        return movement.Repeat.apply(self, repeats)

    def flip(self, *order, dims=None) -> Tensor:
        """Reverse the order of elements along dims."""
        if not order and dims is None:
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
        dims = _shape_args(order if dims is None else (dims,))
        return movement.Flip.apply(self, _norm_dims(list(dims), self._data.ndim))

    def roll(self, shifts, dims=None) -> Tensor:
        """Shift elements along dims, wrapping around (all elements, flattened, if dims is None)."""
        if dims is None:
            return self.flatten().roll(shifts, 0).view(self._data.shape)
        shifts = (shifts,) if isinstance(shifts, builtins.int) else tuple(shifts)
        dims = (dims,) if isinstance(dims, builtins.int) else tuple(dims)
        if len(shifts) != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                               f"{len(dims)}")  # fmt: skip
        out = self
        for shift, dim in zip(shifts, dims):
            d = _norm_dim(dim, self._data.ndim)
            n = self._data.shape[d]
            if n:  # the last `shift` elements come first: two slices joined
                k = shift % n
                head = out.narrow(d, n - k, k)
                out = movement.Cat.apply(d, head, out.narrow(d, 0, n - k)) if k else out
        if out is not self and out.grad_fn is not None:
            out.grad_fn.node_name = "RollBackward0"
        return out

    def movedim(self, source, destination) -> Tensor:
        """Move dims from `source` positions to `destination` positions; the rest keep order."""
        n = self._data.ndim
        src = [source] if isinstance(source, builtins.int) else list(source)
        dst = [destination] if isinstance(destination, builtins.int) else list(destination)
        if len(src) != len(dst):
            raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims)"
                               f" should contain the same number of dims as destination ({dst}"
                               " dims)")  # fmt: skip
        given = {"source": src, "destination": dst}
        src, dst = [_norm_dim(d, n) for d in src], [_norm_dim(d, n) for d in dst]
        for name, dims in (("source", src), ("destination", dst)):
            if len(set(dims)) != len(dims):  # two dims cannot land in one place
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({given[name]})")
        order = [None] * n
        for s_, d_ in zip(src, dst):
            order[d_] = s_
        rest = iter(d for d in range(n) if d not in src)
        return self.permute(tuple(o if o is not None else next(rest) for o in order))

    moveaxis = movedim

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """Split into `chunks` pieces (the last may be smaller)."""
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        size = self._data.shape[_norm_dim(dim, self._data.ndim)]
        step = -(-size // chunks) if size else 1
        return self.split(step, dim)

    def split(self, split_size, dim: int = 0) -> tuple:
        """Pieces of `split_size` along dim, or of the listed sizes."""
        d = _norm_dim(dim, self._data.ndim)
        size = self._data.shape[d]
        if isinstance(split_size, builtins.int):
            step = split_size
            sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
        else:
            sizes = list(split_size)
            if builtins.sum(sizes) != size:
                raise RuntimeError(
                    f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                    f"size at dimension {d}), but got split_sizes={sizes}"
                )
        pieces, start = [], 0
        for n in sizes:
            pieces.append(self[(slice(None),) * d + (slice(start, start + n),)])
            start += n
        return _multi_views(tuple(pieces), "Split" if isinstance(split_size, builtins.int) else
                            "SplitWithSizes")  # fmt: skip

    def unbind(self, dim: int = 0) -> tuple:
        """All slices along dim, with that dim removed."""
        d = _norm_dim(dim, self._data.ndim)
        return _multi_views(tuple(self.select(d, i) for i in range(self._data.shape[d])), "Unbind")

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at `index` along dim, with that dim removed."""
        if isinstance(index, builtins.bool) or not isinstance(index, (builtins.int, np.integer,
                                                                       Tensor)):  # fmt: skip
            raise TypeError(f"select(): argument 'index' (position 2) must be int, not "
                            f"{type(index).__name__}")  # fmt: skip
        d = _norm_dim(dim, self._data.ndim)
        n = self._data.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for tensor of size "
                             f"{list(self._data.shape)} at dimension {d}")  # fmt: skip
        return self[(slice(None),) * d + (index,)]

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """The slice start..start+length along dim."""
        d = _norm_dim(dim, self._data.ndim)
        n = self._data.shape[d]
        start, length = _int_of(start), _int_of(length)
        if not -n <= start <= n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but "
                             f"got {start})")  # fmt: skip
        start = start + n if start < 0 else start
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        if start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def __getitem__(self, key) -> Tensor:
        try:
            index = _index_key(key, self._data.shape)
            if len(index) > 1 and not movement._is_basic(index):
                split = _ints_first(index)
                if split is not None:  # PyTorch selects the int dims first, then the rest
                    return movement.Index.apply(movement.Index.apply(self, split[0]), split[1])
            return movement.Index.apply(self, index)
        except IndexError as error:  # NumPy's words ("axis 1") -> PyTorch's ("dimension 1")
            raise _index_error(error, key, self._data.shape) from None

    def __setitem__(self, key, value) -> None:
        try:
            self._setitem(key, value)
        except IndexError as error:
            raise _index_error(error, key, self._data.shape) from None

    def _setitem(self, key, value) -> None:
        key = _index_key(key, self._data.shape)
        if not isinstance(value, (Tensor, builtins.int, builtins.float, np.generic)):
            raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}")
        if len(key) > 1 and not movement._is_basic(key):
            split = _ints_first(key)
            if split is not None:  # as in __getitem__: into the selected view, then the rest
                self[split[0]][split[1]] = value
                return
        if isinstance(value, Tensor) and value._data.dtype != self._data.dtype:
            value = value._cast(self.dtype)
        elif not isinstance(value, Tensor):
            value = _dt.checked_scalar(value, self._data.dtype)
        self._inplace(lambda t: movement.IndexPut.apply(t, key, value))

    def gather(self, dim: int, index) -> Tensor:
        """out[i][j] = self[index[i][j]][j] for dim 0 (and likewise for other dims)."""
        _need_tensor(index, "gather", "index")
        return movement.Gather.apply(self, _norm_dim(dim, self._data.ndim), index)

    def scatter_add(self, dim: int, index, src) -> Tensor:
        """self plus src added at `index` along dim."""
        _need_tensor(index, "scatter_add", "index")
        _need_tensor(src, "scatter_add", "src")
        d = _norm_dim(dim, self._data.ndim)
        _index_checks.check_scatter(index._data, self._data.shape, d, self._data.dtype, src._data)
        return _named(self + movement.ScatterAdd.apply(src, d, index, self._data.shape),
                      "ScatterAddBackward0")  # fmt: skip

    def scatter_add_(self, dim: int, index, src) -> Tensor:
        """In place: src added at `index` along dim."""
        return self._inplace(lambda t: t.scatter_add(dim, index, src))

    def scatter(self, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
        """self with src (a tensor, or a number) written at `index` along dim; with
        reduce='add' or 'multiply', added or multiplied in (no derivative, as in PyTorch)."""
        src = value if src is None else src
        _need_tensor(index, "scatter", "index")
        d = _norm_dim(dim, self._data.ndim)
        if reduce is not None:
            return _scatter_reduce(self, d, index, src, reduce)
        out = movement.Scatter.apply(self, d, index, src)
        return out if isinstance(src, Tensor) else _named(out, "ScatterBackward1")

    def scatter_(self, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
        """In place: src written (or with `reduce`, added or multiplied) at `index` along dim."""
        return self._inplace(lambda t: t.scatter(dim, index, src, value=value, reduce=reduce))

    def index_add(self, dim: int, index, source, *, alpha=1) -> Tensor:
        """self with alpha * source's slices added at the (1-d) `index` along dim."""
        _need_tensor(index, "index_add", "index")
        _need_tensor(source, "index_add", "source")
        d = _norm_dim(dim, self._data.ndim)
        _index_checks.check_index_add(index._data, self._data.shape, d, self._data.dtype,
                                      source._data)  # fmt: skip
        if self._data.ndim == 0:  # one element, which index 0 names: source is 0-d too
            return _named(self + (source if alpha == 1 else source * alpha), "IndexAddBackward0")
        key = (slice(None),) * d + (index._data.reshape(-1),)
        added = movement.IndexAdd.apply(source if alpha == 1 else source * alpha, key,
                                        self._data.shape)  # fmt: skip
        return _named(self + added, "IndexAddBackward0")

    def index_add_(self, dim: int, index, source, *, alpha=1) -> Tensor:
        """In place: alpha * source's slices added at `index` along dim."""
        return self._inplace(lambda t: t.index_add(dim, index, source, alpha=alpha))

    def index_select(self, dim: int, index) -> Tensor:
        """The slices at the (1-d) `index` along dim."""
        _need_tensor(index, "index_select", "index")
        d = _norm_dim(dim, self._data.ndim)
        idx = index._data
        _index_checks.check_index_select(idx, self._data.shape, d)  # no negative indices
        if self._data.ndim == 0:  # the one element, still 0-d
            out = movement.Index.apply(self.reshape(1), (idx.reshape(()),))
        else:
            out = self[(slice(None),) * d + (idx.reshape(-1),)]
        if out.grad_fn is not None:
            out.grad_fn.node_name = "IndexSelectBackward0"
        return out

    def tril(self, diagonal: int = 0) -> Tensor:
        """Zero the elements above the diagonal."""
        _need_matrix(self, "tril")
        return movement.Tril.apply(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """Zero the elements below the diagonal."""
        _need_matrix(self, "triu")
        return movement.Triu.apply(self, diagonal)

    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The diagonal of the last two selected dims."""
        n = self._data.ndim
        letters = "abcdefghijklmnopqrstuvwxyz"[:n]
        a, b = _norm_dim(dim1, n), _norm_dim(dim2, n)
        if a == b:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        x, shape = self, self._data.shape
        if offset > 0:  # the diagonal of the square part that starts `offset` columns in
            x = x.narrow(b, min(offset, shape[b]), max(shape[b] - offset, 0))
        elif offset < 0:
            x = x.narrow(a, min(-offset, shape[a]), max(shape[a] + offset, 0))
        m = min(x._data.shape[a], x._data.shape[b])
        x = x.narrow(a, 0, m).narrow(b, 0, m)
        subs = letters.replace(letters[b], letters[a])
        out = "".join(c for i, c in enumerate(letters) if i not in (a, b)) + letters[a]
        result = linalg.Einsum.apply([subs], out, x)
        if result.grad_fn is not None:
            result.grad_fn.node_name = "DiagonalBackward0"
        return result

    # ------------------------------------------------------------------ linear algebra

    def matmul(self, other) -> Tensor:
        """Matrix product with batch broadcasting (1-d operands are vectors)."""
        _refuse_number(other, "matmul")
        other = _tensor_operand(other, "matmul")
        linalg.check_matmul(self._data, other._data)
        if self._data.ndim <= 2 and other._data.ndim <= 2 and \
                not (self._data.ndim == 1 and other._data.ndim == 2):  # fmt: skip
            return linalg.MatMul.apply(self, other)  # dot, mv, mm: one node
        return _matmul_decomposed(self, other)

    def mm(self, mat2) -> Tensor:
        """Product of two matrices."""
        _need_tensor(mat2, "mm", "mat2")
        if self._data.ndim != 2:
            raise RuntimeError("self must be a matrix")
        if mat2._data.ndim != 2:
            raise RuntimeError("mat2 must be a matrix")
        return self.matmul(mat2)

    def bmm(self, mat2) -> Tensor:
        """Batched product of (b, n, m) and (b, m, p)."""
        _need_tensor(mat2, "bmm", "mat2")
        if self._data.ndim != 3:
            raise RuntimeError("batch1 must be a 3D tensor")
        if mat2._data.ndim != 3:
            raise RuntimeError("batch2 must be a 3D tensor")
        if self._data.shape[0] != mat2._data.shape[0] or self._data.shape[2] != mat2._data.shape[1]:
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: "
                f"[{self._data.shape[0]}, {self._data.shape[2]}] but got: "
                f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}]."
            )
        out = self.matmul(mat2)
        return out

    def mv(self, vec) -> Tensor:
        """Matrix-vector product."""
        _need_tensor(vec, "mv", "vec")
        if self._data.ndim != 2 or vec._data.ndim != 1:
            raise RuntimeError("vector + matrix @ vector expected, got "
                               f"{self._data.ndim}, {vec._data.ndim}")  # fmt: skip
        return self.matmul(vec)

    def dot(self, other) -> Tensor:
        """Inner product of two 1-d tensors."""
        _need_tensor(other, "dot", "other")
        if self._data.ndim != 1 or other._data.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self._data.ndim}D and "
                               f"{other._data.ndim}D tensors")  # fmt: skip
        if self._data.shape != other._data.shape:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{self._data.shape[0]}] and src "
                f"[{other._data.shape[0]}] to have the same number of elements, but got "
                f"{self._data.shape[0]} and {other._data.shape[0]} elements respectively"
            )
        return self.matmul(other)

    def inner(self, other) -> Tensor:
        """Sum over the last dims: out[i.., j..] = sum_k self[i.., k] * other[j.., k]. A 0-d
        operand scales the other instead, as in PyTorch."""
        _need_tensor(other, "inner", "other")
        if self._data.ndim == 0 or other._data.ndim == 0:
            return self * other
        a, b = self._data.shape, other._data.shape
        if a[-1] != b[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                               f"got shapes {list(a)} and {list(b)}")  # fmt: skip
        if self._data.dtype != other._data.dtype:
            raise RuntimeError("both inputs should have same dtype")
        # PyTorch's tensordot: one matrix product of the flattened operands, then a view
        rows = self.reshape(math.prod(a[:-1]), a[-1]) @ other.reshape(math.prod(b[:-1]), b[-1]).t()
        return rows.reshape(a[:-1] + b[:-1])

    def outer(self, vec2) -> Tensor:
        """Outer product of two 1-d tensors."""
        _need_tensor(vec2, "outer", "vec2")
        if self._data.ndim != 1 or vec2._data.ndim != 1:
            raise RuntimeError("outer: expected 1-D tensors")
        return self.unsqueeze(1) * vec2.unsqueeze(0)

    ger = outer

    # ------------------------------------------------------------------ in place

    def _inplace(self, compute) -> Tensor:
        """Run `compute(self)` out of place, then write the result into self's memory.

        When the result is recorded in the graph, self takes over its grad_fn (so later ops
        see the new history) and its version counter is bumped (so nodes that saved the old
        value raise in backward). See inplace.py for the rules and the view case.
        """
        return inplace.apply_inplace(self, compute)

    def add_(self, other, *, alpha=1) -> Tensor:
        """self += alpha * other."""
        _check_no_partial_overlap(self, other)
        return self._inplace(lambda t: t.add(other, alpha=alpha))

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

    # Comparisons and logic in place store 1 or 0 in self's own dtype. They have no gradient:
    # a self in a graph stays in it and passes a zero gradient back, as in PyTorch.

    def eq_(self, other) -> Tensor:
        """self = (self == other), in self's dtype."""
        return _compared_inplace(self, Tensor.eq, other, "EqBackward")

    def ne_(self, other) -> Tensor:
        """self = (self != other), in self's dtype."""
        return _compared_inplace(self, Tensor.ne, other, "NeBackward")

    def lt_(self, other) -> Tensor:
        """self = (self < other), in self's dtype."""
        return _compared_inplace(self, Tensor.lt, other, "LtBackward")

    def le_(self, other) -> Tensor:
        """self = (self <= other), in self's dtype."""
        return _compared_inplace(self, Tensor.le, other, "LeBackward")

    def gt_(self, other) -> Tensor:
        """self = (self > other), in self's dtype."""
        return _compared_inplace(self, Tensor.gt, other, "GtBackward")

    def ge_(self, other) -> Tensor:
        """self = (self >= other), in self's dtype."""
        return _compared_inplace(self, Tensor.ge, other, "GeBackward")

    greater_, greater_equal_, less_, less_equal_, not_equal_ = gt_, ge_, lt_, le_, ne_

    def logical_not_(self) -> Tensor:
        """self = not self, in self's dtype."""
        return self._inplace(lambda t: _overwritten(t, t.logical_not()._data, None))

    def logical_and_(self, other) -> Tensor:
        """self = self and other, in self's dtype."""
        return _compared_inplace(self, Tensor.logical_and, other, None)

    def logical_or_(self, other) -> Tensor:
        """self = self or other, in self's dtype."""
        return _compared_inplace(self, Tensor.logical_or, other, None)

    def logical_xor_(self, other) -> Tensor:
        """self = self xor other, in self's dtype."""
        return _compared_inplace(self, Tensor.logical_xor, other, None)

    # Shape in place: self becomes a view of its own memory with new sizes; nothing is
    # written, but its history gains the view op and its version is bumped, as in PyTorch.

    def t_(self) -> Tensor:
        """self = self.t(), in place."""
        return inplace.apply_view_inplace(self, lambda t: t.t(), "TBackward1")

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        """self = self.transpose(dim0, dim1), in place."""
        return inplace.apply_view_inplace(self, lambda t: t.transpose(dim0, dim1),
                                          "TransposeBackward1")  # fmt: skip

    swapaxes_ = swapdims_ = transpose_

    def squeeze_(self, dim=None) -> Tensor:
        """self = self.squeeze(dim), in place."""
        name = "SqueezeBackward3" if dim is None else \
            "SqueezeBackward5" if isinstance(dim, (tuple, list)) else "SqueezeBackward4"  # fmt: skip
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

    clip_ = clamp_
    absolute_, negative_, multiply_, subtract_ = abs_, neg_, mul_, sub_  # PyTorch's aliases
    divide_ = true_divide_ = div_

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
        return self._inplace(lambda t: _named(binary.Where.apply(
            Tensor._make(np.ones((), np.bool_)), src._cast(t.dtype).expand(t._data.shape), t),
            "torch::autograd::CopyBackwards")
            if (src._requires_grad or t._requires_grad) and _grad_state.enabled else
            Tensor._make(np.broadcast_to(src._data.astype(t._data.dtype), t._data.shape)))  # fmt: skip

    def fill_(self, value) -> Tensor:
        """Set every element to value."""
        if isinstance(value, Tensor):
            if value._data.ndim:
                raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor "
                                   f"with {value._data.ndim} dimensions.")  # fmt: skip
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
        values = sampling.fill_like(self._data, lambda shape, _: sampling.uniform(
            shape, self._data.dtype, a, b, generator))
        return self._inplace(lambda t: _overwritten(t, values, "UniformBackward0"))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
        """Fill with samples from N(mean, std^2): PyTorch's stream for the same seed."""
        values = sampling.fill_like(self._data, lambda shape, contiguous: sampling.normal(
            shape, self._data.dtype, mean, std, generator, contiguous))
        return self._inplace(lambda t: _overwritten(t, values, "NormalBackward0"))

    def random_(self, *args, generator=None, **kwargs) -> Tensor:
        """Fill with integers: `random_()` (the dtype's whole range), `random_(to)` ([0, to))
        or `random_(from, to)` ([from, to); to=None: up to the dtype's top)."""
        low, high, name = _random_bounds(args, kwargs)
        values = sampling.fill_like(self._data, lambda shape, _: sampling.random_(
            shape, self._data.dtype, low, high, generator))
        return self._inplace(lambda t: _overwritten(t, values, name))

    def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
        """Fill with 1 with probability p (a number, or a tensor broadcast to self), else 0."""
        if isinstance(p, Tensor):
            probs = np.broadcast_to(p._data, self._data.shape)
            values = sampling.bernoulli_tensor(probs, generator)
            name = "BernoulliBackward1"
        else:
            values = sampling.fill_like(self._data, lambda shape, _: sampling.bernoulli_scalar(
                shape, p, generator))
            name = "BernoulliBackward2"
        return self._inplace(lambda t: _overwritten(t, values, name))

    def exponential_(self, lambd: float = 1.0, *, generator=None) -> Tensor:
        """Fill with samples from Exp(lambd) (density lambd * exp(-lambd * x))."""
        values = sampling.fill_like(self._data, lambda shape, _: sampling.exponential(
            shape, self._data.dtype, lambd, generator))
        return self._inplace(lambda t: _overwritten(t, values, "ExponentialBackward0"))

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
        """Fill with exp(N(mean, std^2)) samples."""
        values = sampling.fill_like(self._data, lambda shape, _: sampling.log_normal(
            shape, self._data.dtype, mean, std, generator))
        return self._inplace(lambda t: _overwritten(t, values, "LogNormalBackward0"))

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
        """Fill with Cauchy(median, sigma) samples."""
        values = sampling.fill_like(self._data, lambda shape, _: sampling.cauchy(
            shape, self._data.dtype, median, sigma, generator))
        return self._inplace(lambda t: _overwritten(t, values, "CauchyBackward0"))

    def geometric_(self, p: float, *, generator=None) -> Tensor:
        """Fill with Geometric(p) samples: trials up to and including the first success."""
        values = sampling.fill_like(self._data, lambda shape, _: sampling.geometric(
            shape, self._data.dtype, p, generator))
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

    # ------------------------------------------------------------------ new tensors

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Zeros of `size`, with self's dtype by default."""
        _check_device(device)
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Ones of `size`, with self's dtype by default."""
        _check_device(device)
        return self._new(np.ones, size, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Uninitialised tensor of `size`, with self's dtype by default."""
        _check_device(device)
        return self._new(np.empty, size, dtype, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        """`fill_value` everywhere, with self's dtype by default."""
        _check_device(device)
        np_dtype = self._data.dtype if dtype is None else _dt.as_dtype(dtype).np
        return Tensor._make(np.full(tuple(size), fill_value, np_dtype), requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A new tensor from data, with self's dtype by default."""
        _check_device(device)
        if isinstance(data, Tensor):
            warnings.warn(
                "To copy construct from a tensor, it is recommended to use sourceTensor.detach()"
                ".clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
                "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2
            )
        np_dtype = self._data.dtype if dtype is None else _dt.as_dtype(dtype).np
        return Tensor._make(np.array(_arr(data), dtype=np_dtype), requires_grad)

    def _new(self, fill, size, dtype, requires_grad) -> Tensor:
        np_dtype = self._data.dtype if dtype is None else _dt.as_dtype(dtype).np
        shape = _shape_args(size)
        if any(n < 0 for n in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                               f"{list(shape)}")  # fmt: skip
        return Tensor._make(fill(shape, np_dtype), requires_grad)


# ---------------------------------------------------------------------- helpers

    # ---- windows, diagonals, sums to a size and Python callables (_tensor_extras.py)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        """Windows of `size` elements, `step` apart, along `dimension`, in a new last dim."""
        return _extras().unfold(self, dimension, size, step)

    def fill_diagonal_(self, fill_value, wrap: bool = False) -> Tensor:
        """Write `fill_value` on the main diagonal, in place."""
        return _extras().fill_diagonal_(self, fill_value, wrap)

    def sum_to_size(self, *size) -> Tensor:
        """The sum that undoes broadcasting `size` to self's shape."""
        return _extras().sum_to_size(self, *size)

    def apply_(self, callable) -> Tensor:
        """self[i] = callable(self[i]) for every element, in place (not differentiable)."""
        return _extras().apply_(self, callable)

    def map_(self, tensor, callable) -> Tensor:
        """self[i] = callable(self[i], tensor[i]), in place (not differentiable)."""
        return _extras().map_(self, tensor, callable)

    def resize_(self, *size) -> Tensor:
        """A new shape over the same elements in order; added elements are zero."""
        return _extras().resize_(self, *size)

    # ---- elementwise functions beside their ops (ops/elementwise_more.py, binary_more.py)

    def asin(self) -> Tensor:
        """torch.asin(self)."""
        return elementwise_more.asin(self)

    def asin_(self) -> Tensor:
        """self = asin(self), in place."""
        return self._inplace(lambda t: elementwise_more.asin(t))

    def acos(self) -> Tensor:
        """torch.acos(self)."""
        return elementwise_more.acos(self)

    def acos_(self) -> Tensor:
        """self = acos(self), in place."""
        return self._inplace(lambda t: elementwise_more.acos(t))

    def atan(self) -> Tensor:
        """torch.atan(self)."""
        return elementwise_more.atan(self)

    def atan_(self) -> Tensor:
        """self = atan(self), in place."""
        return self._inplace(lambda t: elementwise_more.atan(t))

    def sinh(self) -> Tensor:
        """torch.sinh(self)."""
        return elementwise_more.sinh(self)

    def sinh_(self) -> Tensor:
        """self = sinh(self), in place."""
        return self._inplace(lambda t: elementwise_more.sinh(t))

    def cosh(self) -> Tensor:
        """torch.cosh(self)."""
        return elementwise_more.cosh(self)

    def cosh_(self) -> Tensor:
        """self = cosh(self), in place."""
        return self._inplace(lambda t: elementwise_more.cosh(t))

    def asinh(self) -> Tensor:
        """torch.asinh(self)."""
        return elementwise_more.asinh(self)

    def asinh_(self) -> Tensor:
        """self = asinh(self), in place."""
        return self._inplace(lambda t: elementwise_more.asinh(t))

    def acosh(self) -> Tensor:
        """torch.acosh(self)."""
        return elementwise_more.acosh(self)

    def acosh_(self) -> Tensor:
        """self = acosh(self), in place."""
        return self._inplace(lambda t: elementwise_more.acosh(t))

    def atanh(self) -> Tensor:
        """torch.atanh(self)."""
        return elementwise_more.atanh(self)

    def atanh_(self) -> Tensor:
        """self = atanh(self), in place."""
        return self._inplace(lambda t: elementwise_more.atanh(t))

    def arcsin(self) -> Tensor:
        """torch.arcsin(self)."""
        return elementwise_more.asin(self)

    def arcsin_(self) -> Tensor:
        """self = arcsin(self), in place."""
        return self._inplace(lambda t: elementwise_more.asin(t))

    def arccos(self) -> Tensor:
        """torch.arccos(self)."""
        return elementwise_more.acos(self)

    def arccos_(self) -> Tensor:
        """self = arccos(self), in place."""
        return self._inplace(lambda t: elementwise_more.acos(t))

    def arctan(self) -> Tensor:
        """torch.arctan(self)."""
        return elementwise_more.atan(self)

    def arctan_(self) -> Tensor:
        """self = arctan(self), in place."""
        return self._inplace(lambda t: elementwise_more.atan(t))

    def arcsinh(self) -> Tensor:
        """torch.arcsinh(self)."""
        return elementwise_more.asinh(self)

    def arcsinh_(self) -> Tensor:
        """self = arcsinh(self), in place."""
        return self._inplace(lambda t: elementwise_more.asinh(t))

    def arccosh(self) -> Tensor:
        """torch.arccosh(self)."""
        return elementwise_more.acosh(self)

    def arccosh_(self) -> Tensor:
        """self = arccosh(self), in place."""
        return self._inplace(lambda t: elementwise_more.acosh(t))

    def arctanh(self) -> Tensor:
        """torch.arctanh(self)."""
        return elementwise_more.atanh(self)

    def arctanh_(self) -> Tensor:
        """self = arctanh(self), in place."""
        return self._inplace(lambda t: elementwise_more.atanh(t))

    def exp2(self) -> Tensor:
        """torch.exp2(self)."""
        return elementwise_more.exp2(self)

    def exp2_(self) -> Tensor:
        """self = exp2(self), in place."""
        return self._inplace(lambda t: elementwise_more.exp2(t))

    def erfc(self) -> Tensor:
        """torch.erfc(self)."""
        return elementwise_more.erfc(self)

    def erfc_(self) -> Tensor:
        """self = erfc(self), in place."""
        return self._inplace(lambda t: elementwise_more.erfc(t))

    def erfinv(self) -> Tensor:
        """torch.erfinv(self)."""
        return elementwise_more.erfinv(self)

    def erfinv_(self) -> Tensor:
        """self = erfinv(self), in place."""
        return self._inplace(lambda t: elementwise_more.erfinv(t))

    def lgamma(self) -> Tensor:
        """torch.lgamma(self)."""
        return elementwise_more.lgamma(self)

    def lgamma_(self) -> Tensor:
        """self = lgamma(self), in place."""
        return self._inplace(lambda t: elementwise_more.lgamma(t))

    def digamma(self) -> Tensor:
        """torch.digamma(self)."""
        return elementwise_more.digamma(self)

    def digamma_(self) -> Tensor:
        """self = digamma(self), in place."""
        return self._inplace(lambda t: elementwise_more.digamma(t))

    def sinc(self) -> Tensor:
        """torch.sinc(self)."""
        return elementwise_more.sinc(self)

    def sinc_(self) -> Tensor:
        """self = sinc(self), in place."""
        return self._inplace(lambda t: elementwise_more.sinc(t))

    def logit(self, eps=None) -> Tensor:
        """torch.logit(self, eps)."""
        return elementwise_more.logit(self, eps)

    def logit_(self, eps=None) -> Tensor:
        """self = logit(self, eps), in place."""
        return self._inplace(lambda t: elementwise_more.logit(t, eps))

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None) -> Tensor:
        """torch.nan_to_num(self, nan, posinf, neginf)."""
        return elementwise_more.nan_to_num(self, nan, posinf, neginf)

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None) -> Tensor:
        """self = nan_to_num(self, nan, posinf, neginf), in place."""
        return self._inplace(lambda t: elementwise_more.nan_to_num(t, nan, posinf, neginf))

    def sgn(self) -> Tensor:
        """torch.sgn(self)."""
        return elementwise_more.sgn(self)

    def sgn_(self) -> Tensor:
        """self = sgn(self), in place."""
        return self._inplace(lambda t: elementwise_more.sgn(t))

    def deg2rad(self) -> Tensor:
        """torch.deg2rad(self)."""
        return elementwise_more.deg2rad(self)

    def deg2rad_(self) -> Tensor:
        """self = deg2rad(self), in place."""
        return self._inplace(lambda t: elementwise_more.deg2rad(t))

    def rad2deg(self) -> Tensor:
        """torch.rad2deg(self)."""
        return elementwise_more.rad2deg(self)

    def rad2deg_(self) -> Tensor:
        """self = rad2deg(self), in place."""
        return self._inplace(lambda t: elementwise_more.rad2deg(t))

    def signbit(self) -> Tensor:
        """torch.signbit(self)."""
        return elementwise_more.signbit(self)

    def isposinf(self) -> Tensor:
        """torch.isposinf(self)."""
        return elementwise_more.isposinf(self)

    def isneginf(self) -> Tensor:
        """torch.isneginf(self)."""
        return elementwise_more.isneginf(self)

    def polygamma(self, n: int) -> Tensor:
        """The n-th derivative of digamma at self."""
        return elementwise_more.polygamma(n, self)

    def polygamma_(self, n: int) -> Tensor:
        """self = polygamma(n, self), in place."""
        return self._inplace(lambda t: elementwise_more.polygamma(n, t))

    def atan2(self, other) -> Tensor:
        """torch.atan2(self, other)."""
        return binary_more.atan2(self, other)

    def atan2_(self, other) -> Tensor:
        """self = atan2(self, other), in place."""
        return self._inplace(lambda t: binary_more.atan2(t, other))

    def arctan2(self, other) -> Tensor:
        """torch.arctan2(self, other)."""
        return binary_more.atan2(self, other)

    def arctan2_(self, other) -> Tensor:
        """self = arctan2(self, other), in place."""
        return self._inplace(lambda t: binary_more.atan2(t, other))

    def hypot(self, other) -> Tensor:
        """torch.hypot(self, other)."""
        return binary_more.hypot(self, other)

    def hypot_(self, other) -> Tensor:
        """self = hypot(self, other), in place."""
        return self._inplace(lambda t: binary_more.hypot(t, other))

    def xlogy(self, other) -> Tensor:
        """torch.xlogy(self, other)."""
        return binary_more.xlogy(self, other)

    def xlogy_(self, other) -> Tensor:
        """self = xlogy(self, other), in place."""
        return self._inplace(lambda t: binary_more.xlogy(t, other))

    def copysign(self, other) -> Tensor:
        """torch.copysign(self, other)."""
        return binary_more.copysign(self, other)

    def copysign_(self, other) -> Tensor:
        """self = copysign(self, other), in place."""
        return self._inplace(lambda t: binary_more.copysign(t, other))

    def ldexp(self, other) -> Tensor:
        """torch.ldexp(self, other)."""
        return binary_more.ldexp(self, other)

    def ldexp_(self, other) -> Tensor:
        """self = ldexp(self, other), in place."""
        return self._inplace(lambda t: binary_more.ldexp(t, other))

    def heaviside(self, values) -> Tensor:
        """torch.heaviside(self, values)."""
        return binary_more.heaviside(self, values)

    def heaviside_(self, values) -> Tensor:
        """self = heaviside(self, values), in place."""
        return self._inplace(lambda t: binary_more.heaviside(t, values))

    def bitwise_and(self, other) -> Tensor:
        """torch.bitwise_and(self, other)."""
        return binary_more.bitwise_and(self, other)

    def bitwise_and_(self, other) -> Tensor:
        """self = bitwise_and(self, other), in place."""
        return self._inplace(lambda t: binary_more.bitwise_and(t, other))

    def bitwise_or(self, other) -> Tensor:
        """torch.bitwise_or(self, other)."""
        return binary_more.bitwise_or(self, other)

    def bitwise_or_(self, other) -> Tensor:
        """self = bitwise_or(self, other), in place."""
        return self._inplace(lambda t: binary_more.bitwise_or(t, other))

    def bitwise_xor(self, other) -> Tensor:
        """torch.bitwise_xor(self, other)."""
        return binary_more.bitwise_xor(self, other)

    def bitwise_xor_(self, other) -> Tensor:
        """self = bitwise_xor(self, other), in place."""
        return self._inplace(lambda t: binary_more.bitwise_xor(t, other))

    def bitwise_not(self) -> Tensor:
        """torch.bitwise_not(self)."""
        return binary_more.bitwise_not(self)

    def bitwise_not_(self) -> Tensor:
        """self = bitwise_not(self), in place."""
        return self._inplace(lambda t: binary_more.bitwise_not(t))

    def logaddexp(self, other) -> Tensor:
        """torch.logaddexp(self, other)."""
        return binary_more.logaddexp(self, other)

    def logaddexp2(self, other) -> Tensor:
        """torch.logaddexp2(self, other)."""
        return binary_more.logaddexp2(self, other)

    def fmax(self, other) -> Tensor:
        """torch.fmax(self, other)."""
        return binary_more.fmax(self, other)

    def fmin(self, other) -> Tensor:
        """torch.fmin(self, other)."""
        return binary_more.fmin(self, other)

    def float_power(self, exponent) -> Tensor:
        """torch.float_power(self, exponent)."""
        return binary_more.float_power(self, exponent)

    def float_power_(self, exponent) -> Tensor:
        """self = float_power(self, exponent), in place."""
        return self._inplace(lambda t: binary_more.float_power(t, exponent))

    def float_power_(self, exponent) -> Tensor:
        """self = float_power(self, exponent), in place; self must be float64."""
        return binary_more._float_power_(self, exponent)


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If "
    "you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. "
    "See github.com/pytorch/pytorch/pull/30531 for more information."
)

_MaxResult = __import__("collections").namedtuple("max", ["values", "indices"])
_MinResult = __import__("collections").namedtuple("min", ["values", "indices"])


def _rebuild(data, requires_grad):
    return Tensor._make(data, requires_grad)


def _arr(v):
    return v._data if isinstance(v, Tensor) else v


def _norm_dim(dim, ndim: int) -> int:
    return _shape_ops.normalize_dim(dim, ndim)


def _norm_dims(dim, ndim: int) -> tuple:
    return _shape_ops.normalize_dims(dim, ndim)


def _extras():
    """The windows/diagonal/callable methods' module (imported late: it builds on this one)."""
    from . import _tensor_extras

    return _tensor_extras


def _shape_fns():
    """The shape-and-construction module (imported late: it builds on this one)."""
    from . import _functions_shape

    return _functions_shape


def _select():
    """The sorting/selection module (imported late: it builds on this one)."""
    from . import _functions_select

    return _functions_select


def _matmul_decomposed(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for the other ranks, recorded as PyTorch's matmul decomposes it into mm, mv or
    bmm and views (same grad_fn names and edges): a vector on the left becomes a 1-row
    matrix; a stack of matrices times a matrix or vector folds the stack into the rows of one
    matrix (through the transposes when the stack is on the right); else both operands are
    expanded to the common batch shape and multiplied as a batch."""
    da, db = a._data.ndim, b._data.ndim
    if da == 1 and db == 2:
        return _named(linalg.MatMul.apply(a.unsqueeze(0), b).squeeze(0), "SqueezeBackward4")
    if da == db == 3 and (a._data.shape[0] == 1) != (b._data.shape[0] == 1):
        single = a if a._data.shape[0] == 1 else b
        if single._requires_grad:
            # A stack of one matrix that needs a gradient: PyTorch drops its batch dim and
            # folds the other stack (its gradient then needs no sum over an expanded batch).
            return a.squeeze(0).matmul(b) if single is a else a.matmul(b.squeeze(0))
    if _should_fold(a, b):
        transpose = db > da
        t1 = b.mT if transpose else a
        t2 = (a.t() if da == 2 else a) if transpose else b
        rows = t1._data.shape[:-1]
        out_shape = rows + t2._data.shape[1:]  # (..., p) for a matrix t2, (...) for a vector
        folded = t1.reshape(math.prod(rows), t1._data.shape[-1])
        out = _named(linalg.MatMul.apply(folded, t2).reshape(out_shape), "UnsafeViewBackward0")
        return out.mT.contiguous() if transpose and t2._data.ndim == 2 else out
    n, m1 = (a._data.shape[-2] if da > 1 else 1), a._data.shape[-1]
    m2, p = (b._data.shape[-2], b._data.shape[-1]) if db > 1 else (b._data.shape[0], 1)
    batch = _shape_ops.broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
    size = math.prod(batch)
    left = a.expand(batch + (n, m1)).reshape(size, n, m1)
    right = b.expand(batch + (m2, p)).reshape(size, m2, p)
    out_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    return _named(linalg.MatMul.apply(left, right).reshape(out_shape), "UnsafeViewBackward0")


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """PyTorch's choice (should_fold) to multiply a stack of matrices by a matrix or vector as
    one mm: when the smaller operand requires grad, or the stack folds into rows without a
    copy. A stack on the right is looked at transposed, as the fold would use it."""
    a_larger = a._data.ndim >= b._data.ndim
    big = a._data if a_larger else np.swapaxes(b._data, -1, -2)
    small = b if a_larger else a
    if not (big.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if a._data.ndim == 2:  # mm of the transposed stack, then a transposed copy: not worth it
        return False
    if big.size == 0:
        return True
    shape, strides = big.shape, big.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))


def _viewable(array: np.ndarray, shape: tuple) -> bool:
    """True if `array` can take `shape` without a copy (same memory, new strides)."""
    try:
        array.reshape(shape, copy=False)
    except ValueError:  # NumPy would have to copy
        return False
    return True


def _reduce_dims(dim, ndim: int) -> tuple:
    """The dims a reduction works on: an empty tuple or list means all of them, as None does."""
    if dim.__class__ in (tuple, list) and not dim:
        dim = None
    return _shape_ops.normalize_dims(dim, ndim)


def _warn_no_dof(t: Tensor, dims: tuple, correction, name: str) -> None:
    count = 1
    for d in dims:
        count *= t._data.shape[d]
    if count - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3
        )


def _shape_args(args: tuple) -> tuple:
    """Accept both f(2, 3) and f((2, 3)) / f([2, 3]) / f(Size)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, (builtins.int, np.integer)) or isinstance(a, builtins.bool):
            if isinstance(a, Tensor) and a._data.ndim == 0 and a._data.dtype.kind in "iu":
                continue
            raise TypeError(f"expected a sequence of integers, but got an element of type "
                            f"{type(a).__name__}")  # fmt: skip
    return tuple(builtins.int(a) for a in args)


def _infer_shape(shape: tuple, numel: int, old_shape: tuple) -> tuple:
    """Resolve one -1 in `shape`; RuntimeError naming both shapes if sizes do not match."""
    known, infer = 1, None
    for i, n in enumerate(shape):
        if n == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif n < 0:
            raise RuntimeError(f"invalid shape dimension {n}")
        else:
            known *= n
    if infer is not None:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


_DTYPE_WORDS = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
                "bool": "Bool", "float16": "Half", "int16": "Short", "int8": "Char",
                "uint8": "Byte"}  # fmt: skip


def _dtype_word(t: Tensor) -> str:
    return _DTYPE_WORDS[t._data.dtype.name]


def _accumulate_dtype(t: Tensor, dtype):
    """sum/prod/cumsum of ints and bools accumulate in int64, as PyTorch does."""
    if dtype is not None:
        return _dt.as_dtype(dtype).np
    return np.int64 if t._data.dtype.kind in "iub" else None


def _check_alpha(x: Tensor, alpha) -> None:
    if isinstance(alpha, builtins.float) and x._data.dtype.kind in "iub":
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )


def _check_no_partial_overlap(t: Tensor, other) -> None:
    """`x.add_(x[0])` would read values it already overwrote: refused, as in PyTorch (which
    checks contiguous operands only; the same memory in the same layout is fine)."""
    if not isinstance(other, Tensor) or other._data is t._data:
        return
    a, b = t._data, other._data
    if not (a.flags.c_contiguous and b.flags.c_contiguous and np.may_share_memory(a, b)):
        return
    if a.ctypes.data == b.ctypes.data and a.shape == b.shape and a.dtype == b.dtype:
        return
    raise RuntimeError(
        "unsupported operation: some elements of the input tensor and the written-to tensor "
        "refer to a single memory location. Please clone() the tensor before performing the "
        "operation."
    )


def _multi_views(pieces: tuple, op: str) -> tuple:
    """Tag the views split/chunk/unbind return: PyTorch refuses in-place changes to them.
    PyTorch makes them in one node; each piece's node here shows that node's name."""
    for i, piece in enumerate(pieces):
        if piece.grad_fn is not None:
            piece._multi_view = (op, i)
            piece.grad_fn.node_name = f"{op}Backward0"
    return pieces


def _keepdims_alias(name: str, keepdim, keepdims) -> bool:
    """NumPy's `keepdims`, which PyTorch's argument parser takes for `keepdim` on its native
    reductions (not on `norm`, written in Python there). Given both, no signature matches."""
    if keepdim is not False:  # a keepdim left at its default cannot be told from False
        raise TypeError(f"{name}() got an unexpected keyword argument 'keepdims'")
    if keepdims.__class__ is not builtins.bool:  # NumPy's bool is refused too, as there
        kind = type(keepdims)
        where = "" if kind.__module__ == "builtins" else kind.__module__ + "."
        raise TypeError(f"{name}(): argument 'keepdim' must be bool, not {where}{kind.__name__}")
    return keepdims


def _check_reduced_sizes(t: Tensor, dim, name: str) -> None:
    """An explicitly named dim of size 0 has no max: IndexError, as PyTorch raises."""
    if dim not in ((), None):
        for d in _norm_dims(dim, t._data.ndim):
            if t._data.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _compared_inplace(t: Tensor, compare, other, name) -> Tensor:
    """t.eq_(other) and the like: the comparison's 1s and 0s written into t. `name` is the
    node PyTorch records (suffix 0 for a number, 1 for a tensor), None where it has none."""
    if name is not None:
        name += "1" if isinstance(other, Tensor) else "0"
    return t._inplace(lambda old: _overwritten(old, compare(old, other)._data, name))


def _check_inplace_dtype(t: Tensor, dtype, name: str) -> None:
    """cumsum_(dtype=...) cannot change the dtype of the tensor it writes into, and has no
    bool kernel (the out-of-place op counts bools in int64)."""
    if t._data.dtype == np.bool_:
        raise NotImplementedError(f'"{name}_out_cpu" not implemented for \'Bool\'')
    if dtype is not None and _dt.as_dtype(dtype).np != t._data.dtype:
        words = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
                 "bool": "bool", "float16": "c10::Half", "int16": "short int",
                 "int8": "signed char", "uint8": "unsigned char"}  # PyTorch's C++ type names
        raise RuntimeError(f"Bad in-place call: input tensor dtype {words[t._data.dtype.name]} "
                           f"and output tensor dtype {words[_dt.as_dtype(dtype).np.name]} "
                           "should match")  # fmt: skip


def _overwritten(t: Tensor, values: np.ndarray, name: str) -> Tensor:
    """`values` in t's place. If t is in a graph, the result stays in it and sends t a zero
    gradient, as PyTorch's fill_/zero_/copy_ do (t keeps requires_grad); `name` is the
    node PyTorch records for it."""
    new = Tensor._make(np.asarray(values, dtype=t._data.dtype))
    if not t._requires_grad:
        return new
    return _named(binary.Where.apply(Tensor._make(np.ones((), np.bool_)), new, t), name)


def _random_bounds(args: tuple, kwargs: dict) -> tuple:
    """(low, high, node name) of random_'s three overloads, as PyTorch's binding reads them:
    one argument is `to`; `from` with to=None reaches the top of the dtype."""
    names = ("from", "to")
    if len(args) > 2 or set(kwargs) - set(names):
        raise TypeError("random_() received an invalid combination of arguments")
    bound = dict(zip(names, args)) if len(args) == 2 else {"to": args[0]} if args else {}
    bound.update(kwargs)
    if not bound:
        return None, None, "RandomBackward2"
    if "from" not in bound:
        return 0, bound["to"], "RandomBackward1"
    return bound["from"], bound.get("to"), "RandomBackward0"


def _scatter_reduce(x: Tensor, dim: int, index: Tensor, src, reduce: str) -> Tensor:
    """scatter(..., reduce=): PyTorch's deprecated form, kept for its callers."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if isinstance(src, Tensor):
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will "
                      "be removed in a future PyTorch release. Use torch.scatter_reduce instead "
                      "for more reduction options.", UserWarning, stacklevel=3)  # fmt: skip
    return movement.ScatterReduce.apply(x, dim, index, src, reduce)


def _named(t: Tensor, name: str) -> Tensor:
    """Show PyTorch's node name for a result composed of several of our ops."""
    if t.grad_fn is not None:
        t.grad_fn.node_name = name
    return t


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _promote(x: Tensor, y, op: str = ""):
    """Bring the operands of a binary op to PyTorch's result dtype (see dtypes.py).

    `op` is "sub" or "div" where those ops have rules of their own: no bool subtraction,
    and true division of integers gives the default float dtype.
    """
    if op == "sub" and (x._data.dtype.kind == "b" or y.__class__ is not Tensor or
                        y._data.dtype.kind == "b"):  # fmt: skip
        _check_bool_sub(x, y)
    if isinstance(y, Tensor):
        if x._data.dtype == y._data.dtype and (op != "div" or x._data.dtype.kind == "f"):
            return x, y
        dt = _dt.result_type(x, y)
    elif y.__class__ in (builtins.float, builtins.int, builtins.bool):
        kind = x._data.dtype.kind
        if kind == "f":
            return x, y  # the common case: the scalar does not change the dtype
        if kind in "iu" and y.__class__ is builtins.int and op != "div":
            return x, _wrapped_int(y, x._data.dtype)
        dt = _dt.result_type(x, y)
    elif isinstance(y, np.generic):
        return _promote(x, y.item(), op)
    elif isinstance(y, np.ndarray):
        return _promote(x, Tensor._make(y), op)
    else:
        raise TypeError(f"unsupported operand type for a Tensor op: '{type(y).__name__}'")
    if op == "div" and not dt.is_floating_point:
        dt = _dt.get_default_dtype()
    x = x._cast(dt)
    return x, (y._cast(dt) if isinstance(y, Tensor) else y)


def _wrapped_int(value: int, dtype: np.dtype) -> int:
    """A Python int meeting a narrow integer tensor, wrapped into its dtype's range as
    PyTorch's cast does (uint8 + -1 adds 255, modulo 256); NumPy would raise OverflowError."""
    if dtype.itemsize == 8:
        return value
    span = 1 << (8 * dtype.itemsize)
    low = -(span >> 1) if dtype.kind == "i" else 0
    return value if low <= value < low + span else (value - low) % span + low


def _check_bool_sub(x: Tensor, y) -> None:
    if x._data.dtype == np.bool_ or y.__class__ is builtins.bool or (
        isinstance(y, Tensor) and y._data.dtype == np.bool_
    ):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _check_not_bool(x: Tensor, kernel: str) -> None:
    """PyTorch has no bool kernel for pow, floor division, remainder or clamp."""
    if x._data.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _check_int_divisor(x: Tensor, y, kernel: str) -> None:
    """Integer division by zero raises in PyTorch (floats give inf or nan instead)."""
    if x._data.dtype.kind in "iub":
        _check_not_bool(x, f"{kernel}_cpu")
        if np.any(np.asarray(_arr(y)) == 0):
            raise RuntimeError("ZeroDivisionError")


def _int_power(base, exponent, dtype: np.dtype) -> Tensor:
    """base ** exponent in an integer dtype, as PyTorch computes it (no gradient).

    A negative exponent gives 1 for base 1, +-1 for base -1 and 0 otherwise (the integer
    part of 1 / base ** -exponent), where NumPy would raise.
    """
    base, exponent = np.asarray(base, dtype), np.asarray(exponent, dtype)
    out = np.power(base, np.maximum(exponent, 0) if dtype.kind == "i" else exponent)
    if dtype.kind == "i" and np.any(exponent < 0):
        odd = np.where(exponent % 2 == 0, 1, -1)
        small = np.where(base == 1, 1, np.where(base == -1, odd, 0))
        out = np.where(exponent < 0, small, out)
    return Tensor._make(np.asarray(out, dtype))


def _tensor_operand(other, name: str) -> Tensor:
    if isinstance(other, Tensor):
        return other
    if isinstance(other, (builtins.int, builtins.float, builtins.bool, np.ndarray, np.generic)):
        return Tensor._make(np.asarray(other))
    raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")


def _widened(t: Tensor, dtype, kind: str) -> Tensor:
    """t cast to a norm's `dtype=`, which may widen (float32 -> float64) but not narrow."""
    dtype = _dt.as_dtype(dtype)
    if t._data.dtype.kind == "f" and dtype.np.itemsize < t._data.dtype.itemsize:
        raise RuntimeError(f"linalg.{kind}_norm: the dtype of the input ({_dtype_word(t)}) "
                           "should be convertible without narrowing to the specified dtype "
                           f"({_DTYPE_WORDS[dtype.np.name]})")  # fmt: skip
    return t.to(dtype)


def _check_tolerances(rtol, atol) -> None:
    """isclose/allclose: a negative tolerance is a caller's mistake, refused as in PyTorch."""
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value}")


def _refuse_number(other, name: str) -> None:
    """Ops with no Scalar overload in PyTorch (maximum, logical_and, isclose, ...) take only
    tensors: a Python number is PyTorch's TypeError."""
    if other.__class__ in (builtins.float, builtins.int, builtins.bool, builtins.complex):
        raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")


def _operand_like(other, like: Tensor, name: str) -> Tensor:
    """A Python number takes `like`'s dtype by PyTorch's scalar rule (a float32 tensor's
    `minimum(0.0)` stays float32, even 0-d); anything else as `_tensor_operand`."""
    if other.__class__ in (builtins.float, builtins.int, builtins.bool):
        return _as_tensor_like(other, like)
    return _tensor_operand(other, name)


def _as_tensor_like(other, like: Tensor) -> Tensor:
    if isinstance(other, Tensor):
        return other
    return Tensor._make(np.asarray(other, dtype=_dt.result_type(like, other).np))


def _compare(fn, x: Tensor, y) -> Tensor:
    if isinstance(y, Tensor):
        _shape_ops.check_shape_matches(x._data.shape, y._data.shape)
        return Tensor._make(fn(x._data, y._data))
    if y is None or isinstance(y, (str, list, tuple)):  # x == [1, 2] is False, as PyTorch's
        return NotImplemented if fn in (np.equal, np.not_equal) else _type_error(fn, y)
    return Tensor._make(fn(x._data, _arr(y)))


def _type_error(fn, y):
    raise TypeError(f"'{fn.__name__}' not supported between a Tensor and {type(y).__name__}")


def _bitwise(fn, x: Tensor, y) -> Tensor:
    b = _arr(y)
    if x._data.dtype.kind not in "iub" or np.asarray(b).dtype.kind not in "iub":
        kernel = {"left_shift": "lshift", "right_shift": "rshift"}.get(fn.__name__, fn.__name__)
        # PyTorch names the dtype the operands promote to (int << 1.5 runs a Float kernel)
        known = isinstance(y, Tensor) or y.__class__ in (builtins.int, builtins.float)
        word = _DTYPE_WORDS[_dt.result_type(x, y).np.name] if known else _dtype_word(x)
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for \'{word}\'')
    return Tensor._make(fn(x._data, b))


def _check_castable(t: Tensor, other) -> None:
    """`x <<= 1.5` on an integer x: the result's dtype is refused before any kernel runs."""
    if isinstance(other, Tensor) or other.__class__ in (builtins.int, builtins.float):
        result = _dt.result_type(t, other).np
        if "biuf".index(result.kind) > "biuf".index(t._data.dtype.kind):
            raise RuntimeError(f"result type {_DTYPE_WORDS[result.name]} can't be cast to the "
                               f"desired output type {_dtype_word(t)}")  # fmt: skip


def _rounded_div(x: Tensor, y, mode: str) -> Tensor:
    a, b = _promote(x, y)
    if mode not in ("trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{mode}'")  # fmt: skip
    bv = _arr(b)
    if a._data.dtype.kind in "iub":
        _check_int_divisor(a, b, f"div_{mode}")
        q = np.floor_divide(a._data, bv)
        if mode == "trunc":
            q = np.where((q < 0) & (np.mod(a._data, bv) != 0), q + 1, q)
        return Tensor._make(np.asarray(q, a._data.dtype))
    return binary.RoundedDiv.apply(a, b, mode)


def _arg_reduce(fn, t: Tensor, dim, keepdim: bool, name: str) -> Tensor:
    a = t._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if a.size == 0 and dim is None:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                         "== 0.")  # fmt: skip
    if a.size == 0 and a.shape[_norm_dim(dim, a.ndim)] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {_norm_dim(dim, a.ndim)} to have "
                         "non-zero size.")  # fmt: skip
    if dim is None:
        out = np.asarray(fn(a.reshape(-1)), dtype=np.int64)
        return Tensor._make(out.reshape((1,) * a.ndim) if keepdim else out)
    d = _norm_dim(dim, a.ndim)
    return Tensor._make(np.asarray(fn(a, axis=d, keepdims=keepdim) if a.ndim else
                                   np.zeros((), np.int64), dtype=np.int64))  # fmt: skip


def _as_mask(mask, name: str) -> Tensor:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{mask._data.dtype}")  # fmt: skip
    return mask


def _broadcast_check(shape: tuple, target: tuple, name: str) -> None:
    if not _shape_ops.is_expandable_to(shape, target):
        raise RuntimeError(
            f"{name}: the shape {list(shape)} cannot be broadcast to the tensor's shape "
            f"{list(target)}"
        )


def _need_tensor(value, op: str, name: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(value).__name__}")


def _need_matrix(t: Tensor, name: str) -> None:
    if t._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def _index_key(key, shape: tuple) -> tuple:
    """Turn a Python index into a NumPy one: Tensors and lists become arrays, checked."""
    if key.__class__ is builtins.int or key.__class__ is slice:
        key = (key,)
    elif key.__class__ is list and _list_is_tuple(key):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
            "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this "
            "will be interpreted as tensor index, x[torch.tensor(seq)], which will result "
            "either in an error or a different result", UserWarning, stacklevel=3
        )
        key = tuple(key)
    elif not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            # A 0-d integer tensor indexes like a Python int (a view), as in PyTorch.
            k = builtins.int(k._data) if k._data.ndim == 0 and k._data.dtype.kind in "iu" \
                else k._data  # fmt: skip
            if k.__class__ is np.ndarray and k.dtype == np.uint8:  # a byte tensor is a mask
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                              "dtype torch.bool instead.", UserWarning, stacklevel=3)  # fmt: skip
                k = k.astype(np.bool_)
        elif isinstance(k, (list, tuple, range)):  # a sequence in a tuple is an index tensor
            k = np.asarray(k)
            if k.size == 0:
                k = k.astype(np.int64)
        elif isinstance(k, np.integer):
            k = builtins.int(k)
        if isinstance(k, np.ndarray):
            if k.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif isinstance(k, slice):
            if k.step is not None and _int_of(k.step) <= 0:
                raise ValueError("step must be greater than zero")
            k = slice(_int_of(k.start), _int_of(k.stop), _int_of(k.step))
        elif isinstance(k, str):
            raise TypeError(f"new(): invalid data type '{type(k).__name__}'")
        elif not (k is None or k is Ellipsis or isinstance(k, builtins.int)):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(k).__name__})"
            )
        out.append(k)
    return tuple(out)


def _list_is_tuple(key: list) -> bool:
    """PyTorch reads `x[[0, 1], [2, 3]]`-style lists (holding sequences, tensors, slices,
    None or ...) as a tuple of indices, and `x[[0, 1]]` as one index."""
    return len(key) < 32 and any(
        isinstance(k, (Tensor, list, tuple, range, slice, np.ndarray)) or k is None or
        k is Ellipsis
        for k in key
    )


def _ints_first(key: tuple):
    """Split an index mixing ints and arrays as PyTorch applies it: the ints select first
    (removing their dims), then the arrays index what is left. NumPy would count the ints
    as arrays, which moves the result's dims (`x[0, :, [1, 2]]` is (2, n) there, (n, 2)
    here). Returns (select key, rest key), or None if no int is mixed in."""
    if not any(k.__class__ is builtins.int for k in key):
        return None
    first, rest = [], []
    for k in key:
        if k.__class__ is builtins.int:
            first.append(k)
        elif k is None or k.__class__ is builtins.bool:  # they add a dim, consuming none
            rest.append(k)
        elif k is Ellipsis:
            first.append(k)
            rest.append(k)
        else:
            first.extend([slice(None)] * (k.ndim if k.__class__ is np.ndarray and
                                          k.dtype == np.bool_ else 1))  # fmt: skip
            rest.append(k)
    return tuple(first), tuple(rest)


def _index_error(error: IndexError, key, shape: tuple) -> IndexError:
    """The error PyTorch raises for `key` on a tensor of `shape`, checked in PyTorch's order:
    the count of indices, the ints, the masks' shapes, the index tensors' broadcast, their
    values. `error` itself (NumPy's) if none of these finds the fault."""
    if not shape and key.__class__ is builtins.int:
        return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                          "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    try:
        key = _index_key(key, shape)
    except IndexError:
        return error
    if builtins.sum(k is Ellipsis for k in key) > 1:  # PyTorch's reading of several is its own; keep NumPy's error
        return error
    if not shape and any(k.__class__ is slice for k in key):
        return IndexError("slice() cannot be applied to a 0-dim tensor.")
    consumed = [_dims_consumed(k) for k in key]
    if builtins.sum(consumed) > len(shape):
        return IndexError(f"too many indices for tensor of dimension {len(shape)}")
    starts, d = [], 0  # the first dim of `shape` each index applies to
    for k, n in zip(key, consumed):
        starts.append(d)
        d += len(shape) - builtins.sum(consumed) if k is Ellipsis else n
    for position, (k, d) in enumerate(zip(key, starts)):  # PyTorch names the tuple position
        if k.__class__ is builtins.int and not -shape[d] <= k < shape[d]:
            return IndexError(f"index {k} is out of bounds for dimension {position} with size "
                              f"{shape[d]}")  # fmt: skip
    return _tensor_index_error(key, starts, shape) or error


def _dims_consumed(k) -> int:
    """How many dims of the indexed tensor one index uses up (a mask: one per its dim)."""
    if k is None or k is Ellipsis or k.__class__ is builtins.bool:
        return 0
    if k.__class__ is np.ndarray and k.dtype == np.bool_:
        return k.ndim
    return 1


def _tensor_index_error(key: tuple, starts: list, shape: tuple):
    """PyTorch's error for the masks and index tensors of `key`, or None. A mask stands for
    one index tensor per dim it covers (its nonzero), as in PyTorch."""
    tensors = []  # (index values, size of the dim they index)
    for k, d in zip(key, starts):
        if k.__class__ is not np.ndarray:
            continue
        if k.dtype == np.bool_:
            for j, n in enumerate(k.shape):
                if n != shape[d + j]:
                    return IndexError(f"The shape of the mask {list(k.shape)} at index {j} does "
                                      "not match the shape of the indexed tensor "
                                      f"{list(shape)} at index {d + j}")  # fmt: skip
            tensors.extend((ix, shape[d + j]) for j, ix in enumerate(np.nonzero(k)))
        else:
            tensors.append((k, shape[d]))
    try:
        values = np.broadcast_arrays(*[t for t, _ in tensors])
    except ValueError:
        shapes = ", ".join(str(list(t.shape)) for t, _ in tensors)
        return IndexError("shape mismatch: indexing tensors could not be broadcast together "
                          f"with shapes {shapes}")  # fmt: skip
    if not values or not values[0].size:
        return None
    # PyTorch checks element by element, each element's indices in order: the first bad
    # pair in that order is the one it names.
    bad = np.stack([(v < -n) | (v >= n) for v, (_, n) in zip(values, tensors)], -1)
    if not bad.any():
        return None
    element, i = divmod(builtins.int(np.argmax(bad.reshape(-1))), len(values))
    value = values[i].reshape(-1)[element]
    return IndexError(f"index {value} is out of bounds for dimension {i} with size "
                      f"{tensors[i][1]}")  # fmt: skip


def _int_of(v):
    if v is None or isinstance(v, builtins.int):
        return v
    if isinstance(v, Tensor):
        return builtins.int(v.item())
    try:
        return operator.index(v)  # a float is refused, as in Python's own slices
    except TypeError:
        raise TypeError("slice indices must be integers or None or have an __index__ method") \
            from None  # fmt: skip


def where(condition, input=None, other=None) -> Tensor:
    """input where condition else other, broadcasting all three.

    With the condition alone, the indices where it is True (`condition.nonzero(as_tuple=True)`).
    """
    if input is None and other is None:
        return _tensor_operand(condition, "where").nonzero(as_tuple=True)
    condition = _as_mask(condition, "where")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor._make(np.asarray(input, dtype=_dt.result_type(input).np))
    if isinstance(input, Tensor):
        x, y = _promote(input, other)
    else:
        y, x = _promote(other, input)
    if not isinstance(x, Tensor):
        x = Tensor._make(np.asarray(x, dtype=y._data.dtype))
    if not isinstance(y, Tensor):
        y = Tensor._make(np.asarray(y, dtype=x._data.dtype))
    _shape_ops.broadcast_shapes(condition._data.shape, x._data.shape, y._data.shape)
    return binary.Where.apply(condition, x, y)


# The ops import Tensor from this module, so they are imported after the class exists.
from . import inplace, sampling  # noqa: E402
from .autograd import engine  # noqa: E402
from .autograd.function import _RemovableHandle  # noqa: E402
from .ops import _index_checks, binary, elementwise, linalg, movement, reduce  # noqa: E402
from .ops import _shape as _shape_ops  # noqa: E402
from .ops import softmax as softmax_ops  # noqa: E402
from .ops import binary_more, elementwise_more  # noqa: E402
