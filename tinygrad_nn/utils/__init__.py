"""Utilities (as `torch.utils`): `utils.data` holds datasets and the DataLoader."""

from . import data  # noqa: F401


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks; hasattr() still answers False."""
    from .._torch_alias import missing_name

    raise missing_name(__name__, name)
