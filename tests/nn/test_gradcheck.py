"""Finite-difference checks (float64) of the composites built in nn.functional and of the
window ops under them: gradcheck everywhere, gradgradcheck where double backward matters
(conv, pooling, normalisation, losses). Sizes are tiny: each input element costs two
forward passes."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck
from tinygrad_nn.ops.window import Fold, Unfold, WindowMax, WindowPick, WindowPlace

F = tg.nn.functional


def _t(shape, seed=0, low=None, high=None):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return tg.tensor(a, dtype=tg.float64, requires_grad=True)


CONV_CASES = [
    ("conv1d", (1, 2, 7), (3, 2, 3), {}),
    ("conv1d", (2, 4, 9), (4, 2, 2), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2}),
    ("conv2d", (1, 2, 5, 5), (2, 2, 3, 3), {}),
    ("conv2d", (2, 2, 6, 5), (2, 2, 2, 3), {"stride": (2, 1), "padding": (1, 2)}),
    ("conv2d", (1, 2, 6, 6), (2, 1, 2, 2), {"dilation": 2, "groups": 2, "padding": "same"}),
    ("conv2d", (1, 3, 5, 5), (3, 1, 3, 3), {"groups": 3, "stride": 2}),
]


@pytest.mark.parametrize("name,x_shape,w_shape,kwargs", CONV_CASES)
def test_conv_gradcheck_and_gradgradcheck(name, x_shape, w_shape, kwargs):
    x, w, b = _t(x_shape, 0), _t(w_shape, 1), _t((w_shape[0],), 2)
    fn = getattr(F, name)

    def conv(x, w, b):
        return fn(x, w, b, **kwargs)

    assert gradcheck(conv, (x, w, b))
    assert gradgradcheck(conv, (x, w, b))


POOL_CASES = [
    lambda x: F.max_pool2d(x, 2),
    lambda x: F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
    lambda x: F.max_pool2d(x, (2, 3), stride=1, dilation=(2, 1)),
    lambda x: F.avg_pool2d(x, 2),
    lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda x: F.max_pool1d(x[0], 2, padding=1),
    lambda x: F.avg_pool1d(x[0], 3, stride=2, padding=1),
]


@pytest.mark.parametrize("case", range(len(POOL_CASES)))
def test_pooling_gradcheck(case):
    x = _t((1, 2, 5, 6), 3)
    assert gradcheck(POOL_CASES[case], (x,))
    assert gradgradcheck(POOL_CASES[case], (x,))


def test_normalisation_gradcheck():
    x, w, b = _t((3, 4), 0), _t((4,), 1), _t((4,), 2)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (4,), w, b), (x, w, b))
    xb, wb, bb = _t((3, 2, 2, 2), 3), _t((2,), 4), _t((2,), 5)

    def bn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    assert gradcheck(bn, (xb, wb, bb))
    assert gradgradcheck(bn, (xb, wb, bb))
    running = (tg.zeros(2, dtype=tg.float64), tg.ones(2, dtype=tg.float64))
    assert gradcheck(lambda x, w, b: F.batch_norm(x, *running, w, b), (xb, wb, bb))


LOSS_CASES = [
    ("mse", lambda x, y: F.mse_loss(x, y), None),
    ("l1", lambda x, y: F.l1_loss(x, y, reduction="sum"), None),
    ("huber", lambda x, y: F.huber_loss(x, y, delta=0.5), None),
    ("smooth_l1", lambda x, y: F.smooth_l1_loss(x, y, beta=0.7, reduction="none"), None),
    (
        "bce",
        lambda x, y: F.binary_cross_entropy(
            x, y, weight=tg.tensor([1.0, 2.0, 0.5], dtype=tg.float64)
        ),
        (0.1, 0.9),
    ),
    (
        "bce_logits",
        lambda x, y: F.binary_cross_entropy_with_logits(
            x, y, pos_weight=tg.tensor([1.0, 2.0, 0.5], dtype=tg.float64)
        ),
        (0.0, 1.0),
    ),
    ("ce_probs", lambda x, y: F.cross_entropy(x, y.softmax(1), label_smoothing=0.1), None),
]


@pytest.mark.parametrize("name,fn,target_range", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_loss_gradcheck_and_gradgradcheck(name, fn, target_range):
    x = _t((4, 3), 0, *((0.1, 0.9) if name == "bce" else (None, None)))
    y = _t((4, 3), 1, *(target_range or (None, None)))
    assert gradcheck(fn, (x, y))
    assert gradgradcheck(fn, (x, y))


def test_class_index_losses_gradcheck_and_gradgradcheck():
    x = _t((5, 4), 0)
    t = tg.tensor([0, 3, 1, 1, 2])
    w = tg.tensor([0.5, 1.0, 2.0, 1.5], dtype=tg.float64)
    cases = [
        lambda x: F.cross_entropy(x, t, weight=w, ignore_index=1, label_smoothing=0.2),
        lambda x: F.nll_loss(x.log_softmax(1), t, weight=w),
        lambda x: F.cross_entropy(x.reshape(1, 5, 4).transpose(1, 2), t.reshape(1, 5)),
    ]
    for fn in cases:
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_activations_and_embedding_gradcheck():
    x = _t((3, 4), 0)
    cases = [
        F.gelu,
        lambda x: F.gelu(x, approximate="tanh"),
        F.silu,
        F.elu,
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: F.softplus(x, 2.0, 1.0),
        lambda x: F.normalize(x, dim=0),
        lambda x: F.pad(x, (2, 1), mode="reflect"),
    ]
    for fn in cases:
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))
    w = _t((5, 2), 1)
    idx = tg.tensor([[0, 4], [4, 2]])
    # padding_idx and scale_grad_by_freq change the gradient on purpose (it is no longer the
    # derivative), so only the plain lookup is checked here; test_functional compares those
    # with PyTorch.
    assert gradcheck(lambda w: F.embedding(idx, w), (w,))
    assert gradgradcheck(lambda w: F.embedding(idx, w), (w,))


def test_unfold_and_fold_are_adjoint_and_differentiable_twice():
    """<Unfold(x), g> == <x, Fold(g)>: the defining property of an adjoint pair."""
    x = _t((2, 3, 7, 8), 0)
    kernel, stride, dilation = (2, 3), (2, 1), (1, 2)
    windows = Unfold.apply(x, kernel, stride, dilation)
    assert windows.shape == (2, 3, 3, 4, 2, 3)
    assert np.shares_memory(windows.detach().numpy(), x.detach().numpy())  # a view, no copy
    g = np.random.default_rng(1).standard_normal(windows.shape)
    folded = Fold.apply(tg.tensor(g), x.shape, stride, dilation)
    lhs = float((windows.detach().numpy() * g).sum())
    rhs = float((x.detach().numpy() * folded.numpy()).sum())
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))
    small = _t((1, 1, 4, 5), 2)
    assert gradcheck(lambda t: Unfold.apply(t, (2, 2), (1, 2), (2, 1)), (small,))
    assert gradgradcheck(lambda t: Unfold.apply(t, (2, 2), (1, 2), (2, 1)), (small,))
    cols = _t((1, 1, 2, 2, 2, 2), 3)
    assert gradcheck(lambda c: Fold.apply(c, (1, 1, 4, 5), (1, 2), (2, 1)), (cols,))
    assert gradgradcheck(lambda c: Fold.apply(c, (1, 1, 4, 5), (1, 2), (2, 1)), (cols,))


def test_window_pick_and_place_are_adjoint_and_differentiable_twice():
    x = _t((2, 3, 7, 8), 0)
    kernel, stride, dilation = (2, 3), (2, 2), (2, 1)
    rng = np.random.default_rng(1)
    values, choice = WindowMax.apply(x, kernel, stride, dilation)
    assert choice.dtype == tg.int64 and not choice.requires_grad
    picked = WindowPick.apply(x, kernel, stride, dilation, choice.numpy())
    assert np.array_equal(picked.detach().numpy(), values.detach().numpy())
    windows = Unfold.apply(x, kernel, stride, dilation).detach().numpy()
    expected = windows.reshape(windows.shape[:4] + (-1,)).max(-1)
    assert np.array_equal(values.detach().numpy(), expected)
    g = rng.standard_normal(values.shape)
    placed = WindowPlace.apply(tg.tensor(g), x.shape, kernel, stride, dilation, choice.numpy())
    lhs = float((values.detach().numpy() * g).sum())
    rhs = float((x.detach().numpy() * placed.numpy()).sum())
    assert abs(lhs - rhs) < 1e-9 * max(1.0, abs(lhs))
    small, c = _t((1, 2, 4, 5), 2), rng.integers(0, 4, (1, 2, 2, 2))
    for fn in (
        lambda t: WindowMax.apply(t, (2, 2), (2, 2), (1, 1))[0],
        lambda t: WindowPick.apply(t, (2, 2), (2, 2), (1, 1), c),
        lambda t: WindowPlace.apply(t[..., :2, :2], (1, 2, 4, 5), (2, 2), (2, 2), (1, 1), c),
    ):
        assert gradcheck(fn, (small,))
        assert gradgradcheck(fn, (small,))


def test_window_place_keeps_a_non_finite_gradient_at_its_window_maximum():
    choice = np.array([[1, 0]])
    g = tg.tensor([[np.inf, 2.0]])
    placed = WindowPlace.apply(g, (1, 4), (2,), (2,), (1,), choice).numpy()
    assert placed.tolist() == [[0.0, np.inf, 2.0, 0.0]]


def test_unfold_shares_the_version_counter_of_its_input():
    x = tg.zeros(1, 1, 3, 3)
    windows = Unfold.apply(x, (2, 2), (1, 1), (1, 1))
    x.add_(1)
    assert windows._version == x._version == 1
    assert windows.numpy().min() == 1  # a view: it sees the change
