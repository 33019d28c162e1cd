"""W6: a 2-layer LSTM (input 32, hidden 64) over 50 steps, batch 32, Linear(64,1) on the last
output, MSE, Adam.

A recurrent model: 50 time steps x 2 layers of small matmuls and gate activations, so the
per-op cost of recording and replaying a long, narrow graph decides the speed. There is no
hand-written NumPy twin (an LSTM's backward through time by hand is a project of its own):
`numpy_step` is None and `run.py` leaves the NumPy column empty.
"""

from __future__ import annotations

import numpy as np

from .seq_parts import load_seeded

TITLE = "W6 LSTM(32, 64, num_layers=2) over 50 steps, Linear(64,1), MSE, Adam, batch 32"
UNIT = "ms"
LR = 1e-3
FEATURES, HIDDEN, LAYERS, BATCH = 32, 64, 2, 32
numpy_step = None  # no NumPy twin


def make_data(rng: np.random.Generator, steps: int = 50) -> dict:
    """A (steps, batch, features) input sequence, regression targets and a weight seed."""
    return {
        "x": rng.standard_normal((steps, BATCH, FEATURES)).astype(np.float32),
        "y": rng.standard_normal((BATCH, 1)).astype(np.float32),
        "seed": int(rng.integers(2**31)),
    }


def lib_step(lib, data: dict):
    """The step as PyTorch code; `lib` is torch or tinygrad_nn."""
    nn = lib.nn
    lstm, head = nn.LSTM(FEATURES, HIDDEN, num_layers=LAYERS), nn.Linear(HIDDEN, 1)
    model = nn.ModuleList([lstm, head])
    load_seeded(lib, model, data["seed"])
    opt = lib.optim.Adam(model.parameters(), lr=LR)
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])

    def step():
        opt.zero_grad()
        out, _ = lstm(x)
        loss = nn.functional.mse_loss(head(out[-1]), y)
        loss.backward()
        opt.step()
        return loss

    return step
