"""Initial weights for the sequence workloads (W6, W7), drawn by parameter name and shape.

These models have many parameters of several kinds, so rather than spell out each shape the
weights are drawn from the model itself: `named_parameters()` gives the same names, shapes and
order in PyTorch and in tinygrad_nn, so the same NumPy generator fills both with the same
numbers.
"""

from __future__ import annotations

import numpy as np


def initial_value(name: str, shape: tuple, rng: np.random.Generator) -> np.ndarray:
    """A float32 start value: norm scales 1 and shifts 0, else uniform in +-1/sqrt(fan_in).

    Norm layers start at the identity (as PyTorch initialises them); every other tensor gets
    PyTorch's common Linear-style bound, from its last dimension for matrices and from the
    bias length otherwise.
    """
    if "norm" in name:
        return np.full(shape, 1.0 if name.endswith("weight") else 0.0, dtype=np.float32)
    bound = 1.0 / np.sqrt(shape[-1] if len(shape) > 1 else shape[0])
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def load_seeded(lib, model, seed: int) -> None:
    """Overwrite every parameter of `model` with `initial_value`s drawn from `seed`."""
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for name, p in model.named_parameters():
            p.copy_(lib.from_numpy(initial_value(name, tuple(p.shape), rng)))
