"""Rprop: each weight's step size grows while its gradient keeps its sign and shrinks on a flip."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    buffer_like,
    bump,
    check_lr,
    check_not_negative,
    new_step,
    to_scalar,
)


class Rprop(Optimizer):
    """Same semantics as `torch.optim.Rprop`. For each parameter p with gradient g:

        g = -g                                       if maximize
        f = etaplus   where g * g_prev > 0           (same sign: speed up)
            etaminus  where g * g_prev < 0           (sign flip: slow down, skip this step)
            1         elsewhere
        s = clamp(s * f, step_size_min, step_size_max)       (s starts at lr)
        g = 0         where f == etaminus
        p = p - sign(g) * s
        g_prev = g

    Only the signs of the gradients are used, never their size. `foreach`, `capturable` and
    `differentiable` are accepted for compatibility.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        check_lr(lr)
        check_not_negative(("learning rate", lr))
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
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
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        state = self.state[p]
        if not state:
            state["step"] = new_step()
            state["prev"] = buffer_like(p)
            state["step_size"] = buffer_like(p, to_scalar(group["lr"]))
        param, grad = p._data, p.grad._data
        prev, step_size = state["prev"]._data, state["step_size"]._data
        state["step"]._data += 1
        if group["maximize"]:
            grad = -grad
        sign = _sign(grad * prev)
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1)).astype(param.dtype)
        step_size *= factor
        np.clip(step_size, step_size_min, step_size_max, out=step_size)
        grad = np.where(factor == param.dtype.type(etaminus), 0, grad).astype(param.dtype)
        param -= _sign(grad) * step_size  # PyTorch: param.addcmul_(grad.sign(), s, value=-1)
        prev[...] = grad
        bump(p, *state.values())


def _sign(x: np.ndarray) -> np.ndarray:
    """sign(x) as PyTorch's `Tensor.sign`, which gives 0 for NaN: a NaN gradient moves nothing."""
    out = np.sign(x)
    out[np.isnan(out)] = 0
    return out
