"""Adamax: Adam with the infinity norm of past gradients in place of their RMS."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._fused import fma, lerp_
from .optimizer import (
    Optimizer,
    buffer_like,
    bump,
    check_betas,
    check_lr,
    check_not_negative,
    new_step,
    to_scalar,
)


class Adamax(Optimizer):
    """Same semantics as `torch.optim.Adamax`. For each parameter p with gradient g, at step t:

        g = -g                                       if maximize
        g = g + weight_decay * p                     if weight_decay != 0
        m = m + (1 - beta1) * (g - m)                (lerp, as Adam)
        u = max(beta2 * u, |g| + eps)                (exp_inf)
        p = p - (lr / (1 - beta1^t)) * m / u

    `foreach`, `capturable` and `differentiable` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        check_lr(lr)
        check_not_negative(("learning rate", lr), ("epsilon value", eps))
        check_betas(betas)
        check_not_negative(("weight_decay value", weight_decay))
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
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
        beta1, beta2 = group["betas"]
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state["exp_avg"], state["exp_inf"] = buffer_like(p), buffer_like(p)
        param, grad = p._data, p.grad._data
        m, u = state["exp_avg"]._data, state["exp_inf"]._data
        state["step"]._data += 1
        t = float(state["step"]._data)
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = fma(group["weight_decay"], param, grad, np.empty_like(param))
        tmp = np.empty_like(param)
        lerp_(m, grad, 1 - beta1)
        u *= beta2  # PyTorch: maximum(exp_inf.mul_(beta2), grad.abs().add_(eps), out=exp_inf)
        np.abs(grad, out=tmp)
        tmp += group["eps"]
        np.maximum(u, tmp, out=u)
        clr = to_scalar(group["lr"]) / (1 - beta1**t)
        np.multiply(m, -clr, out=tmp)  # PyTorch: param.addcdiv_(exp_avg, exp_inf, value=-clr)
        tmp /= u
        param += tmp
        bump(p, *state.values())
