"""`torch.backends.cudnn`: cuDNN is not available; its switches can be set and do nothing."""

from __future__ import annotations

from .._torch_alias import missing_name

enabled = True  # PyTorch's defaults on its CPU build
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: there is no cuDNN."""
    return False


def version():
    """None: no cuDNN version."""


def is_acceptable(tensor) -> bool:
    """False: cuDNN would take no tensor here."""
    return False


def __getattr__(name: str):
    """A clear error for a `torch.backends.cudnn` name we lack."""
    raise missing_name(__name__, name)
