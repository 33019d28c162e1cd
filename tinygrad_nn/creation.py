"""Making tensors: `tensor()` with PyTorch's dtype inference, and the factories.

`tensor([1, 2])` is int64, `tensor([1.0])` float32 (the default float dtype), `tensor([True])`
bool; a NumPy array keeps its dtype. Every factory takes `dtype=`, `device=` and
`requires_grad=`, and accepts its size as `zeros(2, 3)` or `zeros((2, 3))`.
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor, _check_device, _shape_args

_make = Tensor._make


def _finish(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(array)
    if requires_grad:
        if array.dtype.kind not in "fc":  # a factory's wording (the setter's starts "only")
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        t.requires_grad = True
    return t


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dt.get_default_dtype()).np
    if isinstance(dtype, str):
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    return _dt.as_dtype(dtype).np


def _sizes(size: tuple, keyword) -> tuple:
    """A factory's size from `f(2, 3)`, `f((2, 3))` or `f(size=(2, 3))`; no negative sizes."""
    shape = _shape_args(size if keyword is None else (keyword,))
    for n in shape:
        if n < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {n}: {list(shape)}"
            )
    return shape


_PYTHON_SCALARS = frozenset((builtins.float, builtins.int, builtins.bool))


def _infer_np_dtype(data) -> np.dtype:
    """The dtype PyTorch infers for Python data (NumPy arrays keep theirs).

    In a list, each element counts: Python floats are the default float dtype, ints int64,
    bools bool, and NumPy scalars (or tensors) their own dtype; the result is their promotion,
    so `[np.float64(1), 2.0]` is float64 and `[np.int32(1), np.int32(2)]` int32.
    """
    if isinstance(data, (np.ndarray, np.generic)):
        return _dt.from_numpy_dtype(data.dtype).np
    if isinstance(data, Tensor):
        return data._data.dtype
    result, stack = None, [[data]]
    while stack:  # one list at a time, by the classes it holds (fast for long flat lists)
        seq = stack.pop()
        for cls in set(map(type, seq)):
            if cls is list or cls is tuple or cls is range:
                stack.extend(x for x in seq if x.__class__ is cls)
                continue
            if cls in _PYTHON_SCALARS:
                found = [_dt.scalar_dtype(cls(0))]
            elif issubclass(cls, np.ndarray):
                found = [_dt.from_numpy_dtype(x.dtype) for x in seq if x.__class__ is cls]
            elif issubclass(cls, np.generic):
                found = [_dt.from_numpy_dtype(np.dtype(cls))]
            elif issubclass(cls, str):
                raise TypeError(f"new(): invalid data type '{cls.__name__}'")
            elif issubclass(cls, (builtins.float, builtins.int)):  # subclasses, e.g. IntEnum
                found = [_dt.scalar_dtype(0.0 if issubclass(cls, builtins.float) else 0)]
            else:
                raise RuntimeError(f"Could not infer dtype of {cls.__name__}")
            for d in found:
                result = d if result is None else _dt.promote_types(result, d)
    return (result or _dt.get_default_dtype()).np


def _to_array(data, nested: bool = False):
    """Tensors become arrays; inside a list each must hold one element (it is a scalar there,
    as in PyTorch)."""
    if isinstance(data, Tensor):
        if not nested:
            return data._data
        if data._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data._data.reshape(())
    if isinstance(data, (list, tuple)) and not _PYTHON_SCALARS.issuperset(map(type, data)):
        return [_to_array(x, True) for x in data]
    return data


def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory=False) -> Tensor:
    """A new tensor (always a copy) from data, inferring the dtype as PyTorch does."""
    _check_device(device)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()"
            ".clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
    data = _to_array(data)
    try:
        np_dtype = _infer_np_dtype(data) if dtype is None else _dt.as_dtype(dtype).np
        with np.errstate(over="ignore"):  # 1e5 as float16 is inf, silently, as in PyTorch
            array = np.array(data, dtype=np_dtype)
    except OverflowError:  # a Python int out of the integer type's range: PyTorch's rule
        array = _dt.checked_int_array(data, np_dtype)
    except ValueError as e:
        # PyTorch's error for a ragged list, or the empty tensor it makes of one
        array = _ragged(data, np_dtype, inferred=dtype is None)
        if array is None:
            raise ValueError(f"could not make a tensor of this data: {e}") from None
    return _finish(array, requires_grad)


