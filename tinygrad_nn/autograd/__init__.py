"""Reverse-mode automatic differentiation: read grad_mode.py, function.py, then engine.py.

The core below is imported at once. The tools built on top of it - `autograd.functional`,
`gradcheck` and the debugging tools of `tinygrad_nn.debug` - need the Tensor class, which
itself builds on this package, so they are imported on first use (`__getattr__`).
"""

from ._parity import inference_mode, once_differentiable, set_grad_enabled  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .function import BackwardNode, Function  # noqa: F401
from .grad_mode import enable_grad, is_grad_enabled, no_grad  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401

# name -> module that defines it, imported when the name is first asked for
_LATER = {
    "functional": None,
    "detect_anomaly": "..debug.anomaly",
    "is_anomaly_enabled": "..debug.anomaly",
    "set_detect_anomaly": "..debug.anomaly",
    "GraphCheckError": "..debug.graph_check",
    "GraphCheckReport": "..debug.graph_check",
    "check_graph": "..debug.graph_check",
    "record_graph": "..debug.record",
    "set_record_locations": "..debug.record",
    "compare": "..debug.retain",
    "retain_grads": "..debug.retain",
    "trace_backward": "..debug.trace",
}


def __getattr__(name: str):
    """The tools above on first use; a clear error for a PyTorch name tinygrad_nn lacks
    (hasattr() still answers False)."""
    import importlib

    if name in _LATER:
        module = _LATER[name]
        if module is None:  # a submodule of this package
            return importlib.import_module(f"{__name__}.{name}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value
    from .._torch_alias import missing_name

    raise missing_name(__name__, name)
