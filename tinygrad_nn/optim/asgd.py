"""ASGD: SGD with a decaying step size that also keeps a running average of the iterates."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._fused import fma
from .optimizer import (
    Optimizer,
    buffer_like,
    bump,
    check_lr,
    check_not_negative,
    new_step,
    to_scalar,
)


class ASGD(Optimizer):
    """Same semantics as `torch.optim.ASGD`. For each parameter p with gradient g, at step t:

        g = -g                                       if maximize
        g = g + weight_decay * p                     if weight_decay != 0
        p = p * (1 - lambd * eta)
        p = p - eta * g
        ax = ax + mu * (p - ax)                      (ax = p while mu == 1)
        eta = lr / (1 + lambd * lr * t)^alpha        (for the next step)
        mu = 1 / max(1, t - t0)

    eta and mu are kept as float32 0-d tensors, as PyTorch keeps them, so their rounding
    matches. `foreach`, `capturable` and `differentiable` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        check_lr(lr)
        check_not_negative(("learning rate", lr), ("weight_decay value", weight_decay))
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update(self, p: Tensor, group: dict) -> None:
        lr, lambd = to_scalar(group["lr"]), group["lambd"]
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state["eta"] = Tensor._make(np.array(lr, np.float32))
            state["mu"] = Tensor._make(np.ones((), np.float32))
            state["ax"] = buffer_like(p)
        param, grad, ax = p._data, p.grad._data, state["ax"]._data
        state["step"]._data += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = fma(group["weight_decay"], param, grad, np.empty_like(param))
        eta = float(state["eta"]._data)
        param *= 1 - lambd * eta
        fma(-eta, grad, param, out=param)  # PyTorch: param.add_(grad, alpha=-eta)
        mu = state["mu"]._data
        if float(mu) != 1:
            diff = np.subtract(param, ax)
            diff *= mu
            ax += diff
        else:
            ax[...] = param
        t = float(state["step"]._data)
        # PyTorch builds both from Python floats as default-dtype (float32) tensors
        state["eta"]._data[...] = np.float32(lr / ((1 + lambd * lr * t) ** group["alpha"]))
        state["mu"]._data[...] = np.float32(1 / max(1, t - group["t0"]))
        bump(p, *state.values())
