"""The divergence, likelihood and margin losses against PyTorch: for every loss, option and
reduction, the value, its dtype and the gradient of every differentiable operand, in float32
and float64; gradcheck and gradgradcheck in float64; mixed float32/float64 operands; the
module forms (repr, legacy arguments, buffers); and PyTorch's errors for bad input."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

REDUCTIONS = ["none", "mean", "sum"]
DTYPES = [np.float32, np.float64]
# float32: ~1e-6 of the largest value; float64: 1e-12 (the values are sums of few terms)
TOL = {np.float32: 2e-6, np.float64: 1e-12}


def _rng(seed=0):
    return np.random.default_rng(seed)


def _signs(shape, seed=3):
    return np.where(_rng(seed).random(shape) < 0.5, -1.0, 1.0)


def _tensors(lib, arrays, dtype, grads):
    """The arrays as tensors of `lib`: floats in `dtype` (None: as they are), grads as flagged."""
    out = []
    for a, g in zip(arrays, grads):
        a = np.asarray(a)
        if a.dtype.kind == "f" and dtype is not None:
            a = a.astype(dtype)
        t = lib.from_numpy(np.array(a, copy=True))
        out.append(t.requires_grad_(True) if g else t)
    return out


def _close(actual, expected, dtype, what):
    expected = np.asarray(expected)
    scale = max(1.0, float(np.nanmax(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(
        actual, expected, rtol=TOL[dtype], atol=TOL[dtype] * scale, err_msg=what
    )
    assert actual.shape == expected.shape, what


def _run(lib, fn, arrays, dtype, grads, seed=0):
    """fn's value and the flagged operands' gradients under a random upstream gradient."""
    ts = _tensors(lib, arrays, dtype, grads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(lib, *ts)
    upstream = np.asarray(_rng(seed).standard_normal(tuple(out.shape)) + 1.5)
    out.backward(lib.from_numpy(upstream.astype(str(out.dtype).split(".")[-1])))
    return out, [t.grad.numpy() if g else None for t, g in zip(ts, grads)]


def _parity(fn, arrays, grads, dtype):
    """Our fn against torch's on the same numbers: value, dtype, gradients."""
    out, our_grads = _run(tg, fn, arrays, dtype, grads)
    pout, their_grads = _run(torch, fn, arrays, dtype, grads)
    assert str(out.dtype).split(".")[-1] == str(pout.dtype).split(".")[-1]
    _close(out.detach().numpy(), pout.detach().numpy(), dtype, "value")
    for i, (g, pg) in enumerate(zip(our_grads, their_grads)):
        if pg is not None:
            assert g.dtype == pg.dtype, f"grad {i} dtype"
            _close(g, pg, dtype, f"grad of operand {i}")


def _gradchecks(fn, arrays, grads):
    """gradcheck and gradgradcheck in float64 of fn in the flagged operands."""
    ts = _tensors(tg, arrays, np.float64, grads)
    flagged = [i for i, g in enumerate(grads) if g]

    def of_flagged(*xs):
        args = list(ts)
        for i, x in zip(flagged, xs):
            args[i] = x
        return fn(tg, *args)

    inputs = tuple(ts[i] for i in flagged)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(of_flagged, inputs)
        assert gradgradcheck(of_flagged, inputs)


def _F(lib):
    return lib.nn.functional


# ---------------------------------------------------------------------- the cases

N, C = 4, 5
X = _rng(0).standard_normal((N, C))
X2 = _rng(1).standard_normal((N, C))
X3 = _rng(2).standard_normal((N, C))
PROBS = _rng(4).random((N, C)) + 0.05
COUNTS = _rng(5).integers(0, 6, (N, C)).astype(np.float64)
COUNTS[0, :3] = [2.5, 3.75, 1.5]  # non-integers, where the Stirling term is differentiable
LABELS01 = (_rng(6).random((N, C)) < 0.5).astype(np.float64)
CLASS_W = _rng(7).random(C) + 0.5
VAR = _rng(8).random((N, C)) + 0.1
CLASSES = np.array([0, 3, 1, 4])


def _case(fn, arrays, grads):
    return fn, arrays, grads


