"""Dropout: randomly zero activations while training, as a regulariser."""

from __future__ import annotations

from ...tensor import Tensor
from .. import functional as F
from ..module import Module


class Dropout(Module):
    """Zero each element with probability p in training, scaling the rest by 1 / (1 - p).

    Same semantics as `torch.nn.Dropout`: the identity in eval mode. The masks are
    PyTorch's (bernoulli_(1 - p) on the global generator): the same seed drops the same
    elements.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        """Random mask in training, identity in eval."""
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
