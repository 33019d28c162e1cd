"""Loss functions. Each computes an elementwise loss, then reduces it:
'none' keeps it, 'sum' adds it up, 'mean' divides the sum by the count - or, for the
class-weighted losses (nll_loss, cross_entropy), by the summed weights of the targets.

    mse_loss        (x - y)^2
    l1_loss         |x - y|
    huber_loss      0.5 d^2 if |d| < delta else delta (|d| - delta / 2)
    smooth_l1_loss  0.5 d^2 / beta if |d| < beta else |d| - beta / 2
    nll_loss        -w[t] * x[t]                       (x holds log-probabilities)
    cross_entropy   nll_loss(log_softmax(x)), or -sum(p * log_softmax(x)) for probabilities p
    binary_cross_entropy              -(t log x + (1 - t) log(1 - x)), logs clamped at -100
    binary_cross_entropy_with_logits  the same on sigmoid(x), through log_sigmoid (stable)

All are composites of Tensor ops except three Functions: binary_cross_entropy, so that its
gradient matches PyTorch's at x = 0 and x = 1, where the clamped logs are flat; nll_loss, one
node in every classifier's training step instead of five; and mse_loss (unweighted), one node
in every regression's step instead of three. The last two are the nodes PyTorch records.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import dtypes as _dt
from .._checks import _dtype_word
from ..autograd.function import Function
from ..ops._shape import broadcast_shapes, unbroadcast
from ..ops.movement import index_add_array
from ..tensor import Tensor

_make = Tensor._make


_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction: str) -> str:
    """The reduction, translating the deprecated size_average/reduce flags as PyTorch does."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{reduction}' instead.",
            stacklevel=3,
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _warn_if_broadcast(input: Tensor, target: Tensor) -> None:
    if target._data.shape != input._data.shape:
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


def _promoted(*tensors):
    """The floating-point operands cast to their common dtype (others, and None, as they are).

    A loss of float32 and float64 operands then computes in float64 throughout, as each of its
    ops would on its own: without this, (1 - target), sum(weight) or log_softmax(input) would
    round to float32 first whenever that operand was the float32 one.
    """
    floats = [t for t in tensors if t is not None and t._data.dtype.kind == "f"]
    if len({t._data.dtype for t in floats}) < 2:
        return tensors
    dt = _dt.result_type(*floats)
    return tuple(t._cast(dt) if t is not None and t._data.dtype.kind == "f" else t for t in tensors)


