"""autograd.functional against torch.autograd.functional: values, nesting, create_graph, errors.

Every case runs the same code with both libraries (`lib` is tinygrad_nn or torch) and compares
the results entry by entry, including whether each level is a Tensor or a tuple.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
X = RNG.standard_normal((2, 3))
Y = RNG.standard_normal(3)
S = np.array(0.7)
V_X = RNG.standard_normal((2, 3))
V_Y = RNG.standard_normal(3)
V_OUT = RNG.standard_normal(2)


def assert_same_nesting(ours, theirs, where: str = "result", requires_grad: bool = True) -> None:
    """Same tuple/Tensor structure, same values (float64 tolerance), same requires_grad."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple), f"{where}: {type(ours).__name__}, torch has a tuple"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} entries, torch {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same_nesting(o, t, f"{where}[{i}]", requires_grad)
        return
    assert isinstance(theirs, torch.Tensor)
    assert isinstance(ours, tinygrad_nn.Tensor), f"{where}: {type(ours).__name__}"
    assert tuple(ours.shape) == tuple(theirs.shape), f"{where}: {ours.shape} vs {theirs.shape}"
    if requires_grad:
        assert ours.requires_grad == theirs.requires_grad, f"{where}: requires_grad differs"
    assert_close(ours.detach().numpy(), theirs.detach().numpy(), what=where)


def both(fn):
    """fn(lib) for tinygrad_nn and torch."""
    return fn(tinygrad_nn), fn(torch)


def t(lib, a, requires_grad: bool = False):
    """A float64 tensor of `a` in `lib`."""
    return lib.tensor(a, dtype=lib.float64, requires_grad=requires_grad)


# Functions written once, run by both libraries.
def f_matrix(x):
    return (x.sin() * x).sum(1)


def f_two_inputs(x, y):
    return (x * y).tanh() @ y.exp()


def f_two_outputs(x):
    return x.exp(), x.sum()


def f_both(x, y):
    return (x * y).sum(0), x.pow(2).mean()


def f_scalar(x):
    return (x**3).sum() * x.cos().sum()


def f_scalar_two(x, y):
    return (x.exp() * y).sum() + (y**2).sum()


def f_ignores_y(x, y):
    return x.exp()


JACOBIAN_CASES = {
    "tensor_to_tensor": lambda lib, **kw: lib.autograd.functional.jacobian(
        f_matrix, t(lib, X), **kw
    ),
    "tuple_in": lambda lib, **kw: lib.autograd.functional.jacobian(
        f_two_inputs, (t(lib, X), t(lib, Y)), **kw
    ),
    "tuple_out": lambda lib, **kw: lib.autograd.functional.jacobian(f_two_outputs, t(lib, X), **kw),
    "tuple_both": lambda lib, **kw: lib.autograd.functional.jacobian(
        f_both, (t(lib, X), t(lib, Y)), **kw
    ),
    "one_tuple_in": lambda lib, **kw: lib.autograd.functional.jacobian(
        lambda x: x * 2, (t(lib, Y),), **kw
    ),
    "scalar_in_out": lambda lib, **kw: lib.autograd.functional.jacobian(
        lambda s: s**3, t(lib, S), **kw
    ),
    "unused_input": lambda lib, **kw: lib.autograd.functional.jacobian(
        f_ignores_y, (t(lib, X), t(lib, Y)), **kw
    ),
}


@pytest.mark.parametrize("case", list(JACOBIAN_CASES))
@pytest.mark.parametrize("vectorize", [False, True])
def test_jacobian_matches_torch(case, vectorize):
    ours, theirs = both(lambda lib: JACOBIAN_CASES[case](lib, vectorize=vectorize))
    assert_same_nesting(ours, theirs, case)


def _lists_to_tuples(value):
    if isinstance(value, (list, tuple)):
        return tuple(_lists_to_tuples(v) for v in value)
    return value


@pytest.mark.parametrize("case", ["tensor_to_tensor", "tuple_both", "scalar_in_out"])
def test_jacobian_forward_mode_strategy_matches_torch(case):
    """Same numbers as reverse mode. (PyTorch returns *lists* for tuple outputs and inputs in
    forward mode, unlike its documentation and its reverse mode; tinygrad_nn keeps tuples.)"""
    kw = {"vectorize": True, "strategy": "forward-mode"}
    ours, theirs = both(lambda lib: JACOBIAN_CASES[case](lib, **kw))
    assert_same_nesting(ours, _lists_to_tuples(theirs), case)


def test_jacobian_of_an_empty_output_is_empty():
    """PyTorch fails here (it stacks an empty list); an empty Jacobian is the right answer."""
    jac = tinygrad_nn.autograd.functional.jacobian(lambda x: x[:, :0] * 2, t(tinygrad_nn, X))
    assert tuple(jac.shape) == (2, 0, 2, 3)


