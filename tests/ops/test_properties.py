"""Property tests over random shapes: broadcasting binaries, reductions with random dims and
keepdim, and unary elementwise ops, each compared with PyTorch (values and gradients)."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_nn as tg
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y.abs() + 0.5),
    "maximum": lambda x, y: x.maximum(y),
    "pow": lambda x, y: (x.abs() + 0.5) ** y,
    "where": lambda x, y: _lib(x).where(x > y, x, y * 2),
}
UNARY = {
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "log": lambda x: (x.abs() + 0.1).log(),
    "sqrt": lambda x: (x * x + 0.1).sqrt(),
    "neg_abs": lambda x: -x.abs(),
}
REDUCE = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k),
    "mean": lambda x, d, k: x.mean(d, keepdim=k),
    "amax": lambda x, d, k: x.amax(d, keepdim=k),
    "logsumexp": lambda x, d, k: x.logsumexp(d, keepdim=k),
    "var": lambda x, d, k: x.var(d, keepdim=k),
    "prod": lambda x, d, k: x.prod(d[0], keepdim=k),
}


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else tg


def _run(fn, arrays, dtype):
    """Run fn in both libraries on the same arrays with a random upstream gradient."""
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = fn(*ours), fn(*theirs)
    assert tuple(out.shape) == tuple(expected.shape)
    assert_close(out.detach().numpy(), expected.detach().numpy(), dtype, rtol=1e-5, atol=1e-6)
    upstream = np.random.default_rng(0).standard_normal(tuple(expected.shape)).astype(dtype)
    out.backward(tg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs):
        assert_close(a.grad.numpy(), b.grad.numpy(), dtype, rtol=1e-5, atol=1e-5)


def _arrays(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, size=s).astype(dtype) for s in shapes]


@given(
    name=st.sampled_from(sorted(BINARY)),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_broadcasting_binary_ops_match_torch(name, shapes, dtype, seed):
    _run(BINARY[name], _arrays(shapes.input_shapes, dtype, seed), dtype)


@given(
    name=st.sampled_from(sorted(BINARY)),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
    scalar=st.floats(-3, 3).filter(lambda v: abs(v) > 0.1),
    left=st.booleans(),
)
def test_binary_ops_with_python_scalars_match_torch(name, shape, scalar, left):
    arrays = _arrays([shape], np.float32, 1)
    if name in ("maximum", "where"):
        fn = lambda x: BINARY[name](x, x * scalar)  # noqa: E731
    elif left:
        fn = {
            "add": lambda x: scalar + x,
            "sub": lambda x: scalar - x,
            "mul": lambda x: scalar * x,
            "div": lambda x: scalar / (x.abs() + 0.5),
            "pow": lambda x: abs(scalar) ** x,
        }[name]
    else:
        fn = {
            "add": lambda x: x + scalar,
            "sub": lambda x: x - scalar,
            "mul": lambda x: x * scalar,
            "div": lambda x: x / scalar,
            "pow": lambda x: (x.abs() + 0.5) ** scalar,
        }[name]
    _run(fn, arrays, np.float32)


@given(
    name=st.sampled_from(sorted(REDUCE)),
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=2, max_side=4),
    keepdim=st.booleans(),
    data=st.data(),
)
def test_reductions_with_random_dims_match_torch(name, shape, keepdim, data):
    ndim = len(shape)
    dims = data.draw(
        st.lists(
            st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim, unique_by=lambda d: d % ndim
        )
    )
    dims = tuple(dims)
    _run(
        lambda x: REDUCE[name](x, dims, keepdim),
        _arrays([shape], np.float64, len(dims)),
        np.float64,
    )


@given(
    name=st.sampled_from(sorted(UNARY)),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
    dtype=st.sampled_from([np.float32, np.float64]),
)
def test_unary_ops_on_any_shape_match_torch(name, shape, dtype):
    _run(UNARY[name], _arrays([shape], dtype, 3), dtype)


@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
def test_unbroadcast_reduces_gradients_to_input_shapes(shapes):
    x, y = (tg.ones(s, requires_grad=True) for s in shapes.input_shapes)
    (x * y).sum().backward()
    assert x.grad.shape == x.shape and y.grad.shape == y.shape
    n = int(np.prod(shapes.result_shape))
    assert x.grad.sum().item() == n and y.grad.sum().item() == n
