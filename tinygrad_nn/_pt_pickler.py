"""Writing the pickle of a PyTorch checkpoint: what `torch.load(weights_only=True)` accepts.

Each tensor is pickled as a call PyTorch knows, with its numbers left out of the pickle:

    torch._utils._rebuild_tensor_v2(<storage>, offset, size, stride, requires_grad, OrderedDict())

`persistent_id` turns the storage into ('storage', torch.FloatStorage, key, 'cpu', numel) and
collects its array, which the zip writer stores as `data/<key>`. Tensors that are views of
one NumPy buffer share one storage, as views of one storage do in PyTorch.

`pickle.Pickler` writes a global as "module name" only for an object it can find again under
that name, and PyTorch's names (`torch._utils._rebuild_tensor_v2`) are not ours to import. So
the stand-ins below are pickled under this module's name, and `retarget` then rewrites those
GLOBAL opcodes, found with `pickletools`, to PyTorch's module names.
"""

from __future__ import annotations

import io
import pickle
import pickletools
from collections import Counter, OrderedDict

import numpy as np

from . import dtypes as _dt
from .tensor import Size, Tensor, device


class _Global:
    """A stand-in pickled as GLOBAL '<this module> <attr>', later retargeted to PyTorch's."""

    def __init__(self, module: str, name: str, attr: str | None = None):
        self.module, self.name, self.attr = module, name, attr or name

    def __reduce__(self):
        return self.attr  # "pickle me by reference, as this module's attribute `attr`"

    def __call__(self, *args):
        # Callable only because pickle requires a reduce function to be; never called here.
        raise TypeError(f"{self.module}.{self.name} is a stand-in for pickling only")


_rebuild_tensor_v2 = _Global("torch._utils", "_rebuild_tensor_v2")
_rebuild_parameter = _Global("torch._utils", "_rebuild_parameter")
_torch_Size = _Global("torch", "Size", "_torch_Size")
_torch_device = _Global("torch", "device", "_torch_device")
DoubleStorage = _Global("torch", "DoubleStorage")
FloatStorage = _Global("torch", "FloatStorage")
HalfStorage = _Global("torch", "HalfStorage")
LongStorage = _Global("torch", "LongStorage")
IntStorage = _Global("torch", "IntStorage")
ShortStorage = _Global("torch", "ShortStorage")
CharStorage = _Global("torch", "CharStorage")
ByteStorage = _Global("torch", "ByteStorage")
BoolStorage = _Global("torch", "BoolStorage")

_STORAGE_OF = {
    np.dtype(np.float64): DoubleStorage,
    np.dtype(np.float32): FloatStorage,
    np.dtype(np.float16): HalfStorage,
    np.dtype(np.int64): LongStorage,
    np.dtype(np.int32): IntStorage,
    np.dtype(np.int16): ShortStorage,
    np.dtype(np.int8): CharStorage,
    np.dtype(np.uint8): ByteStorage,
    np.dtype(np.bool_): BoolStorage,
}
# Exact types only: a NumPy float64 is a float, but pickles as a global PyTorch refuses.
_LEAF_TYPES = {type(None), bool, int, float, complex, str, bytes, bytearray}


class _StorageRef:
    """One storage being written: its key and its flat array."""

    def __init__(self, key: str, array: np.ndarray):
        self.key, self.array = key, array


