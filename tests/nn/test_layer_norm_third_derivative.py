"""layer_norm's third derivative, checked against finite differences - not against PyTorch.

PyTorch 2.13's third derivative of layer_norm disagrees with finite differences of its own
second derivative: by up to 28 on a 3x4 input (its second derivative is right, and equals
ours). Ours agrees with finite differences to about 1e-8, so we keep ours; these tests pin
that, and the last one records PyTorch's disagreement so that a change in either is noticed.

layer_norm here is a composite of mean, subtraction, var and rsqrt, so its higher derivatives
are those ops' own, each checked by the op table.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
C, V, W = (RNG.standard_normal((3, 4)) for _ in range(3))  # random contractions, not ones
GAMMA, BETA = RNG.uniform(0.5, 1.5, (4,)), RNG.standard_normal((4,))


def _layer_norm(lib, x, affine: bool):
    weight = lib.tensor(GAMMA) if affine else None
    bias = lib.tensor(BETA) if affine else None
    return lib.nn.functional.layer_norm(x, (4,), weight, bias)


def _second_and_third(lib, x_np: np.ndarray, affine: bool = False):
    """H v for f(x) = sum(layer_norm(x) * C), and d(H v . W)/dx (the third derivative,
    contracted with V and W)."""
    x = lib.tensor(x_np, requires_grad=True)
    f = (_layer_norm(lib, x, affine) * lib.tensor(C)).sum()
    (g,) = lib.autograd.grad(f, x, create_graph=True)
    (h,) = lib.autograd.grad((g * lib.tensor(V)).sum(), x, create_graph=True)
    (t,) = lib.autograd.grad((h * lib.tensor(W)).sum(), x)
    return h.detach().numpy(), t.numpy()


def _finite_difference_of_second(lib, affine: bool, eps: float = 1e-5) -> np.ndarray:
    """Central differences of x -> (H(x) v) . W: the third derivative without using it."""
    out = np.zeros_like(X)
    for i in np.ndindex(X.shape):
        plus, minus = X.copy(), X.copy()
        plus[i] += eps
        minus[i] -= eps
        hp, hm = (_second_and_third(lib, p, affine)[0] for p in (plus, minus))
        out[i] = ((hp - hm) * W).sum() / (2 * eps)
    return out


@pytest.mark.parametrize("affine", [False, True], ids=["plain", "weight_and_bias"])
def test_second_derivative_equals_pytorchs(affine):
    # the finite differences below start from this, so it is pinned to PyTorch first
    ours, theirs = _second_and_third(tg, X, affine)[0], _second_and_third(torch, X, affine)[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("affine", [False, True], ids=["plain", "weight_and_bias"])
def test_third_derivative_matches_finite_differences(affine):
    third = _second_and_third(tg, X, affine)[1]
    numerical = _finite_difference_of_second(tg, affine)
    np.testing.assert_allclose(third, numerical, rtol=1e-6, atol=1e-6)


def test_gradgradcheck_of_the_gradient_in_every_input():
    """gradgradcheck of (x, weight, bias) -> dL/d(x, weight, bias): third derivatives in all
    three inputs (and the upstream gradient) against finite differences."""
    args = (
        tg.tensor(X, requires_grad=True),
        tg.tensor(GAMMA, requires_grad=True),
        tg.tensor(BETA, requires_grad=True),
    )

    def gradient(x, weight, bias):
        y = tg.nn.functional.layer_norm(x, (4,), weight, bias)
        return tg.autograd.grad(y, (x, weight, bias), tg.tensor(C), create_graph=True)

    assert gradcheck(gradient, args)
    assert gradgradcheck(gradient, args)


@pytest.mark.skipif(not torch.__version__.startswith("2.13"), reason="measured on 2.13")
def test_pytorch_2_13_third_derivative_disagrees_with_finite_differences():
    theirs = _second_and_third(torch, X)[1]
    numerical = _finite_difference_of_second(torch, affine=False)
    assert np.abs(theirs - numerical).max() > 1.0  # 28 on this input; ours is within 1e-6
