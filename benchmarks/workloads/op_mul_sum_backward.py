"""`(a * b).sum().backward()` on 4-element tensors: two recorded ops and a backward pass,
the smallest complete round trip through the engine."""

from __future__ import annotations

import numpy as np

TITLE = "(a * b).sum().backward(), 4-element tensors"
UNIT = "us"


def make_data(rng: np.random.Generator) -> dict:
    """Two 4-element float32 vectors."""
    return {
        "a": rng.standard_normal(4).astype(np.float32),
        "b": rng.standard_normal(4).astype(np.float32),
    }


def numpy_step(data: dict):
    """Forward, then dL/da += b and dL/db += a by hand (gradients accumulate, as .grad does)."""
    a, b = data["a"], data["b"]
    grad_a, grad_b = np.zeros_like(a), np.zeros_like(b)

    def step():
        total = (a * b).sum()
        np.add(grad_a, b, out=grad_a)
        np.add(grad_b, a, out=grad_b)
        return total

    return step


def lib_step(lib, data: dict):
    """The round trip as PyTorch code; `lib` is torch or tinygrad_nn."""
    a = lib.tensor(data["a"], requires_grad=True)
    b = lib.tensor(data["b"], requires_grad=True)

    def step():
        loss = (a * b).sum()
        loss.backward()
        return loss

    return step
