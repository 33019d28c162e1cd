"""Where gradients meet user code: Tensor hooks, `retain_grad()`, and storing into `.grad`.

The engine calls these at three points of its walk (engine.py): before a node's backward
runs (hooks registered on its outputs, and `retain_grad()` copies), when `autograd.grad`
captures a gradient it was asked for, and when a gradient reaches a leaf.
"""

from __future__ import annotations

from .function import AccumulateGrad, observers


def run_tensor_hooks(node, grads: dict, create_graph: bool) -> None:
    """Tensor hooks and retain_grad() on this node's outputs, before its backward runs."""
    for nr, hooks in (node._pre_hooks or {}).items():
        if nr in grads:
            grads[nr] = apply_hooks(hooks, grads[nr])
    for nr, ref in (node._retained or {}).items():
        tensor = ref()
        if tensor is not None and nr in grads:
            store_grad(tensor, grads[nr], create_graph)


def capture_grads(node, grads: dict, wanted, captured: dict) -> None:
    """Keep the gradients autograd.grad asked for; a leaf's hooks run on them first, as
    they would before accumulating into its .grad."""
    if node.__class__ is AccumulateGrad and 0 in grads:
        leaf = node.variable
        if leaf is not None and leaf._hooks:
            grads[0] = apply_hooks(leaf._hooks, grads[0])
    for nr, g in grads.items():
        if (node, nr) in wanted:
            captured[(node, nr)] = g


def apply_hooks(hooks: list, g):
    """Run tensor hooks in order; one may return a replacement of the same size and type."""
    for hook in list(hooks):
        new = hook(g)
        if new is None:
            continue
        name = getattr(hook, "__name__", hook)
        if new._data.dtype != g._data.dtype:
            raise RuntimeError(
                f"hook '{name}' has changed the type of value (was {g.type()} got {new.type()})"
            )
        if new._data.shape != g._data.shape:
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        g = new
    return g


def accumulate_into_leaf(node: AccumulateGrad, g, create_graph: bool) -> None:
    """dL/dleaf += g. The leaf's hooks see the total gradient of this pass first."""
    leaf = node.variable
    if leaf is None:  # the leaf no longer exists: nobody can see its gradient
        return
    store_grad(leaf, g, create_graph, run_hooks=True)
    for hook in observers.on_accumulate:
        hook(leaf, g)


def store_grad(tensor, g, create_graph: bool, run_hooks: bool = False) -> None:
    """tensor.grad += g. Without create_graph, .grad is a detached buffer we own, updated in
    place as PyTorch does; it starts as a copy, as the arriving gradient may be shared."""
    if run_hooks and tensor._hooks:
        g = apply_hooks(tensor._hooks, g)
    current = tensor._grad
    if current is None:
        tensor._grad = g if create_graph else g._detached_copy()
    elif create_graph or current._requires_grad:
        tensor._grad = current + g
    else:
        current._data += g._data
        current._version_counter[0] += 1
