"""Reading PyTorch's pickles without running them: an allow-list unpickler.

`torch.save` writes a pickle in which every tensor is a call, e.g.

    torch._utils._rebuild_tensor_v2(<storage "0">, 0, (3, 2), (2, 1), False, OrderedDict())

where `<storage "0">` is a *persistent id*, ('storage', torch.FloatStorage, '0', 'cpu', 6),
naming a block of raw numbers stored next to the pickle. A pickle can name any importable
function this way (`os.system` included), so `SafeUnpickler.find_class` answers only the
globals PyTorch's own weights-only loader accepts, each mapped to a small function of ours:
the tensor rebuilders, storage types, dtypes, `OrderedDict`, `torch.Size`, `torch.device`
and a few builtins. Any other global raises `RefusedPickle` naming it before anything from
the file can be called. The storages share memory with the tensors made from them, so views
that shared a storage in PyTorch share one NumPy buffer here.
"""

from __future__ import annotations

import copy
import math
import pickle
from collections import Counter, OrderedDict

import numpy as np

from . import dtypes as _dt
from .tensor import Size, Tensor, device


class RefusedPickle(pickle.UnpicklingError, RuntimeError):
    """A checkpoint's pickle is refused: a global outside the allow-list, or corrupt data.

    A `pickle.UnpicklingError`, as PyTorch raises, and a `RuntimeError`, as every other
    problem with a file that `tinygrad_nn.load` reports.
    """


class StorageType:
    """What `torch.FloatStorage` etc. unpickle to here: the element type of a storage."""

    def __init__(self, name: str, np_dtype):
        self.name = name
        self.np = None if np_dtype is None else np.dtype(np_dtype)


class Storage:
    """One flat array of a storage; every tensor rebuilt from it is a view of `array`."""

    def __init__(self, array: np.ndarray):
        self.array = array


class _Constructor:
    """A Python class the pickle may call, e.g. `torch.Size`, behind a fresh object per
    lookup: a BUILD opcode aimed at it then changes this object, never the class itself."""

    def __init__(self, cls):
        self.cls = cls

    def __call__(self, *args):
        return self.cls(*args)


class _TensorType:
    """What `torch.Tensor` / `torch.nn.Parameter` unpickle to (used by _rebuild_from_type_v2)."""

    def __init__(self, is_parameter: bool):
        self.is_parameter = is_parameter


def _view(storage, offset, size, stride, dtype: np.dtype | None = None) -> np.ndarray:
    """`storage` seen with PyTorch's (offset, size, stride), in elements; bounds checked."""
    if not isinstance(storage, Storage):
        raise RefusedPickle(f"a tensor's storage is {type(storage).__name__}, not a storage")
    flat = storage.array if dtype is None else storage.array.view(np.uint8).view(dtype)
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or not all(type(n) is int for n in (offset, *size, *stride)):
        raise RefusedPickle(f"invalid tensor layout: size {size}, stride {stride}")
    if min((offset, *size, *stride), default=0) < 0:
        raise RefusedPickle(f"invalid tensor layout: offset {offset}, size {size}, stride {stride}")
    if math.prod(size) == 0:
        return np.empty(size, flat.dtype)
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= flat.size:  # as_strided would read memory outside the storage
        raise RefusedPickle(
            f"a tensor of size {size}, stride {stride} at offset {offset} needs "
            f"{last + 1} elements, but its storage holds {flat.size}"
        )
    strides = tuple(s * flat.itemsize for s in stride)
    # An ndarray over `flat`'s buffer: its .base is the storage, so saving finds the sharing.
    return np.ndarray(size, flat.dtype, flat, offset * flat.itemsize, strides)


def _rebuild_tensor(storage, storage_offset, size, stride):
    """torch._utils._rebuild_tensor: a tensor viewing `storage`."""
    return Tensor._make(_view(storage, storage_offset, size, stride))


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None
):
    """torch._utils._rebuild_tensor_v2; backward hooks are not restored (nor by PyTorch's
    weights-only loader, which never calls user code)."""
    return Tensor._make(_view(storage, storage_offset, size, stride), bool(requires_grad))


def _rebuild_tensor_v3(
    storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None
):
    """torch._utils._rebuild_tensor_v3: as v2, over an untyped (byte) storage of `dtype`."""
    if not isinstance(dtype, _dt.dtype):
        raise RefusedPickle(f"_rebuild_tensor_v3 got dtype {dtype!r}")
    array = _view(storage, storage_offset, size, stride, dtype.np)
    return Tensor._make(array, bool(requires_grad))


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    """torch._utils._rebuild_parameter(_with_state); extra Python attributes are dropped."""
    from .nn.parameter import Parameter  # here: the nn package imports much of the library

    if not isinstance(data, Tensor):
        raise RefusedPickle(f"a Parameter's data is {type(data).__name__}, not a tensor")
    return Parameter(data, bool(requires_grad))


def _rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: rebuild with `func`, then make it a Parameter."""
    if func not in _REBUILDERS or not isinstance(new_type, _TensorType):
        raise RefusedPickle(f"_rebuild_from_type_v2 got {func!r} and {new_type!r}")
    tensor = func(*args)
    return (
        _rebuild_parameter(tensor, tensor.requires_grad, None) if new_type.is_parameter else tensor
    )


def _encode(text, encoding="latin1"):
    """_codecs.encode, as protocol 2 pickles bytes: only the latin-1 round trip is needed."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise RefusedPickle(f"_codecs.encode called with {type(text).__name__}, {encoding!r}")
    return text.encode("latin1")


