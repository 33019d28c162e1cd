"""Linear (fully connected) layer and Identity."""

from __future__ import annotations

import math

from ...creation import empty
from ...tensor import Tensor
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (as PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        """The input itself."""
        return input


class Linear(Module):
    """y = x W^T + b. Same semantics as `torch.nn.Linear`.

    Shape:
        input (*, in_features) -> output (*, out_features); weight (out_features, in_features).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None
    ):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty((out_features, in_features), dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), b the same."""
        # kaiming_uniform_ with a = sqrt(5) gives gain sqrt(1/3), so the bound is exactly
        # sqrt(3) * sqrt(1/3) / sqrt(fan_in) = 1 / sqrt(fan_in) (PyTorch's historical choice).
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        """x W^T + b."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
