"""Small helpers shared by the Tensor methods: dims, shapes, dtype promotion, naming.

`_promote` brings the operands of a binary op to PyTorch's result dtype; the rest
normalise arguments (dims, shapes, masks) the way PyTorch's argument parser does.
"""

from __future__ import annotations

import builtins
import collections
import warnings
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt
from ._checks import _DTYPE_WORDS, _check_bool_sub, _check_int_divisor, _dtype_word, _type_error
from .autograd.function import is_tensor, wrap
from .ops import _shape as _shape_ops, binary, movement
from .ops._names import named as _named  # the methods modules import it from here

if TYPE_CHECKING:
    from .tensor import Tensor


# What max(dim) and min(dim) return: (values, indices) named tuples, as in PyTorch.
_MaxResult = collections.namedtuple("max", ["values", "indices"])
_MinResult = collections.namedtuple("min", ["values", "indices"])


def _arr(v):
    return v._data if is_tensor(v) else v


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


def _shape_args(args: tuple) -> tuple:
    """Accept both f(2, 3) and f((2, 3)) / f([2, 3]) / f(Size)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, (builtins.int, np.integer)) or isinstance(a, builtins.bool):
            if is_tensor(a) and a._data.ndim == 0 and a._data.dtype.kind in "iu":
                continue
            raise TypeError(
                f"expected a sequence of integers, but got an element of type {type(a).__name__}"
            )
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
        shape = shape[:infer] + (numel // known,) + shape[infer + 1 :]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _accumulate_dtype(t: Tensor, dtype):
    """sum/prod/cumsum of ints and bools accumulate in int64, as PyTorch does."""
    if dtype is not None:
        return _dt.as_dtype(dtype).np
    return np.int64 if t._data.dtype.kind in "iub" else None


def _multi_views(pieces: tuple, op: str) -> tuple:
    """Tag the views split/chunk/unbind return (one `Split` node's outputs): PyTorch refuses
    in-place changes to them."""
    for i, piece in enumerate(pieces):
        if piece.grad_fn is not None:
            piece._multi_view = (op, i)
    return pieces


def _compared_inplace(t: Tensor, compare, other, name) -> Tensor:
    """t.eq_(other) and the like: the comparison's 1s and 0s written into t. `name` is the
    node PyTorch records (suffix 0 for a number, 1 for a tensor), None where it has none."""
    if name is not None:
        name += "1" if is_tensor(other) else "0"
    return t._inplace(lambda old: _overwritten(old, compare(old, other)._data, name))


def _overwritten(t: Tensor, values: np.ndarray, name: str) -> Tensor:
    """`values` in t's place. If t is in a graph, the result stays in it and sends t a zero
    gradient, as PyTorch's fill_/zero_/copy_ do (t keeps requires_grad); `name` is the
    node PyTorch records for it."""
    new = wrap(np.asarray(values, dtype=t._data.dtype))
    if not t._requires_grad:
        return new
    return _named(binary.Where.apply(wrap(np.ones((), np.bool_)), new, t), name)


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
    if is_tensor(src):
        warnings.warn(
            "The reduce argument of torch.scatter with Tensor src is deprecated and will "
            "be removed in a future PyTorch release. Use torch.scatter_reduce instead "
            "for more reduction options.",
            UserWarning,
            stacklevel=3,
        )
    return movement.ScatterReduce.apply(x, dim, index, src, reduce)


def _correction(unbiased, correction) -> int:
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _promote(x: Tensor, y, op: str = ""):
    """Bring the operands of a binary op to PyTorch's result dtype (see dtypes.py).

    `op` is "sub" or "div" where those ops have rules of their own: no bool subtraction,
    and true division of integers gives the default float dtype.
    """
    # `y.__class__ is x.__class__` first: the common case, two plain Tensors, without a call.
    y_is_tensor = y.__class__ is x.__class__ or is_tensor(y)
    if op == "sub" and (x._data.dtype.kind == "b" or not y_is_tensor or y._data.dtype.kind == "b"):
        _check_bool_sub(x, y)
    if y_is_tensor:
        if x._data.dtype == y._data.dtype and (op != "div" or x._data.dtype.kind == "f"):
            return x, y
        dt = _dt.result_type(x, y)
    elif y.__class__ in (builtins.float, builtins.int, builtins.bool):
        kind = x._data.dtype.kind
        if kind == "f":
            return x, y  # the common case: the scalar does not change the dtype
        if kind in "iu" and y.__class__ is builtins.int and op != "div":
            return x, _dt.wrapped_int(y, x._data.dtype)
        dt = _dt.result_type(x, y)
    elif isinstance(y, np.generic):
        return _promote(x, y.item(), op)
    elif isinstance(y, np.ndarray):
        return _promote(x, wrap(y), op)
    else:
        raise TypeError(f"unsupported operand type for a Tensor op: '{type(y).__name__}'")
    if op == "div" and not dt.is_floating_point:
        dt = _dt.get_default_dtype()
    x = x._cast(dt)
    return x, (y._cast(dt) if y_is_tensor else y)


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
    return wrap(np.asarray(out, dtype))


def _tensor_operand(other, name: str) -> Tensor:
    if is_tensor(other):
        return other
    if isinstance(other, (builtins.int, builtins.float, builtins.bool, np.ndarray, np.generic)):
        return wrap(np.asarray(other))
    raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")


def _widened(t: Tensor, dtype, kind: str) -> Tensor:
    """t cast to a norm's `dtype=`, which may widen (float32 -> float64) but not narrow."""
    dtype = _dt.as_dtype(dtype)
    if t._data.dtype.kind == "f" and dtype.np.itemsize < t._data.dtype.itemsize:
        raise RuntimeError(
            f"linalg.{kind}_norm: the dtype of the input ({_dtype_word(t)}) "
            "should be convertible without narrowing to the specified dtype "
            f"({_DTYPE_WORDS[dtype.np.name]})"
        )
    return t.to(dtype)


def _operand_like(other, like: Tensor, name: str) -> Tensor:
    """A Python number takes `like`'s dtype by PyTorch's scalar rule (a float32 tensor's
    `minimum(0.0)` stays float32, even 0-d); anything else as `_tensor_operand`."""
    if other.__class__ in (builtins.float, builtins.int, builtins.bool):
        return _as_tensor_like(other, like)
    return _tensor_operand(other, name)


def _as_tensor_like(other, like: Tensor) -> Tensor:
    if is_tensor(other):
        return other
    return wrap(np.asarray(other, dtype=_dt.result_type(like, other).np))


def _compare(fn, x: Tensor, y) -> Tensor:
    if is_tensor(y):
        _shape_ops.check_shape_matches(x._data.shape, y._data.shape)
        return wrap(fn(x._data, y._data))
    if y is None or isinstance(y, (str, list, tuple)):  # x == [1, 2] is False, as PyTorch's
        return NotImplemented if fn in (np.equal, np.not_equal) else _type_error(fn, y)
    return wrap(fn(x._data, _arr(y)))


def _bitwise(fn, x: Tensor, y) -> Tensor:
    b = _arr(y)
    if x._data.dtype.kind not in "iub" or np.asarray(b).dtype.kind not in "iub":
        kernel = {"left_shift": "lshift", "right_shift": "rshift"}.get(fn.__name__, fn.__name__)
        # PyTorch names the dtype the operands promote to (int << 1.5 runs a Float kernel)
        known = is_tensor(y) or y.__class__ in (builtins.int, builtins.float)
        word = _DTYPE_WORDS[_dt.result_type(x, y).np.name] if known else _dtype_word(x)
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{word}'")
    return wrap(fn(x._data, b))


def _rounded_div(x: Tensor, y, mode: str) -> Tensor:
    a, b = _promote(x, y)
    if mode not in ("trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'"
        )
    bv = _arr(b)
    if a._data.dtype.kind in "iub":
        _check_int_divisor(a, b, f"div_{mode}")
        q = np.floor_divide(a._data, bv)
        if mode == "trunc":
            q = np.where((q < 0) & (np.mod(a._data, bv) != 0), q + 1, q)
        return wrap(np.asarray(q, a._data.dtype))
    return binary.RoundedDiv.apply(a, b, mode)


def _arg_reduce(fn, t: Tensor, dim, keepdim: bool, name: str) -> Tensor:
    a = t._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if a.size == 0 and dim is None:
        raise IndexError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
        )
    if a.size == 0 and a.shape[_norm_dim(dim, a.ndim)] == 0:
        raise IndexError(
            f"{name}(): Expected reduction dim {_norm_dim(dim, a.ndim)} to have non-zero size."
        )
    if dim is None:
        out = np.asarray(fn(a.reshape(-1)), dtype=np.int64)
        return wrap(out.reshape((1,) * a.ndim) if keepdim else out)
    d = _norm_dim(dim, a.ndim)
    return wrap(
        np.asarray(
            fn(a, axis=d, keepdims=keepdim) if a.ndim else np.zeros((), np.int64), dtype=np.int64
        )
    )


def _as_mask(mask, name: str) -> Tensor:
    if not is_tensor(mask):
        raise TypeError(f"{name}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"{name} only supports boolean masks, but got mask with dtype {mask._data.dtype}"
        )
    return mask


def where(condition, input=None, other=None) -> Tensor:
    """input where condition else other, broadcasting all three.

    With the condition alone, the indices where it is True (`condition.nonzero(as_tuple=True)`).
    """
    if input is None and other is None:
        return _tensor_operand(condition, "where").nonzero(as_tuple=True)
    condition = _as_mask(condition, "where")
    if not is_tensor(input) and not is_tensor(other):
        input = wrap(np.asarray(input, dtype=_dt.result_type(input).np))
    if is_tensor(input):
        x, y = _promote(input, other)
    else:
        y, x = _promote(other, input)
    if not is_tensor(x):
        x = wrap(np.asarray(x, dtype=y._data.dtype))
    if not is_tensor(y):
        y = wrap(np.asarray(y, dtype=x._data.dtype))
    _shape_ops.broadcast_shapes(condition._data.shape, x._data.shape, y._data.shape)
    return binary.Where.apply(condition, x, y)
