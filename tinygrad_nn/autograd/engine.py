"""The backward engine: reverse-mode autodiff over the recorded graph.

Read `function.py` first: every op recorded a node whose `next_functions` point at the
nodes that produced its inputs. Reverse mode starts at the output with dL/dL = 1 and walks
those edges backwards; each node turns the gradient of its output into gradients of its
inputs (the chain rule, one op at a time), and a node's gradient is complete once *every*
consumer of its output has contributed. That is Kahn's topological sort:

    1. count, for each node, how many edges point at it (its consumers);
    2. start with the output's node; run a node when its count drops to zero;
    3. after running it, drop its saved tensors (unless retain_graph) and hand each
       gradient to the input's node, summing where a tensor fed several ops.

The walk is a loop over an explicit heap - never recursion - so a chain of 100,000 ops
needs no raised recursion limit. Among ready nodes the most recently created runs first,
which is PyTorch's order. `AccumulateGrad` nodes at the leaves write `leaf.grad`;
`autograd.grad()` runs the same loop but *captures* the gradients it was asked for.

Unless the pass is to be recorded (`create_graph=True`) or watched by a debugging tool, the
gradients travel as bare NumPy arrays and each node runs its op's `array_backward`: a Tensor
and a graph node per formula step would cost more than the arithmetic on a small network.
"""

from __future__ import annotations

import heapq

import numpy as np

from . import anomaly
from .function import AccumulateGrad, Tensor, _hooks, grad_accumulator
from .grad_mode import _state


def _count_dependencies(roots) -> dict:
    """How many edges point at each node reachable from `roots`. Explicit stack: no recursion."""
    deps, roots = {}, set(roots)
    stack = list(roots)  # each root once: backward([y, y]) must not count y's edges twice
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is not None:
                if child in deps:
                    deps[child] += 1
                else:  # first visit: walk on from it (a root is walked already)
                    deps[child] = 1
                    if child not in roots:
                        stack.append(child)
    return deps


def _nodes_leading_to(roots, targets) -> set:
    """The nodes from which some target node can be reached (autograd.grad runs only these)."""
    parents, seen, stack = {}, set(roots), list(roots)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is not None:
                parents.setdefault(child, []).append(node)
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
    needed, stack = set(), [t for t in targets if t in seen]
    while stack:
        node = stack.pop()
        if node not in needed:
            needed.add(node)
            stack.extend(parents.get(node, ()))
    return needed


def run_backward(edges, root_grads, *, retain_graph: bool, create_graph: bool, capture=None):
    """Propagate `root_grads` from `edges` to the leaves.

    Args:
        edges: `(node, output_nr)` of each output we differentiate.
        root_grads: dL/d(output) for each of them.
        capture: None to accumulate into leaves' `.grad`; else a dict `{(node, nr): [slots]}`
            whose gradients are returned (autograd.grad) and nothing is accumulated.
    """
    # Without create_graph this pass records nothing, so the gradients can travel as bare
    # NumPy arrays: no Tensor and no node is made per op of the backward formulas, which is
    # most of the cost of a small op. Ops say they can run so with `array_backward` (see
    # function.py). The debugging tools watch Tensors: with them on, Tensors throughout.
    arrays = not (create_graph or _hooks.on_backward or _hooks.on_accumulate
                  or anomaly._state.enabled)  # fmt: skip
    roots = [node for node, _ in edges]
    deps = _count_dependencies(roots)
    needed = None if capture is None else _nodes_leading_to(roots, [n for n, _ in capture])
    captured = {}
    pending = {}  # node -> {output_nr: gradient summed so far}
    for (node, nr), g in zip(edges, root_grads):
        _add_pending(pending.setdefault(node, {}), nr, g._data if arrays else g)
    ready = [(-node._seq, id(node), node) for node in pending if node not in deps]
    heapq.heapify(ready)
    call_backward = _call_array_backward if arrays else _call_backward
    pop, push = heapq.heappop, heapq.heappush
    previous = _state.enabled, _state.arrays
    _state.enabled, _state.arrays = create_graph, arrays  # backward records only on request
    try:
        while ready:
            node = pop(ready)[2]
            grads = pending.pop(node, None) or {}
            if node._pre_hooks or node._retained:
                grads = _run_pre_hooks(node, grads, create_graph, arrays)
            if capture is not None:
                _capture(node, grads, capture, captured, arrays)
                if node not in needed:
                    continue
            if node.__class__ is AccumulateGrad:
                if capture is None and 0 in grads:
                    _accumulate_into_leaf(node, grads[0], create_graph, arrays)
                continue
            grads_in = call_backward(node, grads, retain_graph)
            for (child, nr), g in zip(node.next_functions, grads_in):
                if child is None:
                    continue
                if needed is not None and child not in needed:
                    continue
                if g is not None:
                    meta = child._output_meta[nr]
                    data = g if arrays else g._data
                    # Shape and dtype match nearly always; _validate handles the rest.
                    if (data.shape, data.dtype) != meta and meta is not None:
                        g = _validate(node, child, nr, g, arrays)
                    slot = pending.get(child)
                    if slot is None:
                        pending[child] = {nr: g}
                    else:
                        _add_pending(slot, nr, g)
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    push(ready, (-child._seq, id(child), child))
    finally:
        _state.enabled, _state.arrays = previous
    return captured


