"""What changes while a trace runs, and how every array gets a name.

`Tracing` is a context manager. On entry it swaps a few global names for recording versions,
and on exit puts every one of them back:

    Tensor._data        a property: the first read of a tensor's array *adopts* it (below)
    Tensor._make, ...   note which tensors the step itself creates
    Tensor.grad         note whose `.grad` a gradient tensor is
    Tensor.numpy/repr   graph breaks (a value leaves the traced region)
    np.zeros, ...       fresh buffers become traced, so later writes into them are recorded
    np.asarray, ...     keep traced arrays traced (they would strip the subclass)
    random samplers     one recorded call per draw: the replay draws from the same generator
    expand_array, ...   views the library builds on a raw buffer: recorded as one call each
    Function.apply      names the op (and the module) in each line's comment
    Optimizer._step     hyperparameters (`lr`, ...) become program inputs, not constants
    float, math         in the library's modules: numbers read from arrays stay recorded
    _promote            Tensor arithmetic takes such a recorded number like a float

Adoption decides where the generated program finds an array on later calls. A tensor that
existed before the call is an *input*, read from where it lives: `_in[0]._data` for an
argument, `_T3._data` for a parameter or optimizer buffer, `_T3._grad._data` for a gradient.
A tensor the step created itself holds a *constant*: its value now is baked in.
"""

from __future__ import annotations

import builtins
import math
import re
import sys

import numpy as np

from .. import random as _random
from ..autograd.function import Function
from ..tensor import Tensor
from . import trace as _trace
from .record import _root
from .trace import TracedArray, TracedScalar, _plain, same_array

_ABSENT = object()  # a patched name the class only inherited: delete it again afterwards
_SLOT = Tensor.__dict__["_data"]
_PACKAGE = __name__.rpartition(".compiler")[0] + "."
_OPTIM = _PACKAGE + "optim"  # the real storage of `_data` (a __slots__ member)
_MAKERS = ("zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like")
_AS_ARRAY = ("asarray", "asanyarray", "ascontiguousarray", "array")
_SAMPLERS = (
    "uniform_array",
    "normal_array",
    "exponential_array",
    "random_array",
    "randint_array",
    "randperm_array",
    "bernoulli_array",
    "bernoulli_tensor_array",
    "multinomial_array",
)


def identifier(label: str) -> str:
    """A Python name from a module path: 'fc1.weight' -> 'fc1_weight', '0.bias' -> 'p0_bias'."""
    name = re.sub(r"\W", "_", label).strip("_") or "i"
    return "p" + name if name[0].isdigit() else name


