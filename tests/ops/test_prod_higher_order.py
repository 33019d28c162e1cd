"""prod's derivatives of every order where slices hold zeros, against PyTorch 2.13.

The first derivative of prod is the product of the *other* elements, which with two or more
zeros in a slice is 0 everywhere - but its derivative is not: for x = [0, 0, 3, 4],
d/dx_1 (prod of all but x_0) = 3 * 4 = 12. A backward that writes that 0 as a constant cuts
the second derivative off. The family: slices with zero, one, two and three zeros; full
reductions and along a dim, with and without keepdim; first, second and third derivatives
with random upstream vectors (all-ones would hide a transposed dim); finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# Rows with 0, 1, 2 and 3 zeros (and signs, so a wrong sign or a dropped factor shows).
ROWS = {
    "no_zero": [1.5, -2.0, 3.0, 0.5],
    "one_zero": [1.5, 0.0, -3.0, 2.0],
    "two_zeros": [0.0, 0.0, 3.0, 4.0],
    "three_zeros": [0.0, -2.0, 0.0, 0.0],
}
# A matrix whose rows are the four cases, so dim=1 meets all of them at once and dim=0
# reduces columns with one, two and three zeros.
MATRIX = np.array(list(ROWS.values()))
REDUCTIONS = {
    "all": lambda x: x.prod(),
    "dim0": lambda x: x.prod(0),
    "dim1": lambda x: x.prod(1),
    "dim-1_keepdim": lambda x: x.prod(-1, keepdim=True),
    "dim0_keepdim": lambda x: x.prod(0, keepdim=True),
}


def _derivatives(lib, fn, data: np.ndarray, seed: int = 0):
    """fn(x); J^T u; d(J^T u . v)/dx; and its derivative along w, for random u, v, w."""
    rng = np.random.default_rng(seed)
    x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
    y = fn(x)
    u = lib.tensor(rng.standard_normal(tuple(y.shape)), dtype=lib.float64)
    v, w = (lib.tensor(rng.standard_normal(data.shape), dtype=lib.float64) for _ in range(2))
    (g,) = lib.autograd.grad(y, x, u, create_graph=True)
    (h,) = lib.autograd.grad((g * v).sum(), x, create_graph=True)
    (t,) = lib.autograd.grad((h * w).sum(), x, allow_unused=True)
    t = np.zeros(data.shape) if t is None else t.numpy()
    return [a.detach().numpy() for a in (y, g, h)] + [t]


def _assert_like_torch(fn, data):
    ours, theirs = _derivatives(tg, fn, data), _derivatives(torch, fn, data)
    for order, (a, b) in enumerate(zip(ours, theirs)):
        assert a.shape == b.shape and a.dtype == b.dtype, f"order {order}"
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=f"order {order}")


def test_the_reported_second_derivative():
    for lib in (tg, torch):
        x = lib.tensor([0.0, 0.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(x.prod(), x, create_graph=True)
        (h,) = lib.autograd.grad(g[0], x)
        assert h.tolist() == [0.0, 12.0, 0.0, 0.0], lib.__name__


@pytest.mark.parametrize("case", list(ROWS))
def test_full_hessian_of_a_row_matches_torch(case):
    hessians = []
    for lib in (tg, torch):
        x = lib.tensor(ROWS[case], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(x.prod(), x, create_graph=True)
        rows = [lib.autograd.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(4)]
        hessians.append(np.stack(rows))
    np.testing.assert_allclose(hessians[0], hessians[1], rtol=1e-14, atol=0)
    # the Hessian of a product: H[i, j] = prod of all but x_i and x_j, 0 on the diagonal
    x = np.array(ROWS[case])
    want = [[0.0 if i == j else np.prod(np.delete(x, [i, j])) for j in range(4)] for i in range(4)]
    np.testing.assert_allclose(hessians[0], want, rtol=1e-14, atol=0)


@pytest.mark.parametrize("case", list(ROWS))
def test_row_derivatives_to_third_order_match_torch(case):
    _assert_like_torch(lambda x: x.prod(), np.array(ROWS[case]))
    _assert_like_torch(lambda x: x.prod(0, keepdim=True), np.array(ROWS[case]))


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_matrix_derivatives_to_third_order_match_torch(name):
    _assert_like_torch(REDUCTIONS[name], MATRIX)


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_three_dim_input_along_each_dim(dim):
    data = np.random.default_rng(3).integers(-2, 3, (2, 3, 4)).astype(np.float64)
    data[0, :, 1] = 0.0  # two or three zeros along every dim somewhere
    _assert_like_torch(lambda x: x.prod(dim), data)
    _assert_like_torch(lambda x: x.prod(dim, keepdim=True), data)


@pytest.mark.parametrize("name", list(REDUCTIONS))
def test_finite_differences_at_the_zeros(name):
    # prod is multilinear, so central differences are exact up to rounding even at zeros:
    # gradcheck and gradgradcheck hold everywhere, the zeros included.
    x = tg.tensor(MATRIX, dtype=tg.float64, requires_grad=True)
    assert gradcheck(REDUCTIONS[name], (x,))
    assert gradgradcheck(REDUCTIONS[name], (x,))


def test_first_derivative_without_a_graph_is_unchanged():
    # No create_graph: the cheap formula, as PyTorch's (zeros where a slice has two zeros).
    for data in (MATRIX, np.array(ROWS["two_zeros"])):
        upstream = np.linspace(1.0, 2.0, data.shape[0] if data.ndim == 2 else 1)
        grads = []
        for lib in (tg, torch):
            x = lib.tensor(data, dtype=lib.float64, requires_grad=True)
            y = x.prod(-1)
            y.backward(lib.tensor(upstream.reshape(tuple(y.shape)), dtype=lib.float64))
            grads.append(x.grad.numpy())
        np.testing.assert_array_equal(grads[0], grads[1])


def test_float32_keeps_its_dtype_in_every_order():
    x = tg.tensor(ROWS["two_zeros"], requires_grad=True)
    (g,) = tg.autograd.grad(x.prod(), x, create_graph=True)
    (h,) = tg.autograd.grad(g[0], x)
    assert g.dtype == h.dtype == tg.float32 and h.tolist() == [0.0, 12.0, 0.0, 0.0]
