"""Process-wide switches PyTorch scripts set at the top: threads, determinism, matmul precision,
the default device.

tinygrad_nn runs NumPy on the CPU, so most of these record a value and answer it back, as
PyTorch does, without changing the numbers: every op here is already deterministic, and float32
matmuls always run in full float32. `set_num_threads` also limits NumPy's BLAS threads when
the optional `threadpoolctl` package is installed (NumPy reads OMP_NUM_THREADS only at startup).
"""

from __future__ import annotations

import builtins
import os
import warnings

from .tensor import _check_device, device

_state = {
    "threads": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
}
_state["interop_threads"] = _state["threads"]
_PRECISIONS = ("highest", "high", "medium")


def get_num_threads() -> int:
    """The number of threads intra-op work may use (default: the CPUs this process may use)."""
    return _state["threads"]


def set_num_threads(n: int) -> None:
    """Set the thread count; limits NumPy's BLAS too if `threadpoolctl` is installed."""
    if not isinstance(n, builtins.int) or isinstance(n, builtins.bool):
        message = f"set_num_threads expects an int, but got {type(n).__name__}"
        raise RuntimeError(message)  # PyTorch's class, not TypeError
    if n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["threads"] = n
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(n, user_api="blas")


def get_num_interop_threads() -> int:
    """The number of threads for running independent ops in parallel (recorded only)."""
    return _state["interop_threads"]


def set_num_interop_threads(n: int) -> None:
    """Record the inter-op thread count (ops here run one after another)."""
    if not isinstance(n, builtins.int) or isinstance(n, builtins.bool):
        message = f"set_num_interop_threads expects an int, but got {type(n).__name__}"
        raise RuntimeError(message)  # PyTorch's class, not TypeError
    if n <= 0:
        raise RuntimeError("set_num_interop_threads expects a positive integer")
    _state["interop_threads"] = n


def _check_bool(value, argument: str, position: str = "") -> None:
    if not isinstance(value, builtins.bool):
        raise TypeError(
            f"_set_deterministic_algorithms(): argument '{argument}'{position} must "
            f"be bool, not {type(value).__name__}"
        )


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the switch (every tinygrad_nn op is deterministic already)."""
    _check_bool(mode, "mode", " (position 1)")
    _check_bool(warn_only, "warn_only")
    _state["deterministic"], _state["warn_only"] = mode, warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """What `use_deterministic_algorithms` last set (False at startup)."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The `warn_only` flag `use_deterministic_algorithms` last set."""
    return _state["warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record 'highest', 'high' or 'medium' (float32 matmuls stay full float32 here)."""
    if not isinstance(precision, str):
        message = f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}"
        raise RuntimeError(message)  # PyTorch's class, not TypeError
    if precision not in _PRECISIONS:  # PyTorch warns and keeps the old value
        message = (
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
            "setFloat32MatmulPrecision call has no effect."
        )  # PyTorch's words, verbatim
        warnings.warn(message, UserWarning, stacklevel=2)
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """What `set_float32_matmul_precision` last set ('highest' at startup)."""
    return _state["matmul_precision"]


def set_default_device(device_) -> None:
    """Accept None or 'cpu'; 'cuda' raises AssertionError as a CPU-only PyTorch does.

    PyTorch raises at the first factory call after `set_default_device('cuda')`; we raise at
    once, where the fix belongs.
    """
    if isinstance(device_, builtins.int) and not isinstance(device_, builtins.bool):
        message = "Cannot access accelerator device when none is available."
        raise RuntimeError(message)  # an index means an accelerator
    _check_device(device_)


def get_default_device() -> device:
    """Always the CPU."""
    return device("cpu")
