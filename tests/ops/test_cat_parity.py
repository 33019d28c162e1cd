"""cat with PyTorch's legacy rule: a 1-d empty tensor (`tensor([])`) is skipped whatever the dim
and the rank of the others, so "start from an empty tensor and append" works. Values, dtype
promotion (the empty tensor's dtype still counts), gradients and errors against PyTorch."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

SHAPES = [(2, 3), (2, 3, 4)]


def _same_error(fn):
    with pytest.raises(Exception) as theirs:
        fn(torch)
    message = re.escape(str(theirs.value).split("\n")[0])
    with pytest.raises(type(theirs.value), match=message):
        fn(tg)


def _positions():
    """Where the empties go among two real tensors: before, between, after, everywhere."""
    return [(0,), (1,), (2,), (0, 2), (0, 1, 2)]


@pytest.mark.parametrize("positions", _positions())
@pytest.mark.parametrize("shape,dim", [(s, d) for s in SHAPES for d in range(len(s))])
def test_cat_skips_legacy_empty_tensors_with_gradients(shape, dim, positions):
    results = {}
    for lib in (tg, torch):
        rng = np.random.default_rng(0)
        reals = [lib.tensor(rng.standard_normal(shape), requires_grad=True) for _ in range(2)]
        empties = [lib.tensor([], requires_grad=True) for _ in positions]
        parts = list(reals)
        for slot, empty in zip(sorted(positions, reverse=True), empties):
            parts.insert(slot, empty)
        out = lib.cat(parts, dim=dim)
        g = np.random.default_rng(1).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(g))
        results[lib] = (
            out.detach().numpy(),
            str(out.dtype).split(".")[-1],
            [r.grad.numpy() for r in reals],
            [(tuple(e.grad.shape), str(e.grad.dtype).split(".")[-1]) for e in empties],
        )
    (o1, d1, g1, e1), (o2, d2, g2, e2) = results[tg], results[torch]
    assert d1 == d2 and o1.shape == o2.shape
    np.testing.assert_array_equal(o1, o2)
    for a, b in zip(g1, g2):
        np.testing.assert_array_equal(a, b)
    assert e1 == e2


@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_cat_of_the_issue_any_dim(dim):
    for lib in (tg, torch):
        out = lib.cat([lib.tensor([]), lib.ones(2, 3)], dim=dim)
        assert tuple(out.shape) == (2, 3)


def test_cat_with_empty_gradcheck():
    a = tg.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    b = tg.tensor(np.random.default_rng(1).standard_normal((2, 1)), requires_grad=True)
    empty = tg.tensor([], dtype=tg.float64, requires_grad=True)

    def fn(x, e, y):
        return tg.cat([e, x, e, y], dim=1)

    assert gradcheck(fn, (a, empty, b))
    assert gradgradcheck(fn, (a, empty, b))


DTYPE_PAIRS = [
    ("float32", "int64"),
    ("int64", "int32"),
    ("float32", "float64"),
    ("int64", "float32"),
    ("bool", "int8"),
]


@pytest.mark.parametrize("empty_dtype,other_dtype", DTYPE_PAIRS)
def test_cat_dtype_counts_the_empty_tensor(empty_dtype, other_dtype):
    for dim in (0, 1):
        outs = [
            lib.cat(
                [
                    lib.tensor([], dtype=getattr(lib, empty_dtype)),
                    lib.ones(2, 3, dtype=getattr(lib, other_dtype)),
                ],
                dim=dim,
            )
            for lib in (tg, torch)
        ]
        assert str(outs[0].dtype).split(".")[-1] == str(outs[1].dtype).split(".")[-1]
        np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())


@pytest.mark.parametrize("dim", [0, 1, 5, -3])
def test_cat_of_empties_only_ignores_dim(dim):
    for lib in (tg, torch):
        out = lib.cat([lib.tensor([]), lib.tensor([])], dim=dim)
        assert tuple(out.shape) == (0,)


def test_cat_keeps_empty_tensors_of_other_shapes():
    for parts, dim in [(((0, 3), (2, 3)), 0), (((2, 0), (2, 3)), 1)]:
        outs = [lib.cat([lib.ones(s) for s in parts], dim=dim) for lib in (tg, torch)]
        assert tuple(outs[0].shape) == tuple(outs[1].shape)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.cat([lib.tensor([]), lib.ones(2, 3)], 2),
        lambda lib: lib.cat([lib.tensor([]), lib.ones(2, 3)], -3),
        lambda lib: lib.cat([lib.zeros(0, 2), lib.ones(2, 3)], 0),
        lambda lib: lib.cat([lib.tensor([]), lib.tensor(1.0)]),
        lambda lib: lib.cat([lib.tensor(1.0), lib.tensor([])]),
        lambda lib: lib.cat([lib.tensor([]), lib.ones(2, 3), lib.ones(3)], 0),
    ],
)
def test_cat_errors_match_torch(call):
    _same_error(call)
