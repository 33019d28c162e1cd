"""PyTorch-parity details of the core, kept out of function.py and engine.py.

None of this is needed to understand reverse mode; all of it is needed for PyTorch code to
see what PyTorch shows: `grad_fn` names, one edge per operand (also for a number, `x * 2`),
no edge for options, masks and indices, the error messages, the argument forms of
`backward()` and `autograd.grad()`, and the checks on what a backward returns.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from .grad_mode import _GradModeContext, _state, no_grad

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class NodeExtras:
    """What PyTorch's graph nodes and ctx offer besides saving tensors: names, marks,
    `metadata`, hooks, calling a node by hand. Mixed into BackwardNode and AccumulateGrad."""

    __slots__ = ()
    # Fields most nodes never set are class-level defaults; setting one on a node stores it in
    # the node's __dict__, like the attributes `forward` sets (`ctx.dim = dim`).
    next_functions = ()  # set when the node is recorded, as (node, output_nr) edges
    _site = None  # (code, offset) of the user's line that recorded it (creation_site)
    _values = ()  # names of the plain values kept by save_values
    _freed = ()  # those names, once release() freed them
    _non_differentiable = ()  # outputs marked by mark_non_differentiable
    _dirty = ()  # inputs marked by mark_dirty
    materialize_grads = True  # missing output gradients arrive as zeros
    _pre_hooks = None  # {output_nr: [hook, ...]}: Tensor.register_hook on outputs
    _retained = None  # {output_nr: weakref to a tensor that called retain_grad()}
    _tensor_args = None  # positions of the arguments that have edges, when not all do
    _node_pre_hooks = ()  # register_prehook
    _node_post_hooks = ()  # register_hook

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

    def release(self) -> None:
        """Free what backward needed (a BackwardNode's saved tensors; nothing at a leaf)."""

    def name(self) -> str:
        """PyTorch-style name of the node, e.g. `MulBackward0`."""
        return self.__dict__.get("node_name") or self._fn.node_name

    def save_values(self, **values) -> None:
        """Keep plain values that PyTorch saves as tensors (a number operand, an index, a mask)
        as attributes. They are freed with the saved tensors: a second backward raises."""
        for name, value in values.items():  # setattr, not __dict__.update: reading
            setattr(self, name, value)  # __dict__ would make the node a dict of its own
        self._values = tuple(values)

    @property
    def metadata(self) -> dict:
        """A dict for tools to attach information to this node (made on first use)."""
        return self.__dict__.setdefault("metadata", {})

    def register_hook(self, hook):
        """`hook(grad_inputs, grad_outputs)` runs after this node's backward."""
        if not self._node_post_hooks:
            self._node_post_hooks = []
        self._node_post_hooks.append(hook)
        return RemovableHandle(self._node_post_hooks, hook)

    def register_prehook(self, hook):
        """`hook(grad_outputs)` runs before this node's backward and may replace the grads."""
        if not self._node_pre_hooks:
            self._node_pre_hooks = []
        self._node_pre_hooks.append(hook)
        return RemovableHandle(self._node_pre_hooks, hook)

    def __call__(self, *grads):
        """Run this node's backward on output gradients (for studying one op by hand)."""
        return self._fn.backward(self, *grads)

    def __repr__(self) -> str:
        return f"<{self.name().rpartition(':')[2]} object at {hex(id(self))}>"


def free_values(node) -> None:
    """Drop the values a node kept with save_values (after backward). Reading one afterwards
    raises PyTorch's error: the node becomes a `_Released` node, whose `__getattr__` (called
    only when the normal lookup fails) says so. Live nodes have no `__getattr__`, which would
    slow every attribute read of every node."""
    for name in node._values:
        delattr(node, name)
    node._freed, node._values = node._values, ()
    node.__class__ = _released_class(node.__class__)


def _released_class(cls) -> type:
    """`cls` with the `__getattr__` of a node whose values were freed (made once per class)."""
    released = _RELEASED.get(cls)
    if released is None:
        attrs = {"__slots__": (), "__getattr__": _freed_getattr}
        released = _RELEASED[cls] = type(cls.__name__, (cls,), attrs)
        released.__qualname__, released.__module__ = cls.__qualname__, cls.__module__
    return released


def _freed_getattr(self, name: str):
    # Reached only when the normal lookup failed: perhaps a value release() freed.
    if name in self._freed:
        raise RuntimeError(FREED)
    raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


_RELEASED: dict = {}  # node class -> its released form


class RemovableHandle:
    """What every `register_*hook` returns: `.remove()` takes the hook off again (a second call
    does nothing); as a context manager it removes the hook on exit. The hooks live in a list
    (a node's or a tensor's) or in a dict keyed by the handle's id (a module's)."""

    _ids = itertools.count()

    def __init__(self, hooks, hook=None, *flag_sets: set):
        self.id = next(RemovableHandle._ids)
        self._hooks, self._hook, self._flag_sets = hooks, hook, flag_sets

    def remove(self) -> None:
        """Take the hook off."""
        if isinstance(self._hooks, dict):
            self._hooks.pop(self.id, None)
        elif any(h is self._hook for h in self._hooks):
            self._hooks.remove(self._hook)
        for ids in self._flag_sets:
            ids.discard(self.id)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info) -> None:
        self.remove()


