"""Losses and binary ops with float32 and float64 operands compute in the promoted dtype.

The reference is PyTorch run on the same numbers, every operand first cast to float64 ("its
float64 result"). A float64 result must equal it to ~1e-15; a float32 result (where PyTorch's
result dtype is float32) must be it rounded once, to within one ulp. The result dtype and the
gradients' dtypes are PyTorch's for the mixed call itself, and its values agree with ours to
float32 precision: PyTorch computes some pieces in the narrower dtype (log_sigmoid or
log_softmax of a float32 input, 1 - target of a float32 target, the sum of float32 weights),
which is the precision loss these tests forbid in ours.

One dtype rule looks odd but is PyTorch's: binary_cross_entropy_with_logits returns the
*target's* dtype (its kernel accumulates into 1 - target in place), so a float64 input with a
float32 target gives a float32 loss - computed in float64 here, then rounded once.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3)) * 3
T = RNG.uniform(0, 1, (4, 3))
P = RNG.uniform(0.05, 0.95, (4, 3))
W = RNG.uniform(0.5, 2.0, (4, 3))
CLASS_W = RNG.uniform(0.5, 2.0, (3,))
INDICES = np.array([0, 2, 1, 2])


def _F(lib):
    return lib.nn.functional


# name -> (loss of the operands, operand arrays, which operands require grad)
LOSSES = {
    "mse": (lambda L, x, t: _F(L).mse_loss(x, t), (X, T), (1, 1)),
    "mse_none": (lambda L, x, t: _F(L).mse_loss(x, t, reduction="none"), (X, T), (1, 1)),
    "mse_broadcast": (lambda L, x, t: _F(L).mse_loss(x, t[0]), (X, T), (1, 1)),
    "mse_weight": (lambda L, x, t, w: _F(L).mse_loss(x, t, weight=w), (X, T, W), (1, 1, 0)),
    "l1": (lambda L, x, t: _F(L).l1_loss(x, t), (X, T), (1, 1)),
    "l1_weight": (lambda L, x, t, w: _F(L).l1_loss(x, t, weight=w), (X, T, W), (1, 1, 0)),
    "huber": (lambda L, x, t: _F(L).huber_loss(x, t, delta=0.5), (X, T), (1, 1)),
    "huber_weight": (
        lambda L, x, t, w: _F(L).huber_loss(x, t, delta=0.5, weight=w),
        (X, T, W),
        (1, 1, 0),
    ),
    "smooth_l1": (lambda L, x, t: _F(L).smooth_l1_loss(x, t, beta=0.5), (X, T), (1, 1)),
    "smooth_l1_sum": (
        lambda L, x, t: _F(L).smooth_l1_loss(x, t, reduction="sum"),
        (X, T),
        (1, 1),
    ),
    "cross_entropy_probs": (lambda L, x, p: _F(L).cross_entropy(x, p), (X, P), (1, 1)),
    "cross_entropy_probs_weight": (
        lambda L, x, p, w: _F(L).cross_entropy(x, p, weight=w),
        (X, P, CLASS_W),
        (1, 1, 0),
    ),
    "cross_entropy_probs_smoothing": (
        lambda L, x, p: _F(L).cross_entropy(x, p, label_smoothing=0.2, reduction="none"),
        (X, P),
        (1, 1),
    ),
    "bce_weight": (
        lambda L, x, t, w: _F(L).binary_cross_entropy(x, t, weight=w),
        (P, T, W),
        (1, 1, 0),
    ),
    "bce_logits": (lambda L, x, t: _F(L).binary_cross_entropy_with_logits(x, t), (X, T), (1, 1)),
    "bce_logits_none": (
        lambda L, x, t: _F(L).binary_cross_entropy_with_logits(x, t, reduction="none"),
        (X, T),
        (1, 1),
    ),
    "bce_logits_weight": (
        lambda L, x, t, w: _F(L).binary_cross_entropy_with_logits(x, t, weight=w),
        (X, T, W),
        (1, 1, 0),
    ),
    "bce_logits_pos_weight": (
        lambda L, x, t, w: _F(L).binary_cross_entropy_with_logits(x, t, pos_weight=w[0]),
        (X, T, W),
        (1, 1, 0),
    ),
    "bce_logits_module": (lambda L, x, t: L.nn.BCEWithLogitsLoss()(x, t), (X, T), (1, 1)),
}
# binary_cross_entropy refuses input and target of two dtypes, as PyTorch's does
MIXED = {
    name: [
        d
        for d in itertools.product(("float32", "float64"), repeat=len(arrays))
        if len(set(d)) == 2 and not (name.startswith("bce_weight") and d[0] != d[1])
    ]
    for name, (_, arrays, _) in LOSSES.items()
}
CASES = [(name, dtypes) for name in LOSSES for dtypes in MIXED[name]]


def _run(lib, fn, arrays, dtypes, requires_grad, backward=True):
    """The loss, and the operands' gradients for a random upstream gradient."""
    ts = [
        lib.tensor(np.asarray(a), dtype=getattr(lib, d), requires_grad=bool(r))
        for a, d, r in zip(arrays, dtypes, requires_grad)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(lib, *ts)
    if not backward:
        return out.detach().numpy(), None
    # float32 numbers, so that a float32 loss and the float64 reference get the same upstream
    upstream = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(lib.tensor(upstream, dtype=out.dtype))
    return out.detach().numpy(), [None if t.grad is None else t.grad.numpy() for t in ts]


def _float64_reference(fn, arrays, dtypes, requires_grad):
    """PyTorch on the same numbers (each rounded to its dtype first), all in float64."""
    rounded = [np.asarray(a).astype(d).astype(np.float64) for a, d in zip(arrays, dtypes)]
    return _run(torch, fn, rounded, ["float64"] * len(arrays), requires_grad)


def _assert_promoted(ours: np.ndarray, reference: np.ndarray, narrowed: bool, what: str):
    """float64: equal to the float64 reference to ~1e-15; float32: it, rounded once. Where
    PyTorch's dtype rules round an intermediate result to float32 (`narrowed`), what depends on
    it is compared at float32 precision."""
    if ours.dtype == np.float32 and not narrowed:
        np.testing.assert_array_max_ulp(ours, reference.astype(ours.dtype), maxulp=1)
    else:
        rtol = 1e-6 if narrowed else 1e-14
        np.testing.assert_allclose(ours, reference, rtol=rtol, atol=1e-300, err_msg=what)


@pytest.mark.parametrize("name,dtypes", CASES, ids=[f"{n}-{'-'.join(d)}" for n, d in CASES])
def test_loss_computes_in_the_promoted_dtype(name, dtypes):
    fn, arrays, requires_grad = LOSSES[name]
    value, grads = _run(tg, fn, arrays, dtypes, requires_grad)
    ref_value, ref_grads = _float64_reference(fn, arrays, dtypes, requires_grad)
    # huber_loss returns its input's dtype before any weight: float32 for a float32 input
    huber_narrowed = name.startswith("huber") and dtypes[0] == "float32"
    _assert_promoted(value, ref_value, huber_narrowed, f"{name} value")
    narrowed = huber_narrowed or value.dtype == np.float32  # the upstream grad is float32
    for i, (g, ref) in enumerate(zip(grads, ref_grads)):
        assert (g is None) == (ref is None), f"{name} input {i}"
        if g is not None:
            assert g.dtype == np.dtype(dtypes[i]), f"{name} grad {i}: {g.dtype}"
            _assert_promoted(g, ref, narrowed, f"{name} grad {i}")


@pytest.mark.parametrize("name,dtypes", CASES, ids=[f"{n}-{'-'.join(d)}" for n, d in CASES])
def test_loss_dtypes_and_values_match_torchs_mixed_call(name, dtypes):
    fn, arrays, requires_grad = LOSSES[name]
    ours = _run(tg, fn, arrays, dtypes, requires_grad)
    # PyTorch's huber_loss backward refuses two dtypes ("Found dtype Float but expected
    # Double"), though its forward runs: compare the forward there.
    backward = not name.startswith("huber")
    theirs = _run(torch, fn, arrays, dtypes, requires_grad, backward)
    assert ours[0].dtype == theirs[0].dtype, f"{name}: {ours[0].dtype} vs {theirs[0].dtype}"
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6, atol=1e-7, err_msg=name)
    if backward:
        for g, t in zip(ours[1], theirs[1]):
            assert (g is None) == (t is None)
            if g is not None:
                assert g.dtype == t.dtype
                np.testing.assert_allclose(g, t, rtol=1e-5, atol=1e-7, err_msg=name)


