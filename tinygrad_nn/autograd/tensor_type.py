"""The Tensor class, as the core sees it.

tensor.py builds on autograd (every op records a node), so autograd cannot import tensor.py
back: tensor.py hands its class over once it is defined (`use_tensor_class`), and the core
and the op modules make and recognise tensors through the two functions below.
"""

from __future__ import annotations

Tensor = None  # tinygrad_nn.Tensor, once tensor.py has called use_tensor_class


def use_tensor_class(cls) -> None:
    """Called once by tensor.py: the class `Function.apply` wraps arrays in."""
    global Tensor
    Tensor = cls


def wrap(array):
    """A Tensor around `array` (no copy): for op code that builds a tensor from an array."""
    return Tensor._make(array)


def is_tensor(value) -> bool:
    """True for a Tensor (op modules ask this instead of importing the class)."""
    return isinstance(value, Tensor)