def _cases(reduction):
    """id -> (fn(lib, *tensors), arrays, which operands are differentiated)."""
    r = reduction
    return {
        "kl_div": _case(lambda L, x, t: _F(L).kl_div(x, t, reduction=r), [X, PROBS], [1, 1]),
        "kl_div_log_target": _case(
            lambda L, x, t: _F(L).kl_div(x, t, reduction=r, log_target=True), [X, X2], [1, 1]
        ),
        "poisson": _case(
            lambda L, x, t: _F(L).poisson_nll_loss(x, t, reduction=r), [X, COUNTS], [1, 1]
        ),
        "poisson_rate": _case(
            lambda L, x, t: _F(L).poisson_nll_loss(x, t, log_input=False, reduction=r, eps=1e-3),
            [PROBS, COUNTS],
            [1, 1],
        ),
        "poisson_full": _case(
            lambda L, x, t: _F(L).poisson_nll_loss(x, t, full=True, reduction=r),
            [X, COUNTS + 1.25],
            [1, 1],
        ),
        "gaussian": _case(
            lambda L, x, t, v: _F(L).gaussian_nll_loss(x, t, v, reduction=r),
            [X, X2, VAR],
            [1, 1, 1],
        ),
        "gaussian_full_per_sample_var": _case(
            lambda L, x, t, v: _F(L).gaussian_nll_loss(x, t, v, full=True, reduction=r),
            [X, X2, VAR[:, 0]],
            [1, 1, 1],
        ),
        "gaussian_shared_var": _case(
            lambda L, x, t, v: _F(L).gaussian_nll_loss(x, t, v, reduction=r, eps=0.3),
            [X, X2, VAR[:1]],
            [1, 1, 1],
        ),
        "gaussian_float_var": _case(
            lambda L, x, t: _F(L).gaussian_nll_loss(x, t, 0.7, reduction=r), [X, X2], [1, 1]
        ),
        "soft_margin": _case(
            lambda L, x, y: _F(L).soft_margin_loss(x, y, reduction=r), [X, _signs((N, C))], [1, 0]
        ),
        "multilabel_soft_margin": _case(
            lambda L, x, t: _F(L).multilabel_soft_margin_loss(x, t, reduction=r),
            [X, LABELS01],
            [1, 1],
        ),
        "multilabel_soft_margin_weight": _case(
            lambda L, x, t, w: _F(L).multilabel_soft_margin_loss(x, t, weight=w, reduction=r),
            [X, PROBS, CLASS_W],
            [1, 1, 1],
        ),
        "multi_margin": _case(
            lambda L, x, t: _F(L).multi_margin_loss(x, t, reduction=r), [X, CLASSES], [1, 0]
        ),
        "multi_margin_p2_weight": _case(
            lambda L, x, t, w: _F(L).multi_margin_loss(
                x, t, p=2, margin=0.6, weight=w, reduction=r
            ),
            [X, CLASSES, CLASS_W],
            [1, 0, 0],
        ),
        "multi_margin_1d": _case(
            lambda L, x, t: _F(L).multi_margin_loss(x, t, reduction=r), [X[0], CLASSES[1:2]], [1, 0]
        ),
        "multi_margin_1d_0d_target": _case(
            lambda L, x, t: _F(L).multi_margin_loss(x, t, reduction=r),
            [X[0], np.array(2)],
            [1, 0],
        ),
        "hinge_embedding": _case(
            lambda L, x, y: _F(L).hinge_embedding_loss(x, y, reduction=r),
            [X, _signs((N, C))],
            [1, 0],
        ),
        "hinge_embedding_margin": _case(
            lambda L, x, y: _F(L).hinge_embedding_loss(x, y, margin=0.5, reduction=r),
            [np.abs(X), _signs((C,))],
            [1, 0],
        ),
        "margin_ranking": _case(
            lambda L, a, b, y: _F(L).margin_ranking_loss(a, b, y, reduction=r),
            [X[:, 0], X2[:, 0], _signs((N,))],
            [1, 1, 1],
        ),
        "margin_ranking_margin": _case(
            lambda L, a, b, y: _F(L).margin_ranking_loss(a, b, y, margin=0.7, reduction=r),
            [X, X2, _signs((N, C))],
            [1, 1, 1],
        ),
        "cosine_embedding": _case(
            lambda L, a, b, y: _F(L).cosine_embedding_loss(a, b, y, reduction=r),
            [X, X2, _signs((N,))],
            [1, 1, 0],
        ),
        "cosine_embedding_margin_0d": _case(
            lambda L, a, b, y: _F(L).cosine_embedding_loss(a, b, y, margin=-0.5, reduction=r),
            [X[0], X2[0], np.array(-1.0)],
            [1, 1, 0],
        ),
        "triplet": _case(
            lambda L, a, p, n: _F(L).triplet_margin_loss(a, p, n, reduction=r),
            [X, X2, X3],
            [1, 1, 1],
        ),
        "triplet_p1_swap": _case(
            lambda L, a, p, n: _F(L).triplet_margin_loss(
                a, p, n, p=1, swap=True, margin=2.0, reduction=r
            ),
            [X, X2, X3],
            [1, 1, 1],
        ),
        "triplet_p3_1d": _case(
            lambda L, a, p, n: _F(L).triplet_margin_loss(a, p, n, p=3, margin=4.0, reduction=r),
            [X[0], X2[0], X3[0]],
            [1, 1, 1],
        ),
        "triplet_distance": _case(
            lambda L, a, p, n: _F(L).triplet_margin_with_distance_loss(
                a, p, n, margin=2.0, reduction=r
            ),
            [X, X2, X3],
            [1, 1, 1],
        ),
        "triplet_custom_distance_swap": _case(
            lambda L, a, p, n: _F(L).triplet_margin_with_distance_loss(
                a,
                p,
                n,
                distance_function=lambda u, v: (u - v).square().sum(-1),
                swap=True,
                margin=5.0,
                reduction=r,
            ),
            [X, X2, X3],
            [1, 1, 1],
        ),
    }


