"""The nn-level ops run their backward on bare arrays, and agree with the Tensor pass to the bit.

The op table's check (tests/ops/test_array_pass.py) covers matmul and einsum as Tensor
methods; here are the Functions that only the layers, the losses and nn.functional reach:
Addmm (F.linear), NllLoss, MseLoss, _BinaryCrossEntropy, _Embedding, a three-operand einsum,
and two small networks end to end. Each case is differentiated twice, once on arrays (the
normal backward) and once on Tensors (as the debugging tools run it), and each of these nodes
must have run its own `array_backward` rather than the engine's wrapping fallback.

Last, the short cuts the training step takes (F.linear, Linear.forward, mse_loss as one node)
keep PyTorch's behaviour in the cases they step around.
"""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.ops.test_array_pass import tensor_pass
from tinygrad_nn.autograd import engine

torch = pytest.importorskip("torch")

F = tg.nn.functional
OURS = {"AddmmBackward0", "MmBackward0", "MvBackward0", "BmmBackward0", "DotBackward0",
        "NllLossBackward0", "NllLoss2DBackward0", "MseLossBackward0", "EmbeddingBackward0",
        "EinsumBackward0", "BinaryCrossEntropyBackward0"}  # fmt: skip


def _linear(x, w, b):
    return F.linear(x, w, b)


def _linear_no_bias(x, w):
    return F.linear(x, w)


def _nll(**kwargs):
    def loss(x, target=None):
        return F.nll_loss(x.log_softmax(1 if x.dim() > 1 else 0), tg.tensor(target), **kwargs)

    return loss


def _labels(*values):
    return np.array(values, np.int64)


# (name, function of the tensors, input shapes, keyword arguments)
# fmt: off
CASES = [
    ("linear", _linear, [(4, 3), (2, 3), (2,)], {}),
    ("linear_wide", _linear, [(300, 40), (20, 40), (20,)], {}),
    ("linear_one_bias_for_all", _linear, [(4, 3), (2, 3), (1,)], {}),
    ("linear_1d_input", _linear, [(3,), (2, 3), (2,)], {}),
    ("linear_3d_input", _linear, [(2, 4, 3), (5, 3), (5,)], {}),
    ("linear_no_bias", _linear_no_bias, [(4, 3), (2, 3)], {}),
    ("nll_mean", _nll(), [(5, 3)], {"target": _labels(0, 2, 1, 1, 0)}),
    ("nll_sum", _nll(reduction="sum"), [(5, 3)], {"target": _labels(0, 2, 1, 1, 0)}),
    ("nll_none", _nll(reduction="none"), [(5, 3)], {"target": _labels(0, 2, 1, 1, 0)}),
    ("nll_ignore", _nll(ignore_index=1), [(5, 3)], {"target": _labels(0, 2, 1, 1, 0)}),
    ("nll_all_ignored", _nll(ignore_index=1), [(2, 3)], {"target": _labels(1, 1)}),
    ("nll_weighted",
     lambda x, w: F.nll_loss(x.log_softmax(1), tg.tensor([0, 2, 1, 1, 0]), w.detach().abs(),
                             ignore_index=2), [(5, 3), (3,)], {}),
    ("nll_spatial_none",
     lambda x: F.nll_loss(x.log_softmax(1), tg.tensor([[[0, 1], [2, 2]]]), reduction="none"),
     [(1, 3, 2, 2)], {}),
    ("nll_unbatched", _nll(), [(4,)], {"target": np.array(2)}),
    ("nll_spatial", _nll(), [(2, 3, 2, 2)], {"target": np.array([[[0, 1], [2, 2]],
                                                                  [[1, 0], [0, 1]]])}),
    ("cross_entropy", lambda x: F.cross_entropy(x, tg.tensor([0, 2, 1, 1])), [(4, 3)], {}),
    ("cross_entropy_smoothing",
     lambda x, w: F.cross_entropy(x, tg.tensor([0, 2, 1, 1]), weight=w.detach().abs(),
                                  label_smoothing=0.2), [(4, 3), (3,)], {}),
    ("mse_mean", lambda x, y: F.mse_loss(x, y), [(4, 3), (4, 3)], {}),
    ("mse_sum", lambda x, y: F.mse_loss(x, y, reduction="sum"), [(4, 3), (4, 3)], {}),
    ("mse_none", lambda x, y: F.mse_loss(x, y, reduction="none"), [(4, 3), (4, 3)], {}),
    ("mse_broadcast", lambda x, y: F.mse_loss(x, y), [(4, 1), (4, 3)], {}),
    ("bce", lambda x, y: F.binary_cross_entropy(x.sigmoid(), y.sigmoid()), [(4, 3), (4, 3)], {}),
    ("bce_weight_sum",
     lambda x, y, w: F.binary_cross_entropy(x.sigmoid(), y.sigmoid(), w.detach(),
                                            reduction="sum"), [(4, 3), (4, 3), (3,)], {}),
    ("embedding", lambda w: F.embedding(tg.tensor([[0, 2], [2, 3]]), w), [(4, 3)], {}),
    ("embedding_padding_freq",
     lambda w: F.embedding(tg.tensor([0, 2, 2, 3, 2]), w, padding_idx=3, scale_grad_by_freq=True),
     [(4, 3)], {}),
    ("einsum_three", lambda a, b, c: tg.einsum("ij,jk,kl->il", a, b, c),
     [(2, 3), (3, 4), (4, 2)], {}),
]
# fmt: on


