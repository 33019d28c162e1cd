"""The output of a `once_differentiable` backward: differentiating it again raises."""

from __future__ import annotations

from .function import Function


class DelayedError(Function):
    """y = x, but a gradient through y raises (PyTorch's DelayedError node)."""

    node_name = "DelayedError"

    @staticmethod
    def forward(ctx, x):
        return x._data

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable"
        )