def _length(value):
    """len() of what PyTorch reads as a sequence in nested data (a list, tuple, range, str
    or NumPy array), else None."""
    if isinstance(value, (list, tuple, range, str)):
        return len(value)
    if isinstance(value, np.ndarray) and value.ndim:
        return value.shape[0]
    return None


def _ragged(data, np_dtype: np.dtype, inferred: bool):
    """What PyTorch makes of nested lists NumPy calls inhomogeneous. PyTorch reads the shape
    down the first elements (`[[1, 2], [3]]` is 2 x 2); a tensor with no elements is made
    without looking further (`[[], [1]]` is 2 x 0); otherwise each list is checked against
    that shape, depth first, and the first misfit raises PyTorch's error. None if all fit."""
    if inferred and _has_empty(data):  # an empty list counts as the default float dtype
        np_dtype = _dt.promote_types(_dt.from_numpy_dtype(np_dtype), _dt.get_default_dtype()).np
    shape, first = [], data
    while _length(first) is not None:
        shape.append(_length(first))
        if not shape[-1]:
            break
        first = first[0]
    if 0 in shape:
        return np.zeros(shape, np_dtype)
    stack = [(data, 0)]
    while stack:
        seq, dim = stack.pop()
        if dim == len(shape):
            if _length(seq) is not None:  # a list where the shape has a number
                raise _scalar_error(seq, np_dtype)
            continue
        if _length(seq) is None:
            raise TypeError("not a sequence")
        if len(seq) != shape[dim]:
            raise ValueError(
                f"expected sequence of length {shape[dim]} at dim {dim} (got {len(seq)})"
            )
        stack.extend((item, dim + 1) for item in reversed(seq))
    return None


def _has_empty(data) -> bool:
    """True if some list nested in `data` is empty."""
    stack = [data]
    while stack:
        seq = stack.pop()
        if isinstance(seq, (list, tuple, range)):
            if not seq:
                return True
            stack.extend(seq)
    return False


