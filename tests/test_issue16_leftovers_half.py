"""float16 as a compute dtype, as PyTorch's CPU computes it: creation and `half()`, promotion,
arithmetic, matmul and linear (float32 accumulation, one rounding), sums and means, comparisons,
printing, `finfo`/`iinfo`, autograd, `model.half()` and state_dict round trips."""

from __future__ import annotations

import io

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.parity import assert_same_bits

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1616)
A = RNG.standard_normal((24, 40)).astype(np.float16)
B = RNG.standard_normal((40, 16)).astype(np.float16)
POS = (np.abs(A) + 0.1).astype(np.float16)
LONG = RNG.standard_normal(3000).astype(np.float16)


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


def _both(fn, *arrays, requires_grad=False):
    """fn(lib, *tensors) in both libraries: (ours, torch's) as (value array, dtype name)."""
    out = []
    for lib in (tg, torch):
        result = fn(lib, *[lib.tensor(a, requires_grad=requires_grad) for a in arrays])
        out.append((result.detach().numpy(), _name(result.dtype)))
    return out


# Results equal PyTorch's to the bit: one float16 rounding of a float32 (or exact) result.
EXACT = {
    "add": (lambda L, a, p: a + p, (A, POS)),
    "sub_scalar": (lambda L, a, p: a - 0.3, (A, POS)),
    "mul": (lambda L, a, p: a * p, (A, POS)),
    "div": (lambda L, a, p: a / p, (A, POS)),
    "pow": (lambda L, a, p: p**1.7, (A, POS)),
    "neg_abs": (lambda L, a, p: (-a).abs(), (A, POS)),
    "exp": (lambda L, a, p: a.exp(), (A, POS)),
    "log": (lambda L, a, p: p.log(), (A, POS)),
    "sqrt": (lambda L, a, p: p.sqrt(), (A, POS)),
    "rsqrt": (lambda L, a, p: p.rsqrt(), (A, POS)),
    "tanh": (lambda L, a, p: a.tanh(), (A, POS)),
    "sigmoid": (lambda L, a, p: a.sigmoid(), (A, POS)),
    "relu": (lambda L, a, p: a.relu(), (A, POS)),
    "softmax": (lambda L, a, p: a.softmax(1), (A, POS)),
    "sum": (lambda L, a, p: a.sum(), (A, POS)),
    "sum_dim0": (lambda L, a, p: a.sum(0), (A, POS)),
    "sum_dim1": (lambda L, a, p: a.sum(1, keepdim=True), (A, POS)),
    "sum_long": (lambda L, a, p: a.sum(), (LONG, LONG)),
    "mean": (lambda L, a, p: a.mean(), (A, POS)),
    "mean_dim0": (lambda L, a, p: a.mean(0), (A, POS)),
    "mean_long": (lambda L, a, p: a.mean(), (LONG, LONG)),
    "amax": (lambda L, a, p: a.amax(1), (A, POS)),
    "cumsum": (lambda L, a, p: a.cumsum(1), (A, POS)),
    "gt": (lambda L, a, p: a > p, (A, POS)),
    "eq_scalar": (lambda L, a, p: a == 0.5, (A, POS)),
    "argmax": (lambda L, a, p: a.argmax(1), (A, POS)),
    "where": (lambda L, a, p: L.where(a > 0, a, p), (A, POS)),
    "float_back": (lambda L, a, p: a.float() * 3, (A, POS)),
    "half_of_float": (lambda L, a, p: (a.float() / 3).half(), (A, POS)),
    "mse": (lambda L, a, p: L.nn.functional.mse_loss(a, p), (A, POS)),
    "gelu_tanh": (lambda L, a, p: L.nn.functional.gelu(a, approximate="tanh"), (A, POS)),
    "layer_norm": (
        lambda L, a, p: L.nn.functional.layer_norm(a * 3 + 1, (40,), p[0], a[1]),
        (A, POS),
    ),
}


@pytest.mark.parametrize("name", list(EXACT))
def test_float16_op_equals_torch_to_the_bit(name):
    fn, arrays = EXACT[name]
    (ours, our_dtype), (theirs, their_dtype) = _both(fn, *arrays)
    assert our_dtype == their_dtype
    assert_same_bits(ours, theirs, name)