def test_jacobian_with_create_graph_can_be_differentiated():
    def run(lib):
        x = t(lib, X, requires_grad=True)
        jac = lib.autograd.functional.jacobian(f_matrix, x, create_graph=True)
        (jac * t(lib, RNG_W)).sum().backward()
        return jac, x.grad

    ours, theirs = both(run)
    assert_same_nesting(ours, theirs)


RNG_W = np.random.default_rng(3).standard_normal((2, 2, 3))


@pytest.mark.parametrize("single", [True, False])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian_matches_torch(single, create_graph):
    def run(lib):
        h = lib.autograd.functional.hessian
        if single:
            return h(f_scalar, t(lib, X), create_graph=create_graph)
        return h(f_scalar_two, (t(lib, X), t(lib, Y)), create_graph=create_graph)

    ours, theirs = both(run)
    # The d2f/dy2 block is the constant 2I. PyTorch differentiates y**2 as 2 * y.pow(1), so
    # its block stays attached to y (requires_grad=True, even without create_graph, where
    # tinygrad_nn detaches every result as documented); ours is 2 * y, a true constant.
    assert_same_nesting(ours, theirs, requires_grad=create_graph and single)
    if not create_graph:
        for block in ours if single else [b for row in ours for b in row]:
            assert not block.requires_grad


def test_hessian_of_a_scalar_input_and_a_one_element_output():
    ours, theirs = both(
        lambda lib: lib.autograd.functional.hessian(
            lambda s: (s.exp() * s).reshape(1, 1), t(lib, S)
        )
    )
    assert_same_nesting(ours, theirs)


def test_hessian_with_create_graph_gives_third_derivatives():
    def run(lib):
        x = t(lib, Y, requires_grad=True)
        hess = lib.autograd.functional.hessian(lambda x: (x**4).sum(), x, create_graph=True)
        (hess * t(lib, np.arange(9.0).reshape(3, 3))).sum().backward()
        return hess, x.grad

    ours, theirs = both(run)
    assert_same_nesting(ours, theirs)


PRODUCT_CASES = {
    "vjp_tensor": lambda lib, cg: lib.autograd.functional.vjp(
        f_matrix, t(lib, X), t(lib, V_OUT), create_graph=cg
    ),
    "vjp_tuples": lambda lib, cg: lib.autograd.functional.vjp(
        f_both, (t(lib, X), t(lib, Y)), (t(lib, V_Y), t(lib, S)), create_graph=cg
    ),
    "vjp_scalar_no_v": lambda lib, cg: lib.autograd.functional.vjp(
        f_scalar, t(lib, X), create_graph=cg
    ),
    "vjp_unused": lambda lib, cg: lib.autograd.functional.vjp(
        f_ignores_y, (t(lib, X), t(lib, Y)), t(lib, V_X), create_graph=cg
    ),
    "jvp_tensor": lambda lib, cg: lib.autograd.functional.jvp(
        f_matrix, t(lib, X), t(lib, V_X), create_graph=cg
    ),
    "jvp_tuples": lambda lib, cg: lib.autograd.functional.jvp(
        f_both, (t(lib, X), t(lib, Y)), (t(lib, V_X), t(lib, V_Y)), create_graph=cg
    ),
    "jvp_scalar_no_v": lambda lib, cg: lib.autograd.functional.jvp(
        lambda s: (s.sin(), s * 3), t(lib, S), create_graph=cg
    ),
    "vhp_tensor": lambda lib, cg: lib.autograd.functional.vhp(
        f_scalar, t(lib, X), t(lib, V_X), create_graph=cg
    ),
    "vhp_tuples": lambda lib, cg: lib.autograd.functional.vhp(
        f_scalar_two, (t(lib, X), t(lib, Y)), (t(lib, V_X), t(lib, V_Y)), create_graph=cg
    ),
    "hvp_tensor": lambda lib, cg: lib.autograd.functional.hvp(
        f_scalar, t(lib, X), t(lib, V_X), create_graph=cg
    ),
    "hvp_tuples": lambda lib, cg: lib.autograd.functional.hvp(
        f_scalar_two, (t(lib, X), t(lib, Y)), (t(lib, V_X), t(lib, V_Y)), create_graph=cg
    ),
    "hvp_scalar_no_v": lambda lib, cg: lib.autograd.functional.hvp(
        lambda s: s**5, t(lib, S), create_graph=cg
    ),
}


@pytest.mark.parametrize("case", list(PRODUCT_CASES))
@pytest.mark.parametrize("create_graph", [False, True])
def test_vector_products_match_torch(case, create_graph):
    ours, theirs = both(lambda lib: PRODUCT_CASES[case](lib, create_graph))
    assert_same_nesting(ours, theirs, case)


