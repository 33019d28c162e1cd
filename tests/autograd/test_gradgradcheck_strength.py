"""gradgradcheck must see a wrong double backward, as PyTorch's does.

gradgradcheck(f, inputs) is gradcheck of the map (inputs, v) -> v J_f(inputs): its numerical
Jacobian (central differences of that map, in the inputs *and* in the grad_outputs v) against
the analytical one (backward through the recorded backward). Each custom Function below is
right to first order, so gradcheck passes; the broken ones are wrong to second order, in x or
in v, and both libraries' gradgradcheck must return False (and raise GradcheckError, a
RuntimeError, when asked to). Evaluating the map under no_grad once made it return nothing,
so every gradgradcheck passed.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _functions(lib):
    """Custom Functions for x^3 and x * y with right and wrong backward formulas."""

    class Cube(lib.autograd.Function):
        """x^3, backward right to every order."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    class CubeDetached(Cube):
        """The issue's example: 3 x^2 detached, so d/dx of the backward is lost."""

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * (x**2).detach()

    class CubeWrongCurvature(Cube):
        """Right value (x - x.detach() is 0), but slope 5 where 6 x belongs."""

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (3 * x.detach() ** 2 + 5 * (x - x.detach()))

    class CubeGradDetached(Cube):
        """The upstream gradient detached: the backward is not linear in it any more."""

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad.detach() * 3 * x**2

    class MulOtherDetached(lib.autograd.Function):
        """x * y whose grad_x detaches y: d(grad_x)/dy is lost, only for the second input."""

        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            return grad * y.detach(), grad * x

    return {
        "cube": Cube.apply,
        "cube_detached": CubeDetached.apply,
        "cube_wrong_curvature": CubeWrongCurvature.apply,
        "cube_grad_detached": CubeGradDetached.apply,
        "mul_other_detached": MulOtherDetached.apply,
    }


BROKEN = ["cube_detached", "cube_wrong_curvature", "cube_grad_detached", "mul_other_detached"]


def _inputs(lib, name):
    rng = np.random.default_rng(0)
    count = 2 if name.startswith("mul") else 1
    return tuple(
        lib.tensor(rng.uniform(0.5, 2.0, (3,)) * [1, -1, 1], dtype=lib.float64, requires_grad=True)
        for _ in range(count)
    )


@pytest.mark.parametrize("name", ["cube"] + BROKEN)
def test_first_order_is_right_in_every_case(name):
    for lib in (tg, torch):
        assert lib.autograd.gradcheck(_functions(lib)[name], _inputs(lib, name))


@pytest.mark.parametrize("name", ["cube"] + BROKEN)
def test_verdict_matches_torch(name):
    verdicts = [
        lib.autograd.gradgradcheck(_functions(lib)[name], _inputs(lib, name), raise_exception=False)
        for lib in (tg, torch)
    ]
    assert verdicts == [name == "cube"] * 2


@pytest.mark.parametrize("name", BROKEN)
def test_a_wrong_double_backward_raises_gradcheck_error(name):
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match="Jacobian mismatch") as info:
            lib.autograd.gradgradcheck(_functions(lib)[name], _inputs(lib, name))
        assert type(info.value).__name__ == "GradcheckError"
    from tinygrad_nn.autograd.gradcheck import GradcheckError

    assert issubclass(GradcheckError, RuntimeError)


def test_the_wrong_entry_is_named():
    """CubeDetached: d(v 3 x^2)/dx = 6 x v is the missing entry; input 0 is x (input 1, v,
    is fine: the map is linear in v and that part is right)."""
    x = _inputs(tg, "cube")
    v = tg.tensor([1.0, 2.0, -1.0], dtype=tg.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        tg.autograd.gradgradcheck(_functions(tg)["cube_detached"], x, (v,))
    assert "with respect to input 0" in str(info.value)
    assert "analytical 0.0" in str(info.value)


def test_user_grad_outputs_that_need_no_grad_check_only_the_inputs():
    # grad_outputs given without requires_grad are constants, as in PyTorch: a backward that
    # detaches them then goes unnoticed by both libraries, and a wrong one in x does not.
    for lib in (tg, torch):
        fns, v = _functions(lib), lib.tensor([1.0, 2.0, -1.0], dtype=lib.float64)
        assert lib.autograd.gradgradcheck(fns["cube_grad_detached"], _inputs(lib, "cube"), (v,))
        assert not lib.autograd.gradgradcheck(
            fns["cube_detached"], _inputs(lib, "cube"), (v,), raise_exception=False
        )


def test_gradcheck_of_a_function_that_differentiates_inside():
    """gradcheck(x -> d(sum x^3)/dx) checks a second derivative by hand; the function calls
    autograd.grad, so the finite differences must run with grad mode on."""
    for lib in (tg, torch):
        fns, x = _functions(lib), _inputs(lib, "cube")
        assert lib.autograd.gradcheck(_slope(lib, fns["cube"]), x)
        wrong = _slope(lib, fns["cube_detached"])
        assert not lib.autograd.gradcheck(wrong, x, raise_exception=False)


def _slope(lib, fn):
    """x -> d(sum fn(x))/dx, recording a graph: a function that differentiates inside."""
    return lambda x: lib.autograd.grad(fn(x).sum(), x, create_graph=True)[0]


@pytest.mark.parametrize("op", ["tanh", "sigmoid", "exp", "mul", "prod", "softmax"])
def test_right_double_backwards_still_pass(op):
    fns = {
        "tanh": lambda x, y: x.tanh(),
        "sigmoid": lambda x, y: x.sigmoid() * y,
        "exp": lambda x, y: (x * y).exp(),
        "mul": lambda x, y: x * y * x,
        "prod": lambda x, y: (x * y).prod(0),
        "softmax": lambda x, y: (x + y).softmax(-1),
    }
    rng = np.random.default_rng(1)
    args = tuple(tg.tensor(rng.standard_normal((2, 3)), requires_grad=True) for _ in range(2))
    assert tg.autograd.gradgradcheck(fns[op], args)
