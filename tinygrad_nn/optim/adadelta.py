"""Adadelta: step sizes from the ratio of running RMS of past updates to that of gradients."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._fused import addcmul_, fma
from .optimizer import (
    Optimizer,
    buffer_like,
    bump,
    check_lr,
    check_not_negative,
    new_step,
    to_scalar,
)


class Adadelta(Optimizer):
    """Same semantics as `torch.optim.Adadelta`. For each parameter p with gradient g:

        g = -g                                       if maximize
        g = g + weight_decay * p                     if weight_decay != 0
        v = rho * v + (1 - rho) * g * g              (square_avg)
        delta = sqrt(u + eps) / sqrt(v + eps) * g    (u: acc_delta, the previous updates)
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta

    `foreach`, `capturable` and `differentiable` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        check_lr(lr)
        check_not_negative(("learning rate", lr))
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_not_negative(("epsilon value", eps), ("weight_decay value", weight_decay))
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update(self, p: Tensor, group: dict) -> None:
        lr, rho, eps = to_scalar(group["lr"]), group["rho"], group["eps"]
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state["square_avg"], state["acc_delta"] = buffer_like(p), buffer_like(p)
        param, grad = p._data, p.grad._data
        v, u = state["square_avg"]._data, state["acc_delta"]._data
        state["step"]._data += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = fma(group["weight_decay"], param, grad, np.empty_like(param))
        v *= rho  # PyTorch: square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        addcmul_(v, grad, grad, 1 - rho)
        std = np.add(v, eps)
        np.sqrt(std, out=std)
        delta = np.add(u, eps)  # PyTorch: acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= grad
        u *= rho
        addcmul_(u, delta, delta, 1 - rho)
        fma(-lr, delta, param, out=param)  # PyTorch: param.add_(delta, alpha=-lr)
        bump(p, *state.values())
