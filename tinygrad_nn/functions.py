"""The `tinygrad_nn.<op>(tensor, ...)` forms of the Tensor methods (`torch.exp(t)`, `torch.cat`).

This module is their index: `tinygrad_nn` star-imports it, so `torch.exp` and
`tinygrad_nn.functions.exp` both work. They live by topic:
    _functions_math.py      elementwise math, arithmetic (a number first too), comparisons
    _functions_reduce.py    reductions (sum, var_mean, max, logsumexp, cumsum, ...)
    _functions_view.py      shape and view ops; cat, stack, broadcast_tensors
    _functions_products.py  matmul, einsum, tensordot, addmm, cdist, ...
    _functions_nn.py        nn.functional ops PyTorch also shows at the top (conv2d, selu, ...)
    ops/binary_more.py, ops/elementwise_more.py   atan2, hypot, sinh, lgamma, ...
plus, written here, `fill` and the dtype and type queries (is_tensor, promote_types, ...).
`tinygrad_nn` takes the rest of `torch.*` straight from `_functions_shape.py` (diag, tile,
...; it re-exports `_functions_scatter.py` and part of `_functions_products.py`) and
`_functions_select.py` (sort, topk, ...).
"""

from __future__ import annotations

import numpy as np

from . import dtypes as _dt
from ._functions_args import _tensor
from ._functions_math import (  # noqa: F401  (re-exported)
    abs,
    absolute,
    add,
    addcdiv,
    addcmul,
    allclose,
    ceil,
    clamp,
    clamp_max,
    clamp_min,
    clip,
    cos,
    div,
    divide,
    eq,
    equal,
    erf,
    exp,
    expm1,
    floor,
    floor_divide,
    fmod,
    frac,
    ge,
    greater,
    greater_equal,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    lerp,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    masked_fill,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    negative,
    not_equal,
    pow,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    sigmoid,
    sign,
    sin,
    softmax,
    sqrt,
    square,
    sub,
    subtract,
    tan,
    tanh,
    true_divide,
    trunc,
)
from ._functions_nn import (  # noqa: F401  (re-exported)
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    avg_pool1d,
    bilinear,
    celu,
    celu_,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    cosine_similarity,
    group_norm,
    hardshrink,
    instance_norm,
    layer_norm,
    max_pool1d,
    max_pool2d,
    pairwise_distance,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    rms_norm,
    selu,
    selu_,
    threshold,
    threshold_,
)
from ._functions_products import (  # noqa: F401  (re-exported)
    bmm,
    dot,
    einsum,
    ger,
    inner,
    matmul,
    mm,
    mv,
    outer,
)
from ._functions_reduce import (  # noqa: F401  (re-exported)
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumprod,
    cumsum,
    logsumexp,
    max,
    mean,
    min,
    nansum,
    norm,
    prod,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from ._functions_view import (  # noqa: F401  (re-exported)
    argwhere,
    broadcast_shapes,
    broadcast_tensors,
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    diagonal,
    flatten,
    flip,
    gather,
    hstack,
    index_add,
    index_select,
    moveaxis,
    movedim,
    narrow,
    nonzero,
    permute,
    reshape,
    roll,
    scatter,
    scatter_add,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from .debug.anomaly import is_anomaly_enabled  # noqa: F401  (torch.is_anomaly_enabled)
from .histogram import histc, histogram  # noqa: F401  (re-exported as torch.histc, ...)
from .ops import _names
from .ops.binary_more import (  # noqa: F401
    arctan2,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    copysign,
    float_power,
    fmax,
    fmin,
    heaviside,
    hypot,
    isin,  # (re-exported)
    ldexp,
    logaddexp,
    logaddexp2,
    xlogy,
)
from .ops.elementwise_more import (  # noqa: F401
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctanh,
    asin,
    asinh,
    atan,
    atanh,
    cosh,
    deg2rad,
    digamma,
    erfc,
    erfinv,
    exp2,
    isneginf,
    isposinf,
    lgamma,
    logit,
    nan_to_num,
    polygamma,
    rad2deg,
    sgn,
    signbit,
    sinc,
    sinh,  # (re-exported as torch.asin, ...)
)
from .tensor import Size, Tensor, where  # noqa: F401  (Size, where: re-exported)


def fill(input, value):
    """A new tensor shaped like input with every element `value` (`fill_` out of place). A
    tensor `value` gets the gradient, summed; input gets none, being overwritten."""
    input = _tensor(input, "fill")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(
            "fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value._data.ndim} dimensions."
        )
    filled = (
        value._cast(input.dtype)
        if isinstance(value, Tensor)
        else Tensor._make(
            np.asarray(_dt.checked_scalar(value, input._data.dtype), input._data.dtype)
        )
    )
    # where(True, value, input): value's gradient is summed over the broadcast, input's is 0
    out = where(Tensor._make(np.ones((), np.bool_)), filled.expand(input.shape), input)
    return _names.named(out, "FillBackward1" if isinstance(value, Tensor) else "FillBackward0")


def numel(input) -> int:
    """Number of elements."""
    return _tensor(input, "numel").numel()


def is_tensor(obj) -> bool:
    """True for Tensors."""
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    """True for floating dtypes."""
    return _tensor(input, "is_floating_point").is_floating_point()


def clone(input):
    """A copy attached to the graph."""
    return _tensor(input, "clone").clone()


def detach(input):
    """A detached alias."""
    return _tensor(input, "detach").detach()


def promote_types(type1, type2):
    """The dtype two dtypes promote to."""
    return _dt.promote_types(_dt.as_dtype(type1), _dt.as_dtype(type2))


def result_type(tensor1, tensor2):
    """The dtype of an op on the two operands."""
    return _dt.result_type(tensor1, tensor2)


def can_cast(from_, to) -> bool:
    """True if a value of dtype from_ may be written into dtype to (PyTorch's category rule)."""
    for i, (name, d) in enumerate((("from_", from_), ("to", to))):
        if not isinstance(d, _dt.dtype):
            raise TypeError(
                f"can_cast(): argument '{name}' (position {i + 1}) must be "
                f"torch.dtype, not {type(d).__name__}"
            )
    order = "biuf"
    return order.index(from_.np.kind) <= order.index(to.np.kind)
