"""Reverse-mode automatic differentiation: read function.py, then engine.py."""

from ..debug.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401
from ..debug.graph_check import GraphCheckError, GraphCheckReport, check_graph  # noqa: F401
from ..debug.record import record_graph, set_record_locations  # noqa: F401
from ..debug.retain import compare, retain_grads  # noqa: F401
from ..debug.trace import trace_backward  # noqa: F401
from . import functional  # noqa: F401
from ._parity import inference_mode, once_differentiable, set_grad_enabled  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .function import BackwardNode, Function  # noqa: F401
from .grad_mode import enable_grad, no_grad  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks; hasattr() still answers False."""
    from .._torch_alias import missing_name

    raise missing_name(__name__, name)
