"""W3: 784-1024-1024-10 MLP, ReLU, cross-entropy, Adam, batch 512.

Big matmuls and a 1.8M-parameter Adam update: the time is BLAS and elementwise passes over
memory, so the engine must add no copies, transposes or temporaries beyond the math's.
"""

from __future__ import annotations

import numpy as np

from .numpy_parts import Adam, cross_entropy, linear_backward, linear_params, load_params

TITLE = "W3 784-1024-1024-10 MLP, ReLU, cross-entropy, Adam, batch 512"
UNIT = "ms"
SIZES = [784, 1024, 1024, 10]


def make_data(rng: np.random.Generator) -> dict:
    """Inputs, class labels and the initial weights."""
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params += linear_params(rng, fan_in, fan_out)
    return {
        "x": rng.standard_normal((512, 784)).astype(np.float32),
        "y": rng.integers(0, 10, 512),
        "params": params,
    }


def numpy_step(data: dict):
    """The step by hand: forward, cross-entropy, backward, Adam."""
    x, y = data["x"], data["y"]
    params = [p.copy() for p in data["params"]]
    w1, b1, w2, b2, w3, b3 = params
    adam = Adam(params)

    def step():
        h1 = x @ w1.T
        h1 += b1
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w2.T
        h2 += b2
        np.maximum(h2, 0, out=h2)
        logits = h2 @ w3.T + b3
        loss, grad = cross_entropy(logits, y)
        grad, grad_w3, grad_b3 = linear_backward(grad, h2, w3)
        grad *= h2 > 0
        grad, grad_w2, grad_b2 = linear_backward(grad, h1, w2)
        grad *= h1 > 0
        _, grad_w1, grad_b1 = linear_backward(grad, x, w1, need_x=False)
        adam.step([grad_w1, grad_b1, grad_w2, grad_b2, grad_w3, grad_b3])
        return loss

    return step


def lib_step(lib, data: dict):
    """The step as PyTorch code; `lib` is torch or tinygrad_nn."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)
    )
    load_params(lib, model, data["params"])
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step
