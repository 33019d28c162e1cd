"""W4: a chain of `rounds` x (x * 1.0001, + 0.001, tanh) on 16 values, forward + backward.

With the default 3,334 rounds that is 10,002 ops, each on 16 numbers: the cost of an op in
the framework - recording a node, and later running its backward - is all there is. The
same chain with 10x the rounds must take about 10x the time (a linear-time engine, no
recursion, nothing kept alive that should be freed).
"""

from __future__ import annotations

import numpy as np

TITLE = "W4 chain of 3,334 x (x*1.0001, +0.001, tanh) on 16 values, fwd+bwd"
UNIT = "ms"
ROUNDS = 3334


def make_data(rng: np.random.Generator, rounds: int = ROUNDS) -> dict:
    """The 16 starting values and the chain length."""
    return {"x": rng.uniform(-1, 1, 16).astype(np.float32), "rounds": rounds}


def numpy_step(data: dict):
    """Forward keeping each tanh output, then the chain rule back: g *= (1 - y^2) * 1.0001."""
    x0, rounds = data["x"], data["rounds"]
    grad_x = np.zeros_like(x0)

    def step():
        outputs, x = [], x0
        for _ in range(rounds):
            x = np.tanh(x * 1.0001 + 0.001)
            outputs.append(x)
        grad = np.ones_like(x)  # d(sum)/dx
        for y in reversed(outputs):
            grad = grad * (1 - y * y) * 1.0001
        grad_x[...] = grad
        return x

    return step


def lib_step(lib, data: dict):
    """The chain as PyTorch code; `lib` is torch or tinygrad_nn."""
    x0, rounds = lib.tensor(data["x"], requires_grad=True), data["rounds"]

    def step():
        x0.grad = None
        x = x0
        for _ in range(rounds):
            x = (x * 1.0001 + 0.001).tanh()
        x.sum().backward()
        return x.detach()

    return step