class Tracing:
    """The state of one trace: recorder, adopted tensors, and the patches (see module doc)."""

    def __init__(self, rec, args: tuple, arg_names: list, labels: dict, module_names: dict):
        self.rec = rec
        self.arg_index = {id(a): i for i, a in enumerate(args) if isinstance(a, Tensor)}
        self.arg_names = arg_names
        self.labels = labels  # id(tensor) -> readable label ("fc1.weight")
        self.module_names = module_names  # id(module) -> "fc1 (Linear)"
        self.created: set[int] = set()
        self.keep: list = []  # objects whose ids must stay unique while the trace runs
        self.located: dict[int, tuple] = {}  # id(tensor) -> (tensor, array, traced, source)
        self.grad_owner: dict[int, Tensor] = {}
        self.grad_before: dict[int, tuple] = {}  # id(owner) -> (owner, its grad at the start)
        self.versions: dict[int, tuple] = {}  # id(counter) -> (counter, value, tensor source)
        self.group_scalars: list[tuple] = []  # (group, key, TracedScalar, original value)
        self.writebacks: list[str] = []
        self.writeback_uses: set[str] = set()
        self.grad_read: set[int] = set()  # ids of tensors whose `.grad` the step read
        self.state_changed = False
        self.backward_ran = False
        self._saved: list[tuple] = []
        self._ops: list[str] = []

    # ------------------------------------------------------------------ locations

    def watch_grads(self, tensors) -> None:
        """Remember the `.grad` of tensors known before the call (parameters)."""
        for t in tensors:
            self.grad_before.setdefault(id(t), (t, t._grad))
            if t._grad is not None:
                self.grad_owner[id(t._grad)] = t

    def tensor_source(self, t: Tensor) -> str:
        """Where the generated program finds tensor `t` on every call."""
        i = self.arg_index.get(id(t))
        if i is not None:
            return f"_in[{i}]"
        owner = self.grad_owner.get(id(t))
        if owner is not None:
            return f"{self.tensor_source(owner)}._grad"
        return self.rec.global_ref(t, "_T")

    def _input_name(self, t: Tensor) -> str:
        i = self.arg_index.get(id(t))
        if i is not None and i < len(self.arg_names):
            return identifier(self.arg_names[i])
        label = self.labels.get(id(t))
        if label is None and id(t) in self.grad_owner:
            owner_label = self.labels.get(id(self.grad_owner[id(t)]))
            label = owner_label + ".grad" if owner_label else None
        return identifier(label) if label else "i"

    def adopt(self, t: Tensor, array: np.ndarray) -> TracedArray:
        """Name the array of a tensor read for the first time (see the module docstring)."""
        rec = self.rec
        if array.__class__ is TracedArray:  # left over from an earlier trace
            array = np.ndarray.view(array, np.ndarray)
        if id(t) in self.created:
            name = rec.constant(array)
            traced = rec.bind(array.view(TracedArray), name)
        else:
            source = self.tensor_source(t)
            name = rec.fresh(self._input_name(t))
            traced = rec.bind(array.view(TracedArray), name)
            rec.inputs.append((name, f"{source}._data", len(rec.lines)))
            self.located[id(t)] = (t, array, traced, source)
            rec.external_roots.add(_root(array))
            counter = t._version_counter
            self.versions.setdefault(id(counter), (counter, counter[0], source))
            if t._requires_grad and t.grad_fn is None:
                self.watch_grads((t,))
        self.keep.append(array)
        _SLOT.__set__(t, traced)
        return traced

    def finish(self) -> list:
        """After the trace: plain arrays back in every tensor, and the write-back lines that
        make a replay leave tensors as eager mode did (`_data` rebound, versions moved on,
        `.grad` set or cleared). The names they need are in `self.writeback_uses`."""
        lines, uses, rec = [], self.writeback_uses, self.rec
        for t, array, traced, source in self.located.values():
            current = _SLOT.__get__(t)
            if current is traced:
                _SLOT.__set__(t, array)
                continue
            lines.append(f"{source}._data = {rec.detached_ref(current, uses)}")
            _SLOT.__set__(t, _unwrapped(current))
        for counter, start, source in self.versions.values():
            if counter[0] != start:
                lines.append(f"{source}._version_counter[0] += {counter[0] - start}")
        for owner, before in list(self.grad_before.values()):
            after = owner._grad
            if after is before:
                continue
            source = self.tensor_source(owner)
            if after is None:
                lines.append(f"{source}._grad = None")
                continue
            data = _SLOT.__get__(after)
            lines.append(f"{source}._grad = _wrap({rec.detached_ref(data, uses)})")
            _SLOT.__set__(after, _unwrapped(data))
        return lines + self.writebacks

    # ------------------------------------------------------------------ patches

    def __enter__(self):
        self._patch_tensor()
        self._patch_numpy()
        self._patch(Function, "apply", classmethod(self._apply(Function.__dict__["apply"])))
        from ..optim.optimizer import Optimizer

        self._patch(Optimizer, "_step", self._optimizer_step(Optimizer._step))
        _trace._active = self.rec
        return self

    def __exit__(self, *exc):
        _trace._active = None
        for obj, name, old in reversed(self._saved):
            if old is _ABSENT:
                delattr(obj, name)
            else:
                setattr(obj, name, old)
        self._saved.clear()
        return False

    def _patch(self, obj, name: str, new) -> None:
        store = obj.__dict__ if isinstance(obj, type) else vars(obj)
        self._saved.append((obj, name, store.get(name, _ABSENT)))
        setattr(obj, name, new)

    def _patch_tensor(self) -> None:
        grad = Tensor.__dict__["grad"]
        self._patch(Tensor, "_data", property(self._get_data, _SLOT.__set__))
        self._patch(Tensor, "_make", staticmethod(self._noting(Tensor.__dict__["_make"].__func__)))
        self._patch(Tensor, "_init_fields", self._noting(Tensor._init_fields))
        self._patch(Tensor, "grad", property(self._grad_getter(grad.fget), grad.fset, grad.fdel))
        for name in _BREAKS:
            self._patch(Tensor, name, _graph_break(name, getattr(Tensor, name)))
        self._patch(Tensor, "backward", self._backward(Tensor.backward))

    def _get_data(self, t):
        """`t._data`, adopting the array on its first read (see the module docstring)."""
        array = _SLOT.__get__(t)
        if array.__class__ is TracedArray and id(array) in self.rec.names:
            return array
        return self.adopt(t, array) if _trace._active is not None else array

    def _noting(self, make):
        """A tensor constructor that notes the tensors the step itself creates."""

        def noted(*args, **kwargs):
            t = make(*args, **kwargs)
            t = args[0] if t is None else t  # _init_fields fills its first argument
            self.created.add(id(t))
            self.keep.append(t)
            return t if make.__name__ == "_make" else None

        return noted

    def _grad_getter(self, getter):
        """`.grad`, noting whose gradient each gradient tensor is (and that it was read)."""

        def get_grad(t):
            g = getter(t)
            self.grad_read.add(id(t))
            if g is not None and id(g) not in self.created and id(g) not in self.grad_owner:
                self.grad_owner[id(g)] = t
                self.grad_before.setdefault(id(t), (t, g))
            return g

        return get_grad

    def _backward(self, original):
        """Tensor.backward, labelling the lines it records and noting that it ran."""

        def backward(t, *args, **kwargs):
            self.backward_ran = True
            old, self.rec.label = self.rec.label, "backward"
            try:
                return original(t, *args, **kwargs)
            finally:
                self.rec.label = old

        return backward

    def _patch_numpy(self) -> None:
        for name in _MAKERS:
            self._patch(np, name, _maker(name, getattr(np, name)))
        for name in _AS_ARRAY:
            self._patch(np, name, _as_array(name, getattr(np, name)))
        for name in _SAMPLERS:
            self._patch(_random, name, _sampler(name, getattr(_random, name)))
        helpers = sys.modules.get(_PACKAGE + "_method_helpers")
        promote = getattr(helpers, "_promote", None)
        views = _view_makers()
        tricks = np.lib.stride_tricks
        self._patch(tricks, "as_strided", _as_strided(tricks.as_strided))
        # Optimizers turn their step count into a Python float (`t = float(step)`) and do
        # arithmetic on it. float() cannot return our recording subclass, so inside the
        # optimizer modules `float` and `math` are recording versions while a trace runs.
        for name, module in list(sys.modules.items()):
            if not name.startswith(_PACKAGE) or module is None or name.startswith(__package__):
                continue
            if name.startswith(_OPTIM):
                self._patch(module, "float", _float)
            if vars(module).get("math") is math:
                self._patch(module, "math", _MATH)
            if promote is not None and vars(module).get("_promote") is promote:
                self._patch(module, "_promote", _promote(promote))
            for name, original in views.items():
                if vars(module).get(name) is original:
                    self._patch(module, name, _library_call(name, original))

    def _apply(self, original):
        function = original.__func__
        rec, modules = self.rec, self.module_names
        from ..nn.module import _module_stack

        def apply(cls, *args, **kwargs):
            old = rec.label
            if old != "backward" and not old.endswith(".step"):
                where = modules.get(id(_module_stack[-1])) if _module_stack else None
                rec.label = f"{where} · {cls.__name__}" if where else cls.__name__
            else:
                rec.label = f"{old.split(' · ')[0]} · {cls.__name__}"
            try:
                return function(cls, *args, **kwargs)
            finally:
                rec.label = old

        return apply

    def _optimizer_step(self, original):
        def step(opt, closure=None):
            sizes = {id(p): len(s) for p, s in opt.state.items()}
            self._install_scalars(opt)
            old, self.rec.label = self.rec.label, f"{type(opt).__name__}.step"
            try:
                return original(opt, closure)
            finally:
                self.rec.label = old
                self._collect_scalars()
                if len(opt.state) != len(sizes) or any(
                    len(s) != sizes.get(id(p)) for p, s in opt.state.items()
                ):
                    self.state_changed = True  # first step: buffers created, trace again

        return step

    def _install_scalars(self, opt) -> None:
        """Hyperparameters become program inputs read from their group on every call."""
        rec = self.rec
        if _trace._active is None:
            return
        for group in opt.param_groups:
            for key, value in list(group.items()):
                if value.__class__ is not float:
                    continue
                scalar = TracedScalar(value)
                scalar.name, scalar.from_inputs = rec.fresh(identifier(key)), True
                rec.names[id(scalar)] = scalar.name
                rec.objects[scalar.name] = scalar
                rec.inputs.append(
                    (scalar.name, f"{rec.global_ref(group, '_G')}[{key!r}]", len(rec.lines))
                )
                group[key] = scalar
                self.group_scalars.append((group, key, scalar, value))

    def _collect_scalars(self) -> None:
        """Put plain floats back in the groups (writing back values the step changed)."""
        for group, key, scalar, value in self.group_scalars:
            current = group[key]
            if current is scalar:
                group[key] = value
            elif current.__class__ is TracedScalar and id(current) in self.rec.names:
                value = self.rec.detached_ref(current, self.writeback_uses)
                self.writebacks.append(f"{self.rec.global_ref(group, '_G')}[{key!r}] = {value}")
                group[key] = float(current)
            else:
                self.rec.graph_break(f"the optimizer's {key!r} was changed inside the step")
        self.group_scalars.clear()


