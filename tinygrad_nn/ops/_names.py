"""PyTorch's names where a user sees them: the words its error messages use for dtypes
(`Float`, `Long`, ...) and the node names it records for results we compose from several of
our ops (`UnsafeViewBackward0` on a reshape that copied).

The one home of both, so that every message and every `grad_fn` spells them the same way.
"""

from __future__ import annotations

import numpy as np

# ATen's scalar type names, keyed by NumPy's dtype name
DTYPE_WORDS = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def dtype_word(dtype) -> str:
    """PyTorch's name of a dtype in messages (Float, Long, ...); NumPy's name for the others."""
    name = np.dtype(dtype).name
    return DTYPE_WORDS.get(name, name)


def named(out, name: str):
    """`out` with PyTorch's node name on its `grad_fn` (if it has one), for a result composed
    of several of our ops or computed by one node of PyTorch's that we split."""
    if out.grad_fn is not None:
        out.grad_fn.node_name = name
    return out