def _weighted(loss: Tensor, input: Tensor, weight, reduction: str, mean_by_weight: bool):
    """Apply optional per-element weights (same shape as input), then reduce."""
    if weight is None:
        return _reduce(loss, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- regression


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (x - y)^2, optionally weighted (then 'mean' divides by sum(w))."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    input, target, weight = _promoted(input, target, weight)
    dtype = input._data.dtype
    if weight is None and dtype.kind == "f" and target._data.dtype == dtype:
        if target._data.shape != input._data.shape:  # PyTorch broadcasts first (Expand nodes)
            shape = broadcast_shapes(input._data.shape, target._data.shape)
            input, target = [
                t if t._data.shape == shape else t.expand(shape) for t in (input, target)
            ]
        return MseLoss.apply(input, target, reduction)
    # Weights, or operands of two dtypes: PyTorch composes these too (or promotes first).
    return _weighted((input - target).square(), input, weight, reduction, True)


class MseLoss(Function):
    """loss = (x - t)^2 per element, then kept ('none'), summed, or averaged ('mean').
    dL/dx = (x - t) * norm * g with norm = 2 (2 / n for 'mean'),   dL/dt = -dL/dx.

    One node, as PyTorch records it, where composing subtract, square and mean records three.
    """

    node_name = "MseLossBackward0"

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        loss = np.square(x._data - t._data)
        n = loss.size
        ctx.norm = 2.0 / n if reduction == "mean" and n else 2.0
        if reduction == "none":
            return loss
        dims = tuple(range(loss.ndim))
        if reduction == "sum":
            return np.add.reduce(loss, axis=dims)
        if n == 0:  # np.mean would warn; PyTorch's mean of nothing is nan
            return np.full((), np.nan, loss.dtype)
        # np.mean's own sum and division (a float sum over an int count, rounded once),
        # without its Python-level argument handling (three times the sum of 64 numbers)
        return np.asarray(np.add.reduce(loss, axis=dims) / n, dtype=loss.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        grad_x = MseLossBackward.apply(grad, x, t, ctx.norm)
        return (
            grad_x if ctx.needs_input_grad[0] else None,
            -grad_x if ctx.needs_input_grad[1] else None,
            None,
        )


class MseLossBackward(Function):
    """z = (x - t) * norm * g: MseLoss's backward as one op (PyTorch's mse_loss_backward, in
    its order), one node where subtracting and two products would record three.
    dL/dg = u * ((x - t) * norm) summed to g's shape,   dL/dx = u * g * norm,   dL/dt = -dL/dx,
    where u = dL/dz (each product in the order those three ops' backwards take it)."""

    node_name = "MseLossBackwardBackward0"

    @staticmethod
    def forward(ctx, g, x, t, norm):
        ctx.save_for_backward(g, x, t)
        ctx.norm = norm
        return (x._data - t._data) * norm * g._data

    @staticmethod
    def backward(ctx, u):
        g, x, t = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_g = unbroadcast(u * ((x - t) * ctx.norm), g.shape) if needs[0] else None
        grad_x = u * g * ctx.norm if needs[1] or needs[2] else None
        return grad_g, grad_x if needs[1] else None, -grad_x if needs[2] else None, None


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error |x - y|, optionally weighted (then 'mean' divides by sum(w))."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    input, target, weight = _promoted(input, target, weight)
    return _weighted((input - target).abs(), input, weight, reduction, True)


def huber_loss(input, target, reduction="mean", delta: float = 1.0, weight=None):
    """Squared error for |d| < delta, linear (slope delta) beyond."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    # PyTorch computes in the common dtype but returns the input's (then weights promote).
    x, t = _promoted(input, target)
    z = (x - t).abs()
    loss = (z * 0.5 * z).where(z < delta, (z - 0.5 * delta) * delta)._cast(input.dtype)
    return _weighted(loss, input, weight, reduction, False)


def smooth_l1_loss(
    input, target, size_average=None, reduce=None, reduction="mean", beta: float = 1.0
):
    """Squared error / beta for |d| < beta, absolute error beyond (beta = 0: l1_loss)."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = _promoted(input, target)
    z = (input - target).abs()
    if beta == 0:
        return _reduce(z, reduction)
    return _reduce((z * 0.5 * z / beta).where(z < beta, z - 0.5 * beta), reduction)


# ---------------------------------------------------------------------- classification


def _check_nll(input: Tensor, target: Tensor, weight) -> int:
    """PyTorch's shape and dtype checks for class-index targets; returns the class count."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if input.dim() == 1 and target.dim() == 1 and target.numel() != 1:
        raise ValueError(
            f"For 1D input, 1D target must have size 1, but got target size: {target.numel()}"
        )
    target_batch = target.shape[0] if target.dim() else 0
    if input.dim() > 1 and input.shape[0] != target_batch:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target "
            f"batch_size ({target_batch})."
        )
    if input.dim() <= 2 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() == 4 and target.dim() != 3:
        raise RuntimeError(
            "only batches of spatial targets supported (3D tensors) but got "
            f"targets of dimension: {target.dim()}"
        )
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if input.dim() == 4 and tuple(target.shape) != expected:  # PyTorch's nll_loss2d wording
        raise RuntimeError(
            f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}"
        )
    if input.dim() > 2 and tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_dtype_word(target)}"
        )
    classes = input.shape[0 if input.dim() == 1 else 1]
    if weight is not None and (weight.dim() != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or "
            f"no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {_dtype_word(input)} but found {_dtype_word(weight)}"
        )
    return classes


def nll_loss(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction="mean",
) -> Tensor:
    """-weight[t] * input[t] per sample (input: log-probabilities over classes on axis 1).

    'mean' divides by the summed weights of the non-ignored targets (their count if no weight).
    """
    reduction = _reduction(size_average, reduce, reduction)
    a, t = input._data, target._data
    if (
        weight is None
        and a.ndim == 2
        and t.ndim == 1
        and t.dtype == np.int64
        and a.dtype.kind == "f"
        and 0 < len(t) == len(a)
    ):
        # A classifier's every step: a batch of rows, one class index each. When every index
        # is a class (a negative one wraps to a huge unsigned one) and none is ignored, the
        # checks and masks below would change nothing: skip them.
        classes = a.shape[1]
        if np.maximum.reduce(t.view(np.uint64)) < classes and not 0 <= ignore_index < classes:
            neg_w = np.empty(t.shape, a.dtype)
            neg_w.fill(-1.0)  # every weight 1; the total weight is then the count
            total = a.dtype.type(len(t)) if reduction == "mean" else None
            return NllLoss.apply(input, t.copy(), neg_w, reduction, total)
    classes = _check_nll(input, target, weight)
    t = t.astype(np.int64).reshape(() if input.dim() == 1 else target.shape)
    valid = t != ignore_index
    bad = (t < 0) | (t >= classes)
    if np.any(bad & valid):
        raise IndexError(f"Target {t[bad & valid].flat[0]} is out of bounds.")
    safe = np.where(valid, t, 0)  # ignored targets read class 0, then get weight 0
    w = np.ones(t.shape) if weight is None else weight._data[safe]
    w = np.where(valid, w, 0).astype(input._data.dtype)
    total = w.sum(dtype=input._data.dtype) if reduction == "mean" else None
    return NllLoss.apply(input, safe, -w, reduction, total)


class NllLoss(Function):
    """loss_i = -w_i * x[i, t_i] (t_i picked on the class axis), then kept ('none'), summed,
    or summed and divided by total = sum of w ('mean').
    dL/dx = zeros with -w_i * g_i (g / total for 'mean') at [i, t_i].

    One node where composing gather, multiply, sum and divide records five (PyTorch records
    one too); the arithmetic is the same, in the same order, so are the numbers.
    """

    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, safe, neg_w, reduction, total):
        a = x._data
        dim = 0 if a.ndim == 1 else 1
        ctx.coords = coords = _coordinates(safe, dim)
        ctx.shape, ctx.neg_w, ctx.total = a.shape, neg_w, total
        if a.ndim > 2:
            ctx.node_name = "NllLoss2DBackward0"
        loss = a[coords] * neg_w  # x[i, t_i]: what take_along_axis(x, t, dim) would pick
        if reduction == "none":
            return loss
        loss = np.add.reduce(loss, axis=tuple(range(loss.ndim)))
        if total is None:
            return loss
        # Every target ignored (total 0): the loss is nan and the gradient zero, as PyTorch's.
        return loss + np.float32("nan") if total == 0 else loss / total

    @staticmethod
    def backward(ctx, grad):
        dx = NllLossBackward.apply(grad, ctx.coords, ctx.shape, ctx.neg_w, ctx.total)
        return dx, None, None, None, None


class NllLossBackward(Function):
    """dL/dx of NllLoss as one op: zeros(shape) with -w_i * g_i (g / total for 'mean') added
    at the [i, t_i] coordinates forward built (one node where dividing, weighting and
    scattering as Tensor ops would record three in every backward pass).
    Its own gradient: dL/dg = sum_i (-w_i * u[i, t_i]) (/ total), where u = dL/d(output)."""

    node_name = "NllLossBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, coords, shape, neg_w, total):
        ctx.coords, ctx.neg_w, ctx.total, ctx.g_shape = coords, neg_w, total, grad._data.shape
        g = grad._data / float(total) if total else grad._data
        return index_add_array(g * neg_w, coords, shape)

    @staticmethod
    def backward(ctx, u):
        g = unbroadcast(u[ctx.coords] * _make(ctx.neg_w), ctx.g_shape)  # the weighted picks
        return (g / float(ctx.total) if ctx.total else g), None, None, None, None


def _coordinates(safe: np.ndarray, dim: int) -> tuple:
    """Index arrays that pick x[i, safe[i], ...]: every entry of `safe` at its own position on
    the other axes and at the class it names on axis `dim`."""
    ndim = safe.ndim
    coords = [
        np.arange(n).reshape((1,) * axis + (n,) + (1,) * (ndim - axis - 1))
        for axis, n in enumerate(safe.shape)
    ]
    coords.insert(dim, safe)
    return tuple(coords)


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction="mean",
    label_smoothing: float = 0.0,
):
    """Softmax cross-entropy over classes on axis 1 (axis 0 for a single unbatched sample).

    `target` holds class indices (any extra spatial axes), or class probabilities when it
    has the same shape as `input`. With label_smoothing e the target becomes
    (1 - e) * target + e / C.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    dim = 0 if input._data.ndim == 1 else 1
    if input._data.shape == target._data.shape:  # class probabilities, in the common dtype
        input, target, weight = _promoted(input, target, weight)
        return _cross_entropy_probs(
            input.log_softmax(dim), target, weight, ignore_index, reduction, label_smoothing, dim
        )
    logp = input.log_softmax(dim)
    nll = nll_loss(logp, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    classes = input.shape[dim]
    shape = [1] * input.dim()
    shape[dim] = classes
    spread = logp * weight.reshape(shape) if weight is not None else logp
    ignored = _make(target._data == ignore_index)
    smooth = -spread.sum(dim)
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        kept = target._data[target._data != ignore_index]
        denom = weight[_make(kept)].sum() if weight is not None else int(kept.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = smooth.sum() / denom
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)


def _cross_entropy_probs(logp, target, weight, ignore_index, reduction, label_smoothing, dim):
    """-sum over classes of target * log_softmax(input), per sample."""
    if target._data.dtype.kind != "f":
        raise RuntimeError(
            "Expected floating point type for target with class probabilities, "
            f"got {_dtype_word(target)}"
        )
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    classes = logp.shape[dim]
    if weight is not None and (weight.dim() != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all "
            f"{classes} classes or no classes but got weight tensor of shape: "
            f"{list(weight.shape)}"
        )
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = logp * target
    if weight is not None:
        shape = [1] * logp.dim()
        shape[dim] = classes
        terms = terms * weight.reshape(shape)
    if reduction == "none":
        return -terms.sum(dim)
    if reduction == "sum":
        return -terms.sum()
    return -terms.sum() / (logp.numel() // classes)


_BCE_EPS = float(np.float32(1e-12))  # PyTorch clamps with a float constant, in every dtype


class _BinaryCrossEntropy(Function):
    """loss = (t - 1) * max(log(1 - x), -100) - t * max(log(x), -100)   (times w).
    dL/dx = g * w * (x - t) / max(x (1 - x), 1e-12);   dL/dt = g * w * (log(1 - x) - log(x))."""

    node_name = "BinaryCrossEntropyBackward0"  # PyTorch's name

    @staticmethod
    def forward(ctx, x, t, w):
        a, b = x._data, t._data
        # log(0) = -inf, then clamped to -100
        loss = (b - 1) * np.maximum(np.log1p(-a), -100) - b * np.maximum(np.log(a), -100)
        if w is not None:
            loss = loss * w._data
        ctx.save_for_backward(x, t, w)
        return loss.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, t, w = ctx.saved_tensors
        scaled = grad if w is None else grad * w
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_x = scaled * (x - t) / ((1 - x) * x).clamp(min=_BCE_EPS)
        if ctx.needs_input_grad[1]:
            grad_t = scaled * ((-x).log1p() - x.log())
        return grad_x, grad_t, None


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
) -> Tensor:
    """Cross-entropy between probabilities `input` in [0, 1] and targets in [0, 1]."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input "
            f"size ({input.size()}) is deprecated. Please ensure they have the same "
            "size."
        )
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_dtype_word(target)} but expected {_dtype_word(input)}")
    # "not (0 <= x <= 1)" rather than "x < 0 or x > 1": NaN fails the check too, as in PyTorch.
    for name, t in (("input", input), ("target", target)):
        if not np.all((t._data >= 0) & (t._data <= 1)):
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    if weight is not None:
        weight = weight.expand(input.shape)
    # A weight of another dtype: compute in the common one, return the input's (PyTorch's).
    x, t, w = _promoted(input, target, weight)
    return _reduce(_BinaryCrossEntropy.apply(x, t, w), reduction)._cast(input.dtype)


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target) without overflow for any logit.

    loss = (1 - t) x - l * log_sigmoid(x), with l = 1 + (pos_weight - 1) t and
    log_sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)): exp never sees a positive argument.
    """
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.size()}) must be the same as input size ({input.size()})"
        )
    if target._data.dtype.kind in "iu":  # PyTorch computes in the target's dtype, and refuses
        raise RuntimeError(
            f"result type {_dtype_word(input)} can't be cast to the desired "
            f"output type {_dtype_word(target)}"
        )
    # Compute in the common dtype of all operands; the result takes the target's dtype, as
    # PyTorch's does (its kernel accumulates into 1 - target in place).
    result_dtype = target.dtype
    input, target, weight, pos_weight = _promoted(input, target, weight, pos_weight)
    # minimum splits the gradient at x = 0 evenly, which is exactly log_sigmoid's slope 1/2.
    log_sigmoid = input.minimum(input.new_zeros(())) - (-input.abs()).exp().log1p()
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input - log_sigmoid
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)._cast(result_dtype)
