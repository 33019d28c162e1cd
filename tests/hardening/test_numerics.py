"""Numerics: extreme inputs, the edges of domains, dtype preservation, integer refusals.

1. softmax, log_softmax, logsumexp, cross_entropy, BCE-with-logits, sigmoid and tanh stay finite
   (values and gradients) for inputs of +-1e4, and agree with PyTorch there.
2. sqrt, log and pow at 0 give PyTorch's values *and* gradients, inf and nan included.
3. float64 stays float64 end to end: ops, layers, losses, optimizers and their state.
4. Integer and bool tensors refuse requires_grad=True, as PyTorch's do.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
import tinygrad_nn.nn.functional as TF

torch = pytest.importorskip("torch")
PF = torch.nn.functional

LIBS = pytest.mark.parametrize("lib", [tg, torch], ids=["tinygrad_nn", "torch"])
FLOATS = pytest.mark.parametrize("dtype", ["float32", "float64"])


def _functional(lib):
    return TF if lib is tg else PF


def value_and_grad(lib, fn, data: np.ndarray, dtype: str, upstream: np.ndarray | None = None):
    """fn(x) and d(sum(fn(x) * upstream))/dx for x = data in `lib`."""
    x = lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = fn(lib, x)
        u = np.ones(tuple(y.shape)) if upstream is None else upstream
        (g,) = lib.autograd.grad(y, x, lib.tensor(u, dtype=y.dtype))
    return y.detach().numpy(), g.detach().numpy()


def assert_same_specials(ours: np.ndarray, theirs: np.ndarray, what: str) -> None:
    """Same nan/inf pattern, same dtype, close finite values."""
    assert ours.dtype == theirs.dtype, f"{what}: {ours.dtype} vs torch {theirs.dtype}"
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: nan")
    np.testing.assert_array_equal(np.isposinf(ours), np.isposinf(theirs), err_msg=f"{what}: +inf")
    np.testing.assert_array_equal(np.isneginf(ours), np.isneginf(theirs), err_msg=f"{what}: -inf")
    finite = np.isfinite(theirs)
    rtol = 1e-5 if theirs.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=rtol, atol=rtol, err_msg=what)


# ---------------------------------------------------------------- 1. large inputs

BIG = np.array([[1e4, -1e4, 0.0, 3.0], [-1e4, -1e4, -1e4, -1e4], [1e4, 1e4, -2.0, 1e4]])
TARGETS = np.array([1, 0, 3])
PROBS = np.array([[0.0, 1.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.0, 0.0, 0.5]])
UPSTREAM = np.random.default_rng(0).standard_normal(BIG.shape)

STABLE = {
    "softmax": lambda lib, x: x.softmax(1),
    "softmax_dim0": lambda lib, x: lib.softmax(x, 0),
    "log_softmax": lambda lib, x: x.log_softmax(1),
    "log_softmax_dim0": lambda lib, x: lib.log_softmax(x, 0),
    "logsumexp": lambda lib, x: x.logsumexp(1),
    "logsumexp_all": lambda lib, x: x.logsumexp((0, 1)),
    "sigmoid": lambda lib, x: x.sigmoid(),
    "tanh": lambda lib, x: x.tanh(),
    "cross_entropy": lambda lib, x: _functional(lib).cross_entropy(x, lib.tensor(TARGETS)),
    "cross_entropy_probs": lambda lib, x: _functional(lib).cross_entropy(
        x, lib.tensor(PROBS, dtype=x.dtype)
    ),
    "cross_entropy_smoothing": lambda lib, x: _functional(lib).cross_entropy(
        x, lib.tensor(TARGETS), label_smoothing=0.1, reduction="none"
    ),
    "bce_with_logits": lambda lib, x: _functional(lib).binary_cross_entropy_with_logits(
        x, lib.tensor((BIG > 0) * 1.0, dtype=x.dtype), reduction="none"
    ),
    "bce_with_logits_pos_weight": lambda lib, x: _functional(lib).binary_cross_entropy_with_logits(
        x,
        lib.tensor(PROBS, dtype=x.dtype),
        pos_weight=lib.tensor([1.0, 2.0, 0.5, 3.0], dtype=x.dtype),
    ),
    "bce_with_logits_module": lambda lib, x: lib.nn.BCEWithLogitsLoss()(
        x, lib.tensor(PROBS, dtype=x.dtype)
    ),
    "cross_entropy_module": lambda lib, x: lib.nn.CrossEntropyLoss()(x, lib.tensor(TARGETS)),
}


@FLOATS
@pytest.mark.parametrize("name", list(STABLE))
def test_stable_ops_stay_finite_at_plus_minus_1e4(name, dtype):
    fn = STABLE[name]

    def up(y):
        return UPSTREAM[: y.shape[0]] if y.ndim == 2 else None

    shape_probe = fn(torch, torch.tensor(BIG, dtype=getattr(torch, dtype)))
    upstream = up(shape_probe) if shape_probe.ndim == 2 else np.ones(tuple(shape_probe.shape))
    ours = value_and_grad(tg, fn, BIG, dtype, upstream)
    theirs = value_and_grad(torch, fn, BIG, dtype, upstream)
    for o, t, what in zip(ours, theirs, ("value", "gradient")):
        assert np.isfinite(o).all(), f"{name} {what} not finite: {o}"
        assert_same_specials(o, t, f"{name} {what}")


@FLOATS
def test_sigmoid_and_tanh_saturate_exactly(dtype):
    """At +-1e4 sigmoid is exactly 0 or 1 and tanh exactly +-1, with zero gradient."""
    data = np.array([1e4, -1e4, 800.0, -800.0])
    for fn in (lambda lib, x: x.sigmoid(), lambda lib, x: x.tanh()):
        value, grad = value_and_grad(tg, fn, data, dtype)
        assert set(np.abs(value).tolist()) <= {0.0, 1.0}
        assert not grad.any()


# ---------------------------------------------------------------- 2. domain edges

AT_ZERO = {
    "sqrt": lambda lib, x: x.sqrt(),
    "rsqrt": lambda lib, x: x.rsqrt(),
    "log": lambda lib, x: x.log(),
    "log_negative": lambda lib, x: (x - 1).log(),
    "log1p_minus_one": lambda lib, x: (x - 1).log1p(),
    "reciprocal": lambda lib, x: x.reciprocal(),
    "pow_2": lambda lib, x: x**2,
    "pow_3": lambda lib, x: x**3,
    "pow_1": lambda lib, x: x**1,
    "pow_0": lambda lib, x: x**0,
    "pow_half": lambda lib, x: x**0.5,
    "pow_1_5": lambda lib, x: x**1.5,
    "pow_minus_1": lambda lib, x: x**-1,
    "pow_minus_half": lambda lib, x: x**-0.5,
    "pow_tensor_base": lambda lib, x: x ** lib.tensor([2.0, 0.0, 0.5, -1.0], dtype=x.dtype),
    "pow_tensor_exponent": lambda lib, x: lib.tensor([0.0, 0.0, 2.0, -1.0], dtype=x.dtype) ** x,
    "rpow_zero_base": lambda lib, x: 0.0**x,
    "rpow_two": lambda lib, x: 2.0**x,
    "x_pow_x": lambda lib, x: x**x,
    "norm_of_zeros": lambda lib, x: (x * 0).norm(),
    "abs": lambda lib, x: x.abs(),
    "relu": lambda lib, x: x.relu(),
    "div_by_zero": lambda lib, x: lib.ones_like(x) / x,
}


@FLOATS
@pytest.mark.parametrize("name", list(AT_ZERO))
def test_values_and_gradients_at_zero_match_torch(name, dtype):
    """Inputs include 0 and -0. Where PyTorch gives inf or nan, so must we."""
    data = np.array([0.0, -0.0, 0.0, 0.0]) if "tensor" in name else np.array([0.0, -0.0, 1.0, 4.0])
    fn = AT_ZERO[name]
    ours = value_and_grad(tg, fn, data, dtype)
    theirs = value_and_grad(torch, fn, data, dtype)
    for o, t, what in zip(ours, theirs, ("value", "gradient")):
        assert_same_specials(o, t, f"{name} {what}")


@FLOATS
@pytest.mark.parametrize("name", ["sqrt", "log", "pow_half", "pow_2", "x_pow_x"])
def test_second_derivatives_at_zero_match_torch(name, dtype):
    fn = AT_ZERO[name]

    def second(lib):
        x = lib.tensor([0.0, 1.0, 4.0], dtype=getattr(lib, dtype), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (g,) = lib.autograd.grad(fn(lib, x).sum(), x, create_graph=True)
            (h,) = lib.autograd.grad(g.sum(), x)
        return h.detach().numpy()

    assert_same_specials(second(tg), second(torch), f"{name} second derivative")


# ---------------------------------------------------------------- 3. float64 end to end


def _assert_float64(*tensors) -> None:
    for t in tensors:
        assert t.dtype == tg.float64, f"{t.dtype} where float64 was expected"


OPS64 = {
    "arith": lambda x: (x * 2 + 1 - x / 3) ** 2,
    "python_float_scalars": lambda x: 0.1 * x + 1e-300 - 2.5 / (x.abs() + 1),
    "unary": lambda x: x.exp().log1p().sqrt().tanh().sigmoid().sin().erf(),
    "reductions": lambda x: x.sum(0) + x.mean(0) + x.var(0) + x.std(0) + x.amax(0) + x.prod(0),
    "more_reductions": lambda x: x.logsumexp(1) + x.norm(dim=1) + x.max(1).values,
    "softmax": lambda x: x.softmax(1) + x.log_softmax(0),
    "shape": lambda x: x.T.reshape(-1)[1:5].unsqueeze(0).expand(2, 4).flip(1),
    "matmul": lambda x: x @ x.T + tg.einsum("ij,kj->ik", x, x),
    "int_mixed": lambda x: x * tg.tensor([1, 2, 3]) + tg.tensor(2),
    "where_clamp": lambda x: tg.where(x > 0, x, x * 0.5).clamp(-0.3, 0.3),
    "cat_stack": lambda x: tg.cat([x, x * 2]) + tg.stack([x, x]).sum(0).repeat(2, 1),
    "cumsum_gather": lambda x: x.cumsum(1).gather(1, tg.tensor([[0, 2], [1, 1]])),
}


@pytest.mark.parametrize("name", list(OPS64))
def test_ops_keep_float64_through_values_and_gradients(name):
    x = tg.tensor([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]], dtype=tg.float64, requires_grad=True)
    y = OPS64[name](x)
    (g,) = tg.autograd.grad(y, x, tg.ones_like(y), create_graph=True)
    _assert_float64(y, g)
    if g.requires_grad:  # not for linear programs: their gradient is a constant
        (h,) = tg.autograd.grad(g.sum(), x, allow_unused=True)
        _assert_float64(*(t for t in (h,) if t is not None))


def _model64(lib):
    lib.manual_seed(0)
    nn = lib.nn
    # No conv bias before batch norm: its gradient is exactly 0 in theory, so it is pure
    # rounding noise, which Adam/Adagrad normalise into O(lr) updates that cannot match.
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, bias=False),
        nn.BatchNorm2d(2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8, 6),
        nn.LayerNorm(6),
        nn.GELU(),
        nn.Dropout(0.0),
        nn.Linear(6, 3),
    )
    return model.double()


LOSSES = {
    "cross_entropy": lambda lib, out: lib.nn.CrossEntropyLoss()(out, lib.tensor([0, 2, 1, 1])),
    "mse": lambda lib, out: lib.nn.MSELoss()(out, lib.ones(4, 3, dtype=lib.float64)),
    "bce_logits": lambda lib, out: lib.nn.BCEWithLogitsLoss()(
        out, lib.ones(4, 3, dtype=lib.float64)
    ),
    "huber": lambda lib, out: lib.nn.HuberLoss()(out, lib.zeros(4, 3, dtype=lib.float64)),
    "nll": lambda lib, out: lib.nn.NLLLoss()(out.log_softmax(1), lib.tensor([0, 2, 1, 1])),
    "l1": lambda lib, out: lib.nn.L1Loss()(out, lib.zeros(4, 3, dtype=lib.float64)),
}

OPTIMIZERS = {
    "sgd": lambda lib, p: lib.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda lib, p: lib.optim.Adam(p, lr=0.01, amsgrad=True),
    "adamw": lambda lib, p: lib.optim.AdamW(p, lr=0.01),
    "rmsprop": lambda lib, p: lib.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda lib, p: lib.optim.Adagrad(p, lr=0.1),
}


@pytest.mark.parametrize("loss_name", list(LOSSES))
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_float64_training_stays_float64_and_matches_torch(loss_name, opt_name):
    """A double() model (conv, batch norm, pooling, linear, layer norm) trained three steps:
    parameters, gradients, optimizer state and outputs stay float64 and match PyTorch."""
    data = np.random.default_rng(1).standard_normal((4, 1, 4, 4))

    def train(lib):
        model = _model64(lib)
        if lib is tg:  # same weights in both
            for p, q in zip(model.parameters(), _model64(torch).parameters()):
                p.data = tg.tensor(q.detach().numpy().copy())
        opt = OPTIMIZERS[opt_name](lib, model.parameters())
        for _ in range(3):
            opt.zero_grad()
            out = model(lib.tensor(data))
            loss = LOSSES[loss_name](lib, out)
            loss.backward()
            opt.step()
        return model, opt, out, loss

    model, opt, out, loss = train(tg)
    _assert_float64(out, loss, *model.parameters(), *(p.grad for p in model.parameters()))
    _assert_float64(*(b for b in model.buffers() if b.is_floating_point()))  # not the counts
    for state in opt.state.values():
        _assert_float64(*(v for v in state.values() if isinstance(v, tg.Tensor) and v.ndim))
    t_model, _, _, t_loss = train(torch)
    for p, q in zip(model.parameters(), t_model.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-10)


# ---------------------------------------------------------------- 4. integer tensors

INT_REQUIRES_GRAD = {
    "tensor_int": lambda lib: lib.tensor([1, 2], requires_grad=True),
    "tensor_bool": lambda lib: lib.tensor([True], requires_grad=True),
    "zeros_int64": lambda lib: lib.zeros(3, dtype=lib.int64, requires_grad=True),
    "ones_int32": lambda lib: lib.ones(3, dtype=lib.int32, requires_grad=True),
    "arange": lambda lib: lib.arange(3, requires_grad=True),
    "full_int": lambda lib: lib.full((2,), 3, requires_grad=True),
    "randint": lambda lib: lib.randint(0, 5, (3,), requires_grad=True),
    "requires_grad_": lambda lib: lib.tensor([1, 2]).requires_grad_(),
    "setter": lambda lib: setattr(lib.tensor([1, 2]), "requires_grad", True),
    "bool_setter": lambda lib: setattr(lib.tensor([1, 2]) > 1, "requires_grad", True),
}


@pytest.mark.parametrize("name", list(INT_REQUIRES_GRAD))
def test_integer_tensors_refuse_requires_grad(name):
    for lib in (torch, tg):
        with pytest.raises(RuntimeError, match="floating point"):
            INT_REQUIRES_GRAD[name](lib)


@LIBS
def test_integer_results_of_float_ops_do_not_require_grad(lib):
    x = lib.tensor([1.5, -2.0, 3.0], requires_grad=True)
    for out in (x.argmax(), x > 0, x.max(0).indices, (x * 2).long(), x.floor().int()):
        assert not out.requires_grad and out.grad_fn is None
    assert x.round().requires_grad  # float results of rounding stay in the graph (grad 0)
