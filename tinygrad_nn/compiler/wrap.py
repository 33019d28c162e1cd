"""What `compile` returns: a callable that traces once per guard and replays afterwards.

    call ──> guard of program 1? ── yes ──> run program 1
               │ no
             guard of program 2? ... none: trace this call (eagerly, recording) and cache it

Two kinds of program come out of a trace:

* a *step*: the function ran backward itself (or nothing needs a gradient), so one program
  does everything - forward, backward, optimizer - and writes back what eager mode changed;
  its guard is its own first statement (it returns `_MISS` when the guard fails), so a call
  costs one Python call on top of the NumPy work;
* a *differentiable forward* (a compiled model whose loss and backward stay eager): the
  forward program returns the outputs and the arrays backward needs, and the outputs get one
  graph node, `CompiledFunctionBackward`, whose backward runs a backward program traced right
  after the forward by `autograd.grad` with placeholder gradients.
"""

from __future__ import annotations

import functools
import gc
import inspect
import warnings
import weakref

import numpy as np

from ..autograd.function import AccumulateGrad, Function, observers
from ..autograd.grad_mode import _state as _grad_mode
from ..autograd.tensor_hooks import UNSHARED
from ..tensor import Tensor
from . import codegen, errors, guards
from .optimize import optimize
from .patches import _SLOT, Tracing
from .record import Recorder
from .trace import TracedArray, TracedScalar, literal

_ALL = weakref.WeakSet()  # every compiled callable, for compiler.reset()
_MISS = object()  # what a program returns when a hyperparameter check fails
_DOUBLE = "torch.compile with aot_autograd does not currently support double backward"


def _call(fn, *args):
    return fn(*args)


# Programs compute inf and nan without NumPy's warnings, as the eager ops do (np.errstate as
# a decorator: its cheapest form, a third of a microsecond less than `with` per call).
_quietly = np.errstate(all="ignore")(_call)


def _quiet_replay(program, flat: tuple):
    """`_replay` with NumPy's warnings off, once: inside a module call or a backward they are
    off already, and CompiledFunction.apply, seeing `quiet`, leaves them alone."""
    if _grad_mode.quiet:
        return _replay(program, flat)
    _grad_mode.quiet = True
    try:
        return _quietly(_replay, program, flat)
    finally:
        _grad_mode.quiet = False


def _replay(program, flat: tuple):
    """Run a differentiable forward's program; its outputs get one CompiledFunction node."""
    outputs = program.forward(flat)
    if outputs is _MISS:
        return _MISS
    run = (outputs[0], outputs[1], program.backward)
    result = CompiledFunction.apply(*program.leaves(flat), run=run)
    return result if program.structure == "one" else _rebuild(program.structure, result)


class Program:
    """One cached trace: its guard, the generated function(s) and their source."""

    def __init__(
        self,
        guard,
        source: str,
        run=None,
        forward=None,
        backward=None,
        leaves=None,
        n_outputs: int = 0,
        structure=None,
    ):
        self.guard, self.source, self.run = guard, source, run
        self.forward, self.backward, self.leaves = forward, backward, leaves
        self.n_outputs, self.structure = n_outputs, structure


class CompiledFunction(Function):
    """The autograd node of a compiled forward (PyTorch's name for it)."""

    node_name = "CompiledFunctionBackward"

    @staticmethod
    def forward(ctx, *leaves, run):
        """Hand over what the forward program computed: `run` is (outputs, the arrays
        backward needs, the backward program). The leaves (the tensors that need gradients)
        are arguments only to give the node its edges; a keyword argument gets none."""
        outputs, saved, backward = run
        ctx.program = backward
        ctx.save_values(saved_arrays=saved)
        return outputs if len(outputs) > 1 else outputs[0]

    @staticmethod
    def backward(ctx, *grads):
        """Run the backward program: dL/d(each leaf) from dL/d(each output)."""
        arrays = tuple([None if g is None else g._data for g in grads])
        try:
            result = ctx.program(arrays, ctx.saved_arrays)
        except Exception as error:
            errors.relocate(error)  # the user's line in the traceback, not the program's
            raise
        tensors = [None if r is None else _make(r) for r in result]
        if _grad_mode.enabled:  # create_graph=True: results whose backward raises
            return tuple([None if t is None else _NoDoubleBackward.apply(_ANCHOR, t)
                          for t in tensors])  # fmt: skip
        owned = ctx.program.owned
        if owned and not (ctx._node_post_hooks or observers.on_backward):
            _hand_over(ctx, tensors, owned)
        return tuple(tensors)


