"""Flatten and Unflatten: reshape layers, typically between conv and linear parts."""

from __future__ import annotations

from ...tensor import Tensor
from ..module import Module


class Flatten(Module):
    """Merge dims start_dim..end_dim into one. Same semantics as `torch.nn.Flatten`."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        """input.flatten(start_dim, end_dim)."""
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into `unflattened_size`. Same semantics as `torch.nn.Unflatten`."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        """input.unflatten(dim, unflattened_size)."""
        size = input.shape[self.dim]
        sizes = tuple(self.unflattened_size)
        known = 1
        for n in sizes:
            known *= n if n != -1 else 1
        if -1 not in sizes and known != size:
            raise RuntimeError(
                f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                f"size of dim {self.dim} ({size}) in the input tensor"
            )
        return input.unflatten(self.dim, sizes)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
