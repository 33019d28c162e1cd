"""The activations of nn/_functional_activation_more.py and their layers, against PyTorch:
values and gradients (also at each kink), dtypes, gradcheck and gradgradcheck, in-place
forms, layer reprs, PReLU's parameter, and the errors for bad arguments."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

TOL = {np.float32: (1e-6, 1e-7), np.float64: (1e-12, 1e-14)}  # (rtol, atol)

# name -> f(lib, x): one call written once, run on both libraries
FUNCTIONS = {
    "relu6": lambda lib, x: lib.nn.functional.relu6(x),
    "hardtanh": lambda lib, x: lib.nn.functional.hardtanh(x),
    "hardtanh_range": lambda lib, x: lib.nn.functional.hardtanh(x, -0.5, 1.5),
    "hardsigmoid": lambda lib, x: lib.nn.functional.hardsigmoid(x),
    "hardswish": lambda lib, x: lib.nn.functional.hardswish(x),
    "selu": lambda lib, x: lib.nn.functional.selu(x),
    "torch_selu": lambda lib, x: lib.selu(x),
    "celu": lambda lib, x: lib.nn.functional.celu(x),
    "celu_alpha": lambda lib, x: lib.nn.functional.celu(x, 0.7),
    "torch_celu": lambda lib, x: lib.celu(x, 2.0),
    "mish": lambda lib, x: lib.nn.functional.mish(x),
    "softsign": lambda lib, x: lib.nn.functional.softsign(x),
    "softmin": lambda lib, x: lib.nn.functional.softmin(x, dim=-1),
    "softmin_dim0": lambda lib, x: lib.nn.functional.softmin(x, 0),
    "logsigmoid": lambda lib, x: lib.nn.functional.logsigmoid(x),
    "tanhshrink": lambda lib, x: lib.nn.functional.tanhshrink(x),
    "softshrink": lambda lib, x: lib.nn.functional.softshrink(x),
    "softshrink_1": lambda lib, x: lib.nn.functional.softshrink(x, 1.0),
    "hardshrink": lambda lib, x: lib.nn.functional.hardshrink(x),
    "torch_hardshrink": lambda lib, x: lib.hardshrink(x, 1.0),
    "threshold": lambda lib, x: lib.nn.functional.threshold(x, 0.5, -2.0),
    "torch_threshold": lambda lib, x: lib.threshold(x, 1.0, 3.0),
    "glu": lambda lib, x: lib.nn.functional.glu(x),
    "glu_dim0": lambda lib, x: lib.nn.functional.glu(x, 0),
}
# kinks of each function, so the gradient there is compared too
KINKS = np.array(
    [
        -6.0,
        -3.0,
        -1.5,
        -1.0,
        -0.5,
        0.0,
        0.5,
        1.0,
        1.5,
        3.0,
        6.0,
        25.0,
        -25.0,
        2.7,
        -2.0,
        0.2,
        0.7,
        2.0,
    ]
)


def _sample(dtype, shape=(4, 6)):
    rng = np.random.default_rng(0)
    return rng.uniform(-4, 4, size=shape).astype(dtype)


def _run(lib, name, a, upstream):
    x = lib.tensor(a, requires_grad=True)
    out = FUNCTIONS[name](lib, x)
    out.backward(lib.tensor(upstream))
    return out, x.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_matches_torch(name, dtype):
    rtol, atol = TOL[dtype]
    for a in (_sample(dtype), KINKS.astype(dtype).reshape(3, 6)):
        if name == "glu_dim0":
            a = a.T.copy()
        expected_out = FUNCTIONS[name](torch, torch.tensor(a))
        upstream = np.random.default_rng(1).standard_normal(tuple(expected_out.shape))
        upstream = upstream.astype(dtype)
        out, grad = _run(tg, name, a, upstream)
        expected, expected_grad = _run(torch, name, a, upstream)
        assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        assert_close(
            out.detach().numpy(),
            expected.detach().numpy(),
            rtol=rtol,
            atol=atol,
            what=f"{name} forward",
        )
        if name == "hardsigmoid" and dtype == np.float64:
            # PyTorch's double kernel multiplies by 1/6 rounded to float32; ours is exact.
            rtol = 1e-7
        if name == "celu_alpha" and dtype == np.float64:
            # PyTorch's celu gradient uses 1 / float32(alpha); ours uses 1 / alpha.
            rtol = 1e-6
        assert_close(grad.numpy(), expected_grad.numpy(), rtol=rtol, atol=atol, what=f"{name} grad")


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_gradcheck_and_gradgradcheck(name):
    # values away from every kink (|x| in [0.1, 0.4] U [1.1, 1.4] U [3.2, 3.6], both signs)
    rng = np.random.default_rng(2)
    magnitude = rng.choice([0.25, 1.25, 3.4], size=(4, 6)) + rng.uniform(-0.1, 0.1, (4, 6))
    a = magnitude * rng.choice([-1.0, 1.0], size=(4, 6))
    if name == "glu_dim0":
        a = a.T.copy()
    x = tg.tensor(a, requires_grad=True)

    def fn(t):
        return FUNCTIONS[name](tg, t)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_prelu_functional_and_torch_form():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 4))
    a[0, 0, 0] = 0.0
    w = np.array([0.1, -0.3, 0.5])
    for lib in (tg, torch):
        x, wt = lib.tensor(a, requires_grad=True), lib.tensor(w, requires_grad=True)
        out = lib.prelu(x, wt) + lib.nn.functional.prelu(x, wt[:1])
        out.backward(lib.tensor(np.cos(a)))
        if lib is tg:
            ours = (out.detach().numpy(), x.grad.numpy(), wt.grad.numpy())
        else:
            theirs = (out.detach().numpy(), x.grad.numpy(), wt.grad.numpy())
    for o, t in zip(ours, theirs):
        assert_close(o, t, rtol=1e-12, atol=1e-14)
    x, wt = (
        tg.tensor(rng.uniform(0.2, 1, (2, 3)), requires_grad=True),
        tg.tensor(w, requires_grad=True),
    )
    x = x * tg.tensor([[1.0, -1.0, 1.0]])
    assert gradcheck(tg.nn.functional.prelu, (x.detach().requires_grad_(), wt))
    assert gradgradcheck(tg.nn.functional.prelu, (x.detach().requires_grad_(), wt))


def test_prelu_single_slope_keeps_shape():
    for shape in ((), (3,), (2, 3, 2)):
        a = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)
        ours = tg.nn.functional.prelu(tg.tensor(a), tg.tensor([0.3], dtype=tg.float64))
        theirs = torch.nn.functional.prelu(
            torch.tensor(a), torch.tensor([0.3], dtype=torch.float64)
        )
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert_close(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=0)


def test_prelu_layer_init_state_dict_and_grads():
    theirs, ours = torch.nn.PReLU(3, init=0.1), tg.nn.PReLU(3, init=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert_close(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=0, atol=0)
    a = np.random.default_rng(4).standard_normal((5, 3, 2)).astype(np.float32)
    out, pout = ours(tg.tensor(a)), theirs(torch.tensor(a))
    out.sum().backward()
    pout.sum().backward()
    assert_close(out.detach().numpy(), pout.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert_close(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6, atol=1e-6)
    assert ours.weight.dtype == tg.float32


INPLACE = [
    ("relu6", lambda F, x: F.relu6(x, inplace=True)),
    ("hardtanh_", lambda F, x: F.hardtanh_(x, -0.5, 0.5)),
    ("hardsigmoid", lambda F, x: F.hardsigmoid(x, True)),
    ("hardswish", lambda F, x: F.hardswish(x, True)),
    ("selu", lambda F, x: F.selu(x, True)),
    ("celu", lambda F, x: F.celu(x, 0.5, True)),
    ("mish", lambda F, x: F.mish(x, True)),
    ("threshold_", lambda F, x: F.threshold_(x, 0.2, 7.0)),
]


@pytest.mark.parametrize("name,fn", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_forms(name, fn):
    a = np.random.default_rng(5).uniform(-4, 4, (3, 4))
    results = []
    for lib in (tg, torch):
        leaf = lib.tensor(a, requires_grad=True)
        y = leaf * 1.0
        out = fn(lib.nn.functional, y)
        assert out is y
        y.backward(lib.tensor(np.sin(a)))
        results.append((y.detach().numpy(), leaf.grad.numpy()))
    rtol = 1e-7 if name == "hardsigmoid" else 1e-12  # PyTorch's float32 1/6, as above
    for o, t in zip(*results):
        assert_close(o, t, rtol=rtol, atol=1e-14, what=name)


def test_torch_inplace_top_level_forms():
    a = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    for name in ("selu_", "celu_", "threshold_"):
        args = (0.5, 1.0) if name == "threshold_" else ()
        x, px = tg.tensor(a), torch.tensor(a)
        assert getattr(tg, name)(x, *args) is x
        getattr(torch, name)(px, *args)
        assert_close(x.numpy(), px.numpy(), rtol=1e-12, atol=1e-14, what=name)


def test_integer_inputs_like_torch():
    a = np.array([-3, -1, 0, 2, 7])
    for name in ("relu6", "hardtanh", "threshold", "softsign", "tanhshrink"):
        x, px = tg.tensor(a), torch.tensor(a)
        out, expected = FUNCTIONS[name](tg, x), FUNCTIONS[name](torch, px)
        assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1], name
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize(
    "name",
    [
        "hardshrink",
        "softshrink",
        "hardsigmoid",
        "hardswish",
        "selu",
        "celu",
        "mish",
        "logsigmoid",
        "glu",
    ],
)
def test_integer_inputs_refused_like_torch(name):
    _raises_like(lambda lib: FUNCTIONS[name](lib, lib.tensor([1, 2])))


def test_nan_propagates_with_slope_one():
    a = np.array([np.nan, 1.0])
    for name in ("hardtanh", "relu6", "softshrink", "hardshrink", "threshold", "hardswish"):
        out, grad = _run(tg, name, a, np.ones(2))
        assert np.isnan(out.detach().numpy()[0]), name
        assert grad.numpy()[0] == 1.0, name


LAYERS = [
    lambda nn: nn.ReLU6(),
    lambda nn: nn.ReLU6(inplace=True),
    lambda nn: nn.Hardtanh(),
    lambda nn: nn.Hardtanh(-2, 2, True),
    lambda nn: nn.Hardsigmoid(),
    lambda nn: nn.Hardswish(inplace=True),
    lambda nn: nn.SELU(),
    lambda nn: nn.SELU(True),
    lambda nn: nn.CELU(),
    lambda nn: nn.CELU(0.5, inplace=True),
    lambda nn: nn.Mish(),
    lambda nn: nn.Softsign(),
    lambda nn: nn.Softmin(dim=1),
    lambda nn: nn.LogSigmoid(),
    lambda nn: nn.Tanhshrink(),
    lambda nn: nn.Softshrink(),
    lambda nn: nn.Hardshrink(0.3),
    lambda nn: nn.Threshold(0.1, 20),
    lambda nn: nn.Threshold(0.1, 20.0, inplace=True),
    lambda nn: nn.GLU(),
    lambda nn: nn.GLU(dim=0),
    lambda nn: nn.PReLU(),
    lambda nn: nn.PReLU(4, 0.1),
]


@pytest.mark.parametrize("make", LAYERS, ids=lambda m: repr(m(torch.nn)))
def test_layer_repr_and_forward(make):
    ours, theirs = make(tg.nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    a = np.random.default_rng(6).uniform(-4, 4, (4, 4, 2)).astype(np.float32)
    x, px = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, pout = ours(x * 1), theirs(px * 1)
    out.backward(tg.tensor(np.ones(out.shape, np.float32)))
    pout.backward(torch.ones_like(pout))
    assert_close(out.detach().numpy(), pout.detach().numpy(), rtol=1e-6, atol=1e-7)
    assert_close(x.grad.numpy(), px.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_softmin_implicit_dim_warns_like_torch():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        out = tg.nn.Softmin()(tg.ones(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.Softmin()(torch.ones(2, 3))
    assert_close(out.numpy(), expected.numpy())
    out = tg.nn.functional.softmin(tg.ones(2, 3, dtype=tg.float32), 1, dtype=tg.float64)
    assert out.dtype == tg.float64


def _raises_like(fn):
    """Run fn on both libraries; both raise the same class (and message)."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(tg)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.nn.functional.glu(lib.ones(2, 3)),
        lambda lib: lib.nn.functional.glu(lib.ones(3, 2), dim=0),
        lambda lib: lib.nn.functional.glu(lib.tensor(1.0)),
        lambda lib: lib.nn.functional.softshrink(lib.ones(2), -1.0),
        lambda lib: lib.nn.functional.prelu(lib.ones(2, 3), lib.ones(4)),
        lambda lib: lib.nn.functional.hardtanh(lib.ones(2), 1.0, -1.0),
        lambda lib: lib.nn.Hardtanh(1.0, -1.0),
        lambda lib: lib.nn.functional.celu(lib.ones(2), 0.0),
        lambda lib: lib.nn.functional.prelu(lib.tensor(-1.0), lib.ones(2)),
        lambda lib: lib.nn.functional.prelu(lib.ones(3), lib.ones(3)),
        lambda lib: lib.nn.functional.prelu(lib.ones(3, dtype=lib.float64), lib.ones(1)),
        lambda lib: lib.nn.functional.prelu(lib.ones(2, 3), lib.ones(2, 3)),
    ],
)
def test_errors_match_torch(fn):
    _raises_like(fn)
