"""`tinygrad_nn.nn`: Module, Parameter, layers, containers, losses; `functional` and `init`.

Start with `module.py` (how a model holds its parameters), then any layer in `layers/`
(each is a thin shell over a function in `functional.py`).
"""

from . import functional, init, utils  # noqa: F401
from .containers import ModuleDict, ModuleList, Sequential  # noqa: F401
from .layers import *  # noqa: F403
from .module import Module  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .parameter_containers import ParameterDict, ParameterList  # noqa: F401


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks; hasattr() still answers False."""
    from .._torch_alias import missing_name

    raise missing_name(__name__, name)
