"""Addmm's backward as one op (AddmmBackward): first and second derivatives of F.linear for
every combination of inputs that need a gradient, against finite differences and PyTorch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tinygrad_nn as tg

NEEDS = [c for c in itertools.product([False, True], repeat=3) if any(c)]


def _inputs(lib, needs, dtype="float64"):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((4, 5), (3, 5), (3,))]
    return [lib.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]


def _f(lib):
    return lambda x, w, b: lib.nn.functional.linear(x, w, b).tanh()


@pytest.mark.parametrize("needs", NEEDS)
def test_gradcheck_and_gradgradcheck(needs):
    inputs = _inputs(tg, needs)
    assert tg.autograd.gradcheck(_f(tg), inputs)
    assert tg.autograd.gradgradcheck(_f(tg), inputs)


@pytest.mark.parametrize("needs", NEEDS)
def test_second_derivatives_match_torch(needs):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        inputs = _inputs(lib, needs)
        wanted = [t for t in inputs if t.requires_grad]
        out = _f(lib)(*inputs)
        firsts = lib.autograd.grad((out**2).sum(), wanted, create_graph=True)
        total = sum((g * g).sum() for g in firsts)
        seconds = lib.autograd.grad(total, wanted, allow_unused=True)
        results.append(
            [g.detach().numpy() for g in firsts]
            + [None if g is None else g.detach().numpy() for g in seconds]
        )
    for ours, theirs in zip(*results):
        if theirs is None:
            assert ours is None or not np.any(ours)
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_weight_gradient_is_row_major_like_the_weight():
    inputs = _inputs(tg, (True, True, True), "float32")
    _f(tg)(*inputs).sum().backward()
    assert inputs[1].grad.numpy().flags.c_contiguous
    assert inputs[1].grad.dtype == tg.float32


def test_the_node_pytorch_records():
    x, w, b = _inputs(tg, (True, True, True))
    y = tg.nn.functional.linear(x, w, b)
    assert y.grad_fn.name() == "AddmmBackward0"
    assert [n.name() if n else None for n, _ in y.grad_fn.next_functions] == [
        "torch::autograd::AccumulateGrad",
        "torch::autograd::AccumulateGrad",
        "TBackward0",
    ]
