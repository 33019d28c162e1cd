"""W1: Linear(2,3) -> ReLU -> Linear(3,2), cross-entropy, SGD, batch 4.

The network is so small that the arithmetic is nothing: the time is the per-op overhead of
the framework (creating tensors and graph nodes, the backward loop, the optimizer loop).
"""

from __future__ import annotations

import numpy as np

from .numpy_parts import cross_entropy, linear_backward, linear_params, load_params, sgd_update

TITLE = "W1 Linear(2,3)-ReLU-Linear(3,2), cross-entropy, SGD, batch 4"
UNIT = "ms"
LR = 0.1


def make_data(rng: np.random.Generator) -> dict:
    """Inputs, class labels and the initial weights."""
    return {
        "x": rng.standard_normal((4, 2)).astype(np.float32),
        "y": rng.integers(0, 2, 4),
        "params": linear_params(rng, 2, 3) + linear_params(rng, 3, 2),
    }


def numpy_step(data: dict):
    """The step by hand: forward, cross-entropy, backward, SGD."""
    x, y = data["x"], data["y"]
    params = [p.copy() for p in data["params"]]
    w1, b1, w2, b2 = params

    def step():
        h = x @ w1.T + b1
        a = np.maximum(h, 0)
        logits = a @ w2.T + b2
        loss, grad = cross_entropy(logits, y)
        grad_a, grad_w2, grad_b2 = linear_backward(grad, a, w2)
        grad_a *= h > 0
        _, grad_w1, grad_b1 = linear_backward(grad_a, x, w1, need_x=False)
        sgd_update(params, [grad_w1, grad_b1, grad_w2, grad_b2], LR)
        return loss

    return step


def lib_step(lib, data: dict):
    """The step as PyTorch code; `lib` is torch or tinygrad_nn."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    load_params(lib, model, data["params"])
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step