_make = Tensor._make


def _hand_over(ctx, tensors: list, owned: tuple) -> None:
    """Mark the gradients that only this backward holds (fresh arrays of the program, see
    codegen.owned_outputs) and that go straight to a leaf: `.grad` may take them without a
    copy (tensor_hooks.store_grad). Only arrays laid out as their copy would be (contiguous
    one way or the other, alone in their buffer), so that nobody can tell the difference."""
    edges = ctx.next_functions
    for i in owned:
        array = tensors[i]._data
        if (
            edges[i][0].__class__ is AccumulateGrad
            and array.flags.forc
            and (array.base is None or _whole(array))
        ):
            tensors[i].__dict__[UNSHARED] = True


def _whole(array) -> bool:
    base = array.base
    return base.__class__ is np.ndarray and base.base is None and base.nbytes == array.nbytes


_ANCHOR = Tensor._make(np.zeros((), np.float32), requires_grad=True)  # gives those a node


class _NoDoubleBackward(Function):
    """Passes a gradient through; differentiating it again raises PyTorch's error."""

    node_name = "CompiledFunctionBackwardBackward"

    @staticmethod
    def forward(ctx, anchor, value):
        return value._data

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(_DOUBLE)


class CompiledCallable:
    """A function (or a module's forward) compiled with `tinygrad_nn.compile`."""

    def __init__(self, fn, fullgraph: bool = False, root=None, limit=guards.RECOMPILE_LIMIT):
        self.fn, self.fullgraph, self.root, self.limit = fn, fullgraph, root, limit
        self.programs: list[Program] = []  # the one used last first
        self.traced: list[Program] = []  # the same, in the order they were traced
        self.eager_reason: str | None = None
        _ALL.add(self)
        try:
            self.arg_names = list(inspect.signature(fn.forward if fn is root else fn).parameters)
        except (TypeError, ValueError):
            self.arg_names = []

    def __call__(self, *args, **kwargs):
        result = self.replay(args, kwargs)
        if result is not _MISS:
            return result
        flat = (*args, tuple(kwargs), *kwargs.values()) if kwargs else args
        if self.eager_reason is not None:
            return self.fn(*args, **kwargs)
        if len(self.programs) >= self.limit:
            self.eager_reason = "recompile limit"
            warnings.warn(
                f"tinygrad_nn.compile: {self.name()} was traced {self.limit} times "
                "(torch._dynamo's recompile_limit); it runs eagerly from now on.",
                stacklevel=2,
            )
            return self.fn(*args, **kwargs)
        return self._trace(args, kwargs, flat)

    def replay(self, args: tuple, kwargs: dict):
        """The result of the first cached program whose guard holds, or `_MISS`."""
        # Keyword arguments: their names (guarded by value), then their values.
        flat = (*args, tuple(kwargs), *kwargs.values()) if kwargs else args
        for i, program in enumerate(self.programs):
            run = program.run  # a whole step, which checks its own guard (_MISS if it fails)
            try:
                if run is not None:
                    result = run(flat) if _grad_mode.quiet else _quietly(run, flat)
                elif program.guard(flat):
                    result = _quiet_replay(program, flat)
                else:
                    continue
            except Exception as error:
                errors.relocate(error)  # the user's line in the traceback, not the program's
                raise
            if result is not _MISS:
                if i:  # the program used last is tried first next time
                    self.programs.insert(0, self.programs.pop(i))
                return result
        return _MISS

    def _keep(self, program: Program) -> None:
        self.programs.insert(0, program)
        self.traced.append(program)

    def name(self) -> str:
        """The compiled function's name, for messages."""
        return getattr(self.fn, "__qualname__", type(self.fn).__name__)

    # ------------------------------------------------------------------ tracing

    def _trace(self, args: tuple, kwargs: dict, flat: tuple):
        rec = Recorder(self.fullgraph)
        found = guards.discover(self.fn, args, kwargs, self.root)
        names = self.arg_names[: len(args)] + ["kwargs", *kwargs] if kwargs else self.arg_names
        tracing = Tracing(rec, flat, names, found.labels, found.module_names)
        tracing.watch_grads(found.tensors)
        grad_enabled, mark, grads = _grad_mode.enabled, None, None
        try:
            with tracing:
                result = self.fn(*args, **kwargs)
                outputs = _output_tensors(result)
                if grad_enabled and not tracing.backward_ran and rec.broken is None:
                    mark, grads = _differentiable(rec, tracing, result, outputs)
        finally:
            writebacks = tracing.finish()  # plain arrays back in every tensor, whatever happened
        if rec.broken is not None:
            self.eager_reason = rec.broken
            return _strip(result)
        if tracing.state_changed:
            return _strip(result)  # the optimizer made its state: trace the next call instead
        rec.namespace.update(_MISS=_MISS, _wrap=Tensor._make)  # wrap(), one call less
        condition = _condition(rec, tracing, found, flat, forward_only=mark is not None)
        if mark is None:  # the guard is the step's first statement: one call per step
            entry = [f"    if not (\n        {condition}\n    ):", "        return _MISS"]
            run, source = _step_program(rec, tracing, writebacks, result, entry)
            self._keep(Program(None, source, run=run))
            return _strip(result)
        guard, guard_source = codegen.build(
            "guard", "_in", [f"    return (\n        {condition}\n    )"], rec.namespace
        )
        program, first = _forward_programs(rec, tracing, writebacks, outputs, mark, grads)
        program.guard, program.structure = guard, _structure(result)
        program.source = guard_source + "\n" + program.source
        self._keep(program)
        return _rebuild(program.structure, CompiledFunction.apply(*first[0], run=first[1]))


