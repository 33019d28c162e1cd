"""`a + b` on two 4-element tensors that require grad: the cost of recording one op."""

from __future__ import annotations

import numpy as np

TITLE = "a + b, 4-element tensors requiring grad"
UNIT = "us"


def make_data(rng: np.random.Generator) -> dict:
    """Two 4-element float32 vectors."""
    return {
        "a": rng.standard_normal(4).astype(np.float32),
        "b": rng.standard_normal(4).astype(np.float32),
    }


def numpy_step(data: dict):
    """The addition alone: NumPy records nothing."""
    a, b = data["a"], data["b"]
    return lambda: a + b


def lib_step(lib, data: dict):
    """The addition, recorded in the graph; `lib` is torch or tinygrad_nn."""
    a = lib.tensor(data["a"], requires_grad=True)
    b = lib.tensor(data["b"], requires_grad=True)
    return lambda: a + b
