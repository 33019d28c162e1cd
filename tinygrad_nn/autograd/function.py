"""`Function` and its node: how one op joins the graph.   Read this file first.

Every differentiable op - `Mul`, `Sum`, a user's own - is a subclass of `Function` with two
static methods, as in PyTorch:

    forward(ctx, *args)   runs on the NumPy arrays inside the tensors (`x._data`), with grad
                          mode off, and may `ctx.save_for_backward(...)` what backward needs;
    backward(ctx, *grads) receives dL/d(output) and returns dL/d(input), one per forward
                          argument, written in Tensor ops - so when `create_graph=True` the
                          backward pass itself is recorded and can be differentiated again.

A third, optional one, `array_backward`, is the same formula on bare NumPy arrays: a normal
backward pass records nothing, and the engine then runs it with arrays in and out, no Tensor
or node made per formula step. Most ops write `array_backward = backward`, their formula
being plain arithmetic that means the same on both.

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

import functools
import itertools
import threading
import weakref

import numpy as np

from .grad_mode import _state


_new = object.__new__
_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)
_sequence = itertools.count()  # creation order: the engine runs later nodes first, as PyTorch


class BackwardNode:
    """A recorded op: the `ctx` of `forward`/`backward` and the `grad_fn` of its outputs."""

    __slots__ = ("_fn", "next_functions", "needs_input_grad", "_seq", "_output_meta",
                 "__dict__", "__weakref__")  # fmt: skip

    # Fields that most nodes never set live here as class-level defaults: creating a node
    # (once per recorded op) then costs five attribute writes. Setting one on a node stores
    # it in that node's __dict__, like the attributes `forward` sets (`ctx.dim = dim`).
    _to_save = None  # what forward passed to save_for_backward
    _values = ()  # names of the plain values kept by save_values
    _freed = ()  # those names, once release() freed them
    _saved = None  # the packed records of those tensors, see _pack
    _released = False  # True once backward freed the saved tensors
    _non_differentiable = None  # outputs marked by mark_non_differentiable
    materialize_grads = True  # missing output gradients arrive as zeros
    _pre_hooks = None  # {output_nr: [hook, ...]}: Tensor.register_hook on outputs
    _retained = None  # {output_nr: weakref to a tensor that called retain_grad()}
    _tensor_args = None  # positions of the Tensor arguments, when not all are
    _node_pre_hooks = ()  # register_prehook
    _node_post_hooks = ()  # register_hook

    def __init__(self, fn: type, needs_input_grad: tuple):
        self._fn = fn
        self.needs_input_grad = needs_input_grad
        self.next_functions = ()
        self._seq = next(_sequence)

    @property
    def metadata(self) -> dict:
        """A dict for tools to attach information to this node (made on first use)."""
        if "metadata" not in self.__dict__:
            self.__dict__["metadata"] = {}
        return self.__dict__["metadata"]

    # --------------------------------------------------------- the ctx protocol

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for `backward`; an in-place change to one of them makes backward raise."""
        self._to_save = tensors

    def save_values(self, **values) -> None:
        """Keep plain values that PyTorch saves as tensors (a number operand, which it wraps in
        a 0-d tensor; an index; a mask) as attributes of this node. They are freed with the
        saved tensors, so reading one in a second backward raises PyTorch's error."""
        self.__dict__.update(values)
        self._values = tuple(values)

    def __getattr__(self, name: str):
        # Reached only when the normal lookup failed: perhaps a value release() freed.
        if name in self._freed:
            raise RuntimeError(_FREED)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to `save_for_backward`, checked against their version counters."""
        if self._released:
            raise RuntimeError(_FREED)
        if self._saved is None:  # not recorded (no grad) or accessed inside forward
            return self._to_save or ()
        if _state.arrays:  # the engine is running an array_backward: hand out the arrays
            arrays = []
            for record in self._saved:  # _unpack_array, written out: this runs once per node
                if record is None or record[2][0] != record[3]:
                    arrays.append(_unpack_array(self, record))  # None, or the version error
                else:
                    arrays.append(record[1] if record[0] is None else record[0]._data)
            return tuple(arrays)
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
            t._vc[0] += 1
        self._dirty = tensors

    # ------------------------------------------------------------ graph info

    def name(self) -> str:
        """PyTorch-style name of the node: `MulBackward0`, or `MyFnBackward` for a user's own
        Function (PyTorch's Python Functions carry no overload number)."""
        fn = self._fn
        return self.__dict__.get("node_name") or fn.node_name or \
            f"{fn.__name__}Backward{'' if fn._user_op else '0'}"  # fmt: skip

    def register_hook(self, hook):
        """`hook(grad_inputs, grad_outputs)` runs after this node's backward."""
        if not self._node_post_hooks:
            self._node_post_hooks = []
        self._node_post_hooks.append(hook)
        return _RemovableHandle(self._node_post_hooks, hook)

    def register_prehook(self, hook):
        """`hook(grad_outputs)` runs before this node's backward and may replace the grads."""
        if not self._node_pre_hooks:
            self._node_pre_hooks = []
        self._node_pre_hooks.append(hook)
        return _RemovableHandle(self._node_pre_hooks, hook)

    def release(self) -> None:
        """Free the saved tensors and values after backward: the memory goes back at once."""
        if self._saved is not None or self._to_save is not None:
            self._saved = None
            self._to_save = None
            self._released = True
        if self._values:
            for name in self._values:
                del self.__dict__[name]
            self._freed, self._values = self._values, ()
            self._released = True

    def apply_backward(self, *grads):
        """Run this node's backward on output gradients (for debugging ops without the engine)."""
        return self._fn.backward(self, *grads)

    def __call__(self, *grads):
        return self.apply_backward(*grads)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad:
    """The node at a leaf: adds the arriving gradient into `variable.grad`.

    The leaf owns this node and the node refers back to the leaf only weakly, so the pair
    forms no reference cycle; a leaf nobody holds any more has no `.grad` to fill.
    """

    __slots__ = ("_variable", "_meta", "__dict__", "__weakref__")
    next_functions = ()
    needs_input_grad = ()
    _seq = float("inf")  # ready leaves run first, as in PyTorch
    _released = False
    _pre_hooks = None
    _retained = None

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

    @property
    def metadata(self) -> dict:
        """A dict for tools to attach information to this node (made on first use)."""
        return self.__dict__.setdefault("metadata", {})

    def name(self) -> str:
        """PyTorch's name for the leaf node."""
        return "torch::autograd::AccumulateGrad"

    def release(self) -> None:
        """Nothing is saved at a leaf."""

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _RemovableHandle:
    """What `register_hook` returns: `.remove()` takes the hook off again."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Remove the hook (a second call does nothing)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def grad_accumulator(leaf) -> AccumulateGrad:
    """The one AccumulateGrad node of a leaf (made on first use, then kept by the leaf)."""
    node = leaf._accumulator
    if node is None:
        # Two threads using a fresh leaf at once must not make two nodes: autograd.grad
        # finds the leaf's gradient by its node, and would miss one made by the other thread.
        with _accumulator_lock:
            node = leaf._accumulator
            if node is None:
                node = leaf._accumulator = AccumulateGrad(leaf)
    return node


_accumulator_lock = threading.Lock()


# ---------------------------------------------------------------- saved tensors


def _pack(node: BackwardNode, tensor, outputs: tuple):
    # A saved *output* is kept as its array, not as the Tensor: the Tensor points at this
    # node through grad_fn, so keeping it here would make an out -> node -> out cycle.
    if tensor is None:
        return None
    for nr, out in enumerate(outputs):
        if tensor is out:
            return (None, tensor._data, tensor._vc, tensor._vc[0], nr)
    return (tensor, None, tensor._vc, tensor._vc[0], 0)


def _unpack_array(node: BackwardNode, record):
    """A saved tensor's array, after the same version check as `_unpack`."""
    if record is None:
        return None
    tensor, data, vc, version, nr = record
    if vc[0] != version:
        _unpack(node, record)  # raises the error that names the in-place change
    return data if tensor is None else tensor._data


def _unpack(node: BackwardNode, record):
    if record is None:
        return None
    tensor, data, vc, version, nr = record
    if vc[0] != version:
        t = tensor if tensor is not None else Tensor._make(data)
        producer = node.name() if tensor is None else (
            tensor.grad_fn.name() if tensor.grad_fn is not None else "a leaf")
        from .record import describe_inplace  # error path only: names both lines

        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{t.dtype} {list(t.shape)}], which is output {nr} of "
            f"{producer} (saved by {node.name()}), is at version {vc[0]}; expected version "
            f"{version} instead. Hint: the tensor was changed in place after it was saved for "
            "backward; use an out-of-place op (e.g. `x = x * 2` instead of `x.mul_(2)`)."
            + describe_inplace(node, vc, version)
        )
    if tensor is not None:
        return tensor
    out = Tensor._make(data)  # re-wrap a saved output; it stays attached to this node
    out._vc = vc
    out._requires_grad = True
    out.grad_fn = node
    out._output_nr = nr
    return out