_REBUILDERS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3)

_STORAGES = {
    "Double": np.float64,
    "Float": np.float32,
    "Half": np.float16,
    "Long": np.int64,
    "Int": np.int32,
    "Short": np.int16,
    "Char": np.int8,
    "Byte": np.uint8,
    "Bool": np.bool_,
    "BFloat16": None,
    "ComplexFloat": None,
    "ComplexDouble": None,
    "Untyped": np.uint8,
}

# The globals PyTorch's weights-only loader allows that we can rebuild, by "module.name".
# `__builtin__` is protocol 2's spelling of `builtins`.
ALLOWED = {
    "collections.OrderedDict": OrderedDict,
    "collections.Counter": _Constructor(Counter),
    "torch._utils._rebuild_tensor": _rebuild_tensor,
    "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
    "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
    "torch._utils._rebuild_parameter": _rebuild_parameter,
    "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
    "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
    "torch.Tensor": _TensorType(is_parameter=False),
    "torch.nn.parameter.Parameter": _TensorType(is_parameter=True),
    "torch.Size": _Constructor(Size),
    "torch.device": _Constructor(device),
    "_codecs.encode": _encode,
    "builtins.set": set,
    "builtins.bytearray": bytearray,
    "builtins.complex": complex,
}
ALLOWED.update({f"torch.{d.name}": d for d in _dt.ALL})
ALLOWED.update({f"torch.{k}Storage": StorageType(k, v) for k, v in _STORAGES.items()})

# Allowed by PyTorch, but naming things tinygrad_nn does not have.
_UNSUPPORTED = {
    "torch.bfloat16": "tinygrad_nn has no bfloat16 dtype; convert with .float() in PyTorch",
    "torch.complex64": "tinygrad_nn has no complex tensors",
    "torch.complex128": "tinygrad_nn has no complex tensors",
    "torch._utils._rebuild_sparse_tensor": "tinygrad_nn has no sparse tensors",
    "torch.serialization._get_layout": "tinygrad_nn has only strided (dense) tensors",
    "torch._utils._rebuild_qtensor": "tinygrad_nn has no quantized tensors",
    "torch._utils._rebuild_nested_tensor": "tinygrad_nn has no nested tensors",
    "torch._utils._rebuild_meta_tensor_no_storage": "tinygrad_nn has no meta tensors",
}


_MARKERS = (_Constructor, StorageType, _TensorType)


class SafeUnpickler(pickle.Unpickler):
    """An unpickler that can build only plain containers, numbers, strings and tensors.

    Args:
        file: the pickle's bytes, as a binary file.
        load_storage: `(key, np_dtype, numel) -> 1-D ndarray`, called once per storage key.
        on_location: called with each storage's saved location ('cpu', 'cuda:0', ...).
    """

    def __init__(self, file, load_storage=None, on_location=None):
        super().__init__(file, encoding="utf-8")
        self._load_storage = load_storage
        self._on_location = on_location
        self._storages: dict = {}

    def find_class(self, module: str, name: str):
        """The allow-listed object for `module.name`; anything else raises RefusedPickle."""
        module = "builtins" if module == "__builtin__" else module
        full = f"{module}.{name}"
        if full not in ALLOWED and full.startswith("torch.") and name.endswith("Storage"):
            full = f"torch.{name}"  # torch.storage.UntypedStorage, torch.cuda.FloatStorage
        if full in ALLOWED:
            found = ALLOWED[full]
            # Our own markers are copied, so that a BUILD opcode cannot alter the shared ones.
            return copy.copy(found) if isinstance(found, _MARKERS) else found
        if full in _UNSUPPORTED:
            raise RefusedPickle(f"the checkpoint uses {full}: {_UNSUPPORTED[full]}")
        raise RefusedPickle(
            f"refused to unpickle the global '{full}': like torch.load(weights_only=True), "
            "tinygrad_nn.load builds only tensors, numbers, strings and containers, and "
            "nothing from the file was run"
        )

    def persistent_load(self, pid):
        """('storage', storage type, key, location, numel[, view]) -> a shared Storage."""
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] == "storage"):
            raise RefusedPickle(f"unknown persistent id {pid!r}")
        kind, key, location, numel = pid[1:5]
        if len(pid) == 6 and pid[5] is not None:
            raise RefusedPickle("storage views of the pre-1.0 legacy format are not supported")
        valid_kind = isinstance(kind, StorageType) and isinstance(kind.np, (np.dtype, type(None)))
        if not valid_kind or type(numel) is not int or numel < 0:
            raise RefusedPickle(f"invalid storage record {pid!r}")
        if kind.np is None:  # bfloat16 and complex storages
            raise RefusedPickle(
                f"the checkpoint holds a torch.{kind.name}Storage, and tinygrad_nn has no "
                f"{kind.name.lower()} dtype: convert those tensors (e.g. .float()) before saving"
            )
        if self._on_location is not None:
            self._on_location(str(location))
        key = str(key)
        if key not in self._storages:
            self._storages[key] = Storage(self._load_storage(key, kind.np, numel))
        return self._storages[key]
