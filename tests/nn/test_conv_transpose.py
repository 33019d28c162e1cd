"""ConvTranspose1d/2d and F.conv_transpose1d/2d against PyTorch: forward, dtype, the gradients
of input, weight and bias over a family of configurations, gradcheck and gradgradcheck in
float64, the default init bit for bit after manual_seed, output_size, reprs and errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.test_random_wiring import assert_same_bits
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# (nd, in_channels, out_channels / groups, kernel, spatial, options)
CONFIGS = [
    (1, 2, 3, 3, (5,), {}),
    (1, 4, 2, 2, (6,), {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2}),
    (1, 3, 2, 4, (4,), {"stride": 3, "dilation": 2, "output_padding": 2}),
    (1, 6, 1, 1, (3,), {"groups": 3, "padding": 0, "stride": 2}),
    (2, 2, 3, 3, (4, 5), {}),
    (2, 4, 2, (2, 3), (3, 4), {"stride": (2, 1), "padding": (1, 0), "output_padding": (1, 0)}),
    (2, 6, 2, 3, (3, 3), {"groups": 3, "dilation": (1, 2), "stride": 2, "padding": 1}),
    (2, 2, 2, 3, (2, 3), {"stride": 3, "output_padding": (2, 1), "dilation": 2}),
]


def _arrays(nd, cin, cout_g, kernel, spatial, options, dtype, rng, batch=(2,)):
    groups = options.get("groups", 1)
    kernel = kernel if isinstance(kernel, tuple) else (kernel,) * nd
    x = rng.standard_normal(batch + (cin,) + spatial).astype(dtype)
    w = rng.standard_normal((cin, cout_g) + kernel).astype(dtype)
    b = rng.standard_normal(cout_g * groups).astype(dtype)
    return x, w, b


def _run(lib, nd, arrays, options, upstream=None, bias=True):
    x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
    fn = getattr(lib.nn.functional, f"conv_transpose{nd}d")
    y = fn(x, w, b if bias else None, **options)
    if upstream is None:
        return y, None
    y.backward(lib.tensor(upstream))
    return y, (x.grad, w.grad, b.grad if bias else None)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", range(len(CONFIGS)))
def test_forward_and_gradients_match_torch(config, dtype, bias):
    nd, cin, cout_g, kernel, spatial, options = CONFIGS[config]
    rng = np.random.default_rng(config)
    arrays = _arrays(nd, cin, cout_g, kernel, spatial, options, dtype, rng)
    expected, _ = _run(torch, nd, arrays, options, bias=bias)
    upstream = rng.standard_normal(tuple(expected.shape)).astype(dtype)
    expected, expected_grads = _run(torch, nd, arrays, options, upstream, bias)
    actual, grads = _run(tg, nd, arrays, options, upstream, bias)
    assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    assert_close(actual.detach().numpy(), expected.detach().numpy(), dtype, what="forward")
    for name, ours, theirs in zip("xwb", grads, expected_grads):
        if theirs is not None:
            assert_close(ours.numpy(), theirs.numpy(), dtype, what=f"grad {name}")


@pytest.mark.parametrize("nd", [1, 2])
def test_unbatched_input(nd):
    rng = np.random.default_rng(5)
    arrays = _arrays(nd, 2, 3, 2, (4,) * nd, {"stride": 2}, np.float64, rng, batch=())
    expected, _ = _run(torch, nd, arrays, {"stride": 2})
    actual, _ = _run(tg, nd, arrays, {"stride": 2})
    assert_close(actual.detach().numpy(), expected.detach().numpy(), np.float64)


@pytest.mark.parametrize("config", [1, 2, 5, 6])
def test_gradcheck_and_gradgradcheck(config):
    nd, cin, cout_g, kernel, spatial, options = CONFIGS[config]
    rng = np.random.default_rng(10 + config)
    arrays = _arrays(nd, cin, cout_g, kernel, spatial, options, np.float64, rng, batch=(1,))
    inputs = tuple(tg.tensor(a, requires_grad=True) for a in arrays)
    fn = getattr(tg.nn.functional, f"conv_transpose{nd}d")

    def f(x, w, b):
        return fn(x, w, b, **options)

    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


def test_torch_level_forms():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 4, 2, 2))
    for name, a, kernel in (
        ("conv_transpose2d", x, w),
        ("conv_transpose1d", x[0, :, 0], w[..., 0]),
    ):
        theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(kernel), None, 2, 0, 1)
        ours = getattr(tg, name)(tg.tensor(a), tg.tensor(kernel), None, 2, 0, 1)
        assert_close(ours.numpy(), theirs.numpy(), np.float64)


LAYERS = {
    "1d": lambda L, d: L.nn.ConvTranspose1d(3, 4, 5, dtype=d),
    "1d_groups": lambda L, d: L.nn.ConvTranspose1d(4, 6, 3, groups=2, stride=2, dtype=d),
    "2d": lambda L, d: L.nn.ConvTranspose2d(3, 8, 3, dtype=d),
    "2d_rect_no_bias": lambda L, d: L.nn.ConvTranspose2d(2, 5, (3, 2), bias=False, dtype=d),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 7, -5])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_default_init_is_bit_equal(name, seed, dtype):
    layers = []
    for lib in (torch, tg):
        lib.manual_seed(seed)
        layers.append(LAYERS[name](lib, getattr(lib, dtype)))
        layers[-1].state = lib.get_rng_state().numpy().tobytes()
    theirs, ours = layers
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()):
        assert_same_bits(a, b)
    assert ours.state == theirs.state


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.nn.ConvTranspose1d(4, 3, 3),
        lambda L: L.nn.ConvTranspose1d(4, 6, 3, groups=2, padding=2, bias=False),
        lambda L: L.nn.ConvTranspose2d(4, 3, 3, stride=2, output_padding=1, dilation=2),
        lambda L: L.nn.ConvTranspose2d(2, 2, (1, 3), stride=(1, 2), padding=(0, 1)),
    ],
)
def test_repr_matches_torch(make):
    assert repr(make(tg)) == repr(make(torch))


@pytest.mark.parametrize("output_size", [[11], [12], [2, 3, 12]])
def test_layer_forward_with_output_size(output_size):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 5)).astype(np.float32)
    outs = []
    for lib in (torch, tg):
        lib.manual_seed(0)
        layer = lib.nn.ConvTranspose1d(4, 3, 3, stride=2)
        outs.append(layer(lib.tensor(x), output_size=output_size).detach().numpy())
    assert outs[0].shape[-1] == output_size[-1]
    assert_close(outs[1], outs[0], np.float32)


def test_layer_2d_output_size_and_backward():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 3, 4))
    results = []
    for lib in (torch, tg):
        lib.manual_seed(1)
        layer = lib.nn.ConvTranspose2d(2, 3, 3, stride=(2, 3), padding=1, dtype=lib.float64)
        t = lib.tensor(x, requires_grad=True)
        y = layer(t, output_size=(6, 10))
        y.sum().backward()
        results.append((y.detach().numpy(), t.grad.numpy(), layer.weight.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        assert_close(ours, theirs, np.float64)


def _same_error(fn):
    """Both libraries raise the same class with the same first line."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    message = re.escape(str(theirs.value).split("\n")[0])
    with pytest.raises(type(theirs.value), match=message):
        fn(tg)


