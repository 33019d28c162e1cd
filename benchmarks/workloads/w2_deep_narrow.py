"""W2: Linear(784,30) -> ReLU, 8 x (Linear(30,30) -> ReLU), Linear(30,1), MSE, SGD, batch 64.

Eleven small layers: still dominated by per-op overhead, with a first matmul big enough
(64 x 784 x 30) to register.
"""

from __future__ import annotations

import numpy as np

from .numpy_parts import linear_backward, linear_params, load_params, mse, sgd_update

TITLE = "W2 784-30, 8x 30-30, 30-1 MLP, ReLU, MSE, SGD, batch 64"
UNIT = "ms"
LR = 0.01
SIZES = [784] + [30] * 9 + [1]


def make_data(rng: np.random.Generator) -> dict:
    """Inputs, regression targets and the initial weights."""
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params += linear_params(rng, fan_in, fan_out)
    return {
        "x": rng.standard_normal((64, 784)).astype(np.float32),
        "y": rng.standard_normal((64, 1)).astype(np.float32),
        "params": params,
    }


def numpy_step(data: dict):
    """The step by hand: forward keeping each layer's input, MSE, backward, SGD."""
    x, y = data["x"], data["y"]
    params = [p.copy() for p in data["params"]]
    weights, biases = params[0::2], params[1::2]

    def step():
        inputs, a = [], x
        for i, (w, b) in enumerate(zip(weights, biases)):
            inputs.append(a)
            a = a @ w.T + b
            if i < len(weights) - 1:
                np.maximum(a, 0, out=a)
        loss, grad = mse(a, y)
        grads = []
        for i in range(len(weights) - 1, -1, -1):
            if i < len(weights) - 1:
                grad *= inputs[i + 1] > 0  # ReLU: its output is the next layer's input
            grad, grad_w, grad_b = linear_backward(grad, inputs[i], weights[i], need_x=i > 0)
            grads[:0] = [grad_w, grad_b]
        sgd_update(params, grads, LR)
        return loss

    return step


def lib_step(lib, data: dict):
    """The step as PyTorch code; `lib` is torch or tinygrad_nn."""
    nn = lib.nn
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    load_params(lib, model, data["params"])
    opt = lib.optim.SGD(model.parameters(), lr=LR)
    x, y = lib.from_numpy(data["x"]), lib.from_numpy(data["y"])

    def step():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step
