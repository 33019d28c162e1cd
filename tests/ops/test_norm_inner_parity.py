"""The nuclear norm, `inner` with 0-d operands and batch_norm of empty inputs, against torch.

`norm(p='nuc')` is the sum of singular values; its gradient is U Vh and its second derivative
comes from differentiating the SVD again, so both are checked against finite differences
(gradcheck, gradgradcheck) and against PyTorch's numbers.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
import tinygrad_nn.nn.functional as F
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)

# (shape, dim, keepdim): 2-d with the default dims, batches of matrices in any two dims
NUC_CASES = [
    ((3, 4), None, False),
    ((4, 3), None, True),
    ((3, 3), None, False),
    ((3, 3), (1, 0), False),
    ((2, 3, 4), (1, 2), False),
    ((2, 3, 4), (2, 0), True),
    ((3, 2, 4), (-1, 0), False),
    ((2, 2, 3, 2), (1, 3), True),
]


def _both(array, requires_grad=True):
    return (
        tg.tensor(array, requires_grad=requires_grad),
        torch.tensor(array, requires_grad=requires_grad),
    )


@pytest.mark.parametrize("shape,dim,keepdim", NUC_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("form", ["method", "function"])
def test_nuclear_norm_forward_and_gradient_match_torch(shape, dim, keepdim, dtype, form):
    a = RNG.standard_normal(shape).astype(dtype)
    x, xt = _both(a)
    if form == "method":
        y, yt = x.norm("nuc", dim, keepdim), xt.norm("nuc", dim, keepdim)
    else:
        y, yt = (
            tg.norm(x, p="nuc", dim=dim, keepdim=keepdim),
            torch.norm(xt, p="nuc", dim=dim, keepdim=keepdim),
        )
    assert y.shape == tuple(yt.shape) and str(y.dtype) == str(yt.dtype).replace(
        "torch", "tinygrad_nn"
    )
    assert y.grad_fn.name() == yt.grad_fn.name()
    assert_close(y.detach().numpy(), yt.detach().numpy(), dtype)
    g = RNG.standard_normal(tuple(yt.shape)).astype(dtype)
    (gx,) = tg.autograd.grad(y, x, tg.tensor(g))
    (gxt,) = torch.autograd.grad(yt, xt, torch.tensor(g))
    assert_close(gx.numpy(), gxt.numpy(), dtype, rtol=1e-4 if dtype == np.float32 else 1e-9)


@pytest.mark.parametrize("shape,dim,keepdim", NUC_CASES)
def test_nuclear_norm_gradcheck_and_gradgradcheck(shape, dim, keepdim):
    x = tg.tensor(RNG.standard_normal(shape), requires_grad=True)

    def fn(t):
        return t.norm(p="nuc", dim=dim, keepdim=keepdim)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (3, 3), (2, 2, 3)])
def test_nuclear_norm_second_derivative_matches_torch(shape):
    """A Hessian-vector product: the SVD differentiated twice, through U, S and Vh."""
    a, v = RNG.standard_normal(shape), RNG.standard_normal(shape)
    dim = (-2, -1)

    def hvp(lib, x):
        (g,) = lib.autograd.grad(x.norm(p="nuc", dim=dim).sum(), x, create_graph=True)
        return lib.autograd.grad((g * lib.tensor(v)).sum(), x)[0]

    x, xt = _both(a)
    assert_close(hvp(tg, x).numpy(), hvp(torch, xt).numpy(), np.float64, rtol=1e-8, atol=1e-10)


def test_nuclear_norm_dtype_argument_widens_and_refuses_narrowing():
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    y = tg.tensor(a).norm(p="nuc", dtype=tg.float64)
    yt = torch.tensor(a).norm(p="nuc", dtype=torch.float64)
    assert y.dtype == tg.float64
    assert_close(y.numpy(), yt.numpy(), np.float64)
    with pytest.raises(RuntimeError, match=r"\(Double\) should be convertible without narrowing"):
        tg.tensor(a.astype(np.float64)).norm(p="nuc", dtype=tg.float32)


@pytest.mark.parametrize("shape,dim", [((0, 3), None), ((2, 0, 3), (1, 2)), ((3, 0), None)])
def test_nuclear_norm_of_empty_matrices_is_zero(shape, dim):
    x, xt = _both(np.zeros(shape, np.float32))
    y, yt = x.norm(p="nuc", dim=dim), xt.norm(p="nuc", dim=dim)
    assert y.shape == tuple(yt.shape)
    assert_close(y.detach().numpy(), yt.detach().numpy(), np.float32)
    y.sum().backward()
    assert x.grad.shape == x.shape and not x.grad.numpy().any()


@pytest.mark.parametrize(
    "make,dim,error,message",
    [
        (lambda lib: lib.ones(3), None, RuntimeError, "must have at least 2 dimensions"),
        (lambda lib: lib.ones(2, 3, 4), None, RuntimeError, "dim must be a 2-tuple. Got 0 1 2"),
        (lambda lib: lib.ones(2, 3, 4), 1, RuntimeError, "dim must be a 2-tuple. Got 1"),
        (
            lambda lib: lib.ones(2, 3, 4),
            (1, 1),
            RuntimeError,
            r"dims must be different. Got \(1, 1\)",
        ),
        (lambda lib: lib.ones(2, 3, 4), (1, -2), RuntimeError, "dims must be different"),
        (lambda lib: lib.ones(3, 4), (0, 3), IndexError, "Dimension out of range"),
        (
            lambda lib: lib.ones(3, 3, dtype=lib.long),
            None,
            RuntimeError,
            "floating point .* Got Long",
        ),
    ],
)
def test_nuclear_norm_errors_match_torch(make, dim, error, message):
    for lib in (torch, tg):
        with pytest.raises(error, match=message):
            make(lib).norm(p="nuc", dim=dim)


# ---------------------------------------------------------------------- inner

INNER_SHAPES = [
    ((4,), (4,)),
    ((), (4,)),
    ((2, 3), ()),
    ((), ()),
    ((2, 3), (4, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 5, 3)),
    ((0, 3), (2, 3)),
    ((2, 0), (3, 0)),
]


@pytest.mark.parametrize("sa,sb", INNER_SHAPES)
@pytest.mark.parametrize("form", ["method", "function"])
def test_inner_matches_torch_with_gradients(sa, sb, form):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    (x, xt), (y, yt) = _both(a), _both(b)
    out = x.inner(y) if form == "method" else tg.inner(x, y)
    out_t = xt.inner(yt) if form == "method" else torch.inner(xt, yt)
    assert out.shape == tuple(out_t.shape) and out.dtype == tg.float64
    assert out.grad_fn.name() == out_t.grad_fn.name()
    assert_close(out.detach().numpy(), out_t.detach().numpy(), np.float64)
    g = RNG.standard_normal(tuple(out_t.shape))
    gx, gy = tg.autograd.grad(out, (x, y), tg.tensor(g))
    gxt, gyt = torch.autograd.grad(out_t, (xt, yt), torch.tensor(g))
    assert_close(gx.numpy(), gxt.numpy(), np.float64)
    assert_close(gy.numpy(), gyt.numpy(), np.float64)


@pytest.mark.parametrize("sa,sb", [s for s in INNER_SHAPES if 0 not in s[0] + s[1]])
def test_inner_gradcheck_and_gradgradcheck(sa, sb):
    args = (
        tg.tensor(RNG.standard_normal(sa), requires_grad=True),
        tg.tensor(RNG.standard_normal(sb), requires_grad=True),
    )
    assert gradcheck(lambda p, q: p.inner(q), args)
    assert gradgradcheck(lambda p, q: p.inner(q), args)


@pytest.mark.parametrize(
    "a,b",
    [
        (np.array(2, np.int64), np.array([1.5, 2.0], np.float32)),
        (np.array([1.5, 2.0], np.float32), np.array(3, np.int64)),
        (np.array([1, 2]), np.array([3, 4])),
        (np.array(2.0, np.float64), np.array([1.5, 2.0], np.float32)),
    ],
)
def test_inner_dtypes_match_torch(a, b):
    out, out_t = tg.inner(tg.tensor(a), tg.tensor(b)), torch.inner(torch.tensor(a), torch.tensor(b))
    assert str(out.dtype).split(".")[-1] == str(out_t.dtype).split(".")[-1]
    assert_close(out.numpy(), out_t.numpy(), out.numpy().dtype)


@pytest.mark.parametrize(
    "call,error,message",
    [
        (
            lambda lib: lib.inner(lib.ones(2, 3), lib.ones(4)),
            RuntimeError,
            r"last dimension must match on both input tensors but got shapes \[2, 3\] and \[4\]",
        ),
        (
            lambda lib: lib.inner(lib.ones(3), lib.ones(3, dtype=lib.float64)),
            RuntimeError,
            "both inputs should have same dtype",
        ),
        (lambda lib: lib.inner(lib.ones(3), 2), TypeError, "must be Tensor, not int"),
        (lambda lib: lib.inner(2, lib.ones(3)), TypeError, "must be Tensor, not int"),
        (lambda lib: lib.ones(3).inner(2.5), TypeError, "must be Tensor, not float"),
    ],
)
def test_inner_errors_match_torch(call, error, message):
    for lib in (torch, tg):
        with pytest.raises(error, match=message):
            call(lib)


# ---------------------------------------------------------------------- batch_norm, empty

EMPTY_SHAPES = [(0,), (0, 3), (0, 3, 4), (2, 0), (0, 0), (2, 0, 4)]


def _channels(shape):
    return shape[1] if len(shape) > 1 else 0


@pytest.mark.parametrize("shape", EMPTY_SHAPES)
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("stats", [None, "right size", "wrong size"])
def test_batch_norm_of_an_empty_input_is_a_copy_as_in_torch(shape, training, stats):
    """PyTorch returns a copy of an empty input (shape kept, CloneBackward0), checks no
    statistic's size and leaves the running statistics alone."""
    c = {None: None, "right size": _channels(shape), "wrong size": 5}[stats]
    results = []
    for lib in (torch, tg):
        x = lib.zeros(shape, requires_grad=True)
        mean = None if c is None else lib.full((c,), 0.5)
        var = None if c is None else lib.full((c,), 2.0)
        fn = torch.nn.functional.batch_norm if lib is torch else F.batch_norm
        y = fn(x, mean, var, training=training)
        (grad,) = lib.autograd.grad(y.sum(), x)
        results.append(
            (
                tuple(y.shape),
                y.grad_fn.name(),
                tuple(grad.shape),
                None if mean is None else (mean.tolist(), var.tolist()),
            )
        )
    assert results[0] == results[1]
    assert results[1][0] == shape


