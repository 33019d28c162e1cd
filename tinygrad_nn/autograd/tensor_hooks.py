"""Where gradients meet user code: Tensor hooks, `retain_grad()`, and storing into `.grad`.

The engine calls these at three points of its walk (engine.py): before a node's backward
runs (hooks registered on its outputs, and `retain_grad()` copies), when `autograd.grad`
captures a gradient it was asked for, and when a gradient reaches a leaf.
"""

from __future__ import annotations

from .function import AccumulateGrad, observers


def run_tensor_hooks(node, grads: dict, create_graph: bool) -> None:
    """Tensor hooks and retain_grad() on this node's outputs, before its backward runs."""
    _share(grads)
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
    _share(grads)  # captured gradients go to the caller
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
    place as PyTorch does; it starts as a copy, as the arriving gradient may be shared,
    unless `g` is marked UNSHARED (below) and no hook or tool can see it."""
    unshared = g.__dict__.pop(UNSHARED, False) if g.__dict__ else False
    if run_hooks and tensor._hooks:
        unshared = False  # a hook may keep the gradient it is shown
        g = apply_hooks(tensor._hooks, g)
    current = tensor._grad
    if current is None:
        if create_graph:
            tensor._grad = g
        elif unshared and not observers.on_accumulate:  # PyTorch steals such a buffer too
            tensor._grad = g
        else:
            tensor._grad = g._detached_copy()
    elif create_graph or current._requires_grad:
        tensor._grad = current + g
    else:
        current._data += g._data
        current._version_counter[0] += 1


# The mark of a gradient nobody but the engine holds, set in its `__dict__`: a fresh array
# that a compiled backward made (compiler/wrap.py), on its way straight to a leaf's
# AccumulateGrad, with no node hook or tool watching. `store_grad` may keep such a gradient
# as a first `.grad` without copying it, as PyTorch steals a buffer nothing else refers to.
# Every place where the engine shows gradients to hooks or hands them to the caller (below)
# drops the mark first.
UNSHARED = "_unshared_grad"


def _share(grads: dict) -> None:
    """Drop the mark of gradients about to be shown to hooks or handed to the caller."""
    for g in grads.values():
        if g is not None and g.__dict__:
            g.__dict__.pop(UNSHARED, None)