# ---------------------------------------------------------------- Function


class Function:
    """Base class of every differentiable op. Subclass it and write static `forward` and
    `backward` (same protocol as `torch.autograd.Function`); call it with `MyOp.apply(...)`.
    """

    node_name: str | None = None  # e.g. "MmBackward0"; default: f"{cls.__name__}Backward0"
    _user_op = False  # defined outside this package: see __init_subclass__
    # Positions where a Python number is an operand PyTorch wraps in a tensor (x * 2): it
    # gets an empty edge there, so `next_functions` has one entry per operand, as PyTorch's.
    number_edges: tuple = ()
    # Positions of tensor arguments PyTorch gives no edge: a condition, mask or index.
    no_edges: tuple = ()
    # The backward the engine may run on bare NumPy arrays when nothing is recorded
    # (create_graph=False): grads arrive as ndarrays, `ctx.saved_tensors` gives ndarrays, and
    # it returns ndarrays. Most ops write `array_backward = backward`: their formula is plain
    # arithmetic that means the same on arrays and on Tensors. None: the engine wraps the
    # arrays in Tensors and calls `backward` (a user's Function, or a formula that needs
    # Tensor methods).
    array_backward = None

    def __init_subclass__(cls, **kwargs):
        # A wrong backward is far likelier in a user's own Function than in a built-in op, so
        # nodes of those record where they were made and their inputs (record.py), for
        # check_graph and the error messages; built-in ops record nothing unless asked.
        super().__init_subclass__(**kwargs)
        cls._user_op = not cls.__module__.startswith(__name__.partition(".")[0] + ".")
        if "vjp" in cls.__dict__ and "backward" not in cls.__dict__:  # PyTorch's other name
            cls.backward = cls.__dict__["vjp"]
        if "backward" in cls.__dict__ and "array_backward" not in cls.__dict__:
            cls.array_backward = None  # a new backward: an inherited array version is stale
        if "forward" in cls.__dict__ and getattr(cls, "setup_context", None) is not None:
            cls.forward = staticmethod(_with_setup_context(cls.forward, cls.setup_context))

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
        state = _state
        if not state.enabled:  # no_grad, or a backward pass: nothing to record or restore
            try:
                result = cls.forward(BackwardNode(cls, (False,) * len(args)), *args, **kwargs)
            except ValueError as error:  # NumPy's broadcasting error -> PyTorch's RuntimeError
                raise _broadcast_error(error, args) from None
            return _wrap_outputs(result)
        # One pass over the arguments finds which need a gradient and the edge each gives
        # the node (see _attach): an input that requires grad points at its grad_fn, or at
        # its leaf's AccumulateGrad; another tensor gets an empty edge, and so does a number
        # operand of arithmetic (`x * 2`, the op's `number_edges`); other arguments (options,
        # None for now) get none (_fit_signature).
        needs, edges, numbers = [], [], cls.number_edges
        for i, a in enumerate(args):
            if a.__class__ is Tensor or isinstance(a, Tensor):
                if a._requires_grad:
                    node = a.grad_fn
                    edges.append((node, a._output_nr) if node is not None else
                                 (a._accumulator or grad_accumulator(a), 0))  # fmt: skip
                    needs.append(True)
                else:
                    edges.append(_NO_EDGE)
                    needs.append(False)
            else:
                edges.append(_NO_EDGE if i in numbers else None)
                needs.append(False)
        # BackwardNode(cls, needs), written out: this runs for every op, and a constructor
        # call costs a Python frame more than these writes.
        ctx = _new(BackwardNode)
        ctx._fn, ctx.needs_input_grad, ctx.next_functions = cls, tuple(needs), ()
        ctx._seq = next(_sequence)
        state.enabled = False
        try:
            result = cls.forward(ctx, *args, **kwargs)
        except ValueError as error:
            raise _broadcast_error(error, args) from None
        finally:
            state.enabled = True
        result = _wrap_outputs(result)
        if True not in needs:
            return result
        if None in edges or cls.no_edges:
            edges = _fit_signature(ctx, args, edges)
        ctx.next_functions = tuple(edges)
        return _attach(ctx, args, result)


