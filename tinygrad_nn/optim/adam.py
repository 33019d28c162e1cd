"""Adam: per-coordinate step sizes from running averages of the gradient and its square."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    buffer_like,
    bump,
    check_fused,
    check_lr,
    check_not_negative,
    lerp_,
    new_step,
    to_scalar,
)


class Adam(Optimizer):
    """Same semantics as `torch.optim.Adam`. For each parameter p with gradient g, at step t:

        g = -g                                       if maximize
        p = p * (1 - lr * weight_decay)              if weight_decay and decoupled (AdamW)
        g = g + weight_decay * p                     if weight_decay and not decoupled
        m = m + (1 - beta1) * (g - m)                (lerp: m = beta1 * m + (1 - beta1) * g)
        v = beta2 * v + (1 - beta2) * g * g
        v_max = max(v_max, v)                        if amsgrad; then v below means v_max
        denom = sqrt(v) / sqrt(1 - beta2^t) + eps
        p = p - (lr / (1 - beta1^t)) * m / denom

    The grouping of the float operations is PyTorch's, so float32 results match it step
    for step. `foreach`, `capturable`, `differentiable` and `fused` are accepted for
    compatibility; there is one NumPy code path.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ):
        check_lr(lr)
        check_not_negative(("learning rate", lr), ("epsilon value", eps))
        for i in (0, 1):
            if not 0.0 <= to_scalar(betas[i]) < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        check_not_negative(("weight_decay value", weight_decay))
        if not (
            all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)
        ):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {
            "lr": lr,
            "betas": tuple(to_scalar(b) for b in betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        check_fused(fused, differentiable, foreach)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update(self, p: Tensor, group: dict) -> None:
        beta1, beta2 = group["betas"]
        lr, decay, amsgrad = to_scalar(group["lr"]), group["weight_decay"], group["amsgrad"]
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state["exp_avg"], state["exp_avg_sq"] = buffer_like(p), buffer_like(p)
            if amsgrad:
                state["max_exp_avg_sq"] = buffer_like(p)
        param, grad = p._data, p.grad._data
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        state["step"]._data += 1
        t = float(state["step"]._data)
        if group["maximize"]:
            grad = -grad
        if decay != 0 and group["decoupled_weight_decay"]:
            param *= 1 - lr * decay
        elif decay != 0:
            grad = grad + decay * param
        tmp = np.empty_like(param)  # one scratch buffer, reused below
        lerp_(m, grad, 1 - beta1, tmp)  # PyTorch: exp_avg.lerp_(grad, 1 - beta1)
        v *= beta2  # PyTorch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        np.multiply(grad, 1 - beta2, out=tmp)
        tmp *= grad
        v += tmp
        if amsgrad:
            np.maximum(state["max_exp_avg_sq"]._data, v, out=state["max_exp_avg_sq"]._data)
            v = state["max_exp_avg_sq"]._data
        # PyTorch: denom = (v.sqrt() / sqrt(bias_correction2)).add_(eps), then
        # param.addcdiv_(m, denom, value=-lr / bias_correction1), i.e. p + (value * m) / denom.
        denom = np.sqrt(v)
        denom /= (1 - beta2**t) ** 0.5
        denom += group["eps"]
        np.multiply(m, -(lr / (1 - beta1**t)), out=tmp)
        tmp /= denom
        param += tmp
        bump(p, *state.values())
