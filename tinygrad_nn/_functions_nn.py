"""`nn.functional` ops that PyTorch also exposes at the top level (`torch.conv2d`,
`torch.selu`, `torch.layer_norm`, ...), with PyTorch's top-level argument checks.

Each forwards to `nn.functional`, imported when called: nn builds on this package.
"""

from __future__ import annotations

from ._functions_args import _tensor


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """`nn.functional.conv1d` under its `torch.` name."""
    from .nn import functional as F  # nn builds on this module, so it is imported later

    return F.conv1d(_tensor(input, "conv1d"), weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """`nn.functional.conv2d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv2d(_tensor(input, "conv2d"), weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """`nn.functional.conv_transpose1d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv_transpose1d(
        _tensor(input, "conv_transpose1d"),
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """`nn.functional.conv_transpose2d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv_transpose2d(
        _tensor(input, "conv_transpose2d"),
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    """`nn.functional.conv_transpose3d` under its `torch.` name."""
    from .nn import functional as F

    return F.conv_transpose3d(
        _tensor(input, "conv_transpose3d"),
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
    )


def pixel_shuffle(input, upscale_factor):
    """`nn.functional.pixel_shuffle` under its `torch.` name."""
    from .nn import functional as F

    return F.pixel_shuffle(_tensor(input, "pixel_shuffle"), upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    """`nn.functional.pixel_unshuffle` under its `torch.` name."""
    from .nn import functional as F

    return F.pixel_unshuffle(_tensor(input, "pixel_unshuffle"), downscale_factor)


def adaptive_max_pool1d(input, output_size):
    """`nn.functional.adaptive_max_pool1d` under its `torch.` name: always (values, indices)."""
    from .nn import functional as F

    return F.adaptive_max_pool1d(_tensor(input, "adaptive_max_pool1d"), output_size, True)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """`nn.functional.max_pool1d` under its `torch.` name (values only)."""
    from .nn import functional as F

    return F.max_pool1d(
        _tensor(input, "max_pool1d"), kernel_size, stride or None, padding, dilation, ceil_mode
    )


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """`nn.functional.max_pool2d` under its `torch.` name (values only)."""
    from .nn import functional as F

    return F.max_pool2d(
        _tensor(input, "max_pool2d"), kernel_size, stride or None, padding, dilation, ceil_mode
    )


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """`nn.functional.avg_pool1d` under its `torch.` name."""
    from .nn import functional as F

    return F.avg_pool1d(
        _tensor(input, "avg_pool1d"), kernel_size, stride, padding, ceil_mode, count_include_pad
    )


def adaptive_avg_pool1d(input, output_size):
    """`nn.functional.adaptive_avg_pool1d` under its `torch.` name."""
    from .nn import functional as F

    return F.adaptive_avg_pool1d(_tensor(input, "adaptive_avg_pool1d"), output_size)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    """`nn.functional.layer_norm` under its `torch.` name (cudnn_enable has no effect on CPU)."""
    from .nn import functional as F

    return F.layer_norm(_tensor(input, "layer_norm"), normalized_shape, weight, bias, eps)


def _tensor_args(name: str, **args) -> None:
    """PyTorch's TypeError for a non-tensor in a tensor argument (named, in call order)."""
    for pos, (arg, value) in enumerate(args.items(), 1):
        _tensor(value, name, arg, pos)


def selu(input):
    """scale * elu(x, alpha) (see nn.functional.selu)."""
    from .nn import functional as F

    _tensor_args("selu", input=input)
    return F.selu(input)


def selu_(input):
    """In-place selu."""
    from .nn import functional as F

    _tensor_args("selu_", input=input)
    return F.selu(input, inplace=True)


def celu(input, alpha: float = 1.0):
    """x if x > 0 else alpha * (exp(x / alpha) - 1) (see nn.functional.celu)."""
    from .nn import functional as F

    _tensor_args("celu", input=input)
    return F.celu(input, alpha)


def celu_(input, alpha: float = 1.0):
    """In-place celu."""
    from .nn import functional as F

    _tensor_args("celu_", input=input)
    return F.celu(input, alpha, inplace=True)


def prelu(input, weight):
    """x if x > 0 else weight * x, weight per channel (see nn.functional.prelu)."""
    from .nn import functional as F

    _tensor_args("prelu", input=input, weight=weight)
    return F.prelu(input, weight)


def hardshrink(input, lambd: float = 0.5):
    """x where |x| > lambd, else 0 (see nn.functional.hardshrink)."""
    from .nn import functional as F

    _tensor_args("hardshrink", input=input)
    return F.hardshrink(input, lambd)


def threshold(input, threshold, value):
    """x where x > threshold, else value (see nn.functional.threshold)."""
    from .nn import functional as F

    _tensor_args("threshold", input=input)
    return F.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """In-place threshold."""
    from .nn import functional as F

    _tensor_args("threshold_", input=input)
    return F.threshold(input, threshold, value, inplace=True)


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between x1 and x2 along dim (see nn.functional.cosine_similarity)."""
    from .nn import functional as F

    _tensor_args("cosine_similarity", x1=x1, x2=x2)
    return F.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False):
    """||x1 - x2 + eps||_p along the last dim (see nn.functional.pairwise_distance)."""
    from .nn import functional as F

    _tensor_args("pairwise_distance", x1=x1, x2=x2)
    return F.pairwise_distance(x1, x2, p, eps, keepdim)


def group_norm(
    input, num_groups: int, weight=None, bias=None, eps: float = 1e-5, cudnn_enabled: bool = True
):
    """Group normalisation (see nn.functional.group_norm); cudnn_enabled is ignored."""
    from .nn import functional as F

    _tensor_args("group_norm", input=input)
    return F.group_norm(input, num_groups, weight, bias, eps)


def instance_norm(
    input,
    weight,
    bias,
    running_mean,
    running_var,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
):
    """Instance normalisation with PyTorch's top-level argument order (weight and bias
    first); see nn.functional.instance_norm. cudnn_enabled is ignored."""
    from .nn import functional as F

    _tensor_args("instance_norm", input=input)
    return F.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalisation over the last dims (see nn.functional.rms_norm)."""
    from .nn import functional as F

    _tensor_args("rms_norm", input=input)
    return F.rms_norm(input, normalized_shape, weight, eps)


def bilinear(input1, input2, weight, bias=None):
    """x1^T W x2 + b (see nn.functional.bilinear)."""
    from .nn import functional as F

    _tensor_args("bilinear", input1=input1, input2=input2, weight=weight)
    return F.bilinear(input1, input2, weight, bias)
