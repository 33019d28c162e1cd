"""The array pass of the elementwise and binary ops, beyond the op table's samples: every
op of ops/elementwise.py and ops/binary.py has an `array_backward`, and it gives the Tensor
pass's gradients to the bit on the awkward inputs (zeros, ties, nan and inf, 0-d tensors whose
gradients travel as NumPy scalars, Python numbers on either side) and in the second and third
derivatives of tanh and relu, whose helper ops run on arrays when that pass records nothing.
On those inputs both passes also agree with PyTorch: a nan or inf upstream gradient gives 0
where PyTorch's formula selects 0 (a dead relu unit, outside a clamp, the loser of max/min, a
rounded division), and pow's and sigmoid's gradients round as PyTorch's."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.ops.test_array_pass import tensor_pass
from tests.tolerances import assert_close
from tinygrad_nn.autograd import engine
from tinygrad_nn.autograd.function import Function
from tinygrad_nn.ops import binary, elementwise

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]

# Inputs with the values where the formulas branch: 0, -0, ties, 1, negatives, nan, inf.
AWKWARD = np.array([[0.0, -0.0, 1.0, -1.5, 2.0], [0.5, np.nan, np.inf, -np.inf, 3.0]])
OTHER = np.array([[0.0, 2.0, 1.0, -1.5, 0.0], [-0.5, 1.0, 2.0, 2.0, np.nan]])


def _both_passes(fn, arrays, upstream=None):
    """The leaves' gradients from the array pass and from the Tensor pass."""
    results = []
    for force_tensors in (False, True):
        leaves = [tg.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*leaves)
        grad = tg.tensor(upstream) if upstream is not None else tg.ones_like(out)
        if force_tensors:
            with tensor_pass():
                out.backward(grad)
        else:
            out.backward(grad)
        results.append([None if t.grad is None else t.grad.numpy() for t in leaves])
    return results


def _assert_same(fn, arrays, seed=0):
    rng = np.random.default_rng(seed)
    with tg.no_grad():
        shape = tuple(fn(*[tg.tensor(a) for a in arrays]).shape)
    upstream = rng.standard_normal(shape).astype(arrays[0].dtype)
    fast, slow = _both_passes(fn, arrays, upstream)
    for i, (a, b) in enumerate(zip(fast, slow)):
        assert (a is None) == (b is None), f"input {i}"
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, f"input {i}"
            # bit for bit, nan included (assert_array_equal treats -0.0 == 0.0: view as ints)
            np.testing.assert_array_equal(
                a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}"), err_msg=f"input {i}"
            )


def _functions(module) -> list:
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, Function) and obj.__module__ == module.__name__
    ]


@pytest.mark.parametrize("module", [elementwise, binary], ids=["elementwise", "binary"])
def test_every_op_runs_on_arrays(module):
    functions = _functions(module)
    assert len(functions) > 10
    missing = [f.__name__ for f in functions if f.array_backward is None]
    assert missing == []


