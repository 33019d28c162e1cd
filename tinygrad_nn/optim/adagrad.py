"""Adagrad: step sizes shrink with the sum of all squared gradients seen so far."""

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
    new_step,
    to_scalar,
)


class Adagrad(Optimizer):
    """Same semantics as `torch.optim.Adagrad`. For each parameter p with gradient g, at step t:

        g = -g                                       if maximize
        g = g + weight_decay * p                     if weight_decay != 0
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                                (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    `foreach`, `differentiable` and `fused` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0,
        weight_decay=0,
        initial_accumulator_value=0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        check_lr(lr)
        check_not_negative(
            ("learning rate", lr),
            ("lr_decay value", lr_decay),
            ("weight_decay value", weight_decay),
            ("initial_accumulator_value value", initial_accumulator_value),
            ("epsilon value", eps),
        )
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        check_fused(fused, differentiable, foreach)
        # PyTorch fills every group's accumulator from the constructor's value, even for a
        # group that sets its own initial_accumulator_value; we do the same.
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {
                    "step": new_step(),
                    "sum": buffer_like(p, initial_accumulator_value),
                }

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update(self, p: Tensor, group: dict) -> None:
        state = self.state[p]
        if not state:  # a group added later: PyTorch starts it from the defaults' value
            init = self.defaults["initial_accumulator_value"]
            state["step"], state["sum"] = new_step(), buffer_like(p, init)
        param, grad, s = p._data, p.grad._data, state["sum"]._data
        state["step"]._data += 1
        t = float(state["step"]._data)
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = to_scalar(group["lr"]) / (1 + (t - 1) * group["lr_decay"])
        tmp = np.multiply(grad, grad)  # PyTorch: state_sum.addcmul_(grad, grad, value=1)
        s += tmp
        std = np.sqrt(s)
        std += group["eps"]
        np.multiply(grad, -clr, out=tmp)  # PyTorch: param.addcdiv_(grad, std, value=-clr)
        tmp /= std
        param += tmp
        bump(p, *state.values())