def test_the_reported_bce_with_logits_case():
    """x float64, target float32: computed in float64 (the error against PyTorch's float64
    result was 3e-8, from 1 - target rounded to float32), returned as float32 like PyTorch's."""
    x, t = np.linspace(-4, 4, 50), np.linspace(0.01, 0.99, 50)
    ours = tg.nn.functional.binary_cross_entropy_with_logits(
        tg.tensor(x), tg.tensor(t, dtype=tg.float32)
    )
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(x), torch.tensor(t, dtype=torch.float32)
    )
    exact = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(x), torch.tensor(t.astype(np.float32), dtype=torch.float64)
    )
    assert ours.dtype == tg.float32 and theirs.dtype == torch.float32
    assert ours.item() == np.float32(exact.item())  # correctly rounded
    # the other order keeps float64: equal to the float64 result
    ours64 = tg.nn.functional.binary_cross_entropy_with_logits(
        tg.tensor(x, dtype=tg.float32), tg.tensor(t)
    )
    exact64 = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(x.astype(np.float32), dtype=torch.float64), torch.tensor(t)
    )
    assert ours64.dtype == tg.float64
    assert abs(ours64.item() - exact64.item()) <= 1e-15 * abs(exact64.item())


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x, w: _F(L).nll_loss(x.log_softmax(1), L.tensor(INDICES), weight=w),
        lambda L, x, w: _F(L).cross_entropy(x, L.tensor(INDICES), weight=w),
        lambda L, x, w: _F(L).binary_cross_entropy(x.sigmoid(), w.expand(4, 3)),
    ],
    ids=["nll_loss_weight", "cross_entropy_weight", "bce_target"],
)
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32")])
def test_refusals_of_two_dtypes_are_torchs(call, dtypes):
    for lib in (tg, torch):
        x = lib.tensor(X, dtype=getattr(lib, dtypes[0]))
        w = lib.tensor(CLASS_W, dtype=getattr(lib, dtypes[1]))
        with pytest.raises(RuntimeError, match="dtype|scalar type"):
            call(lib, x, w)


