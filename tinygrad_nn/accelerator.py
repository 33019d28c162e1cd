"""`torch.accelerator` on a machine without one: nothing is available, and using it fails.

PyTorch's device-generic API (`torch.accelerator.is_available()`, new in 2.6) picks CUDA, MPS,
XPU, ... when present. Here there is none, and the calls that need one raise PyTorch's
RuntimeError.
"""

from __future__ import annotations

from ._torch_alias import missing_name

_NONE = "Cannot access accelerator device when none is available."


def _none_available(*args, **kwargs):
    raise RuntimeError(_NONE)


def is_available() -> bool:
    """False: only the CPU exists."""
    return False


def device_count() -> int:
    """0 accelerators."""
    return 0


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator."""


def current_device_index() -> int:
    """Raises RuntimeError."""
    _none_available()


def set_device_index(device) -> None:
    """Raises RuntimeError."""
    _none_available()


def synchronize(device=None) -> None:
    """Raises RuntimeError."""
    _none_available()


def empty_cache() -> None:
    """Raises RuntimeError."""
    _none_available()


def memory_allocated(device_index=None) -> int:
    """Raises RuntimeError."""
    _none_available()


def max_memory_allocated(device_index=None) -> int:
    """Raises RuntimeError."""
    _none_available()


def __getattr__(name: str):
    """A clear error for a `torch.accelerator` name we lack."""
    raise missing_name(__name__, name)
