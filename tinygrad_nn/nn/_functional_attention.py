"""Attention: every query scores every key, and the output mixes the values by those scores.

    scores  = q @ k^T * scale + mask         (scale = 1 / sqrt(head_dim) unless given)
    weights = softmax(scores, dim=-1)        (each row sums to 1: how much each key counts)
    output  = dropout(weights) @ v

A mask either adds to the scores (float; -inf removes a key) or selects keys (bool; True
means "may attend"). Multi-head attention projects q, k and v with learned weights, splits
the embedding into `num_heads` slices, attends in each slice independently, then joins the
slices and projects once more. Everything here is a composite of Tensor ops (matmul,
softmax, masked_fill, dropout, linear), so gradients of any order come for free; where
PyTorch runs its fused CPU kernel (4-d inputs, no mask tensor, no dropout), attention is one
node instead, `ops/fused.py`'s Attention, which computes that composite's numbers.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import dtypes
from ..creation import full, zeros
from ..functions import cat
from ..ops import fused
from ..tensor import Tensor
from ._functional_loss import _dtype_word

_NEG_INF = float("-inf")


def _dtype_name(t: Tensor) -> str:
    """The lowercase C++ type name PyTorch prints in SDPA's messages (float, double, ...)."""
    name = _dtype_word(t)
    return "c10::Half" if name == "Half" else name.lower()


def _check_sdpa_inputs(query, key, value, attn_mask, dropout_p, is_causal) -> None:
    """PyTorch's argument checks, in its order and with its exception classes."""
    if not isinstance(is_causal, bool):
        raise TypeError(
            "scaled_dot_product_attention(): argument 'is_causal' must be bool, "
            f"not {type(is_causal).__name__}"
        )
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got "
            f"query.dtype: {_dtype_name(query)} key.dtype: {_dtype_name(key)} "
            f"and value.dtype: {_dtype_name(value)} instead."
        )
    if min(query.dim(), key.dim(), value.dim()) < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, "
            f"but got query.dim: {query.dim()} key.dim: {key.dim()} and "
            f"value.dim: {value.dim()} instead."
        )
    if attn_mask is not None and attn_mask.dtype not in (dtypes.bool, dtypes.float32, query.dtype):
        raise RuntimeError(
            "Expected attn_mask dtype to be bool or float or to match query "
            f"dtype, but got attn_mask.dtype: {_dtype_name(attn_mask)} and  "
            f"query.dtype: {_dtype_name(query)} instead."
        )
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be "
            "set when is_causal=True"
        )
    if not query.is_floating_point():
        raise RuntimeError(f"expected scalar type Float but found {_dtype_word(query)}")
    if dropout_p > 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def _check_bmm_sizes(query: Tensor, key: Tensor, value: Tensor) -> None:
    """The two batched matmuls' size checks, worded as PyTorch's bmm words them."""
    try:
        batch = math.prod(np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2]))
    except ValueError:  # batch dims that do not broadcast: matmul raises PyTorch's error
        return
    for got, want in ((key.shape[-1], query.shape[-1]), (value.shape[-2], key.shape[-2])):
        if got != want:
            raise RuntimeError(
                "Expected size for first two dimensions of batch2 tensor to be: "
                f"[{batch}, {want}] but got: [{batch}, {got}]."
            )