# ---------------------------------------------------------------- Function subclasses


def adapt_subclass(cls, package: str) -> None:
    """Called for every new Function subclass: its node name, PyTorch's alternative spellings
    (`vjp`, `setup_context`), and whether it is a user's own op (defined outside `package`)."""
    cls._user_op = not cls.__module__.startswith(package + ".")
    if "node_name" not in cls.__dict__:
        # PyTorch's built-in nodes carry an overload number; a Python Function's do not.
        cls.node_name = f"{cls.__name__}Backward{'' if cls._user_op else '0'}"
    if "vjp" in cls.__dict__ and "backward" not in cls.__dict__:
        cls.backward = cls.__dict__["vjp"]
    if "forward" in cls.__dict__ and getattr(cls, "setup_context", None) is not None:
        cls.forward = staticmethod(_with_setup_context(cls.forward, cls.setup_context))
    if cls._user_op:  # a wrong backward hides in a user's op far more often than in ours
        from ..debug.record import install_user_op_recording

        install_user_op_recording()


def _with_setup_context(forward, setup_context):
    """PyTorch's newer style: `forward(*args)` without ctx, and `setup_context(ctx, inputs,
    output)` to save what backward needs. Made into the classic `forward(ctx, *args)`."""

    def classic_forward(ctx, *args, **kwargs):
        output = forward(*args, **kwargs)
        setup_context(ctx, args, output)
        return output

    return classic_forward


def fit_edges(ctx, edges: list) -> tuple:
    """The edges PyTorch's signature of the op gives, from one per argument (None for a
    non-tensor): options get none, and so does a condition, mask or index tensor (the op's
    `no_edges`). `_tensor_args` then maps backward's results to the edges kept."""
    kept = [i for i, e in enumerate(edges) if e is not None and i not in ctx._fn.no_edges]
    if kept != list(range(len(kept))):  # not a prefix: results must be picked out
        ctx._tensor_args = tuple(kept)
    return tuple([edges[i] for i in kept])


def returned_input(ctx, a):
    """The output for an input that forward returned as is: a new tensor sharing its memory,
    or, if forward changed it in place (mark_dirty), that very tensor with a new history."""
    if not any(a is t for t in ctx._dirty):
        return a._shallow_copy()
    if a._requires_grad and a.grad_fn is None and True in ctx.needs_input_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    return a


def broadcast_error(error: ValueError, args: tuple) -> Exception:
    """NumPy's broadcasting ValueError as PyTorch's RuntimeError, naming the shapes."""
    if "broadcast" not in str(error):
        return error
    from ..ops._shape import broadcast_shapes

    shapes = [a._data.shape for a in args if hasattr(a, "_data")]
    try:
        broadcast_shapes(*shapes)
    except RuntimeError as mismatch:
        return mismatch
    return RuntimeError(f"shapes {[list(s) for s in shapes]} cannot be broadcast together")


def inplace_error(node, record) -> RuntimeError:
    """PyTorch's message for a saved tensor changed in place, plus the two lines that
    matter: where the op that saved it ran, and where the tensor was changed."""
    from ..debug.record import describe_inplace  # the error path only
    from .function import wrap

    tensor, data, version, saved_version, nr = record
    t = tensor if tensor is not None else wrap(data)
    producer = (
        node.name()
        if tensor is None
        else (tensor.grad_fn.name() if tensor.grad_fn is not None else "a leaf")
    )
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{t.dtype} {list(t.shape)}], which is output {nr} of "
        f"{producer} (saved by {node.name()}), is at version {version[0]}; expected version "
        f"{saved_version} instead. Hint: the tensor was changed in place after it was saved "
        "for backward; use an out-of-place op (e.g. `x = x * 2` instead of `x.mul_(2)`)."
        + describe_inplace(node, version, saved_version)
    )


