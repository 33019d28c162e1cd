"""silu, gelu (both forms), elu and softplus as PyTorch records them - one node each - against
PyTorch: values, gradients and second derivatives (at 0, far out, NaN and inf included), node
names; finite differences; and the create_graph backward equal to the plain one, bit for bit."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.parity import assert_matches_torch
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

CALLS = {
    "silu": lambda F, x: F.silu(x),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "elu": lambda F, x: F.elu(x),
    "elu_alpha": lambda F, x: F.elu(x, 0.5),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta": lambda F, x: F.softplus(x, 2.0, 3.0),
}
VALUES = [-100.0, -3.0, -1.0, -1e-3, 0.0, 1e-3, 0.7, 1.5, 2.0, 25.0, 100.0]


def _run(lib, name, values, dtype):
    x = lib.tensor(np.array(values, dtype), requires_grad=True)
    y = CALLS[name](lib.nn.functional, x)
    (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
    (h,) = lib.autograd.grad(g.sum(), x)
    return y.grad_fn.name(), y.detach().numpy(), g.detach().numpy(), h.numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_matches_torch(name, dtype):
    ours, theirs = _run(tg, name, VALUES, dtype), _run(torch, name, VALUES, dtype)
    assert ours[0] == theirs[0]
    rtol = 1e-5 if dtype == np.float32 else 1e-10
    # float32 absolute slack: 1 + erf(x) cancels near x = -3, where an ulp of PyTorch's own
    # float32 erf is 2e-5 of the result; second derivatives are PyTorch's formulas reordered.
    atol = 1e-6 if dtype == np.float32 else 1e-12
    for mine, expected in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(mine, expected, rtol=rtol, atol=atol)


def _value_and_grad(lib, name, values):
    x = lib.tensor(values, requires_grad=True)
    y = CALLS[name](lib.nn.functional, x)
    y.backward(lib.ones(len(values)))
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_non_finite_inputs_match_torch(name):
    # PyTorch's answer here depends on its CPU vector path (gelu(+inf) is inf alone, nan in a
    # vector; elu's slope at nan is 1 or nan): ours must be one of its answers, per element.
    values = [float("nan"), float("inf"), -float("inf"), 0.0]
    ours = _value_and_grad(tg, name, values)
    # rows: 17 copies of the values in one tensor (the vector path), then each value alone;
    # the values ours must have are stated in test_vector_path_values.py
    tiled = _value_and_grad(torch, name, values * 17)
    alone = [_value_and_grad(torch, name, [v]) for v in values]
    for k, what in enumerate(("value", "gradient")):
        rows = [tiled[k].reshape(17, 4), np.concatenate([a[k] for a in alone])[None]]
        theirs = np.concatenate(rows)
        for i, mine in enumerate(ours[k]):
            assert any(np.array_equal(mine, a, equal_nan=True) for a in theirs[:, i]), (
                f"{name} {what} at {values[i]}: ours {mine}, PyTorch's {set(theirs[:, i])}"
            )


@pytest.mark.parametrize("name", sorted(CALLS))
def test_finite_differences(name):
    x = tg.tensor(np.random.default_rng(0).uniform(-3, 3, 7), requires_grad=True)
    assert gradcheck(lambda t: CALLS[name](tg.nn.functional, t), (x,))
    assert gradgradcheck(lambda t: CALLS[name](tg.nn.functional, t), (x,))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_create_graph_backward_equals_the_plain_one_and_pytorch(name):
    values = np.random.default_rng(1).standard_normal((3, 5)).astype(np.float32) * 4
    assert_matches_torch(lambda lib, x: CALLS[name](lib.nn.functional, x), [values])


def test_in_place_forms_are_named_as_pytorchs():
    for lib in (tg, torch):
        x = lib.tensor([-1.0, 2.0], requires_grad=True)
        names = []
        for f in (lib.nn.functional.elu, lib.nn.functional.silu):
            z = x * 1
            names.append(f(z, inplace=True).grad_fn.name())
        if lib is tg:
            ours = names
    assert ours == names == ["EluBackward1", "SiluBackward0"]
