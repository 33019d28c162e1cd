"""cummax, cummin, logcumsumexp, nanmean, aminmax, quantile, nanquantile, diff, trapezoid,
cov and corrcoef against PyTorch: values, indices, dtypes, NaN, empty and 0-d inputs,
keepdim, gradients (gradcheck and gradgradcheck in float64) and PyTorch's errors."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _close(ours, theirs, exact=False):
    """Same dtype and shape; values equal to float64 (float32) rounding, NaN equal NaN."""
    dtype = str(theirs.dtype).split(".")[-1]
    assert str(ours.dtype).split(".")[-1] == dtype
    assert tuple(ours.shape) == tuple(theirs.shape)
    if exact or dtype not in ("float32", "float64"):
        np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
        return
    rtol, atol = (1e-12, 1e-14) if dtype == "float64" else (2e-6, 1e-7)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _all_close(ours, theirs, exact=False):
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        _close(a, b, exact)


def _data(seed, shape, dtype="float64", nan=False, ties=False):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 4, size=shape) if ties else rng.normal(size=shape)
    a = a.astype(dtype)
    if nan and a.size:
        a.reshape(-1)[rng.integers(0, a.size, size=max(1, a.size // 5))] = np.nan
    return a


# ---------------------------------------------------------------------- cummax, cummin


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("shape", [(9,), (3, 6), (2, 3, 4), (0,), (3, 0)])
def test_cummax_cummin_ties_and_nan(seed, shape):
    a = _data(seed, shape, "float32", nan=seed % 2 == 0, ties=True)
    for dim in range(-len(shape), len(shape)):
        for name in ("cummax", "cummin"):
            _all_close(
                getattr(tg, name)(tg.tensor(a), dim),
                tuple(getattr(torch, name)(torch.tensor(a), dim)),
                exact=True,
            )
            _all_close(
                getattr(tg.tensor(a), name)(dim),
                tuple(getattr(torch.tensor(a), name)(dim)),
                exact=True,
            )


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float64"])
def test_cummax_dtypes_and_zero_dim(dtype):
    a = _data(2, (3, 7), ties=True).astype(dtype)
    _all_close(tg.cummax(tg.tensor(a), 1), tuple(torch.cummax(torch.tensor(a), 1)), exact=True)
    _all_close(tg.cummin(tg.tensor(a), 0), tuple(torch.cummin(torch.tensor(a), 0)), exact=True)
    _all_close(tg.cummax(tg.tensor(2.0), 0), tuple(torch.cummax(torch.tensor(2.0), 0)))


# ---------------------------------------------------------------------- logcumsumexp


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_logcumsumexp_values(dtype):
    for shape in ((7,), (3, 5), (2, 0), ()):
        a = (_data(1, shape) * 30).astype(dtype)
        for dim in range(-max(len(shape), 1), max(len(shape), 1)):
            _close(tg.logcumsumexp(tg.tensor(a), dim), torch.logcumsumexp(torch.tensor(a), dim))
    a = np.array([-np.inf, 0.0, 1000.0, -1000.0, np.inf, 5.0], dtype)
    _close(tg.tensor(a).logcumsumexp(0), torch.tensor(a).logcumsumexp(0))
    b = np.array([-np.inf, -np.inf, 1.0], dtype)
    _close(tg.logcumsumexp(tg.tensor(b), 0), torch.logcumsumexp(torch.tensor(b), 0))


def test_logcumsumexp_gradient_is_stable():
    # e^1000 overflows: the gradient has to stay in log space, as PyTorch's does
    a = np.array([1000.0, 999.0, 1001.0, -5.0])
    x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    g = np.array([1.0, -2.0, 0.5, 3.0])
    tg.logcumsumexp(x, 0).backward(tg.tensor(g))
    torch.logcumsumexp(t, 0).backward(torch.tensor(g))
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------- nanmean, aminmax


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nanmean(dtype, keepdim):
    a = _data(4, (4, 5), dtype, nan=True)
    a[1] = np.nan  # a row of only NaN: 0 / 0
    for dim in (None, 0, 1, (0, 1)):
        if dim is None and keepdim:
            continue
        args = () if dim is None else (dim, keepdim)
        _close(tg.nanmean(tg.tensor(a), *args), torch.nanmean(torch.tensor(a), *args))
    _close(tg.tensor(a).nanmean(), torch.tensor(a).nanmean())
    _close(
        tg.nanmean(tg.tensor(a), dtype=tg.float64),
        torch.nanmean(torch.tensor(a), dtype=torch.float64),
    )


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_aminmax(dtype):
    a = _data(5, (3, 4), ties=True).astype(dtype)
    for kw in ({}, {"keepdim": True}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"dim": -1}):
        _all_close(tg.aminmax(tg.tensor(a), **kw), tuple(torch.aminmax(torch.tensor(a), **kw)))
        _all_close(tg.tensor(a).aminmax(**kw), tuple(torch.tensor(a).aminmax(**kw)))
    out = tg.aminmax(tg.tensor(a))
    assert type(out).__name__ == "aminmax" and out.min.shape == () and out.max.shape == ()


# ---------------------------------------------------------------------- quantile


INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]


def _quantile(lib, name, a, q, dim, keepdim, interpolation):
    qs = lib.tensor(np.array(q, a.dtype)) if isinstance(q, list) else q
    return getattr(lib, name)(lib.tensor(a), qs, dim, keepdim, interpolation=interpolation)


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_quantile(interpolation, name, dtype):
    for nan in (False, True):
        a = _data(6, (4, 7), dtype, nan=nan)
        if nan:
            a[2] = np.nan
        for q in (0.0, 0.37, 0.5, 1.0, [0.0, 0.25, 0.5, 0.9, 1.0]):
            for dim, keepdim in ((None, False), (None, True), (1, False), (0, True), (-1, True)):
                args = (name, a, q, dim, keepdim, interpolation)
                _close(_quantile(tg, *args), _quantile(torch, *args))
    a = _data(7, (6,), dtype)
    _close(getattr(tg.tensor(a), name)(0.3), getattr(torch.tensor(a), name)(0.3))
    _close(
        getattr(tg, name)(tg.tensor(a), tg.tensor(np.array(0.6, dtype))),
        getattr(torch, name)(torch.tensor(a), torch.tensor(np.array(0.6, dtype))),
    )


# ---------------------------------------------------------------------- diff, trapezoid


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7])
def test_diff(n):
    a = _data(8, (4, 5))
    for dim in (0, 1, -1):
        _close(tg.diff(tg.tensor(a), n, dim), torch.diff(torch.tensor(a), n, dim))

    def run(L, x):
        return L.diff(x, n, 0, prepend=x[:1] * 2, append=x[:2])

    _close(run(tg, tg.tensor(a)), run(torch, torch.tensor(a)))

    def run(L, x):
        return x.diff(n, 1, append=L.ones(4, 1, dtype=L.float64))

    _close(run(tg, tg.tensor(a)), run(torch, torch.tensor(a)))
    for dtype in ("bool", "int32", "float32"):
        b = (a > 0).astype(dtype) if dtype == "bool" else (a * 10).astype(dtype)
        _close(tg.diff(tg.tensor(b), n), torch.diff(torch.tensor(b), n))


def test_trapezoid():
    y = _data(9, (3, 5))
    x1 = np.array([0.0, 1.0, 3.0, 4.0, 7.5])
    for run in (
        lambda L: L.trapezoid(L.tensor(y)),
        lambda L: L.trapezoid(L.tensor(y), dx=0.5, dim=0),
        lambda L: L.trapezoid(L.tensor(y), L.tensor(x1)),
        lambda L: L.trapezoid(L.tensor(y), L.tensor(y).cumsum(1)),
        lambda L: L.trapezoid(L.tensor(y), L.tensor(x1[:3]), dim=0),
        lambda L: L.trapezoid(L.tensor((y * 10).astype(np.int64))),
        lambda L: L.trapezoid(L.tensor(y[:, :1])),
        lambda L: L.trapezoid(L.tensor(y.astype(np.float32)), dx=2),
    ):
        _close(run(tg), run(torch))


# ---------------------------------------------------------------------- cov, corrcoef


def test_cov_and_corrcoef():
    a = _data(10, (3, 6))
    fw, aw = np.array([1, 2, 1, 3, 1, 2]), np.array([0.5, 1.0, 2.0, 1.0, 0.3, 0.8])
    for run in (
        lambda L: L.cov(L.tensor(a)),
        lambda L: L.cov(L.tensor(a), correction=0),
        lambda L: L.cov(L.tensor(a[0])),
        lambda L: L.cov(L.tensor(a[:1])),
        lambda L: L.cov(L.tensor(a), fweights=L.tensor(fw)),
        lambda L: L.cov(L.tensor(a), aweights=L.tensor(aw)),
        lambda L: L.cov(L.tensor(a), fweights=L.tensor(fw), aweights=L.tensor(aw), correction=2),
        lambda L: L.cov(L.tensor((a * 10).astype(np.int64))),
        lambda L: L.tensor(a.astype(np.float32)).cov(),
        lambda L: L.corrcoef(L.tensor(a)),
        lambda L: L.corrcoef(L.tensor(a[0])),
        lambda L: L.tensor(a).corrcoef(),
    ):
        _close(run(tg), run(torch))


# ---------------------------------------------------------------------- gradients

GRAD_CALLS = {
    "cummax": lambda L, x: L.cummax(x, 1).values,
    "cummin": lambda L, x: L.cummin(x, 0).values,
    "logcumsumexp": lambda L, x: L.logcumsumexp(x, 1),
    "logcumsumexp0": lambda L, x: x.logcumsumexp(0),
    "nanmean": lambda L, x: L.nanmean(x, 1),
    "aminmax": lambda L, x: L.aminmax(x, dim=0).max * 2 + L.aminmax(x, dim=0).min,
    "aminmax_all": lambda L, x: L.aminmax(x).min,
    "quantile": lambda L, x: L.quantile(x, 0.37, 1),
    "quantile_q": lambda L, x: L.quantile(x, L.tensor([0.1, 0.5, 0.8], dtype=L.float64), 0),
    "quantile_mid": lambda L, x: L.quantile(x, 0.3, interpolation="midpoint"),
    "nanquantile": lambda L, x: L.nanquantile(x, 0.6, 1, keepdim=True),
    "diff": lambda L, x: L.diff(x, 2, 1),
    "diff_pre": lambda L, x: L.diff(x, 1, 0, prepend=x[-1:] * 3),
    "trapezoid": lambda L, x: L.trapezoid(x, dx=0.7),
    "trapezoid_x": lambda L, x: L.trapezoid(x[1:], x[0]),
    "cov": lambda L, x: L.cov(x),
    "corrcoef": lambda L, x: L.corrcoef(x),
}


@pytest.mark.parametrize("name", list(GRAD_CALLS))
def test_gradients_match_torch_and_finite_differences(name):
    fn = GRAD_CALLS[name]
    rng = np.random.default_rng(11)
    a = rng.permutation(20).reshape(4, 5) * 0.31 + rng.uniform(0, 0.1)  # no ties
    x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    g = rng.normal(size=tuple(fn(torch, t).shape))
    fn(tg, x).backward(tg.tensor(g))
    fn(torch, t).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda v: fn(tg, v), (tg.tensor(a, requires_grad=True),))
    assert gradgradcheck(lambda v: fn(tg, v), (tg.tensor(a, requires_grad=True),))


def test_gradients_with_ties_and_nan_match_torch():
    a = np.array([[1.0, 3.0, 3.0, np.nan, 2.0], [2.0, 2.0, 0.5, 2.0, 1.0]])
    for run in (
        lambda L, x: L.cummax(x, 1).values,
        lambda L, x: L.cummin(x, 1).values,
        lambda L, x: L.nanmean(x, 1),
        lambda L, x: L.nanquantile(x, 0.5, 1),
        lambda L, x: L.aminmax(x[1]).max,
    ):
        x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        run(tg, x).sum().backward()
        run(torch, t).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------- errors


def _raises(fn_ours, fn_theirs):
    with pytest.raises(Exception) as theirs:
        fn_theirs()
    with pytest.raises(type(theirs.value)) as ours:
        fn_ours()
    assert str(ours.value) == str(theirs.value)


ERRORS = {
    "cummax_dim": lambda L: L.cummax(L.zeros(3), 1),
    "logcumsumexp_int": lambda L: L.logcumsumexp(L.arange(3), 0),
    "nanmean_int": lambda L: L.nanmean(L.arange(3)),
    "aminmax_empty": lambda L: L.aminmax(L.zeros(0)),
    "aminmax_empty_dim": lambda L: L.aminmax(L.zeros(2, 0), dim=1),
    "quantile_q": lambda L: L.quantile(L.zeros(3), 1.5),
    "quantile_q_tensor": lambda L: L.quantile(L.zeros(3), L.tensor([0.5, 2.0])),
    "quantile_int": lambda L: L.quantile(L.arange(3), 0.5),
    "quantile_q_dtype": lambda L: L.quantile(L.zeros(3), L.tensor([0.5], dtype=L.float64)),
    "quantile_q_2d": lambda L: L.quantile(L.zeros(3), L.zeros(1, 1)),
    "quantile_empty": lambda L: L.quantile(L.zeros(0), 0.5),
    "quantile_interp": lambda L: L.quantile(L.zeros(3), 0.5, interpolation="cubic"),
    "diff_order": lambda L: L.diff(L.zeros(3), -1),
    "diff_0d": lambda L: L.diff(L.tensor(1.0)),
    "diff_prepend_0d": lambda L: L.diff(L.zeros(3), prepend=L.tensor(1.0)),
    "diff_prepend_shape": lambda L: L.diff(L.zeros(3, 2), dim=0, prepend=L.zeros(1, 3)),
    "cov_3d": lambda L: L.cov(L.zeros(2, 2, 2)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    _raises(lambda: ERRORS[name](tg), lambda: ERRORS[name](torch))
