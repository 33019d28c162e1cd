"""In-place variants against torch: shifts, comparisons, logic, elementwise and shape ops.

Each in-place op must modify the same object, bump its version, refuse a leaf that requires
grad, keep self's dtype, and - where PyTorch's is differentiable - give PyTorch's gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)
LIBS = (torch, tg)


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


def _outcome(fn):
    """What `fn()` did, comparable across the two libraries."""
    try:
        r = fn()
    except Exception as e:  # the class and message are what is compared
        return type(e).__name__, str(e)
    return (
        "ok",
        _name(r.dtype),
        tuple(r.shape),
        r.detach().tolist(),
        r.requires_grad,
        r.grad_fn.name() if r.grad_fn is not None else None,
        r._version,
    )


def _same(call):
    """call(lib) gives the same outcome on both libraries; returns it."""
    theirs, ours = (_outcome(lambda lib=lib: call(lib)) for lib in LIBS)
    assert ours == theirs
    return ours


# ---------------------------------------------------------------------- <<= and >>=


@pytest.mark.parametrize("op", ["__ilshift__", "__irshift__"])
@pytest.mark.parametrize("self_dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("other", ["int", "tensor", "tensor0d", "int32 tensor"])
def test_shift_assign_modifies_in_place(op, self_dtype, other):
    def run(lib):
        a = lib.tensor([1, 2, 8, 5], dtype=getattr(lib, self_dtype))
        view, before = a[1:], id(a)
        b = {
            "int": 1,
            "tensor": lib.tensor([1, 2, 0, 1]),
            "tensor0d": lib.tensor(2),
            "int32 tensor": lib.tensor([1, 1, 2, 0], dtype=lib.int32),
        }[other]
        out = getattr(a, op)(b)
        assert out is a and id(a) == before
        return a, view

    (a, view), (a_t, view_t) = run(tg), run(torch)
    assert a.tolist() == a_t.tolist() and view.tolist() == view_t.tolist()
    assert _name(a.dtype) == _name(a_t.dtype) and a._version == a_t._version == 1


def test_shift_assign_operators_rebind_to_the_same_tensor():
    for lib in LIBS:
        a = lib.tensor([1, 2, 8])
        alias = a
        a <<= 2
        a >>= lib.tensor([1, 0, 3])
        assert alias is a and a.tolist() == [2, 8, 4] and a._version == 2


@pytest.mark.parametrize("op", ["__ilshift__", "__irshift__"])
@pytest.mark.parametrize(
    "make,other",
    [
        (lambda lib: lib.ones(2, requires_grad=True), 1),  # a leaf that requires grad
        (lambda lib: lib.tensor([1.0, 2.0]), 1),  # no float kernel
        (lambda lib: lib.tensor([1, 2]), 1.5),  # Float result into Long
        (lambda lib: lib.tensor([1, 2]), "float tensor"),
        (lambda lib: lib.tensor([True, False]), 1),  # Long result into Bool
        (lambda lib: lib.tensor([1, 2, 3]), "wide tensor"),  # broadcast beyond self
    ],
)
def test_shift_assign_errors_match_torch(op, make, other):
    def call(lib):
        value = {
            "float tensor": lib.tensor([1.0, 1.0]),
            "wide tensor": lib.ones(2, 3, dtype=lib.long),
        }.get(other, other)
        return getattr(make(lib), op)(value)

    assert _same(call)[0] != "ok"


@pytest.mark.parametrize("op", ["__lshift__", "__rshift__", "__and__", "__or__", "__xor__"])
@pytest.mark.parametrize("a,b", [([1.0, 2.0], 1), ([1, 2], 1.5), ([1, 2], [1.5, 1.0])])
def test_bitwise_errors_name_the_promoted_dtype(op, a, b):
    _same(lambda lib: getattr(lib.tensor(a), op)(lib.tensor(b) if isinstance(b, list) else b))


# ---------------------------------------------------------------------- comparisons, logic

COMPARISONS = ["eq_", "ne_", "lt_", "le_", "gt_", "ge_",
               "greater_", "greater_equal_", "less_", "less_equal_", "not_equal_"]  # fmt: skip


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize(
    "self_values,other",
    [
        ([1.0, 2.0, 3.0], 2.0),
        ([1.0, 2.0, 3.0], [2.0, 2.0, 1.0]),
        ([[1.0, 2.0, 3.0]], [2.0]),  # other broadcasts to self
        ([1, 2, 3], 2),
        ([1, 2, 3], [1.5, 2.0, 3.5]),  # a float operand, an int64 result
        ([True, False], True),
        ([True, False], [0.5, -1.0]),
        ([1.0, 2.0, 3.0], "int32"),
    ],
)
def test_comparison_in_place_keeps_self_dtype(op, self_values, other):
    def call(lib):
        x = lib.tensor(self_values)
        value = (
            lib.tensor([1, 2, 4], dtype=lib.int32)
            if other == "int32"
            else lib.tensor(other)
            if isinstance(other, list)
            else other
        )
        out = getattr(x, op)(value)
        assert out is x
        return x

    outcome = _same(call)
    assert outcome[0] == "ok" and outcome[-1] == 1


@pytest.mark.parametrize("op", COMPARISONS)
def test_comparison_in_place_errors_match_torch(op):
    _same(lambda lib: getattr(lib.tensor([1.0, 2.0], requires_grad=True), op)(1.0))
    _same(lambda lib: getattr(lib.tensor([1.0, 2.0, 3.0]), op)(lib.ones(2, 3)))


@pytest.mark.parametrize("op", COMPARISONS)
@pytest.mark.parametrize("other", ["number", "tensor"])
def test_comparison_in_place_in_a_graph_passes_a_zero_gradient(op, other):
    """PyTorch keeps such a tensor in the graph (EqBackward0 and the like, EqBackward1 for a
    tensor operand), with a zero gradient for what came before."""

    def call(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        getattr(y, op)(2.0 if other == "number" else lib.tensor([2.0, 5.0, 6.0]))
        (y * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        assert y.requires_grad
        return x.grad

    assert _same(call)[3] == [0.0, 0.0, 0.0]
    for lib in LIBS:
        y = lib.tensor([1.0, 2.0], requires_grad=True) * 1
        getattr(y, op)(1.0 if other == "number" else lib.tensor([1.0, 1.0]))
        assert y.grad_fn.name().endswith("0" if other == "number" else "1")


@pytest.mark.parametrize("op", ["logical_and_", "logical_or_", "logical_xor_"])
@pytest.mark.parametrize(
    "a,b",
    [
        ([1.0, 0.0, 2.0, 0.0], [1.0, 1.0, 0.0, 0.0]),
        ([1, 0, 2, 0], [True, True, False, False]),
        ([True, False, True, False], [3, 0, 0, 1]),
        ([[1.0, 0.0]], [0.5]),
    ],
)
def test_logical_in_place_keeps_self_dtype(op, a, b):
    assert _same(lambda lib: getattr(lib.tensor(a), op)(lib.tensor(b)))[0] == "ok"


@pytest.mark.parametrize("a", [[1.0, 0.0, -2.0], [1, 0, 3], [True, False]])
def test_logical_not_in_place_keeps_self_dtype(a):
    assert _same(lambda lib: lib.tensor(a).logical_not_())[0] == "ok"


# ---------------------------------------------------------------------- differentiable ones

# name -> (call on a tensor, sample values): the in-place forms PyTorch differentiates
DIFFERENTIABLE = {
    "tan_": (lambda t: t.tan_(), lambda: RNG.uniform(-1.2, 1.2, (3, 4))),
    "frac_": (lambda t: t.frac_(), lambda: RNG.uniform(-3, 3, (3, 4)) + 0.01),
    "log2_": (lambda t: t.log2_(), lambda: RNG.uniform(0.5, 3, (3, 4))),
    "log10_": (lambda t: t.log10_(), lambda: RNG.uniform(0.5, 3, (3, 4))),
    "cumsum_0": (lambda t: t.cumsum_(0), lambda: RNG.standard_normal((3, 4))),
    "cumsum_-1": (lambda t: t.cumsum_(-1), lambda: RNG.standard_normal((3, 4))),
    "cumprod_1": (lambda t: t.cumprod_(1), lambda: RNG.uniform(0.5, 2, (3, 4))),
    "tril_": (lambda t: t.tril_(), lambda: RNG.standard_normal((3, 4))),
    "tril_1": (lambda t: t.tril_(1), lambda: RNG.standard_normal((2, 3, 4))),
    "triu_": (lambda t: t.triu_(), lambda: RNG.standard_normal((4, 3))),
    "triu_-1": (lambda t: t.triu_(-1), lambda: RNG.standard_normal((2, 4, 3))),
}


@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_in_place_forward_and_gradient_match_torch(name, dtype):
    op, sample = DIFFERENTIABLE[name]
    a = sample().astype(dtype)
    g = RNG.standard_normal(a.shape).astype(dtype)
    results = []
    for lib in LIBS:
        x = lib.tensor(a, requires_grad=True)
        y = x * 1.5
        out = op(y)
        assert out is y and y._version == 1
        (grad,) = lib.autograd.grad(y, x, lib.tensor(g))
        results.append((y.detach().numpy(), grad.numpy(), _name(y.dtype)))
    (theirs, theirs_grad, theirs_dtype), (ours, ours_grad, ours_dtype) = results
    assert ours_dtype == theirs_dtype
    # float32 tan/log2/log10 may differ from PyTorch's vector kernels in the last bit
    rtol = 1e-6 if dtype == np.float32 else 1e-10
    assert_close(ours, theirs, dtype, rtol=rtol * 10)
    assert_close(ours_grad, theirs_grad, dtype, rtol=rtol * 100)


@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
def test_in_place_gradcheck_and_gradgradcheck(name):
    op, sample = DIFFERENTIABLE[name]
    x = tg.tensor(sample(), requires_grad=True)

    def fn(t):
        return op(t * 1.0)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
def test_in_place_on_a_leaf_that_requires_grad_is_refused(name):
    op, sample = DIFFERENTIABLE[name]
    a = sample()
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            op(lib.tensor(a, requires_grad=True))
        with lib.no_grad():
            x = lib.tensor(a, requires_grad=True)
            op(x)
        assert x._version == 1


def test_in_place_on_a_saved_tensor_makes_backward_raise():
    for lib in LIBS:
        x = lib.tensor([0.5, 1.0], requires_grad=True)
        y = x * 1
        z = y.exp()  # saves its output
        z.tan_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.tensor([1, 2]).tan_(),  # Float into Long
        lambda lib: lib.tensor([1, 2]).log2_(),
        lambda lib: lib.tensor([1, 2]).log10_(),
        lambda lib: lib.tensor([1, 2]).frac_(),  # no integer kernel
        lambda lib: lib.tensor([1, 2]).cumsum_(0, dtype=lib.float32),
        lambda lib: lib.tensor([1.0, 2.0]).cumsum_(0, dtype=lib.float64),
        lambda lib: lib.tensor([1, 2]).cumprod_(0, dtype=lib.int32),
        lambda lib: lib.tensor([True, True]).cumsum_(0),
        lambda lib: lib.tensor([True, True]).cumprod_(0),
        lambda lib: lib.ones(3).tril_(),
        lambda lib: lib.ones(3).triu_(1),
    ],
)
def test_in_place_errors_match_torch(call):
    assert _same(call)[0] != "ok"


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.tensor([1, 2, 3], dtype=lib.int32).cumsum_(0),
        lambda lib: lib.tensor([1, 2, 3]).cumprod_(0, dtype=lib.int64),
        lambda lib: lib.tensor([[1, 2], [3, 4]]).tril_(),
        lambda lib: lib.tensor([[True, True], [True, True]]).triu_(1),
    ],
)
def test_in_place_integer_cases_match_torch(call):
    assert _same(call)[0] == "ok"


IN_PLACE_ALIASES = {
    "absolute_": ("abs_", ()),
    "negative_": ("neg_", ()),
    "multiply_": ("mul_", (2.5,)),
    "subtract_": ("sub_", (1.5,)),
    "divide_": ("div_", (4.0,)),
    "true_divide_": ("div_", (4.0,)),
}


@pytest.mark.parametrize("alias", list(IN_PLACE_ALIASES))
def test_in_place_aliases_match_torch_and_their_op(alias):
    op, args = IN_PLACE_ALIASES[alias]
    outcome = _same(lambda lib: getattr(lib.tensor([1.0, -2.0, 3.0]) * 1, alias)(*args))
    assert outcome == _outcome(lambda: getattr(tg.tensor([1.0, -2.0, 3.0]) * 1, op)(*args))


# ---------------------------------------------------------------------- shape in place

SHAPE_OPS = {
    "t_": lambda t: t.t_(),
    "transpose_": lambda t: t.transpose_(0, -1),
    "swapaxes_": lambda t: t.swapaxes_(0, 1),
    "swapdims_": lambda t: t.swapdims_(1, 0),
    "squeeze_": lambda t: t.squeeze_(),
    "squeeze_dim": lambda t: t.squeeze_(1),
    "squeeze_dims": lambda t: t.squeeze_((1, 0)),
    "unsqueeze_": lambda t: t.unsqueeze_(-1),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_in_place_matches_torch(name):
    op = SHAPE_OPS[name]
    a = RNG.standard_normal((2, 1, 3) if "squeeze_d" in name else (2, 3))
    if name == "squeeze_":
        a = a.reshape(2, 1, 3)
    g = None
    results = []
    for lib in LIBS:
        x = lib.tensor(a, requires_grad=True)
        y = x * 2
        assert op(y) is y
        g = RNG.standard_normal(tuple(y.shape)) if g is None else g
        (grad,) = lib.autograd.grad(y, x, lib.tensor(g))
        results.append(
            (tuple(y.shape), y._version, y.grad_fn.name(), y.detach().tolist(), grad.tolist())
        )
        plain = lib.tensor(a)
        op(plain)
        results.append((tuple(plain.shape), plain._version, plain.tolist()))
    assert results[:2] == results[2:]


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_in_place_on_a_leaf_that_requires_grad_is_refused(name):
    for lib in LIBS:
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            SHAPE_OPS[name](
                lib.ones(2, 1, 3, requires_grad=True)
                if "squeeze" in name
                else lib.ones(2, 3, requires_grad=True)
            )


def test_t_in_place_shares_memory_with_its_old_views():
    for lib in LIBS:
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        row = x[0]
        x.t_()
        x[0, 1] = 9.0  # was element (1, 0)
        assert row.tolist() == [1.0, 2.0, 3.0] and x.tolist() == [[1, 9], [2, 5], [3, 6]]


# ---------------------------------------------------------------------- torch.fill


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.fill(lib.ones(2, 3), 3),
        lambda lib: lib.fill(lib.ones(2, dtype=lib.long), 3.7),
        lambda lib: lib.fill(lib.ones(2, dtype=lib.int8), 300),
        lambda lib: lib.fill(lib.ones(2, dtype=lib.bool), 0),
        lambda lib: lib.fill(lib.ones(2, requires_grad=True), 3),
        lambda lib: lib.fill(lib.ones(2, requires_grad=True), lib.tensor(3.0, requires_grad=True)),
        lambda lib: lib.fill(lib.ones(2), lib.tensor(3.0, requires_grad=True)),
        lambda lib: lib.fill(lib.ones(2), lib.tensor(3, dtype=lib.int32)),
        lambda lib: lib.fill(lib.ones(2), lib.ones(1)),
        lambda lib: lib.fill(lib.ones(()), 2.5),
    ],
)
def test_fill_matches_torch(call):
    _same(call)


def test_fill_of_a_number_is_a_type_error():
    for lib in LIBS:
        with pytest.raises(TypeError, match="fill"):
            lib.fill(2, 3)


def test_fill_is_out_of_place_and_sends_the_gradient_to_the_value():
    grads = []
    for lib in LIBS:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        v = lib.tensor(2.0, requires_grad=True)
        y = x * 1
        out = lib.fill(y, v)
        assert out is not y and y.tolist() == [1.0, 2.0, 3.0] and y._version == 0
        (out * lib.tensor([1.0, 2.0, 4.0])).sum().backward()
        grads.append((x.grad.tolist(), v.grad.tolist()))
    assert grads[0] == grads[1] == ([0.0, 0.0, 0.0], 7.0)


def test_fill_gradcheck_and_gradgradcheck():
    args = (
        tg.tensor(RNG.standard_normal((2, 3)), requires_grad=True),
        tg.tensor(0.7, dtype=tg.float64, requires_grad=True),
    )
    assert gradcheck(tg.fill, args) and gradgradcheck(tg.fill, args)