UNARY = {
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "log1p": lambda x: x.log1p(),
    "expm1": lambda x: x.expm1(),
    "sqrt": lambda x: x.sqrt(),
    "rsqrt": lambda x: x.rsqrt(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "tan": lambda x: x.tan(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "abs": lambda x: x.abs(),
    "reciprocal": lambda x: x.reciprocal(),
    "clamp": lambda x: x.clamp(-1.5, 1.0),
    "clamp_min": lambda x: x.clamp(min=0.0),
    "clamp_empty": lambda x: x.clamp(2.0, 1.0),
    "erf": lambda x: x.erf(),
    "sign": lambda x: x.sign(),
    "floor": lambda x: x.floor(),
    "ceil": lambda x: x.ceil(),
    "round": lambda x: x.round(),
    "trunc": lambda x: x.trunc(),
    "pow0": lambda x: x**0,
    "pow2": lambda x: x**2,
    "pow3": lambda x: x**3,
    "pow_half": lambda x: x**0.5,
    "pow_minus_half": lambda x: x**-0.5,
    "pow_1_5": lambda x: x**1.5,
    "pow_minus_1": lambda x: x**-1,
    "rpow": lambda x: 2.0**x,
    "rpow_zero": lambda x: 0.0**x,
    "rsub": lambda x: 2.5 - x,
    "rdiv": lambda x: 2.0 / x,
    "div_scalar": lambda x: x / 3.0,
    "mul_scalar": lambda x: x * 1.0001,
    "add_scalar": lambda x: x + 0.001,
    "sub_alpha": lambda x: x.sub(2.0, alpha=3),
    "floor_div_scalar": lambda x: x.div(0.7, rounding_mode="floor"),
    "remainder_scalar": lambda x: x % 0.7,
    "fmod_scalar": lambda x: x.fmod(-0.7),
    "masked_fill": lambda x: x.masked_fill(x > 0.5, 2.0),
    "where_scalar": lambda x: tg.where(x > 0, x, 0.5),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_ops_on_awkward_values(name, dtype):
    fn = UNARY[name]
    _assert_same(fn, [AWKWARD.astype(dtype)])
    _assert_same(fn, [np.asarray(0.75, dtype)])  # 0-d: gradients are NumPy scalars


BINARY = {
    "add": lambda x, y: x + y,
    "add_alpha": lambda x, y: x.add(y, alpha=-1.5),
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "maximum": lambda x, y: x.maximum(y),
    "minimum": lambda x, y: x.minimum(y),
    "floor_div": lambda x, y: x.div(y, rounding_mode="floor"),
    "trunc_div": lambda x, y: x.div(y, rounding_mode="trunc"),
    "remainder": lambda x, y: x % y,
    "fmod": lambda x, y: x.fmod(y),
    "where": lambda x, y: tg.where(x > y, x, y),
    "masked_fill_value": lambda x, y: x.masked_fill(x > 0.5, y.sum()),
    "clamp_tensor": lambda x, y: x.clamp(min=y),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_ops_on_awkward_values(name, dtype):
    fn = BINARY[name]
    x, y = AWKWARD.astype(dtype), OTHER.astype(dtype)
    _assert_same(fn, [x, y])
    _assert_same(fn, [x, y[:1]])  # y broadcast along dim 0
    _assert_same(fn, [x[:, :1], y])  # x broadcast along dim 1
    _assert_same(fn, [np.asarray(1.5, dtype), y])  # a 0-d x
    _assert_same(fn, [np.asarray(1.5, dtype), np.asarray(-0.5, dtype)])  # all 0-d


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_pow_at_zero_base_and_zero_exponent(dtype):
    x = np.array([0.0, 0.0, 0.0, 2.0, -2.0, 0.5], dtype)
    y = np.array([0.0, 2.0, -1.0, 0.0, 3.0, 0.5], dtype)
    _assert_same(lambda a, b: a**b, [x, y])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_ties_split_the_same_way(dtype):
    x = np.array([1.0, 2.0, 3.0, -0.0], dtype)
    y = np.array([1.0, 1.0, 4.0, 0.0], dtype)
    _assert_same(lambda a, b: a.maximum(b) * 3 + a.minimum(b), [x, y])


def _higher_order(fn, x, order: int):
    """d^order/dx^order of sum(fn(x)) * weights, the last derivative taken by backward()."""
    leaf = tg.tensor(x, requires_grad=True)
    out = (fn(leaf) * tg.tensor(np.linspace(-1, 1, x.size).reshape(x.shape))).sum()
    for _ in range(order - 1):
        (out,) = tg.autograd.grad(out, leaf, create_graph=True)
        out = (out * out).sum()
    out.backward()
    return leaf.grad.numpy()


@pytest.mark.parametrize("order", [2, 3])
@pytest.mark.parametrize("name", ["tanh", "relu", "sigmoid", "erf", "pow", "maximum"])
def test_higher_derivatives_run_the_helpers_on_arrays(name, order):
    fns = {
        "tanh": lambda t: t.tanh(),
        "relu": lambda t: t.relu() * t,
        "sigmoid": lambda t: t.sigmoid(),
        "erf": lambda t: t.erf(),
        "pow": lambda t: t ** (t * 0.5 + 1),
        "maximum": lambda t: t.maximum(t * t),
    }
    x = np.array([[0.3, -1.2, 0.0], [2.0, 1.0, -0.4]])
    fast = _higher_order(fns[name], x, order)
    with tensor_pass():
        slow = _higher_order(fns[name], x, order)
    assert fast.dtype == slow.dtype
    np.testing.assert_array_equal(fast, slow)


def test_second_derivative_of_tanh_runs_tanh_backward_on_arrays(monkeypatch):
    wrapped = []
    original = engine._call_wrapped

    def spy(node, grads, retain_graph):
        wrapped.append(node.name())
        return original(node, grads, retain_graph)

    monkeypatch.setattr(engine, "_call_wrapped", spy)
    x = tg.tensor([0.3, -1.2, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad(x.tanh().relu().sum(), x, create_graph=True)
    (g * g).sum().backward()
    assert wrapped == []  # TanhBackward, ThresholdBackward, Mul, ... all ran on arrays
    t = tg.tensor([0.3, -1.2, 2.0], requires_grad=True)
    with tensor_pass():
        (h,) = tg.autograd.grad(t.tanh().relu().sum(), t, create_graph=True)
        (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# Upstream gradients with nan and inf where the formulas select, and negatives (a product
# with a 0/1 mask would give nan there, and -0.0 for a negative gradient).
UPSTREAM = np.array([[np.nan, np.inf, -np.inf, -1.0, 2.0], [-2.0, np.inf, 0.25, np.nan, -0.5]])
NON_FINITE_CASES = {
    "relu": (lambda x: x.relu(), 1),
    "clamp": (lambda x: x.clamp(-1.0, 1.0), 1),
    "clamp_min": (lambda x: x.clamp(min=0.0), 1),
    "clamp_max": (lambda x: x.clamp(max=0.5), 1),
    "sigmoid": (lambda x: x.sigmoid(), 1),
    "rpow": (lambda x: 2.0**x, 1),
    "rpow_zero_base": (lambda x: 0.0**x, 1),
    "maximum": (lambda x, y: x.maximum(y), 2),
    "minimum": (lambda x, y: x.minimum(y), 2),
    "pow": (lambda x, y: x.abs() ** y, 2),
    "floor_div": (lambda x, y: x.div(y, rounding_mode="floor"), 2),
    "trunc_div": (lambda x, y: x.div(y, rounding_mode="trunc"), 2),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(NON_FINITE_CASES))
def test_non_finite_upstream_gradients_match_pytorch(name, dtype):
    fn, arity = NON_FINITE_CASES[name]
    arrays = [AWKWARD.astype(dtype), OTHER.astype(dtype)][:arity]
    upstream = UPSTREAM.astype(dtype)
    expected = []
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
    fn(*leaves).backward(torch.tensor(upstream))
    expected = [t.grad.numpy() for t in leaves]
    for ours in _both_passes(fn, arrays, upstream):
        for i, (got, want) in enumerate(zip(ours, expected)):
            assert_close(got, want, dtype=dtype, what=f"{name} input {i}")
            # a zero gradient is +0.0 where PyTorch's is (a select, not a product)
            zeros = want == 0
            np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))


def test_relu_double_backward_is_threshold_backward_again_as_in_pytorch():
    x = tg.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    upstream = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = tg.autograd.grad(x.relu(), x, upstream, create_graph=True)
    assert g.grad_fn.name() == "ThresholdBackwardBackward0"
    assert [n.name() for n, _ in g.grad_fn.next_functions] == [
        "torch::autograd::AccumulateGrad",
        "ReluBackward0",
    ]
    (h,) = tg.autograd.grad(g.sum(), upstream, create_graph=True)
    assert h.grad_fn.name() == "ThresholdBackwardBackward0"
    assert h.tolist() == [0.0, 1.0, 1.0]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", ["relu", "clamp", "clamp_min"])
def test_large_masks_select_as_small_ones(name, dtype):
    # From 4096 elements on, relu's and clamp's gradients clear bits instead of calling
    # np.where (elementwise._zero_where): the same numbers, nan, inf and -0.0 included.
    fn, _ = NON_FINITE_CASES[name]
    rng = np.random.default_rng(1)
    x = np.tile(AWKWARD, (40, 20)) * rng.uniform(0.5, 1.5, (80, 100))
    upstream = np.tile(UPSTREAM, (40, 20)).astype(dtype)
    upstream[::3] = -0.0
    x = x.astype(dtype)
    leaf = torch.tensor(x, requires_grad=True)
    fn(leaf).backward(torch.tensor(upstream))
    want = leaf.grad.numpy()
    word = f"u{want.itemsize}"
    for (got,) in _both_passes(fn, [x], upstream):
        np.testing.assert_array_equal(got.view(word), want.view(word))
