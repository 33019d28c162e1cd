"""More loss functions: divergences, likelihoods, and the margin (ranking, embedding) losses.

Each computes a loss per element (or per sample), then reduces it as in `_functional_loss.py`.

    kl_div                       t (log t - x), or exp(t) (t - x) with log_target
    poisson_nll_loss             exp(x) - t x, or x - t log(x + eps); + Stirling's term if full
    gaussian_nll_loss            (log v + (x - t)^2 / v) / 2, v clamped at eps
    soft_margin_loss             log(1 + exp(-y x))
    multilabel_soft_margin_loss  mean over classes of -(t log s(x) + (1 - t) log s(-x))
    multi_margin_loss            sum over j != y of max(0, margin - x[y] + x[j])^p / C
    hinge_embedding_loss         x where y = 1, max(0, margin - x) where y = -1
    margin_ranking_loss          max(0, -y (x1 - x2) + margin)
    cosine_embedding_loss        1 - cos(x1, x2) where y = 1, max(0, cos - margin) where y = -1
    triplet_margin_loss          max(0, margin + d(a, p) - d(a, n)), d the p-norm distance

All are composites of Tensor ops, so double backward comes free. Mixed float32/float64
operands are cast to their common dtype first (`_promoted`), so a loss computes in float64
whenever one operand is float64.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..tensor import Tensor, where
from ._functional_loss import _dtype_word, _promoted, _reduce, _reduction

_make = Tensor._make


def _not_differentiable(fn: str, name: str, t) -> None:
    """PyTorch's refusal of a gradient it does not define (soft_margin's target, ...)."""
    if t is not None and t.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"The function '{fn}' is not differentiable with respect to "
            f"argument '{name}'. This input cannot have requires_grad True."
        )


def _log_sigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)): exp never overflows.

    minimum splits its gradient evenly at x = 0, which is exactly the slope 1/2 there.
    """
    return x.minimum(x.new_zeros(())) - (-x.abs()).exp().log1p()


def _xlogx(t: Tensor) -> Tensor:
    """t log t, with 0 at t = 0 (PyTorch's xlogy(t, t)); nan for t < 0."""
    return (t * t.log()).masked_fill(t == 0, 0.0)


# ---------------------------------------------------------------------- divergences, likelihoods

_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release."
)