# ---------------------------------------------------------------- the engine's edges


def output_grads(node, grads: dict) -> tuple:
    """One gradient per output: zeros where none arrived (None if the node asked not to
    materialize them), None for an output that is no Tensor."""
    meta = node._output_meta
    if not node.materialize_grads:
        return tuple(grads.get(i) for i in range(len(meta)))
    from .function import wrap

    return tuple(
        grads[i] if i in grads else None if m is None else wrap(np.zeros(*m))
        for i, m in enumerate(meta)
    )


def one_per_edge(node, result) -> tuple:
    """A backward's results as a tuple with one entry per edge of the node."""
    if not isinstance(result, tuple):
        result = (result,)
    n_inputs = len(node.needs_input_grad)
    if len(result) != n_inputs:
        if len(result) < n_inputs or result[n_inputs:].count(None) < len(result) - n_inputs:
            raise RuntimeError(
                f"function {node.name()} returned an incorrect number of gradients "
                f"(expected {n_inputs}, got {len(result)})"
            )
        result = result[:n_inputs]
    if node._tensor_args is not None:  # keep the results of the arguments with edges
        return tuple([result[i] for i in node._tensor_args])
    return result


def fit_grad(node, child, nr: int, g):
    """PyTorch's validate_outputs: the gradient must match the input's shape and dtype
    (a gradient of a broadcast shape is summed back)."""
    if child._output_meta[nr] is None:
        return g
    shape, dtype = child._output_meta[nr]
    if g._data.shape != shape:
        from ..ops._shape import is_expandable_to, unbroadcast

        if not is_expandable_to(shape, g._data.shape):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index "
                f"{node.next_functions.index((child, nr))} - got {list(g._data.shape)} but "
                f"expected shape compatible with {list(shape)}"
            )
        g = unbroadcast(g, shape)
    if g._data.dtype != dtype:
        g = g.to(g._dtype_of(dtype))
    return g


def nodes_leading_to(edges, wanted) -> set:
    """The nodes from which some wanted node can be reached (autograd.grad runs only these)."""
    roots = [node for node, _ in edges]
    parents, seen, stack = {}, set(roots), list(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is not None:
                parents.setdefault(child, []).append(node)
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    needed, stack = set(), [node for node, _ in wanted if node in seen]
    while stack:
        node = stack.pop()
        if node not in needed:
            needed.add(node)
            stack.extend(parents.get(node, ()))
    return needed


# ---------------------------------------------------------------- backward() and grad()


def as_tuple(x) -> tuple:
    """None -> (), a tensor -> (tensor,), a list or tuple -> tuple."""
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def root_edges(outputs, grad_outputs) -> tuple:
    """The edges of the outputs we differentiate and dL/d(output) for each, checked."""
    from .function import grad_accumulator, is_tensor, wrap

    outputs, grad_outputs = as_tuple(outputs), as_tuple(grad_outputs)
    edges, grads = [], []
    for i, out in enumerate(outputs):
        g = grad_outputs[i] if i < len(grad_outputs) else None
        if not out._requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            # dL/dL = 1 (np.array, not np.ones: a tenth of the cost on one element)
            g = wrap(np.array(1, out._data.dtype).reshape(out._data.shape))
        elif not is_tensor(g):
            g = wrap(np.asarray(g, dtype=out._data.dtype))
        elif g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        edges.append((out.grad_fn, out._output_nr) if out.grad_fn else (grad_accumulator(out), 0))
        grads.append(g)
    return edges, grads


def backward_into(grad, tensors, grad_tensors, retain_graph, create_graph, inputs) -> None:
    """`backward(inputs=...)`: the gradients of `inputs` only, added into their `.grad`."""
    from .tensor_hooks import store_grad

    inputs = as_tuple(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    grads = grad(tensors, inputs, grad_tensors, retain_graph, create_graph, allow_unused=True)
    for t, g in zip(inputs, grads):
        if g is not None and not (t._retains_grad and t.grad_fn is not None):  # stored already
            store_grad(t, g, create_graph)


def check_grad_inputs(inputs: tuple) -> None:
    """autograd.grad differentiates only with respect to tensors that require grad."""
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")


def grad_options(
    create_graph,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
) -> dict:
    """autograd.grad's keyword options with PyTorch's defaults (`only_inputs` is ignored, as
    PyTorch does since it was deprecated)."""
    if allow_unused is None:
        allow_unused = materialize_grads
    return {
        "allow_unused": allow_unused,
        "is_grads_batched": is_grads_batched,
        "materialize_grads": materialize_grads,
        "create_graph": create_graph,
    }


def grad_results(inputs, grads, create_graph: bool, options: dict) -> tuple:
    """autograd.grad's answer: zeros or None for an unused input, or PyTorch's error."""
    from .function import wrap

    result = []
    for t, g in zip(inputs, grads):
        if g is None:
            if options["materialize_grads"]:
                g = wrap(np.zeros(t._data.shape, t._data.dtype))
            elif not options["allow_unused"]:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def batched_grad(grad, outputs, inputs, grad_outputs, retain_graph, options: dict) -> tuple:
    """`grad` with `is_grads_batched`: dim 0 of each grad_output is a batch of vectors, one
    vector-Jacobian product per entry, stacked (a loop here where PyTorch uses vmap)."""
    from ..functions import stack

    grad_outputs = as_tuple(grad_outputs)
    if not grad_outputs or any(g is None for g in grad_outputs):
        raise RuntimeError("If `is_grads_batched=True`, grad_outputs must be given as tensors")
    create_graph = options["create_graph"]
    n = grad_outputs[0].shape[0]
    rows = []
    for i in range(n):
        keep = True if i < n - 1 else retain_graph
        vectors = [g[i] for g in grad_outputs]
        rows.append(
            grad(
                outputs,
                inputs,
                vectors,
                keep,
                create_graph,
                allow_unused=options["allow_unused"],
                materialize_grads=options["materialize_grads"],
            )
        )
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))


