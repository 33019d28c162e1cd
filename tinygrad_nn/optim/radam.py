"""RAdam: Adam whose adaptive step is switched on, and rectified, once its variance is known."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._fused import addcmul_, fma, lerp_
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


class RAdam(Optimizer):
    """Same semantics as `torch.optim.RAdam`. For each parameter p with gradient g, at step t:

        g = -g                                       if maximize
        p = p * (1 - lr * weight_decay)              if weight_decay and decoupled_weight_decay
        g = g + weight_decay * p                     if weight_decay and not decoupled
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2^t / (1 - beta2^t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            p = p - m / (1 - beta1^t) * lr * (sqrt(1 - beta2^t) / (sqrt(v) + eps)) * r
        else:
            p = p - m / (1 - beta1^t) * lr

    `foreach`, `capturable` and `differentiable` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
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
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update(self, p: Tensor, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, decay = to_scalar(group["lr"]), group["weight_decay"]
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state["exp_avg"], state["exp_avg_sq"] = buffer_like(p), buffer_like(p)
        param, grad = p._data, p.grad._data
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        state["step"]._data += 1
        t = float(state["step"]._data)
        if group["maximize"]:
            grad = -grad
        if decay != 0 and group["decoupled_weight_decay"]:
            param *= 1 - lr * decay
        elif decay != 0:
            grad = fma(decay, param, grad, np.empty_like(param))
        tmp = np.empty_like(param)
        lerp_(m, grad, 1 - beta1)
        v *= beta2  # PyTorch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        addcmul_(v, grad, grad, 1 - beta2)
        bias_correction2 = 1 - beta2**t
        update = np.divide(m, 1 - beta1**t)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * (beta2**t) / bias_correction2
        if rho_t > 5.0:
            # PyTorch writes sqrt(bc2) / denom, and a scalar divided by a tensor is evaluated
            # as reciprocal(denom) * scalar: we keep that rounding.
            np.sqrt(v, out=tmp)
            tmp += group["eps"]
            np.reciprocal(tmp, out=tmp)
            tmp *= bias_correction2**0.5
            update *= tmp
            rect = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            update *= rect**0.5
        param -= update
        bump(p, *state.values())