def _call_backward(node, grads: dict, retain_graph: bool) -> tuple:
    """Run one node's backward on its output gradients; None where nothing arrived."""
    if not grads:
        result = (None,) * len(node.next_functions)
    else:
        args = (grads[0],) if len(node._output_meta) == 1 else _output_grads(node, grads, _zeros)
        for hook in node._node_pre_hooks:
            args = hook(args) or args
        result = _one_per_edge(node, node._fn.backward(node, *args))
        for hook in node._node_post_hooks:
            hook(result, args)
        if anomaly._state.enabled:
            anomaly.check_backward_output(node, result)
        if _hooks.on_backward:
            for hook in _hooks.on_backward:
                hook(node, args, result)
    if not retain_graph:
        node.release()
    return result


def _call_array_backward(node, grads: dict, retain_graph: bool) -> tuple:
    """`_call_backward` on bare arrays, for a pass that records nothing (see run_backward)."""
    fn = node._fn
    array_backward = fn.array_backward
    if array_backward is None or node._node_pre_hooks or node._node_post_hooks:
        return _call_wrapped(node, grads, retain_graph)
    if not grads:
        result = (None,) * len(node.next_functions)
    else:
        if len(node._output_meta) == 1:
            result = array_backward(node, grads[0])
        else:
            result = array_backward(node, *_output_grads(node, grads, _zero_array))
        # A built-in op returns one result per argument, and the engine's zip takes those of
        # the edges, which come first unless _tensor_args maps them; a user's is checked.
        if result.__class__ is not tuple or node._tensor_args is not None or fn._user_op:
            result = _one_per_edge(node, result)
    if not retain_graph and (node._saved is not None or node._values):
        node.release()
    return result


def _output_grads(node, grads: dict, zeros) -> tuple:
    """One gradient per output of a multi-output node: zeros (`zeros(meta)`) where none
    arrived, or None if it asked not to materialize them; None for an output that is no
    Tensor."""
    if not node.materialize_grads:
        return tuple(grads.get(i) for i in range(len(node._output_meta)))
    return tuple(grads[i] if i in grads else zeros(m) if m is not None else None
                 for i, m in enumerate(node._output_meta))  # fmt: skip


def _zero_array(meta) -> np.ndarray:
    shape, dtype = meta
    return np.zeros(shape, dtype)


def _call_wrapped(node, grads: dict, retain_graph: bool) -> tuple:
    """A node whose backward needs Tensors, in an array pass: wrap, run, unwrap."""
    _state.arrays = False  # its saved_tensors must be Tensors too
    try:
        result = _call_backward(node, {nr: _wrap(g) for nr, g in grads.items()}, retain_graph)
    finally:
        _state.arrays = True
    return tuple([None if g is None else g._data for g in result])


