"""Grad mode: whether ops record the graph. Per thread, as in PyTorch.

`no_grad`, `enable_grad` and `set_grad_enabled` work as context managers and as
decorators. The flag lives in a `threading.local`, so one thread evaluating a model
under `no_grad` does not stop another thread from training.
"""

from __future__ import annotations

import functools
import threading


class _GradState(threading.local):
    enabled = True  # class attribute: every new thread starts with grad enabled
    quiet = False  # NumPy's floating-point warnings already off (_parity.quiet_numpy)


_state = _GradState()


def is_grad_enabled() -> bool:
    """True when new ops record the graph in this thread."""
    return _state.enabled


class _GradModeContext:
    """Sets the flag on entry and restores it on exit; as a decorator, around each call."""

    def __new__(cls, orig_func=None):
        if callable(orig_func):  # used bare, `@no_grad` without the call: decorate at once
            return cls()(orig_func)
        return super().__new__(cls)

    def __enter__(self):
        self._previous, _state.enabled = _state.enabled, self._target

    def __exit__(self, *exc_info):
        _state.enabled = self._previous

    def __call__(self, fn):
        """Use as a decorator: run `fn` in this grad mode."""
        target = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            previous, _state.enabled = _state.enabled, target
            try:
                return fn(*args, **kwargs)
            finally:
                _state.enabled = previous

        return wrapper


class no_grad(_GradModeContext):
    """Context manager / decorator: ops inside do not record the graph."""

    _target = False


class enable_grad(_GradModeContext):
    """Context manager / decorator: ops inside record the graph, even within `no_grad`."""

    _target = True
