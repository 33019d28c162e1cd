"""In-place ops (`x.mul_(2)`, `x += y`, `x[0] = v`) and how they stay correct for autograd.

An in-place op is computed out of place first, then written into the tensor's memory:

    result = op(old x)            # recorded as usual: the node's input is the *old* x
    x._data[...] = result         # same memory, so views of x see the change
    x.grad_fn = result.grad_fn    # later ops see the new history
    x._version += 1               # nodes that saved the old x now raise in backward

Two refusals, as in PyTorch: a leaf that requires grad cannot be changed in place while
grad mode is on (its .grad would no longer describe the value), nor can a view of one.

Views. If x is a view of a base tensor that is part of a graph (`y = a * 2; y[0].mul_(3)`),
the base's history changes too: its new value is the old base with the view's region
replaced (`ViewScatter`), and x becomes a view of that new base again (`ViewGather`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .autograd.function import Function, wrap
from .autograd.grad_mode import _state
from .debug.record import note_inplace
from .ops.movement import IndexAdd, IndexPut

if TYPE_CHECKING:
    from .tensor import Tensor


def apply_inplace(t: Tensor, compute) -> Tensor:
    """Write `compute(t)` into t's memory, updating its history if the result was recorded."""
    recording = _state.enabled
    base = t._base
    if recording:
        if t._requires_grad and t.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        if t.grad_fn is not None and t._multi_view is not None:
            op, nr = t._multi_view
            raise RuntimeError(
                f"Output {nr} of {op} is a view and is being modified inplace. This view is the "
                "output of a function that returns multiple views. Such functions do not allow "
                "the output views to be modified inplace. You should replace the inplace "
                "operation by an out-of-place one."
            )
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation."
            )
    old = _alias(t) if recording else t
    old_base_node = base.grad_fn if base is not None else None
    result = compute(old)
    _check_result(t, result)
    in_graph = recording and (
        result.grad_fn is not None
        or t.grad_fn is not None
        or (base is not None and base.grad_fn is not None)
    )
    if in_graph:
        # Nodes recorded by `compute` may have saved `old`: give it its own copy of the old
        # values before they are overwritten below.
        old._data = old._data.copy()
    if in_graph and base is not None and (base.grad_fn is not None or result._requires_grad):
        _rebase_view(t, base, result)
    else:
        _write(t, result._data)
        if in_graph:
            t.grad_fn, t._output_nr = result.grad_fn, result._output_nr
            t._requires_grad = result._requires_grad
            _adopt_saved_output(result, t)
    t._version_counter[0] += 1
    if in_graph:
        _rebase_other_views(t, base if base is not None else t)
        _follow_retain_grad(t, old.grad_fn, old._output_nr)
        if base is not None:
            _follow_retain_grad(base, old_base_node, 0)
    if in_graph or t.grad_fn is not None:  # remember the op and line for the in-place error
        note_inplace(t._version_counter)
    return t


def apply_view_inplace(t: Tensor, make_view, name: str) -> Tensor:
    """t.t_(), t.squeeze_(), ...: t becomes `make_view(t)`, a view of its own memory with new
    sizes. No value changes, but t's history gains the view op and its version is bumped,
    as in PyTorch, which refuses this on a leaf that requires grad as it does any in-place op.
    `name` is the node PyTorch records for the in-place form (`TBackward1` for t_)."""
    if _state.enabled and t._requires_grad and t.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    view = make_view(_alias(t))
    t._data = view._data
    if view.grad_fn is not None:
        view.grad_fn.node_name = name
        t.grad_fn, t._output_nr = view.grad_fn, view._output_nr
    t._version_counter[0] += 1
    return t


def _rebase_other_views(t: Tensor, root: Tensor) -> None:
    """Every other live view of `root` now shows new values: re-derive it from root's new
    history (PyTorch regenerates such a view's grad_fn the same way, as an AsStrided)."""
    views = root._views
    if not views or root.grad_fn is None:
        return
    alive = []
    for ref in views:
        view = ref()
        if view is None:
            continue
        alive.append(ref)
        if view is not t:
            regathered = ViewGather.apply(root, view_index(root._data, view._data))
            view.grad_fn, view._output_nr, view._requires_grad = regathered.grad_fn, 0, True
    views[:] = alive


def _follow_retain_grad(t: Tensor, old_node, old_nr: int) -> None:
    """retain_grad() keeps the gradient of t's *current* value: move it to the new node."""
    if not t._retains_grad or t.grad_fn is old_node:
        return
    if old_node is not None and old_node._retained:
        old_node._retained.pop(old_nr, None)
    t._retains_grad = False
    t.retain_grad()