CASES = [(name, r) for r in REDUCTIONS for name in _cases(r)]
CASES += [("kl_div", "batchmean"), ("kl_div_log_target", "batchmean")]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name,reduction", CASES)
def test_matches_torch(name, reduction, dtype):
    _parity(*_cases(reduction)[name], dtype)


@pytest.mark.parametrize("name,reduction", CASES)
def test_gradcheck_and_gradgradcheck(name, reduction):
    _gradchecks(*_cases(reduction)[name])


# ---------------------------------------------------------------------- mixed float32/float64


def _mixed_dtypes(arrays):
    """Every assignment of float32/float64 to the float operands that mixes the two."""
    floats = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"]
    combos = []
    for bits in range(1, 2 ** len(floats) - 1):
        dts = [np.asarray(a).dtype.type for a in arrays]
        for k, i in enumerate(floats):
            dts[i] = np.float64 if bits >> k & 1 else np.float32
        combos.append(dts)
    return combos


def _run_typed(lib, fn, arrays, dtypes, grads):
    """_run with each operand cast to its own dtype."""
    typed = [np.asarray(a).astype(d) for a, d in zip(arrays, dtypes)]
    return _run(lib, fn, typed, None, grads)


MIXED = [(name, r) for r in ("none", "mean") for name in _cases(r)]


@pytest.mark.parametrize("name,reduction", MIXED)
def test_mixed_float32_float64_operands(name, reduction):
    """Computed in float64 (one rounding to a float32 result at most), PyTorch's dtypes."""
    fn, arrays, grads = _cases(reduction)[name]
    for dtypes in _mixed_dtypes(arrays):
        try:
            pout, pgrads = _run_typed(torch, fn, arrays, dtypes, grads)
        except RuntimeError as e:  # multi_margin_loss: the weight must have input's dtype
            with pytest.raises(RuntimeError, match=str(e)):
                _run_typed(tg, fn, arrays, dtypes, grads)
            continue
        out, our_grads = _run_typed(tg, fn, arrays, dtypes, grads)
        rounded = [
            np.asarray(a).astype(d).astype(np.float64) if np.asarray(a).dtype.kind == "f" else a
            for a, d in zip(arrays, dtypes)
        ]
        ref, ref_grads = _run(torch, fn, rounded, None, grads)
        assert str(out.dtype).split(".")[-1] == str(pout.dtype).split(".")[-1], dtypes
        result_type = np.dtype(str(pout.dtype).split(".")[-1]).type
        _close(out.detach().numpy(), ref.detach().numpy(), result_type, f"value {dtypes}")
        for i, (g, pg, rg) in enumerate(zip(our_grads, pgrads, ref_grads)):
            if pg is not None:
                assert g.dtype == pg.dtype, f"grad {i} dtype, {dtypes}"
                _close(g, rg, g.dtype.type, f"grad of operand {i}, {dtypes}")


# ---------------------------------------------------------------------- boundaries and options


def _small_var():
    v = VAR.copy()
    v[0, :2] = [1e-9, 0.0]  # below eps: clamped for the value, the gradient passes the clamp
    return v


