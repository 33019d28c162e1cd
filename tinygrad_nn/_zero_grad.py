"""Resetting gradients between steps: one rule for `Module.zero_grad` and `Optimizer.zero_grad`."""

from __future__ import annotations


def zero_grads(params, set_to_none: bool = True) -> None:
    """Reset each parameter's `.grad`: drop it (the default), or cut it from any graph and
    fill it with zeros in place, keeping the same tensor object (as PyTorch does)."""
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if set_to_none:
            p.grad = None
            continue
        if grad.grad_fn is not None:
            grad.detach_()  # a grad built with create_graph=True: keep its memory, drop its history
        else:
            grad.requires_grad_(False)
        grad.zero_()