def wrap(array) -> Tensor:
    """A Tensor around `array` (no copy): for op code that builds a tensor from an array."""
    return Tensor._make(array)


def is_tensor(value) -> bool:
    """True for a Tensor (op modules ask this instead of importing the class)."""
    return isinstance(value, Tensor)


def _wrap_outputs(result):
    """Forward may return arrays: each becomes a Tensor (a Tensor stays as it is)."""
    if isinstance(result, _ARRAYS):
        return Tensor._make(result)
    if result.__class__ is tuple and any(isinstance(r, _ARRAYS) for r in result):
        return tuple(Tensor._make(r) if isinstance(r, _ARRAYS) else r for r in result)
    return result


_ARRAYS = (np.ndarray, np.generic)  # what a forward may return for apply to wrap


def _broadcast_error(error: ValueError, args: tuple) -> Exception:
    if "broadcast" not in str(error):
        return error
    from ..ops._shape import broadcast_shapes

    shapes = [a._data.shape for a in args if isinstance(a, Tensor)]
    try:
        broadcast_shapes(*shapes)
    except RuntimeError as mismatch:
        return mismatch
    return RuntimeError(f"shapes {[list(s) for s in shapes]} cannot be broadcast together")


def _attach(ctx: BackwardNode, args: tuple, result):
    """Make `ctx` (its edges already set) the grad_fn of the outputs; pack what it saved."""
    fn = ctx._fn
    if result.__class__ is Tensor:  # the common case, one output: the loop below, unrolled
        for a in args:
            if result is a:  # forward returned an input: the output must be a new tensor
                result = _returned_input(ctx, a)
                break
        data = result._data
        meta = _META.get((data.shape, data.dtype))
        ctx._output_meta = meta if meta is not None else _meta_of(data)
        if data.dtype.kind in "fc" and (ctx._non_differentiable is None or
                                        not _marked(ctx, result)):  # fmt: skip
            result._requires_grad, result.grad_fn = True, ctx
        outputs = (result,)
    else:
        result, outputs = _attach_outputs(ctx, args, result)
    if ctx._to_save:
        ctx._saved = tuple([_pack(ctx, t, outputs) for t in ctx._to_save])
        ctx._to_save = None
    if fn._user_op:
        from .record import record_user_op  # already imported: autograd/__init__.py does

        record_user_op(ctx, args, outputs)
    if _hooks.on_create:
        for hook in _hooks.on_create:
            hook(ctx, args, outputs)
    return result


