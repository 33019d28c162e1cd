"""`viz.record()`: remember what the graph alone forgets, while a forward/backward runs.

A node knows its inputs' nodes and its output's shape, but not the *values* of intermediate
results (only the ones it saved for backward), nor the gradient that flowed through it, nor
which `nn.Module` ran it. Inside `with viz.record():` the observer hooks of
`autograd/function.py` note all three, keyed *weakly* by node: when the graph is freed the
notes go with it, and the notes never keep the graph alive.

    with viz.record():
        loss = loss_fn(model(x), y)
        loss.backward()              # inside the block: intermediate gradients are noted too
    viz.draw_graph(loss, show_values=True, show_grads=True, group_by_module=model)
"""

from __future__ import annotations

import weakref

import numpy as np

from ..autograd.function import observers
from .walk import is_leaf


class _Note:
    """What was seen of one node: output arrays, summed output gradients, the module."""

    __slots__ = ("grads", "inputs", "module", "values")

    def __init__(self):
        self.values = {}  # output_nr -> (array, version counter, version when recorded)
        self.grads = {}  # output_nr -> gradient array, summed over backward passes
        self.inputs = {}  # input edge -> a tensor input that needs no gradient (data)
        self.module = None


_notes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def note_of(node):
    """The note recorded for `node`, or None."""
    return _notes.get(node) if node is not None else None


class record:
    """Context manager: note op outputs, output gradients and the module that ran each op.

    The module comes from `nn.Module.__call__`, which keeps the running modules on a stack;
    `draw_graph(..., group_by_module=model)` turns it into clusters. Recording costs memory:
    each op's output array (and each gradient, copied) lives as long as the graph does.
    """

    def __enter__(self) -> record:  # typing.Self needs Python 3.11
        from ..nn.module import _module_stack  # here: nn imports much of the package

        self._modules = _module_stack
        observers.on_create.append(self._on_create)
        observers.on_backward.append(self._on_backward)
        return self

    def __exit__(self, *exc) -> None:
        observers.on_create.remove(self._on_create)
        observers.on_backward.remove(self._on_backward)

    def _on_create(self, node, args, outputs) -> None:
        note = _notes.get(node)
        if note is None:
            note = _notes[node] = _Note()
        for nr, out in enumerate(outputs):
            if hasattr(out, "_data"):
                note.values[nr] = (out._data, out._version_counter, out._version_counter[0])
        if self._modules:
            note.module = self._modules[-1]
        for edge, (child, _) in enumerate(node.next_functions):
            position = node._tensor_args[edge] if node._tensor_args is not None else edge
            if child is None and position < len(args) and hasattr(args[position], "_data"):
                note.inputs[edge] = args[position]

    def _on_backward(self, node, grad_outputs, grad_inputs) -> None:
        note = _notes.get(node)
        if note is None:
            note = _notes[node] = _Note()
        for nr, grad in enumerate(grad_outputs):
            if grad is None:
                continue
            # a copy: the engine may later add into this very array in place
            g = np.array(grad._data, copy=True)
            note.grads[nr] = note.grads[nr] + g if nr in note.grads else g


def value_of(node, nr: int):
    """`(array, changed)` for output `nr` of `node`, or None if the value is not known.

    Known means: the variable of a leaf, a recorded output, or an output the node saved for
    backward. `changed` is True when the tensor was modified in place after it was made.
    """
    if node is None:
        return None
    if is_leaf(node):
        leaf = node.variable
        return None if leaf is None else (leaf._data, False)
    note = _notes.get(node)
    if note is not None and nr in note.values:
        array, counter, version = note.values[nr]
        return array, counter[0] != version
    for record_ in node._saved or ():
        if record_ is not None and record_[0] is None and record_[4] == nr:
            return record_[1], record_[2][0] != record_[3]
    return None


def saved_inputs(nodes) -> dict:
    """`{(node, output_nr): (array, False)}` for op outputs a later op saved as its input.

    Outside `viz.record()` an intermediate value is still known when the op that used it
    kept it for backward (a Mul keeps both factors), so a drawing can show it and outline
    its NaN. A value changed in place since it was saved no longer is that output: skipped.
    """
    known = {}
    for node in nodes:
        for saved in getattr(node, "_saved", None) or ():  # AccumulateGrad saves nothing
            if saved is None or saved[0] is None or saved[2][0] != saved[3]:
                continue
            tensor = saved[0]
            if tensor.grad_fn is not None:
                known.setdefault((tensor.grad_fn, tensor._output_nr), (tensor._data, False))
    return known


def data_inputs(node) -> dict:
    """`{input edge: tensor}` for the inputs of `node` that need no gradient (a batch `x`).

    Inside `viz.record()` they are noted as the op runs. Otherwise they are known when the
    op saved them for backward (an Addmm keeps `x` to compute the weight's gradient), and
    only when that pairs them with the gradient-less edges one for one.
    """
    if is_leaf(node):
        return {}
    note = _notes.get(node)
    if note is not None and note.inputs:
        return dict(note.inputs)
    edges = [k for k, (child, _) in enumerate(node.next_functions) if child is None]
    constants = [
        r[0]
        for r in node._saved or ()
        if r is not None and r[0] is not None and r[0].grad_fn is None and not r[0]._requires_grad
    ]
    return dict(zip(edges, constants)) if edges and len(edges) == len(constants) else {}


def grad_of(node, nr: int):
    """The gradient that reached output `nr` of `node` (an array), or None if not known."""
    if node is None:
        return None
    if is_leaf(node):
        grad = None if node.variable is None else node.variable._grad
        return None if grad is None else grad._data
    note = _notes.get(node)
    if note is not None and nr in note.grads:
        return note.grads[nr]
    ref = (node._retained or {}).get(nr)
    tensor = ref() if ref is not None else None
    if tensor is not None and tensor._grad is not None:
        return tensor._grad._data
    return None


def module_of(node):
    """The innermost module whose forward recorded `node`, or None."""
    note = _notes.get(node)
    return None if note is None else note.module
