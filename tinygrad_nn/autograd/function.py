"""`Function` and its node: how one op joins the graph.   Read this file first.

Every differentiable op - `Mul`, `Sum`, a user's own - is a subclass of `Function` with two
static methods, as in PyTorch:

    forward(ctx, *args)   runs on the NumPy arrays inside the tensors (`x._data`), with grad
                          mode off, may `ctx.save_for_backward(...)` what backward needs, and
                          returns an array (or a tuple): `apply` wraps it in a Tensor;
    backward(ctx, *grads) receives dL/d(output) and returns dL/d(input), one per forward
                          argument, written in Tensor ops - so when `create_graph=True` the
                          backward pass itself is recorded and can be differentiated again.

`Function.apply` calls `forward` and, when grad mode is on and some input requires grad,
records a `BackwardNode` as the output's `grad_fn`. The node *is* the `ctx`: it keeps the
saved tensors, the attributes `forward` set, and `next_functions` - one `(node, output_nr)`
edge per forward argument, pointing at the input's own `grad_fn` (or at an `AccumulateGrad`
node for a leaf, or `None` for a constant). Those edges are the whole graph:

    x (leaf) --> AccumulateGrad <--+
                                   MulBackward0 <-- SumBackward0 <-- loss.grad_fn
    y (leaf) --> AccumulateGrad <--+

`engine.py` walks them backwards.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import weakref

import numpy as np

from . import _parity
from .grad_mode import _state

# The Tensor class. tensor.py builds on this module, so it cannot be imported here; tensor.py
# hands the class over once it is defined (use_tensor_class).
Tensor = None

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_sequence = itertools.count()  # creation order: the engine runs later nodes first, as PyTorch


def use_tensor_class(cls) -> None:
    """Called once by tensor.py: the class `apply` wraps arrays in."""
    global Tensor
    Tensor = cls


def wrap(array):
    """A Tensor around `array` (no copy): for op code that builds a tensor from an array."""
    return Tensor._make(array)


def is_tensor(value) -> bool:
    """True for a Tensor (op modules ask this instead of importing the class)."""
    return isinstance(value, Tensor)


class observers:
    """The one place debugging tools attach (`tinygrad_nn.debug`): lists of callbacks, empty in
    normal use, so watching costs the core one check per op and per backward step."""

    on_create: list = []  # hook(node, args, outputs) after an op is recorded
    on_backward: list = []  # hook(node, grad_outputs, grad_inputs) after a node's backward
    on_accumulate: list = []  # hook(leaf, grad) after a gradient reached a leaf


class BackwardNode(_parity.NodeExtras):
    """A recorded op: the `ctx` of `forward`/`backward` and the `grad_fn` of its outputs."""

    __slots__ = ("_fn", "needs_input_grad", "_seq", "_output_meta", "__dict__", "__weakref__")

    # Fields most nodes never set are class-level defaults; setting one on a node stores it in
    # the node's __dict__, like the attributes `forward` sets (`ctx.dim = dim`).
    next_functions = ()  # set when the node is recorded, as (node, output_nr) edges
    _site = None  # (code, line) of the user's line that recorded it (creation_site)
    _saved = None  # what forward passed to save_for_backward; packed records once recorded
    _packed = False
    _values = ()  # names of the plain values kept by save_values
    _freed = ()  # those names, once release() freed them
    _released = False  # True once backward freed what was saved
    _non_differentiable = ()  # outputs marked by mark_non_differentiable
    _dirty = ()  # inputs marked by mark_dirty
    materialize_grads = True  # missing output gradients arrive as zeros
    _pre_hooks = None  # {output_nr: [hook, ...]}: Tensor.register_hook on outputs
    _retained = None  # {output_nr: weakref to a tensor that called retain_grad()}
    _tensor_args = None  # positions of the arguments that have edges, when not all do
    _node_pre_hooks = ()  # register_prehook
    _node_post_hooks = ()  # register_hook

    def __init__(self, fn: type, needs_input_grad: tuple):
        self._fn = fn
        self.needs_input_grad = needs_input_grad
        self._seq = next(_sequence)

    # --------------------------------------------------------- the ctx protocol

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for `backward`; an in-place change to one of them makes backward raise."""
        self._saved = tensors

    def save_values(self, **values) -> None:
        """Keep plain values that PyTorch saves as tensors (a number operand, an index, a mask)
        as attributes. They are freed with the saved tensors: a second backward raises."""
        self.__dict__.update(values)
        self._values = tuple(values)

    def __getattr__(self, name: str):
        # Reached only when the normal lookup failed: perhaps a value release() freed.
        if name in self._freed:
            raise RuntimeError(_parity.FREED)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to `save_for_backward`, checked against their versions."""
        if self._released:
            raise RuntimeError(_parity.FREED)
        if not self._packed:  # inside forward, or not recorded: as they were given
            return self._saved or ()
        return tuple([_unpack(self, record) for record in self._saved])

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs (e.g. indices) that never receive a gradient."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """If False, backward receives `None` instead of zeros for unused outputs."""
        self.materialize_grads = value

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward changed in place: their versions move on, and an input
        returned as an output stays the same tensor object, now with this node as grad_fn."""
        for t in tensors:
            t._version_counter[0] += 1
        self._dirty = tensors

    def name(self) -> str:
        """PyTorch-style name of the node, e.g. `MulBackward0`."""
        return self.__dict__.get("node_name") or self._fn.node_name

    def release(self) -> None:
        """Free the saved tensors and values after backward: the memory goes back at once."""
        if self._saved is not None or self._values:
            self._saved = None
            for name in self._values:
                del self.__dict__[name]
            self._freed, self._values = self._values, ()
            self._released = True


