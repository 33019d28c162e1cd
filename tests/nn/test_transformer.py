"""Transformer layers, stacks and nn.Transformer against PyTorch: outputs and every parameter
gradient (float32, float64) after loading the same state_dict, init after manual_seed,
state_dict keys, the causal mask helper, warnings and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.attention_twins import build_pair, lib_tensor, run_twins, same_init
from tests.tolerances import assert_close
from tinygrad_nn.autograd.gradcheck import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]
S, T, N, E, HEADS, FF = 5, 4, 3, 8, 2, 16

# PyTorch warns about the nested-tensor fast path it cannot take; so do we (tested below).
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")


def _rng(seed=0):
    return np.random.default_rng(seed)


_SRC, _TGT = _rng(1).standard_normal((S, N, E)), _rng(2).standard_normal((T, N, E))
_SRC_KPM = np.zeros((N, S), bool)
_SRC_KPM[0, 3:] = _SRC_KPM[2, 4:] = True  # padding at the end of two sequences
_TGT_KPM = np.zeros((N, T), bool)
_TGT_KPM[1, 3:] = True
_CAUSAL_S, _CAUSAL_T = (np.triu(np.full((n, n), -np.inf), 1) for n in (S, T))
_MEMORY_MASK = _rng(3).random((T, S)) > 0.7
_MEMORY_MASK[:, 0] = False


def _encoder_layer(**kw):
    return lambda lib: lib.nn.TransformerEncoderLayer(E, HEADS, FF, **kw)


def _decoder_layer(**kw):
    return lambda lib: lib.nn.TransformerDecoderLayer(E, HEADS, FF, **kw)


ENCODER_CASES = [
    ("post_norm", _encoder_layer(), [_SRC], {}),
    ("norm_first", _encoder_layer(norm_first=True), [_SRC], {}),
    ("gelu", _encoder_layer(activation="gelu"), [_SRC], {}),
    (
        "gelu_module",
        lambda lib: lib.nn.TransformerEncoderLayer(E, HEADS, FF, activation=lib.nn.GELU()),
        [_SRC],
        {},
    ),
    (
        "callable",
        lambda lib: lib.nn.TransformerEncoderLayer(E, HEADS, FF, activation=lib.nn.functional.silu),
        [_SRC],
        {},
    ),
    (
        "batch_first",
        _encoder_layer(batch_first=True),
        [_SRC.swapaxes(0, 1)],
        {"src_key_padding_mask": _SRC_KPM},
    ),
    ("no_bias_eps", _encoder_layer(bias=False, layer_norm_eps=1e-3), [_SRC], {}),
    ("causal_mask", _encoder_layer(), [_SRC], {"src_mask": _CAUSAL_S}),
    ("causal_hint", _encoder_layer(), [_SRC], {"src_mask": _CAUSAL_S, "is_causal": True}),
    (
        "bool_mask_padding",
        _encoder_layer(norm_first=True),
        [_SRC],
        {"src_mask": np.isinf(_CAUSAL_S), "src_key_padding_mask": _SRC_KPM},
    ),
    ("unbatched", _encoder_layer(), [_SRC[:, 0]], {"src_key_padding_mask": _SRC_KPM[0]}),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("case", ENCODER_CASES, ids=[c[0] for c in ENCODER_CASES])
def test_encoder_layer_matches_torch(case, dtype):
    _, build, inputs, masks = case
    run_twins(build, inputs, masks=masks, dtype=dtype)


DECODER_CASES = [
    ("post_norm", _decoder_layer(), {}),
    ("norm_first_gelu", _decoder_layer(norm_first=True, activation="gelu"), {}),
    (
        "masks",
        _decoder_layer(),
        {
            "tgt_mask": _CAUSAL_T,
            "memory_mask": _MEMORY_MASK,
            "tgt_key_padding_mask": _TGT_KPM,
            "memory_key_padding_mask": _SRC_KPM,
        },
    ),
    (
        "causal_hint",
        _decoder_layer(norm_first=True),
        {"tgt_mask": _CAUSAL_T, "tgt_is_causal": True},
    ),
    (
        "float_memory_mask",
        _decoder_layer(bias=False),
        {"memory_mask": _rng(4).standard_normal((T, S))},
    ),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("case", DECODER_CASES, ids=[c[0] for c in DECODER_CASES])
def test_decoder_layer_matches_torch(case, dtype):
    _, build, masks = case
    run_twins(build, [_TGT, _SRC], masks=masks, dtype=dtype)


def _encoder(norm=True, **kw):
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(E, HEADS, FF, **kw)
        return lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(E) if norm else None)

    return build


def _decoder(norm=True, **kw):
    def build(lib):
        layer = lib.nn.TransformerDecoderLayer(E, HEADS, FF, **kw)
        return lib.nn.TransformerDecoder(layer, 2, lib.nn.LayerNorm(E) if norm else None)

    return build


STACK_CASES = [
    ("encoder", _encoder(), [_SRC], {}),
    ("encoder_no_norm_causal", _encoder(norm=False), [_SRC], {"mask": _CAUSAL_S}),
    ("encoder_padding", _encoder(norm_first=True), [_SRC], {"src_key_padding_mask": _SRC_KPM}),
    (
        "encoder_batch_first",
        _encoder(batch_first=True),
        [_SRC.swapaxes(0, 1)],
        {"mask": _CAUSAL_S, "is_causal": True},
    ),
    ("decoder", _decoder(), [_TGT, _SRC], {"tgt_mask": _CAUSAL_T}),
    (
        "decoder_masks",
        _decoder(norm_first=True),
        [_TGT, _SRC],
        {
            "memory_mask": _MEMORY_MASK,
            "tgt_key_padding_mask": _TGT_KPM,
            "memory_key_padding_mask": _SRC_KPM,
        },
    ),
    (
        "transformer",
        lambda lib: lib.nn.Transformer(E, HEADS, 2, 2, FF),
        [_SRC, _TGT],
        {"tgt_mask": _CAUSAL_T, "src_key_padding_mask": _SRC_KPM},
    ),
    (
        "transformer_batch_first_gelu",
        lambda lib: lib.nn.Transformer(
            E, HEADS, 1, 2, FF, activation="gelu", batch_first=True, norm_first=True
        ),
        [_SRC.swapaxes(0, 1), _TGT.swapaxes(0, 1)],
        {"tgt_mask": _CAUSAL_T, "memory_mask": _MEMORY_MASK, "tgt_is_causal": True},
    ),
    (
        "transformer_unbatched",
        lambda lib: lib.nn.Transformer(E, HEADS, 1, 1, FF, bias=False),
        [_SRC[:, 0], _TGT[:, 0]],
        {"tgt_mask": _CAUSAL_T},
    ),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("case", STACK_CASES, ids=[c[0] for c in STACK_CASES])
def test_stacks_and_transformer_match_torch(case, dtype):
    _, build, inputs, masks = case
    run_twins(build, inputs, masks=masks, dtype=dtype)


def test_training_mode_dropout_draws_the_same_noise_as_torch():
    run_twins(_encoder_layer(dropout=0.2), [_SRC], masks={"src_mask": _CAUSAL_S}, train=True)
    run_twins(_decoder_layer(dropout=0.2), [_TGT, _SRC], masks={"tgt_mask": _CAUSAL_T}, train=True)


BUILDERS = [
    ("encoder_layer", _encoder_layer()),
    (
        "encoder_layer_gelu_module",
        lambda lib: lib.nn.TransformerEncoderLayer(
            E, HEADS, FF, activation=lib.nn.GELU(), bias=False
        ),
    ),
    ("decoder_layer", _decoder_layer(norm_first=True)),
    ("encoder", _encoder()),
    ("decoder", _decoder(norm=False)),
    ("transformer", lambda lib: lib.nn.Transformer(E, HEADS, 2, 1, FF)),
    ("transformer_no_bias", lambda lib: lib.nn.Transformer(E, HEADS, 1, 2, FF, bias=False)),
]


@pytest.mark.parametrize("build", [b for _, b in BUILDERS], ids=[n for n, _ in BUILDERS])
def test_init_after_manual_seed_equals_torch_bit_for_bit(build):
    assert same_init(build, seed=7) == []


@pytest.mark.parametrize("build", [b for _, b in BUILDERS], ids=[n for n, _ in BUILDERS])
def test_module_tree_and_repr_as_torch(build):
    ours, theirs = build_pair(build, np.float32)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours) == repr(theirs)


def test_state_dict_names():
    keys = list(tg.nn.TransformerEncoderLayer(E, HEADS, FF).state_dict())
    assert keys[:6] == [
        "self_attn.in_proj_weight",
        "self_attn.in_proj_bias",
        "self_attn.out_proj.weight",
        "self_attn.out_proj.bias",
        "linear1.weight",
        "linear1.bias",
    ]
    assert keys[6:] == ["linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
                        "norm2.weight", "norm2.bias"]  # fmt: skip


def test_layers_of_a_stack_are_independent_copies():
    layer = tg.nn.TransformerEncoderLayer(E, HEADS, FF)
    stack = tg.nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
    weights = [m.linear1.weight for m in stack.layers]
    assert len({id(w) for w in weights}) == 3 and all(
        w is not layer.linear1.weight for w in weights
    )
    assert all(np.array_equal(w.detach().numpy(), weights[0].detach().numpy()) for w in weights)
    assert stack.num_layers == 3 and stack.enable_nested_tensor is False


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("dtype", [None, "float64"])
def test_generate_square_subsequent_mask_equals_torch(size, dtype):
    ours = tg.nn.Transformer.generate_square_subsequent_mask(
        size, dtype=None if dtype is None else getattr(tg, dtype)
    )
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(
        size, dtype=None if dtype is None else getattr(torch, dtype)
    )
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert_close(ours.numpy(), theirs.numpy(), rtol=0, atol=0)
    assert tg.nn.Transformer(E, HEADS, 1, 1, FF).generate_square_subsequent_mask(2).shape == (2, 2)


def test_nested_tensor_warning_as_torch():
    for lib in (torch, tg):
        layer = lib.nn.TransformerEncoderLayer(E, HEADS, FF)
        with pytest.warns(UserWarning) as record:
            lib.nn.TransformerEncoder(layer, 1)
        assert str(record[0].message) == (
            "enable_nested_tensor is True, but self.use_nested_tensor is False because "
            "encoder_layer.self_attn.batch_first was not True(use batch_first for better "
            "inference performance)"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.nn.TransformerEncoder(tg.nn.TransformerEncoderLayer(E, HEADS, batch_first=True), 1)


def test_inference_with_padding_zeroes_padded_positions_as_torch():
    """PyTorch's nested-tensor path returns exact zeros at padded positions (before norm)."""
    build = _encoder(norm=False, batch_first=True)
    ours, theirs = build_pair(build, np.float32)
    src, kpm = _SRC.swapaxes(0, 1), _SRC_KPM
    with torch.no_grad():
        ref = theirs(
            lib_tensor(torch, src, np.float32),
            src_key_padding_mask=lib_tensor(torch, kpm, np.float32),
        )
    with tg.no_grad():
        out = ours(
            lib_tensor(tg, src, np.float32), src_key_padding_mask=lib_tensor(tg, kpm, np.float32)
        )
    assert (ref.numpy()[kpm] == 0).all() and (out.numpy()[kpm] == 0).all()
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)
    grad_out = ours(
        lib_tensor(tg, src, np.float32, True), src_key_padding_mask=lib_tensor(tg, kpm, np.float32)
    )
    assert not (grad_out.detach().numpy()[kpm] == 0).all()  # with autograd: no fast path