# float32 sums of products in a different order than PyTorch's BLAS: at most one float16 ulp.
MATMUL = {
    "mm": lambda L, a, b: a @ b,
    "bmm": lambda L, a, b: a.reshape(4, 6, 40) @ b,
    "mv": lambda L, a, b: a @ b[:, 0],
    "linear": lambda L, a, b: L.nn.functional.linear(a, b.t()),
    "linear_bias": lambda L, a, b: L.nn.functional.linear(a, b.t(), b[0] * 4),
}


@pytest.mark.parametrize("name", list(MATMUL))
def test_float16_matmul_rounds_once_like_torch(name):
    (ours, our_dtype), (theirs, their_dtype) = _both(MATMUL[name], A, B)
    assert our_dtype == their_dtype == "float16"
    spacing = np.spacing(np.abs(theirs)).astype(np.float64)
    assert np.all(np.abs(ours.astype(np.float64) - theirs) <= spacing)
    # Rounded once, not after the products and again after the bias: almost every entry equal.
    assert np.mean(ours == theirs) > 0.99


@pytest.mark.parametrize(
    "other, expected",
    [
        (lambda L: L.tensor([1.0, 2.0]), "float32"),  # float16 + float32 tensor -> float32
        (lambda L: 2.5, "float16"),  # a Python float does not widen it
        (lambda L: 3, "float16"),
        (lambda L: L.tensor(2.5, dtype=L.float64), "float16"),  # nor does a 0-d tensor
        (lambda L: L.tensor([1, 2]), "float16"),  # int64 tensor: the float category wins
        (lambda L: L.tensor([1.0, 2.0], dtype=L.float64), "float64"),
    ],
)
def test_float16_promotion(other, expected):
    for lib in (tg, torch):
        x = lib.tensor([1.5, -2.0], dtype=lib.float16)
        assert _name((x + other(lib)).dtype) == expected
        assert _name((other(lib) * x).dtype) == expected


def test_int_tensor_with_float16_zero_dim_takes_float16():
    for lib in (tg, torch):
        assert _name((lib.tensor([1, 2]) + lib.tensor(0.5, dtype=lib.half)).dtype) == "float16"


def test_half_constructors_and_conversions():
    values = [1 / 3, 1000.5, -2.25e-5, 70000.0]
    ours, theirs = tg.tensor(values).half(), torch.tensor(values).half()
    assert_same_bits(ours.numpy(), theirs.numpy())
    assert ours.dtype is tg.float16 and ours.dtype is tg.half
    assert_same_bits(tg.tensor(values, dtype=tg.float16).numpy(), theirs.numpy())
    assert ours.tolist() == theirs.tolist()
    assert ours[0].item() == theirs[0].item()
    assert ours.element_size() == 2 and ours.is_floating_point()
    assert_same_bits(ours.float().numpy(), theirs.float().numpy())
    assert ours.to(tg.float64).dtype is tg.float64
    assert tg.zeros(2, dtype=tg.half).dtype is tg.float16


@pytest.mark.parametrize(
    "values",
    [[1 / 3, 1000.5, 1e-3], [1.0, 2.0, 3.0], [65504.0, -1e-4], [float("inf"), float("nan"), 0.5]],
)
def test_float16_printing(values):
    ours = repr(tg.tensor(values, dtype=tg.float16))
    theirs = repr(torch.tensor(values, dtype=torch.float16))
    assert ours.replace("tinygrad_nn.", "torch.") == theirs


def test_float16_printing_with_grad_fn():
    x = tg.tensor([1 / 3, 2.0], dtype=tg.float16, requires_grad=True)
    y = torch.tensor([1 / 3, 2.0], dtype=torch.float16, requires_grad=True)
    assert repr(x * 2).replace("tinygrad_nn.", "torch.") == repr(y * 2)


@pytest.mark.parametrize("name", ["float16", "half", "float32", "float64"])
def test_finfo_matches_torch(name):
    ours, theirs = tg.finfo(getattr(tg, name)), torch.finfo(getattr(torch, name))
    for field in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, field) == getattr(theirs, field), field
        assert type(getattr(ours, field)) is type(getattr(theirs, field)), field
    assert repr(ours) == repr(theirs)
    assert ours == tg.finfo(getattr(tg, name))


