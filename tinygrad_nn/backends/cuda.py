"""`torch.backends.cuda`: not built; `matmul.allow_tf32 = True` and the SDPA switches are
accepted and change nothing."""

from __future__ import annotations

from .._torch_alias import missing_name


class _MatmulSettings:
    """`backends.cuda.matmul`: cuBLAS switches scripts set (PyTorch's defaults)."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulSettings()
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def is_built() -> bool:
    """False: PyTorch was built without CUDA."""
    return False


def flash_sdp_enabled() -> bool:
    """Whether the flash attention switch is on (it selects nothing here)."""
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Set the flash attention switch."""
    _sdp["flash"] = enabled


def mem_efficient_sdp_enabled() -> bool:
    """Whether the memory-efficient attention switch is on."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Set the memory-efficient attention switch."""
    _sdp["mem_efficient"] = enabled


def math_sdp_enabled() -> bool:
    """Whether the math attention switch is on."""
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Set the math attention switch."""
    _sdp["math"] = enabled


def __getattr__(name: str):
    """A clear error for a `torch.backends.cuda` name we lack."""
    raise missing_name(__name__, name)