_NO_EDGE = (None, 0)  # the edge of a tensor that needs no gradient


def _fit_signature(ctx: BackwardNode, args: tuple, edges: list) -> list:
    """The edges PyTorch's signature of the op gives: options (None in `edges`) and a
    condition, mask or index tensor (the op's `no_edges`) get none. `_tensor_args` then maps
    the backward's results, one per argument, to the edges kept."""
    skip = ctx._fn.no_edges
    if not skip:
        n = edges.index(None)
        if edges.count(None) == len(edges) - n:
            # The usual case: tensors first, options after (`Sum.apply(x, dims, keepdim)`).
            # The edges are a prefix of the arguments, so backward's results line up with
            # them as they are, and the engine's zip ignores the options' trailing Nones.
            return edges[:n]
    kept, fitted = [], []
    for i, edge in enumerate(edges):
        if edge is not None and i not in skip:
            kept.append(i)
            fitted.append(edge)
    if len(kept) != len(args):
        ctx._tensor_args = tuple(kept)
    return fitted
_META = {}  # (shape, dtype) -> ((shape, dtype),), shared by every node with such an output


def _meta_of(data: np.ndarray) -> tuple:
    """`_output_meta` for one output. Nodes share these tuples: a graph of 100,000 ops then
    holds 200,000 fewer objects for Python's garbage collector to walk over again and again."""
    key = (data.shape, data.dtype)
    meta = _META.get(key)
    if meta is None:
        if len(_META) > 10_000:  # many distinct shapes (e.g. variable lengths): start afresh
            _META.clear()
        meta = _META[key] = (key,)
    return meta


