"""F.interpolate / Upsample, pixel (un)shuffle, adaptive max pooling, Unfold/Fold layers and the
1-d pooling layers against PyTorch: forward, dtype, gradients, gradcheck and gradgradcheck in
float64, the indices of adaptive max pooling (ties and NaNs), reprs and errors."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# (input shape, interpolate keyword arguments)
RESIZES = [
    ((2, 3, 5), {"size": 9, "mode": "linear"}),
    ((2, 3, 9), {"scale_factor": 0.37, "mode": "linear", "align_corners": True}),
    ((1, 2, 6), {"scale_factor": 1.5, "mode": "linear", "recompute_scale_factor": True}),
    ((2, 3, 5), {"scale_factor": 2.5, "mode": "nearest"}),
    ((2, 3, 7), {"size": 3, "mode": "nearest-exact"}),
    ((2, 2, 5, 7), {"size": (8, 11), "mode": "bilinear"}),
    ((2, 2, 5, 7), {"scale_factor": 2, "mode": "bilinear", "align_corners": True}),
    ((1, 3, 5, 7), {"scale_factor": (0.6, 1.7), "mode": "bilinear"}),
    ((1, 3, 4, 6), {"size": (1, 1), "mode": "bilinear", "align_corners": True}),
    ((1, 3, 5, 7), {"scale_factor": (0.6, 1.7), "mode": "nearest"}),
    ((2, 2, 4, 3), {"scale_factor": 2, "mode": "nearest"}),
    ((2, 2, 5, 6), {"size": (3, 13), "mode": "nearest-exact"}),
    ((2, 2, 5, 7), {"size": (3, 4), "mode": "area"}),
    ((1, 2, 7, 5), {"scale_factor": 1.3, "mode": "bilinear", "recompute_scale_factor": True}),
    ((2, 2, 5, 7), {"size": (8, 11), "mode": "bicubic"}),
    ((1, 2, 5, 7), {"scale_factor": (0.6, 1.7), "mode": "bicubic", "align_corners": True}),
    ((1, 2, 3, 4, 5), {"size": (5, 2, 7), "mode": "trilinear"}),
    ((1, 2, 3, 4, 5), {"scale_factor": (2, 0.5, 1.5), "mode": "nearest"}),
]


def _interpolate(lib, a, kwargs, upstream=None):
    x = lib.tensor(a, requires_grad=True)
    y = lib.nn.functional.interpolate(x, **kwargs)
    if upstream is not None:
        y.backward(lib.tensor(upstream))
    return y, x.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(RESIZES)))
def test_interpolate_matches_torch(case, dtype):
    shape, kwargs = RESIZES[case]
    rng = np.random.default_rng(case)
    a = rng.standard_normal(shape).astype(dtype)
    expected, _ = _interpolate(torch, a, kwargs)
    upstream = rng.standard_normal(tuple(expected.shape)).astype(dtype)
    expected, expected_grad = _interpolate(torch, a, kwargs, upstream)
    actual, grad = _interpolate(tg, a, kwargs, upstream)
    assert str(actual.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    assert_close(actual.detach().numpy(), expected.detach().numpy(), dtype, what="forward")
    assert_close(grad.numpy(), expected_grad.numpy(), dtype, what="grad")


@pytest.mark.parametrize("case", [0, 1, 3, 5, 7, 11, 15, 16])
def test_interpolate_gradcheck_and_gradgradcheck(case):
    shape, kwargs = RESIZES[case]
    x = tg.tensor(np.random.default_rng(case).standard_normal(shape), requires_grad=True)

    def fn(t):
        return tg.nn.functional.interpolate(t, **kwargs)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_nearest_keeps_uint8():
    a = np.arange(24, dtype=np.uint8).reshape(1, 2, 3, 4)
    theirs = torch.nn.functional.interpolate(torch.tensor(a), scale_factor=1.5)
    ours = tg.nn.functional.interpolate(tg.tensor(a), scale_factor=1.5)
    assert ours.dtype == tg.uint8
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.nn.Upsample(scale_factor=2),
        lambda L: L.nn.Upsample(size=(3, 4), mode="bilinear"),
        lambda L: L.nn.Upsample(scale_factor=(2, 3)),
        lambda L: L.nn.Upsample(size=5, mode="linear", align_corners=True),
    ],
)
def test_upsample_layer_repr_and_forward(make):
    theirs, ours = make(torch), make(tg)
    assert repr(ours) == repr(theirs)
    assert ours.scale_factor == theirs.scale_factor
    nd = 1 if theirs.mode == "linear" else 2
    a = np.random.default_rng(0).standard_normal((2, 3) + (4,) * nd)
    assert_close(ours(tg.tensor(a)).numpy(), theirs(torch.tensor(a)).numpy(), np.float64)


# ---------------------------------------------------------------------- pixel shuffle


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 5), 2), ((9, 2, 2), 3), ((2, 1, 4, 2, 3), 2)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pixel_shuffle_and_unshuffle_match_torch(shape, r, dtype):
    rng = np.random.default_rng(4)
    a = rng.standard_normal(shape).astype(dtype)
    for name in ("pixel_shuffle", "pixel_unshuffle"):
        if name == "pixel_unshuffle":  # its input: the shuffled shape
            a = torch.nn.functional.pixel_shuffle(torch.tensor(a), r).numpy()
        outs = []
        for lib in (torch, tg):
            x = lib.tensor(a, requires_grad=True)
            y = getattr(lib.nn.functional, name)(x, r)
            y.backward(lib.tensor(np.arange(y.numel(), dtype=dtype).reshape(tuple(y.shape))))
            outs.append((y.detach().numpy(), x.grad.numpy()))
        (y_t, g_t), (y_o, g_o) = outs
        np.testing.assert_array_equal(y_o, y_t)
        np.testing.assert_array_equal(g_o, g_t)
        assert y_o.dtype == y_t.dtype


def test_pixel_shuffle_layers_torch_forms_and_gradchecks():
    a = np.random.default_rng(1).standard_normal((1, 4, 2, 3))
    x = tg.tensor(a, requires_grad=True)
    assert gradgradcheck(lambda t: tg.nn.functional.pixel_shuffle(t, 2), (x,))
    y = tg.tensor(a.reshape(1, 2, 2, 6), requires_grad=True)
    assert gradgradcheck(lambda t: tg.nn.functional.pixel_unshuffle(t, 2), (y,))
    assert repr(tg.nn.PixelShuffle(2)) == repr(torch.nn.PixelShuffle(2))
    assert repr(tg.nn.PixelUnshuffle(3)) == repr(torch.nn.PixelUnshuffle(3))
    np.testing.assert_array_equal(
        tg.nn.PixelShuffle(2)(tg.tensor(a)).numpy(), torch.pixel_shuffle(torch.tensor(a), 2).numpy()
    )
    b = a.reshape(1, 2, 2, 6)
    np.testing.assert_array_equal(
        tg.pixel_unshuffle(tg.tensor(b), 2).numpy(),
        torch.nn.PixelUnshuffle(2)(torch.tensor(b)).numpy(),
    )


# ---------------------------------------------------------------------- adaptive max pooling


def _with_ties_and_nans(shape, nans: bool):
    a = np.random.default_rng(6).standard_normal(shape)
    a[0, 0] = np.round(a[0, 0])  # ties: the first maximum is chosen
    if nans:
        a.reshape(-1)[[3, 5]] = np.nan  # NaNs: the last one in a window is chosen
    return a


@pytest.mark.parametrize("nans", [False, True])
@pytest.mark.parametrize(
    "nd,shape,output_size",
    [
        (2, (2, 3, 5, 7), (2, 3)),
        (2, (2, 3, 5, 7), (4, None)),
        (2, (3, 5, 7), 3),
        (2, (1, 2, 5, 7), (5, 7)),
        (1, (2, 3, 9), 4),
        (1, (3, 9), 2),
        (1, (2, 3, 4), 7),
    ],
)
def test_adaptive_max_pool_matches_torch(nd, shape, output_size, nans):
    name = f"adaptive_max_pool{nd}d"
    a = _with_ties_and_nans(shape, nans)
    results = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        y, index = getattr(lib.nn.functional, name)(x, output_size, return_indices=True)
        y.backward(lib.ones(tuple(y.shape), dtype=lib.float64))
        results.append((y.detach().numpy(), index.numpy(), x.grad.numpy()))
    (y_t, i_t, g_t), (y_o, i_o, g_o) = results
    np.testing.assert_array_equal(y_o, y_t)
    np.testing.assert_array_equal(i_o, i_t)
    assert i_o.dtype == np.int64
    np.testing.assert_array_equal(g_o, g_t)


def test_adaptive_max_pool_float32_layers_and_torch_form():
    a = np.random.default_rng(2).standard_normal((2, 3, 6, 5)).astype(np.float32)
    for make in (
        lambda L: L.nn.AdaptiveMaxPool2d((2, None)),
        lambda L: L.nn.AdaptiveMaxPool1d(3, return_indices=True),
    ):
        theirs, ours = make(torch), make(tg)
        assert repr(ours) == repr(theirs)
        x = a[0] if isinstance(theirs, torch.nn.AdaptiveMaxPool1d) else a
        t, o = theirs(torch.tensor(x)), ours(tg.tensor(x))
        if isinstance(t, tuple):
            np.testing.assert_array_equal(o[1].numpy(), t[1].numpy())
            t, o = t[0], o[0]
        np.testing.assert_array_equal(o.numpy(), t.numpy())
        assert o.dtype == tg.float32
    values, index = tg.adaptive_max_pool1d(tg.tensor(a[0]), 2)
    expected = torch.adaptive_max_pool1d(torch.tensor(a[0]), 2)
    np.testing.assert_array_equal(values.numpy(), expected[0].numpy())
    np.testing.assert_array_equal(index.numpy(), expected[1].numpy())


@pytest.mark.parametrize("nd,size", [(1, 3), (2, (2, 3))])
def test_adaptive_max_pool_gradcheck_and_gradgradcheck(nd, size):
    # distinct values: no ties, so a small step never moves a window's maximum
    shape = (1, 2, 5, 6) if nd == 2 else (2, 5, 6)
    a = np.random.default_rng(8).permutation(60).reshape(shape) / 7.0
    x = tg.tensor(a, requires_grad=True)

    def fn(t):
        return getattr(tg.nn.functional, f"adaptive_max_pool{nd}d")(t, size)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


# ---------------------------------------------------------------------- Unfold / Fold, 1-d pools


def test_unfold_and_fold_layers_match_torch():
    a = np.random.default_rng(3).standard_normal((2, 3, 6, 5))
    for lib_pair in ((torch, tg),):
        outs = []
        for lib in lib_pair:
            unfold = lib.nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
            fold = lib.nn.Fold((6, 5), (2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
            x = lib.tensor(a, requires_grad=True)
            y = fold(unfold(x))
            y.backward(lib.tensor(np.arange(y.numel(), dtype=np.float64).reshape(y.shape)))
            outs.append((repr(unfold), repr(fold), y.detach().numpy(), x.grad.numpy()))
        for ours, theirs in zip(outs[1], outs[0]):
            if isinstance(theirs, str):
                assert ours == theirs
            else:
                assert_close(ours, theirs, np.float64)


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.nn.MaxPool1d(3, 2, 1),
        lambda L: L.nn.AvgPool1d(3, 2, 1),
        lambda L: L.nn.AvgPool1d(2, count_include_pad=False, padding=1),
        lambda L: L.nn.AdaptiveAvgPool1d(4),
        lambda L: L.nn.MaxPool1d(2, dilation=2),
    ],
)
def test_one_d_pool_layers_match_torch(make):
    a = np.random.default_rng(9).standard_normal((2, 3, 9))
    outs = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        layer = make(lib)
        y = layer(x)
        y.backward(lib.ones(tuple(y.shape), dtype=lib.float64))
        outs.append((repr(layer), y.detach().numpy(), x.grad.numpy()))
    assert outs[1][0] == outs[0][0]
    assert_close(outs[1][1], outs[0][1], np.float64)
    assert_close(outs[1][2], outs[0][2], np.float64)


# ---------------------------------------------------------------------- errors


def _same_error(fn):
    """Both libraries raise the same class with the same first line."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    message = re.escape(str(theirs.value).split("\n")[0])
    with pytest.raises(type(theirs.value), match=message):
        fn(tg)