def _x(L, shape=(2, 4, 5), dtype=None):
    return L.ones(shape, dtype=dtype or L.float32)


ERRORS = {
    "output_padding_too_big": lambda L: L.nn.functional.conv_transpose1d(
        _x(L), L.ones(4, 3, 3), output_padding=1
    ),
    "output_padding_strided": lambda L: L.nn.functional.conv_transpose2d(
        _x(L, (1, 4, 3, 3)), L.ones(4, 3, 3, 3), stride=2, output_padding=(0, 2)
    ),
    "channels": lambda L: L.nn.functional.conv_transpose1d(_x(L), L.ones(3, 3, 3)),
    "groups": lambda L: L.nn.functional.conv_transpose1d(_x(L), L.ones(4, 3, 3), groups=3),
    "bias_size": lambda L: L.nn.functional.conv_transpose1d(_x(L), L.ones(4, 3, 3), bias=L.ones(4)),
    "dtype": lambda L: L.nn.functional.conv_transpose1d(_x(L, dtype=L.float64), L.ones(4, 3, 3)),
    "rank": lambda L: L.nn.functional.conv_transpose1d(L.ones(5), L.ones(4, 3, 3)),
    "rank_2d": lambda L: L.nn.functional.conv_transpose2d(_x(L), L.ones(4, 3, 3, 3)),
    "negative_padding": lambda L: L.nn.functional.conv_transpose1d(
        _x(L), L.ones(4, 3, 3), padding=-1
    ),
    "zero_stride": lambda L: L.nn.functional.conv_transpose1d(_x(L), L.ones(4, 3, 3), stride=0),
    "string_padding": lambda L: L.nn.functional.conv_transpose1d(
        _x(L), L.ones(4, 3, 3), padding="same"
    ),
    "padding_mode": lambda L: L.nn.ConvTranspose1d(4, 3, 3, padding_mode="reflect"),
    "layer_groups": lambda L: L.nn.ConvTranspose1d(4, 3, 3, groups=3),
    "output_size_range": lambda L: L.nn.ConvTranspose1d(4, 3, 3, stride=2)(_x(L), output_size=[20]),
    "output_size_length": lambda L: L.nn.ConvTranspose1d(4, 3, 3, stride=2)(
        _x(L), output_size=[1, 2, 3, 4]
    ),
}


@pytest.mark.parametrize("name", sorted(set(ERRORS) - {"output_size_range"}))
def test_errors_match_torch(name):
    _same_error(ERRORS[name])


def test_output_size_out_of_range_message():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "requested an output size of [20], but valid sizes range from [11] to [12]"
        ),
    ):
        ERRORS["output_size_range"](tg)


def test_output_too_small_is_a_runtime_error():
    with pytest.raises(RuntimeError, match="Output size is too small"):
        tg.nn.functional.conv_transpose1d(_x(tg), tg.ones(4, 3, 3), padding=5)
