"""PyTorch's legacy typed constructors: `FloatTensor`, `LongTensor`, `BoolTensor`, ...

Old scripts (and many lectures) write `torch.FloatTensor([1, 2])`, `torch.LongTensor(3, 4)`,
`isinstance(x, torch.FloatTensor)` and `x.type(torch.DoubleTensor)`. In PyTorch these are not
subclasses of Tensor: every tensor is a `torch.Tensor`, and `isinstance(t, torch.FloatTensor)`
asks whether `t` is a float32 CPU tensor. Here each is a small callable object whose
`__instancecheck__` asks the same question.
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from .tensor import Size, Tensor, device


class LegacyTensorType:
    """One legacy constructor (e.g. `FloatTensor`): a fixed dtype, and a type test for it."""

    is_cuda = False

    def __init__(self, name: str, dtype: _dt.dtype):
        self.__name__ = self.__qualname__ = name
        self.__module__ = "torch"
        self.legacy_dtype = dtype

    @property
    def dtype(self) -> _dt.dtype:
        """The element type this constructor makes (`FloatTensor.dtype` is float32)."""
        return self.legacy_dtype

    def __call__(self, *args, device=None) -> Tensor:
        """`T()`, `T(2, 3)`, `T(size)`, `T(data)` or `T(tensor)` (the tensor itself, no copy)."""
        self._check_device(device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            return self._same_dtype(args[0])
        if len(args) == 1 and not isinstance(args[0], (int, Size)):
            return self._from_data(args[0])
        shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
        return Tensor._make(np.empty(shape if shape else (0,), self.legacy_dtype.np))

    def _check_device(self, device_) -> None:
        if device_ is not None and device(device_).type != "cpu":
            raise RuntimeError(
                f"legacy constructor expects device type: cpu but device type: "
                f"{device(device_).type} was passed"
            )

    def _same_dtype(self, t: Tensor) -> Tensor:
        if t.dtype is not self.legacy_dtype:
            want = self.legacy_dtype
            raise TypeError(
                f"{self.__name__}(): expected a tensor of dtype {want} (got "
                f"{t.dtype}); use .to({want}) to convert"
            )
        return t

    def _from_data(self, data) -> Tensor:
        if isinstance(data, str):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        # LongTensor([1.7]) truncates to [1], as in PyTorch.
        array = np.array(data, dtype=self.legacy_dtype.np)
        if array.ndim == 0 and not isinstance(data, np.ndarray):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        return Tensor._make(array)

    def __instancecheck__(self, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is self.legacy_dtype

    def __getattr__(self, name: str):
        # `torch.FloatTensor.zero_` is Tensor.zero_ in PyTorch too.
        return getattr(Tensor, name)

    def __repr__(self) -> str:
        return f"<class 'torch.{self.__name__}'>"


FloatTensor = LegacyTensorType("FloatTensor", _dt.float32)
DoubleTensor = LegacyTensorType("DoubleTensor", _dt.float64)
HalfTensor = LegacyTensorType("HalfTensor", _dt.float16)
LongTensor = LegacyTensorType("LongTensor", _dt.int64)
IntTensor = LegacyTensorType("IntTensor", _dt.int32)
ShortTensor = LegacyTensorType("ShortTensor", _dt.int16)
CharTensor = LegacyTensorType("CharTensor", _dt.int8)
ByteTensor = LegacyTensorType("ByteTensor", _dt.uint8)
BoolTensor = LegacyTensorType("BoolTensor", _dt.bool)
