"""NAdam: Adam with Nesterov momentum, the momentum factor warmed up over the first steps."""

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


class NAdam(Optimizer):
    """Same semantics as `torch.optim.NAdam`. For each parameter p with gradient g, at step t:

        g = -g                                       if maximize
        p = p * (1 - lr * weight_decay)              if weight_decay and decoupled_weight_decay
        g = g + weight_decay * p                     if weight_decay and not decoupled
        mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))     (and mu_{t+1} likewise)
        P = P * mu_t                                 (mu_product, a float32 0-d tensor)
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2^t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P) * g / denom
        p = p - lr * mu_{t+1} / (1 - P * mu_{t+1}) * m / denom

    `foreach`, `capturable` and `differentiable` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        momentum_decay=4e-3,
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
        check_not_negative(
            ("weight_decay value", weight_decay), ("momentum_decay value", momentum_decay)
        )
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update(self, p: Tensor, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, decay, psi = to_scalar(group["lr"]), group["weight_decay"], group["momentum_decay"]
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state["mu_product"] = Tensor._make(np.ones((), np.float32))
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
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        state["mu_product"]._data *= mu  # rounded to the product's own dtype, as PyTorch's
        mu_product = float(state["mu_product"]._data)
        tmp = np.empty_like(param)
        lerp_(m, grad, 1 - beta1)
        v *= beta2  # PyTorch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        addcmul_(v, grad, grad, 1 - beta2)
        denom = np.divide(v, 1 - beta2**t)  # PyTorch: exp_avg_sq.div(bc2).sqrt().add_(eps)
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        np.multiply(grad, -lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)  # addcdiv_ order
        tmp /= denom
        param += tmp
        np.multiply(m, (-lr * mu_next) / (1.0 - mu_product * mu_next), out=tmp)
        tmp /= denom
        param += tmp
        bump(p, *state.values())
