"""Anomaly mode: find the op whose backward produced NaN or inf.

Inside `detect_anomaly()` every recorded op remembers the stack of the user code that
created it, and the engine checks each node's gradients as it runs. The first node that
returns a non-finite gradient raises a RuntimeError - with the forward stack of that op,
which is usually closer to the cause than the loss.
"""

from __future__ import annotations

import threading
import traceback

import numpy as np

from .function import _hooks


class _AnomalyState(threading.local):
    enabled = False
    check_nan = True


_state = _AnomalyState()


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return _state.enabled


def _record_forward_stack(node, args, outputs) -> None:
    node.metadata["traceback_"] = traceback.format_stack()[:-3]


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection (as `torch.autograd.detect_anomaly`)."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = (_state.enabled, _state.check_nan)
        _state.enabled, _state.check_nan = True, self.check_nan
        _hooks.on_create.append(_record_forward_stack)
        return self

    def __exit__(self, *exc_info):
        _state.enabled, _state.check_nan = self._previous
        _hooks.on_create.remove(_record_forward_stack)
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly(detect_anomaly):
    """Turn anomaly detection on or off (as `torch.autograd.set_detect_anomaly`)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        super().__init__(check_nan)
        self.mode = mode

    def __enter__(self):
        if self.mode:
            return super().__enter__()
        self._previous = (_state.enabled, _state.check_nan)
        _state.enabled = False
        return self

    def __exit__(self, *exc_info):
        if self.mode:
            return super().__exit__(*exc_info)
        _state.enabled, _state.check_nan = self._previous
        return False


def check_backward_output(node, grads) -> None:
    """Raise if `node`'s backward produced a non-finite gradient (called by the engine)."""
    if not _state.check_nan:
        return
    for i, g in enumerate(grads):
        if g is not None and not np.all(np.isfinite(g._data)):
            stack = "".join(node.metadata.get("traceback_", []))
            where = f"\nTraceback of forward call that caused the error:\n{stack}" if stack else ""
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.{where}"
            )
