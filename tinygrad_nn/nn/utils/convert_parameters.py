"""Flatten parameters into one vector and back, as `torch.nn.utils.parameters_to_vector`."""

from __future__ import annotations

from ..._typename import typename as _typename
from ...functions import cat
from ...tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """One 1-d tensor holding every parameter's values, in order (attached to the graph)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of `vec` into the parameters' data."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    start = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[start : start + n].view_as(p).data
        start += n