def _interp(L, shape=(2, 3, 4), dtype=None, **kwargs):
    return L.nn.functional.interpolate(L.ones(shape, dtype=dtype or L.float32), **kwargs)


ERRORS = {
    "both": lambda L: _interp(L, size=3, scale_factor=2),
    "neither": lambda L: _interp(L),
    "size_length": lambda L: _interp(L, size=(3, 4)),
    "scale_length": lambda L: _interp(L, scale_factor=(3, 4)),
    "size_type": lambda L: _interp(L, size=(2.5,)),
    "align_nearest": lambda L: _interp(L, scale_factor=2, align_corners=True),
    "recompute_with_size": lambda L: _interp(L, size=3, mode="linear", recompute_scale_factor=True),
    "bilinear_3d": lambda L: _interp(L, scale_factor=2, mode="bilinear"),
    "linear_4d": lambda L: _interp(L, (1, 1, 2, 2), scale_factor=2, mode="linear"),
    "bicubic_3d": lambda L: _interp(L, scale_factor=2, mode="bicubic"),
    "unknown_mode": lambda L: _interp(L, scale_factor=2, mode="foo"),
    "two_d_input": lambda L: _interp(L, (3, 4), scale_factor=2),
    "long_linear": lambda L: _interp(L, dtype=L.int64, scale_factor=2, mode="linear"),
    "long_nearest": lambda L: _interp(L, dtype=L.int64, scale_factor=2),
    "zero_size": lambda L: _interp(L, scale_factor=0.1),
    "zero_size_2d": lambda L: _interp(L, (1, 1, 4, 4), size=(0, 2)),
    "zero_size_3d": lambda L: _interp(L, (1, 1, 3, 4, 4), size=(0, 2, 2), mode="trilinear"),
    "shuffle_channels": lambda L: L.nn.functional.pixel_shuffle(L.ones(1, 5, 2, 2), 2),
    "shuffle_rank": lambda L: L.nn.functional.pixel_shuffle(L.ones(5, 2), 2),
    "shuffle_factor": lambda L: L.nn.functional.pixel_shuffle(L.ones(4, 2, 2), 0),
    "unshuffle_height": lambda L: L.nn.functional.pixel_unshuffle(L.ones(1, 1, 3, 4), 2),
    "unshuffle_width": lambda L: L.nn.functional.pixel_unshuffle(L.ones(1, 1, 4, 3), 2),
    "unshuffle_rank": lambda L: L.nn.functional.pixel_unshuffle(L.ones(4, 2), 2),
    "unshuffle_factor": lambda L: L.nn.functional.pixel_unshuffle(L.ones(1, 4, 2), 0),
    "amp2d_rank": lambda L: L.nn.functional.adaptive_max_pool2d(L.ones(2, 3), 2),
    "amp1d_rank": lambda L: L.nn.functional.adaptive_max_pool1d(L.ones(2), 2),
    "amp1d_size": lambda L: L.nn.functional.adaptive_max_pool1d(L.ones(2, 3, 4), (2, 2)),
    "amp2d_size": lambda L: L.nn.functional.adaptive_max_pool2d(L.ones(2, 3, 4), (2, 2, 2)),
    "amp2d_negative": lambda L: L.nn.functional.adaptive_max_pool2d(L.ones(2, 3, 4), -1),
    "amp2d_empty": lambda L: L.nn.functional.adaptive_max_pool2d(L.ones(2, 0, 4), 2),
    "amp2d_long": lambda L: L.nn.functional.adaptive_max_pool2d(L.ones(2, 3, 4, dtype=L.int64), 2),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    _same_error(ERRORS[name])


# ---------------------------------------------------------------------- unfold / fold checks


def test_unbatched_unfold_and_fold_match_torch_with_gradients():
    a = np.random.default_rng(11).standard_normal((3, 6, 5))
    kwargs = {"kernel_size": (2, 3), "padding": 1, "stride": 2}
    outs = []
    for lib in (torch, tg):
        x = lib.tensor(a, requires_grad=True)
        cols = lib.nn.functional.unfold(x, **kwargs)
        image = lib.nn.functional.fold(cols * 2.0, (6, 5), **kwargs)
        image.backward(lib.tensor(np.arange(90.0).reshape(3, 6, 5)))
        outs.append((cols.detach().numpy(), image.detach().numpy(), x.grad.numpy()))
    for ours, theirs in zip(outs[1], outs[0]):
        assert_close(ours, theirs, np.float64)


def test_unfold_fold_gradcheck_and_gradgradcheck():
    x = tg.tensor(np.random.default_rng(12).standard_normal((1, 2, 4, 5)), requires_grad=True)

    def unfold(t):
        return tg.nn.functional.unfold(t, (2, 2), dilation=(1, 2), padding=1)

    assert gradcheck(unfold, (x,))
    assert gradgradcheck(unfold, (x,))
    cols = tg.tensor(np.random.default_rng(13).standard_normal((8, 6)), requires_grad=True)

    def fold(t):
        return tg.nn.functional.fold(t, (3, 4), 2)

    assert gradcheck(fold, (cols,))
    assert gradgradcheck(fold, (cols,))


FOLD_ERRORS = {
    "unfold_5d": lambda L: L.nn.functional.unfold(L.ones(1, 1, 3, 4, 5), 2),
    "unfold_empty": lambda L: L.nn.functional.unfold(L.ones(1, 0, 4, 5), 2),
    "unfold_too_big": lambda L: L.nn.functional.unfold(L.ones(1, 3, 4, 5), 6),
    "unfold_kernel": lambda L: L.nn.functional.unfold(L.ones(1, 3, 4, 5), 0),
    "unfold_stride": lambda L: L.nn.functional.unfold(L.ones(1, 3, 4, 5), 2, stride=0),
    "unfold_dilation": lambda L: L.nn.functional.unfold(L.ones(1, 3, 4, 5), 2, dilation=0),
    "unfold_padding": lambda L: L.nn.functional.unfold(L.ones(1, 3, 4, 5), 2, padding=-1),
    "unfold_long": lambda L: L.nn.functional.unfold(L.ones(1, 3, 4, 5, dtype=L.int64), 2),
    "unfold_length": lambda L: L.nn.functional.unfold(L.ones(1, 3, 4, 5), (2, 2, 2)),
    "fold_channels": lambda L: L.nn.functional.fold(L.ones(1, 13, 12), (4, 5), 2),
    "fold_blocks": lambda L: L.nn.functional.fold(L.ones(1, 12, 11), (4, 5), 2),
    "fold_small": lambda L: L.nn.functional.fold(L.ones(1, 12, 12), (1, 1), 2),
    "fold_4d": lambda L: L.nn.functional.fold(L.ones(1, 12, 11, 1), (4, 5), 2),
    "fold_1d": lambda L: L.nn.functional.fold(L.ones(12), (4, 5), 2),
    "fold_long": lambda L: L.nn.functional.fold(L.ones(1, 12, 12, dtype=L.int64), (4, 5), 2),
}


@pytest.mark.parametrize("name", sorted(FOLD_ERRORS))
def test_unfold_fold_errors_match_torch(name):
    _same_error(FOLD_ERRORS[name])


# ---------------------------------------------------------------------- torch.* and old names


@pytest.mark.parametrize(
    "name,args",
    [
        ("max_pool1d", (3,)),
        ("max_pool1d", (3, 2, 1)),
        ("avg_pool1d", (3, 2, 1, True)),
        ("max_pool2d", (2,)),
        ("adaptive_avg_pool1d", (3,)),
    ],
)
def test_torch_level_pool_forms(name, args):
    shape = (2, 3, 2, 8) if name == "max_pool2d" else (2, 3, 8)
    a = np.random.default_rng(14).standard_normal(shape)
    theirs = getattr(torch, name)(torch.tensor(a), *args)
    ours = getattr(tg, name)(tg.tensor(a), *args)
    assert_close(ours.numpy(), theirs.numpy(), np.float64)


@pytest.mark.parametrize("name", ["upsample", "upsample_nearest", "upsample_bilinear"])
def test_deprecated_upsample_names_warn_and_resize(name):
    a = np.random.default_rng(15).standard_normal((1, 2, 3, 3))
    with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
        ours = getattr(tg.nn.functional, name)(tg.tensor(a), scale_factor=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn.functional, name)(torch.tensor(a), scale_factor=2)
    assert_close(ours.numpy(), theirs.numpy(), np.float64)