def _one_per_edge(node, result) -> tuple:
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
    if node._tensor_args is not None:  # keep the results of the Tensor arguments only
        result = tuple([result[i] for i in node._tensor_args])
    elif len(result) > len(node.next_functions):  # options' Nones after the edges' results
        result = result[: len(node.next_functions)]
    return result


def _wrap(array):
    return None if array is None else Tensor._make(array)


def _validate(node, child, nr, g, arrays: bool = False):
    """PyTorch's validate_outputs: the gradient must match the input's shape and dtype."""
    meta = child._output_meta[nr]
    if meta is None:
        return g
    if arrays:
        return _validate(node, child, nr, _wrap(g))._data
    shape, dtype = meta
    data = g._data
    if data.shape != shape:
        from ..ops._shape import is_expandable_to, unbroadcast

        if not is_expandable_to(shape, data.shape):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index "
                f"{node.next_functions.index((child, nr))} - got {list(data.shape)} but expected "
                f"shape compatible with {list(shape)}"
            )
        g = unbroadcast(g, shape)
    if g._data.dtype != dtype:
        g = g.to(g._dtype_of(dtype))
    return g


def _add_pending(slot: dict, nr: int, g) -> None:
    """Sum gradients arriving at the same output (a tensor that fed several ops)."""
    if nr in slot:
        slot[nr] = slot[nr] + g
    else:
        slot[nr] = g


def _zeros(meta):
    return Tensor._make(_zero_array(meta))


def _run_pre_hooks(node, grads: dict, create_graph: bool, arrays: bool = False) -> dict:
    """Tensor hooks and retain_grad() on this node's outputs, before its backward runs."""
    if arrays:  # hooks see Tensors
        grads = _run_pre_hooks(node, {nr: _wrap(g) for nr, g in grads.items()}, create_graph)
        return {nr: g._data for nr, g in grads.items()}
    if node._pre_hooks:
        for nr, hooks in node._pre_hooks.items():
            if nr in grads:
                grads[nr] = _apply_hooks(hooks, grads[nr])
    if node._retained:
        for nr, ref in node._retained.items():
            tensor = ref()
            if tensor is not None and nr in grads:
                _store_grad(tensor, grads[nr], create_graph)
    return grads


def _capture(node, grads: dict, capture: dict, captured: dict, arrays: bool = False) -> None:
    """Keep the gradients autograd.grad asked for; a leaf's hooks run on them first, as
    they would before accumulating into its .grad."""
    if arrays:
        grads = {nr: _wrap(g) for nr, g in grads.items()}
    if node.__class__ is AccumulateGrad and 0 in grads:
        leaf = node.variable
        if leaf is not None and leaf._hooks:
            grads[0] = _apply_hooks(leaf._hooks, grads[0])
    for nr, g in grads.items():
        if (node, nr) in capture:
            captured[(node, nr)] = g


def _apply_hooks(hooks: list, g):
    """Run tensor hooks in order; one may return a replacement of the same size and type."""
    for hook in list(hooks):
        new = hook(g)
        if new is None:
            continue
        if new._data.dtype != g._data.dtype:
            raise RuntimeError(
                f"hook '{getattr(hook, '__name__', hook)}' has changed the type of value (was "
                f"{g.type()} got {new.type()})"
            )
        if new._data.shape != g._data.shape:
            raise RuntimeError(
                f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value"
            )
        g = new
    return g


def _accumulate_into_leaf(node: AccumulateGrad, g, create_graph: bool, arrays: bool) -> None:
    """dL/dleaf += g. The leaf's hooks see the total gradient of this pass first."""
    leaf = node._variable()
    if leaf is None:  # the leaf no longer exists: nobody can see its gradient
        return
    if arrays:
        current = leaf._grad
        if leaf._hooks or (current is not None and current._requires_grad):
            g = _wrap(g)  # the general path below
        elif current is None:  # a copy: the arriving array may be shared with another input's
            leaf._grad = Tensor._make(np.array(g))
            return
        else:
            current._data += g
            current._vc[0] += 1
            return
    if leaf._hooks:
        g = _apply_hooks(leaf._hooks, g)
    _store_grad(leaf, g, create_graph)
    if _hooks.on_accumulate:
        for hook in _hooks.on_accumulate:
            hook(leaf, g)


