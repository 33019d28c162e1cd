"""F.pad with negative amounts in every mode, integer and empty-batch pooling, and the argument
checks of pooling and convolution, against PyTorch.

Circular padding crops first and then wraps around what is left, as PyTorch does. Where a wrap
is longer than what is left, PyTorch reads memory it never wrote (its answer changes from run
to run); we refuse those with RuntimeError, and only check the class there.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _pad(lib, x, pads, mode):
    return lib.nn.functional.pad(x, pads, mode=mode)


def _same_error(fn):
    """Both libraries raise the same class with the same first line."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    message = re.escape(str(theirs.value).split("\n")[0])
    with pytest.raises(type(theirs.value), match=message):
        fn(tg)


def _wraps_too_far(n: int, before: int, after: int) -> bool:
    """Circular padding that crops more than the input, or whose wrap is longer than what the
    crop leaves (PyTorch: an internal error, or memory it never wrote)."""
    kept = n + min(before, 0) + min(after, 0)
    too_long = max(before, 0) > kept or max(after, 0) > kept
    return kept < 0 or (n + before + after != 0 and too_long)


def _pad_cases_1d():
    for mode, n in itertools.product(["constant", "reflect", "replicate", "circular"], [1, 3, 4]):
        for before, after in itertools.product(range(-4, 5), repeat=2):
            yield mode, n, before, after


@pytest.mark.parametrize("mode,n,before,after", list(_pad_cases_1d()))
def test_pad_1d_with_negative_amounts_matches_torch(mode, n, before, after):
    x = np.arange(1.0, n + 1).reshape(1, 1, n)

    def run(lib):
        return _pad(lib, lib.tensor(x), (before, after), mode)

    if mode == "circular" and before <= n and after <= n and _wraps_too_far(n, before, after):
        with pytest.raises(RuntimeError):
            run(tg)
        return
    try:
        theirs = run(torch)
    except (RuntimeError, IndexError):
        _same_error(run)
        return
    ours = run(tg)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_circular_pad_of_the_issue():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    out = _pad(tg, tg.tensor(x), (-1, 1, -2, 1), "circular")
    assert out.tolist() == [[[[9, 10, 11, 9], [13, 14, 15, 13], [9, 10, 11, 9]]]]


PADS_2D = [(-1, 1, -2, 1), (1, -1, 2, -2), (-2, 2, 1, -1), (0, -3, -1, 0), (2, 1, -1, -1)]
PADS_3D = [(-1, 1, 1, -1, -1, 1), (1, -2, 0, 1, 1, -1)]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pads", PADS_2D + PADS_3D)
def test_pad_nd_negative_values_and_gradients_match_torch(mode, pads):
    """Values, gradients (a random upstream gradient) and dtype, in 2-d and 3-d."""
    shape = (2, 3, 4, 5) if len(pads) == 4 else (1, 2, 3, 4, 5)
    rng = np.random.default_rng(len(pads) + sum(pads))
    x = rng.standard_normal(shape)
    results = {}
    for lib in (tg, torch):
        xt = lib.tensor(x, requires_grad=True)
        out = _pad(lib, xt, pads, mode)
        g = np.random.default_rng(1).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(g))
        results[lib] = (out.detach().numpy(), xt.grad.numpy(), str(out.dtype).split(".")[-1])
    (o1, g1, d1), (o2, g2, d2) = results[tg], results[torch]
    assert d1 == d2
    np.testing.assert_array_equal(o1, o2)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pads", [(-1, 1, -2, 1), (1, -1, 0, -1)])
def test_pad_negative_gradcheck(mode, pads):
    x = tg.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 4)), requires_grad=True)

    def fn(t):
        return _pad(tg, t, pads, mode)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize(
    "shape,pads,mode",
    [
        ((1, 4, 4), (0, 0, 2, -5), "constant"),
        ((1, 4, 4), (0, 0, -4, -1), "constant"),
        ((1, 1, 4, 4), (-2, -2, -2, -2), "replicate"),
        ((1, 1, 4, 4), (-2, -2, -2, -2), "reflect"),
        ((1, 1, 2, 4, 4), (-2, -2, -2, -2, -1, -1), "replicate"),
        ((1, 1, 2, 4, 4), (-2, -2, -2, -2, -1, -1), "reflect"),
        ((1, 1, 4, 4), (0, 0, -3, -3), "circular"),
        ((1, 1, 4, 4), (0, 0, 5, 0), "circular"),
    ],
)
def test_pad_errors_match_torch(shape, pads, mode):
    _same_error(lambda lib: _pad(lib, lib.ones(shape), pads, mode))


# ---------------------------------------------------------------------- integer pooling

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]