def test_finfo_default_and_python_types():
    assert repr(tg.finfo()) == repr(torch.finfo())
    assert repr(tg.finfo(float)) == repr(torch.finfo(float))
    assert repr(tg.iinfo(int)) == repr(torch.iinfo(int))


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    ours, theirs = tg.iinfo(getattr(tg, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (
        theirs.bits, theirs.max, theirs.min, theirs.dtype,
    )  # fmt: skip
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.finfo(L.int64),
        lambda L: L.finfo(None),
        lambda L: L.finfo("float32"),
        lambda L: L.iinfo(L.float16),
        lambda L: L.iinfo(L.bool),
    ],
)
def test_finfo_iinfo_errors_as_torch(call):
    with pytest.raises(TypeError) as theirs:
        call(torch)
    with pytest.raises(TypeError) as ours:
        call(tg)
    assert str(ours.value) == str(theirs.value)


def test_finfo_is_unhashable_as_torch():
    with pytest.raises(TypeError):
        hash(tg.finfo(tg.float16))


# Autograd through float16: gradients are float16 and equal PyTorch's to the bit where the
# backward formula is one rounding of an exact or float32 result.
GRAD_EXACT = {
    "add_mul": lambda L, a, p: a * p + a,
    "sum_dim0": lambda L, a, p: (a * p).sum(0),
    "mean": lambda L, a, p: a.mean(1),
    "exp_log": lambda L, a, p: a.exp() + p.log(),
    "sqrt_rsqrt": lambda L, a, p: p.sqrt() + p.rsqrt(),
    "sigmoid_relu": lambda L, a, p: a.sigmoid() * a.relu(),
    "pow": lambda L, a, p: p**1.5,
    "amax": lambda L, a, p: a.amax(1),
    "mse": lambda L, a, p: L.nn.functional.mse_loss(a, p),
    "tanh": lambda L, a, p: a.tanh(),
    "div": lambda L, a, p: a / p,  # dL/dp = -g * ((a / p) / p), PyTorch's order
    "softmax": lambda L, a, p: a.softmax(1),
    "silu": lambda L, a, p: L.nn.functional.silu(a),
    "gelu_tanh": lambda L, a, p: L.nn.functional.gelu(a, approximate="tanh"),
}


def _grads(lib, fn, arrays, upstream_seed=3):
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    upstream = np.random.default_rng(upstream_seed).standard_normal(tuple(out.shape))
    out.backward(lib.tensor(upstream.astype(np.float16)))
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in leaves]


@pytest.mark.parametrize("name", list(GRAD_EXACT))
def test_float16_gradients_equal_torch(name):
    ours, our_grads = _grads(tg, GRAD_EXACT[name], (A, POS))
    theirs, their_grads = _grads(torch, GRAD_EXACT[name], (A, POS))
    assert_same_bits(ours, theirs, name)
    for g_ours, g_theirs in zip(our_grads, their_grads):
        if g_theirs is None:
            assert g_ours is None
            continue
        assert g_ours.dtype == np.float16
        assert_same_bits(g_ours, g_theirs, name)


def test_float16_softmax_over_a_leading_dim_within_one_ulp():
    # PyTorch's kernel for a dim that is not the last one rounds differently with one thread
    # than with several; ours rounds the float32 result once.
    ours, (our_grad,) = _grads(tg, lambda L, p: p.softmax(0), (POS,))
    theirs, (their_grad,) = _grads(torch, lambda L, p: p.softmax(0), (POS,))
    assert ours.dtype == our_grad.dtype == np.float16
    assert np.all(np.abs(ours.astype(np.float64) - theirs) <= np.spacing(np.abs(theirs)))
    # The gradient subtracts nearly equal numbers: compare at the scale of the largest entry.
    scale = np.spacing(np.abs(their_grad).max())
    assert np.all(np.abs(our_grad.astype(np.float64) - their_grad) <= 2 * scale)


def test_float16_layer_norm_gradients_close_to_torch():
    # PyTorch sums the weight and bias gradients over rows in float16, one rounding per row;
    # ours sum in float32 and round once: equal up to that accumulated rounding.
    def fn(L, x, w, b):
        return L.nn.functional.layer_norm(x * 3 + 1, (40,), w, b)

    arrays = (A, POS[0].copy(), A[1].copy())
    ours, our_grads = _grads(tg, fn, arrays)
    theirs, their_grads = _grads(torch, fn, arrays)
    assert_same_bits(ours, theirs)
    for a, b in zip(our_grads, their_grads):
        assert a.dtype == b.dtype == np.float16
        assert np.allclose(a.astype(np.float64), b, rtol=1e-2, atol=1e-2 * np.abs(b).max())