def kl_div(
    input, target, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Kullback-Leibler divergence of `target` from exp(`input`) (input holds log-probabilities).

    loss = t (log t - x) per element (exp(t) (t - x) if log_target); 'batchmean' divides the
    sum by the batch size input.shape[0], which is the divergence per sample.
    """
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    else:
        if reduction == "mean":  # what most users mean is 'batchmean'
            warnings.warn(_KL_MEAN_WARNING, stacklevel=2)
        if reduction not in ("none", "mean", "sum", "batchmean"):
            raise ValueError(f"{reduction} is not a valid value for reduction")
    if input._data.dtype.kind in "iub" or target._data.dtype.kind in "iub":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    x, t = _promoted(input, target)
    loss = t.exp() * (t - x) if log_target else _xlogx(t) - t * x
    if reduction != "batchmean":
        return _reduce(loss, reduction)
    total = loss.sum()
    return total / input.shape[0] if input.dim() else total


def poisson_nll_loss(
    input,
    target,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of counts `target` under Poisson(rate), up to a constant.

    rate = exp(input) if log_input (loss = exp(x) - t x), else input (loss = x - t log(x + eps)).
    full adds Stirling's approximation of log(t!), t log t - t + log(2 pi t) / 2, for t > 1.
    """
    reduction = _reduction(size_average, reduce, reduction)
    x, t = _promoted(input, target)
    loss = x.exp() - t * x if log_input else x - t * (x + eps).log()
    if full:
        # Evaluated at t = 2 where it is dropped (t <= 1): log(0) there would turn the zero
        # gradient the mask gives t into nan (0 * -inf).
        small = t <= 1
        s = t.masked_fill(small, 2)
        stirling = s * s.log() - s + 0.5 * (2 * math.pi * s).log()
        loss = loss + stirling.masked_fill(small, 0)
    return _reduce(loss, reduction)


def _gaussian_var(input: Tensor, var) -> Tensor:
    """var as a tensor that broadcasts against input (PyTorch's shape rules and checks)."""
    if np.any(var._data < 0):
        raise ValueError("var has negative entry/entries")
    if var.shape == input.shape:
        return var
    if tuple(input.shape[:-1]) == tuple(var.shape):  # one variance per sample: (N, D) vs (N,)
        return var.unsqueeze(-1)
    # The same ndim, one dim of size 1 where input's differs: one variance shared along it.
    mismatched = [v for i, v in zip(input.shape, var.shape) if i != v]
    if input.dim() == var.dim() and sum(mismatched) == 1:
        return var
    raise ValueError("var is of incorrect size")


def gaussian_nll_loss(
    input, target, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood of `target` under Normal(input, var), up to a constant.

    loss = (log v + (x - t)^2 / v) / 2, + log(2 pi) / 2 if full, with v = max(var, eps).
    var may have input's shape, lack its last dim, or have size 1 where input's differs.
    """
    number = isinstance(var, (int, float)) and not isinstance(var, bool)
    if number and var < 0:
        raise ValueError("var has negative entry/entries")
    v = None if number else _gaussian_var(input, var)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    x, t, v = _promoted(input, target, v)
    if number:  # one variance for all, in the dtype the loss is computed in
        v = x.new_full(x.shape, float(var))
    # The clamp is applied in place without recording it, as PyTorch does: the gradient of
    # var then passes the clamp unchanged (slope 1, not 0 below eps).
    v = v.clone()
    with no_grad():
        v.clamp_(min=eps)
    loss = 0.5 * (v.log() + (x - t) ** 2 / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---------------------------------------------------------------------- two-class margins


def soft_margin_loss(
    input, target, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Logistic loss log(1 + exp(-y x)) for labels y = +-1; the result has input's dtype.

    Computed as max(v, 0) + log(1 + exp(-|v|)) with v = -y x, which is the same number
    wherever exp(v) does not overflow, and v (not inf) where it does.
    """
    reduction = _reduction(size_average, reduce, reduction)
    _not_differentiable("soft_margin_loss", "target", target)
    x, y = _promoted(input, target)
    v = -x * y
    loss = v.maximum(v.new_zeros(())) + (-v.abs()).exp().log1p()
    return _reduce(loss, reduction)._cast(input.dtype)


def multilabel_soft_margin_loss(
    input, target, weight=None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of sigmoid(input) against 0/1 targets, averaged over the classes
    (the last dim), optionally weighted per class: one loss per sample."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    if input.dim() == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    x, t, weight = _promoted(input, target, weight)
    loss = -(t * _log_sigmoid(x) + (1 - t) * _log_sigmoid(-x))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(x.dim() - 1) / x.shape[-1]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    return _reduce(loss, reduction)


def hinge_embedding_loss(
    input, target, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1 (input: distances; y: similar or not).

    PyTorch adds the two cases, so a label that is neither 1 nor -1 gets both terms.
    """
    reduction = _reduction(size_average, reduce, reduction)
    zero = input.new_zeros(())
    far = where(target != 1, (margin - input).clamp_min(0), zero)
    near = where(target != -1, input, zero)
    return _reduce(far + near, reduction)


def margin_ranking_loss(
    input1,
    input2,
    target,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -y (x1 - x2) + margin): x1 should rank above x2 by margin where y = 1."""
    reduction = _reduction(size_average, reduce, reduction)
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    x1, x2, y = _promoted(input1, input2, target)
    return _reduce((-y * (x1 - x2) + margin).clamp_min(0), reduction)


def multi_margin_loss(
    input,
    target,
    p: int = 1,
    margin: float = 1.0,
    weight=None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge: per sample, sum over classes j != y of
    w[y] * max(0, margin - x[y] + x[j])^p, divided by the class count C (x: (N, C) or (C,))."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    labels = _check_multi_margin(input, target, weight)
    _not_differentiable("multi_margin_loss", "weight", weight)
    rows = input.reshape(-1, max(input.numel(), 1)) if input.dim() < 2 else input
    classes = rows.shape[1]
    picked = rows.gather(1, _make(labels[:, None]))
    # relu, not clamp: a term exactly at the hinge gets no gradient, as in PyTorch's kernel.
    hinge = (margin - picked + rows).relu()
    hinge = hinge * hinge if p == 2 else hinge
    own = np.zeros(rows.shape, dtype=bool)
    own[np.arange(len(labels)), labels] = True  # the target's own class adds no term
    hinge = hinge.masked_fill(_make(own), 0.0)
    if weight is not None:
        hinge = hinge * _make(weight._data[labels][:, None])
    loss = hinge.sum(1) / classes
    return _reduce(loss.reshape(target.shape), reduction)


def _check_multi_margin(input: Tensor, target: Tensor, weight) -> np.ndarray:
    """PyTorch's checks for multi_margin_loss, in its order; returns the labels as a 1-D array."""
    ndim = input.dim()
    if not (ndim == 0 or (ndim == 1 and input.shape[0]) or (ndim == 2 and input.shape[1])):
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, "
            f"but got: {list(input.shape)}"
        )
    samples = input.shape[0] if ndim == 2 else 1
    classes = 1 if ndim == 0 else input.shape[-1]
    if target.dim() > 1 or target.numel() != samples:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{samples}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(
            f"inconsistent weight size, expected {classes} but got {list(weight.shape)}"
        )
    if input._data.dtype not in (np.float32, np.float64):
        raise NotImplementedError(
            f"\"multi_margin_loss_cpu_kernel\" not implemented for '{_dtype_word(input)}'"
        )
    for t in (target, weight):
        expected = "Long" if t is target else _dtype_word(input)
        if t is not None and _dtype_word(t) != expected:
            raise RuntimeError(f"expected scalar type {expected} but found {_dtype_word(t)}")
    labels = target._data.reshape(-1)
    if np.any((labels < 0) | (labels >= classes)):
        raise RuntimeError("target out of range")
    return labels


# ---------------------------------------------------------------------- embeddings


def cosine_embedding_loss(
    input1,
    input2,
    target,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1, 0 otherwise.

    cos = sum(x1 x2) / sqrt((sum(x1^2) + 1e-12) (sum(x2^2) + 1e-12)) over the last dim of
    (N, D) inputs with (N,) targets, or of (D,) inputs with a 0-d target.
    """
    reduction = _reduction(size_average, reduce, reduction)
    dim = target.dim()
    if dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != dim + 1 or input2.dim() != dim + 1:
        raise RuntimeError(
            f"{dim}D target tensor expects {dim + 1}D input tensors, but found inputs with "
            f"sizes {list(input1.shape)} and {list(input2.shape)}."
        )
    x1, x2 = _promoted(input1, input2)
    eps = 1e-12  # keeps a zero vector's cosine at 0 instead of 0 / 0
    dot = (x1 * x2).sum(dim)
    norms = ((x1 * x1).sum(dim) + eps) * ((x2 * x2).sum(dim) + eps)
    cos = dot / norms.sqrt()
    zero = cos.new_zeros(())
    similar = where(target == 1, 1 - cos, zero)
    dissimilar = where(target == -1, (cos - margin).clamp_min(0), zero)
    return _reduce(similar + dissimilar, reduction)


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (eps keeps the norm's gradient finite at x1 = x2)."""
    return (x1 - x2 + eps).norm(p, dim=-1)


def _check_triplet(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float) -> None:
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = anchor.dim(), positive.dim(), negative.dim()
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative "
            f"{dims[2]}D inputs"
        )


def _triplet(d_pos: Tensor, d_neg: Tensor, d_swap, margin: float, reduction: str) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)); with swap, d(a, n) is min(d(a, n), d(p, n))."""
    if d_swap is not None:
        d_neg = d_neg.minimum(d_swap)
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)), d the p-norm distance over the last dim: the anchor
    should be nearer its positive than its negative by margin."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_triplet(anchor, positive, negative, margin)
    a, pos, neg = _promoted(anchor, positive, negative)
    d_swap = _pairwise_distance(pos, neg, p, eps) if swap else None
    return _triplet(
        _pairwise_distance(a, pos, p, eps),
        _pairwise_distance(a, neg, p, eps),
        d_swap,
        margin,
        reduction,
    )


def triplet_margin_with_distance_loss(
    anchor,
    positive,
    negative,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """triplet_margin_loss with any distance d(x1, x2) -> per-sample tensor (default: the
    Euclidean pairwise distance)."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    _check_triplet(anchor, positive, negative, margin)
    anchor, positive, negative = _promoted(anchor, positive, negative)
    distance = distance_function if distance_function is not None else _pairwise_distance
    d_swap = distance(positive, negative) if swap else None
    return _triplet(
        distance(anchor, positive), distance(anchor, negative), d_swap, margin, reduction
    )
