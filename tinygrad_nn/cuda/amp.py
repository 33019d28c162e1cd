"""`torch.cuda.amp`: the older spelling of `torch.amp` for CUDA, deprecated in PyTorch 2.4 and
still common in training scripts. Both forms pass through, as on a CPU-only PyTorch."""

from __future__ import annotations

import warnings

from .. import amp, dtypes
from .._torch_alias import missing_name


def _deprecated(name: str) -> None:
    message = (
        f"`torch.cuda.amp.{name}(args...)` is deprecated. Please use "
        f"`torch.amp.{name}('cuda', args...)` instead."
    )
    warnings.warn(message, FutureWarning, stacklevel=3)  # stack: here, __init__, the caller


class autocast(amp.autocast):  # PyTorch's name (lower case)
    """`torch.cuda.amp.autocast(enabled=True, dtype=float16)`: `amp.autocast('cuda', ...)`."""

    def __init__(self, enabled: bool = True, dtype=dtypes.float16, cache_enabled: bool = True):
        _deprecated("autocast")
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(amp.GradScaler):
    """`torch.cuda.amp.GradScaler(...)`: `amp.GradScaler('cuda', ...)`, disabled here."""

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ):
        _deprecated("GradScaler")
        super().__init__(
            "cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )


def __getattr__(name: str):
    """A clear error for a `torch.cuda.amp` name we lack."""
    raise missing_name(__name__, name)
