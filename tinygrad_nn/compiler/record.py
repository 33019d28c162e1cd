"""The Recorder: the lines of Python a trace writes down, and the names of its values.

Every value the step touches gets a name in the generated program:

    inputs     arrays that existed before the call, read from where they live each call
               (`fc1_weight = _T0._data`, `x = _in[0]._data`), and optimizer hyperparameters
               (`lr = _G0['lr']`);
    temporaries `t1, t2, ...`: results of recorded NumPy calls; `s1, ...` for numbers;
    constants  `c1, ...`: arrays made without tracing (copied when the trace first sees them).

Each recorded call becomes one `Line`: its source text, the names it defines and uses, and
whether it changes an array in place (an *effect*: never dropped, never reordered). The
dataflow graph is implicit in the names. `codegen.py` turns the lines into a function.
"""

from __future__ import annotations

import math
import os
import traceback

import numpy as np

from . import trace as _trace
from .errors import site as _site
from .trace import (
    MUTATING,
    GraphBreak,
    TracedArray,
    TracedScalar,
    literal,
    same_array,
    same_layout,
)

# Methods that return a view of the array they are called on.
_VIEWS = frozenset({"transpose", "T", "mT", "swapaxes", "reshape", "squeeze"})
# Ufuncs that IEEE arithmetic defines exactly: each element of the result is the same
# whatever the memory layout (not so for exp or log, whose SIMD and scalar loops may differ).
_EXACT = frozenset({np.add, np.subtract, np.multiply, np.divide, np.maximum, np.minimum,
                    np.negative})  # fmt: skip
# NumPy functions that write into their first argument.
_WRITES_FIRST = frozenset({"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis"})


class Unsupported(RuntimeError):
    """The traced function did something `fullgraph=True` forbids (a graph break)."""


class Diverged(RuntimeError):
    """A value a compiled program assumed changed after the program had updated state."""

    def __init__(self):
        super().__init__(
            "tinygrad_nn.compile: a value the compiled program assumed (a check inside the "
            "library) changed after the program had already updated state; call the function "
            "uncompiled for inputs like these"
        )


class Line:
    """One statement of the generated program."""

    __slots__ = ("source", "defines", "uses", "effect", "comment", "site", "writes", "copy_of",
                 "alias_of", "copy_into", "exact")  # fmt: skip

    def __init__(self, source: str, defines: tuple, uses: set, effect: bool, comment: str):
        self.source, self.defines, self.uses = source, defines, uses
        self.effect, self.comment = effect, comment
        self.site = _site()  # the user's line behind it, for errors (errors.py)
        self.writes = ()  # names it changes in place
        # For codegen's passes (optimize.py): a copy with the layout of the array it copies,
        # and a view that is exactly an array already named (a transpose of a transpose).
        self.copy_of = self.alias_of = None
        self.copy_into = None  # `np.copyto(dst, src)`: the name of src
        self.exact = False  # an elementwise ufunc whose result does not depend on the layout