def test_causal_mask_is_detected_from_its_values():
    from tinygrad_nn.nn.layers.transformer import _detect_is_causal_mask

    mask = tg.nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(mask) and _detect_is_causal_mask(mask, size=4)
    assert not _detect_is_causal_mask(mask, size=3)
    assert not _detect_is_causal_mask(tg.zeros(4, 4))
    assert not _detect_is_causal_mask(mask, is_causal=False)
    assert _detect_is_causal_mask(None, is_causal=True)


def _error_cases(lib):
    model = lib.nn.Transformer(E, HEADS, 1, 1, FF)
    src, tgt = lib.zeros(S, N, E), lib.zeros(T, N, E)
    return [
        lambda: lib.nn.TransformerEncoderLayer(E, HEADS, activation="tanh"),
        lambda: lib.nn.TransformerDecoderLayer(E, HEADS, activation="swish"),
        lambda: model(src, lib.zeros(T, N + 1, E)),
        lambda: model(src, lib.zeros(T, N, E + 1)),
        lambda: model(src, tgt, tgt_mask=lib.zeros(T, T, dtype=lib.int64)),
        lambda: model(src, tgt, src_key_padding_mask=lib.zeros(N, S, dtype=lib.int32)),
        lambda: lib.nn.TransformerEncoderLayer(E, 3),
    ]


@pytest.mark.parametrize("index", range(len(_error_cases(torch))))
def test_errors_match_torch(index):
    with pytest.raises(Exception) as theirs:
        _error_cases(torch)[index]()
    with pytest.raises(Exception) as ours:
        _error_cases(tg)[index]()
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


def test_encoder_layer_gradcheck_and_gradgradcheck():
    tg.manual_seed(0)
    layer = tg.nn.TransformerEncoderLayer(
        4, 2, 6, dropout=0.0, activation="gelu", norm_first=True, dtype=tg.float64
    )
    mask = tg.nn.Transformer.generate_square_subsequent_mask(3, dtype=tg.float64)
    x = tg.randn(3, 1, 4, dtype=tg.float64, requires_grad=True)
    # the layer's own parameters are inputs too: gradcheck perturbs them in place
    params = (layer.linear1.weight, layer.self_attn.in_proj_weight, layer.norm2.weight)

    def fn(x, *params):
        return layer(x, src_mask=mask)

    assert gradcheck(fn, (x, *params)) and gradgradcheck(fn, (x, *params))
