"""Pieces shared by the hand-written NumPy steps and by the weight loading of the others.

The NumPy steps are what a careful engineer would write without an autograd engine: every
gradient derived by hand, parameters updated in place, no copies the math does not need.
Weights are stored as PyTorch stores them (`Linear.weight` is `(out, in)`), so the same
arrays load into every version.
"""

from __future__ import annotations

import numpy as np


def linear_params(rng: np.random.Generator, fan_in: int, fan_out: int) -> list:
    """Weight `(out, in)` and bias `(out,)`, uniform in +-1/sqrt(fan_in) (PyTorch's default)."""
    bound = 1.0 / np.sqrt(fan_in)
    weight = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
    bias = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
    return [weight, bias]


def load_params(lib, module, arrays: list) -> None:
    """Copy `arrays` into `module.parameters()` (in order) without recording a graph."""
    params = list(module.parameters())
    assert [tuple(p.shape) for p in params] == [a.shape for a in arrays]
    with lib.no_grad():
        for p, a in zip(params, arrays):
            p.copy_(lib.tensor(a))


def cross_entropy(logits: np.ndarray, target: np.ndarray) -> tuple:
    """Mean cross-entropy of `logits` (N, C) with class indices; returns (loss, dL/dlogits)."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)  # stable: exp never overflows
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = np.log(total[:, 0]).sum() - shifted[rows, target].sum()
    exp /= total  # softmax, reused as the gradient
    exp[rows, target] -= 1.0
    exp /= n
    return loss / n, exp


def mse(pred: np.ndarray, target: np.ndarray) -> tuple:
    """Mean squared error; returns (loss, dL/dpred)."""
    diff = pred - target
    loss = np.dot(diff.ravel(), diff.ravel()) / diff.size
    diff *= 2.0 / diff.size
    return loss, diff


def linear_backward(grad: np.ndarray, x: np.ndarray, weight: np.ndarray, need_x: bool = True):
    """For y = x @ W^T + b: returns (dL/dx or None, dL/dW, dL/db)."""
    grad_x = grad @ weight if need_x else None
    return grad_x, grad.T @ x, grad.sum(axis=0)


def sgd_update(params: list, grads: list, lr: float) -> None:
    """p -= lr * g, in place."""
    for p, g in zip(params, grads):
        g *= lr
        p -= g


class Adam:
    """Adam with PyTorch's defaults, updating the parameters in place.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    """

    def __init__(self, params: list, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads: list) -> None:
        """One update from the gradients (which are used as scratch space)."""
        self.t += 1
        b1, b2 = self.betas
        step_size = self.lr / (1 - b1**self.t)
        root_bc2 = np.sqrt(1 - b2**self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            g *= g
            g *= 1 - b2
            v += g
            np.sqrt(v, out=g)
            g /= root_bc2
            g += self.eps
            np.divide(m, g, out=g)
            g *= step_size
            p -= g
