"""How PyTorch names a value's type in its error messages (`torch.typename`)."""

from __future__ import annotations

from .tensor import Tensor


def typename(value) -> str:
    """'torch.FloatTensor' for a tensor (as `Tensor.type()`), 'float' for a builtin, else
    'module.Class'."""
    if isinstance(value, Tensor):
        return value.type()
    cls = type(value)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
