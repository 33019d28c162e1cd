"""Walking the recorded graph, shared by every view (drawing, text, summary).

The graph is the web of `grad_fn.next_functions` edges that `autograd/function.py` records:
each op's node points at the nodes that produced its inputs, and a leaf that requires grad
sits behind an `AccumulateGrad` node. Every walk here uses an explicit queue or stack, never
recursion, so a chain of 100,000 ops is walked with Python's default recursion limit.
"""

from __future__ import annotations

from collections import Counter

from ..autograd.function import AccumulateGrad, grad_accumulator
from ..tensor import Tensor


def as_tensors(output) -> list:
    """The output(s) to view as a list: a Tensor, or a tuple/list of Tensors."""
    tensors = list(output) if isinstance(output, (tuple, list)) else [output]
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"expected a Tensor or a tuple/list of Tensors, got {type(t).__name__}")
    return tensors


def root_of(tensor: Tensor):
    """`(node, output_nr)` where the graph of `tensor` starts; `(None, 0)` if it has none."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    if tensor._requires_grad:  # a leaf output: its AccumulateGrad node stands for it
        return grad_accumulator(tensor), 0
    return None, 0


def breadth_first(roots) -> list:
    """Every node reachable from `roots`, nearest first, each once (shared nodes too)."""
    order = list(dict.fromkeys(r for r in roots if r is not None))
    seen = set(order)
    i = 0
    while i < len(order):
        for child, _ in order[i].next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                order.append(child)
        i += 1
    return order


def consumers(nodes) -> Counter:
    """How many edges point at each node (a node used twice has fan-in 2)."""
    counts = Counter()
    for node in nodes:
        for child, _ in node.next_functions:
            if child is not None:
                counts[child] += 1
    return counts


def longest_path(roots, nodes) -> int:
    """Depth of the graph: the most ops on one path from a root down to a leaf.

    Kahn's order (a node is finished once all its consumers are) makes it one linear pass.
    """
    pending = consumers(nodes)
    depth = {node: _is_op(node) for node in roots if node is not None}
    ready = [node for node in depth if pending[node] == 0]
    deepest = 0
    while ready:
        node = ready.pop()
        deepest = max(deepest, depth[node])
        for child, _ in node.next_functions:
            if child is None:
                continue
            depth[child] = max(depth.get(child, 0), depth[node] + _is_op(child))
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return deepest


def is_leaf(node) -> bool:
    """True for the AccumulateGrad node that stands for a leaf tensor (`node.variable`)."""
    return node.__class__ is AccumulateGrad


def _is_op(node) -> int:
    return 0 if node.__class__ is AccumulateGrad else 1


def output_meta(node, nr: int):
    """`(shape, numpy dtype)` of output `nr` of `node`, or None if it is not a tensor."""
    meta = node._output_meta
    return meta[nr] if nr < len(meta) else None