class Recorder:
    """Collects the lines of one trace (see the module docstring)."""

    def __init__(self, fullgraph: bool = False):
        self.fullgraph = fullgraph
        self.lines: list[Line] = []
        self.names: dict[int, str] = {}  # id(traced value) -> its name
        self.objects: dict[str, object] = {}  # name -> traced value (keeps ids unique)
        self.namespace: dict[str, object] = {"np": np, "math": math, "_Diverged": Diverged}
        self.inputs: list[tuple] = []  # (name, source of the read, line count) for prologues
        self.placeholders: set[str] = set()  # inputs of a backward program: output gradients
        self.constants: dict[str, str] = {}  # constant name -> namespace name of its copy
        self.mutated: set[str] = set()  # names written in place by some line
        self.folded: set[str] = set()  # names whose traced value the program reads (optimize)
        self.scalar_vars: set[str] = set()  # arrays that were NumPy scalars in eager mode
        self.decisions: list[str] = []  # checks on input numbers, run before anything else
        self.decision_uses: set[str] = set()
        self.broken: str | None = None
        self.external_done = False  # True once a line changed state outside the program
        self.external_roots: set[int] = set()  # ids of the memory of arrays that are inputs
        self.uses: set[str] = set()  # names the line being built refers to
        self.label = ""  # comment for the lines being recorded (module and op)
        self._counts: dict[str, int] = {}
        self._refs: dict[int, str] = {}  # id(object) -> namespace name
        self.keep: list = []  # objects referred to by id: they must outlive the trace
        self._casts: dict[tuple, str] = {}  # (number, dtype) -> name of the cast number
        self._scalars: dict[str, TracedScalar] = {}  # expression of inputs -> its number
        self.view_parent: dict[str, str] = {}  # a view's name -> the name it views
        self.memory_groups = None  # names by the memory they share (optimize.py), once

    # ------------------------------------------------------------------ names

    def fresh(self, prefix: str) -> str:
        """A new name: `t1, t2, ...` for temporaries (prefixes t, s, c and namespace names
        starting with `_`), else `prefix` itself, then `prefix_2`, ... (input names)."""
        n = self._counts.get(prefix, 0) + 1
        self._counts[prefix] = n
        if prefix in ("t", "s", "c") or prefix.startswith("_"):
            return f"{prefix}{n}"
        return prefix if n == 1 else f"{prefix}_{n}"

    def detached_ref(self, value, uses: set) -> str:
        """`ref` for a write-back: the names it needs go to `uses`, not to the next line."""
        saved, self.uses = self.uses, set()
        text = self.ref(value)
        uses |= self.uses
        self.uses = saved
        return text

    def bind(self, value, name: str):
        """Give `value` the name `name`."""
        self.names[id(value)] = name
        self.objects[name] = value
        return value

    def global_ref(self, obj, hint: str = "_o") -> str:
        """A namespace name under which the generated code finds `obj` itself."""
        key = id(obj)
        name = self._refs.get(key)
        if name is None:
            name = self._refs[key] = self.fresh(hint if hint.startswith("_") else "_" + hint)
            self.keep.append(obj)
            self.namespace[name] = obj
        return name

    def func_ref(self, func) -> str:
        """Source that names a NumPy function (`np.matmul`, `np.linalg.solve`)."""
        name = getattr(func, "__name__", None)
        if name and getattr(np, name, None) is func:
            return f"np.{name}"
        if name and getattr(np.linalg, name, None) is func:
            return f"np.linalg.{name}"
        return self.global_ref(func, "_" + (name or "f"))

    def ref(self, value) -> str:
        """Source for one operand: a name, a literal, or a namespace reference."""
        cls = value.__class__
        if cls is TracedArray or cls is TracedScalar:
            name = self.names.get(id(value))
            if name is None:
                if cls is TracedScalar:
                    return literal(float(value)) or self.global_ref(float(value), "_k")
                self.graph_break("an array made by an operation the tracer does not know")
                return "None"
            self.uses.add(name)
            return name
        text = literal(value)
        if text is not None:
            return text
        if cls is tuple:
            inner = ", ".join(self.ref(v) for v in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if cls is list:
            return "[" + ", ".join(self.ref(v) for v in value) + "]"
        if cls is dict:
            return "{" + ", ".join(f"{k!r}: {self.ref(v)}" for k, v in value.items()) + "}"
        if cls is slice:
            return f"slice({self.ref(value.start)}, {self.ref(value.stop)}, {self.ref(value.step)})"
        if isinstance(value, np.ndarray):
            return self._array_ref(value)
        if isinstance(value, np.dtype):
            return self.global_ref(value, "_" + value.name)
        if isinstance(value, type) and getattr(np, value.__name__, None) is value:
            return f"np.{value.__name__}"
        if isinstance(value, type) and value in (float, int, bool, complex):
            return value.__name__
        return self.global_ref(value, "_k")

    def key(self, key) -> str:
        """An index as written inside brackets: `x[:, 0:25:2, ...]`."""
        if key.__class__ is slice:
            parts = [("" if v is None else self.ref(v)) for v in (key.start, key.stop, key.step)]
            return ":".join(parts[:2] if key.step is None else parts)
        if key.__class__ is tuple and key:
            return ", ".join(self.key(k) for k in key) + ("," if len(key) == 1 else "")
        return self.ref(key)

    def _array_ref(self, array: np.ndarray) -> str:
        """An operand that is a plain array: the traced array it views, or a constant."""
        base = array.base
        if (
            base.__class__ is TracedArray
            and id(base) in self.names
            and base.shape == array.shape
            and base.strides == array.strides
            and base.dtype == array.dtype
        ):
            return self.ref(base)  # a plain view of a traced array (np.asarray stripped it)
        name = self.names.get(id(array))
        if name is None:
            while base is not None:
                if base.__class__ is TracedArray:  # a view made outside NumPy's dispatch
                    self.graph_break("a view of a traced array that the tracer cannot see")
                    return "None"
                base = base.base
            name = self.constant(array)
        self.uses.add(name)
        return name

    def constant(self, array: np.ndarray) -> str:
        """Name a plain array: its value now is baked into the program (as a private copy)."""
        name = self.fresh("c")
        stored = self.fresh("_c")
        self.namespace[stored] = np.array(array, copy=True)
        self.constants[name] = stored
        self.bind(array, name)
        return name

    # ------------------------------------------------------------------ recording

    def emit(self, source: str, defines: tuple = (), effect: bool = False, writes=()) -> None:
        """Append one line (the names it used were collected in `self.uses`)."""
        for name in writes:
            self.mutated.add(name)
            if not self.external_done and _root(self.objects.get(name)) in self.external_roots:
                self.external_done = True
        line = Line(source, defines, self.uses, effect, self.label)
        line.writes = tuple(writes)
        self.lines.append(line)
        self.uses = set()

    def wrap(self, result, scalar_ok: bool = True):
        """Name a call's result: returns (the traced value to hand back, its target source)."""
        if isinstance(result, np.ndarray):
            traced = result.view(TracedArray)
            name = self.fresh("t")
            return self.bind(traced, name), name
        if isinstance(result, np.generic) and scalar_ok:
            traced = np.asarray(result).view(TracedArray)
            name = self.fresh("t")
            self.scalar_vars.add(name)
            return self.bind(traced, name), name
        if (
            isinstance(result, (tuple, list))
            and result
            and all(isinstance(r, (np.ndarray, np.generic)) for r in result)
        ):
            pairs = [self.wrap(r) for r in result]
            values = [p[0] for p in pairs]
            target = ", ".join(p[1] for p in pairs) + ("," if len(pairs) == 1 else "")
            return (tuple(values) if isinstance(result, tuple) else values), target
        return result, None

    def _finish(self, expr: str, result, writes=(), effect: bool = False):
        """Emit `target = expr` for a new result, or the bare call when it writes in place."""
        if writes:
            self.emit(expr, (), True, writes)
            return result
        traced, target = self.wrap(result)
        if target is None:  # a Python value about shapes (np.ndim, np.shape): static
            self.uses = set()
            return result
        self.emit(f"{target} = {expr}", tuple(target.replace(",", " ").split()), effect)
        return traced

    def _args_source(self, args, kwargs) -> str:
        parts = [self.ref(a) for a in args]
        parts += [f"{k}={self.ref(v)}" for k, v in kwargs.items()]
        return ", ".join(parts)

    def ufunc(self, ufunc, method: str, inputs, kwargs, result):
        """Record `np.<ufunc>(...)` or `np.<ufunc>.<method>(...)`."""
        func = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        out = kwargs.get("out")
        if out is not None and any(self.names.get(id(o)) in self.scalar_vars for o in out):
            return self._rebind_scalar(func, inputs, kwargs)
        if method == "reduce":  # the same reduction, in the form NumPy parses fastest
            kwargs = {k: v for k, v in kwargs.items() if not (k == "dtype" and v is None)}
            axis = kwargs.get("axis")
            if axis.__class__ is tuple and len(axis) == 1 and axis[0].__class__ is int:
                kwargs["axis"] = axis[0]
        typed = (
            self._typed_operands(inputs, result) if method == "__call__" and not kwargs else None
        )
        if typed is not None:
            traced = self._finish(f"{func}({', '.join(typed)})", result)
            self.lines[-1].exact = ufunc in _EXACT
            return traced
        expr = f"{func}({self._args_source(inputs, kwargs)})"
        if method == "at":
            return self._finish(expr, None, writes=(self.ref(inputs[0]),))
        if out is not None:
            writes = tuple(self.ref(o) for o in out)
            self._finish(expr, result, writes=writes)
            return out[0] if len(out) == 1 else out
        traced = self._finish(expr, result)
        if method == "__call__" and not kwargs and ufunc in _EXACT and traced is not result:
            self.lines[-1].exact = True
        return traced

    def _typed_operands(self, inputs, result) -> list | None:
        """Operands for `array op number` where the number is a Python float that NumPy
        casts to the array's dtype (float32, float16): the number cast once, by the same C
        cast (`np.float32(lr)`), which NumPy then takes without converting it on every
        call. None if that does not apply (a float64 array, a promotion, no float)."""
        dtype = getattr(result, "dtype", None)
        if result.__class__ is not np.ndarray or dtype.kind != "f" or dtype == np.float64:
            return None
        parts, numbers = [], 0
        for v in inputs:
            if v.__class__ is TracedScalar and id(v) in self.names:
                parts.append(self._cast(v, dtype))
            elif v.__class__ is float:
                parts.append(self._cast_constant(v, dtype))
            elif v.__class__ is TracedArray and v.dtype == dtype:
                parts.append(self.ref(v))
                continue
            else:
                return None
            numbers += 1
        return parts if numbers == 1 and len(parts) == 2 else None

    def _cast(self, number: TracedScalar, dtype) -> str:
        """The name of `np.<dtype>(number)`, a line recorded the first time it is needed."""
        key = (self.names[id(number)], dtype)
        name = self._casts.get(key)
        if name is None:
            saved, self.uses = self.uses, set()
            name = self._casts[key] = self.fresh("s")
            self.emit(f"{name} = np.{dtype.name}({self.ref(number)})", (name,))
            self.objects[name] = dtype.type(float(number))
            self.uses = saved
        self.uses.add(name)
        return name

    def _cast_constant(self, number: float, dtype) -> str:
        """`np.float32(0.1)`: the program reads it as a constant (see codegen.build)."""
        if math.isfinite(number):
            return f"np.{dtype.name}({number!r})"
        return self.global_ref(dtype.type(number), "_k")

    def _rebind_scalar(self, func: str, inputs, kwargs):
        # `s /= n` on what eager mode holds as a NumPy scalar rebinds the name; the generated
        # code must do the same (a scalar has no memory to write into).
        out = kwargs["out"][0]
        rest = {k: v for k, v in kwargs.items() if k != "out"}
        name = self.fresh("t")
        self.scalar_vars.add(name)
        self.emit(f"{name} = {func}({self._args_source(inputs, rest)})", (name,))
        self.bind(out, name)
        return out

    def call(self, func_source: str, args, kwargs, result, func=None):
        """Record an array function (`np.concatenate(...)`, `np.copyto(...)`)."""
        expr = f"{func_source}({self._args_source(args, kwargs)})"
        name = getattr(func, "__name__", "")
        if "out" in kwargs and kwargs["out"] is not None:
            out = kwargs["out"]
            self._finish(expr, result, writes=(self.names.get(id(out), "?"),))
            return out
        if name in _WRITES_FIRST and args:
            self._finish(expr, None, writes=(self.names.get(id(args[0]), "?"),))
            source = args[1] if len(args) > 1 else None
            if name == "copyto" and source.__class__ is TracedArray and set(kwargs) <= {"casting"}:
                self.lines[-1].copy_into = self.names.get(id(source))
            return None
        traced = self._finish(expr, result)
        if func_source == "np.array" and args and args[0].__class__ is TracedArray:
            if kwargs.get("copy", True) is True and len(args) == 1:
                self._mark_copy(args[0], result)
        return traced

    def method(self, array: TracedArray, name: str, args, kwargs, result):
        """Record `a.<name>(...)`, `a[key]`, `a[key] = v` or the property `a.<name>`."""
        me = self.ref(array)
        if args is None:
            traced = self._finish(f"{me}.{name}", result)
            if name in _VIEWS:
                self._mark_alias(array, me, result)
            return traced
        if name == "__getitem__":
            return self._finish(f"{me}[{self.key(args[0])}]", result)
        if name == "__setitem__":
            return self._finish(
                f"{me}[{self.key(args[0])}] = {self.ref(args[1])}", None, writes=(me,)
            )
        expr = f"{me}.{name}({self._args_source(args, kwargs)})"
        if array.ndim == 2 and _swaps_2d(name, args) and not kwargs:
            expr = f"{me}.T"  # the same view, and the quickest way to ask for it
        if kwargs.get("out") is not None:
            out = kwargs["out"]
            self._finish(expr, result, writes=(self.names.get(id(out), "?"),))
            return out
        if name in MUTATING:
            return self._finish(expr, None, writes=(me,))
        if name in ("astype", "__array__", "view") and same_array(result, array):
            return array  # `a.astype(same dtype, copy=False)`: the very array again
        traced = self._finish(expr, result)
        if name == "copy":
            self._mark_copy(array, result)
        elif name in _VIEWS:
            self._mark_alias(array, me, result)
        return traced

    def _mark_copy(self, source, result) -> None:
        """The last line copied `source` into an array laid out the same way."""
        if self.lines and same_layout(result, source) and id(source) in self.names:
            self.lines[-1].copy_of = self.names[id(source)]

    def _mark_alias(self, operand, me: str, result) -> None:
        """The last line made a view that is exactly `operand` or the array `operand` views
        (`a.T.T`, `a.reshape(a.shape)`): the program may use that array itself."""
        line = self.lines[-1] if self.lines else None
        if line is None or not line.defines or self.objects.get(line.defines[0]) is None:
            return
        for name in (me, self.view_parent.get(me)):
            if name is not None and same_array(result, self.objects[name]):
                line.alias_of = name
                return
        if line.defines:
            self.view_parent[line.defines[0]] = me

    def source(self, func_source: str, args, kwargs, result, effect: bool = False):
        """Record a call to anything else the generated code can name (a sampler, a maker)."""
        expr = f"{func_source}({self._args_source(args, kwargs)})"
        traced, target = self.wrap(result)
        defines = tuple(target.replace(",", " ").split()) if target else ()
        self.emit(f"{target} = {expr}" if target else expr, defines, effect)
        return traced

    def scalar(self, expr: str, value: float, from_inputs: bool) -> TracedScalar:
        """A new recorded number `s<n> = expr` (the same number again for an expression of
        inputs already recorded: `-lr` once for every parameter)."""
        known = self._scalars.get(expr) if from_inputs else None
        if known is not None and float(known) == value:
            self.uses = set()
            return known
        result = TracedScalar(value)
        result.name, result.from_inputs = self.fresh("s"), from_inputs
        self.emit(f"{result.name} = {expr}", (result.name,))
        self.names[id(result)] = result.name
        self.objects[result.name] = result
        if from_inputs:
            self._scalars[expr] = result
        return result

    def decide(self, scalar: TracedScalar, op: str, other: tuple, value) -> None:
        """A Python decision on a recorded number: a check on entry, or a graph break."""
        if not scalar.from_inputs or any(not getattr(o, "from_inputs", True) for o in other):
            self.graph_break("a Python decision on a number computed from a tensor")
            return
        refs = [self.ref(scalar), *(self.ref(o) for o in other)]
        self.decision_uses |= self.uses
        self.uses = set()
        symbol = _COMPARE.get(op)
        text = f"({refs[0]} {symbol} {refs[1]})" if symbol else f"float.{op}({', '.join(refs)})"
        check = f"{text} is {value!r}" if isinstance(value, bool) else f"{text} == {value!r}"
        if check not in self.decisions:
            self.decisions.append(check)

    def assume(self, array, how: str, value, args) -> None:
        """The library read a Python value from an array (`if (t < n).all():`): the program
        checks on each call that it is the same, else it returns `_MISS` (trace again). Once
        the program has changed state outside itself, going back is impossible: it raises."""
        expected = literal(value) if not isinstance(value, list) else None
        expected = expected or self.global_ref(value, "_v")
        if how.startswith("__"):
            call = f"{_BUILTIN[how]}({self.ref(array)})"
        else:
            call = f"{self.ref(array)}.{how}({self._args_source(args, {})})"
        miss = "raise _Diverged()" if self.external_done else "return _MISS"
        self.emit(f"if {call} != {expected}: {miss}", (), effect=True)

    def assume_call(self, func: str, args, value) -> None:
        """Like `assume`, for a Python function of arrays (`math.isfinite(total)`)."""
        if any(getattr(a, "from_inputs", True) is False for a in args):
            self.graph_break(f"a Python decision ({func}) on a number computed from a tensor")
            return
        expected = literal(value) or self.global_ref(value, "_v")
        miss = "raise _Diverged()" if self.external_done else "return _MISS"
        self.emit(
            f"if {func}({self._args_source(args, {})}) != {expected}: {miss}", (), effect=True
        )

    def graph_break(self, reason: str) -> None:
        """Stop recording: the rest of the call runs eagerly and the trace is dropped."""
        if self.broken is None:
            self.broken = f"{reason} ({_caller()})"
        _trace._active = None
        if self.fullgraph:
            raise Unsupported(
                f"torch.compile(fullgraph=True) cannot trace this function: {reason}. "
                "Remove the graph break or compile without fullgraph=True."
            )


_COMPARE = {
    "__eq__": "==",
    "__ne__": "!=",
    "__lt__": "<",
    "__le__": "<=",
    "__gt__": ">",
    "__ge__": ">=",
}
_BUILTIN = {"__bool__": "bool", "__int__": "int", "__index__": "int", "__float__": "float"}


def _swaps_2d(name: str, args) -> bool:
    """Whether `a.<name>(*args)` on a 2-d array is its transpose."""
    if name == "transpose":
        return args in (((1, 0),), (1, 0))
    if name == "swapaxes" and len(args) == 2 and all(a.__class__ is int for a in args):
        return args[0] % 2 != args[1] % 2
    return False


def _root(array) -> int | None:
    """id of the array that owns the memory `array` views."""
    while isinstance(array, np.ndarray) and array.base is not None:
        array = array.base
    return id(array) if array is not None else None


def _caller() -> str:
    """`file:line` of the innermost frame outside this package: where the break happened."""
    here = os.path.dirname(__file__)
    for frame in reversed(traceback.extract_stack()):
        if not frame.filename.startswith(here):
            return f"{frame.filename}:{frame.lineno}"
    return "unknown"


__all__ = ["GraphBreak", "Line", "Recorder", "Unsupported"]
