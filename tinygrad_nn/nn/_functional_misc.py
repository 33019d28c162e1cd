"""bilinear, embedding_bag, cosine_similarity and pairwise_distance, composed from Tensor ops.

bilinear:           y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]
embedding_bag:      per bag of indices, the sum / mean / max of the embedding rows
                    (optionally weighted per index, in 'sum' mode)
cosine_similarity:  sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) along dim
pairwise_distance:  || x1 - x2 + eps ||_p along the last dim
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, where

_make = Tensor._make


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None):
    """x1^T W[o] x2 + b[o] for each output o, over the leading (batch) dims of x1 and x2."""
    if weight.dim() != 3:
        raise RuntimeError(
            f"bilinear(): weight must be 3-dimensional, but got {weight.dim()}-dimensional"
        )
    out_f, in1, in2 = weight.shape
    if input1.dim() != input2.dim():
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        raise RuntimeError(
            "bilinear(): input batch dimensions do not match: got "
            f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}"
        )
    if input1.shape[-1] != in1:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got "
            f"{input1.shape[-1]} but expected {in1}"
        )
    if input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got "
            f"{input2.shape[-1]} but expected {in2}"
        )
    # x1 W: one matmul against W laid out as (in1, out * in2), then a product with x2.
    left = input1.matmul(weight.permute(1, 0, 2).reshape(in1, out_f * in2))
    left = left.reshape(tuple(input1.shape[:-1]) + (out_f, in2))
    out = (left * input2.unsqueeze(-2)).sum(-1)
    return out if bias is None else out + bias


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between x1 and x2 along dim (after broadcasting them together)."""
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1._floating().expand(shape), x2._floating().expand(shape)
    return (x1 / _clamped_norm(x1, dim, eps) * (x2 / _clamped_norm(x2, dim, eps))).sum(dim)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """||x|| along dim, its value raised to eps; the clamp is not differentiated (PyTorch
    clamps the norm in place under no_grad), so the gradient is the plain norm's."""
    norm = x.norm(2, dim, keepdim=True)
    raised = norm.detach().clamp_min(eps) - norm.detach()
    return norm + raised


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """p-norm of x1 - x2 + eps along the last dim."""
    ndim = max(x1.dim(), x2.dim())
    diff = x1 - x2 + eps
    if ndim == 0:
        return diff.abs() if p != 0 else (diff != 0).to(diff.dtype)
    return diff.norm(p, ndim - 1, keepdim=keepdim)


# ---------------------------------------------------------------------- embedding_bag


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sum, mean or max of the embedding rows in each bag.

    A 2D input (B, L) is B bags of L indices; a 1D input is cut into bags at `offsets`
    (with `include_last_offset`, the last offset closes the last bag). Indices equal to
    `padding_idx` are left out (not counted by 'mean'); an empty bag gives zeros."""
    from .functional import embedding

    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({_size(per_sample_weights)}) is "
            f"not None, then it must have the same shape as the input "
            f"({_size(input)})"
        )
    if weight.dim() != 2:
        raise ValueError(
            f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}"
        )
    indices, starts, ends = _bags(input, offsets, include_last_offset)
    _check_mode(mode, scale_grad_by_freq, sparse, per_sample_weights)
    rows_total = weight.shape[0]
    if padding_idx is not None:
        if not -rows_total <= padding_idx < rows_total:
            raise AssertionError("padding_idx must be within num_embeddings")
        padding_idx %= rows_total
    rows = embedding(_make(indices), weight, None, max_norm, norm_type, scale_grad_by_freq)
    used = np.ones(indices.shape, bool) if padding_idx is None else indices != padding_idx
    bag_of, in_bag = _bag_of_position(indices.size, starts, ends)
    used &= in_bag
    if mode == "max":
        return _bag_max(rows, used, starts, ends, weight)
    scale = used.astype(np.float64)
    if mode == "mean":
        counts = np.bincount(bag_of[used], minlength=len(starts))
        scale = scale / np.maximum(counts, 1)[bag_of]
    weights = _make(scale.astype(weight._data.dtype)).unsqueeze(1)
    if per_sample_weights is not None:
        weights = weights * per_sample_weights.reshape(-1, 1)
    out = weight.new_zeros((len(starts), weight.shape[1]))
    return out.index_add(0, _make(bag_of), rows * weights) if indices.size else out


def _bag_of_position(n: int, starts: np.ndarray, ends: np.ndarray):
    """For each input position, its bag (0 if none) and whether it is in one at all."""
    positions = np.arange(n)
    bag_of = np.searchsorted(starts, positions, side="right") - 1  # empty bags share a start
    in_bag = bag_of >= 0
    bag_of = np.maximum(bag_of, 0)
    if len(starts):
        in_bag &= positions < ends[bag_of]
    else:
        in_bag[:] = False
    return bag_of.astype(np.int64), in_bag


def _size(t: Tensor) -> str:
    return f"torch.Size([{', '.join(map(str, t.shape))}])"


def _check_mode(mode, scale_grad_by_freq, sparse, per_sample_weights) -> None:
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub."
        )


def _bags(input: Tensor, offsets, include_last_offset: bool):
    """(flat indices, bag starts, bag ends) from a 2D input or a 1D input with offsets."""
    data = input._data
    if data.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the "
            "following scalar types: Long, Int; but got "
            f"{input.type()} instead (while checking arguments for "
            "embedding_bag)"
        )
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated "
                "is a mini-batch of fixed length sequences. However, found offsets "
                f"of type {type(offsets)}"
            )
        b, n = data.shape
        starts = np.arange(0, b * n, max(n, 1)) if n else np.zeros(b, np.int64)
        return data.reshape(-1), starts.astype(np.int64), starts.astype(np.int64) + n
    if input.dim() != 1:
        raise ValueError(
            f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}"
        )
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    cuts = offsets._data.astype(np.int64)
    if cuts.size and cuts[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
            f"has to start from position 0. However, got {cuts[0]}\n"
            f"[ {offsets.type()}{{}} ]"
        )
    if cuts.size and cuts[-1] > data.size:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {data.size} but "
            f"got offsets[-1] of {cuts[-1]}"
        )
    if include_last_offset:
        starts, ends = cuts[:-1], cuts[1:]
    else:
        starts, ends = cuts, np.append(cuts[1:], data.size)
    return data, starts, np.maximum(ends, starts)


def _bag_max(rows: Tensor, used: np.ndarray, starts, ends, weight: Tensor) -> Tensor:
    """Per bag and feature the largest row value (the first one on ties), 0 for an empty bag;
    the gradient goes to that one row only."""
    values = rows._data
    picks = np.zeros((len(starts), weight.shape[1]), np.int64)
    empty = np.ones(len(starts), bool)
    for b, (lo, hi) in enumerate(zip(starts, ends)):
        members = np.arange(lo, hi)[used[lo:hi]]
        if members.size:
            picks[b] = members[np.argmax(values[members], axis=0)]
            empty[b] = False
    if values.shape[0] == 0:
        return weight.new_zeros((len(starts), weight.shape[1]))
    gathered = rows.gather(0, _make(picks))
    return where(_make(empty[:, None]), 0.0, gathered).to(weight.dtype)
