"""retain_grads keeps every intermediate .grad; compare says how two gradients differ."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd

torch = pytest.importorskip("torch")


def _mlp(lib, x, w1, w2):
    h = x @ w1
    r = h.relu()
    out = r @ w2
    loss = (out * out).mean()
    return h, r, out, loss


def _arrays():
    rng = np.random.default_rng(0)
    return (
        rng.standard_normal((5, 3)).astype(np.float32),
        rng.standard_normal((3, 4)).astype(np.float32),
        rng.standard_normal((4, 2)).astype(np.float32),
    )


def test_every_intermediate_keeps_its_grad_and_matches_torch():
    x, w1, w2 = _arrays()
    params = [tg.tensor(w1, requires_grad=True), tg.tensor(w2, requires_grad=True)]
    with autograd.retain_grads():
        h, r, out, loss = _mlp(tg, tg.tensor(x), *params)
    loss.backward()  # after the block: still retained
    tparams = [torch.tensor(w1, requires_grad=True), torch.tensor(w2, requires_grad=True)]
    th, tr, tout, tloss = _mlp(torch, torch.tensor(x), *tparams)
    for t in (th, tr, tout):
        t.retain_grad()
    tloss.backward()
    for ours, theirs in [(h, th), (r, tr), (out, tout)]:
        assert ours.retains_grad
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-7)
    # Hand-derived: dL/dout = 2 out / n, dL/dr = dL/dout @ w2^T, dL/dh = dL/dr * (h > 0).
    d_out = 2 * out.detach().numpy() / out.numel()
    d_r = d_out @ w2.T
    d_h = d_r * (h.detach().numpy() > 0)
    result = autograd.compare(
        {"out": d_out, "r": d_r, "h": d_h},
        {"out": out.grad, "r": r.grad, "h": h.grad},
        verbose=False,
    )
    assert all(result.values())


def test_outside_the_block_nothing_is_retained():
    x, w1, w2 = _arrays()
    with autograd.retain_grads():
        pass
    h, _, _, loss = _mlp(tg, tg.tensor(x), tg.tensor(w1, requires_grad=True), tg.tensor(w2))
    loss.backward()
    assert h.grad is None and not h.retains_grad


def test_compare_reports_exact_allclose_and_the_worst_index(capsys):
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    same = autograd.compare(expected, tg.tensor(expected))
    assert same.exact and same.allclose and bool(same)
    assert capsys.readouterr().out.strip() == "exact"
    close = autograd.compare(expected, expected + 1e-9, name="g")
    assert not close.exact and close.allclose
    assert capsys.readouterr().out.startswith("g: allclose; max difference")
    wrong = expected.copy()
    wrong[1, 0] = 3.5
    diff = autograd.compare(expected, torch.tensor(wrong, requires_grad=True))
    assert not diff and diff.worst_index == (1, 0)
    assert diff.max_abs_diff == 0.5 and diff.expected_value == 3.0 and diff.actual_value == 3.5
    printed = capsys.readouterr().out
    assert "DIFFERENT" in printed and "(1, 0)" in printed and "expected 3.0, got 3.5" in printed


def test_compare_shape_mismatch_nan_and_lists(capsys):
    mismatch = autograd.compare(np.zeros(3), np.zeros((3, 1)))
    assert not mismatch and "shape mismatch" in capsys.readouterr().out
    nan = autograd.compare(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), verbose=False)
    assert nan.exact and nan.allclose
    one_nan = autograd.compare(np.array([1.0, 1.0]), np.array([np.nan, 1.0]), verbose=False)
    assert not one_nan and one_nan.worst_index == (0,)
    pairs = autograd.compare([np.ones(2), np.zeros(2)], [np.ones(2), np.ones(2)], verbose=False)
    assert [bool(p) for p in pairs] == [True, False]