POOL_CASES = [  # kernel, stride, padding, ceil_mode
    (3, 2, 1, True),
    (3, 2, 1, False),
    (2, None, 0, True),
    (3, 1, 0, False),
    (2, 3, 1, True),
]


def _int_input(dtype: str, shape: tuple) -> np.ndarray:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(sum(shape))
    low = max(int(info.min), -100)
    return rng.integers(low, min(int(info.max), 100), size=shape).astype(dtype)


def _both(fn):
    ours, theirs = fn(tg), fn(torch)
    if isinstance(theirs, tuple):
        return [(o.numpy(), t.numpy(), str(o.dtype), str(t.dtype)) for o, t in zip(ours, theirs)]
    return [(ours.numpy(), theirs.numpy(), str(ours.dtype), str(theirs.dtype))]


def _assert_same(pairs):
    for ours, theirs, d1, d2 in pairs:
        assert d1.split(".")[-1] == d2.split(".")[-1]
        assert ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("nd", [1, 2])
def test_integer_max_pool_matches_torch(nd, case, dtype):
    kernel, stride, padding, ceil_mode = case
    x = _int_input(dtype, (2, 3) + (7,) * nd)

    def run(lib):
        pool = getattr(lib.nn.functional, f"max_pool{nd}d")
        return pool(
            lib.tensor(x), kernel, stride, padding, ceil_mode=ceil_mode, return_indices=True
        )

    _assert_same(_both(run))


@pytest.mark.parametrize("dtype", INT_DTYPES + ["bool"])
def test_max_pool1d_without_indices_takes_floats_only_as_torch(dtype):
    x = np.ones((1, 1, 4), dtype=dtype)
    _same_error(lambda lib: lib.nn.functional.max_pool1d(lib.tensor(x), 2))


@pytest.mark.parametrize("nd", [1, 2])
def test_integer_max_pool_at_the_type_minimum_picks_the_input(nd):
    """A window of the type's minimum ties with the padding: the input element is chosen."""
    x = np.full((1, 1) + (4,) * nd, np.iinfo(np.int64).min)

    def run(lib):
        pool = getattr(lib.nn.functional, f"max_pool{nd}d")
        return pool(lib.tensor(x), 3, 2, 1, return_indices=True)

    _assert_same(_both(run))


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_int64_avg_pool_truncates_as_torch(nd, case, count_include_pad):
    """int64 in, int64 out; the sum is divided with C's division (toward zero)."""
    kernel, stride, padding, ceil_mode = case
    x = _int_input("int64", (2, 3) + (7,) * nd)

    def run(lib):
        pool = getattr(lib.nn.functional, f"avg_pool{nd}d")
        return pool(lib.tensor(x), kernel, stride, padding, ceil_mode, count_include_pad)

    _assert_same(_both(run))


@pytest.mark.parametrize("divisor", [3, -2, 7])
def test_int64_avg_pool2d_with_divisor_override(divisor):
    x = _int_input("int64", (1, 2, 6, 6))

    def run(lib):
        return lib.nn.functional.avg_pool2d(lib.tensor(x), 3, 2, 1, divisor_override=divisor)

    _assert_same(_both(run))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8", "bool"])
@pytest.mark.parametrize("nd", [1, 2])
def test_avg_pool_refuses_other_integer_types_as_torch(dtype, nd):
    x = np.ones((1, 1) + (4,) * nd, dtype=dtype)
    _same_error(lambda lib: getattr(lib.nn.functional, f"avg_pool{nd}d")(lib.tensor(x), 2))


@pytest.mark.parametrize("nd", [1, 2])
def test_max_pool_refuses_bool_as_torch(nd):
    x = np.ones((1, 1) + (4,) * nd, dtype=bool)
    _same_error(lambda lib: getattr(lib.nn.functional, f"max_pool{nd}d")(lib.tensor(x), 2))


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_pooling_an_empty_batch(kind, nd, dtype):
    x = np.ones((0, 3) + (8,) * nd, dtype=dtype)

    def run(lib):
        pool = getattr(lib.nn.functional, f"{kind}_pool{nd}d")
        if kind == "max":  # with indices: PyTorch's 1-d kernel without them takes floats only
            return pool(lib.tensor(x), 3, 2, 1, return_indices=True)
        return pool(lib.tensor(x), 3, 2, 1)

    _assert_same(_both(run))


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("nd", [1, 2])
def test_pooling_an_empty_batch_has_an_empty_gradient(kind, nd):
    for lib in (tg, torch):
        x = lib.ones((0, 2) + (6,) * nd, dtype=lib.float64, requires_grad=True)
        getattr(lib.nn.functional, f"{kind}_pool{nd}d")(x, 2).sum().backward()
        assert tuple(x.grad.shape) == (0, 2) + (6,) * nd