def _differentiable(rec, tracing, result, outputs) -> tuple:
    """After a forward that did not run backward itself: (where backward starts in the
    lines, what `_trace_backward` found) if an output needs a gradient, else (None, None)."""
    if outputs is not None and any(t._requires_grad for t in outputs):
        return len(rec.lines), _trace_backward(rec, tracing, outputs)
    if outputs is None and _needs_grad(result):  # no node could carry its gradient
        rec.graph_break(
            "an output that needs a gradient, in a container other than (nested) tuples "
            "and lists of tensors"
        )
    return None, None


def _condition(rec, tracing, found, flat: tuple, forward_only: bool) -> str:
    """The guard of a new program: a condition on `_in` and what the program reads."""
    if forward_only:  # a forward alone: `.grad` plays no part, unless it was read
        tracing.grad_before = {
            k: v for k, v in tracing.grad_before.items() if k in tracing.grad_read
        }
    return "\n        and ".join(guards.conditions(rec, tracing, found, flat))


def _output_tensors(result):
    """The output tensors of a forward: a tensor, or tuples/lists of them, nested as an
    LSTM's `(out, (h, c))`, in order. None for anything else."""
    if isinstance(result, Tensor):
        return [result]
    if not isinstance(result, (tuple, list)) or not result:
        return None
    flat = []
    for part in result:
        inner = _output_tensors(part)
        if inner is None:
            return None
        flat += inner
    return flat


def _structure(result):
    """How to put the outputs back together: "one" tensor, or (sequence type, parts)."""
    if isinstance(result, Tensor):
        return "one"
    return type(result), [_structure(part) for part in result]


