"""`tinygrad_nn.nn.utils`: gradient clipping, flat parameter vectors, packed sequences (`rnn`)."""

from . import rnn  # noqa: F401
from .clip_grad import clip_grad_norm_, clip_grad_value_  # noqa: F401
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks; hasattr() still answers False."""
    from ..._torch_alias import missing_name

    raise missing_name(__name__, name)