# ---------------------------------------------------------------- once_differentiable


def once_differentiable(fn):
    """Mark a backward that is not itself differentiable: it runs without recording, and
    differentiating its results again raises (PyTorch's DelayedError)."""
    from .function import is_tensor

    @functools.wraps(fn)
    def wrapper(ctx, *grads):
        previous, _state.enabled = _state.enabled, False
        try:
            result = fn(ctx, *grads)
        finally:
            _state.enabled = previous
        if not previous or not any(is_tensor(g) and g._requires_grad for g in grads):
            return result
        from .delayed_error import DelayedError

        single = not isinstance(result, tuple)
        wrapped = tuple(
            DelayedError.apply(r) if is_tensor(r) and r.is_floating_point() else r
            for r in ((result,) if single else result)
        )
        return wrapped[0] if single else wrapped

    return wrapper


# ---------------------------------------------------------------- grad-mode forms


class set_grad_enabled(_GradModeContext):
    """Set grad mode to `mode`: at once (like a function call) and as a context manager."""

    def __init__(self, mode: bool):
        self._target = bool(mode)
        self._previous, _state.enabled = _state.enabled, self._target

    def __enter__(self):
        pass

    def __call__(self, fn):
        _state.enabled = self._previous  # as a decorator the mode applies only inside `fn`
        return super().__call__(fn)


class inference_mode(no_grad):
    """Same as `no_grad` here (there are no inference tensors in this library)."""

    def __init__(self, mode: bool = True):
        self._target = not mode


# ---------------------------------------------------------------- NumPy's warnings
# PyTorch computes inf and nan silently (1 / 0, exp(1000), 0 * inf, inf - inf); NumPy warns
# about each unless its error state says otherwise. That state belongs to the thread (a
# context variable), so it is set around this library's own computations, never for the
# whole process: once around a backward pass or an optimizer step, else around each op.


def _run_forward(cls, ctx, args: tuple, kwargs: dict):
    return cls.forward(ctx, *args, **kwargs)


forward_quietly = np.errstate(all="ignore")(_run_forward)  # as a decorator: cheapest form


class quiet_numpy:
    """NumPy's floating-point warnings off for a whole backward pass, optimizer step or
    module call, in grad mode `grad_mode` (None: as it is): the ops inside skip their own
    `np.errstate` (`_state.quiet`)."""

    def __init__(self, grad_mode=None):
        self.grad_mode = grad_mode

    def __enter__(self):
        self.previous = _state.enabled, _state.quiet
        if self.grad_mode is not None:
            _state.enabled = self.grad_mode
        _state.quiet = True
        self.errstate = np.errstate(all="ignore")
        self.errstate.__enter__()

    def __exit__(self, *exc_info):
        self.errstate.__exit__(*exc_info)
        if self.grad_mode is not None:
            _state.enabled = self.previous[0]
        _state.quiet = self.previous[1]