@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4)])
def test_batch_norm_of_an_empty_input_keeps_weight_and_bias_in_the_graph(shape):
    names, grads = [], []
    for lib in (torch, tg):
        x = lib.zeros(shape, requires_grad=True)
        w = lib.tensor([1.5, 2.0, -1.0], requires_grad=True)
        b = lib.tensor([0.1, 0.2, 0.3], requires_grad=True)
        fn = torch.nn.functional.batch_norm if lib is torch else F.batch_norm
        y = fn(x, None, None, w, b, training=True)
        names.append(y.grad_fn.name())
        grads.append([g.tolist() for g in lib.autograd.grad(y.sum(), (x, w, b))])
    assert names[0] == names[1] == "AddBackward0"
    assert grads[0] == grads[1]


@pytest.mark.parametrize(
    "call,error,message",
    [
        # a weight with no first element cannot scale the copy
        (
            lambda lib, F: F.batch_norm(lib.zeros(0), None, None, lib.ones(0), None, training=True),
            IndexError,
            r"select\(\): index 0 out of range for tensor of size \[0\] at dimension 0",
        ),
        (lambda lib, F: lib.nn.BatchNorm1d(0)(lib.zeros(2, 0)), IndexError, "index 0 out of range"),
        # one value per channel is refused before the empty case is looked at
        (
            lambda lib, F: F.batch_norm(lib.zeros(1, 0), None, None, training=True),
            ValueError,
            "Expected more than 1 value per channel when training",
        ),
        # a non-empty 1-d input has no channel axis
        (
            lambda lib, F: F.batch_norm(lib.ones(3), None, None, training=True),
            IndexError,
            r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)",
        ),
        (
            lambda lib, F: F.batch_norm(lib.ones(3), lib.zeros(0), lib.ones(0)),
            IndexError,
            "Dimension out of range",
        ),
        (
            lambda lib, F: F.batch_norm(lib.ones(3), None, None),
            RuntimeError,
            "running_mean must be defined in evaluation mode",
        ),
        (
            lambda lib, F: F.batch_norm(lib.ones(3), lib.zeros(3), lib.ones(3)),
            RuntimeError,
            "running_mean should contain 0 elements not 3",
        ),
    ],
)
def test_batch_norm_small_shape_errors_match_torch(call, error, message):
    for lib, functional in ((torch, torch.nn.functional), (tg, F)):
        with pytest.raises(error, match=message):
            call(lib, functional)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm1d_module_on_an_empty_batch(training):
    states = []
    for lib in (torch, tg):
        m = lib.nn.BatchNorm1d(3)
        m.train(training)
        y = m(lib.zeros(0, 3))
        states.append(
            (
                tuple(y.shape),
                m.running_mean.tolist(),
                m.running_var.tolist(),
                int(m.num_batches_tracked),
            )
        )
    assert states[0] == states[1]