class AccumulateGrad(_parity.NodeExtras):
    """The node at a leaf: adds the arriving gradient into `variable.grad`.

    The leaf owns this node and the node refers back to the leaf only weakly, so the pair
    forms no reference cycle; a leaf nobody holds any more has no `.grad` to fill.
    """

    __slots__ = ("_variable", "_meta", "__dict__", "__weakref__")
    next_functions = ()
    needs_input_grad = ()
    _seq = float("inf")  # ready leaves run first, as in PyTorch
    _pre_hooks = _retained = _site = None

    def __init__(self, variable):
        self._variable = weakref.ref(variable)
        self._meta = ((variable._data.shape, variable._data.dtype),)

    @property
    def variable(self):
        """The leaf tensor (None if it no longer exists)."""
        return self._variable()

    @property
    def _output_meta(self):
        leaf = self._variable()
        return ((leaf._data.shape, leaf._data.dtype),) if leaf is not None else self._meta

    def name(self) -> str:
        """PyTorch's name for the leaf node."""
        return "torch::autograd::AccumulateGrad"

    def release(self) -> None:
        """Nothing is saved at a leaf."""


def grad_accumulator(leaf) -> AccumulateGrad:
    """The one AccumulateGrad node of a leaf (made on first use, then kept by the leaf)."""
    # Two threads using a fresh leaf at once must not make two nodes: autograd.grad finds the
    # leaf's gradient by its node, and would miss one made by the other thread.
    with _accumulator_lock:
        if leaf._accumulator is None:
            leaf._accumulator = AccumulateGrad(leaf)
    return leaf._accumulator


_accumulator_lock = threading.Lock()


# ---------------------------------------------------------------- saved tensors


def _pack(tensor, outputs: tuple):
    """(tensor or None, array of a saved output, version counter, version now, output_nr).

    A saved *output* is kept as its array, not as the Tensor: the Tensor points at this node
    through grad_fn, so keeping it here would make an out -> node -> out cycle."""
    if tensor is None:
        return None
    for nr, out in enumerate(outputs):
        if tensor is out:
            return (None, tensor._data, tensor._version_counter, tensor._version_counter[0], nr)
    return (tensor, None, tensor._version_counter, tensor._version_counter[0], 0)


def _unpack(node: BackwardNode, record):
    """The saved tensor back, after checking nothing changed it in place since."""
    if record is None:
        return None
    tensor, data, version, saved_version, nr = record
    if version[0] != saved_version:
        raise _parity.inplace_error(node, record)
    if tensor is not None:
        return tensor
    out = Tensor._make(data)  # a saved output, re-wrapped: it stays attached to this node
    out._version_counter, out._requires_grad, out.grad_fn, out._output_nr = version, True, node, nr
    return out