def _alias(t: Tensor) -> Tensor:
    """A second Tensor object for t's current value and history (memory shared for now)."""
    old = t._make(t._data, t._requires_grad)
    old.grad_fn, old._output_nr = t.grad_fn, t._output_nr
    if t.grad_fn is None and t._requires_grad:
        old._accumulator = t._accumulator
    return old


def _check_result(t: Tensor, result: Tensor) -> None:
    if result._data.shape != t._data.shape:
        raise RuntimeError(
            f"output with shape {list(t._data.shape)} doesn't match the broadcast shape "
            f"{list(result._data.shape)}"
        )
    order = "biuf"
    if order.index(result._data.dtype.kind) > order.index(t._data.dtype.kind):
        raise RuntimeError(
            f"result type {_word(result)} can't be cast to the desired output type {_word(t)}"
        )


def _word(t: Tensor) -> str:
    return {"f": "Float", "i": "Long", "u": "Byte", "b": "Bool"}[t._data.dtype.kind]


def _write(t: Tensor, values: np.ndarray) -> None:
    if not t._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    np.copyto(t._data, values, casting="unsafe")


def _adopt_saved_output(result: Tensor, t: Tensor) -> None:
    """If the node saved its output, let that be t itself (version-checked, like PyTorch)."""
    node = result.grad_fn
    if node is None or not getattr(node, "_saved", None):
        return
    node._saved = tuple(
        (None, t._data, t._version_counter, t._version_counter[0] + 1, r[4])
        if r is not None and r[1] is result._data
        else r
        for r in node._saved
    )


def _rebase_view(view: Tensor, base: Tensor, result: Tensor) -> None:
    index = view_index(base._data, view._data)
    new_base = ViewScatter.apply(base, index, result)
    _write(view, result._data)
    base.grad_fn, base._output_nr, base._requires_grad = new_base.grad_fn, 0, True
    regathered = ViewGather.apply(base, index)
    view.grad_fn, view._output_nr, view._requires_grad = regathered.grad_fn, 0, True
    _adopt_saved_output(result, view)  # `view.relu_(); view.mul_(2)` must then raise


def view_index(base: np.ndarray, view: np.ndarray) -> np.ndarray:
    """For each element of `view`, its flat (C-order) index in `base`, found by address."""
    offsets = [np.arange(n) * s for n, s in zip(base.shape, base.strides)]
    base_addr = np.zeros(base.shape, np.int64)
    for axis, off in enumerate(offsets):
        base_addr = base_addr + off.reshape((-1,) + (1,) * (base.ndim - axis - 1))
    base_addr = base_addr.reshape(-1)
    start = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    view_addr = np.full(view.shape, start, np.int64)
    for axis, (n, s) in enumerate(zip(view.shape, view.strides)):
        view_addr = view_addr + (np.arange(n) * s).reshape((-1,) + (1,) * (view.ndim - axis - 1))
    order = np.argsort(base_addr, kind="stable")
    return order[np.searchsorted(base_addr[order], view_addr)]


class ViewScatter(Function):
    """y = base with y.flat[index] = src.
    dL/dbase = g with zeros at index,   dL/dsrc = g.flat[index]."""

    node_name = "torch::autograd::CopySlices"

    @staticmethod
    def forward(ctx, base, index, src):
        ctx.index, ctx.shape = index, base._data.shape
        out = base._data.copy()
        out.reshape(-1)[index.reshape(-1)] = src._data.reshape(-1)
        return wrap(out)

    @staticmethod
    def backward(ctx, grad):
        flat, key = grad.reshape(-1), (ctx.index.reshape(-1),)
        grad_base = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_base = IndexPut.apply(flat, key, 0.0).reshape(ctx.shape)
        if ctx.needs_input_grad[2]:
            grad_src = flat[key].reshape(ctx.index.shape)
        return grad_base, None, grad_src


class ViewGather(Function):
    """y = base.flat[index] (the view, re-derived from its new base).
    dL/dbase = zeros with g added at index."""

    node_name = "AsStridedBackward0"

    @staticmethod
    def forward(ctx, base, index):
        ctx.index, ctx.shape = index, base._data.shape
        return wrap(base._data.reshape(-1)[index])

    @staticmethod
    def backward(ctx, grad):
        flat_shape = (int(np.prod(ctx.shape)),)
        scattered = IndexAdd.apply(grad.reshape(-1), (ctx.index.reshape(-1),), flat_shape)
        return scattered.reshape(ctx.shape), None
