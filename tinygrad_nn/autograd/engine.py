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

A loop over a heap, never recursion: a chain of 100,000 ops needs no raised recursion limit.
The most recently created ready node runs first (PyTorch's order). Leaves' `AccumulateGrad`
nodes write `leaf.grad`; `autograd.grad()` *captures* the gradients it was asked for instead.
Backward formulas are Tensor ops: recorded if `create_graph=True`, else run in no-grad mode.
"""

from __future__ import annotations

import heapq

from . import _parity
from .function import AccumulateGrad, edge_of, observers
from .tensor_hooks import accumulate_into_leaf, capture_grads, run_tensor_hooks


def _count_dependencies(roots) -> dict:
    """How many edges point at each node reachable from `roots`. Explicit stack: no recursion."""
    deps, stack = dict.fromkeys(roots, 0), list(set(roots))
    while stack:
        for child, _ in stack.pop().next_functions:
            if child in deps:
                deps[child] += 1
            elif child is not None:
                deps[child] = 1
                stack.append(child)
    return deps


def run_backward(edges, root_grads, *, retain_graph: bool, create_graph: bool, capture=None):
    """Propagate `root_grads` from `edges` (the outputs' `(node, output_nr)`) to the leaves'
    `.grad`, or, given `capture` (a set of edges), return their gradients in a dict instead."""
    deps = _count_dependencies([node for node, _ in edges])
    needed = None if capture is None else _parity.nodes_leading_to(edges, capture)
    pending, captured = {}, {}  # node -> {output_nr: gradient summed so far}
    for (node, nr), g in zip(edges, root_grads):
        _add_grad(pending, node, nr, g)
    ready = [(-node._seq, id(node), node) for node in pending if not deps[node]]
    heapq.heapify(ready)
    with _parity.quiet_numpy(create_graph):  # record backward only if asked; NumPy quiet
        while ready:
            node = heapq.heappop(ready)[2]
            grads = pending.pop(node, {})
            if node._pre_hooks or node._retained:
                run_tensor_hooks(node, grads, create_graph)
            if capture is not None:
                capture_grads(node, grads, capture, captured)
                if node not in needed:
                    continue
            if node.__class__ is AccumulateGrad:
                if capture is None and 0 in grads:
                    accumulate_into_leaf(node, grads[0], create_graph)
                continue
            for (child, nr), g in zip(node.next_functions, _call(node, grads, retain_graph)):
                if child is None or (needed is not None and child not in needed):
                    continue
                if g is not None:
                    if (g._data.shape, g._data.dtype) != child._output_meta[nr]:  # seldom
                        g = _parity.fit_grad(node, child, nr, g)
                    _add_grad(pending, child, nr, g)
                left = deps[child] = deps[child] - 1
                if not left:
                    heapq.heappush(ready, (-child._seq, id(child), child))
    return captured


def _add_grad(pending: dict, node, nr: int, g) -> None:
    """Sum gradients arriving at the same output (a tensor that fed several ops)."""
    slot = pending.setdefault(node, {})
    slot[nr] = slot[nr] + g if nr in slot else g


def _call(node, grads: dict, retain_graph: bool) -> tuple:
    """Run one node's backward on its output gradients; None where nothing arrived."""
    if not grads:  # nothing reached this node's outputs
        result = (None,) * len(node.next_functions)
    else:
        args = (grads[0],) if len(node._output_meta) == 1 else _parity.output_grads(node, grads)
        for hook in node._node_pre_hooks:
            args = hook(args) or args
        result = node._fn.backward(node, *args)
        if result.__class__ is not tuple:  # one input: a backward may return its gradient bare
            result = (result,)
        # One gradient per argument, in a tuple, lines up with the edges (zip drops options'
        # trailing Nones); _parity checks and fits every other form.
        if len(result) != len(node.needs_input_grad) or node._tensor_args is not None:
            result = _parity.one_per_edge(node, result)
        for hook in node._node_post_hooks:
            hook(result, args)
        for hook in observers.on_backward:
            hook(node, args, result)
    if not retain_graph and (node._saved is not None or node._values):
        node.release()
    return result


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's `.grad` (or only into `inputs`)."""
    if inputs is not None:  # autograd.grad's walk, then each input's .grad += its gradient
        return _parity.backward_into(
            grad, tensors, grad_tensors, retain_graph, create_graph, inputs
        )
    edges, grads = _parity.root_edges(tensors, grad_tensors)
    retain_graph = create_graph if retain_graph is None else retain_graph
    run_backward(edges, grads, retain_graph=retain_graph, create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, **options):
    """Return d(outputs)/d(inputs) without touching any `.grad` (as `torch.autograd.grad`;
    `options`: its allow_unused, materialize_grads, is_grads_batched and only_inputs)."""
    inputs, options = _parity.as_tuple(inputs), _parity.grad_options(create_graph, **options)
    if options["is_grads_batched"]:
        return _parity.batched_grad(grad, outputs, inputs, grad_outputs, retain_graph, options)
    _parity.check_grad_inputs(inputs)
    edges, grads = _parity.root_edges(outputs, grad_outputs)
    retain_graph = create_graph if retain_graph is None else retain_graph
    wanted = [edge_of(t) for t in inputs]
    captured = run_backward(
        edges, grads, retain_graph=retain_graph, create_graph=create_graph, capture=set(wanted)
    )
    return _parity.grad_results(inputs, [captured.get(e) for e in wanted], create_graph, options)
