"""`torch.cuda` as PyTorch's CPU-only build has it: no devices, and using one fails.

Scripts open with `device = "cuda" if torch.cuda.is_available() else "cpu"` and call
`torch.cuda.manual_seed_all(seed)` or `empty_cache()` unguarded; those answer as a CPU-only
PyTorch answers. What needs a real device raises `AssertionError: Torch not compiled with CUDA
enabled`, PyTorch's words. (Where PyTorch's CPU build fails instead with an internal error, as
`reset_peak_memory_stats` and `set_device(0)` do, we raise that AssertionError too.)
"""

from __future__ import annotations

from collections import OrderedDict

from .._torch_alias import missing_name
from ..tensor import CUDA_MISSING, device as _device
from . import amp  # noqa: F401  (torch.cuda.amp: the older spelling of torch.amp)


def _no_cuda(*args, **kwargs):
    raise AssertionError(CUDA_MISSING)


# ---------------------------------------------------------------- what is there: nothing


def is_available() -> bool:
    """False: there is no GPU backend."""
    return False


def device_count() -> int:
    """0 GPUs."""
    return 0


def is_initialized() -> bool:
    """False: CUDA is never initialised."""
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    """False."""
    return False


def get_arch_list() -> list:
    """No CUDA architectures were compiled in."""
    return []


def memory_allocated(device=None) -> int:
    """0 bytes."""
    return 0


def max_memory_allocated(device=None) -> int:
    """0 bytes."""
    return 0


def memory_reserved(device=None) -> int:
    """0 bytes."""
    return 0


def max_memory_reserved(device=None) -> int:
    """0 bytes."""
    return 0


def memory_stats(device=None) -> OrderedDict:
    """No statistics: an empty OrderedDict, as PyTorch's CPU build returns."""
    return OrderedDict()


# ---------------------------------------------------------------- harmless no-ops


def manual_seed(seed) -> None:
    """Nothing to seed (PyTorch's CPU build ignores the call too)."""


def manual_seed_all(seed) -> None:
    """Nothing to seed."""


def seed() -> None:
    """Nothing to seed."""


def seed_all() -> None:
    """Nothing to seed."""


def empty_cache() -> None:
    """No cache to empty."""


def get_rng_state_all() -> list:
    """One state per GPU: none."""
    return []


def set_rng_state_all(new_states) -> None:
    """Nothing to set."""


def set_rng_state(new_state, device="cuda") -> None:
    """Nothing to set (PyTorch defers the call until CUDA starts, which never happens)."""


# ---------------------------------------------------------------- what needs a device


def synchronize(device=None) -> None:
    """Raises AssertionError: there is no device to wait for."""
    _no_cuda()


def current_device() -> int:
    """Raises AssertionError: there is no current device."""
    _no_cuda()


def get_device_name(device=None) -> str:
    """Raises AssertionError."""
    _no_cuda()


def get_device_capability(device=None) -> tuple:
    """Raises AssertionError."""
    _no_cuda()


def get_device_properties(device=None):
    """Raises AssertionError."""
    _no_cuda()


def mem_get_info(device=None) -> tuple:
    """Raises AssertionError."""
    _no_cuda()


def init() -> None:
    """Raises AssertionError: CUDA cannot be initialised."""
    _no_cuda()


def initial_seed() -> int:
    """Raises AssertionError (PyTorch must start CUDA to answer)."""
    _no_cuda()


def get_rng_state(device="cuda"):
    """Raises AssertionError."""
    _no_cuda()


def ipc_collect() -> None:
    """Raises AssertionError."""
    _no_cuda()


def current_stream(device=None):
    """Raises AssertionError."""
    _no_cuda()


def reset_peak_memory_stats(device=None) -> None:
    """Raises AssertionError."""
    _no_cuda()


def reset_max_memory_allocated(device=None) -> None:
    """Raises AssertionError."""
    _no_cuda()


def reset_accumulated_memory_stats(device=None) -> None:
    """Raises AssertionError."""
    _no_cuda()


def memory_summary(device=None, abbreviated: bool = False) -> str:
    """Raises AssertionError."""
    _no_cuda()


def _index(device) -> int:
    """A device's index from an int, 'cuda:1' or device('cuda', 1), as PyTorch reads it."""
    if isinstance(device, int):
        return device
    if isinstance(device, (str, _device)):
        d = _device(device)
        if d.type != "cuda":
            raise ValueError(f"Expected a cuda device, but got: {d}")
        if d.index is not None:
            return d.index
    raise ValueError(
        f"Expected a torch.device with a specified index or an integer, but got:{device}"
    )


def set_device(device) -> None:
    """A negative index does nothing; any real device raises AssertionError."""
    if _index(device) >= 0:
        _no_cuda()


class device:  # PyTorch's name (lower case)
    """`with cuda.device(i):` switches nothing; entering with a real index raises."""

    def __init__(self, device):
        self.idx = -1 if device is None else _index(device)

    def __enter__(self):
        if self.idx >= 0:
            raise RuntimeError("PyTorch was compiled without CUDA support")

    def __exit__(self, *exc) -> bool:
        return False


class _CudaTensorType:
    """`cuda.FloatTensor` and friends: they exist (scripts name them), but make nothing."""

    def __init__(self, name: str):
        self.__name__ = self.__qualname__ = name
        self.__module__ = "torch.cuda"

    def __call__(self, *args, **kwargs):
        raise TypeError(f"type torch.cuda.{self.__name__} not available. {CUDA_MISSING}.")

    def __instancecheck__(self, obj) -> bool:
        return False  # no tensor lives on a GPU

    def __repr__(self) -> str:
        return f"<class 'torch.cuda.{self.__name__}'>"


FloatTensor = _CudaTensorType("FloatTensor")
DoubleTensor = _CudaTensorType("DoubleTensor")
HalfTensor = _CudaTensorType("HalfTensor")
LongTensor = _CudaTensorType("LongTensor")
IntTensor = _CudaTensorType("IntTensor")
ShortTensor = _CudaTensorType("ShortTensor")
CharTensor = _CudaTensorType("CharTensor")
ByteTensor = _CudaTensorType("ByteTensor")
BoolTensor = _CudaTensorType("BoolTensor")


def __getattr__(name: str):
    """A clear error for a `torch.cuda` name we lack (hasattr() still answers False)."""
    raise missing_name(__name__, name)
