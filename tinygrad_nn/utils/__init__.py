"""Utilities (as `torch.utils`): `utils.data` holds datasets and the DataLoader."""

from . import data  # noqa: F401
