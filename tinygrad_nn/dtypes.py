"""Data types and PyTorch's type-promotion rules (the only place they live).

A `dtype` wraps a NumPy dtype and adds PyTorch's vocabulary (`is_floating_point`,
`torch.float32`-style names). Promotion differs from NumPy's in one important way:
operands are ranked by *kind* of participation. A dimensioned tensor outranks a 0-d
tensor, which outranks a Python scalar, unless the lower-ranked operand belongs to a
higher *category* (bool < integer < floating). So

    float32 tensor * 2.5            -> float32   (the scalar does not widen it)
    float32 tensor * float64 0-d    -> float32   (neither does a 0-d tensor)
    int64 tensor * 2.5              -> float32   (category jump: default float dtype)
    int32 tensor + int64 tensor     -> int64     (same rank: ordinary promotion)
"""

from __future__ import annotations

import builtins
import math

import numpy as np


class dtype:
    """A tensor element type, e.g. `tinygrad_nn.float32`. Compare with `==` or `is`."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_dtype, category: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = category == FLOAT
        self.is_signed = category == FLOAT or self.np.kind == "i"
        self.itemsize = self.np.itemsize
        self._category = category

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> dtype:
        return self

    def __repr__(self) -> str:
        return f"tinygrad_nn.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def __setstate__(self, state):
        # Dtypes are shared singletons; a checkpoint's BUILD opcode must not rewrite one.
        raise TypeError(f"{self!r} is immutable: unpickling cannot set its state")


BOOL, INT, FLOAT = 0, 1, 2

bool = dtype("bool", np.bool_, BOOL)  # PyTorch's name
uint8 = dtype("uint8", np.uint8, INT)
int8 = dtype("int8", np.int8, INT)
int16 = dtype("int16", np.int16, INT)
int32 = dtype("int32", np.int32, INT)
int64 = dtype("int64", np.int64, INT)
float16 = dtype("float16", np.float16, FLOAT)
float32 = dtype("float32", np.float32, FLOAT)
float64 = dtype("float64", np.float64, FLOAT)

# PyTorch's aliases.
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NUMPY = {d.np: d for d in ALL}
_FROM_PYTHON = {builtins.float: float64, builtins.int: int64, builtins.bool: bool}


def _by_name(name: str) -> dtype:
    return globals()[name]


_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype Python floats become (float32 unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Change the dtype Python floats and float factories (`randn`, `zeros`) give.

    Same semantics as `torch.set_default_dtype`: a floating-point `dtype` object only.
    """
    global _default_float
    if d.__class__ is not dtype:  # PyTorch takes no Python type or NumPy dtype here
        raise TypeError(
            "invalid dtype object: only floating-point types are supported as the default type"
        )
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def as_dtype(d) -> dtype:
    """Accept a `dtype`, a Python type (`float` -> float64, as PyTorch does) or a NumPy dtype."""
    if d.__class__ is dtype:
        return d
    if d in _FROM_PYTHON:
        return _FROM_PYTHON[d]
    if isinstance(d, str):  # np.dtype would take "float32"; PyTorch wants a torch.dtype
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(d).__name__}")
    try:
        return _FROM_NUMPY[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"{d!r} is not a supported dtype") from None


def from_numpy_dtype(np_dtype) -> dtype:
    """The `dtype` for a NumPy dtype; unsupported kinds (complex, strings, objects) raise."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np_dtype}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


# ---------------------------------------------------------------- promotion


def promote_types(a: dtype, b: dtype) -> dtype:
    """Ordinary promotion of two dtypes of equal rank (PyTorch's `torch.promote_types`)."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    return _FROM_NUMPY[np.promote_types(a.np, b.np)]


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar takes when it is an operand: float -> default float."""
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return _default_float
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    # PyTorch's combine_categories: the higher-ranked result wins unless the lower one
    # belongs to a higher category.
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype of an elementwise op on Tensors and Python scalars, by PyTorch's rules."""
    dim_result = zero_result = scalar_result = None
    for x in operands:
        if hasattr(x, "_data"):  # a Tensor
            d = x.dtype
            if x._data.ndim:
                dim_result = d if dim_result is None else promote_types(dim_result, d)
            else:
                zero_result = d if zero_result is None else promote_types(zero_result, d)
        else:
            d = scalar_dtype(x)
            scalar_result = d if scalar_result is None else promote_types(scalar_result, d)
    return _combine(dim_result, _combine(zero_result, scalar_result))


_C_NAMES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "float32": "float",
}


def wrapped_int(value: int, np_dtype: np.dtype) -> int:
    """A Python int meeting a narrow integer tensor, wrapped into its dtype's range as
    PyTorch's cast does (uint8 + -1 adds 255, modulo 256); NumPy would raise OverflowError."""
    if np_dtype.itemsize == 8:
        return value
    span = 1 << (8 * np_dtype.itemsize)
    low = -(span >> 1) if np_dtype.kind == "i" else 0
    return value if low <= value < low + span else (value - low) % span + low


def checked_scalar(value, np_dtype: np.dtype):
    """A Python number stored into an integer tensor, converted as PyTorch converts it: a
    RuntimeError where the value overflows the type, never NumPy's OverflowError. Unsigned
    types also take negative ints down to -max, wrapped (uint8 takes -1 as 255), as PyTorch's
    `checked_convert` does; floats must lie in the type's range before truncation."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return value
    if np_dtype.kind == "f" and np_dtype.itemsize < 8:  # float16, float32: finite must fit
        number = value.item() if isinstance(value, np.generic) else value
        if isinstance(number, (builtins.int, builtins.float)) and abs(number) != math.inf:
            if abs(number) > builtins.float(np.finfo(np_dtype).max):
                _overflow(np_dtype)
        return value
    if np_dtype.kind not in "iu":
        return value
    info = np.iinfo(np_dtype)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, builtins.int):
        high = builtins.int(info.max)
        low = -high if np_dtype.kind == "u" else builtins.int(info.min)
        if low <= value <= high:
            return value % (high + 1) if value < 0 and np_dtype.kind == "u" else value
    elif isinstance(value, builtins.float):
        if value == value and info.min <= value <= info.max:  # value == value: not NaN
            return value
    else:
        return value
    _overflow(np_dtype)


def _overflow(np_dtype: np.dtype):
    raise RuntimeError(
        f"value cannot be converted to type {_C_NAMES.get(np_dtype.name, np_dtype.name)} "
        "without overflow"
    )


def checked_int_array(data, np_dtype: np.dtype) -> np.ndarray:
    """`np.array(data, np_dtype)` for an integer type where NumPy refused a value: each value
    converted by `checked_scalar`'s rule (RuntimeError on overflow, wrapping where PyTorch
    wraps)."""
    flat = np.array(data, dtype=object)
    converted = [checked_scalar(v, np_dtype) for v in flat.reshape(-1).tolist()]
    wide = np.float64 if any(isinstance(v, builtins.float) for v in converted) else np.int64
    return np.array(converted, dtype=wide).astype(np_dtype).reshape(flat.shape)