def _repeat_heads(x: Tensor, heads: int) -> Tensor:
    """Repeat each head of x (..., H, S, E) `heads // H` times, copies side by side (as
    `repeat_interleave(heads // H, dim=-3)`), so query head i uses key head i // (heads // H)."""
    if x.dim() < 3:
        raise IndexError(
            "Dimension out of range (expected to be in range of "
            f"[{-x.dim()}, {x.dim() - 1}], but got -3)"
        )
    groups = x.shape[-3]
    if heads % groups:
        raise RuntimeError(
            "Number of heads in key and value must divide the number of heads "
            f"in query, but got {heads} query heads and {groups}."
        )
    if groups == heads:
        return x
    lead, (s, e) = x.shape[:-3], x.shape[-2:]
    wide = x.unsqueeze(-3).expand(*lead, groups, heads // groups, s, e)
    return wide.reshape(*lead, heads, s, e)


def _flash_shapes(query: Tensor, key: Tensor, value: Tensor) -> bool:
    """Whether PyTorch would run its fused CPU kernel on these: (batch, heads, len, E) inputs
    alike but for the lengths, float32 or float64, no empty length, unit last stride."""
    a, b, c = query._data, key._data, value._data
    if not (a.ndim == b.ndim == c.ndim == 4 and a.dtype == b.dtype == c.dtype):
        return False
    if a.dtype not in (np.float32, np.float64) or 0 in a.shape or 0 in b.shape:
        return False
    if not (a.shape[:2] == b.shape[:2] == c.shape[:2] and a.shape[3] == b.shape[3] == c.shape[3]):
        return False
    return all(x.strides[3] == x.itemsize or x.shape[3] == 1 for x in (a, b, c))


def _safe_softmax(scores: Tensor) -> Tensor:
    """softmax over the last dim, but a row whose every score is -inf gives zeros, not NaN.

    PyTorch's SDPA does the same: a query that may attend to nothing gets a zero output (and a
    zero gradient). Such rows are set to 0 before the softmax, so no NaN enters the graph. All
    Tensor ops, no peeking at the values: the same code runs whatever the mask holds.
    """
    empty = (scores == _NEG_INF).all(-1, keepdim=True)
    return scores.masked_fill(empty, 0.0).softmax(-1).masked_fill(empty, 0.0)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    *,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(q k^T * scale + mask) v. Same semantics as PyTorch's.

    Shape:
        query (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev); the leading dims
        broadcast. attn_mask broadcasts to (*, L, S): bool (True = attend) or float (added).
        `is_causal` lets query i see keys 0..i only; `enable_gqa` repeats the key/value heads
        (dim -3) to match the query's.
    """
    _check_sdpa_inputs(query, key, value, attn_mask, dropout_p, is_causal)
    if enable_gqa:
        key, value = _repeat_heads(key, query.size(-3)), _repeat_heads(value, query.size(-3))
    _check_bmm_sizes(query, key, value)
    factor = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    if (
        attn_mask is None
        and not dropout_p > 0.0
        and isinstance(factor, (int, float))
        and _flash_shapes(query, key, value)
    ):
        # One node, as PyTorch's flash kernel records it; the numbers are the composite's
        # (a NumPy float scale is a Python float there too: Tensor * number).
        return fused.Attention.apply(query, key, value, float(factor), is_causal)
    scores = query.matmul(key.transpose(-2, -1)) * factor
    if is_causal:
        future = np.triu(np.ones((query.size(-2), key.size(-2)), dtype=bool), k=1)
        scores = scores.masked_fill(Tensor._make(future), _NEG_INF)
    if attn_mask is not None and attn_mask.dtype == dtypes.bool:
        scores = scores.masked_fill(attn_mask.logical_not(), _NEG_INF)
    elif attn_mask is not None:
        scores = scores + attn_mask
    # only a mask can remove every key of a query (a causal one always leaves key 0)
    weights = scores.softmax(-1) if attn_mask is None else _safe_softmax(scores)
    if dropout_p > 0.0:
        from . import functional as F  # functional imports this module: import when called

        weights = F.dropout(weights, dropout_p, training=True)
    return weights.matmul(value)


# ---------------------------------------------------------------------- masks


def _none_or_dtype(input: Tensor | None):
    """The mask's dtype, or None without a mask."""
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(
    mask: Tensor | None,
    mask_name: str,
    other_type,
    other_name: str,
    target_type,
    check_other: bool = True,
) -> Tensor | None:
    """A bool mask (True = masked out) becomes a float mask of 0 and -inf; float passes."""
    if mask is None:
        return None
    if mask.dtype != dtypes.bool and not mask.is_floating_point():
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(
            f"Support for mismatched {mask_name} and {other_name} is deprecated. "
            "Use same type for both instead.",
            stacklevel=3,
        )
    if mask.is_floating_point():
        return mask
    return zeros(mask.shape, dtype=target_type).masked_fill(mask, _NEG_INF)


def _generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """(sz, sz) float mask: 0 on and below the diagonal, -inf above (no peeking ahead)."""
    return full((sz, sz), _NEG_INF, dtype=dtype, device=device).triu(diagonal=1)


# ---------------------------------------------------------------------- multi-head attention


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    """True for batched (3-D) input, False for unbatched (2-D); PyTorch's AssertionErrors."""
    if query.dim() not in (2, 3):
        raise AssertionError(
            "query should be unbatched 2D or batched 3D tensor but received "
            f"{query.dim()}-D query tensor"
        )
    batched = query.dim() == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.dim() != query.dim() or value.dim() != query.dim():
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be "
            f"{query.dim()}-D but found {key.dim()}-D and {value.dim()}-D "
            "tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.dim() != query.dim() - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` "
            f"or {query.dim() - 1}-D but found {key_padding_mask.dim()}-D "
            "tensor instead"
        )
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(
            f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or "
            f"3-D but found {attn_mask.dim()}-D tensor instead"
        )
    if not batched and attn_mask is not None and attn_mask.dim() == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(
                f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
            )
    return batched


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate) -> tuple:
    """q, k, v = x W_i^T + b_i for i = q, k, v (one matmul when the inputs are one tensor)."""
    from . import functional as F  # functional imports this module: import when called

    e = query.size(-1)
    if separate is not None:  # kdim/vdim differ from embed_dim: three weight matrices
        biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        return tuple(F.linear(x, w, b) for x, w, b in zip((query, key, value), separate, biases))
    if in_proj_weight is None:
        raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
    if key is value:  # project what is shared once, then split it as PyTorch does
        shared = 3 if query is key else 2
        w_q, w_kv = in_proj_weight.split([e, 2 * e])
        b_q, b_kv = (None, None) if in_proj_bias is None else in_proj_bias.split([e, 2 * e])
        if shared == 3:
            projections = F.linear(query, in_proj_weight, in_proj_bias)
        else:
            q = F.linear(query, w_q, b_q)
            projections = F.linear(key, w_kv, b_kv)
        # (..., shared * E) -> (shared, ..., E), copied once so that each part is contiguous
        parts = projections.unflatten(-1, (shared, e)).unsqueeze(0).transpose(0, -2)
        parts = parts.squeeze(-2).contiguous()
        return (parts[0], parts[1], parts[2]) if shared == 3 else (q, parts[0], parts[1])
    weights = in_proj_weight.chunk(3)
    biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
    return tuple(F.linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))


