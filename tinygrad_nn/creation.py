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
from . import random as _random
from .tensor import Tensor, _check_device, _shape_args

_make = Tensor._make


def _finish(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = _make(array)
    if requires_grad:
        t.requires_grad = True  # the setter refuses integer dtypes, as PyTorch does
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
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"{list(shape)}")  # fmt: skip
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
                found = [_dt.scalar_dtype(builtins.float(0) if issubclass(cls, builtins.float)
                                          else builtins.int(0))]  # fmt: skip
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
            "torch.tensor(sourceTensor).", UserWarning, stacklevel=2
        )
    data = _to_array(data)
    try:
        np_dtype = _infer_np_dtype(data) if dtype is None else _dt.as_dtype(dtype).np
        array = np.array(data, dtype=np_dtype)
    except OverflowError:  # a Python int out of the integer type's range: PyTorch's rule
        array = _dt.checked_int_array(data, np_dtype)
    except ValueError as e:
        raise ValueError(f"could not make a tensor of this data: {e}") from None
    return _finish(array, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like tensor(), but shares memory with a NumPy array (or returns a Tensor) when it can."""
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


def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False,
          memory_format=None):  # fmt: skip
    """An uninitialised tensor."""
    _check_device(device)
    return _finish(np.empty(_sizes(sizes, size), _np_dtype(dtype)), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value` (its dtype is inferred from the value)."""
    _check_device(device)
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor) else
                                 fill_value)  # fmt: skip
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    value = _dt.checked_scalar(value, _np_dtype(dtype))
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")  # fmt: skip
    return _finish(np.full(_sizes(tuple(size), None), value, _np_dtype(dtype)), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """The n x m identity matrix."""
    _check_device(device)
    if n < 0 or (m is not None and m < 0):
        bad, name = (n, "n") if n < 0 else (m, "m")
        raise RuntimeError(f"{name} must be greater or equal to 0, got {bad}")
    return _finish(np.eye(n, n if m is None else m, dtype=_np_dtype(dtype)), requires_grad)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) by step; int64 unless a float is given."""
    _check_device(device)
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        floating = any(isinstance(v, builtins.float) for v in values)
        np_dtype = _dt.get_default_dtype().np if floating else np.int64
    else:
        np_dtype = _dt.as_dtype(dtype).np
    n = math.ceil((end - start) / step)
    return _finish((start + np.arange(n, dtype=np.float64) * step).astype(np_dtype)
                   if np.dtype(np_dtype).kind == "f" else
                   np.arange(start, start + n * step, step)[:n].astype(np_dtype),
                   requires_grad)  # fmt: skip


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """`steps` evenly spaced values from start to end (both included)."""
    _check_device(device)
    np_dtype = _np_dtype(dtype)
    if not isinstance(steps, (builtins.int, np.integer)):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = (v.item() if isinstance(v, Tensor) else v for v in (start, end))
    if steps == 1:
        return _finish(np.array([start], dtype=np_dtype), requires_grad)
    # PyTorch works in the output dtype and fills the first half forward from start and the
    # second half backward from end; doing the same gives the same rounding.
    work = np_dtype if np.dtype(np_dtype).kind == "f" else np.float64
    start_, end_ = np.asarray(start, work), np.asarray(end, work)
    step = (end_ - start_) / np.asarray(steps - 1, work)
    i = np.arange(steps).astype(work)
    values = np.where(i < steps // 2, start_ + step * i, end_ - step * (steps - 1 - i).astype(work))
    return _finish(values.astype(np_dtype), requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:  # fmt: skip
    """base ** linspace(start, end, steps)."""
    exponents = linspace(start, end, steps, dtype=_dt.float64)._data
    return _finish((base**exponents).astype(_np_dtype(dtype)), requires_grad)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Zeros with input's shape and dtype."""
    _check_input(input, "zeros_like")
    return _finish(np.zeros(input._data.shape, _np_dtype(dtype, input.dtype)), requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Ones with input's shape and dtype."""
    _check_input(input, "ones_like")
    return _finish(np.ones(input._data.shape, _np_dtype(dtype, input.dtype)), requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uninitialised, with input's shape and dtype."""
    _check_input(input, "empty_like")
    return _finish(np.empty(input._data.shape, _np_dtype(dtype, input.dtype)), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad=False):
    """fill_value with input's shape and dtype."""
    _check_input(input, "full_like")
    return _finish(np.full(input._data.shape, fill_value, _np_dtype(dtype, input.dtype)),
                   requires_grad)  # fmt: skip


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from U(0, 1)."""
    shape, np_dtype = _sizes(sizes, size), _float_only(dtype, "check_uniform_bounds")
    return _finish(_random.uniform(0.0, 1.0, shape, generator).astype(np_dtype), requires_grad)


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples from N(0, 1)."""
    shape, np_dtype = _sizes(sizes, size), _float_only(dtype, "normal_kernel_cpu")
    return _finish(_random.normal(0.0, 1.0, shape, generator).astype(np_dtype), requires_grad)


def _check_input(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")  # fmt: skip


def _float_only(dtype, kernel: str) -> np.dtype:
    """rand/randn draw floats: PyTorch has no integer kernel for them."""
    np_dtype = np.dtype(_np_dtype(dtype))
    if np_dtype.kind != "f":
        word = {"b": "Bool", "u": "Byte"}.get(np_dtype.kind) or \
            {1: "Char", 2: "Short", 4: "Int", 8: "Long"}[np_dtype.itemsize]  # fmt: skip
        raise NotImplementedError(f'"{kernel}" not implemented for \'{word}\'')
    return np_dtype


def randint(*args, low=None, high=None, size=None, generator=None, dtype=None, device=None,
            requires_grad=False):  # fmt: skip
    """Integers in [low, high): `randint(high, size)` or `randint(low, high, size)`."""
    if size is None:
        *bounds, size = args
    else:
        bounds = list(args)
    bounds += [b for b in (low, high) if b is not None]  # keyword bounds, as PyTorch allows
    if low is not None and high is None and len(bounds) == 1:
        raise TypeError("randint() missing required argument 'high'")
    low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
    if not all(isinstance(b, (builtins.int, np.integer)) for b in (low, high)):
        raise TypeError("randint(): the bounds low and high must be ints")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")  # fmt: skip
    values = _random.integers(low, high, tuple(size), generator)
    return _finish(values.astype(np.int64 if dtype is None else _dt.as_dtype(dtype).np),
                   requires_grad)  # fmt: skip


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _finish(_random.permutation(n, generator).astype(_np_dtype(dtype, _dt.int64)),
                   requires_grad)  # fmt: skip


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """U(0, 1) samples with input's shape and dtype."""
    _check_input(input, "rand_like")
    return rand(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """N(0, 1) samples with input's shape and dtype."""
    _check_input(input, "randn_like")
    return randn(input._data.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, device=None) -> Tensor:
    """Integers in [low, high) with input's shape."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._data.shape, dtype=dtype or input.dtype)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """1 with probability input (elementwise), else 0."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    draws = _random.uniform(0.0, 1.0, input._data.shape, generator) < probs
    return _make(draws.astype(input._data.dtype))


def multinomial(input: Tensor, num_samples: int, replacement=False, *, generator=None):
    """Indices sampled from the rows of `input` (unnormalised probabilities)."""
    rng = _random._rng(generator)
    rows = input._data.reshape(-1, input._data.shape[-1]).astype(np.float64)
    out = [rng.choice(r.size, num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    shape = input._data.shape[:-1] + (num_samples,)
    return _make(np.asarray(out, dtype=np.int64).reshape(shape))
