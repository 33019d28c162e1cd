"""`torch.version`: which PyTorch API this is, and which tinygrad_nn.

`torch.__version__` is "2.13.0+tinygrad_nn.0.1.0": the PyTorch release whose API and numbers
we reproduce, with our own version as the local label (as PyTorch's wheels say "2.13.0+cpu").
Scripts parse it (`torch.__version__ >= "2.0"`, `int(torch.__version__.split(".")[0])`,
`packaging.version.parse(...)`) to choose between old and new PyTorch APIs, and the API we
offer is 2.13's. Like PyTorch's `TorchVersion`, the string compares as a version: "2.13.0"
is newer than "2.2".
"""

from __future__ import annotations

import re

tinygrad_nn = "0.1.0"  # this package's own release (pyproject.toml)
pytorch = "2.13.0"  # the PyTorch release we follow
cuda = None  # a CPU-only build: no CUDA, HIP or XPU toolkit
hip = None
xpu = None
debug = False


def _release(text) -> tuple:
    """(2, 13, 0) from "2.13.0+cpu", "2.13" or (2, 13); trailing zeros dropped."""
    if isinstance(text, tuple):
        parts = list(text)
    else:
        parts = [int(p) for p in re.findall(r"\d+", str(text).split("+")[0].split("a")[0])]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


class TorchVersion(str):
    """A version string that compares by release numbers: `v >= "2.2"`, `v > (2, 1)`."""

    def __lt__(self, other) -> bool:
        return _release(self) < _release(other)

    def __le__(self, other) -> bool:
        return _release(self) <= _release(other)

    def __gt__(self, other) -> bool:
        return _release(self) > _release(other)

    def __ge__(self, other) -> bool:
        return _release(self) >= _release(other)

    __hash__ = str.__hash__


__version__ = TorchVersion(f"{pytorch}+tinygrad_nn.{tinygrad_nn}")
