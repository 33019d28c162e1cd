"""`Parameter`: a Tensor that a Module registers as one of its learnable weights.

A Parameter is an ordinary leaf Tensor (same memory, same version counter as the data it
wraps) whose only extra meaning is social: assigning one to a Module attribute puts it in
`module.parameters()`, which is what optimizers and `state_dict()` walk.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from .._tensor_str import tensor_repr
from ..tensor import Tensor


class Parameter(Tensor):
    """A learnable tensor of a Module. Same semantics as `torch.nn.Parameter`.

    Args:
        data: the initial values; shared, not copied (an empty float tensor if None).
        requires_grad: whether the optimizer should see gradients for it (default True).
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = Tensor._make(np.empty((0,), dtype=_dt.get_default_dtype().np))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        if requires_grad and data._data.dtype.kind not in "fc":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        Tensor._init_fields(self, data._data)
        self._version_counter = data._version_counter  # same memory, so the same version counter
        self.requires_grad = requires_grad

    def __repr__(self) -> str:
        return "Parameter containing:\n" + tensor_repr(self)

    def __deepcopy__(self, memo):
        # As PyTorch: the copy gets the values and requires_grad, not the gradient.
        if id(self) not in memo:
            memo[id(self)] = type(self)(Tensor._make(self._data.copy()), self.requires_grad)
        return memo[id(self)]

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(data: np.ndarray, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._make(data), requires_grad)