# Tensor methods that hand a value to Python: the traced region ends there.
_BREAKS = ("numpy", "item", "tolist", "__bool__", "__int__", "__float__", "__index__",
           "__repr__", "__str__", "__format__")  # fmt: skip


def _graph_break(name: str, original):
    def method(t, *args, **kwargs):
        _trace._break(f"Tensor.{name}()")
        return original(t, *args, **kwargs)

    return method


def _unwrapped(array):
    return np.ndarray.view(array, np.ndarray) if array.__class__ is TracedArray else array


def _maker(name: str, original):
    """np.zeros & co. during a trace: the new buffer is a traced array (made by a line)."""

    def make(*args, **kwargs):
        result = original(*args, **kwargs)
        rec = _trace._active
        if rec is None or result.__class__ is TracedArray or not isinstance(result, np.ndarray):
            return result
        return rec.source(f"np.{name}", args, kwargs, result)

    return make


def _as_array(name: str, original):
    """np.asarray & co.: a traced array stays traced (they would strip the subclass)."""

    def as_array(a, *args, **kwargs):
        if a.__class__ is TracedArray and not args and not kwargs and name != "array":
            if _trace._active is not None and name != "ascontiguousarray":
                return a  # the common case (Tensor._make): nothing to convert
        rec = _trace._active
        if rec is None or not _holds_traced(a):
            return original(a, *args, **kwargs)
        result = original(_plain(a), *_plain(args), **_plain(kwargs))
        if a.__class__ is TracedArray and same_array(result, a):
            return a  # no copy was made: the same array
        return rec.call(f"np.{name}", (a, *args), kwargs, result)

    return as_array


