"""Tracing: run a step once and record every NumPy call it makes.

A training step in tinygrad_nn is, underneath, a sequence of NumPy calls on the arrays inside
the tensors (`x._data`): forward runs `np.matmul`, backward runs the gradient formulas (more
NumPy calls), the optimizer updates `p._data` in place. To record that sequence we give the
step arrays of our own subclass, `TracedArray`. NumPy hands every ufunc (`a + b`, `np.exp`)
and every array function (`np.concatenate`) that sees one to `__array_ufunc__` /
`__array_function__`, and the methods we override (`a.sum()`, `a[i]`, `a.reshape(...)`)
report themselves too. Each call runs on plain arrays, then is written down as one line of
Python, `t7 = np.matmul(x, t6)`, with the result wrapped as a new traced array:

    p._data ──view──> TracedArray "fc1_weight" ─┐
    x._data ──view──> TracedArray "x" ──────────┴─> np.matmul ─> TracedArray "t7" ─> ...

Which line produced an array is known by the array object's identity, so the lines form the
dataflow graph of the step. Python numbers computed from arrays (Adam's step count `t`, read
with `float()`) become `TracedScalar`s, floats that record their arithmetic the same way, and
so do the optimizers' hyperparameters (a scheduler changes `lr` between steps).

Some things cannot be recorded: a Python decision on a value (`if loss.item() > 1`, `print`,
`.tolist()`, `.numpy()`). Tracing then stops (a *graph break*): the step finishes eagerly with
the real values, and `compile` runs that function eagerly from then on.

While a trace runs, a few global names are patched (`Tensor._data`, `np.zeros` and friends,
the random samplers, `Function.apply`, `Optimizer._step`) and put back afterwards; tracing is
therefore not thread-safe. Read `codegen.py` next, then `wrap.py`.
"""

from __future__ import annotations

import math

import numpy as np

_active = None  # the Recorder of the trace that is running, or None


class GraphBreak(Exception):
    """A value left the traced region (`.item()`, `print`, a data-dependent `if`)."""


def _plain(value):
    """`value` with traced arrays turned into plain ndarray views and traced floats into
    floats: what the real NumPy call receives."""
    cls = value.__class__
    if cls is TracedArray:
        return _VIEW(value, np.ndarray)
    if cls is TracedScalar:
        return float(value)
    if cls is tuple or cls is list:
        return cls([_plain(v) for v in value]) if value else value
    if cls is dict:
        return {k: _plain(v) for k, v in value.items()} if value else value
    return value


_VIEW = np.ndarray.view


