"""`Size` (a shape that prints as PyTorch's) and `device` (a device name; only the CPU is real).

Also the checks every `device=` argument goes through: a CPU-only PyTorch's exceptions.
"""

from __future__ import annotations

import builtins

from .autograd.function import is_tensor


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's `torch.Size`."""

    def numel(self) -> int:
        """Product of the sizes."""
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"tinygrad_nn.Size({list(self)})"

    def __getitem__(self, item):
        result = tuple.__getitem__(self, item)
        return Size(result) if isinstance(item, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))


# The device types PyTorch's parser knows; torch.device('cuda') is a valid object even on a
# CPU-only build, and only *using* it fails (see _check_device).
_DEVICE_TYPES = (
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
)


CUDA_MISSING = "Torch not compiled with CUDA enabled"  # PyTorch's CPU-only build says this


NO_ACCELERATOR = "Cannot access accelerator device when none is available."


class device:
    """A device name, as `torch.device`: `device('cpu')`, `device('cuda:0')`, `device('cuda', 1)`.

    Any device PyTorch knows can be named; tensors live only on the CPU.
    """

    def __init__(self, type: str = "cpu", index=None):
        spec = type
        if isinstance(spec, builtins.int) and not isinstance(spec, builtins.bool):
            raise RuntimeError(NO_ACCELERATOR)  # a bare index names the (absent) accelerator
        if isinstance(spec, device):
            spec, index = spec.type, spec.index
        name, _, number = str(spec).partition(":")
        if name not in _DEVICE_TYPES or (number and not number.isdigit()):
            raise RuntimeError(
                f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start "
                f"of device string: {spec}"
            )
        self.type, self.index = name, builtins.int(number) if number else index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):  # kept lenient: `t.device == 'cpu'` reads naturally
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"


_CPU = device("cpu")


def cuda_request(d) -> None:
    """`.cuda(d)` on a CPU-only build: always raises, with PyTorch's exception for `d`."""
    if d is not None and device(d).type != "cuda":  # device(0) raises NO_ACCELERATOR itself
        raise RuntimeError("Invalid device, must be cuda device")
    raise AssertionError(CUDA_MISSING)


def _check_device(d) -> None:
    """Accept None or a CPU device; other devices raise what a CPU-only PyTorch raises."""
    if d is None:
        return
    kind = device(d).type
    if kind == "cuda":
        raise AssertionError(CUDA_MISSING)
    if kind == "mps":
        raise RuntimeError("PyTorch is not linked with support for mps devices")
    if kind != "cpu":
        raise RuntimeError(f"tinygrad_nn runs on the CPU only: device '{d}' is not available")


def parse_to(args: tuple, kwargs: dict):
    """The dtype a `to(...)` call asks for (None if none), shared by Tensor.to and Module.to.

    Accepts PyTorch's forms `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` and
    the keywords `dtype`, `device`, `non_blocking`, `memory_format`, which it pops from
    `kwargs` (the caller refuses what is left). Devices other than the CPU raise here. A
    bool after the first argument is `non_blocking` or `copy`, which change nothing on a CPU.
    """
    dtype = kwargs.pop("dtype", None)
    _check_device(kwargs.pop("device", None))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for position, a in enumerate(args):
        if is_tensor(a):
            dtype = a.dtype
        elif isinstance(a, builtins.bool):
            if position == 0:  # PyTorch reads a leading True/False as the bool dtype
                dtype = builtins.bool
        elif isinstance(a, (str, device, builtins.int)):
            _check_device(a)  # a device name, or an index (which names an accelerator)
        elif a is not None:
            dtype = a
    return dtype
