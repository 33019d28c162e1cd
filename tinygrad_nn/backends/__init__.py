"""`torch.backends` on a CPU-only build: switches scripts set, and no GPU libraries behind them.

`backends.cudnn.deterministic = True` and `backends.cudnn.benchmark = False` are plain module
attributes here: setting them is allowed and changes nothing, since no cuDNN runs.
`backends.mps.is_available()` is False.
"""

from .._torch_alias import missing_name
from . import cuda, cudnn, mps  # noqa: F401


def __getattr__(name: str):
    """A clear error for a `torch.backends` name we lack."""
    raise missing_name(__name__, name)
