"""`optim.lr_scheduler`, as PyTorch names it: the schedules of `lr_scheduler_basic.py`
(LRScheduler, StepLR, ..., ReduceLROnPlateau) and of `lr_scheduler_cyclic.py` (CyclicLR,
OneCycleLR, CosineAnnealingWarmRestarts, SequentialLR, ChainedScheduler) in one namespace.
"""

from __future__ import annotations

from .lr_scheduler_basic import (  # noqa: F401
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    PolynomialLR,
    ReduceLROnPlateau,
    StepLR,
)
from .lr_scheduler_cyclic import (  # noqa: F401
    ChainedScheduler,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    OneCycleLR,
    SequentialLR,
)


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks; hasattr() still answers False."""
    from .._torch_alias import missing_name

    raise missing_name(__name__, name)
