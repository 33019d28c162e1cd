"""`tinygrad_nn.nn.functional`: the math of every layer, as plain functions on Tensors.

Layers (`nn.Linear`, `nn.ReLU`, ...) only hold parameters and options; their `forward`
calls a function from here. Almost everything is a composite of Tensor ops, so autograd
(and double backward) comes for free; the exceptions are written as `Function`s where
composing would cost accuracy or speed. This file holds the activations, `linear`,
`dropout`, `embedding`, `pad`, `one_hot` and `normalize`; the rest is re-exported from

    _functional_conv.py   conv1d, conv2d, max_pool2d, avg_pool2d, adaptive_avg_pool2d
    _functional_norm.py   layer_norm, batch_norm
    _functional_attention.py   scaled_dot_product_attention, multi_head_attention_forward
    _functional_activation_more.py   relu6, hardtanh, selu, celu, mish, glu, prelu, ...
    _functional_norm_more.py   group_norm, instance_norm, rms_norm, dropout1d, dropout2d
    _functional_misc.py   bilinear, embedding_bag, cosine_similarity, pairwise_distance
    _functional_loss.py   mse_loss, cross_entropy, nll_loss, binary_cross_entropy, ...
    _functional_loss_more.py  kl_div, margin and embedding losses, Poisson/Gaussian NLL
    _functional_conv_transpose.py  conv_transpose1d, conv_transpose2d
    _functional_resize.py  interpolate, pixel_shuffle/unshuffle, adaptive_max_pool1d/2d
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import sampling
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..ops import activation
from ..ops.elementwise import LeakyRelu
from ..ops.linalg import Addmm
from ..ops.movement import IndexAdd, Pad
from ..tensor import Tensor
from ._functional_activation_more import (  # noqa: F401
    celu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    logsigmoid,
    mish,
    prelu,
    relu6,
    selu,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
    threshold_,
)
from ._functional_attention import (  # noqa: F401
    multi_head_attention_forward,
    scaled_dot_product_attention,
)
from ._functional_conv import (  # noqa: F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    fold,
    max_pool1d,
    max_pool2d,
    unfold,
)
from ._functional_conv_transpose import (  # noqa: F401
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from ._functional_loss import (  # noqa: F401
    _dtype_word,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ._functional_loss_more import (  # noqa: F401
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    kl_div,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from ._functional_misc import (  # noqa: F401
    bilinear,
    cosine_similarity,
    embedding_bag,
    pairwise_distance,
)
from ._functional_norm import batch_norm, layer_norm  # noqa: F401
from ._functional_norm_more import (  # noqa: F401
    dropout1d,
    dropout2d,
    group_norm,
    instance_norm,
    rms_norm,
)
from ._functional_resize import (  # noqa: F401
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)

_make = Tensor._make


def _maybe_inplace(input: Tensor, fn, inplace: bool) -> Tensor:
    """`fn(input)`, or written back into `input` (history and version updated) if inplace."""
    return input._inplace(fn) if inplace else fn(input)


# ---------------------------------------------------------------------- activations


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); gradient 0 at 0."""
    return input.relu_() if inplace else input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x (one LeakyReluBackward0 node, as in PyTorch)."""
    if input._data.dtype.kind != "f":
        return _maybe_inplace(input, lambda x: x.where(x > 0, x * negative_slope), inplace)
    out = _maybe_inplace(input, lambda x: LeakyRelu.apply(x, negative_slope), inplace)
    if inplace and out.grad_fn is not None and out.grad_fn._fn is LeakyRelu:
        out.grad_fn.node_name = "LeakyReluBackward1"  # PyTorch's name for leaky_relu_
    return out


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1) (one EluBackward0 node, as in PyTorch)."""
    out = _maybe_inplace(input, lambda x: _float_op(x, activation.Elu, alpha), inplace)
    if inplace and out.grad_fn is not None and out.grad_fn._fn is activation.Elu:
        out.grad_fn.node_name = "EluBackward1"  # PyTorch's name for elu_
    return out


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) = x/2 * (1 + erf(x / sqrt 2)); 'tanh' uses the tanh approximation of Phi."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _float_op(input, activation.Gelu, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return _maybe_inplace(input, lambda x: _float_op(x, activation.Silu), inplace)


def _float_op(x: Tensor, op, *args) -> Tensor:
    """An activation Function on a floating tensor (an integer one is promoted first)."""
    return op.apply(x._floating(), *args)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return input.tanh()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: F811  (PyTorch's argument name)
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    return _float_op(input, activation.Softplus, beta, threshold)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to "
        "include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along dim."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None):
    """x - logsumexp(x) along dim, computed without overflow."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return input.log_softmax(dim, dtype=dtype)


# ---------------------------------------------------------------------- linear, dropout


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, with W of shape (out_features, in_features)."""
    a, w = input._data, weight._data
    if (
        bias is not None
        and a.ndim == 2
        and w.ndim == 2
        and a.shape[1] == w.shape[1]
        and bias._data.ndim == 1
        and a.dtype == w.dtype == bias._data.dtype
    ):
        # Every Linear layer's call: the checks below would pass. PyTorch records it as one
        # addmm(b, x, W^T) node, the matmul and the bias add fused.
        return Addmm.apply(bias, input, weight.t())
    return _linear_checked(input, weight, bias)


