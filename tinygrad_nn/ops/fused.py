"""Fused ops: one node where PyTorch records one, for layers whose composite costs a dozen.

| op        | forward                                  | dL/d inputs                             |
|-----------|------------------------------------------|-----------------------------------------|
| LayerNorm | (x - mean) * rsqrt(var + eps) * w + b    | the composite's chain: Mul, Rsqrt, Sub, |
|           | over the trailing `dims` (biased var)    | Var and Mean's gradients, in its order  |
| Attention | softmax(q k^T * scale [+ causal]) @ v    | the two bmm's and softmax's gradients   |

Each forward makes the NumPy calls the composite it replaces makes (mean, var, sub, rsqrt,
mul; bmm, mul, softmax, bmm), on arrays of the same layout, and each backward is that
composite's backward written out as the same Tensor ops in the same order: the outputs and
gradients are bit for bit those of the composite. What changes is the bookkeeping: one node
instead of 8 (layer norm) or 14 (attention), as PyTorch records them
(NativeLayerNormBackward0, ScaledDotProductFlashAttentionForCpuBackward0).

The backward reuses what the forward computed (the centred input and 1/std; the attention
weights). When the backward is itself recorded (`create_graph=True`) it recomputes them as
Tensor ops from the inputs instead, so that a second derivative sees how they depend on the
inputs; the values are the same.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function, wrap
from ..autograd.grad_mode import is_grad_enabled
from ._shape import unbroadcast
from .binary import _masked_fill
from .linalg import MatMul, _matmul
from .movement import Permute
from .reduce import _mean, _variance, expand_back
from .softmax import softmax_array, softmax_grad

_SWAP_LAST = (0, 1, 3, 2)  # k^T of a (batch, heads, S, E) key


class LayerNorm(Function):
    """y = (x - mean) * rsqrt(var + eps) * w + b, mean and biased var over `dims` (each
    sample's trailing dims). With xhat the normalised x, r = rsqrt(var + eps), n the count,
    h = g * w:   dL/db = sum g,   dL/dw = sum g * xhat,   dL/dx = h r
    + 2/n (x - mean) * dL/dvar + dL/dmean / n,  where dL/dvar = -r^3/2 sum h (x - mean) and
    dL/dmean = -sum h r (those two sums over `dims`; the others over the leading dims)."""

    node_name = "NativeLayerNormBackward0"
    number_edges = (1, 2)  # no weight or bias: an empty edge, as in PyTorch

    @staticmethod
    def forward(ctx, x, weight, bias, dims: tuple, eps: float):
        a = x._data
        mean = _mean(a, dims, True)
        var = np.asarray(_variance(a, dims, 0, True), dtype=a.dtype)
        centered = a - mean
        # eps = 0 and a constant row
        rstd = (1 / np.sqrt(var + eps)).astype(a.dtype, copy=False)
        xhat = centered * rstd
        out = xhat if weight is None else xhat * weight._data
        if bias is not None:  # into `out` where it is a new array: the same sum, no temporary
            out = out + bias._data if out is xhat else np.add(out, bias._data, out=out)
        ctx.dims, ctx.eps, ctx.count = dims, eps, math.prod(a.shape[d] for d in dims)
        ctx.save_for_backward(x, weight)
        # xhat is the output itself without weight and bias: kept only where dL/dw needs it
        ctx.save_values(parts=(centered, rstd, None if weight is None else xhat))
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        centered, rstd, xhat = _layer_norm_parts(ctx, x)
        needs = ctx.needs_input_grad
        grad_x = _layer_norm_grad_x(ctx, grad, x, weight, centered, rstd) if needs[0] else None
        grad_weight = unbroadcast(grad * xhat, weight.shape) if needs[1] else None
        grad_bias = unbroadcast(grad, x.shape[x.dim() - len(ctx.dims) :]) if needs[2] else None
        return grad_x, grad_weight, grad_bias, None, None


def _layer_norm_grad_x(ctx, grad, x, weight, centered, rstd):
    """dL/dx through the composite's nodes, each written as its own backward is: Mul by the
    weight, Mul(centered, rstd), Rsqrt, Sub (its x share first), Var, Mean; summed in the
    order the engine summed their shares."""
    h = grad if weight is None else grad * weight
    grad_centered = h * rstd
    grad_var = -0.5 * unbroadcast(h * centered, rstd.shape) * rstd.pow(3)
    n, dims = ctx.count, ctx.dims
    scale = 2 / n if n else float("inf")  # Var's factor 2 / (n - 0); 0 * inf = nan
    grad_x = grad_centered + scale * expand_back(grad_var, x.shape, dims) * centered
    grad_mean = unbroadcast(-grad_centered, rstd.shape)
    return grad_x + expand_back(grad_mean / n, x.shape, dims)


def _layer_norm_parts(ctx, x) -> tuple:
    """(x - mean, rsqrt(var + eps), xhat or None) for LayerNorm's backward: the forward's
    arrays, or Tensor ops on x when the backward is being recorded."""
    centered, rstd, xhat = ctx.parts
    if not (is_grad_enabled() and x.requires_grad):
        return wrap(centered), wrap(rstd), None if xhat is None else wrap(xhat)
    centered = x - x.mean(ctx.dims, keepdim=True)
    rstd = (x.var(ctx.dims, keepdim=True, correction=0) + ctx.eps).rsqrt()
    return centered, rstd, centered * rstd


class Attention(Function):
    """y = softmax(q k^T * scale) @ v over (batch, heads, L or S, E) inputs; `causal` hides
    key j from query i < j. With w the weights and gw = g @ v^T:   dL/dv = w^T @ g,
    ds = softmax'(gw) * scale (zero where hidden),   dL/dq = ds @ k,   dL/dk = ds^T @ q."""

    node_name = "ScaledDotProductFlashAttentionForCpuBackward0"

    @staticmethod
    def forward(ctx, q, k, v, scale: float, causal: bool):
        a, b, c = q._data, k._data, v._data
        size, length, source = a.shape[0] * a.shape[1], a.shape[2], b.shape[2]
        # Folded as matmul folds the batch dims, (batch * heads, L, E) @ (batch * heads, E, S),
        # and kept folded: the softmax along the last dim is the same on either shape.
        scores = _matmul(a.reshape(size, length, a.shape[-1]), _keys_folded(b, size))
        scores *= scale  # in place: the product the composite makes, without a temporary
        mask = np.triu(np.ones((length, source), dtype=bool), k=1) if causal else None
        if causal:
            scores = _masked_fill(scores, mask, float("-inf"))
        weights = softmax_array(scores, 2)
        out = _output_like(a)
        folded = out.reshape(size, length, a.shape[-1])
        if np.may_share_memory(folded, out):  # written in place: laid out like the query
            _matmul_into(weights, c.reshape(size, source, c.shape[-1]), folded)
        else:  # batch and heads are not neighbours in memory: the product, copied in
            out[...] = _matmul(weights, c.reshape(size, source, c.shape[-1])).reshape(a.shape)
        ctx.scale = scale
        ctx.save_for_backward(q, k, v)
        ctx.save_values(weights=weights, mask=None if mask is None else wrap(mask))
        return out

    @staticmethod
    def backward(ctx, grad):
        q, k, v = ctx.saved_tensors
        weights = _attention_weights(ctx, q, k)  # (batch * heads, L, S)
        g = grad.reshape(weights.shape[:2] + (v.shape[-1],))  # folded, as matmul did
        needs = ctx.needs_input_grad
        grad_v = grad_q = grad_k = None
        if needs[2]:
            grad_v = MatMul.apply(weights.swapaxes(-1, -2), g).reshape(v.shape)
        if needs[0] or needs[1]:
            grad_s = _grad_scores(ctx, g, v, weights)
            grad_q, grad_k = _grad_queries_keys(grad_s, q, k, needs)
        return _shared_inputs(ctx, grad_q, grad_k, grad_v) + (None, None)


def _output_like(query: np.ndarray) -> np.ndarray:
    """An empty output with the query's shape and its memory order, as PyTorch's kernel
    makes it: after `permute` back to (L, batch, heads, E) in attention, the output of a
    (L, batch, E) query is contiguous already and needs no copy."""
    return np.empty_like(query, order="K")


def _matmul_into(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """a @ b written into `out`: the same products (BLAS is told where each row goes)."""
    if a.dtype == np.float16:
        out[...] = _matmul(a, b)
    else:
        np.matmul(a, b, out=out)


def _grad_scores(ctx, g, v, weights):
    """dL/d(q k^T), (batch * heads, L, S): through the weights' bmm, the softmax, the causal
    mask and the scale, each as its own backward is written."""
    values = v.reshape(weights.shape[:1] + v.shape[2:])
    grad_s = softmax_grad(weights, MatMul.apply(g, values.swapaxes(-1, -2)), 2)
    if ctx.mask is not None:
        grad_s = grad_s.masked_fill(ctx.mask, 0.0)
    return grad_s * ctx.scale


def _grad_queries_keys(grad_s, q, k, needs) -> tuple:
    """dL/dq = ds @ k and dL/dk = (q^T @ ds)^T from ds = dL/d(q k^T): the bmm's backward,
    then matmul's reshapes and k's transpose undone."""
    size, source = grad_s.shape[0], grad_s.shape[-1]
    grad_q = grad_k = None
    if needs[0]:
        keys = Permute.apply(k, _SWAP_LAST).reshape(size, k.shape[-1], source)
        grad_q = MatMul.apply(grad_s, keys.swapaxes(-1, -2)).reshape(q.shape)
    if needs[1]:
        queries = q.reshape(size, q.shape[-2], q.shape[-1])
        grad_kt = MatMul.apply(queries.swapaxes(-1, -2), grad_s)
        grad_k = Permute.apply(grad_kt.reshape(k.shape[:2] + (k.shape[-1], source)), _SWAP_LAST)
    return grad_q, grad_k


def _keys_folded(b: np.ndarray, size: int) -> np.ndarray:
    """k^T as (batch * heads, E, S): the transpose, then matmul's reshape (a copy or a view,
    as NumPy decides: the same array the composite multiplied)."""
    return b.transpose(_SWAP_LAST).reshape(size, b.shape[-1], b.shape[-2])


def _attention_weights(ctx, q, k):
    """The attention weights, folded: the forward's, or recomputed as Tensor ops from q and
    k when the backward is being recorded (a second derivative needs their dependence)."""
    if not (is_grad_enabled() and (q.requires_grad or k.requires_grad)):
        return wrap(ctx.weights)
    size, source = q.shape[0] * q.shape[1], k.shape[-2]
    keys = Permute.apply(k, _SWAP_LAST).reshape(size, k.shape[-1], source)
    scores = MatMul.apply(q.reshape(size, q.shape[-2], q.shape[-1]), keys) * ctx.scale
    if ctx.mask is not None:
        scores = scores.masked_fill(ctx.mask, float("-inf"))
    return scores.softmax(2)


def _shared_inputs(ctx, grad_q, grad_k, grad_v) -> tuple:
    """The three gradients, as the engine should add them up. Where q, k and v are one
    tensor, the composite's nodes delivered v's share first, then q's, then k's: the sum is
    made here in that order (the engine would add them in edge order, q, k, v)."""
    edges = ctx.next_functions
    if len(edges) < 3 or edges[0][0] is None or not edges[0] == edges[1] == edges[2]:
        return grad_q, grad_k, grad_v
    if grad_q is None or grad_k is None or grad_v is None:
        return grad_q, grad_k, grad_v
    return (grad_v + grad_q) + grad_k, None, None