def _check_attn_mask(attn_mask: Tensor, shape2d: tuple, shape3d: tuple) -> Tensor:
    """A 2-D (L, S) mask gains a leading 1; a 3-D mask must be (N * heads, L, S)."""
    if attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != shape2d:
            raise RuntimeError(
                f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be {shape2d}."
            )
        return attn_mask.unsqueeze(0)
    if attn_mask.dim() == 3:
        if tuple(attn_mask.shape) != shape3d:
            raise RuntimeError(
                f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be {shape3d}."
            )
        return attn_mask
    raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")


def _append_key(k, v, masks, new_k, new_v, dim: int) -> tuple:
    """One more key/value (bias_kv or zeros) at the end; every mask gains a column of 0."""
    from . import functional as F  # functional imports this module: import when called

    masks = [None if m is None else F.pad(m, (0, 1)) for m in masks]
    return cat([k, new_k], dim), cat([v, new_v], dim), masks


def _merge_padding(attn_mask, key_padding_mask, bsz: int, num_heads: int, src_len: int):
    """Add the (N, S) key padding mask, repeated for every head, to the attention mask."""
    if key_padding_mask is None:
        return attn_mask
    for dim, want in ((0, bsz), (1, src_len)):
        if key_padding_mask.shape[dim] != want:
            raise AssertionError(
                f"Expected key_padded_mask.shape[{dim}] to be {want}, but got "
                f"{key_padding_mask.shape[dim]}"
            )
    padding = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
    padding = padding.reshape(bsz * num_heads, 1, src_len)
    return padding if attn_mask is None else attn_mask + padding


def _attend_with_weights(q, k, v, attn_mask, dropout_p):
    """The explicit path (weights are returned): softmax(q k^T / sqrt(d) + mask) v."""
    from . import functional as F  # functional imports this module: import when called

    scores = (q * math.sqrt(1.0 / q.size(-1))).bmm(k.transpose(-2, -1))
    if attn_mask is not None:
        scores = attn_mask + scores
    weights = scores.softmax(-1)  # a fully masked row gives NaN here, as in PyTorch
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p)
    return weights.bmm(v), weights


