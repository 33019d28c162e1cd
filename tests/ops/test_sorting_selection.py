"""sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, unique, unique_consecutive,
searchsorted, bucketize and bincount against PyTorch: values, indices (PyTorch's CPU tie
order), dtypes, NaN placement, empty and 0-d inputs, keepdim, gradients (gradcheck and
gradgradcheck in float64) and PyTorch's errors."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _same(ours, theirs):
    """Same dtype, shape and values (NaN equal to NaN)."""
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())


def _same_pair(ours, theirs):
    assert type(ours).__name__ == type(theirs).__name__
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        _same(a, b)


def _tied(seed, shape, dtype="float32", nan=False, levels=4):
    """Values with many ties (and a few NaN if asked)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels, size=shape).astype(dtype)
    if nan and a.size:
        a.reshape(-1)[rng.integers(0, a.size, size=max(1, a.size // 6))] = np.nan
    return a


def _distinct(seed, shape):
    """float64 values without ties, for gradient checks through the picked indices."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.37 + rng.uniform(0, 0.1)


SHAPES = [(7,), (3, 5), (2, 3, 4), (4, 1), (0,), (2, 0)]


# ---------------------------------------------------------------------- sort


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_ties_and_nan(seed, shape, descending):
    a = _tied(seed, shape, nan=seed % 2 == 0)
    for dim in range(-len(shape), len(shape)):
        ours = tg.sort(tg.tensor(a), dim, descending)
        theirs = torch.sort(torch.tensor(a), dim=dim, descending=descending, stable=True)
        _same_pair(ours, theirs)
        _same(
            tg.argsort(tg.tensor(a), dim, descending),
            torch.argsort(torch.tensor(a), dim=dim, descending=descending, stable=True),
        )
        _same_pair(
            tg.tensor(a).sort(dim, descending=descending),
            torch.tensor(a).sort(dim=dim, descending=descending, stable=True),
        )


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float64"])
def test_sort_dtypes(dtype):
    a = _tied(3, (4, 6), levels=2 if dtype == "bool" else 5).astype(dtype)
    _same_pair(tg.sort(tg.tensor(a)), torch.sort(torch.tensor(a)))
    _same_pair(tg.sort(tg.tensor(a), 0, True), torch.sort(torch.tensor(a), 0, True))
    _same(tg.msort(tg.tensor(a)), torch.msort(torch.tensor(a)))
    _same(tg.tensor(a).msort(), torch.tensor(a).msort())


def test_sort_zero_dim():
    _same_pair(tg.sort(tg.tensor(3.0)), torch.sort(torch.tensor(3.0)))
    _same(tg.argsort(tg.tensor(3.0)), torch.argsort(torch.tensor(3.0)))
    _same_pair(tg.topk(tg.tensor(3.0), 1), torch.topk(torch.tensor(3.0), 1))
    _same_pair(tg.kthvalue(tg.tensor(3.0), 1), torch.kthvalue(torch.tensor(3.0), 1))
    _same_pair(tg.median(tg.tensor(3.0), 0), torch.median(torch.tensor(3.0), 0))
    _same_pair(tg.mode(tg.tensor(3.0)), torch.mode(torch.tensor(3.0)))


def test_sort_infinities_and_signed_zero():
    a = np.array([np.inf, -0.0, 0.0, -np.inf, np.nan, 1.0, -0.0], np.float32)
    _same_pair(tg.sort(tg.tensor(a)), torch.sort(torch.tensor(a), stable=True))
    _same_pair(
        tg.sort(tg.tensor(a), descending=True),
        torch.sort(torch.tensor(a), descending=True, stable=True),
    )


# ---------------------------------------------------------------------- topk, kthvalue


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("largest", [True, False])
def test_topk_tie_order(seed, largest):
    n = 3 + seed * 3
    a = _tied(seed, (3, n), nan=seed % 3 == 0)
    for k in (1, 2, n // 2, n - 1, n):
        for dim in (1, -1):
            _same_pair(
                tg.topk(tg.tensor(a), k, dim, largest), torch.topk(torch.tensor(a), k, dim, largest)
            )
    _same_pair(
        tg.tensor(a.T.copy()).topk(2, 0, largest=largest),
        torch.tensor(a.T.copy()).topk(2, 0, largest=largest),
    )


def test_topk_unsorted_selects_the_same_set():
    a = _distinct(1, (4, 9)).astype(np.float32)
    ours, theirs = (
        tg.topk(tg.tensor(a), 4, sorted=False),
        torch.topk(torch.tensor(a), 4, sorted=False),
    )
    np.testing.assert_array_equal(
        np.sort(ours.values.numpy(), 1), np.sort(theirs.values.numpy(), 1)
    )


@pytest.mark.parametrize("seed", range(20))
def test_kthvalue_tie_index(seed):
    n = 2 + seed * 2
    a = _tied(seed, (2, n), nan=seed % 4 == 0)
    for k in range(1, n + 1):
        _same_pair(tg.kthvalue(tg.tensor(a), k, 1), torch.kthvalue(torch.tensor(a), k, 1))
    _same_pair(
        tg.tensor(a).kthvalue(1, 0, keepdim=True), torch.tensor(a).kthvalue(1, 0, keepdim=True)
    )


def test_topk_kthvalue_empty():
    _same_pair(tg.topk(tg.zeros(3, 0), 0), torch.topk(torch.zeros(3, 0), 0))
    _same_pair(tg.kthvalue(tg.zeros(0, 3), 1, 1), torch.kthvalue(torch.zeros(0, 3), 1, 1))


# ---------------------------------------------------------------------- median, mode


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_nanmedian_tie_index(seed, keepdim):
    a = _tied(seed, (3, 1 + seed * 2), nan=seed % 2 == 1)
    for dim in (0, 1, -1):
        for name in ("median", "nanmedian"):
            ours = getattr(tg, name)(tg.tensor(a), dim, keepdim)
            _same_pair(ours, getattr(torch, name)(torch.tensor(a), dim, keepdim))
            _same_pair(
                getattr(tg.tensor(a), name)(dim, keepdim),
                getattr(torch.tensor(a), name)(dim, keepdim),
            )
    for name in ("median", "nanmedian"):
        _same(getattr(tg, name)(tg.tensor(a)), getattr(torch, name)(torch.tensor(a)))


def test_median_all_nan_and_empty():
    a = np.array([[np.nan, np.nan], [1.0, np.nan]], np.float32)
    _same_pair(tg.nanmedian(tg.tensor(a), 1), torch.nanmedian(torch.tensor(a), 1))
    _same(tg.median(tg.tensor([])), torch.median(torch.tensor([])))
    _same(tg.nanmedian(tg.tensor(a)), torch.nanmedian(torch.tensor(a)))


@pytest.mark.parametrize("seed", range(20))
def test_mode(seed):
    a = _tied(seed, (3, 1 + seed % 16), levels=3)
    for dim, keepdim in ((1, False), (0, True), (-1, True)):
        _same_pair(tg.mode(tg.tensor(a), dim, keepdim), torch.mode(torch.tensor(a), dim, keepdim))
    _same_pair(tg.tensor(a).mode(), torch.tensor(a).mode())
    b = a.astype(np.int64)
    _same_pair(tg.mode(tg.tensor(b), 0), torch.mode(torch.tensor(b), 0))


@pytest.mark.parametrize("n", [17, 40, 100])
def test_mode_long_rows(n):
    # past 16 elements PyTorch's std::sort is an introsort, no longer stable: its index
    # among the tied values comes from the same partitioning steps
    a = _tied(n, (4, n), levels=3)
    _same_pair(tg.mode(tg.tensor(a)), torch.mode(torch.tensor(a)))


@pytest.mark.parametrize("n", [64, 200, 1000])
@pytest.mark.parametrize("k", [1, 3, 17, 40])
def test_topk_long_rows(n, k):
    # k * 64 <= n takes PyTorch's partial-sort path; larger k its nth_element and introsort
    a = _tied(n + k, (2, n), nan=n == 200, levels=6)
    for largest in (True, False):
        for ordered in (True, False):
            _same_pair(
                tg.topk(tg.tensor(a), k, largest=largest, sorted=ordered),
                torch.topk(torch.tensor(a), k, largest=largest, sorted=ordered),
            )


# ---------------------------------------------------------------------- gradients

SELECT_CALLS = {
    "sort": lambda L, x: L.sort(x, 1).values,
    "sort_desc": lambda L, x: L.sort(x, 0, descending=True).values,
    "topk": lambda L, x: L.topk(x, 2, 1).values,
    "topk_small": lambda L, x: L.topk(x, 3, 0, largest=False).values,
    "kthvalue": lambda L, x: L.kthvalue(x, 2, 1).values,
    "median_dim": lambda L, x: L.median(x, 1, keepdim=True).values,
    "nanmedian_dim": lambda L, x: L.nanmedian(x, 0).values,
    "median": lambda L, x: L.median(x),
    "mode": lambda L, x: L.mode(x, 1).values,
    "msort": lambda L, x: L.msort(x),
}


@pytest.mark.parametrize("name", list(SELECT_CALLS))
def test_gradients_match_torch_and_finite_differences(name):
    fn = SELECT_CALLS[name]
    a = _distinct(7, (4, 5))
    if name == "mode":
        a[:, 1] = a[:, 3]  # a repeated value per row, so the mode is not just the smallest
    x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    g = np.random.default_rng(0).normal(size=tuple(fn(torch, t).shape))
    fn(tg, x).backward(tg.tensor(g))
    fn(torch, t).backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=0, atol=1e-12)
    a = _distinct(8, (4, 5))  # finite differences need every value distinct
    assert gradcheck(lambda v: fn(tg, v), (tg.tensor(a, requires_grad=True),))
    assert gradgradcheck(lambda v: fn(tg, v), (tg.tensor(a, requires_grad=True),))


def test_median_all_gradient_is_shared_by_ties():
    a = np.array([1.0, 2.0, 2.0, 3.0, 2.0])
    x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    tg.median(x).backward()
    torch.median(t).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    x, t = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    tg.sort(x).values.sum().backward()
    torch.sort(t).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_indices_are_not_differentiable():
    x = tg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    out = tg.sort(x)
    assert out.values.requires_grad and not out.indices.requires_grad
    assert out.indices.dtype == tg.int64


# ---------------------------------------------------------------------- unique


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique(seed, dim):
    a = _tied(seed, (5, 3), levels=3).astype(np.int64)
    for inverse in (False, True):
        for counts in (False, True):
            ours = tg.unique(tg.tensor(a), return_inverse=inverse, return_counts=counts, dim=dim)
            theirs = torch.unique(
                torch.tensor(a), return_inverse=inverse, return_counts=counts, dim=dim
            )
            for o, t in zip(
                ours if isinstance(ours, tuple) else (ours,),
                theirs if isinstance(theirs, tuple) else (theirs,),
            ):
                _same(o, t)
            kw = {"return_inverse": inverse, "return_counts": counts, "dim": dim}
            ours = tg.unique_consecutive(tg.tensor(a), **kw)
            theirs = torch.unique_consecutive(torch.tensor(a), **kw)
            for o, t in zip(
                ours if isinstance(ours, tuple) else (ours,),
                theirs if isinstance(theirs, tuple) else (theirs,),
            ):
                _same(o, t)
    _same(tg.tensor(a).unique(), torch.tensor(a).unique())
    _same(tg.tensor(a).unique_consecutive(), torch.tensor(a).unique_consecutive())


def test_unique_float_and_empty():
    a = np.array([2.0, -0.0, 1.5, 2.0, 0.0, 1.5], np.float32)
    _same(tg.unique(tg.tensor(a)), torch.unique(torch.tensor(a)))
    ours = tg.unique(tg.tensor([]), return_inverse=True, return_counts=True)
    theirs = torch.unique(torch.tensor([]), return_inverse=True, return_counts=True)
    for o, t in zip(ours, theirs):
        _same(o, t)


# ---------------------------------------------------------------------- searching and counting


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("out_int32", [False, True])
def test_searchsorted_and_bucketize(right, out_int32):
    seq = np.array([1.0, 2.0, 2.0, 3.0, 5.0])
    vals = np.array([[0.0, 1.0, 2.0], [2.5, 5.0, 9.0]])
    kw = {"right": right, "out_int32": out_int32}
    _same(
        tg.searchsorted(tg.tensor(seq), tg.tensor(vals), **kw),
        torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw),
    )
    _same(
        tg.searchsorted(tg.tensor(seq), 2.0, **kw), torch.searchsorted(torch.tensor(seq), 2.0, **kw)
    )
    _same(
        tg.bucketize(tg.tensor(vals), tg.tensor(seq), **kw),
        torch.bucketize(torch.tensor(vals), torch.tensor(seq), **kw),
    )
    seq2 = np.sort(np.random.default_rng(0).integers(0, 9, size=(2, 6)), 1)
    vals2 = np.array([[0, 3, 8], [4, 4, 10]])
    _same(
        tg.searchsorted(tg.tensor(seq2), tg.tensor(vals2), **kw),
        torch.searchsorted(torch.tensor(seq2), torch.tensor(vals2), **kw),
    )


def test_searchsorted_side_and_sorter():
    seq = np.array([5.0, 1.0, 3.0, 2.0])
    sorter = np.argsort(seq)
    vals = np.array([2.0, 3.0, 6.0])
    for side in ("left", "right"):
        _same(
            tg.searchsorted(tg.tensor(seq), tg.tensor(vals), side=side, sorter=tg.tensor(sorter)),
            torch.searchsorted(
                torch.tensor(seq), torch.tensor(vals), side=side, sorter=torch.tensor(sorter)
            ),
        )


def test_bincount():
    a = np.array([0, 3, 3, 1, 7, 3])
    _same(tg.bincount(tg.tensor(a)), torch.bincount(torch.tensor(a)))
    _same(tg.bincount(tg.tensor(a), minlength=10), torch.bincount(torch.tensor(a), minlength=10))
    _same(tg.tensor(a).bincount(), torch.tensor(a).bincount())
    for wd in ("float32", "float64", "int64"):
        w = np.linspace(0.5, 3, 6).astype(wd)
        _same(
            tg.bincount(tg.tensor(a), tg.tensor(w)),
            torch.bincount(torch.tensor(a), torch.tensor(w)),
        )
    empty = np.array([], np.int64)
    _same(tg.bincount(tg.tensor(empty)), torch.bincount(torch.tensor(empty)))
    _same(
        tg.bincount(tg.tensor(empty), minlength=3), torch.bincount(torch.tensor(empty), minlength=3)
    )
    _same(
        tg.bincount(tg.tensor(a.astype(np.uint8))), torch.bincount(torch.tensor(a.astype(np.uint8)))
    )


# ---------------------------------------------------------------------- errors


def _raises(fn_ours, fn_theirs):
    with pytest.raises(Exception) as theirs:
        fn_theirs()
    with pytest.raises(type(theirs.value)) as ours:
        fn_ours()
    assert str(ours.value) == str(theirs.value)


ERRORS = {
    "sort_dim": lambda L: L.sort(L.zeros(3), 1),
    "argsort_dim": lambda L: L.argsort(L.zeros(3, 2), -3),
    "topk_k": lambda L: L.topk(L.zeros(5), 6),
    "topk_negative": lambda L: L.topk(L.zeros(5), -1),
    "kthvalue_zero": lambda L: L.kthvalue(L.zeros(5), 0),
    "kthvalue_big": lambda L: L.kthvalue(L.zeros(2, 5), 6, 1),
    "median_empty": lambda L: L.median(L.zeros(0), 0),
    "nanmedian_empty": lambda L: L.nanmedian(L.zeros(2, 0), 1),
    "mode_empty": lambda L: L.mode(L.zeros(0), 0),
    "bincount_negative": lambda L: L.bincount(L.tensor([-1, 2])),
    "bincount_2d": lambda L: L.bincount(L.tensor([[1]])),
    "bincount_float": lambda L: L.bincount(L.tensor([1.0])),
    "searchsorted_side": lambda L: L.searchsorted(
        L.tensor([1, 2]), L.tensor([1]), side="left", right=True
    ),
    "searchsorted_shapes": lambda L: L.searchsorted(L.tensor([[1, 2]]), L.tensor([1, 2])),
    "sort_not_tensor": lambda L: L.sort([1, 2]),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    _raises(lambda: ERRORS[name](tg), lambda: ERRORS[name](torch))