def _returned_input(ctx: BackwardNode, a):
    """The output for an input that forward returned as is: a new tensor sharing its memory,
    or, if forward changed it in place (mark_dirty), that very tensor with a new history."""
    if not any(a is t for t in ctx.__dict__.get("_dirty", ())):
        return a._shallow_copy()
    if a._requires_grad and a.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    return a


def _marked(ctx: BackwardNode, out) -> bool:
    """True if forward marked `out` non-differentiable."""
    skip = ctx._non_differentiable
    return skip is not None and any(out is s for s in skip)


def _attach_outputs(ctx: BackwardNode, args: tuple, result) -> tuple:
    """Several outputs (or one that is not a Tensor): record each Tensor among them."""
    single = not isinstance(result, tuple)
    outputs = (result,) if single else result
    if any(o is a for o in outputs for a in args):  # forward returned an input as is
        outputs = tuple(o._shallow_copy() if any(o is a for a in args) else o for o in outputs)
    meta = []
    for nr, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            meta.append(None)
            continue
        meta.append((out._data.shape, out._data.dtype))
        if out._data.dtype.kind in "fc" and not _marked(ctx, out):
            out._requires_grad, out.grad_fn, out._output_nr = True, ctx, nr
    ctx._output_meta = tuple(meta)
    return (outputs[0] if single else outputs), outputs


class _hooks:
    """Observers the debugging tools install (empty in normal use, so the cost is one check)."""

    on_create: list = []  # hook(node, args, outputs) after an op is recorded
    on_backward: list = []  # hook(node, grad_outputs, grad_inputs) after a node's backward
    on_accumulate: list = []  # hook(leaf, grad) after a gradient reached a leaf


def _with_setup_context(forward, setup_context):
    """PyTorch's newer style: `forward(*args)` without ctx, and `setup_context(ctx, inputs,
    output)` to save what backward needs. Made into the classic `forward(ctx, *args)`."""

    def classic_forward(ctx, *args, **kwargs):
        output = forward(*args, **kwargs)
        setup_context(ctx, args, output)
        return output

    return classic_forward


def once_differentiable(fn):
    """Mark a backward that is not itself differentiable: it runs without recording, and
    differentiating its results again raises (PyTorch's DelayedError)."""

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        previous, _state.enabled = _state.enabled, False
        try:
            result = fn(ctx, *grads)
        finally:
            _state.enabled = previous
        if not previous or not any(isinstance(g, Tensor) and g._requires_grad for g in grads):
            return result
        single = not isinstance(result, tuple)
        wrapped = tuple(_DelayedError.apply(r) if isinstance(r, Tensor) and r.is_floating_point()
                        else r for r in ((result,) if single else result))  # fmt: skip
        return wrapped[0] if single else wrapped

    return wrapper


class _DelayedError(Function):
    """y = x, but a gradient through y raises: the output of a once_differentiable backward."""

    node_name = "DelayedError"

    @staticmethod
    def forward(ctx, x):
        return Tensor._make(x._data)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable"
        )


from ..tensor import Tensor  # noqa: E402  (tensor.py imports this package lazily)
