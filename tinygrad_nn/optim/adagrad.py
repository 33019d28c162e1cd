"""Adagrad: step sizes shrink with the sum of all squared gradients seen so far."""

from __future__ import annotations

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, buffer_like, bump, new_step, to_scalar


class Adagrad(Optimizer):
    """Same semantics as `torch.optim.Adagrad`. For each parameter p with gradient g, at step t:

        g = -g                                       if maximize
        g = g + weight_decay * p                     if weight_decay != 0
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                                (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    `foreach`, `differentiable` and `fused` are accepted for compatibility.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):  # fmt: skip
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= to_scalar(lr):
            raise ValueError(f"Invalid learning rate: {lr}")
        checks = [("lr_decay", lr_decay), ("weight_decay", weight_decay),
                  ("initial_accumulator_value", initial_accumulator_value)]  # fmt: skip
        for name, value in checks:
            if not 0.0 <= value:
                raise ValueError(f"Invalid {name} value: {value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
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
        if fused and differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
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
        loss = self._run_closure(closure)
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, group)
        return loss

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