def _gradients(fn, arrays, kwargs, upstream):
    inputs = [tg.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*inputs, **kwargs)
    out.backward(tg.tensor(upstream))
    return [None if t.grad is None else t.grad.numpy() for t in inputs]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,fn,shapes,kwargs", CASES, ids=[c[0] for c in CASES])
def test_array_pass_equals_tensor_pass(name, fn, shapes, kwargs, monkeypatch, dtype):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    with tg.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mse_broadcast warns, as PyTorch does
        out = fn(*[tg.tensor(a) for a in arrays], **kwargs)
    upstream = rng.standard_normal(tuple(out.shape)).astype(dtype)
    wrapped = []
    call_wrapped = engine._call_wrapped

    def spy(node, *args):
        wrapped.append(node.name())
        return call_wrapped(node, *args)

    monkeypatch.setattr(engine, "_call_wrapped", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = _gradients(fn, arrays, kwargs, upstream)
        assert not OURS.intersection(wrapped), "these nodes fell back to the Tensor backward"
        with tensor_pass():
            slow = _gradients(fn, arrays, kwargs, upstream)
    for i, (a, b) in enumerate(zip(fast, slow)):
        assert (a is None) == (b is None), f"input {i}"
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, f"input {i}"
            np.testing.assert_array_equal(a, b, err_msg=f"gradient of input {i}")


def _networks(lib):
    nn = lib.nn
    small = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    deep = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 1))
    return small, deep


def _training_steps(lib, tensor_pass_on: bool):
    lib.manual_seed(0)
    small, deep = _networks(lib)
    rng = np.random.default_rng(1)
    x1, y1 = lib.tensor(rng.standard_normal((4, 2)).astype(np.float32)), lib.tensor([0, 1, 1, 0])
    x2 = lib.tensor(rng.standard_normal((8, 6)).astype(np.float32))
    y2 = lib.tensor(rng.standard_normal((8, 1)).astype(np.float32))
    opts = [lib.optim.SGD(small.parameters(), lr=0.1), lib.optim.SGD(deep.parameters(), lr=0.05)]
    for _ in range(3):
        for opt in opts:
            opt.zero_grad()
        losses = [F.cross_entropy(small(x1), y1), F.mse_loss(deep(x2), y2)]
        for loss in losses:
            if tensor_pass_on:
                with tensor_pass():
                    loss.backward()
            else:
                loss.backward()
        for opt in opts:
            opt.step()
    return [p.detach().numpy() for m in (small, deep) for p in m.parameters()]


def test_training_steps_are_bit_identical_in_both_passes():
    for fast, slow in zip(_training_steps(tg, False), _training_steps(tg, True)):
        np.testing.assert_array_equal(fast, slow)


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
