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
records a `BackwardNode` as the output's `grad_fn`. The node *is* the `ctx`: it keeps what
forward saved and `next_functions`, one `(node, output_nr)` edge per input, pointing at the
input's `grad_fn` (or a leaf's `AccumulateGrad`). Those edges are the whole graph:

    x (leaf) --> AccumulateGrad <--+
                                   MulBackward0 <-- SumBackward0 <-- loss.grad_fn
    y (leaf) --> AccumulateGrad <--+

`engine.py` walks them backwards.
"""

from __future__ import annotations

import itertools
import threading
import weakref

import numpy as np

from . import _parity, tensor_type
from ._parity import once_differentiable  # noqa: F401  (PyTorch keeps it in autograd.function)
from .grad_mode import _state
from .observers import creation_site, observers
from .tensor_type import is_tensor, use_tensor_class, wrap  # noqa: F401  (op modules use them)

_sequence = itertools.count()  # creation order: the engine runs later nodes first, as PyTorch


class BackwardNode(_parity.NodeExtras):
    """A recorded op: the `ctx` of `forward`/`backward` and the `grad_fn` of its outputs."""

    __slots__ = ("_fn", "needs_input_grad", "_seq", "_output_meta", "__dict__", "__weakref__")

    # Defaults most nodes keep (more in NodeExtras); a node that sets one holds it in __dict__.
    _saved = None  # what forward passed to save_for_backward; _pack's records once recorded
    _packed = _released = False  # _saved holds records; backward freed them

    def __init__(self, fn: type, needs_input_grad: tuple):
        self._fn = fn
        self.needs_input_grad = needs_input_grad

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for `backward`; an in-place change to one of them makes backward raise."""
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to `save_for_backward`, checked against their versions."""
        if self._released:
            raise RuntimeError(_parity.FREED)
        if not self._packed:  # inside forward, or not recorded: as they were given
            return self._saved or ()
        return tuple([_unpack(self, record) for record in self._saved])

    def release(self) -> None:
        """Free the saved tensors and values after backward: the memory goes back at once."""
        if self._saved is not None or self._values:
            self._saved, self._released = None, True
            if self._values:  # the values go too; reading one then raises, as in PyTorch
                _parity.free_values(self)


class AccumulateGrad(_parity.NodeExtras):
    """The node at a leaf: adds the arriving gradient into `variable.grad`. It refers to the
    leaf weakly, so the pair is no reference cycle; a leaf nobody holds has no `.grad` to fill."""

    __slots__ = ("_variable", "_meta", "__dict__", "__weakref__")
    needs_input_grad = ()
    _seq = float("inf")  # ready leaves run first, as in PyTorch

    def __init__(self, variable):
        self._variable = weakref.ref(variable)
        self._meta = ((variable._data.shape, variable._data.dtype),)  # once the leaf is gone

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


def grad_accumulator(leaf) -> AccumulateGrad:
    """The one AccumulateGrad node of a leaf, made on first use. Under a lock: autograd.grad
    finds a leaf's gradient by its node, so two threads must not make two."""
    with _accumulator_lock:
        if leaf._accumulator is None:
            leaf._accumulator = AccumulateGrad(leaf)
    return leaf._accumulator


_accumulator_lock = threading.Lock()


def _pack(tensor, outputs: tuple):
    """(tensor or None, array of a saved output, version counter, version now, output_nr). A
    saved *output* is kept as its array: the Tensor's grad_fn is this node, a reference cycle."""
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
    out = wrap(data)  # a saved output, re-wrapped: it stays attached to this node
    out._version_counter, out._requires_grad, out.grad_fn, out._output_nr = version, True, node, nr
    return out


class Function:
    """Base class of every differentiable op. Subclass it and write static `forward` and
    `backward` (same protocol as `torch.autograd.Function`); call it with `MyOp.apply(...)`.
    """

    node_name: str | None = None  # e.g. "MmBackward0"; default: f"{cls.__name__}Backward0"
    # Positions of number operands (x * 2): empty edges, one per operand as in PyTorch.
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
        # Which arguments need a gradient, and each one's edge (a number operand's is empty).
        needs, edges = [], []
        for i, a in enumerate(args):
            if isinstance(a, tensor_type.Tensor):
                needs.append(a._requires_grad)
                edges.append(edge_of(a))
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
        fit = None in edges or cls.no_edges  # options, masks: PyTorch's signature (_parity)
        ctx.next_functions = _parity.fit_edges(ctx, edges) if fit else tuple(edges)
        ctx._seq, ctx._site = next(_sequence), creation_site(cls._user_op)
        outputs = _attach(ctx, result)
        for hook in observers.on_create:
            hook(ctx, args, outputs)
        return result


def _forward(cls, ctx: BackwardNode, args: tuple, kwargs: dict):
    """Run forward; the arrays it returns become Tensors (see _output)."""
    try:
        if _state.quiet:  # inside backward or an optimizer step: NumPy is quiet already
            result = cls.forward(ctx, *args, **kwargs)
        else:  # as PyTorch, no warning for inf and nan (_parity.forward_quietly)
            result = _parity.forward_quietly(cls, ctx, args, kwargs)
    except ValueError as error:  # NumPy's broadcasting error -> PyTorch's RuntimeError
        raise _parity.broadcast_error(error, args) from None
    if isinstance(result, _ARRAY):  # the usual op: one new array
        return tensor_type.Tensor._make(result)
    if isinstance(result, tuple):
        return tuple([_output(ctx, args, r) for r in result])
    return _output(ctx, args, result)


def _output(ctx: BackwardNode, args: tuple, out):
    """An array wrapped in a Tensor; an input returned as it is, replaced (_parity)."""
    if isinstance(out, _ARRAY):
        return tensor_type.Tensor._make(out)
    for a in args:
        if out is a and a is not None:  # forward returned an input as it is
            return _parity.returned_input(ctx, out)
    return out


_ARRAY = (np.ndarray, np.generic)  # what forward may return for apply to wrap


def edge_of(tensor) -> tuple:
    """Where the gradient of `tensor` goes: its grad_fn, its leaf's AccumulateGrad, or nowhere."""
    if not tensor._requires_grad:
        return (None, 0)
    if tensor.grad_fn is not None:
        return (tensor.grad_fn, tensor._output_nr)
    return (tensor._accumulator or grad_accumulator(tensor), 0)


def _attach(ctx: BackwardNode, result) -> tuple:
    """Make `ctx` the grad_fn of the outputs and pack what it saved; returns the outputs."""
    outputs = result if result.__class__ is tuple else (result,)
    meta = []
    for nr, out in enumerate(outputs):
        if not isinstance(out, tensor_type.Tensor):
            meta.append(None)
            continue
        meta.append((out._data.shape, out._data.dtype))
        if out._data.dtype.kind in "fc" and not (
            ctx._non_differentiable and any(out is m for m in ctx._non_differentiable)
        ):
            out._requires_grad, out.grad_fn, out._output_nr = True, ctx, nr
    ctx._output_meta = tuple(meta)
    if ctx._saved:
        ctx._saved, ctx._packed = tuple([_pack(t, outputs) for t in ctx._saved]), True
    return outputs