def _rebuild(structure, value):
    """The value a compiled forward returns, from CompiledFunction's output(s)."""
    return _assemble(structure, iter(value if isinstance(value, tuple) else (value,)))


def _assemble(structure, values):
    if structure == "one":
        return next(values)
    kind, parts = structure
    items = [_assemble(part, values) for part in parts]
    return kind(*items) if hasattr(kind, "_fields") else kind(items)  # a namedtuple, too


def _needs_grad(value) -> bool:
    """Whether a returned value holds a tensor that requires grad (anywhere inside)."""
    if isinstance(value, Tensor):
        return value._requires_grad
    if isinstance(value, (tuple, list)):
        return any(_needs_grad(v) for v in value)
    if isinstance(value, dict):
        return any(_needs_grad(v) for v in value.values())
    return False


def _strip(value):
    """Traced arrays out of returned tensors (the first call's result is eager mode's)."""
    if isinstance(value, Tensor):
        data = _SLOT.__get__(value)
        if data.__class__ is TracedArray:
            _SLOT.__set__(value, np.ndarray.view(data, np.ndarray))
    elif isinstance(value, (tuple, list)):
        for v in value:
            _strip(v)
    elif isinstance(value, dict):
        for v in value.values():
            _strip(v)
    return float(value) if value.__class__ is TracedScalar else value


def _collector_paused(fn):
    """`fn` with Python's cyclic garbage collector paused. Generating a program makes tens of
    thousands of small objects that form no cycles, and each collection the collector starts
    meanwhile walks everything the trace keeps alive (W4: 15% of its trace)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return run


@_collector_paused
def _program_source(rec, lines: list, live: set, tail: list) -> list:
    """Prologue, entry checks, body (pruned, with frees) and `tail`, for names in `live`."""
    lines = codegen.prune(lines, live | rec.decision_uses)
    lines = codegen.prune(optimize(rec, lines, live), live | rec.decision_uses)
    hoisted, checks, lines = codegen.decisions(rec, lines)
    names = codegen.used_names(lines + hoisted) | live | rec.decision_uses
    source = codegen.prologue(rec, names, codegen.defined_names(lines + hoisted))
    return source + checks + codegen.body(lines, live, _sizes(rec)) + tail


def _step_program(rec, tracing, writebacks: list, result, entry: list):
    """One program for the whole call: guard (`entry`), body, write-backs, return value."""
    live = set(tracing.writeback_uses)
    returned = _source_of(rec, tracing, result, live)
    tail = [f"    {w}" for w in writebacks] + [f"    return {returned}"]
    body = _program_source(rec, rec.lines, live, tail)
    return codegen.build("step", "_in", entry + body, rec.namespace)


def _source_of(rec, tracing, value, uses: set) -> str:
    """Python source that rebuilds a returned value from the program's names."""
    if isinstance(value, Tensor):
        if id(value) in tracing.located:
            return tracing.tensor_source(value)
        return f"_wrap({rec.detached_ref(_SLOT.__get__(value), uses)})"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_source_of(rec, tracing, v, uses) for v in value)
        return f"({inner},)" if isinstance(value, tuple) else f"[{inner}]"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{k!r}: {_source_of(rec, tracing, v, uses)}" for k, v in value.items())
            + "}"
        )
    if value.__class__ is TracedScalar or literal(value) is not None:
        return rec.detached_ref(value, uses)
    return rec.global_ref(value, "_R")