def test_float16_linear_gradients_equal_torch_within_one_ulp():
    def fn(L, x, w, b):
        return L.nn.functional.linear(x, w, b)

    arrays = (A, B.T.copy(), B[0].copy())
    ours, our_grads = _grads(tg, fn, arrays)
    theirs, their_grads = _grads(torch, fn, arrays)
    for a, b in zip([ours] + our_grads, [theirs] + their_grads):
        assert a.dtype == b.dtype == np.float16
        assert np.all(np.abs(a.astype(np.float64) - b) <= np.spacing(np.abs(b)))


def _model(lib):
    lib.manual_seed(0)
    nn = lib.nn
    return nn.Sequential(nn.Linear(40, 16), nn.ReLU(), nn.Linear(16, 4)).half()


def test_model_half_forward_backward_and_dtypes():
    results = []
    for lib in (tg, torch):
        model = _model(lib)
        assert all(p.dtype == lib.float16 for p in model.parameters())
        out = model(lib.tensor(A))
        loss = (out.float() ** 2).mean()  # a float32 loss over a float16 model, a common mix
        loss.backward()
        results.append([out.detach().numpy()] + [p.grad.numpy() for p in model.parameters()])
    for a, b in zip(*results):
        assert a.dtype == b.dtype == np.float16
        assert np.all(np.abs(a.astype(np.float64) - b) <= 2 * np.spacing(np.abs(b)))


def test_float16_state_dict_round_trips_and_loads_into_torch():
    model = _model(tg)
    buffer = io.BytesIO()
    tg.save(model.state_dict(), buffer)
    buffer.seek(0)
    loaded = tg.load(buffer)
    for key, value in model.state_dict().items():
        assert loaded[key].dtype is tg.float16
        assert_same_bits(loaded[key].numpy(), value.numpy(), key)
    buffer.seek(0)
    theirs = torch.load(buffer)
    reference = _model(torch)
    reference.load_state_dict(theirs)
    for key, value in reference.state_dict().items():
        assert value.dtype == torch.float16
        assert_same_bits(value.numpy(), model.state_dict()[key].numpy(), key)


def test_torch_saved_float16_tensors_load():
    buffer = io.BytesIO()
    torch.save({"w": torch.tensor(A)}, buffer)
    buffer.seek(0)
    loaded = tg.load(buffer)
    assert loaded["w"].dtype is tg.float16
    assert_same_bits(loaded["w"].numpy(), A)


def test_cdist_refuses_float16_as_torch():
    x = np.ones((3, 2), np.float16)
    with pytest.raises(NotImplementedError, match="not implemented for 'Half'"):
        torch.cdist(torch.tensor(x), torch.tensor(x))
    with pytest.raises(NotImplementedError, match="not implemented for 'Half'"):
        tg.cdist(tg.tensor(x), tg.tensor(x))


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.tanh(),
        lambda x: x.softmax(1),
        lambda x: x.sigmoid() * x,
        lambda x: x.rsqrt(),
    ],
)
def test_float16_double_backward_close_to_torch(fn):
    results = []
    for lib in (tg, torch):
        x = lib.tensor(POS[:4, :6], requires_grad=True)
        (grad,) = lib.autograd.grad(fn(x).sum(), x, create_graph=True)
        (grad2,) = lib.autograd.grad((grad * grad).sum(), x)
        assert grad.dtype == grad2.dtype == lib.float16
        results.append(grad2.numpy())
    ours, theirs = results
    assert np.allclose(ours.astype(np.float64), theirs, rtol=1e-2, atol=1e-3 * np.abs(theirs).max())


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_div_gradient_equals_torch_to_the_bit_in_every_float_dtype(dtype):
    arrays = (A.astype(dtype), POS.astype(dtype))
    _, our_grads = _grads(tg, lambda L, a, p: a / p, arrays)
    _, their_grads = _grads(torch, lambda L, a, p: a / p, arrays)
    for ours, theirs in zip(our_grads, their_grads):
        assert_same_bits(ours, theirs)