EMPTY_NOT_BATCH = [
    (1, (1, 0, 8)),
    (1, (0, 8)),
    (1, (2, 1, 0)),
    (2, (1, 0, 8, 8)),
    (2, (0, 8, 8)),
    (2, (1, 1, 0, 8)),
]


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("nd,shape", EMPTY_NOT_BATCH)
def test_pooling_other_empty_inputs_error_as_torch(kind, nd, shape):
    _same_error(lambda lib: getattr(lib.nn.functional, f"{kind}_pool{nd}d")(lib.ones(shape), 3))


@pytest.mark.parametrize("nd", [1, 2])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_float_pooling_gradcheck_with_ceil_mode(nd, kind):
    x = tg.tensor(np.random.default_rng(3).standard_normal((2, 2) + (5,) * nd), requires_grad=True)

    def fn(t):
        return getattr(tg.nn.functional, f"{kind}_pool{nd}d")(t, 3, 2, 1, ceil_mode=True)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


# ---------------------------------------------------------------------- argument checks

ARG_ERRORS = [
    lambda F, x1, x2: F.avg_pool2d(x2, 2, divisor_override=0),
    lambda F, x1, x2: F.avg_pool2d(x2, 2, divisor_override=2.5),
    lambda F, x1, x2: F.adaptive_avg_pool2d(x2, -1),
    lambda F, x1, x2: F.adaptive_avg_pool2d(x2, (2, -3)),
    lambda F, x1, x2: F.adaptive_avg_pool2d(x2, (None, -1)),
    lambda F, x1, x2: F.adaptive_avg_pool1d(x1, -2),
    lambda F, x1, x2: F.max_pool1d(x1, 2, dilation=0),
    lambda F, x1, x2: F.max_pool1d(x1, 2, dilation=-1),
    lambda F, x1, x2: F.max_pool1d(x1, 0),
    lambda F, x1, x2: F.max_pool1d(x1, 2, stride=-1),
    lambda F, x1, x2: F.max_pool1d(x1, 2, padding=-1),
    lambda F, x1, x2: F.max_pool1d(x1, 2, dilation=0, stride=0),
    lambda F, x1, x2: F.max_pool2d(x2, 2, dilation=0),
    lambda F, x1, x2: F.max_pool2d(x2, 2, dilation=(1, 0)),
    lambda F, x1, x2: F.max_pool2d(x2, 2, -1),
    lambda F, x1, x2: F.max_pool2d(x2, 2, 1, -1),
    lambda F, x1, x2: F.avg_pool2d(x2, 2, 1, -1),
    lambda F, x1, x2: F.avg_pool1d(x1, 2, -1),
    lambda F, x1, x2: F.conv2d(x2, x2[:, :, :2, :2], dilation=-1),
    lambda F, x1, x2: F.conv2d(x2, x2[:, :, :2, :2], dilation=0),
    lambda F, x1, x2: F.conv2d(x2, x2[:, :, :2, :2], dilation=(0, 1)),
    lambda F, x1, x2: F.conv2d(x2, x2[:, :, :2, :2], dilation=(0, -1)),
    lambda F, x1, x2: F.conv2d(x2, x2[:, :, :2, :2], dilation=-1, padding="same"),
    lambda F, x1, x2: F.conv1d(x1, x1[:, :, :2], dilation=-1),
    lambda F, x1, x2: F.conv1d(x1, x1[:, :, :2], dilation=0),
    lambda F, x1, x2: F.conv1d(x1, x1[:, :, :2], stride=0),
    lambda F, x1, x2: F.conv1d(x1, x1[:, :, :2], padding=-1),
    lambda F, x1, x2: F.conv2d(x2, x2[:, :, :2, :2], stride=-1),
]


@pytest.mark.parametrize("call", ARG_ERRORS)
def test_pool_and_conv_argument_errors_match_torch(call):
    _same_error(lambda lib: call(lib.nn.functional, lib.ones(1, 1, 4), lib.ones(1, 1, 4, 4)))


def test_conv_layer_with_negative_dilation_errors_as_torch():
    def run(lib):
        lib.manual_seed(0)
        return lib.nn.Conv2d(1, 1, 2, dilation=-1)(lib.ones(1, 1, 4, 4))

    _same_error(run)


def test_avg_pool_negative_divisor_matches_torch():
    x = np.random.default_rng(0).standard_normal((1, 1, 4, 4))

    def run(lib):
        return lib.nn.functional.avg_pool2d(lib.tensor(x), 2, divisor_override=-1)

    ((ours, theirs, _, _),) = _both(run)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