def _scalar_error(value, np_dtype: np.dtype) -> TypeError:
    """Python's error for converting `value` to one element of `np_dtype`, as PyTorch gets."""
    name = type(value).__name__
    if np_dtype.kind in "fc":
        return TypeError(f"must be real number, not {name}")
    return TypeError(f"'{name}' object cannot be interpreted as an integer")


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like tensor(), but shares memory with a NumPy array (or returns a Tensor) when it can."""
    _check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or _dt.as_dtype(dtype).np == data.dtype):
        return _make(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dt.from_numpy_dtype(array.dtype)
    return _make(array)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False, out=None):
    """A tensor of zeros."""
    _check_device(device)
    return _finish(np.zeros(_sizes(sizes, size), _np_dtype(dtype)), requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False, out=None):
    """A tensor of ones."""
    _check_device(device)
    return _finish(np.ones(_sizes(sizes, size), _np_dtype(dtype)), requires_grad)


def empty(
    *sizes, size=None, dtype=None, device=None, requires_grad: bool = False, memory_format=None
):
    """An uninitialised tensor."""
    _check_device(device)
    return _finish(np.empty(_sizes(sizes, size), _np_dtype(dtype)), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value` (its dtype is inferred from the value)."""
    _check_device(device)
    if dtype is None:
        dtype = _dt.scalar_dtype(
            fill_value.item() if isinstance(fill_value, Tensor) else fill_value
        )
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    value = _dt.checked_scalar(value, _np_dtype(dtype))
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}"
        )
    return _finish(np.full(_sizes(tuple(size), None), value, _np_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The n x m identity matrix."""
    _check_device(device)
    if n < 0 or (m is not None and m < 0):
        bad, name = (n, "n") if n < 0 else (m, "m")
        raise RuntimeError(f"{name} must be greater or equal to 0, got {bad}")
    return _finish(np.eye(n, n if m is None else m, dtype=_np_dtype(dtype)), requires_grad)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 unless a float is given.

    Integer dtypes follow PyTorch: the bounds and step are truncated to integers, and for int64
    the length is counted on those integers (for the narrower types, on the float bounds)."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if dtype is None:
        floating = any(isinstance(v, builtins.float) for v in (start, end, step))
        np_dtype = np.dtype(_dt.get_default_dtype().np if floating else np.int64)
    else:
        np_dtype = np.dtype(_dt.as_dtype(dtype).np)
    _no_bool(np_dtype, "arange_cpu")
    _check_range(builtins.float(start), builtins.float(end), builtins.float(step))
    if np_dtype.kind in "iu":
        values = _int_range(start, end, step, np_dtype == np.int64)
    else:
        n = _range_size((builtins.float(end) - builtins.float(start)) / builtins.float(step))
        values = start + np.arange(n, dtype=np.float64) * step  # in double, as PyTorch
    return _finish(values.astype(np_dtype), requires_grad)


def _no_bool(np_dtype: np.dtype, kernel: str) -> None:
    if np_dtype.kind == "b":
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_range(start: float, end: float, step: float) -> None:
    """PyTorch's checks of arange's bounds (on the bounds as doubles)."""
    if not (step > 0 or step < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        # %g prints a double as C++'s ostream does, which PyTorch's message uses
        raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")


def _range_size(size: float) -> int:
    """A length as PyTorch checks it: finite, not negative, fits in int64."""
    if not 0 <= size <= np.iinfo(np.int64).max:  # also refuses inf and NaN
        raise RuntimeError("invalid size, possible overflow?")
    size = math.ceil(size)
    if size > np.iinfo(np.int64).max:
        raise RuntimeError("invalid size, possible overflow?")
    return size


def _int_range(start, end, step, is_int64: bool) -> np.ndarray:
    """arange for an integer dtype: start + step * i in int64 with bounds and step truncated.
    For int64, PyTorch counts the length on the truncated integers (exact, like ours here);
    for the narrower types, on the float bounds (so 1.0..5.000001 by 2 has 3 elements there)."""
    lo, hi, by = (_as_int64(v) for v in (start, end, step))
    if is_int64:
        if by == 0:  # 0 < |step| < 1 truncates to 0
            raise ValueError("step must be nonzero")
        top = hi - lo + by - (1 if by > 0 else -1)
        n = abs(top) // abs(by) * (1 if (top >= 0) == (by > 0) else -1)  # C's division
        n = _range_size(n)
    else:
        n = _range_size((builtins.float(end) - builtins.float(start)) / builtins.float(step))
    return lo + by * np.arange(n, dtype=np.int64)  # wraps in the narrower types, as in C


def _as_int64(value) -> int:
    """A bound converted as PyTorch's Scalar.to<int64_t>(): truncated, checked for overflow."""
    return builtins.int(_dt.checked_scalar(value, np.dtype(np.int64)))


def _int_bound(value, np_dtype: np.dtype) -> int:
    """A linspace/logspace bound converted to an integer dtype (Scalar.to<T>: truncated,
    unsigned types wrap small negative ints, RuntimeError on overflow)."""
    return builtins.int(_dt.checked_scalar(value, np_dtype))


def _halves(first: float, last: float, steps: int, diff: float | None = None) -> np.ndarray:
    """PyTorch's linspace in doubles: the first half counts up from `first`, the second half
    down from `last`, so both ends are exact. `diff` is last - first as PyTorch computed it."""
    step = (last - first if diff is None else diff) / (steps - 1)
    i = np.arange(steps, dtype=np.float64)
    return np.where(i < steps // 2, first + step * i, last - step * (steps - 1 - i))


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from start to end (both included).

    For an integer dtype PyTorch truncates the bounds first, spaces them in doubles and
    truncates each value; we do the same."""
    _check_device(device)
    np_dtype = np.dtype(_np_dtype(dtype))
    _check_steps(steps, "linspace")
    _no_bool(np_dtype, "linspace_cpu")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if np_dtype.kind in "iu":
        start, end = _int_bound(start, np_dtype), _int_bound(end, np_dtype)
    if steps == 1:
        return _finish(np.array([start], dtype=np_dtype), requires_grad)
    if np_dtype.kind in "iu":
        values = np.trunc(_halves(builtins.float(start), builtins.float(end), steps))
        return _finish(values.astype(np_dtype), requires_grad)
    # PyTorch works in the output dtype and fills the first half forward from start and the
    # second half backward from end; doing the same gives the same rounding.
    start_, end_ = np.asarray(start, np_dtype), np.asarray(end, np_dtype)
    with np.errstate(all="ignore"):  # an infinite end gives nan, silently, as in PyTorch
        step = (end_ - start_) / np.asarray(steps - 1, np_dtype)
        i = np.arange(steps).astype(np_dtype)
        values = np.where(i < steps // 2, start_ + step * i, end_ - step * (steps - 1 - i))
    return _finish(values.astype(np_dtype), requires_grad)


def _check_steps(steps, name: str) -> None:
    if not isinstance(steps, (builtins.int, np.integer)):
        raise TypeError(f"{name}(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")


def logspace(
    start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """base ** linspace(start, end, steps), as PyTorch computes it: the bounds are first
    converted to the output dtype (truncated for an integer one), the exponents are spaced in
    doubles from both ends, and C's pow is applied to each."""
    _check_device(device)
    np_dtype = np.dtype(_np_dtype(dtype))
    _check_steps(steps, "logspace")
    _no_bool(np_dtype, "logspace_cpu")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if steps == 1:  # PyTorch fills base ** start, with start not converted first
        exponents = np.array([builtins.float(start)])
    elif np_dtype.kind in "iu":
        lo, hi = _int_bound(start, np_dtype), _int_bound(end, np_dtype)
        exponents = _halves(builtins.float(lo), builtins.float(hi), steps)
    else:
        lo, hi = np.asarray(start, np_dtype), np.asarray(end, np_dtype)
        # end - start in the dtype itself (float32 for half), then in doubles
        diff = builtins.float(
            hi - lo if np_dtype.itemsize >= 4 else np.float32(hi) - np.float32(lo)
        )
        exponents = _halves(builtins.float(lo), builtins.float(hi), steps, diff)
    values = np.array([_c_pow(builtins.float(base), e) for e in exponents.tolist()])
    with np.errstate(invalid="ignore"):  # NaN or inf into an integer: undefined, as in C
        return _finish(
            np.trunc(values).astype(np_dtype) if np_dtype.kind in "iu" else values.astype(np_dtype),
            requires_grad,
        )


def _c_pow(x: float, y: float) -> float:
    """C's pow (math.pow, but inf or NaN where it would raise)."""
    try:
        return math.pow(x, y)
    except (OverflowError, ValueError):
        with np.errstate(all="ignore"):
            return builtins.float(np.power(x, y))


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros with input's shape and dtype."""
    _check_device(device)
    _check_input(input, "zeros_like")
    return _finish(np.zeros(input._data.shape, _np_dtype(dtype, input.dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones with input's shape and dtype."""
    _check_device(device)
    _check_input(input, "ones_like")
    return _finish(np.ones(input._data.shape, _np_dtype(dtype, input.dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uninitialised, with input's shape and dtype."""
    _check_device(device)
    _check_input(input, "empty_like")
    return _finish(np.empty(input._data.shape, _np_dtype(dtype, input.dtype)), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad=False):
    """fill_value with input's shape and dtype."""
    _check_device(device)
    _check_input(input, "full_like")
    np_dtype = _np_dtype(dtype, input.dtype)
    value = _dt.checked_scalar(fill_value, np_dtype)  # PyTorch's RuntimeError on overflow
    return _finish(np.full(input._data.shape, value, np_dtype), requires_grad)


def _check_input(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