TINY = np.array([[0.0, 0.5, 0.2, 0.3, 0.0], [0.1, 0.0, 0.6, 0.2, 0.1]])
TIE = np.array([[0.5, 1.5, 0.2], [2.0, 1.0, 0.0]])  # x[j] = x[y] - margin: the hinge itself
EXTRA = {
    "kl_div_zero_target": _case(
        lambda L, x, t: _F(L).kl_div(x, t, reduction="sum"), [X[:2], TINY], [1, 0]
    ),
    "kl_div_batchmean_0d": _case(
        lambda L, x, t: _F(L).kl_div(x, t, reduction="batchmean"),
        [np.array(0.3), np.array(0.6)],
        [1, 1],
    ),
    "gaussian_var_below_eps": _case(
        lambda L, x, t, v: _F(L).gaussian_nll_loss(x, t, v, reduction="none"),
        [X, X2, _small_var()],
        [1, 1, 1],
    ),
    "multilabel_soft_margin_big_logits": _case(
        lambda L, x, t: _F(L).multilabel_soft_margin_loss(x, t, reduction="none"),
        [np.array([[1000.0, -1000.0, 0.0], [-1000.0, 3.0, 1000.0]]), LABELS01[:2, :3]],
        [1, 1],
    ),
    "multi_margin_at_the_hinge": _case(
        lambda L, x, t: _F(L).multi_margin_loss(x, t, reduction="sum"),
        [TIE, np.array([1, 0])],
        [1, 0],
    ),
    "multi_margin_empty_batch": _case(
        lambda L, x, t: _F(L).multi_margin_loss(x, t, reduction="none"),
        [np.zeros((0, 3)), np.zeros(0, np.int64)],
        [1, 0],
    ),
    "multi_margin_0d": _case(
        lambda L, x, t: _F(L).multi_margin_loss(x, t, reduction="none"),
        [np.array(0.5), np.array([0])],
        [1, 0],
    ),
    "hinge_other_labels": _case(
        lambda L, x, y: _F(L).hinge_embedding_loss(x, y, reduction="none"),
        [np.array([0.3, 2.0, -1.0, 0.5]), np.array([1.0, -1.0, 0.0, 2.0])],
        [1, 0],
    ),
    "hinge_long_labels": _case(
        lambda L, x, y: _F(L).hinge_embedding_loss(x, y),
        [X, _signs((N, C)).astype(np.int64)],
        [1, 0],
    ),
    "cosine_other_labels_zero_vector": _case(
        lambda L, a, b, y: _F(L).cosine_embedding_loss(a, b, y, reduction="none"),
        [np.vstack([X[:2, :3], np.zeros((1, 3))]), X2[:3, :3], np.array([1.0, -1.0, 0.0])],
        [1, 1, 0],
    ),
    "soft_margin_long_labels": _case(
        lambda L, x, y: _F(L).soft_margin_loss(x, y), [X, _signs((N, C)).astype(np.int64)], [1, 0]
    ),
    "poisson_long_counts_full": _case(
        lambda L, x, t: _F(L).poisson_nll_loss(x, t, full=True),
        [X, COUNTS.astype(np.int64)],
        [1, 0],
    ),
    "triplet_p_1_5": _case(
        lambda L, a, p, n: _F(L).triplet_margin_loss(a, p, n, p=1.5), [X, X2, X3], [1, 1, 1]
    ),
    "triplet_p_inf": _case(
        lambda L, a, p, n: _F(L).triplet_margin_loss(a, p, n, p=float("inf"), margin=3.0),
        [X, X2, X3],
        [1, 1, 1],
    ),
    "triplet_0d": _case(
        lambda L, a, p, n: _F(L).triplet_margin_loss(a, p, n, reduction="none", eps=0.0),
        [np.array(0.5), np.array(1.0), np.array(0.25)],
        [1, 1, 1],
    ),
    "triplet_broadcast_positive": _case(
        lambda L, a, p, n: _F(L).triplet_margin_loss(a, p, n, reduction="none"),
        [X, X2[:1], X3],
        [1, 1, 1],
    ),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", EXTRA)
def test_boundaries_match_torch(name, dtype):
    _parity(*EXTRA[name], dtype)


def test_kl_div_target_gradient_at_zero_is_nan_like_torch():
    """d/dt of t log t is unbounded at t = 0: nan (PyTorch's 0/0), never a finite number."""
    t = tg.tensor(TINY, requires_grad=True)
    tg.nn.functional.kl_div(tg.tensor(X[:2]), t, reduction="sum").backward()
    assert np.array_equal(np.isnan(t.grad.numpy()), TINY == 0)


def test_soft_margin_loss_is_finite_where_exp_overflows():
    """log(1 + exp(1000)) is 1000 (PyTorch's kernel says inf and its gradient nan)."""
    x = tg.tensor([-1000.0, 1000.0, 0.0], requires_grad=True)
    loss = tg.nn.functional.soft_margin_loss(x, tg.tensor([1.0, -1.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 1000.0, np.log(2)], rtol=1e-7)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0, -0.5])