def _trace_backward(rec, tracing, outputs: list) -> tuple:
    """Record backward of the forward just traced: autograd.grad with placeholder gradients
    (named `grad_0`, ... and read from the backward program's `_g`). Returns (leaves, grads)."""
    from .. import autograd

    leaves = [t for t, *_ in tracing.located.values() if t._requires_grad]
    wanted, placeholders = [], []
    for i, out in enumerate(outputs):
        data = _ONES(out._data.shape, out._data.dtype).view(TracedArray)
        rec.bind(data, f"grad_{i}")
        rec.placeholders.add(f"grad_{i}")
        rec.inputs.append((f"grad_{i}", f"_g[{i}]", len(rec.lines)))
        if out._requires_grad:
            wanted.append(out)
            placeholders.append(Tensor._make(data))
    old, rec.label = rec.label, "backward"
    rec.external_done = True  # a check in backward cannot send the caller back to retrace
    try:
        grads = autograd.grad(wanted, leaves, placeholders, allow_unused=True)
    finally:
        rec.label = old
    return leaves, grads


_ONES = np.ones


def _forward_programs(rec, tracing, writebacks: list, outputs: list, mark: int, traced):
    """The forward and backward programs of a differentiable forward, and what the first
    call hands to CompiledFunction (its leaves, and its `run` with the eager values)."""
    leaves, grads = traced
    backward, backward_source, saved = _backward_program(rec, rec.lines[mark:], grads, mark)
    out_uses: set = set()
    out_sources = [rec.detached_ref(_SLOT.__get__(o), out_uses) for o in outputs]
    live = out_uses | set(saved) | tracing.writeback_uses
    tail = [f"    {w}" for w in writebacks]
    tail.append(f"    return ({', '.join(out_sources)},), ({''.join(n + ', ' for n in saved)})")
    forward, forward_source = codegen.build(
        "forward", "_in", _program_source(rec, rec.lines[:mark], live, tail), rec.namespace
    )
    leaf_sources = ", ".join(tracing.tensor_source(t) for t in leaves)
    leaf_fn, _ = codegen.build("leaves", "_in", [f"    return ({leaf_sources},)"], rec.namespace)
    program = Program(None, forward_source + "\n" + backward_source, forward=forward,
                      backward=backward, leaves=leaf_fn)  # fmt: skip
    values = tuple(_plain_value(rec, n) for n in saved)
    arrays = tuple(_plain_value(rec, rec.names[id(_SLOT.__get__(o))]) for o in outputs)
    return program, (leaves, (arrays, values, backward))


@_collector_paused
def _backward_program(rec, lines: list, grads, mark: int):
    """`backward(_g, _saved)`: the gradients of the leaves from those of the outputs. Returns
    (function, source, names of the forward's values it needs: the saved arrays)."""
    uses: set = set()
    returned = [rec.detached_ref(_SLOT.__get__(g), uses) if g is not None else "None"
                for g in grads]  # fmt: skip
    lines = codegen.prune(lines, uses)
    lines = codegen.prune(optimize(rec, lines, uses), uses)
    defined = codegen.defined_names(lines)
    forward_inputs = {n for n, _, pos in rec.inputs if pos <= mark and n not in rec.placeholders}
    forward_names = codegen.defined_names(rec.lines[:mark]) | forward_inputs
    needed = codegen.used_names(lines) | uses
    saved = sorted(n for n in needed if n in forward_names and n not in defined)
    unpack = [f"    ({''.join(n + ', ' for n in saved)}) = _saved"] if saved else []
    inputs = codegen.prologue(rec, needed - set(saved), defined)
    body = codegen.body(lines, uses, _sizes(rec))
    tail = [f"    return ({''.join(r + ', ' for r in returned)})"]
    function, source = codegen.build("backward", "_g, _saved", unpack + inputs + body + tail,
                                     rec.namespace)  # fmt: skip
    function.owned = codegen.owned_outputs(lines, returned)  # gradients .grad may keep
    return function, source, saved


def _sizes(rec) -> dict:
    """Bytes of each named array, as traced."""
    return {n: v.nbytes for n, v in rec.objects.items() if isinstance(v, np.ndarray)}


def _plain_value(rec, name: str):
    value = rec.objects[name]
    return np.ndarray.view(value, np.ndarray) if value.__class__ is TracedArray else value