class CheckpointPickler(pickle.Pickler):
    """Pickles `obj` in protocol 2, as `torch.save`; `storages` collects key -> flat array."""

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.storages: dict[str, np.ndarray] = {}
        self._refs: dict[int, tuple] = {}  # id(buffer) -> (buffer, ref): keeps ids valid

    def persistent_id(self, obj):
        """A storage goes into the zip, not into the pickle."""
        if isinstance(obj, _StorageRef):
            kind = _STORAGE_OF[obj.array.dtype]
            return ("storage", kind, obj.key, "cpu", obj.array.size)
        return None

    def reducer_override(self, obj):
        """PyTorch's pickled form of our tensors, dtypes, devices and sizes."""
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, _dt.dtype):
            return obj.name  # found as tinygrad_nn.dtypes.<name>; retargeted to torch.<name>
        if isinstance(obj, device):
            return (_torch_device, (str(obj),))
        if isinstance(obj, Size):
            return (_torch_Size, (tuple(obj),))
        return NotImplemented

    def _reduce_tensor(self, t: Tensor):
        if type(t).__name__ == "Parameter":  # as PyTorch: the plain tensor inside a wrapper
            return (_rebuild_parameter, (Tensor._make(t._data), t.requires_grad, OrderedDict()))
        ref, offset, stride = self._storage(t._data)
        args = (ref, offset, tuple(t.shape), stride, t.requires_grad, OrderedDict())
        return (_rebuild_tensor_v2, args)

    def _storage(self, a: np.ndarray):
        """(storage, element offset, element strides) for `a`, sharing its buffer if it can."""
        root = a
        while isinstance(root.base, np.ndarray):
            root = root.base
        shared = _layout_in(a, root)
        if shared is None:  # write a compact copy of just this tensor
            root = np.array(a, order="C", copy=True)
            shared = (0, tuple(s // a.itemsize for s in root.strides))
        if id(root) not in self._refs:
            ref = _StorageRef(str(len(self.storages)), root.reshape(-1))
            self.storages[ref.key] = ref.array
            self._refs[id(root)] = (root, ref)
        return (self._refs[id(root)][1], *shared)


def _layout_in(a: np.ndarray, root: np.ndarray):
    """(offset, strides) of `a` inside the contiguous buffer `root`, in elements, or None."""
    if a.size == 0 or root.dtype != a.dtype or not root.flags.c_contiguous:
        return None
    if not a.dtype.isnative or a.dtype not in _STORAGE_OF:
        return None
    start = a.ctypes.data - root.ctypes.data
    steps = (start, *a.strides)
    if any(s < 0 or s % a.itemsize for s in steps):
        return None  # reversed or misaligned views: PyTorch's strides are whole elements >= 0
    last = start + sum((n - 1) * s for n, s in zip(a.shape, a.strides))
    if last + a.itemsize > root.nbytes:
        return None
    return start // a.itemsize, tuple(s // a.itemsize for s in a.strides)


def _is_leaf(item) -> bool:
    return type(item) in _LEAF_TYPES or isinstance(item, (_dt.dtype, device))


def check_storable(obj) -> None:
    """Raise TypeError for anything `torch.load(weights_only=True)` could not read back."""
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if id(item) in seen or _is_leaf(item):
            continue
        seen.add(id(item))
        if isinstance(item, Tensor):
            if item._data.dtype not in _STORAGE_OF:
                raise TypeError(f"tinygrad_nn.save cannot store tensors of dtype {item.dtype}")
        elif isinstance(item, dict) and type(item) in (dict, OrderedDict, Counter):
            for key in item:
                if not (_is_leaf(key) or type(key) is tuple):
                    raise TypeError(
                        f"tinygrad_nn.save cannot store a dict key of type {type(key).__name__}"
                    )
            stack.extend(item.keys())
            stack.extend(item.values())
            stack.extend(getattr(item, "__dict__", {}).values())  # a state_dict's _metadata
        elif type(item) in (list, tuple, set, Size):
            stack.extend(item)
        else:
            raise TypeError(
                f"tinygrad_nn.save cannot store an object of type {type(item).__name__}: it "
                "stores tensors, numbers, strings, None, and dicts, lists, tuples and sets of "
                "them (NumPy arrays: wrap them with tinygrad_nn.tensor, or use safetensors)"
            )


def dumps(obj) -> tuple[bytes, dict[str, np.ndarray]]:
    """The pickle of `obj` with PyTorch's global names, and the storages it refers to."""
    check_storable(obj)
    buffer = io.BytesIO()
    pickler = CheckpointPickler(buffer)
    pickler.dump(obj)
    return retarget(buffer.getvalue()), pickler.storages


_OURS = {__name__: None, _dt.__name__: "torch"}


def retarget(data: bytes) -> bytes:
    """Rewrite the GLOBALs naming our stand-ins (and dtypes) to PyTorch's module names."""
    pieces, done = [], 0
    for op, arg, pos in pickletools.genops(data):
        if op.name != "GLOBAL":
            continue
        module, name = arg.split(" ")
        if module not in _OURS:
            continue
        if _OURS[module] is None:
            stand_in = globals()[name]
            module, name = stand_in.module, stand_in.name
        else:
            module = _OURS[module]
        pieces += [data[done:pos], f"c{module}\n{name}\n".encode()]
        done = pos + len(arg) + 2  # past the old "c<module>\n<name>\n" (arg: "module name")
    pieces.append(data[done:])
    return b"".join(pieces)
