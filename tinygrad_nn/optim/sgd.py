"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from .optimizer import Optimizer, check_fused, check_lr, to_scalar


class SGD(Optimizer):
    """Same semantics as `torch.optim.SGD`. For each parameter p with gradient g:

        g = -g                                   if maximize
        g = g + weight_decay * p                 if weight_decay != 0
        if momentum != 0:
            b = copy of g                        on the first step
            b = momentum * b + (1 - dampening) * g   on later steps
            g = g + momentum * b                 if nesterov, else g = b
        p = p - lr * g

    `foreach`, `differentiable` and `fused` are accepted for compatibility; there is one
    code path.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        check_lr(lr)
        if to_scalar(lr) < 0.0:  # `<`, not `not 0 <=`: PyTorch's SGD lets a NaN through
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        check_fused(fused, differentiable, foreach)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns the closure's loss."""
        return self._step(closure)

    def _update_group(self, group: dict) -> None:
        # The group's options are read once for all its parameters, not once per parameter:
        # this loop runs in every training step. `step` runs it under no_grad, and every
        # write is an in-place Tensor method, so p's version moves once per step.
        lr, decay = to_scalar(group["lr"]), group["weight_decay"]
        momentum, dampening = group["momentum"], group["dampening"]
        maximize, nesterov = group["maximize"], group["nesterov"]
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            if maximize:
                grad = -grad
            if decay != 0:
                grad = grad.add(p, alpha=decay)
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = grad.clone()
                else:
                    buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                grad = grad.add(buf, alpha=momentum) if nesterov else buf
            p.add_(grad, alpha=-lr)