class TracedArray(np.ndarray):
    """An ndarray whose NumPy calls are recorded by the active trace (plain once it ends)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        call = ufunc if method == "__call__" else getattr(ufunc, method)
        result = call(*_plain(inputs), **_plain(kwargs))
        if _active is None:
            return result
        return _active.ufunc(ufunc, method, inputs, kwargs, result)

    def __array_function__(self, func, types, args, kwargs):
        result = func(*_plain(args), **_plain(kwargs))
        if _active is None:
            return result
        return _active.call(_active.func_ref(func), args, kwargs, result, func)

    # A Python value read from an array inside the library (a bounds check choosing a fast
    # path) becomes an assumption the program checks on every call (see Recorder.assume);
    # the same read by user code goes through Tensor.item/bool/..., a graph break.
    def item(self, *args):
        """ndarray.item, checked on every replay (an assumption)."""
        return _assume(self, "item", np.ndarray.view(self, np.ndarray).item(*args), args)

    def tolist(self):
        """ndarray.tolist, checked on every replay (an assumption)."""
        return _assume(self, "tolist", np.ndarray.view(self, np.ndarray).tolist(), ())

    def __bool__(self):
        return _assume(self, "__bool__", bool(np.ndarray.view(self, np.ndarray)), ())

    def __int__(self):
        return _assume(self, "__int__", int(np.ndarray.view(self, np.ndarray)), ())

    def __index__(self):
        return _assume(self, "__index__", np.ndarray.view(self, np.ndarray).__index__(), ())

    def __iter__(self):
        _break("iterating over an array")
        return iter(np.ndarray.view(self, np.ndarray))

    def __repr__(self):
        _break("printing an array")
        return repr(np.ndarray.view(self, np.ndarray))

    __str__ = __repr__

    def tobytes(self, *args, **kwargs):
        """ndarray.tobytes: the bytes leave the traced region (a graph break)."""
        _break("tobytes()")
        return np.ndarray.view(self, np.ndarray).tobytes(*args, **kwargs)

    def __float__(self):
        return _assume(self, "__float__", float(np.ndarray.view(self, np.ndarray)), ())

    def view(self, *args, **kwargs):
        """ndarray.view, recorded; a view as plain ndarray keeps the traced array itself."""
        if not args and not kwargs or args in ((np.ndarray,), (TracedArray,)):
            return np.ndarray.view(self, np.ndarray) if _active is None else self
        return _method(self, "view", args, kwargs)

    @property
    def T(self):  # NumPy's name
        """The transpose, recorded."""
        return _method(self, "T", None, None)

    @property
    def mT(self):
        """The matrix transpose, recorded."""
        return _method(self, "mT", None, None)

    @property
    def flat(self):
        """The flat iterator: the values leave the traced region (a graph break)."""
        _break("the .flat iterator")
        return np.ndarray.view(self, np.ndarray).flat


def _method(self, name: str, args, kwargs):
    """Run ndarray method `name` (a property if args is None) on the plain array; record it."""
    plain = np.ndarray.view(self, np.ndarray)
    if args is None:
        result = getattr(plain, name)
    else:
        result = getattr(plain, name)(*_plain(args), **_plain(kwargs))
    if _active is None:
        return result
    return _active.method(self, name, args, kwargs, result)


def _make_method(name: str):
    def method(self, *args, **kwargs):
        return _method(self, name, args, kwargs)

    method.__name__ = name
    method.__doc__ = f"ndarray.{name}, recorded."
    return method


# Methods that do not go through __array_ufunc__ / __array_function__ by themselves, or that
# read better in the generated code under their own name than as `np.add.reduce(...)`.
_METHODS = (
    "__getitem__", "__setitem__", "__copy__", "__deepcopy__", "reshape", "transpose",
    "swapaxes", "squeeze", "ravel", "flatten", "astype", "copy", "sum", "prod", "max", "min",
    "mean", "std", "var", "any", "all", "argmax", "argmin", "cumsum", "cumprod", "clip",
    "round", "dot", "take", "repeat", "diagonal", "nonzero", "argsort", "sort", "fill", "put",
    "conj", "conjugate", "trace", "partition", "argpartition", "byteswap", "searchsorted",
    "compress", "choose", "ptp", "getfield", "setfield", "resize", "__array__",
)  # fmt: skip
for _name in _METHODS:
    setattr(TracedArray, _name, _make_method(_name))

# Methods that change their array in place (so the line that calls them must never be dropped).
MUTATING = frozenset({"__setitem__", "sort", "fill", "put", "partition", "setfield", "resize"})


def _assume(array, how: str, value, args):
    if _active is not None:
        _active.assume(array, how, value, args)
    return value


def _break(reason: str) -> None:
    if _active is not None:
        _active.graph_break(reason)


class TracedScalar(float):
    """A Python float whose arithmetic is recorded: a hyperparameter read from an optimizer
    group (`lr`), or a number computed from an array (`float(step)`)."""

    __slots__ = ("name", "from_inputs")

    def _binary(self, other, op: str, reflected: bool):
        forward = getattr(float, op)
        value = forward(self, other)
        if value is NotImplemented or _active is None:
            return value
        left, right = _active.ref(self), _active.ref(other)
        symbol = _OPERATORS[op]
        expr = f"{right} {symbol} {left}" if reflected else f"{left} {symbol} {right}"
        inputs_only = self.from_inputs and getattr(other, "from_inputs", True)
        return _active.scalar(expr, value, from_inputs=inputs_only)

    def _unary(self, op: str):
        value = getattr(float, op)(self)
        if _active is None:
            return value
        expr = {"__neg__": "-{}", "__pos__": "+{}", "__abs__": "abs({})"}[op]
        return _active.scalar(expr.format(_active.ref(self)), value, self.from_inputs)

    def _decide(self, op: str, *other):
        value = getattr(float, op)(self, *other)
        if _active is not None and value is not NotImplemented:
            _active.decide(self, op, other, value)
        return value


_OPERATORS = {
    "__add__": "+",
    "__sub__": "-",
    "__mul__": "*",
    "__truediv__": "/",
    "__floordiv__": "//",
    "__mod__": "%",
    "__pow__": "**",
}


def _scalar_methods() -> None:
    """Give TracedScalar its recorded operators (written once, not twelve times)."""
    for op in _OPERATORS:
        rop = "__r" + op[2:]
        setattr(TracedScalar, op, lambda self, o, _op=op: self._binary(o, _op, False))
        setattr(TracedScalar, rop, lambda self, o, _op=rop: self._binary(o, _op, True))
    for op in ("__neg__", "__pos__", "__abs__"):
        setattr(TracedScalar, op, lambda self, _op=op: self._unary(_op))
    for op in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__"):
        setattr(TracedScalar, op, lambda self, o, _op=op: self._decide(_op, o))
    for op in ("__bool__", "__int__", "__trunc__", "__floor__", "__ceil__", "__round__"):
        setattr(TracedScalar, op, lambda self, *o, _op=op: self._decide(_op, *o))
    TracedScalar.__hash__ = float.__hash__


_scalar_methods()
_OPERATORS.update({"__r" + k[2:]: v for k, v in list(_OPERATORS.items())})


def same_array(result, array: TracedArray) -> bool:
    """True if `result` is `array`'s memory seen the same way (a call that made no copy)."""
    plain = np.ndarray.view(array, np.ndarray)
    return (
        isinstance(result, np.ndarray)
        and result.__array_interface__["data"] == plain.__array_interface__["data"]
        and result.shape == plain.shape
        and result.strides == plain.strides
        and result.dtype == plain.dtype
    )


def same_layout(result, array: TracedArray) -> bool:
    """True if `result` is a fresh array with `array`'s shape, strides and dtype (a copy that
    NumPy will iterate exactly as it iterates `array`)."""
    return (
        isinstance(result, np.ndarray)
        and result.base is None
        and result.shape == array.shape
        and result.strides == array.strides
        and result.dtype == array.dtype
    )


def literal(value) -> str | None:
    """Python source for a constant that can be written inline, else None."""
    if value is None or value is Ellipsis or isinstance(value, (bool, int, str)):
        return "..." if value is Ellipsis else repr(value)
    if value.__class__ is float:
        return repr(value) if math.isfinite(value) else None
    if value.__class__ is tuple:
        inner = [literal(v) for v in value]
        if None not in inner:
            return f"({', '.join(inner)},)" if len(inner) == 1 else f"({', '.join(inner)})"
    return None