def creation_site():
    """(code, line) of the user's line that is running an op: the first frame outside this
    package. A code object and a number, no traceback: cheap enough to keep for every node."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return None if frame is None else (frame.f_code, frame.f_lineno)


# ---------------------------------------------------------------- Function


class Function:
    """Base class of every differentiable op. Subclass it and write static `forward` and
    `backward` (same protocol as `torch.autograd.Function`); call it with `MyOp.apply(...)`.
    """

    node_name: str | None = None  # e.g. "MmBackward0"; default: f"{cls.__name__}Backward0"
    # Positions where a Python number is an operand PyTorch wraps in a tensor (x * 2): it
    # gets an empty edge there, so `next_functions` has one entry per operand, as PyTorch's.
    number_edges: tuple = ()
    # Positions of tensor arguments PyTorch gives no edge: a condition, mask or index.
    no_edges: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _parity.adapt_subclass(cls, __name__.partition(".")[0])

    @staticmethod
    def forward(ctx, *args, **kwargs):
        """Compute the output from the inputs (grad mode is off here)."""
        raise NotImplementedError("a Function subclass must implement forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Return one gradient per forward argument (None where there is none)."""
        raise NotImplementedError("a Function subclass must implement backward")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run `forward` and, if anything requires grad, record a node for backward."""
        if not _state.enabled:  # no_grad, or a backward pass: the cheap path, nothing recorded
            return _forward(cls, BackwardNode(cls, (False,) * len(args)), args, kwargs)
        # One pass over the arguments: which need a gradient, and where each one's gradient
        # goes (_edge). A number operand of arithmetic (`x * 2`, the op's `number_edges`) has
        # an empty edge; any other non-tensor argument (an option) none, see _parity.fit_edges.
        needs, edges = [], []
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                needs.append(a._requires_grad)
                edges.append(_edge(a))
            else:
                needs.append(False)
                edges.append((None, 0) if i in cls.number_edges else None)
        ctx = BackwardNode(cls, tuple(needs))
        _state.enabled = False  # forward's own tensor ops record nothing
        try:
            result = _forward(cls, ctx, args, kwargs)
        finally:
            _state.enabled = True
        if True not in needs:
            return result
        fitted = None in edges or cls.no_edges
        ctx.next_functions = _parity.fit_edges(ctx, edges) if fitted else tuple(edges)
        ctx._site = creation_site()
        result, outputs = _attach(ctx, args, result)
        for hook in observers.on_create:
            hook(ctx, args, outputs)
        return result


def _forward(cls, ctx: BackwardNode, args: tuple, kwargs: dict):
    """Run forward, wrapping the arrays it returns in Tensors."""
    try:
        result = cls.forward(ctx, *args, **kwargs)
    except ValueError as error:  # NumPy's broadcasting error -> PyTorch's RuntimeError
        raise _parity.broadcast_error(error, args) from None
    if isinstance(result, (np.ndarray, np.generic)):
        return Tensor._make(result)
    if isinstance(result, tuple):
        return tuple(Tensor._make(r) if isinstance(r, (np.ndarray, np.generic)) else r
                     for r in result)  # fmt: skip
    return result


def _edge(tensor) -> tuple:
    """Where the gradient of `tensor` goes: its grad_fn, its leaf's AccumulateGrad, or nowhere."""
    if not tensor._requires_grad:
        return (None, 0)
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (tensor._accumulator or grad_accumulator(tensor), 0)


def _attach(ctx: BackwardNode, args: tuple, result) -> tuple:
    """Make `ctx` the grad_fn of the outputs and pack what it saved; (result, outputs)."""
    single = result.__class__ is not tuple
    outputs = [result] if single else list(result)
    for nr, out in enumerate(outputs):
        if any(out is a for a in args):  # forward returned an input as it is
            outputs[nr] = _returned_input(ctx, out)
    meta = []
    for nr, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            meta.append(None)
            continue
        meta.append((out._data.shape, out._data.dtype))
        if out._data.dtype.kind in "fc" and not (
            ctx._non_differentiable and any(out is m for m in ctx._non_differentiable)
        ):
            out._requires_grad, out.grad_fn, out._output_nr = True, ctx, nr
    ctx._output_meta, outputs = tuple(meta), tuple(outputs)
    if ctx._saved:
        ctx._saved, ctx._packed = tuple([_pack(t, outputs) for t in ctx._saved]), True
    return (outputs[0] if single else outputs), outputs


def _returned_input(ctx: BackwardNode, a):
    """The output for an input that forward returned as is: a new tensor sharing its memory,
    or, if forward changed it in place (mark_dirty), that very tensor with a new history."""
    if not any(a is t for t in ctx._dirty):
        return a._shallow_copy()
    if a._requires_grad and a.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    return a


# Old names, kept while the rest of the package moves over.
_hooks = observers
_RemovableHandle = _parity.RemovableHandle