def _as_strided(original):
    """as_strided makes its view through a helper object, out of NumPy's dispatch: record it."""

    def as_strided(x, *args, **kwargs):
        rec = _trace._active
        if rec is None or x.__class__ is not TracedArray:
            return original(x, *args, **kwargs)
        result = original(_plain(x), *_plain(args), **_plain(kwargs))
        return rec.call("np.lib.stride_tricks.as_strided", (x, *args), kwargs, result)

    return as_strided


def _float(x=0.0, /):
    """float() that keeps a number read from a traced array recorded (a TracedScalar)."""
    rec = _trace._active
    if rec is not None and x.__class__ is TracedArray:
        value = builtins.float(np.ndarray.view(x, np.ndarray))
        return rec.scalar(f"float({rec.ref(x)})", value, from_inputs=False)
    if x.__class__ is TracedScalar:
        return x
    return builtins.float(x)


class _RecordingMath:
    """The `math` module, except that functions of recorded numbers are recorded, and a
    test on an array's value (`math.isfinite(total)`) becomes a checked assumption."""

    def __getattr__(self, name: str):
        function = getattr(math, name)
        if not callable(function):
            return function

        def call(*args):
            value = function(*_plain(args))
            rec = _trace._active
            traced = [a for a in args if a.__class__ in (TracedScalar, TracedArray)]
            if rec is None or not traced:
                return value
            if value.__class__ is not float or any(a.__class__ is TracedArray for a in args):
                rec.assume_call(f"math.{name}", args, value)
                return value
            inputs_only = all(getattr(a, "from_inputs", True) for a in args)
            refs = ", ".join(rec.ref(a) for a in args)
            return rec.scalar(f"math.{name}({refs})", value, inputs_only)

        return call


