"""Which edges carried a broadcast, and so had their gradient summed back (`unbroadcast`).

Broadcasting copies an input along new or size-1 axes in the forward pass; backward sums the
gradient over those axes. The views mark such an edge ("sum over (0,)"), because that sum is
a step of the chain rule people often miss. Only ops that broadcast are asked: a matmul of a
(3, 1) by a (1, 4) also turns a (3, 1) into a (3, 4), but that is no broadcast.
"""

from __future__ import annotations

from ..ops import binary, linalg
from ..ops._shape import broadcast_axes, broadcast_shapes
from .walk import output_meta

# The elementwise ops whose backward calls `unbroadcast` (see ops/binary.py).
_ELEMENTWISE = (
    binary.Add,
    binary.Sub,
    binary.Mul,
    binary.Div,
    binary.Pow,
    binary.Maximum,
    binary.Minimum,
    binary.Where,
    binary.MaskedFill,
)


def summed_axes(node, index: int) -> tuple:
    """Axes of `node`'s output over which the gradient of input edge `index` is summed.

    Returns `()` when that input was not broadcast (or the op does not broadcast).
    """
    child, nr = node.next_functions[index]
    fn = getattr(node, "_fn", None)
    if child is None or fn is None:
        return ()
    meta, out = output_meta(child, nr), output_meta(node, 0)
    if meta is None or out is None or meta[0] == out[0]:
        return ()
    if issubclass(fn, _ELEMENTWISE):
        if len(meta[0]) > len(out[0]):
            return ()
        return broadcast_axes(meta[0], out[0])
    if fn is linalg.Addmm and index == 0:  # the bias, broadcast over the rows
        return broadcast_axes(meta[0], out[0])
    if fn is linalg.MatMul and getattr(node, "shapes", None):
        return _matmul_batch_axes(node.shapes, meta[0])
    return ()


def _matmul_batch_axes(shapes: tuple, shape: tuple) -> tuple:
    """Batch axes of a matmul output that input `shape` was broadcast along."""
    batches = [s[:-2] for s in shapes]
    out_batch = broadcast_shapes(*batches)
    return broadcast_axes(shape[:-2], out_batch)


def describe(axes: tuple) -> str:
    """The edge label for a summed-back broadcast, e.g. `sum over (0,)`."""
    return f"sum over {tuple(axes)}"