def _resolve_causal(is_causal, attn_mask, key_padding_mask, need_weights, dtype):
    """PyTorch's rule: `is_causal` is a hint that attn_mask is causal; SDPA may use it."""
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the "
            "Transformer module method `generate_square_subsequent_mask` to "
            "create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        return None, True
    attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", dtype, check_other=False)
    return attn_mask, is_causal and key_padding_mask is None


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on (L, N, E) inputs (or unbatched (L, E)). Same semantics as
    PyTorch's `F.multi_head_attention_forward` (`static_k`/`static_v` are not supported).

    Returns `(output (L, N, E), weights)`: weights (N, L, S) averaged over heads, (N, heads,
    L, S) with `average_attn_weights=False`, None with `need_weights=False`.
    """
    from . import functional as F  # functional imports this module: import when called

    if static_k is not None or static_v is not None:
        raise NotImplementedError("static_k and static_v are not supported by tinygrad_nn")
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:  # a batch of one, squeezed again at the end
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        key_padding_mask = None if key_padding_mask is None else key_padding_mask.unsqueeze(0)
    tgt_len, bsz, _ = query.shape
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", _none_or_dtype(attn_mask), "attn_mask", query.dtype
    )
    attn_mask, is_causal = _resolve_causal(
        is_causal, attn_mask, key_padding_mask, need_weights, query.dtype
    )
    _check_embed_dims(query, key, value, embed_dim_to_check, num_heads, use_separate_proj_weight)
    separate = (q_proj_weight, k_proj_weight, v_proj_weight) if use_separate_proj_weight else None
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, separate)
    if attn_mask is not None:
        attn_mask = _check_attn_mask(
            attn_mask, (tgt_len, key.shape[0]), (bsz * num_heads, tgt_len, key.shape[0])
        )
    q, k, v, attn_mask = _split_heads(
        q, k, v, [attn_mask, key_padding_mask], bias_k, bias_v, add_zero_attn, num_heads
    )
    dropout_p = dropout_p if training else 0.0
    out, weights = _attend_heads(q, k, v, attn_mask, dropout_p, is_causal, need_weights, bsz)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    out = F.linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights


def _check_embed_dims(query, key, value, embed_dim_to_check, num_heads, separate) -> None:
    """PyTorch's checks of E (against the layer's, and divisible by heads) and of key vs value."""
    embed_dim = query.shape[-1]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if separate and key.shape[:2] != value.shape[:2]:
        raise AssertionError(
            f"key's sequence and batch dims {key.shape[:2]} do not match value's {value.shape[:2]}"
        )
    if not separate and key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")


def _split_heads(q, k, v, masks, bias_k, bias_v, add_zero_attn: bool, num_heads: int):
    """(L, N, E) projections -> (N * heads, L, E / heads), with the optional extra keys, and
    the attention and padding masks merged into one float mask (or None)."""
    bsz = q.shape[1]
    if (bias_k is None) != (bias_v is None):
        raise AssertionError(
            f"bias_{'k' if bias_v is None else 'v'} is set but "
            f"bias_{'v' if bias_v is None else 'k'} is None"
        )
    if bias_k is not None:  # one learned key/value every query can attend to
        k, v, masks = _append_key(
            k, v, masks, bias_k.repeat(1, bsz, 1), bias_v.repeat(1, bsz, 1), 0
        )
    head_dim = q.shape[2] // num_heads
    q, k, v = (x.reshape(x.shape[0], bsz * num_heads, head_dim).transpose(0, 1) for x in (q, k, v))
    if add_zero_attn:  # one all-zero key/value: a place to put attention that fits nowhere
        zero = zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype)
        k, v, masks = _append_key(k, v, masks, zero, zero, 1)
    return q, k, v, _merge_padding(masks[0], masks[1], bsz, num_heads, k.size(1))


def _attend_heads(q, k, v, attn_mask, dropout_p, is_causal, need_weights, bsz: int):
    """Attention in every head at once: q (N * heads, L, d), k and v (N * heads, S, d).

    Returns the heads joined again, (L * N, heads * d), and with `need_weights` the weights
    (N, heads, L, S); without, SDPA does the work (and may use the `is_causal` hint).
    """
    heads, (tgt_len, head_dim), src_len = q.shape[0] // bsz, q.shape[1:], k.shape[1]
    if need_weights:
        out, weights = _attend_with_weights(q, k, v, attn_mask, dropout_p)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, heads * head_dim)
        return out, weights.reshape(bsz, heads, tgt_len, src_len)
    if attn_mask is not None:  # (1 or N * heads, L, S) -> (1 or N, heads, L, S)
        shared = attn_mask.size(0) == 1
        attn_mask = attn_mask.unsqueeze(0) if shared else attn_mask.reshape(bsz, heads, -1, src_len)
    q, k, v = (x.view(bsz, heads, x.shape[1], head_dim) for x in (q, k, v))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    return out.permute(2, 0, 1, 3).contiguous().view(bsz * tgt_len, heads * head_dim), None
