"""Every function of issue 16's list that PyTorch also offers as a Tensor method is one here,
with PyTorch's values and dtypes, and so is each in-place `_` form PyTorch has."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(16)
X = RNG.uniform(-0.9, 0.9, (3, 4))  # inside every domain below (asin, atanh, erfinv, ...)
POS = RNG.uniform(0.1, 0.9, (3, 4))
BIG = RNG.uniform(1.5, 3.0, (3, 4))
INT = RNG.integers(0, 7, (3, 4))
BOOL = RNG.integers(0, 2, (3, 4)).astype(bool)
SORTED = np.sort(RNG.uniform(-1, 1, 5))


# name -> (self array, function of the library giving the method's arguments)
CALLS = {
    "sort": (X, lambda L: ((1,), {"descending": True})),
    "argsort": (X, lambda L: ((0,), {})),
    "msort": (X, lambda L: ((), {})),
    "topk": (X, lambda L: ((2,), {"dim": 1})),
    "kthvalue": (X, lambda L: ((2, 1), {})),
    "median": (X, lambda L: ((1,), {})),
    "nanmedian": (X, lambda L: ((0,), {})),
    "mode": (INT, lambda L: ((1,), {})),
    "unique": (INT, lambda L: ((), {"return_counts": True})),
    "unique_consecutive": (INT, lambda L: ((), {"return_inverse": True})),
    "bincount": (INT.reshape(-1), lambda L: ((), {"minlength": 9})),
    "histc": (X, lambda L: ((5, -1, 1), {})),
    "asin": (X, None),
    "acos": (X, None),
    "atan": (X, None),
    "atan2": (X, lambda L: ((L.tensor(POS),), {})),
    "sinh": (X, None),
    "cosh": (X, None),
    "asinh": (X, None),
    "acosh": (BIG, None),
    "atanh": (X, None),
    "exp2": (X, None),
    "log2": (POS, None),
    "erfc": (X, None),
    "erfinv": (X, None),
    "lgamma": (BIG, None),
    "digamma": (BIG, None),
    "logit": (POS, lambda L: ((1e-3,), {})),
    "xlogy": (X, lambda L: ((L.tensor(POS),), {})),
    "sinc": (X, None),
    "hypot": (X, lambda L: ((L.tensor(POS),), {})),
    "heaviside": (X, lambda L: ((L.tensor(POS),), {})),
    "fmod": (X * 5, lambda L: ((0.7,), {})),
    "remainder": (X * 5, lambda L: ((L.tensor(POS),), {})),
    "fmax": (X, lambda L: ((L.tensor(POS),), {})),
    "fmin": (X, lambda L: ((L.tensor(POS),), {})),
    "float_power": (POS, lambda L: ((2.5,), {})),
    "ldexp": (X, lambda L: ((L.tensor(INT),), {})),
    "lerp": (X, lambda L: ((L.tensor(POS), 0.3), {})),
    "logaddexp": (X, lambda L: ((L.tensor(POS),), {})),
    "logaddexp2": (X, lambda L: ((L.tensor(POS),), {})),
    "copysign": (POS, lambda L: ((L.tensor(X),), {})),
    "frac": (X * 5, None),
    "addcmul": (X, lambda L: ((L.tensor(POS), L.tensor(X)), {"value": 0.5})),
    "addcdiv": (X, lambda L: ((L.tensor(X), L.tensor(POS)), {"value": 0.5})),
    "clamp_min": (X, lambda L: ((0.1,), {})),
    "clamp_max": (X, lambda L: ((0.1,), {})),
    "nan_to_num": (np.array([np.nan, np.inf, -np.inf, 1.0]), lambda L: ((), {"nan": 2.0})),
    "signbit": (X, None),
    "sgn": (X, None),
    "deg2rad": (X, None),
    "rad2deg": (X, None),
    "isposinf": (np.array([np.inf, -np.inf, 1.0]), None),
    "isneginf": (np.array([np.inf, -np.inf, 1.0]), None),
    "bitwise_and": (INT, lambda L: ((L.tensor(INT[::-1].copy()),), {})),
    "bitwise_or": (INT, lambda L: ((L.tensor(INT[::-1].copy()),), {})),
    "bitwise_xor": (INT, lambda L: ((L.tensor(INT[::-1].copy()),), {})),
    "bitwise_not": (INT, None),
    "logical_and": (BOOL, lambda L: ((L.tensor(X > 0),), {})),
    "logical_or": (BOOL, lambda L: ((L.tensor(X > 0),), {})),
    "logical_xor": (BOOL, lambda L: ((L.tensor(X > 0),), {})),
    "logical_not": (X, None),
    "cumprod": (X, lambda L: ((1,), {})),
    "cummax": (X, lambda L: ((1,), {})),
    "cummin": (X, lambda L: ((0,), {})),
    "logcumsumexp": (X, lambda L: ((1,), {})),
    "nansum": (X, lambda L: ((1,), {})),
    "nanmean": (X, lambda L: ((0,), {})),
    "count_nonzero": (INT, lambda L: ((1,), {})),
    "aminmax": (X, lambda L: ((), {"dim": 1})),
    "quantile": (X, lambda L: ((0.3,), {"dim": 1})),
    "nanquantile": (X, lambda L: ((0.7,), {})),
    "diff": (X, lambda L: ((), {"n": 2, "dim": 1})),
    "diag": (X, lambda L: ((1,), {})),
    "diag_embed": (X, None),
    "diagflat": (X[0], None),
    "diagonal": (X, lambda L: ((), {"offset": -1})),
    "trace": (X, None),
    "roll": (X, lambda L: ((1, 1), {})),
    "rot90": (X, None),
    "fliplr": (X, None),
    "flipud": (X, None),
    "tile": (X, lambda L: (((2, 1),), {})),
    "repeat_interleave": (X, lambda L: ((2,), {"dim": 0})),
    "ravel": (X, None),
    "movedim": (X, lambda L: ((0, 1), {})),
    "moveaxis": (X, lambda L: ((1, 0), {})),
    "swapaxes": (X, lambda L: ((0, 1), {})),
    "take": (X, lambda L: ((L.tensor([0, 5, 11]),), {})),
    "take_along_dim": (X, lambda L: ((L.tensor([[0], [2], [1]]),), {"dim": 1})),
    "masked_select": (X, lambda L: ((L.tensor(BOOL),), {})),
    "masked_scatter": (X, lambda L: ((L.tensor(BOOL), L.tensor(POS)), {})),
    "index_add": (X, lambda L: ((0, L.tensor([2, 0]), L.tensor(POS[:2])), {"alpha": 2.0})),
    "index_copy": (X, lambda L: ((0, L.tensor([2, 0]), L.tensor(POS[:2])), {})),
    "index_fill": (X, lambda L: ((1, L.tensor([3, 1]), -1.5), {})),
    "index_put": (
        X,
        lambda L: (((L.tensor([0, 2]),), L.tensor([9.0, 8.0, 7.0, 6.0], dtype=L.float64)), {}),
    ),
    "scatter_reduce": (X, lambda L: ((1, L.tensor(INT % 4), L.tensor(POS), "amax"), {})),
    "slice_scatter": (X, lambda L: ((L.tensor(POS[:, :2]),), {"dim": 1, "start": 2})),
    "tensor_split": (X, lambda L: ((3,), {"dim": 1})),
    "hsplit": (X, lambda L: ((2,), {})),
    "vsplit": (X, lambda L: (([1],), {})),
    "dsplit": (X.reshape(3, 2, 2), lambda L: ((2,), {})),
    "dist": (X, lambda L: ((L.tensor(POS), 3), {})),
    "cross": (X[:, :3], lambda L: ((L.tensor(POS[:, :3]),), {"dim": 1})),
    "inner": (X, lambda L: ((L.tensor(POS),), {})),
    "vdot": (X[0], lambda L: ((L.tensor(POS[0]),), {})),
    "addmm": (X[:, :3], lambda L: ((L.tensor(X), L.tensor(POS.T[:, :3])), {"beta": 0.5})),
    "addmv": (X[0, :3], lambda L: ((L.tensor(X.T[:3]), L.tensor(POS[:, 0])), {})),
    "addbmm": (
        X[:, :3],
        lambda L: ((L.tensor(np.stack([X] * 2)), L.tensor(np.stack([POS.T[:, :3]] * 2))), {}),
    ),
    "baddbmm": (
        np.stack([X[:, :3]] * 2),
        lambda L: ((L.tensor(np.stack([X] * 2)), L.tensor(np.stack([POS.T[:, :3]] * 2))), {}),
    ),
    "det": (X[:, :3], None),
    "logdet": (POS[:3, :3] + 2 * np.eye(3), None),
    "slogdet": (X[:, :3], None),
    "inverse": (X[:, :3] + 2 * np.eye(3), None),
    "relu": (X, None),
    "sigmoid": (X, None),
    "tanh": (X, None),
    "hardshrink": (X, lambda L: ((0.3,), {})),
    "prelu": (X, lambda L: ((L.tensor([0.25], dtype=L.float64),), {})),
    "cov": (X, lambda L: ((), {"correction": 0})),
    "corrcoef": (X, None),
    "kron": (X[:2, :2], lambda L: ((L.tensor(POS[:2, :3]),), {})),
    "softmax": (X, lambda L: ((1,), {})),
    "log_softmax": (X, lambda L: ((0,), {})),
    "fix": (X * 5, None),
}

# Names of the issue PyTorch has only as torch.* or nn.functional functions: if a release adds
# the method, test_method_exists_where_torch_has_it asks for it here too.
NAMES = list(CALLS) + [
    "isin", "searchsorted", "bucketize", "trapezoid", "tril_indices", "triu_indices",
    "meshgrid", "cartesian_prod", "combinations", "block_diag", "unravel_index",
    "column_stack", "dstack", "cdist", "tensordot", "relu6", "selu", "celu", "elu", "gelu",
    "silu", "mish", "softplus", "logsigmoid", "hardtanh", "hardsigmoid", "hardswish",
    "tanhshrink", "softshrink", "threshold", "glu", "softmin",
]  # fmt: skip


def _call(lib, name, array, args_fn, inplace=False):
    x = lib.tensor(array.copy())
    args, kwargs = args_fn(lib) if args_fn else ((), {})
    out = getattr(x, name + ("_" if inplace else ""))(*args, **kwargs)
    return x, out


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _assert_same(ours, theirs, what):
    assert len(ours) == len(theirs), what
    for a, b in zip(ours, theirs):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], what
        assert_close(a.numpy(), b.numpy(), what=what)


@pytest.mark.parametrize("name", NAMES)
def test_method_exists_where_torch_has_it(name):
    if hasattr(torch.Tensor, name):
        assert hasattr(tg.Tensor, name), f"Tensor.{name} is missing"
        assert name in CALLS, f"no call spec for Tensor.{name}"
    if hasattr(torch.Tensor, name + "_"):
        assert hasattr(tg.Tensor, name + "_"), f"Tensor.{name}_ is missing"


@pytest.mark.parametrize("name", list(CALLS))
def test_method_gives_torchs_values(name):
    assert hasattr(torch.Tensor, name), f"torch.Tensor has no {name}: move it to NAMES"
    array, args_fn = CALLS[name]
    _, ours = _call(tg, name, array, args_fn)
    _, theirs = _call(torch, name, array, args_fn)
    _assert_same(_outputs(ours), _outputs(theirs), f"Tensor.{name}")


@pytest.mark.parametrize("name", [n for n in CALLS if hasattr(torch.Tensor, n + "_")])
def test_inplace_method_gives_torchs_values(name):
    array, args_fn = CALLS[name]
    x_ours, ours = _call(tg, name, array, args_fn, inplace=True)
    x_theirs, theirs = _call(torch, name, array, args_fn, inplace=True)
    assert ours is x_ours, f"Tensor.{name}_ returns self"
    _assert_same([x_ours], [x_theirs], f"Tensor.{name}_")


def test_torch_fix_is_trunc():
    values = np.array([-2.5, -0.5, 0.5, 2.7])
    assert_close(tg.fix(tg.tensor(values)).numpy(), torch.fix(torch.tensor(values)).numpy())


@pytest.mark.parametrize("name", ["hardshrink", "prelu"])
def test_activation_methods_gradcheck(name):
    weight = tg.tensor([0.25, -0.5, 1.5], dtype=tg.float64, requires_grad=True)
    x = tg.tensor(X[:, :3] + 0.05, requires_grad=True)  # away from the kinks at 0 and +-0.3

    def fn(*inputs):
        return inputs[0].hardshrink(0.3) if name == "hardshrink" else inputs[0].prelu(inputs[1])

    inputs = (x,) if name == "hardshrink" else (x.reshape(1, 3, 3), weight)
    assert tg.autograd.gradcheck(fn, inputs)
    assert tg.autograd.gradgradcheck(fn, inputs)


def test_hardshrink_method_errors_as_torch():
    with pytest.raises(NotImplementedError, match="hardshrink_cpu"):
        tg.tensor([1, -2]).hardshrink()
    with pytest.raises(NotImplementedError):
        torch.tensor([1, -2]).hardshrink()


def test_activation_method_grad_matches_torch():
    upstream = RNG.standard_normal((3, 4))
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(X, requires_grad=True)
        w = lib.tensor([0.3], dtype=lib.float64, requires_grad=True)
        (x.hardshrink(0.2) * lib.tensor(upstream)).sum().backward()
        grad_x = x.grad.numpy().copy()
        x.grad = None
        (x.prelu(w) * lib.tensor(upstream)).sum().backward()
        grads.append((grad_x, x.grad.numpy(), w.grad.numpy()))
    for a, b in zip(*grads):
        assert_close(a, b)