def _linear_checked(input: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """`linear` for any other shapes and dtypes: PyTorch's errors, then the same result."""
    if weight.dim() == 2 and input.dim() >= 1 and input.shape[-1] != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} "
            f"and {weight.shape[1]}x{weight.shape[0]})"
        )
    if bias is not None and input.dim() >= 2:  # PyTorch's addmm(bias, input, W^T) checks
        if bias.dtype != weight.dtype:
            raise RuntimeError(
                "self and mat2 must have the same dtype, but got "
                f"{_dtype_word(bias)} and {_dtype_word(weight)}"
            )
        if input.dtype != weight.dtype:
            raise RuntimeError(
                "mat1 and mat2 must have the same dtype, but got "
                f"{_dtype_word(input)} and {_dtype_word(weight)}"
            )
    if input.dim() == 2 and weight.dim() == 2 and bias is not None and bias.dim() == 1:
        return Addmm.apply(bias, input, weight.t())  # matmul and bias in one node, as PyTorch
    if weight.dim() == 2 and bias is not None and bias.dim() == 1 and input.is_contiguous():
        # PyTorch folds a contiguous input of any other rank into rows, runs the fused addmm
        # and views the result back: one matmul with the bias added in place, no extra array.
        rows = input.view(math.prod(input.shape[:-1]), input.shape[-1])
        out = Addmm.apply(bias, rows, weight.t())
        return out.view(*input.shape[:-1], weight.shape[0])
    out = input.matmul(weight.t())
    return out if bias is None else out + bias


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training only)."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    dtype = input._data.dtype
    if p == 1.0:
        mask = np.zeros(input.shape, dtype)
    else:
        # PyTorch's noise: empty_like(input).bernoulli_(1 - p) / (1 - p), in input's dtype
        # and drawn in its memory order, so the same seed drops the same elements.
        keep = sampling.fill_like(
            input._data, lambda shape, _: sampling.bernoulli_scalar(shape, 1.0 - p)
        )
        mask = keep.astype(dtype) / dtype.type(1.0 - p)
    return _maybe_inplace(input, lambda x: x * _make(mask), inplace)


# ---------------------------------------------------------------------- embedding


class _Embedding(Function):
    """y = weight[indices].   dL/dweight = g added into the rows named by indices (each
    row's share scaled by `row_scale`: 0 at padding_idx, 1/count with scale_grad_by_freq)."""

    node_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight, indices: np.ndarray, row_scale):
        ctx.indices, ctx.shape, ctx.row_scale = indices, weight._data.shape, row_scale
        return weight._data[indices]

    @staticmethod
    def backward(ctx, grad):
        if ctx.row_scale is not None:
            grad = grad * _make(ctx.row_scale[..., None].astype(grad._data.dtype))
        return IndexAdd.apply(grad, (ctx.indices,), ctx.shape), None, None


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of `weight` picked by the integer `input`: out[..., :] = weight[input[...], :].

    `padding_idx`'s row gets no gradient; `max_norm` renormalises the rows used, in place;
    `scale_grad_by_freq` divides each row's gradient by its count in the batch. `sparse` is
    accepted but the gradient is always dense.
    """
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {input.type()} instead (while "
            "checking arguments for embedding)"
        )
    rows = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= rows
    if max_norm is not None:
        _renorm_rows(weight, np.unique(indices), max_norm, norm_type)
    row_scale = None
    if scale_grad_by_freq:
        _, inverse, counts = np.unique(indices, return_inverse=True, return_counts=True)
        row_scale = 1.0 / counts[inverse.reshape(indices.shape)]
    if padding_idx is not None:
        row_scale = np.ones(indices.shape) if row_scale is None else row_scale
        row_scale = np.where(indices == padding_idx, 0.0, row_scale)
    return _Embedding.apply(weight, indices, row_scale)


def _renorm_rows(weight: Tensor, rows: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale the rows whose norm exceeds max_norm down to it, in place (not recorded)."""
    with no_grad():
        picked = weight._data[rows].astype(np.float64)
        norms = np.linalg.norm(picked, ord=norm_type, axis=1)
        scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight[_make(rows)] = _make((picked * scale[:, None]).astype(weight._data.dtype))


# ---------------------------------------------------------------------- pad, one_hot, normalize


_NON_CONSTANT_PAD = ("reflect", "replicate", "circular")