@pytest.mark.parametrize("fn", ["vjp", "jvp", "vhp", "hvp"])
def test_products_with_create_graph_differentiate_back_to_the_inputs(fn):
    def run(lib):
        x = t(lib, X, requires_grad=True)
        f = f_matrix if fn in ("vjp", "jvp") else f_scalar
        v = t(lib, V_OUT if fn == "vjp" else V_X)
        _, prod = getattr(lib.autograd.functional, fn)(f, x, v, create_graph=True)
        (prod * prod).sum().backward()
        return prod, x.grad

    ours, theirs = both(run)
    assert_same_nesting(ours, theirs, fn)


def test_inputs_that_require_grad_are_not_touched():
    def run(lib):
        x = t(lib, X, requires_grad=True)
        jac = lib.autograd.functional.jacobian(f_matrix, x)
        return jac, x.grad is None, x.is_leaf

    ours, theirs = both(run)
    assert_same_nesting(ours[0], theirs[0])
    assert ours[1:] == theirs[1:] == (True, True)


ERROR_CASES = {
    "list_inputs": (TypeError, lambda lib: lib.autograd.functional.jacobian(f_matrix, [t(lib, X)])),
    "number_input": (TypeError, lambda lib: lib.autograd.functional.vjp(f_matrix, 3.0)),
    "non_tensor_output": (
        TypeError,
        lambda lib: lib.autograd.functional.jacobian(lambda x: 3.0, t(lib, X)),
    ),
    "v_none_vector_output": (
        RuntimeError,
        lambda lib: lib.autograd.functional.vjp(f_matrix, t(lib, X)),
    ),
    "v_none_vector_input": (
        RuntimeError,
        lambda lib: lib.autograd.functional.jvp(f_matrix, t(lib, X)),
    ),
    "v_wrong_length": (
        RuntimeError,
        lambda lib: lib.autograd.functional.jvp(
            f_two_inputs, (t(lib, X), t(lib, Y)), (t(lib, V_X),)
        ),
    ),
    "v_wrong_shape": (
        RuntimeError,
        lambda lib: lib.autograd.functional.vjp(f_matrix, t(lib, X), t(lib, V_Y)),
    ),
    "hessian_vector_output": (
        RuntimeError,
        lambda lib: lib.autograd.functional.hessian(f_matrix, t(lib, X)),
    ),
    "hessian_tuple_output": (
        RuntimeError,
        lambda lib: lib.autograd.functional.hessian(lambda x: (x.sum(), x.sum()), t(lib, X)),
    ),
    "hvp_vector_output": (
        RuntimeError,
        lambda lib: lib.autograd.functional.hvp(f_matrix, t(lib, X), t(lib, V_X)),
    ),
    "strict_unused_input": (
        RuntimeError,
        lambda lib: lib.autograd.functional.jacobian(
            f_ignores_y, (t(lib, X), t(lib, Y)), strict=True
        ),
    ),
    "strict_vjp_unused": (
        RuntimeError,
        lambda lib: lib.autograd.functional.vjp(
            f_ignores_y, (t(lib, X), t(lib, Y)), t(lib, V_X), strict=True
        ),
    ),
    "strict_constant_output": (
        RuntimeError,
        lambda lib: lib.autograd.functional.vjp(
            lambda x: x.detach() * 2, t(lib, X), t(lib, V_X), strict=True
        ),
    ),
    "strict_linear_hessian": (
        RuntimeError,
        lambda lib: lib.autograd.functional.hessian(
            lambda x: (x * 2).sum(), t(lib, X), strict=True
        ),
    ),
    "bad_strategy": (
        AssertionError,
        lambda lib: lib.autograd.functional.jacobian(f_matrix, t(lib, X), strategy="sideways"),
    ),
    "forward_mode_needs_vectorize": (
        NotImplementedError,
        lambda lib: lib.autograd.functional.jacobian(f_matrix, t(lib, X), strategy="forward-mode"),
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_misuse_raises_like_torch(case):
    cls, call = ERROR_CASES[case]
    for lib in (torch, tinygrad_nn):
        with pytest.raises(cls):
            call(lib)


def test_without_strict_unused_inputs_get_zeros():
    ours, theirs = both(
        lambda lib: lib.autograd.functional.vjp(f_ignores_y, (t(lib, X), t(lib, Y)), t(lib, V_X))
    )
    assert_same_nesting(ours, theirs)
    assert not ours[1][1].numpy().any()


def test_grad_mode_is_restored_after_each_call():
    x = t(tinygrad_nn, X)
    with tinygrad_nn.no_grad():
        out, prod = tinygrad_nn.autograd.functional.vjp(f_matrix, x, t(tinygrad_nn, V_OUT))
        assert not tinygrad_nn.is_grad_enabled()
    assert tinygrad_nn.is_grad_enabled()
    assert not prod.requires_grad and not out.requires_grad
