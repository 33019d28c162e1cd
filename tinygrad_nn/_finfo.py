"""`torch.finfo` and `torch.iinfo`: the limits of a floating-point or integer dtype.

    torch.finfo(torch.float16).eps     0.0009765625   (the gap from 1.0 to the next float16)
    torch.finfo(torch.float16).max     65504.0
    torch.iinfo(torch.int8).min        -128

The numbers come from NumPy's `finfo`/`iinfo` of the dtype's NumPy type, as Python floats
and ints, which is what PyTorch returns.
"""

from __future__ import annotations

import builtins

import numpy as np

from . import dtypes as _dt


def _checked(kind: str, type, wanted: str, other: str) -> _dt.dtype:
    """The dtype `type` names, or PyTorch's TypeError for a wrong kind or a non-dtype."""
    if type in (builtins.float, builtins.int, builtins.bool):
        type = _dt.as_dtype(type)  # PyTorch maps the Python types, as in dtype= arguments
    if type.__class__ is not _dt.dtype:
        raise TypeError(
            f"{kind}(): argument 'type' (position 1) must be torch.dtype, not "
            f"{builtins.type(type).__name__}"
        )
    if kind == "iinfo" and type is _dt.bool:
        raise TypeError("torch.bool is not supported by torch.iinfo")
    if (kind == "finfo") != type.is_floating_point:
        raise TypeError(
            f"torch.{kind}() requires {wanted} input type. Use torch.{other} to "
            f"handle 'torch.{kind}'"
        )
    return type


_DEFAULT = object()  # finfo() means the default dtype, but finfo(None) is a TypeError


class finfo:
    """Limits of a floating-point dtype (default: the default dtype).

    Same semantics as `torch.finfo`: `bits`, `eps`, `max`, `min`, `tiny` (= `smallest_normal`),
    `resolution` (10 ** -decimal digits) and `dtype` (its name, e.g. 'float16').
    """

    __hash__ = None  # PyTorch's finfo is unhashable, and compares by value

    def __init__(self, type=_DEFAULT):
        d = _dt.get_default_dtype() if type is _DEFAULT else type
        d = _checked("finfo", d, "a floating point", "iinfo")
        info = np.finfo(d.np)
        self.bits = info.bits
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0**-info.precision  # NumPy rounds it to the type (float16)
        self.dtype = d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
            f"tiny={self.tiny:g}, dtype={self.dtype})"
        )


class iinfo:
    """Limits of an integer dtype. Same semantics as `torch.iinfo`: `bits`, `max`, `min`,
    `dtype` (its name, e.g. 'int8')."""

    __hash__ = None

    def __init__(self, type):
        d = _checked("iinfo", type, "an integer", "finfo")
        info = np.iinfo(d.np)
        self.bits = info.bits
        self.max = builtins.int(info.max)
        self.min = builtins.int(info.min)
        self.dtype = d.name

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
