"""The Functions only the layers, the losses and nn.functional reach, against PyTorch: Addmm
(F.linear), NllLoss, MseLoss, binary cross-entropy, embedding, a three-operand einsum, and two
small networks trained end to end. Each case compares forward values and gradients with
PyTorch's, and the create_graph backward with the plain one, bit for bit (tests/parity.py).

Last, the short cuts the training step takes (F.linear, Linear.forward, mse_loss as one node)
keep PyTorch's behaviour in the cases they step around.
"""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.parity import assert_matches_torch
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

F = tg.nn.functional


def _linear(lib, x, w, b):
    return lib.nn.functional.linear(x, w, b)


def _linear_no_bias(lib, x, w):
    return lib.nn.functional.linear(x, w)


def _nll(target, **kwargs):
    def loss(lib, x):
        log_p = x.log_softmax(1 if x.dim() > 1 else 0)
        return lib.nn.functional.nll_loss(log_p, lib.tensor(target), **kwargs)

    return loss


def _nll_weighted(lib, x, w):
    target = lib.tensor([0, 2, 1, 1, 0])
    return lib.nn.functional.nll_loss(x.log_softmax(1), target, w.detach().abs(), ignore_index=2)


def _cross_entropy_smoothing(lib, x, w):
    target, weight = lib.tensor([0, 2, 1, 1]), w.detach().abs()
    return lib.nn.functional.cross_entropy(x, target, weight=weight, label_smoothing=0.2)


def _mse(**kwargs):
    return lambda lib, x, y: lib.nn.functional.mse_loss(x, y, **kwargs)


def _bce(lib, x, y):
    return lib.nn.functional.binary_cross_entropy(x.sigmoid(), y.sigmoid())


def _bce_weight_sum(lib, x, y, w):
    return lib.nn.functional.binary_cross_entropy(
        x.sigmoid(), y.sigmoid(), w.detach(), reduction="sum"
    )


def _embedding(lib, w):
    return lib.nn.functional.embedding(lib.tensor([[0, 2], [2, 3]]), w)


def _embedding_padding_freq(lib, w):
    ids = lib.tensor([0, 2, 2, 3, 2])
    return lib.nn.functional.embedding(ids, w, padding_idx=3, scale_grad_by_freq=True)


LABELS = [0, 2, 1, 1, 0]
SPATIAL = [[[0, 1], [2, 2]], [[1, 0], [0, 1]]]

# (name, function of the library and the tensors, input shapes)
CASES = [
    ("linear", _linear, [(4, 3), (2, 3), (2,)]),
    ("linear_wide", _linear, [(300, 40), (20, 40), (20,)]),
    ("linear_one_bias_for_all", _linear, [(4, 3), (2, 3), (1,)]),
    ("linear_1d_input", _linear, [(3,), (2, 3), (2,)]),
    ("linear_3d_input", _linear, [(2, 4, 3), (5, 3), (5,)]),
    ("linear_no_bias", _linear_no_bias, [(4, 3), (2, 3)]),
    ("nll_mean", _nll(LABELS), [(5, 3)]),
    ("nll_sum", _nll(LABELS, reduction="sum"), [(5, 3)]),
    ("nll_none", _nll(LABELS, reduction="none"), [(5, 3)]),
    ("nll_ignore", _nll(LABELS, ignore_index=1), [(5, 3)]),
    ("nll_all_ignored", _nll([1, 1], ignore_index=1), [(2, 3)]),
    ("nll_weighted", _nll_weighted, [(5, 3), (3,)]),
    ("nll_spatial_none", _nll(SPATIAL[:1], reduction="none"), [(1, 3, 2, 2)]),
    ("nll_unbatched", _nll(2), [(4,)]),
    ("nll_spatial", _nll(SPATIAL), [(2, 3, 2, 2)]),
    (
        "cross_entropy",
        lambda lib, x: lib.nn.functional.cross_entropy(x, lib.tensor(LABELS[1:])),
        [(4, 3)],
    ),
    ("cross_entropy_smoothing", _cross_entropy_smoothing, [(4, 3), (3,)]),
    ("mse_mean", _mse(), [(4, 3), (4, 3)]),
    ("mse_sum", _mse(reduction="sum"), [(4, 3), (4, 3)]),
    ("mse_none", _mse(reduction="none"), [(4, 3), (4, 3)]),
    ("mse_broadcast", _mse(), [(4, 1), (4, 3)]),
    ("bce", _bce, [(4, 3), (4, 3)]),
    ("bce_weight_sum", _bce_weight_sum, [(4, 3), (4, 3), (3,)]),
    ("embedding", _embedding, [(4, 3)]),
    ("embedding_padding_freq", _embedding_padding_freq, [(4, 3)]),
    (
        "einsum_three",
        lambda lib, a, b, c: lib.einsum("ij,jk,kl->il", a, b, c),
        [(2, 3), (3, 4), (4, 2)],
    ),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,fn,shapes", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(name, fn, shapes, dtype):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    # linear_wide's weight gradient sums 300 float32 products, in another order than PyTorch's
    # BLAS: where its terms cancel, the rounding left over is ~1e-5 absolute.
    atol = 5e-5 if name == "linear_wide" and dtype == np.float32 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mse_broadcast warns, as PyTorch does
        assert_matches_torch(fn, arrays, seed=5, atol=atol)


def _networks(lib):
    nn = lib.nn
    small = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    deep = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 1))
    return small, deep


