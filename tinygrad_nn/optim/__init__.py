"""Optimizers and learning-rate schedules (as `torch.optim`). Read optimizer.py, then sgd.py."""

from . import lr_scheduler  # noqa: F401
from .adagrad import Adagrad  # noqa: F401
from .adam import Adam  # noqa: F401
from .adamw import AdamW  # noqa: F401
from .optimizer import Optimizer  # noqa: F401
from .rmsprop import RMSprop  # noqa: F401
from .sgd import SGD  # noqa: F401


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks; hasattr() still answers False."""
    from .._torch_alias import missing_name

    raise missing_name(__name__, name)