# ---------------------------------------------------------------------- binary ops

A = RNG.uniform(0.5, 2.0, (4, 3)) * np.array([1.0, -1.0, 1.0])
B = RNG.uniform(0.5, 2.0, (4, 3))
BINARY = {
    "add": lambda L, a, b: a + b,
    "add_alpha": lambda L, a, b: a.add(b, alpha=0.3),
    "sub": lambda L, a, b: a - b,
    "sub_alpha": lambda L, a, b: a.sub(b, alpha=0.7),
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / b,
    "floor_div": lambda L, a, b: a.div(b, rounding_mode="floor"),
    "trunc_div": lambda L, a, b: a.div(b, rounding_mode="trunc"),
    "remainder": lambda L, a, b: a % b,
    "fmod": lambda L, a, b: a.fmod(b),
    "pow": lambda L, a, b: a.abs() ** b,
    "maximum": lambda L, a, b: a.maximum(b),
    "minimum": lambda L, a, b: a.minimum(b),
    "where": lambda L, a, b: L.where(a > 0, a, b),
    "clamp_tensor_bounds": lambda L, a, b: a.clamp(min=-b, max=b),
}
SHAPES = {"same": (slice(None),), "broadcast": (slice(0, 1),), "zero_dim": (0, 0)}
BINARY_CASES = list(
    itertools.product(BINARY, SHAPES, [("float64", "float32"), ("float32", "float64")])
)


@pytest.mark.parametrize(
    "name,shape,dtypes", BINARY_CASES, ids=[f"{n}-{s}-{d[0]}-{d[1]}" for n, s, d in BINARY_CASES]
)
def test_binary_ops_compute_in_the_promoted_dtype(name, shape, dtypes):
    fn = BINARY[name]
    arrays = (A, B[SHAPES[shape]])
    ours = _run(tg, fn, arrays, dtypes, (1, 1))
    theirs = _run(torch, fn, arrays, dtypes, (1, 1))
    # A 0-d float64 operand does not promote a float32 tensor: the op is a float32 one then,
    # gradients included, and is compared at float32 precision.
    assert ours[0].dtype == theirs[0].dtype
    in_float64 = ours[0].dtype == np.float64
    # alpha: PyTorch's kernel fuses the multiply-add, one rounding fewer than ours
    rtol = (1e-13 if name.endswith("alpha") else 2e-15) if in_float64 else 1e-6
    np.testing.assert_allclose(ours[0], theirs[0], rtol=rtol, atol=1e-300, err_msg=name)
    for g, t in zip(ours[1], theirs[1]):
        assert g.dtype == t.dtype and g.shape == t.shape
        tol = 2e-15 if in_float64 and g.dtype == np.float64 else 1e-6
        np.testing.assert_allclose(g, t, rtol=tol, atol=1e-300, err_msg=name)
