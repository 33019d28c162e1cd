"""F.interpolate(..., antialias=True) for bilinear and bicubic against PyTorch: values,
gradients and dtypes when shrinking, growing and both at once, finite-difference first and
second derivatives in float64, and PyTorch's errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)

CASES = [
    ((1, 2, 16, 16), {"size": (4, 5)}),
    ((2, 3, 17, 9), {"scale_factor": 0.3}),
    ((1, 1, 5, 7), {"size": (11, 3)}),
    ((1, 2, 8, 8), {"size": (3, 3), "align_corners": True}),
    ((1, 1, 10, 10), {"size": (10, 4)}),  # one axis unchanged: left alone
    ((1, 1, 6, 6), {"size": (6, 6)}),  # nothing changes: a copy
    ((1, 2, 9, 13), {"scale_factor": (0.5, 2.5)}),
    ((1, 1, 12, 12), {"scale_factor": 0.25, "recompute_scale_factor": True}),
]


def _run(lib, array, mode, kwargs, upstream_seed=5):
    x = lib.tensor(array, requires_grad=True)
    out = lib.nn.functional.interpolate(x, mode=mode, antialias=True, **kwargs)
    upstream = np.random.default_rng(upstream_seed).standard_normal(tuple(out.shape))
    out.backward(lib.tensor(upstream.astype(array.dtype)))
    return out.detach(), x.grad


@pytest.mark.parametrize("shape, kwargs", CASES)
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch(shape, kwargs, mode, dtype):
    array = RNG.standard_normal(shape).astype(dtype)
    ours, our_grad = _run(tg, array, mode, kwargs)
    theirs, their_grad = _run(torch, array, mode, kwargs)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype == getattr(tg, str(theirs.dtype).split(".")[-1])
    assert_close(ours.numpy(), theirs.numpy(), dtype=dtype)
    assert_close(our_grad.numpy(), their_grad.numpy(), dtype=dtype)


def test_shrinking_averages_instead_of_skipping():
    stripes = np.tile(np.array([1.0, 0.0]), 8)[None, None, None, :].repeat(4, axis=2)
    x = tg.tensor(stripes)
    smooth = tg.nn.functional.interpolate(x, size=(4, 5), mode="bilinear", antialias=True)
    sharp = tg.nn.functional.interpolate(x, size=(4, 5), mode="bilinear")
    # Plain bilinear reads two pixels and lands anywhere between the stripes' 0 and 1; the
    # anti-aliased filter averages about six, close to their mean.
    assert np.ptp(sharp.numpy()) > 0.5
    assert np.all(np.abs(smooth.numpy() - 0.5) < 0.1)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("kwargs", [{"size": (3, 5)}, {"scale_factor": (0.6, 1.5)}])
def test_gradcheck_and_gradgradcheck(mode, kwargs):
    x = tg.tensor(RNG.standard_normal((1, 2, 5, 4)), requires_grad=True)

    def fn(t):
        return tg.nn.functional.interpolate(t, mode=mode, antialias=True, **kwargs)

    assert tg.autograd.gradcheck(fn, (x,))
    assert tg.autograd.gradgradcheck(fn, (x,))


def test_unchanged_size_is_a_new_tensor():
    x = tg.ones(1, 1, 3, 3)
    out = tg.nn.functional.interpolate(x, size=(3, 3), mode="bilinear", antialias=True)
    assert out is not x
    out.add_(1)
    assert x.sum().item() == 9


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4), size=2, mode="linear",
                                              antialias=True),
        lambda L: L.nn.functional.interpolate(L.ones(1, 1, 4, 4), size=2, mode="nearest",
                                              antialias=True),
        lambda L: L.nn.functional.interpolate(L.ones(1, 1, 2, 4, 4), size=2, mode="trilinear",
                                              antialias=True),
    ],
)  # fmt: skip
def test_errors_as_torch(call):
    with pytest.raises(ValueError) as theirs:
        call(torch)
    with pytest.raises(ValueError) as ours:
        call(tg)
    assert str(ours.value) == str(theirs.value)
