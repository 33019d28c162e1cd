"""Gradient clipping, as `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`.

total = norm of the vector of all gradients (each parameter's norm, then the norm of those)
if total > max_norm:  every grad *= max_norm / (total + 1e-6)
"""

from __future__ import annotations

import math

from ...autograd.grad_mode import no_grad
from ...tensor import Tensor


def _grads(parameters) -> list:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


@no_grad()
def clip_grad_norm_(
    parameters,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach=None,
) -> Tensor:
    """Scale all gradients together so their total norm is at most `max_norm`.

    Returns the total norm before clipping (a 0-d tensor), as PyTorch does.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(__import__("numpy").zeros((), "float32"))
    norms = [g.norm(norm_type) for g in grads]
    if norm_type == math.inf:
        total = norms[0]
        for n in norms[1:]:
            total = total.maximum(n)
    else:
        total = _stack(norms).norm(norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    # PyTorch multiplies by min(coef, 1) unconditionally (no data-dependent branch).
    coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
    for g in grads:
        g.mul_(coef.to(g.dtype))
    return total


@no_grad()
def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element to [-clip_value, clip_value] (NaN stays NaN)."""
    clip_value = float(clip_value)  # PyTorch's conversion: a 0-d tensor bound works too
    for g in _grads(parameters):
        g.clamp_(-clip_value, clip_value)


def _stack(tensors: list) -> Tensor:
    from ...functions import stack

    return stack(tensors)