_MATH = _RecordingMath()


def _view_makers() -> dict:
    """Library functions that build a view straight on an array's buffer (`np.ndarray(shape,
    dtype, buffer, ...)`), which no NumPy dispatch can see: each call is recorded whole."""
    found = {}
    for module_name, name in (("ops._shape", "expand_array"), ("ops.window", "window_view")):
        module = sys.modules.get(_PACKAGE + module_name)
        if module is not None and hasattr(module, name):
            found[name] = getattr(module, name)
    return found


def _library_call(name: str, original):
    """A library function of arrays, recorded as one call to it (its NumPy work unseen)."""

    def call(*args, **kwargs):
        rec = _trace._active
        if rec is None or not any(a.__class__ is TracedArray for a in args):
            return original(*args, **kwargs)
        _trace._active = None
        try:
            result = original(*_plain(args), **_plain(kwargs))
        finally:
            _trace._active = rec
        return rec.source(rec.global_ref(original, "_" + name), args, kwargs, result)

    return call


def _promote(original):
    """Tensor arithmetic takes a recorded number (`p.add_(g, alpha=-lr)`) like a float."""

    def promote(x, y, *op):
        if y.__class__ is not TracedScalar:
            return original(x, y, *op)
        x, plain = original(x, float(y), *op)
        return x, (y if plain.__class__ is float else plain)

    return promote


def _holds_traced(a) -> bool:
    if a.__class__ in (TracedArray, TracedScalar):
        return True
    return a.__class__ in (list, tuple) and any(_holds_traced(v) for v in a)


def _sampler(name: str, original):
    """A random sampler: drawn for real, recorded as one call on the same generator."""

    def sample(*args, **kwargs):
        rec = _trace._active
        _trace._active = None  # its own NumPy work is not part of the program
        try:
            result = original(*_plain(args), **_plain(kwargs))
        finally:
            _trace._active = rec
        if rec is None:
            return result
        rec.external_done = True  # the generator moved on: a draw cannot be taken back
        return rec.source(rec.global_ref(original, "_" + name), args, kwargs, result, True)

    return sample