def test_poisson_full_target_gradient_where_stirling_is_dropped():
    """For t <= 1 the Stirling term is a constant 0, so the target's gradient is that of the
    plain loss (PyTorch's is nan at t = 0, from 0 * log 0)."""
    x = X[0, :4]
    grads = []
    for full in (True, False):
        t = tg.tensor([0.0, 0.5, 1.0, 3.0], requires_grad=True)
        tg.nn.functional.poisson_nll_loss(tg.tensor(x), t, full=full, reduction="sum").backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0][:3], grads[1][:3])
    pt = torch.tensor([0.0, 0.5, 1.0, 3.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.poisson_nll_loss(torch.tensor(x), pt, full=True, reduction="sum").backward()
    np.testing.assert_allclose(grads[0][1:], pt.grad.numpy()[1:])


@pytest.mark.parametrize("reduction,expected", [("mean", np.nan), ("sum", 0.0)])
def test_multi_margin_loss_of_an_empty_batch(reduction, expected):
    """The mean of no losses is nan and their sum 0 (PyTorch's kernel returns stale memory)."""
    out = tg.nn.functional.multi_margin_loss(
        tg.zeros(0, 3), tg.zeros(0, dtype=tg.int64), reduction=reduction
    )
    np.testing.assert_equal(out.item(), expected)


def test_kl_div_batchmean_of_an_empty_batch_is_nan():
    out = tg.nn.functional.kl_div(tg.zeros(0, 3), tg.zeros(0, 3), reduction="batchmean")
    assert np.isnan(out.item())


def test_kl_div_warns_about_mean_as_torch_does():
    x, t = np.log(PROBS / PROBS.sum(1, keepdims=True)), PROBS
    messages = []
    for lib in (tg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.kl_div(lib.tensor(x), lib.tensor(t))
            lib.nn.functional.kl_div(lib.tensor(x), lib.tensor(t), reduction="batchmean")
        messages.append([(w.category, str(w.message)) for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 1
    assert messages[0][0][1].startswith("reduction: 'mean' divides the total loss")


LEGACY = [
    ("kl_div", [X, PROBS], {}),
    ("poisson_nll_loss", [X, COUNTS], {}),
    ("soft_margin_loss", [X, _signs((N, C))], {}),
    ("multilabel_soft_margin_loss", [X, LABELS01], {}),
    ("multi_margin_loss", [X, CLASSES], {"margin": 0.5}),
    ("hinge_embedding_loss", [X, _signs((N, C))], {}),
    ("margin_ranking_loss", [X, X2, _signs((N, C))], {}),
    ("cosine_embedding_loss", [X, X2, _signs((N,))], {}),
    ("triplet_margin_loss", [X, X2, X3], {}),
]
FLAGS = [{"size_average": False}, {"reduce": False}, {"size_average": True, "reduce": True}]


@pytest.mark.parametrize("flags", FLAGS, ids=["size_average", "reduce", "both"])
@pytest.mark.parametrize("name,arrays,kwargs", LEGACY, ids=[c[0] for c in LEGACY])
def test_legacy_size_average_and_reduce(name, arrays, kwargs, flags):
    """The deprecated flags pick the reduction, with PyTorch's warning."""
    results = []
    for lib in (tg, torch):
        ts = [lib.from_numpy(np.array(a)) for a in arrays]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = getattr(lib.nn.functional, name)(*ts, **kwargs, **flags)
        results.append((out.numpy(), [str(w.message) for w in caught]))
    _close(results[0][0], results[1][0], np.float64, "value")
    assert results[0][1] == results[1][1]


# ---------------------------------------------------------------------- errors


def _t(lib, a, requires_grad=False):
    t = lib.from_numpy(np.array(a))
    return t.requires_grad_(True) if requires_grad else t


Y = _signs((N,))
ERRORS = {
    "kl_div_reduction": lambda L: _F(L).kl_div(_t(L, X), _t(L, X), reduction="foo"),
    "kl_div_integer_target": lambda L: _F(L).kl_div(_t(L, X), _t(L, CLASSES)),
    "kl_div_bool_input": lambda L: _F(L).kl_div(_t(L, X > 0), _t(L, X)),
    "kl_div_shapes": lambda L: _F(L).kl_div(_t(L, X), _t(L, X[:, :3]), reduction="sum"),
    "poisson_reduction": lambda L: _F(L).poisson_nll_loss(_t(L, X), _t(L, X), reduction="x"),
    "poisson_shapes": lambda L: _F(L).poisson_nll_loss(_t(L, X), _t(L, X[:, :3])),
    "gaussian_negative_var": lambda L: _F(L).gaussian_nll_loss(_t(L, X), _t(L, X), _t(L, -VAR)),
    "gaussian_negative_float_var": lambda L: _F(L).gaussian_nll_loss(_t(L, X), _t(L, X), -0.5),
    "gaussian_var_size": lambda L: _F(L).gaussian_nll_loss(_t(L, X), _t(L, X), _t(L, VAR[0])),
    "gaussian_var_two_dims_off": lambda L: _F(L).gaussian_nll_loss(
        _t(L, X), _t(L, X), _t(L, VAR[:2, :1])
    ),
    "gaussian_reduction": lambda L: _F(L).gaussian_nll_loss(
        _t(L, X), _t(L, X), _t(L, VAR), reduction="foo"
    ),
    "soft_margin_target_requires_grad": lambda L: _F(L).soft_margin_loss(
        _t(L, X), _t(L, X, requires_grad=True)
    ),
    "soft_margin_reduction": lambda L: _F(L).soft_margin_loss(_t(L, X), _t(L, X), reduction="x"),
    "soft_margin_shapes": lambda L: _F(L).soft_margin_loss(_t(L, X), _t(L, X[:, :3])),
    "multilabel_reduction": lambda L: _F(L).multilabel_soft_margin_loss(
        _t(L, X), _t(L, X), reduction="x"
    ),
    "multilabel_0d": lambda L: _F(L).multilabel_soft_margin_loss(_t(L, 1.0), _t(L, 1.0)),
    "multilabel_shapes": lambda L: _F(L).multilabel_soft_margin_loss(_t(L, X), _t(L, X[:, :3])),
    "multi_margin_p": lambda L: _F(L).multi_margin_loss(_t(L, X), _t(L, CLASSES), p=3),
    "multi_margin_reduction": lambda L: _F(L).multi_margin_loss(
        _t(L, X), _t(L, CLASSES), reduction="x"
    ),
    "multi_margin_weight_2d": lambda L: _F(L).multi_margin_loss(
        _t(L, X), _t(L, CLASSES), weight=_t(L, [CLASS_W])
    ),
    "multi_margin_3d": lambda L: _F(L).multi_margin_loss(_t(L, X[None]), _t(L, CLASSES)),
    "multi_margin_no_classes": lambda L: _F(L).multi_margin_loss(_t(L, X[:, :0]), _t(L, CLASSES)),
    "multi_margin_target_size": lambda L: _F(L).multi_margin_loss(_t(L, X), _t(L, CLASSES[:2])),
    "multi_margin_target_2d": lambda L: _F(L).multi_margin_loss(_t(L, X), _t(L, CLASSES[None])),
    "multi_margin_1d_target_size": lambda L: _F(L).multi_margin_loss(_t(L, X[0]), _t(L, CLASSES)),
    "multi_margin_weight_size": lambda L: _F(L).multi_margin_loss(
        _t(L, X), _t(L, CLASSES), weight=_t(L, CLASS_W[:3])
    ),
    "multi_margin_int_target": lambda L: _F(L).multi_margin_loss(
        _t(L, X), _t(L, CLASSES.astype(np.int32))
    ),
    "multi_margin_float_target": lambda L: _F(L).multi_margin_loss(_t(L, X), _t(L, X[:, 0])),
    "multi_margin_weight_dtype": lambda L: _F(L).multi_margin_loss(
        _t(L, X.astype(np.float32)), _t(L, CLASSES), weight=_t(L, CLASS_W)
    ),
    "multi_margin_long_input": lambda L: _F(L).multi_margin_loss(
        _t(L, CLASSES[:, None] * 1), _t(L, CLASSES * 0)
    ),
    "multi_margin_target_range": lambda L: _F(L).multi_margin_loss(_t(L, X), _t(L, CLASSES + 1)),
    "multi_margin_negative_target": lambda L: _F(L).multi_margin_loss(_t(L, X), _t(L, CLASSES - 1)),
    "multi_margin_weight_requires_grad": lambda L: _F(L).multi_margin_loss(
        _t(L, X), _t(L, CLASSES), weight=_t(L, CLASS_W, requires_grad=True)
    ),
    "hinge_reduction": lambda L: _F(L).hinge_embedding_loss(_t(L, X), _t(L, X), reduction="x"),
    "hinge_shapes": lambda L: _F(L).hinge_embedding_loss(_t(L, X), _t(L, X[:, :3])),
    "margin_ranking_dims": lambda L: _F(L).margin_ranking_loss(_t(L, X), _t(L, X[0]), _t(L, Y)),
    "margin_ranking_reduction": lambda L: _F(L).margin_ranking_loss(
        _t(L, Y), _t(L, Y), _t(L, Y), reduction="x"
    ),
    "margin_ranking_shapes": lambda L: _F(L).margin_ranking_loss(_t(L, Y), _t(L, Y[:3]), _t(L, Y)),
    "cosine_2d_target": lambda L: _F(L).cosine_embedding_loss(_t(L, X), _t(L, X), _t(L, X)),
    "cosine_1d_target_1d_inputs": lambda L: _F(L).cosine_embedding_loss(
        _t(L, X[0]), _t(L, X[0]), _t(L, Y)
    ),
    "cosine_0d_target_2d_inputs": lambda L: _F(L).cosine_embedding_loss(
        _t(L, X), _t(L, X), _t(L, 1.0)
    ),
    "cosine_reduction": lambda L: _F(L).cosine_embedding_loss(
        _t(L, X), _t(L, X), _t(L, Y), reduction="x"
    ),
    "cosine_shapes": lambda L: _F(L).cosine_embedding_loss(_t(L, X), _t(L, X[:, :3]), _t(L, Y)),
    "triplet_margin": lambda L: _F(L).triplet_margin_loss(_t(L, X), _t(L, X), _t(L, X), margin=0),
    "triplet_dims": lambda L: _F(L).triplet_margin_loss(_t(L, X), _t(L, X[0]), _t(L, X)),
    "triplet_reduction": lambda L: _F(L).triplet_margin_loss(
        _t(L, X), _t(L, X), _t(L, X), reduction="x"
    ),
    "triplet_shapes": lambda L: _F(L).triplet_margin_loss(_t(L, X), _t(L, X[:2]), _t(L, X)),
    "triplet_distance_margin": lambda L: _F(L).triplet_margin_with_distance_loss(
        _t(L, X), _t(L, X), _t(L, X), margin=-1.5
    ),
    "triplet_distance_dims": lambda L: _F(L).triplet_margin_with_distance_loss(
        _t(L, X), _t(L, X), _t(L, X[0])
    ),
    "triplet_distance_reduction": lambda L: _F(L).triplet_margin_with_distance_loss(
        _t(L, X), _t(L, X), _t(L, X), reduction="batchmean"
    ),
    "module_multi_margin_p": lambda L: L.nn.MultiMarginLoss(p=0),
    "module_multi_margin_weight_2d": lambda L: L.nn.MultiMarginLoss(weight=_t(L, [CLASS_W])),
    "module_triplet_margin": lambda L: L.nn.TripletMarginLoss(margin=0),
    "module_triplet_distance_margin": lambda L: L.nn.TripletMarginWithDistanceLoss(margin=-0.5),
}


def _error(fn, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fn(lib)
        except Exception as e:  # the class itself is under test
            return type(e), str(e).replace("torch.Size", "tinygrad_nn.Size")
    raise AssertionError(f"{lib.__name__} raised nothing")


@pytest.mark.parametrize("name", ERRORS)
def test_errors_match_torch(name):
    """PyTorch's exception class and message for the same bad call."""
    assert _error(ERRORS[name], tg) == _error(ERRORS[name], torch)


# ---------------------------------------------------------------------- modules


def _manhattan(u, v):
    return (u - v).abs().sum(-1)


MODULES = {  # id -> (constructor(lib), arrays, grads)
    "KLDivLoss": (
        lambda L: L.nn.KLDivLoss(reduction="batchmean", log_target=True),
        [X, X2],
        [1, 1],
    ),
    "PoissonNLLLoss": (
        lambda L: L.nn.PoissonNLLLoss(log_input=False, full=True, eps=1e-4),
        [PROBS, COUNTS + 1.5],
        [1, 1],
    ),
    "GaussianNLLLoss": (
        lambda L: L.nn.GaussianNLLLoss(full=True, eps=1e-3, reduction="sum"),
        [X, X2, VAR],
        [1, 1, 1],
    ),
    "SoftMarginLoss": (
        lambda L: L.nn.SoftMarginLoss(reduction="none"),
        [X, _signs((N, C))],
        [1, 0],
    ),
    "MultiLabelSoftMarginLoss": (
        lambda L: L.nn.MultiLabelSoftMarginLoss(weight=_t(L, CLASS_W)),
        [X, LABELS01],
        [1, 1],
    ),
    "MultiMarginLoss": (
        lambda L: L.nn.MultiMarginLoss(p=2, margin=0.5, weight=_t(L, CLASS_W)),
        [X, CLASSES],
        [1, 0],
    ),
    "HingeEmbeddingLoss": (
        lambda L: L.nn.HingeEmbeddingLoss(margin=0.4, reduction="sum"),
        [X, _signs((N, C))],
        [1, 0],
    ),
    "MarginRankingLoss": (
        lambda L: L.nn.MarginRankingLoss(margin=0.3),
        [X, X2, _signs((N, C))],
        [1, 1, 1],
    ),
    "CosineEmbeddingLoss": (lambda L: L.nn.CosineEmbeddingLoss(margin=0.1), [X, X2, Y], [1, 1, 0]),
    "TripletMarginLoss": (
        lambda L: L.nn.TripletMarginLoss(margin=0.5, p=1.0, swap=True),
        [X, X2, X3],
        [1, 1, 1],
    ),
    "TripletMarginWithDistanceLoss": (
        lambda L: L.nn.TripletMarginWithDistanceLoss(
            distance_function=_manhattan, margin=2.0, swap=True, reduction="none"
        ),
        [X, X2, X3],
        [1, 1, 1],
    ),
    "TripletMarginWithDistanceLoss_default": (
        lambda L: L.nn.TripletMarginWithDistanceLoss(),
        [X, X2, X3],
        [1, 1, 1],
    ),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", MODULES)
def test_module_matches_torch(name, dtype):
    make, arrays, grads = MODULES[name]
    weighted = name in ("MultiLabelSoftMarginLoss", "MultiMarginLoss")

    def fn(L, *ts):
        module = make(L)
        return (module.to(ts[0].dtype) if weighted else module)(*ts)

    _parity(fn, arrays, grads, dtype)


REPRS = [
    lambda L: L.nn.KLDivLoss(),
    lambda L: L.nn.KLDivLoss(reduction="batchmean", log_target=True),
    lambda L: L.nn.PoissonNLLLoss(log_input=False, full=True, eps=0.5),
    lambda L: L.nn.GaussianNLLLoss(full=True, eps=0.5, reduction="none"),
    lambda L: L.nn.SoftMarginLoss(reduction="sum"),
    lambda L: L.nn.MultiLabelSoftMarginLoss(weight=L.ones(3)),
    lambda L: L.nn.MultiMarginLoss(),
    lambda L: L.nn.MultiMarginLoss(p=2, margin=0.5, weight=L.ones(3)),
    lambda L: L.nn.HingeEmbeddingLoss(margin=2.0),
    lambda L: L.nn.MarginRankingLoss(margin=0.5),
    lambda L: L.nn.CosineEmbeddingLoss(margin=-0.5),
    lambda L: L.nn.TripletMarginLoss(margin=0.5, p=3, eps=0.1, swap=True),
    lambda L: L.nn.TripletMarginWithDistanceLoss(distance_function=_manhattan, swap=True),
    lambda L: L.nn.TripletMarginWithDistanceLoss(margin=0.5),
]


def _public_state(module):
    return {k: v for k, v in vars(module).items() if not k.startswith("_") and k != "training"}


@pytest.mark.parametrize("make", REPRS, ids=[str(i) for i in range(len(REPRS))])
def test_module_repr_attributes_and_state_dict(make):
    ours, theirs = make(tg), make(torch)
    assert repr(ours) == repr(theirs) and ours.extra_repr() == theirs.extra_repr()
    assert _public_state(ours) == _public_state(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


LEGACY_MODULES = [
    "KLDivLoss",
    "PoissonNLLLoss",
    "SoftMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "CosineEmbeddingLoss",
    "TripletMarginLoss",
]


@pytest.mark.parametrize("flags", FLAGS, ids=["size_average", "reduce", "both"])
@pytest.mark.parametrize("name", LEGACY_MODULES)
def test_module_legacy_arguments_set_the_reduction(name, flags):
    reductions = []
    for lib in (tg, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = getattr(lib.nn, name)(**flags)
        reductions.append((module.reduction, [str(w.message) for w in caught]))
    assert reductions[0] == reductions[1]
