"""F.scaled_dot_product_attention and nn.MultiheadAttention against PyTorch: outputs, weights,
every input and parameter gradient (float32 and float64), init, state_dict keys and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.attention_twins import lib_tensor, run_twins, same_init
from tests.nn.twins import assert_close_scaled
from tinygrad_nn.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]
L, S, N, E, HEADS = 4, 5, 3, 8, 2


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------- SDPA


def _bool_mask(shape, seed=1, full_row=False):
    m = _rng(seed).random(shape) > 0.3
    m[..., 0] = True  # every query keeps one key, unless a full row is asked for
    if full_row:
        m[..., 1, :] = False
    return m


SDPA_CASES = [
    ("plain", (2, 3, L, 8), (2, 3, S, 8), (2, 3, S, 6), {}),
    ("causal", (2, 3, L, 8), (2, 3, S, 8), (2, 3, S, 6), {"is_causal": True}),
    ("causal_square", (2, L, 8), (2, L, 8), (2, L, 8), {"is_causal": True}),
    ("scale", (2, 3, L, 8), (2, 3, S, 8), (2, 3, S, 6), {"scale": 0.3}),
    ("bool_mask", (2, 3, L, 8), (2, 3, S, 8), (2, 3, S, 6), {"attn_mask": ("bool", (L, S))}),
    (
        "bool_mask_full_row",
        (2, 3, L, 8),
        (2, 3, S, 8),
        (2, 3, S, 6),
        {"attn_mask": ("bool_full", (2, 1, L, S))},
    ),
    ("float_mask", (2, 3, L, 8), (2, 3, S, 8), (2, 3, S, 6), {"attn_mask": ("float", (3, L, S))}),
    ("unbatched", (L, 8), (S, 8), (S, 6), {}),
    ("five_dims", (2, 2, 3, L, 4), (2, 2, 3, S, 4), (2, 2, 3, S, 5), {"is_causal": True}),
    ("broadcast_batch", (2, 3, L, 8), (1, 3, S, 8), (2, 1, S, 6), {}),
    ("gqa", (2, 4, L, 8), (2, 2, S, 8), (2, 1, S, 6), {"enable_gqa": True}),
]


def _sdpa_kwargs(lib, kwargs, dtype):
    """The case's keyword arguments, with its mask spec turned into `lib`'s tensor."""
    kwargs = dict(kwargs)
    if "attn_mask" in kwargs:
        kind, shape = kwargs["attn_mask"]
        if kind == "float":
            mask = _rng(2).standard_normal(shape)
        else:
            mask = _bool_mask(shape, full_row=kind == "bool_full")
        kwargs["attn_mask"] = lib_tensor(lib, mask, dtype)
    return kwargs


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("case", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_sdpa_matches_torch_with_gradients(case, dtype):
    _, *shapes, kwargs = case
    arrays = [_rng(i).standard_normal(s) for i, s in enumerate(shapes)]
    ours = [lib_tensor(tg, a, dtype, True) for a in arrays]
    theirs = [lib_tensor(torch, a, dtype, True) for a in arrays]
    out = tg.nn.functional.scaled_dot_product_attention(*ours, **_sdpa_kwargs(tg, kwargs, dtype))
    ref = torch.nn.functional.scaled_dot_product_attention(
        *theirs, **_sdpa_kwargs(torch, kwargs, dtype)
    )
    assert out.dtype == (tg.float64 if dtype == np.float64 else tg.float32)
    assert_close_scaled(out.detach().numpy(), ref.detach().numpy(), "output")
    g = _rng(9).standard_normal(tuple(ref.shape)).astype(dtype)
    (out * tg.from_numpy(g)).sum().backward()
    (ref * torch.from_numpy(g)).sum().backward()
    for name, a, b in zip("qkv", ours, theirs):
        assert_close_scaled(a.grad.numpy(), b.grad.numpy(), f"{name}.grad")


def test_sdpa_float_mask_gets_a_gradient_like_torch():
    q, k, v, m = (
        _rng(i).standard_normal(s) for i, s in enumerate([(2, L, 8), (2, S, 8), (2, S, 8), (L, S)])
    )
    ours = [lib_tensor(tg, a, np.float64, True) for a in (q, k, v, m)]
    theirs = [lib_tensor(torch, a, np.float64, True) for a in (q, k, v, m)]
    (tg.nn.functional.scaled_dot_product_attention(*ours) ** 2).sum().backward()
    (torch.nn.functional.scaled_dot_product_attention(*theirs) ** 2).sum().backward()
    assert_close_scaled(ours[3].grad.numpy(), theirs[3].grad.numpy(), "mask.grad")


def test_sdpa_fully_masked_query_gives_zeros_and_zero_gradient():
    q, k, v = (tg.randn(2, L, 4, dtype=tg.float64, requires_grad=True) for _ in range(3))
    mask = tg.ones(L, L, dtype=tg.bool)
    mask[1] = False  # query 1 may attend to nothing
    out = tg.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert (out[:, 1] == 0).all() and not out.isnan().any()
    out.square().sum().backward()
    assert (q.grad[:, 1] == 0).all() and not q.grad.isnan().any()


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"is_causal": True}, {"mask": "bool"}, {"mask": "float"}, {"scale": 0.7}, {"gqa": True}],
    ids=str,
)
def test_sdpa_gradcheck_and_gradgradcheck(kwargs):
    kwargs = dict(kwargs)
    heads_kv = 1 if kwargs.pop("gqa", False) else 2
    q = tg.randn(1, 2, 3, 4, dtype=tg.float64, requires_grad=True)
    k = tg.randn(1, heads_kv, 4, 4, dtype=tg.float64, requires_grad=True)
    v = tg.randn(1, heads_kv, 4, 3, dtype=tg.float64, requires_grad=True)
    mask = kwargs.pop("mask", None)
    if mask == "bool":
        kwargs["attn_mask"] = tg.from_numpy(_bool_mask((3, 4)))
    elif mask == "float":
        kwargs["attn_mask"] = tg.randn(3, 4, dtype=tg.float64)
    kwargs["enable_gqa"] = heads_kv == 1

    def fn(q, k, v):
        return tg.nn.functional.scaled_dot_product_attention(q, k, v, **kwargs)

    assert gradcheck(fn, (q, k, v)) and gradgradcheck(fn, (q, k, v))


def test_sdpa_dropout_draws_the_same_noise_as_torch():
    q, k, v = (_rng(i).standard_normal((2, 2, L, 8)).astype(np.float32) for i in range(3))
    tg.manual_seed(5)
    out = tg.nn.functional.scaled_dot_product_attention(
        *map(tg.from_numpy, (q, k, v)), dropout_p=0.4
    )
    torch.manual_seed(5)
    ref = torch.nn.functional.scaled_dot_product_attention(
        *map(torch.from_numpy, (q, k, v)), dropout_p=0.4
    )
    assert_close_scaled(out.numpy(), ref.numpy(), "dropout output")


def _sdpa_error_cases(lib):
    f32 = lib.zeros
    q, k, v = f32(2, 3, L, 8), f32(2, 3, S, 8), f32(2, 3, S, 6)
    return [
        ((q, k.double(), v), {}),
        ((f32(8), k, v), {}),
        ((q, f32(2, 3, S, 7), v), {}),
        ((q, k, f32(2, 3, L, 6)), {}),
        ((q, k, v), {"attn_mask": lib.zeros(L, S, dtype=lib.int32)}),
        ((q, k, v), {"attn_mask": lib.zeros(L, S, dtype=lib.float64)}),
        ((q, k, v), {"attn_mask": lib.ones(L, S, dtype=lib.bool), "is_causal": True}),
        ((q, k, v), {"dropout_p": 1.5}),
        ((q, k, v), {"is_causal": 1}),
        ((lib.zeros(2, 4, L, 8), f32(2, 3, S, 8), f32(2, 3, S, 6)), {"enable_gqa": True}),
        ((f32(L, 8), f32(S, 8), f32(S, 6)), {"enable_gqa": True}),
        ((q, k, v, None, 0.0, False, 0.5), {}),
    ]


@pytest.mark.parametrize("index", range(len(_sdpa_error_cases(torch))))
def test_sdpa_errors_match_torch(index):
    args, kwargs = _sdpa_error_cases(torch)[index]
    with pytest.raises(Exception) as theirs:
        torch.nn.functional.scaled_dot_product_attention(*args, **kwargs)
    args, kwargs = _sdpa_error_cases(tg)[index]
    with pytest.raises(Exception) as ours:
        tg.nn.functional.scaled_dot_product_attention(*args, **kwargs)
    assert type(ours.value) is type(theirs.value)
    # PyTorch's gqa message is cut short; compare what it says
    assert str(ours.value).startswith(str(theirs.value)), (str(ours.value), str(theirs.value))


# ---------------------------------------------------------------------- MultiheadAttention


def _mha(**kwargs):
    return lambda lib: lib.nn.MultiheadAttention(E, HEADS, **kwargs)


def _self(layer, x, **kw):
    return layer(x, x, x, **kw)


def _cross(layer, x, mem, **kw):
    return layer(x, mem, mem, **kw)


_X, _MEM = _rng(3).standard_normal((L, N, E)), _rng(4).standard_normal((S, N, E))
_KPM = _bool_mask((N, S), seed=5) == 0  # True = padding (never the first key)
_AM = _bool_mask((L, S), seed=6) == 0  # True = not allowed
_CAUSAL = np.triu(np.full((L, L), -np.inf), 1)

MHA_CASES = [
    ("self", _mha(), [_X], _self, {}),
    ("cross", _mha(), [_X, _MEM], _cross, {}),
    ("qkv_distinct", _mha(), [_X, _MEM, _MEM * 2], None, {}),
    ("kdim_vdim", _mha(kdim=6, vdim=7), [_X, _MEM[..., :6], _MEM[..., :7]], None, {}),
    ("no_bias", _mha(bias=False), [_X, _MEM], _cross, {}),
    ("batch_first", _mha(batch_first=True), [_X], _self, {}),
    (
        "batch_first_cross",
        _mha(batch_first=True),
        [_X.swapaxes(0, 1), _MEM.swapaxes(0, 1)],
        _cross,
        {"key_padding_mask": _KPM},
    ),
    ("key_padding_bool", _mha(), [_X, _MEM], _cross, {"key_padding_mask": _KPM}),
    ("key_padding_float", _mha(), [_X, _MEM], _cross, {"key_padding_mask": -3.0 * _KPM}),
    ("attn_mask_bool", _mha(), [_X, _MEM], _cross, {"attn_mask": _AM}),
    (
        "attn_mask_float_3d",
        _mha(),
        [_X, _MEM],
        _cross,
        {"attn_mask": _rng(7).standard_normal((N * HEADS, L, S))},
    ),
    ("both_masks", _mha(), [_X, _MEM], _cross, {"attn_mask": _AM, "key_padding_mask": _KPM}),
    (
        "no_weights",
        _mha(),
        [_X, _MEM],
        _cross,
        {"need_weights": False, "attn_mask": _AM, "key_padding_mask": _KPM},
    ),
    (
        "no_weights_3d_mask",
        _mha(),
        [_X, _MEM],
        _cross,
        {"need_weights": False, "attn_mask": _rng(7).standard_normal((N * HEADS, L, S))},
    ),
    ("per_head_weights", _mha(), [_X, _MEM], _cross, {"average_attn_weights": False}),
    (
        "bias_kv",
        _mha(add_bias_kv=True),
        [_X, _MEM],
        _cross,
        {"attn_mask": _AM, "key_padding_mask": _KPM},
    ),
    ("zero_attn", _mha(add_zero_attn=True), [_X, _MEM], _cross, {"key_padding_mask": _KPM}),
    (
        "bias_kv_zero_attn_no_weights",
        _mha(add_bias_kv=True, add_zero_attn=True),
        [_X, _MEM],
        _cross,
        {"attn_mask": _AM, "need_weights": False},
    ),
    ("unbatched", _mha(), [_X[:, 0], _MEM[:, 0]], _cross, {"key_padding_mask": _KPM[0]}),
    (
        "unbatched_3d_mask",
        _mha(batch_first=True),
        [_X[:, 0], _MEM[:, 0]],
        _cross,
        {"attn_mask": _AM[None].repeat(HEADS, 0), "need_weights": False},
    ),
    (
        "causal_hint",
        _mha(),
        [_X],
        _self,
        {"attn_mask": _CAUSAL, "is_causal": True, "need_weights": False},
    ),
    ("causal_hint_with_weights", _mha(), [_X], _self, {"attn_mask": _CAUSAL, "is_causal": True}),
    (
        "causal_hint_with_padding",
        _mha(),
        [_X],
        _self,
        {
            "attn_mask": _CAUSAL,
            "is_causal": True,
            "need_weights": False,
            "key_padding_mask": _KPM[:, :L],
        },
    ),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("case", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_matches_torch(case, dtype):
    _, build, inputs, call, masks = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mixed bool/float masks warn on both sides
        ours, theirs = run_twins(build, inputs, call, masks, dtype)
    assert len(ours) == len(theirs)


def test_multihead_attention_dropout_in_training_matches_torch_noise():
    for need_weights in (True, False):
        run_twins(
            _mha(dropout=0.3),
            [_X, _MEM],
            _cross,
            {"need_weights": need_weights},
            train=True,
            seed=11,
        )


def test_fully_masked_query_is_zero_without_weights_and_nan_with_them():
    """PyTorch's two paths differ here (SDPA's safe softmax vs a plain one); so do we."""
    mask = np.zeros((L, L), bool)
    mask[2] = True
    for lib in (tg, torch):
        lib.manual_seed(0)
        layer = lib.nn.MultiheadAttention(E, HEADS)
        x = lib_tensor(lib, _X, np.float32)
        m = lib_tensor(lib, mask, np.float32)
        without = layer(x, x, x, attn_mask=m, need_weights=False)[0]
        with_weights = layer(x, x, x, attn_mask=m)[0]
        assert not without.isnan().any() and with_weights[2].isnan().all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"bias": False},
        {"add_bias_kv": True},
        {"kdim": 3, "vdim": 5},
        {"add_zero_attn": True},
        {"kdim": 3, "add_bias_kv": True, "bias": False},
    ],
    ids=str,
)
def test_init_state_dict_keys_and_values_equal_torch(kwargs):
    assert same_init(_mha(**kwargs), seed=3) == []


def test_parameter_order_and_repr_as_torch():
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, HEADS, kdim=3, vdim=5, add_bias_kv=True)
    ours = tg.nn.MultiheadAttention(E, HEADS, kdim=3, vdim=5, add_bias_kv=True)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    assert ours.in_proj_weight is None and ours.head_dim == E // HEADS


def test_multihead_attention_gradcheck_and_gradgradcheck():
    """Through inputs and weights, with bias_kv, key padding and the returned weights."""
    f64 = {"dtype": tg.float64, "requires_grad": True}
    x, mem = tg.randn(3, 1, 4, **f64), tg.randn(2, 1, 4, **f64)
    w_in, w_out, bias_kv = tg.randn(12, 4, **f64), tg.randn(4, 4, **f64), tg.randn(1, 1, 4, **f64)
    b_in, b_out = tg.randn(12, dtype=tg.float64), tg.randn(4, dtype=tg.float64)
    kpm = tg.tensor([[False, True]])

    def fn(x, mem, w_in, w_out, bias_kv):
        out, weights = tg.nn.functional.multi_head_attention_forward(
            x,
            mem,
            mem,
            4,
            2,
            w_in,
            b_in,
            bias_kv,
            bias_kv * 2,
            False,
            0.0,
            w_out,
            b_out,
            key_padding_mask=kpm,
        )
        return out.sum(-1) + weights.sum(-1) * 0.5

    args = (x, mem, w_in, w_out, bias_kv)
    assert gradcheck(fn, args) and gradgradcheck(fn, args)


def _mha_error_cases(lib):
    layer = lib.nn.MultiheadAttention(E, HEADS)
    x, x2 = lib.zeros(L, N, E), lib.zeros(L, E)
    return [
        lambda: lib.nn.MultiheadAttention(E, 3),
        lambda: lib.nn.MultiheadAttention(0, 2),
        lambda: layer(x, x, x, attn_mask=lib.zeros(L, L, dtype=lib.int64)),
        lambda: layer(x, x, x, attn_mask=lib.zeros(L, L + 1)),
        lambda: layer(x, x, x, attn_mask=lib.zeros(3, L, L)),
        lambda: layer(x, x, x, attn_mask=lib.zeros(1, 1, L, L)),
        lambda: layer(x, x, x, key_padding_mask=lib.zeros(N, L + 1, dtype=lib.bool)),
        lambda: layer(x, x, x, key_padding_mask=lib.zeros(N + 1, L, dtype=lib.bool)),
        lambda: layer(x, x, x, key_padding_mask=lib.zeros(L, dtype=lib.bool)),
        lambda: layer(x, x2, x2),
        lambda: layer(lib.zeros(L, N, E + 1), x, x),
        lambda: layer(x, x, lib.zeros(L + 1, N, E)),
        lambda: layer(x, x, x, is_causal=True),
        lambda: layer(lib.zeros(1, L, N, E), x, x),
        lambda: layer(x2, x2, x2, attn_mask=lib.zeros(3, L, L)),
    ]


@pytest.mark.parametrize("index", range(len(_mha_error_cases(torch))))
def test_multihead_attention_errors_match_torch(index):
    with pytest.raises(Exception) as theirs:
        _mha_error_cases(torch)[index]()
    with pytest.raises(Exception) as ours:
        _mha_error_cases(tg)[index]()
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value).replace("torch.Size", "tinygrad_nn.Size")


def test_mismatched_mask_types_warn_as_torch():
    for lib in (torch, tg):
        layer = lib.nn.MultiheadAttention(E, HEADS)
        x = lib.zeros(L, N, E)
        with pytest.warns(
            UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"
        ):
            layer(
                x, x, x, key_padding_mask=lib.zeros(N, L, dtype=lib.bool), attn_mask=lib.zeros(L, L)
            )


def test_functional_multi_head_attention_forward_matches_torch():
    torch.manual_seed(0)
    layer = torch.nn.MultiheadAttention(E, HEADS)
    weights = [layer.in_proj_weight, layer.in_proj_bias, layer.out_proj.weight, layer.out_proj.bias]
    results = []
    for lib in (torch, tg):
        x, mem = lib_tensor(lib, _X, np.float32), lib_tensor(lib, _MEM, np.float32)
        w_in, b_in, w_out, b_out = (
            lib_tensor(lib, w.detach().numpy(), np.float32) for w in weights
        )
        results.append(lib.nn.functional.multi_head_attention_forward(
            x, mem, mem, E, HEADS, w_in, b_in, None, None, False, 0.0, w_out, b_out,
            training=False))  # fmt: skip
    (ref, ref_w), (out, w) = results
    assert_close_scaled(out.numpy(), ref.detach().numpy(), "output")
    assert_close_scaled(w.numpy(), ref_w.detach().numpy(), "weights")
    assert math.isclose(float(w.sum()), N * L, rel_tol=1e-5)
