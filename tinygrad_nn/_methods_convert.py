"""Tensor methods: attributes, conversion between dtypes and to Python, graph control,
and new tensors made from an existing one (`new_zeros` & co). See tensor.py for the list."""

from __future__ import annotations

import builtins
import warnings
import weakref
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt
from ._checks import _DTYPE_WORDS, _dtype_word
from ._method_helpers import _arr, _norm_dim, _shape_args
from ._size_device import NO_ACCELERATOR, Size, _check_device, cuda_request, parse_to
from ._tensor_str import tensor_repr
from .autograd._parity import RemovableHandle as _RemovableHandle
from .autograd.function import is_tensor
from .autograd.grad_mode import _state as _grad_state
from .ops import movement

if TYPE_CHECKING:
    from .tensor import Tensor


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


def get_device(self) -> int:
    """-1: PyTorch's answer for a CPU tensor."""
    return -1


def is_pinned(self, device=None) -> bool:
    """False: there is no pinned (page-locked) memory without an accelerator."""
    return False


def pin_memory(self, device=None):
    """Raises RuntimeError, as PyTorch does without an accelerator."""
    raise RuntimeError(NO_ACCELERATOR)


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
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
        )
    return self._data


def __array__(self, dtype=None, copy=None):
    array = self.numpy()
    return array if dtype is None else array.astype(dtype, copy=False)


def to(self, *args, **kwargs) -> Tensor:
    """Convert dtype (and accept device='cpu'): `to(dtype)`, `to('cpu')`, `to(other)`."""
    copy = kwargs.pop("copy", False)
    dtype = parse_to(args, kwargs)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    result = self if dtype is None else self._cast(_dt.as_dtype(dtype))
    return result.clone() if copy and result is self else result


def _cast(self, dtype: _dt.dtype) -> Tensor:
    """This tensor as `dtype`: itself if it already is; differentiable between floats."""
    if self._data.dtype == dtype.np:
        return self
    if self._requires_grad and _grad_state.enabled and dtype.is_floating_point:
        return movement.Cast.apply(self, dtype.np)
    # 1e5 as float16 is inf, nan as an int some number: silently, as in PyTorch
    with np.errstate(over="ignore", invalid="ignore"):
        return self._make(self._data.astype(dtype.np))


def tensor_type(self, dtype=None):
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


def to_float(self) -> Tensor:
    """As float32."""
    return self._cast(_dt.float32)


def to_double(self) -> Tensor:
    """As float64."""
    return self._cast(_dt.float64)


def to_half(self) -> Tensor:
    """As float16."""
    return self._cast(_dt.float16)


def to_long(self) -> Tensor:
    """As int64."""
    return self._cast(_dt.int64)


def to_int(self) -> Tensor:
    """As int32."""
    return self._cast(_dt.int32)


def to_short(self) -> Tensor:
    """As int16."""
    return self._cast(_dt.int16)


def to_bool(self) -> Tensor:
    """As bool."""
    return self._cast(_dt.bool)


def to_byte(self) -> Tensor:
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
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
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


# Fields a tensor keeps in its __dict__ that tie it to a graph or to other tensors: a copy starts
# without them (a copied `_accumulator` would send the copy's gradients to the original).
_GRAPH_FIELDS = frozenset(
    ("_accumulator", "_grad", "_hooks", "_base", "_retains_grad", "_views", "_multi_view")
)


def __deepcopy__(self, memo):
    if not self.is_leaf:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) "
            "support the deepcopy protocol at the moment."
        )
    new = type(self).__new__(type(self))
    new._init_fields(self._data.copy(), self._requires_grad)
    if is_tensor(new) and hasattr(self, "__dict__"):  # the user's attributes, not the graph's
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in _GRAPH_FIELDS})
    if self._grad is not None:
        new._grad = self._grad.__deepcopy__(memo)
    memo[id(self)] = new
    return new


def detach(self) -> Tensor:
    """A tensor sharing memory and version counter, cut off from the graph."""
    t = self._make(self._data)
    t._version_counter = self._version_counter
    return t


def detach_(self) -> Tensor:
    """Cut this tensor off from the graph, in place."""
    if self._base is not None and self._base._requires_grad:
        raise RuntimeError("Can't detach views in-place. Use detach() instead.")
    self.grad_fn = None
    self._requires_grad = False
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
    value = _dt.checked_scalar(fill_value, np_dtype)  # PyTorch's RuntimeError on overflow
    return self._make(np.full(tuple(size), value, np_dtype), requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor from data, with self's dtype by default."""
    _check_device(device)
    if is_tensor(data):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()"
            ".clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "tensor.new_tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    np_dtype = self._data.dtype if dtype is None else _dt.as_dtype(dtype).np
    return self._make(np.array(_arr(data), dtype=np_dtype), requires_grad)


def _new(self, fill, size, dtype, requires_grad) -> Tensor:
    np_dtype = self._data.dtype if dtype is None else _dt.as_dtype(dtype).np
    shape = _shape_args(size)
    if any(n < 0 for n in shape):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}"
        )
    return self._make(fill(shape, np_dtype), requires_grad)
