"""W7: Linear(32,64) -> 2-layer TransformerEncoder (d_model 64, 4 heads, feed-forward 256,
no dropout) over 32 positions -> mean over positions -> Linear(64,10), cross-entropy, Adam,
batch 32.

Attention and layer norms at a small width: a few dozen batched matmuls, softmaxes and
reductions per step, each moving tens of thousands of numbers. Dropout is 0 so both libraries
compute the same numbers. No hand-written NumPy twin: `numpy_step` is None.
"""

from __future__ import annotations

import numpy as np

from .seq_parts import load_seeded

TITLE = "W7 Linear(32,64), 2x TransformerEncoderLayer(64, 4 heads, ff 256), Adam, batch 32x32"
UNIT = "ms"
LR = 1e-3
FEATURES, D_MODEL, HEADS, FF, LAYERS, BATCH, CLASSES = 32, 64, 4, 256, 2, 32, 10
numpy_step = None  # no NumPy twin


def make_data(rng: np.random.Generator, length: int = 32) -> dict:
    """A (batch, length, features) input, class labels and a weight seed."""
    return {
        "x": rng.standard_normal((BATCH, length, FEATURES)).astype(np.float32),
        "y": rng.integers(0, CLASSES, BATCH),
        "seed": int(rng.integers(2**31)),
    }


def build(lib):
    """The model: input projection, encoder, classifier (the mean over positions is in step)."""
    nn = lib.nn
    layer = nn.TransformerEncoderLayer(
        D_MODEL, HEADS, dim_feedforward=FF, dropout=0.0, batch_first=True
    )
    encoder = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
    return nn.ModuleList([nn.Linear(FEATURES, D_MODEL), encoder, nn.Linear(D_MODEL, CLASSES)])


def lib_step(lib, data: dict):
    """The step as PyTorch code; `lib` is torch or tinygrad_nn."""
    model = build(lib)
    load_seeded(lib, model, data["seed"])
    embed, encoder, head = model
    opt = lib.optim.Adam(model.parameters(), lr=LR)
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])

    def step():
        opt.zero_grad()
        logits = head(encoder(embed(x)).mean(dim=1))
        loss = lib.nn.functional.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        return loss

    return step