def pad(input: Tensor, pad: tuple, mode: str = "constant", value: float | None = None):
    """Pad (or crop, for negative amounts) the last dims: pad = (left, right, top, bottom, ...).

    Modes: 'constant' (with `value`, default 0), 'reflect' (mirror without repeating the
    edge), 'replicate' (repeat the edge), 'circular' (wrap around).
    """
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    ndim, n_dims = input.dim(), len(pad) // 2
    if n_dims > ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input "
            f"dimension but got padding length {len(pad)} and input of dimension "
            f"{ndim}"
        )
    # pad lists the last dim first: (before, after) for dims ndim-1, ndim-2, ...
    pairs = {ndim - 1 - i: (pad[2 * i], pad[2 * i + 1]) for i in range(n_dims)}
    if mode == "constant":
        return _pad_constant(input, pairs, 0.0 if value is None else value)
    if mode not in _NON_CONSTANT_PAD:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 1 <= n_dims <= 3 or ndim not in (n_dims + 1, n_dims + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {ndim}D input tensor.\nSupported "
            "combinations for non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads "
            "last dimension)\n  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n  - "
            "4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    if mode != "circular":
        _check_padded_sizes(input.shape, pairs, mode)
    out = input
    for dim, (before, after) in pairs.items():
        positions = _source_positions(input.shape[dim], before, after, mode, dim, input.shape)
        out = out.index_select(dim, _make(positions))
    return out


def _check_reflect(n: int, before: int, after: int, dim: int, shape) -> None:
    if before >= n or after >= n:
        raise RuntimeError(
            "Argument #4: Padding size should be less than the corresponding input dimension, "
            f"but got: padding ({before}, {after}) at dimension {dim} of input {list(shape)}"
        )


def _check_padded_sizes(shape: tuple, pairs: dict, mode: str) -> None:
    """Reflect and replicate padding refuse an output with no element left in any padded dim
    (after reflect's own check of the amounts)."""
    dims = sorted(pairs)
    if mode == "reflect":
        for d in reversed(dims):
            _check_reflect(shape[d], *pairs[d], d, shape)
    sizes = [shape[d] + sum(pairs[d]) for d in dims]
    if any(n >= 1 for n in sizes):
        return
    names = "DHW"[3 - len(dims) :]
    given = ", ".join(f"{k}: {shape[d]}" for k, d in zip(names, dims))
    if len(dims) == 3:  # PyTorch's own spacing, per mode and rank
        given = given.replace(",", "", 1)
    elif len(dims) == 2 and mode == "replicate":
        given += " "
    found = " ".join(f"{k}: {n}" for k, n in zip(names, sizes))
    raise RuntimeError(f"input ({given}) is too small. Calculated output {found}")


def _pad_constant(input: Tensor, pairs: dict, value: float) -> Tensor:
    """Constant padding on the dims in `pairs` ({dim: (before, after)}); negatives crop."""
    for d, (before, after) in pairs.items():
        # PyTorch crops first (narrow), on the left then on the right; neither may go past
        # the edge, even where positive padding on the other side would make up for it.
        kept = input.shape[d] + min(before, 0)
        if kept < 0 or kept + min(after, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    amounts = [pairs.get(d, (0, 0)) for d in range(input.dim())]
    grow = tuple((max(b, 0), max(a, 0)) for b, a in amounts)
    out = Pad.apply(input, grow, value) if any(b or a for b, a in grow) else input
    if any(b < 0 or a < 0 for b, a in amounts):
        out = out[tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(amounts, out.shape))]
    return out


def _source_positions(n: int, before: int, after: int, mode: str, dim: int, shape) -> np.ndarray:
    """For each position of the padded axis, the input position it copies."""
    if mode == "reflect":
        _check_reflect(n, before, after, dim, shape)
    if mode == "circular":
        return _circular_positions(n, before, after)
    positions = np.arange(-before, n + after)
    if mode == "reflect":
        positions = np.abs(positions)  # -1 -> 1: the edge is not repeated
        positions = np.where(positions > n - 1, 2 * (n - 1) - positions, positions)
    elif mode == "replicate":
        positions = np.clip(positions, 0, n - 1)
    return positions.astype(np.int64)


def _circular_positions(n: int, before: int, after: int) -> np.ndarray:
    """Circular padding as PyTorch does it: negative amounts crop first, and the positive
    amounts then wrap around what is left (not around the whole input)."""
    if before > n or after > n:
        raise RuntimeError("Padding value causes wrapping around more than once.")
    if n + before + after < 0:
        raise RuntimeError("Negative padding value is resulting in an empty dimension")
    kept = np.arange(max(-before, 0), n - max(-after, 0))
    if n + min(before, 0) + min(after, 0) < 0:  # PyTorch fails here with an internal error
        raise RuntimeError(
            f"Negative padding ({before}, {after}) crops more than the {n} "
            "elements of the dimension"
        )
    if n + before + after == 0:
        return kept[:0].astype(np.int64)
    if max(before, 0) > kept.size or max(after, 0) > kept.size:
        # PyTorch reads memory it never wrote here; a wrap larger than what is left is refused
        raise RuntimeError("Padding value causes wrapping around more than once.")
    return kept[np.arange(-max(before, 0), kept.size + max(after, 0)) % kept.size]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a trailing axis of size num_classes: 1 at each index, 0 elsewhere."""
    indices = tensor._data
    if indices.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if indices.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(indices.max()) + 1
    if indices.size and indices.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if indices.size and indices.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((indices[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """x / max(||x||_p, eps) along dim."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


def __getattr__(name: str):
    """A clear error for a PyTorch name tinygrad_nn lacks; hasattr() still answers False."""
    from .._torch_alias import missing_name

    raise missing_name(__name__, name)
