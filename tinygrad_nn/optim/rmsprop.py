"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    buffer_like,
    bump,
    check_lr,
    check_not_negative,
    lerp_,
    new_step,
    to_scalar,
)


class RMSprop(Optimizer):
    """Same semantics as `torch.optim.RMSprop`. For each parameter p with gradient g:

        g = -g                                       if maximize
        g = g + weight_decay * p                     if weight_decay != 0
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            a = a + (1 - alpha) * (g - a)            (running mean of g, a lerp)
            avg = sqrt(v - a * a) + eps
        else:
            avg = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / avg
            p = p - lr * b
        else:
            p = p - lr * g / avg

    `capturable`, `foreach` and `differentiable` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0,
        momentum=0,
        centered=False,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        check_lr(lr)
        check_not_negative(
            ("learning rate", lr),
            ("epsilon value", eps),
            ("momentum value", momentum),
            ("weight_decay value", weight_decay),
            ("alpha value", alpha),
        )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update(self, p: Tensor, group: dict) -> None:
        lr, alpha, momentum = to_scalar(group["lr"]), group["alpha"], group["momentum"]
        state = self.state[p]
        if not state:
            state["step"], state["square_avg"] = new_step(), buffer_like(p)
            if momentum > 0:
                state["momentum_buffer"] = buffer_like(p)
            if group["centered"]:
                state["grad_avg"] = buffer_like(p)
        param, grad, v = p._data, p.grad._data, state["square_avg"]._data
        state["step"]._data += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        tmp = np.empty_like(param)
        v *= alpha  # PyTorch: square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        np.multiply(grad, 1 - alpha, out=tmp)
        tmp *= grad
        v += tmp
        if group["centered"]:
            a = state["grad_avg"]._data
            lerp_(a, grad, 1 - alpha, tmp)
            avg = np.multiply(a, a)
            np.subtract(v, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(v)
        avg += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum  # PyTorch: buf.mul_(momentum).addcdiv_(grad, avg)
            np.divide(grad, avg, out=avg)
            buf += avg
            param -= lr * buf
        else:
            np.multiply(grad, -lr, out=tmp)  # PyTorch: p.addcdiv_(grad, avg, value=-lr)
            tmp /= avg
            param += tmp
        bump(p, *state.values())