def _training_steps(lib, create_graph: bool = False):
    lib.manual_seed(0)
    small, deep = _networks(lib)
    functional = lib.nn.functional
    rng = np.random.default_rng(1)
    x1, y1 = lib.tensor(rng.standard_normal((4, 2)).astype(np.float32)), lib.tensor([0, 1, 1, 0])
    x2 = lib.tensor(rng.standard_normal((8, 6)).astype(np.float32))
    y2 = lib.tensor(rng.standard_normal((8, 1)).astype(np.float32))
    opts = [lib.optim.SGD(small.parameters(), lr=0.1), lib.optim.SGD(deep.parameters(), lr=0.05)]
    for _ in range(3):
        for opt in opts:
            opt.zero_grad()
        losses = [functional.cross_entropy(small(x1), y1), functional.mse_loss(deep(x2), y2)]
        for loss in losses:
            loss.backward(create_graph=create_graph)
        for opt in opts:
            opt.step()
    return [p.detach().numpy() for m in (small, deep) for p in m.parameters()]


def test_training_steps_match_pytorch():
    ours, theirs = _training_steps(tg), _training_steps(torch)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_close(a, b, what=f"parameter {i}")


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_training_steps_are_bit_identical_with_create_graph():
    for plain, recorded in zip(_training_steps(tg), _training_steps(tg, create_graph=True)):
        np.testing.assert_array_equal(plain, recorded)


def test_mse_loss_is_one_node_as_in_pytorch():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    column = rng.standard_normal((4, 1))
    for lib in (tg, torch):
        a, b = lib.tensor(x, requires_grad=True), lib.tensor(y)
        c = lib.tensor(column, requires_grad=True)
        names = []
        for loss in (
            lib.nn.functional.mse_loss(a, b),
            lib.nn.functional.mse_loss(b, a),
            lib.nn.functional.mse_loss(a, b, reduction="none"),
        ):
            names.append(loss.grad_fn.name())
            names.append([n and n.name() for n, _ in loss.grad_fn.next_functions])
        with pytest.warns(UserWarning, match="different to the input size"):
            loss = lib.nn.functional.mse_loss(c, a)
        names.append([n.name() for n, _ in loss.grad_fn.next_functions])
        if lib is tg:
            ours = names
    assert ours == names
    assert ours[0] == "MseLossBackward0"
    assert ours[-1] == ["ExpandBackward0", "torch::autograd::AccumulateGrad"]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_values_and_both_gradients_match_pytorch(reduction):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((6, 5)).astype(np.float32), rng.standard_normal((6, 5))
    results = []
    for lib in (tg, torch):
        a = lib.tensor(x, requires_grad=True)
        b = lib.tensor(y.astype(np.float32), requires_grad=True)
        loss = lib.nn.functional.mse_loss(a, b, reduction=reduction)
        loss.sum().backward()
        results.append([loss.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)


def test_mse_loss_of_nothing_is_nan_as_in_pytorch():
    empty = tg.zeros(0, requires_grad=True)
    loss = F.mse_loss(empty, tg.zeros(0))
    assert np.isnan(loss.item())
    loss.backward()
    assert empty.grad.shape == (0,)


# ---------------------------------------------------------------- the lean forward path


def test_linear_uses_a_weight_that_replaced_its_parameter_as_in_pytorch():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((3, 2)), rng.standard_normal((4, 2))
    results = []
    for lib in (tg, torch):
        layer = lib.nn.Linear(2, 4, dtype=lib.float64)
        source = lib.tensor(w, requires_grad=True)
        del layer.weight  # a reparametrisation: the weight is computed from another tensor
        layer.weight = source * 2
        out = layer(lib.tensor(x))
        out.sum().backward()
        results.append([out.detach().numpy() - layer.bias.detach().numpy(), source.grad.numpy()])
        assert "weight" not in dict(layer.named_parameters())
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_linear_without_bias_and_with_bias_set_to_none_later():
    x = tg.randn(3, 2)
    layer = tg.nn.Linear(2, 4, bias=False)
    np.testing.assert_allclose(layer(x).detach().numpy(), (x @ layer.weight.t()).detach().numpy())
    layer = tg.nn.Linear(2, 4)
    layer.bias = None
    assert layer(x).grad_fn.name() == "MmBackward0"
