"""`torch.amp` (automatic mixed precision) as a CPU-only PyTorch runs it for CUDA: switched off.

Training scripts write `scaler = torch.amp.GradScaler()` and `with torch.autocast("cuda",
dtype=torch.float16):` and rely on PyTorch to disable both, with a warning, when CUDA is
missing: the loss is then computed, scaled and stepped in full float32. That is what happens
here. CPU autocast (bfloat16 matmuls) and an enabled CPU GradScaler would change the numbers;
they are not provided, and asking for them raises NotImplementedError rather than silently
computing something else. `enabled=False` is always accepted.
"""

from __future__ import annotations

import functools
import warnings

from ._torch_alias import missing_name
from .tensor import device as _device


def _unsupported(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"tinygrad_nn does not provide {what}: everything runs in full "
        "precision on the CPU; pass enabled=False"
    )


class autocast:  # PyTorch's name (lower case)
    """`with autocast(device_type, dtype=None, enabled=True):` casts nothing here.

    For 'cuda' it is disabled with PyTorch's warning, as in PyTorch's CPU-only build.
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        kind = _device(device_type).type  # an unknown name raises PyTorch's RuntimeError
        if enabled and kind == "cuda":
            warnings.warn(
                "CUDA is not available or torch_xla is imported. Disabling autocast.",
                UserWarning,
                stacklevel=2,
            )
            enabled = False
        if enabled:
            raise _unsupported(f"{kind} autocast")
        self.device, self.fast_dtype, self._enabled = kind, dtype, enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def __call__(self, func):
        """As a decorator: run `func` inside this (inactive) context."""

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self:
                return func(*args, **kwargs)

        return wrapper


def is_autocast_enabled(device_type=None) -> bool:
    """False: autocast never runs here."""
    return False


def is_autocast_available(device_type: str) -> bool:
    """Whether PyTorch's CPU build has autocast for this device type ('cpu' and 'cuda' do)."""
    return _device(device_type).type in ("cpu", "cuda")


class GradScaler:
    """Loss scaling for float16 training, in its disabled form: every call passes through.

    `GradScaler('cuda')` (the default) is disabled with PyTorch's warning, as without CUDA.
    """

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ):
        if enabled and _device(device).type == "cuda":
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                UserWarning,
                stacklevel=2,
            )
            enabled = False
        if enabled:
            raise _unsupported(f"an enabled {device} GradScaler")
        self._enabled = False

    def is_enabled(self) -> bool:
        """False."""
        return self._enabled

    def scale(self, outputs):
        """The outputs unchanged (a disabled scaler multiplies by nothing)."""
        return outputs

    def unscale_(self, optimizer) -> None:
        """Nothing to undo."""

    def step(self, optimizer, *args, **kwargs):
        """`optimizer.step()`: no scale, so no infs to skip for."""
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None) -> None:
        """No scale to grow or shrink."""

    def get_scale(self) -> float:
        """1.0, as a disabled PyTorch scaler reports."""
        return 1.0

    def state_dict(self) -> dict:
        """Empty, as a disabled PyTorch scaler's."""
        return {}

    def load_state_dict(self, state_dict: dict) -> None:
        """Nothing to load into a disabled scaler."""


def __getattr__(name: str):
    """A clear error for a `torch.amp` name we lack."""
    raise missing_name(__name__, name)
