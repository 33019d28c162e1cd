"""More activation layers: stateless wrappers over nn.functional (PReLU holds its slopes)."""

from __future__ import annotations

from ...creation import empty
from ...tensor import Tensor
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


class Hardtanh(Module):
    """Clamp to [min_val, max_val]. Same semantics as `torch.nn.Hardtanh`."""

    def __init__(
        self,
        min_val: float = -1.0,
        max_val: float = 1.0,
        inplace: bool = False,
        min_value: float | None = None,
        max_value: float | None = None,
    ):
        super().__init__()
        # min_value / max_value are the old spellings; PyTorch still takes them (and warns)
        self.min_val = min_val if min_value is None else min_value
        self.max_val = max_val if max_value is None else max_value
        self.inplace = inplace
        if self.max_val <= self.min_val:
            raise AssertionError(
                f"max_val ({self.max_val}) must be greater than min_val ({self.min_val})"
            )

    def forward(self, input: Tensor) -> Tensor:
        """Hard tanh."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        inplace = ", inplace=True" if self.inplace else ""
        return f"min_val={self.min_val}, max_val={self.max_val}{inplace}"


class PReLU(Module):
    """x if x > 0 else a * x with a learned a (one, or one per channel). Same semantics as
    `torch.nn.PReLU`; the weight starts at `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(empty(num_parameters, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every slope set to `init`."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """Parametric rectifier."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ReLU6(Module):
    """Min(max(x, 0), 6). Same semantics as `torch.nn.ReLU6`."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Min(max(x, 0), 6)."""
        return F.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(Module):
    """0 below -3, 1 above 3, x / 6 + 1/2 between. Same semantics as `torch.nn.Hardsigmoid`."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """0 below -3, 1 above 3, x / 6 + 1/2 between."""
        return F.hardsigmoid(input, self.inplace)


class Hardswish(Module):
    """X * hardsigmoid(x). Same semantics as `torch.nn.Hardswish`."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """X * hardsigmoid(x)."""
        return F.hardswish(input, self.inplace)


class SELU(Module):
    """Scale * elu(x, alpha), self-normalising constants. Same semantics as `torch.nn.SELU`."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """Scale * elu(x, alpha) with the self-normalising constants."""
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class CELU(Module):
    """X if x > 0 else alpha * (exp(x / alpha) - 1). Same semantics as `torch.nn.CELU`."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        """X if x > 0 else alpha * (exp(x / alpha) - 1)."""
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Mish(Module):
    """X * tanh(softplus(x)). Same semantics as `torch.nn.Mish`."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        """X * tanh(softplus(x))."""
        return F.mish(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softsign(Module):
    """X / (1 + |x|). Same semantics as `torch.nn.Softsign`."""

    def forward(self, input: Tensor) -> Tensor:
        """X / (1 + |x|)."""
        return F.softsign(input)


class Softmin(Module):
    """Softmax(-x) along dim. Same semantics as `torch.nn.Softmin`."""

    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """Softmax(-x) along dim."""
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSigmoid(Module):
    """Log(sigmoid(x)), computed stably. Same semantics as `torch.nn.LogSigmoid`."""

    def forward(self, input: Tensor) -> Tensor:
        """Log(sigmoid(x)), computed stably."""
        return F.logsigmoid(input)


class Tanhshrink(Module):
    """X - tanh(x). Same semantics as `torch.nn.Tanhshrink`."""

    def forward(self, input: Tensor) -> Tensor:
        """X - tanh(x)."""
        return F.tanhshrink(input)


class Softshrink(Module):
    """X - lambd * sign(x) where |x| > lambd, else 0. Same semantics as `torch.nn.Softshrink`."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """X - lambd * sign(x) where |x| > lambd, else 0."""
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Module):
    """X where |x| > lambd, else 0. Same semantics as `torch.nn.Hardshrink`."""

    def __init__(self, lambd: float = 0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """X where |x| > lambd, else 0."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Threshold(Module):
    """X where x > threshold, else value. Same semantics as `torch.nn.Threshold`."""

    def __init__(self, threshold: float, value: float, inplace: bool = False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        """X where x > threshold, else value."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}" + (
            ", inplace=True" if self.inplace else ""
        )


class GLU(Module):
    """First half * sigmoid(second half) along dim. Same semantics as `torch.nn.GLU`."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """First half * sigmoid(second half) along dim."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
