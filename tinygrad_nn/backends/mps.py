"""`torch.backends.mps`: Apple's Metal backend is neither built nor available."""

from __future__ import annotations

from .._torch_alias import missing_name


def is_available() -> bool:
    """False."""
    return False


def is_built() -> bool:
    """False."""
    return False


def __getattr__(name: str):
    """A clear error for a `torch.backends.mps` name we lack."""
    raise missing_name(__name__, name)