def _store_grad(tensor, g, create_graph: bool) -> None:
    # Without create_graph, .grad is a detached buffer we own, updated in place as PyTorch
    # does. It is a copy: the arriving gradient may be shared with another input's.
    current = tensor._grad
    if current is None:
        tensor._grad = g if create_graph else g._detached_copy()
    elif create_graph or current._requires_grad:
        tensor._grad = current + g
    else:
        current._data += g._data
        current._vc[0] += 1


# ---------------------------------------------------------------- public entry points


def _as_tuple(x) -> tuple:
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def _root_edges(outputs, grad_outputs, is_grads_call: bool):
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
            g = Tensor._make(np.ones(out._data.shape, out._data.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._make(np.asarray(g, dtype=out._data.dtype))
        elif g._data.shape != out._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        edges.append((out.grad_fn, out._output_nr) if out.grad_fn else (grad_accumulator(out), 0))
        grads.append(g)
    return edges, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's `.grad` (or only into `inputs`)."""
    tensors = _as_tuple(tensors)
    edges, grads = _root_edges(tensors, _as_tuple(grad_tensors), False)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is None:
        run_backward(edges, grads, retain_graph=retain_graph, create_graph=create_graph)
        return
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    capture = {_input_edge(t): True for t in inputs}
    captured = run_backward(edges, grads, retain_graph=retain_graph, create_graph=create_graph,
                            capture=capture)  # fmt: skip
    for t in inputs:
        g = captured.get(_input_edge(t))
        if g is not None and not (t._retains_grad and t.grad_fn is not None):  # stored already
            _store_grad(t, g, create_graph)


def _input_edge(t):
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (grad_accumulator(t), 0)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):  # fmt: skip
    """Return d(outputs)/d(inputs) without touching any `.grad`.

    Same semantics as `torch.autograd.grad`: `grad_outputs` is the vector in the
    vector-Jacobian product; `create_graph=True` records the computation so the result can
    be differentiated again; unused inputs raise unless `allow_unused=True` (then None).
    """
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, _as_tuple(grad_outputs), retain_graph,
                             create_graph, allow_unused, materialize_grads)  # fmt: skip
    for t in inputs:
        if not t._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    if allow_unused is None:
        allow_unused = materialize_grads
    edges, grads = _root_edges(outputs, _as_tuple(grad_outputs), True)
    if retain_graph is None:
        retain_graph = create_graph
    capture = {_input_edge(t): True for t in inputs}
    captured = run_backward(edges, grads, retain_graph=retain_graph, create_graph=create_graph,
                            capture=capture)  # fmt: skip
    result = []
    for t in inputs:
        g = captured.get(_input_edge(t))
        if g is None:
            if materialize_grads:
                g = _zeros((t._data.shape, t._data.dtype))
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads) -> tuple:  # fmt: skip
    """`grad` with `is_grads_batched`: dim 0 of each grad_output is a batch of vectors, one
    vector-Jacobian product per entry, stacked (a loop here where PyTorch uses vmap)."""
    from ..functions import stack

    if not grad_outputs or any(g is None for g in grad_outputs):
        raise RuntimeError("If `is_grads_batched=True`, grad_outputs must be given as tensors")
    n = grad_outputs[0].shape[0]
    rows = []
    for i in range(n):
        keep = True if i < n - 1 else retain_graph
        rows.append(grad(outputs, inputs, [g[i] for g in grad_outputs], keep, create_graph,
                         allow_unused=allow_unused,
                         materialize_grads=materialize_grads))  # fmt: skip
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))
