"""check_graph: every node of a recorded graph against finite differences, naming the bad one."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.ops.op_table import OPS
from tinygrad_nn import autograd

torch = pytest.importorskip("torch")

HERE = os.path.basename(__file__)


def _line_of(marker: str) -> int:
    with open(__file__) as f:
        for number, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return number
    raise AssertionError(marker)


class GoodTanh(autograd.Function):
    """y = tanh(x).   dL/dx = g * (1 - y^2)."""

    @staticmethod
    def forward(ctx, x):
        y = tg.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


class BadTanh(GoodTanh):
    """tanh whose backward forgot the (1 - y^2) factor."""

    @staticmethod
    def backward(ctx, grad):
        return grad


def _weights(seed=0, layers=10, width=6):
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal((width, width)).astype(np.float32) * 0.6 for _ in range(layers)]
    bs = [rng.standard_normal(width).astype(np.float32) * 0.1 for _ in range(layers)]
    return ws, bs


def _ten_layers(lib, tanh, ws, bs, x):
    params = [
        (lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True))
        for w, b in zip(ws, bs)
    ]
    h = lib.tensor(x)
    for i, (w, b) in enumerate(params):
        h = h @ w + b
        if i == 6:
            h = tanh.apply(h)  # the buried op
        else:
            h = h.relu() if i % 2 else h.sigmoid()
    return (h * h).mean(), params


def test_names_the_buried_wrong_backward_and_its_line():
    ws, bs = _weights()
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    with autograd.record_graph():
        loss, _ = _ten_layers(tg, BadTanh, ws, bs, x)
    report = autograd.check_graph(loss)
    assert not report.ok
    assert [f.op for f in report.failures] == ["BadTanhBackward"]
    failure = report.failures[0]
    assert failure.location == f"{HERE}:{_line_of('# the buried op')}"
    assert failure.input_index == 0 and failure.input_shape == (4, 6)
    assert "tanh.apply(h)" in failure.source
    # The wrong backward passes g through; the true derivative scales it by 1 - y^2.
    y = np.tanh(failure.node.metadata["inputs"][0]._data.astype(np.float64))
    slope = 1 - y[failure.worst_index] ** 2
    assert failure.numerical == pytest.approx(failure.analytical * slope, rel=1e-5)
    text = str(report)
    assert "BadTanhBackward" in text and failure.location in text and "FAILED" in text


def test_the_correct_model_passes_and_matches_torch():
    ws, bs = _weights()
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    with autograd.record_graph():
        loss, params = _ten_layers(tg, GoodTanh, ws, bs, x)
    report = autograd.check_graph(loss)
    assert report.ok, str(report)
    assert report.checked == 32 and not report.skipped  # 10 x (matmul, add, act) + mul + mean
    # The graph checked is the real one: its gradients agree with PyTorch's.
    loss.backward()
    ref_loss, ref_params = _ten_layers(torch, _TorchTanh, ws, bs, x)
    ref_loss.backward()
    np.testing.assert_allclose(loss.item(), ref_loss.item(), rtol=1e-5)
    for (w, _), (rw, _) in zip(params, ref_params):
        np.testing.assert_allclose(w.grad.numpy(), rw.grad.numpy(), rtol=1e-4, atol=1e-6)


class _TorchTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


def test_raise_exception_and_callable_form():
    ws, bs = _weights(layers=3)
    x = np.ones((2, 6), np.float32)

    def build():
        h = tg.tensor(x)
        for w, b in zip(ws, bs):
            h = BadTanh.apply(h @ tg.tensor(w, requires_grad=True) + tg.tensor(b))
        return h.sum()

    with pytest.raises(autograd.GraphCheckError) as info:
        autograd.check_graph(build, raise_exception=True)
    assert isinstance(info.value, RuntimeError)
    assert len(info.value.report.failures) == 3
    assert "BadTanhBackward" in str(info.value)
    # Earliest first: the failures come in the order the ops ran.
    seqs = [f.node._seq for f in info.value.report.failures]
    assert seqs == sorted(seqs)


def test_a_users_function_is_checked_in_a_graph_built_normally():
    ws, bs = _weights()
    x = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    loss, _ = _ten_layers(tg, BadTanh, ws, bs, x)  # no record_graph()
    report = autograd.check_graph(loss)
    assert [f.op for f in report.failures] == ["BadTanhBackward"]
    assert report.failures[0].location == f"{HERE}:{_line_of('# the buried op')}"
    assert "tanh.apply(h)" in report.failures[0].source
    # The built-in ops whose inputs are leaves or saved values are checked too; the rest are
    # listed by name with the way to check them.
    assert report.checked > 10 and report.unrecorded
    assert "not checked, their inputs were not kept" in str(report)
    assert "record_graph()" in str(report)
    good, _ = _ten_layers(tg, GoodTanh, ws, bs, x)
    assert autograd.check_graph(good).ok


def test_built_in_ops_are_checked_from_the_values_the_graph_holds():
    x = tg.randn(3, 4, requires_grad=True)
    w = tg.randn(4, 2, requires_grad=True)
    loss = (x @ w).sigmoid().sum()  # matmul of two leaves; sigmoid saves only its output
    report = autograd.check_graph(loss)
    assert report.ok and report.checked == 1
    assert report.unrecorded == ["SigmoidBackward0", "SumBackward0"]
    loss.backward()  # frees the saved values; the leaves are still there
    assert autograd.check_graph(loss).checked == 1
    y = tg.randn(3, requires_grad=True)
    scaled = (y * 2).sum()  # Mul by a number: the number is not in the graph
    assert autograd.check_graph(scaled).checked == 0
    with pytest.raises(ValueError, match="no grad_fn"):
        autograd.check_graph(tg.ones(2).sum())


@pytest.mark.parametrize(
    "name, fn",
    [
        ("relu", lambda x: x.relu()),
        ("abs", lambda x: x.abs()),
        ("clamp", lambda x: x.clamp(0.0, 1.0)),
        ("amax_tie", lambda x: (x * 0).amax() + x.sum()),
        ("maximum_tie", lambda x: x.maximum(x.detach())),
        ("max_dim_tie", lambda x: tg.stack([x, x]).max(0).values),
    ],
)
def test_kinks_are_noted_not_reported(name, fn):
    x = tg.tensor([0.0, 1.0, -1.0, 0.0, 0.5], requires_grad=True)
    with autograd.record_graph():
        y = fn(x)
        loss = (y * tg.arange(1.0, y.numel() + 1).reshape(tuple(y.shape))).sum()
    report = autograd.check_graph(loss)
    assert report.ok, str(report)
    assert report.notes and "kink" in report.notes[0]


def test_a_wrong_gradient_next_to_a_kink_is_still_found():
    class BadRelu(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.relu()

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (x > 0) * 2  # twice too large where x > 0

    x = tg.tensor([0.0, 1.0, -1.0, 2.0], requires_grad=True)
    with autograd.record_graph():
        loss = BadRelu.apply(x).sum()
    report = autograd.check_graph(loss)
    assert [f.op for f in report.failures] == ["BadReluBackward"]
    assert report.failures[0].worst_index in [(1,), (3,)]
    assert "kink" in report.notes[0]


def test_every_builtin_op_passes():
    rng = np.random.default_rng(0)
    for op in OPS:
        for dtype in (np.float32, np.float64):
            for args in op.sample_inputs(tg, dtype, rng):
                with autograd.record_graph():
                    out = op.fn(*args)
                    out = out[0] if isinstance(out, (tuple, list)) else out
                    upstream = tg.tensor(rng.standard_normal(tuple(out.shape)).astype(dtype))
                    loss = (out * upstream).sum()
                report = autograd.check_graph(loss)
                assert report.ok and not report.skipped and not report.notes, (
                    f"{op.name} {dtype.__name__}\n{report}"
                )


def test_backward_that_raises_or_returns_a_bad_shape_is_a_failure():
    class Raises(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("oops")

    class WrongShape(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad.sum(0)

    x = tg.randn(3, 2, requires_grad=True)
    with autograd.record_graph():
        loss = WrongShape.apply(Raises.apply(x)).sum()
    report = autograd.check_graph(loss)
    assert [f.op for f in report.failures] == ["RaisesBackward", "WrongShapeBackward"]
    assert "ValueError: oops" in report.failures[0].error
    assert "shape" in report.failures[1].error
    assert "backward raised" in str(report)


def test_multi_output_function_and_second_input():
    class Both(autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y, x + y

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            x, y = ctx.saved_tensors
            return g_prod * y + g_sum, g_prod * x  # forgot g_sum for y

    x, y = tg.randn(4, requires_grad=True), tg.randn(4, requires_grad=True)
    with autograd.record_graph():
        p, s = Both.apply(x, y)
        loss = (p * 3 + s * s).sum()
    report = autograd.check_graph(loss)
    assert [(f.op, f.input_index) for f in report.failures] == [("BothBackward", 1)]


def test_skips_what_cannot_be_recomputed():
    class Noisy(autograd.Function):  # forward not a function of its inputs
        calls = 0

        @staticmethod
        def forward(ctx, x):
            Noisy.calls += 1
            return x * Noisy.calls

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = tg.randn(3, requires_grad=True)
    with autograd.record_graph():
        h = x * 1.5
        y = h.exp()
        loss = Noisy.apply(y).sum()
    with tg.no_grad():
        h.add_(1)  # after y used it
    report = autograd.check_graph(loss)
    assert report.ok
    text = "\n".join(report.skipped)
    assert "ExpBackward0" in text and "changed in place" in text
    assert "NoisyBackward" in text and "other values than recorded" in text


def test_inside_an_nn_model_the_location_is_the_users_layer():
    from tinygrad_nn import nn

    class Activation(nn.Module):
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

        def forward(self, x):
            return self.fn.apply(x)  # inside the user's layer

    tg.manual_seed(0)
    layers = []
    for i in range(10):
        layers += [nn.Linear(6, 6), Activation(BadTanh) if i == 6 else nn.ReLU()]
    model = nn.Sequential(*layers)
    x = tg.randn(4, 6)
    report = autograd.check_graph(lambda: model(x).pow(2).mean())
    assert [f.op for f in report.failures] == ["BadTanhBackward"]
    assert report.failures[0].location == f"{HERE}:{_line_of('# inside the user')}"
    layers[13] = Activation(GoodTanh)
    assert autograd.check_graph(lambda: nn.Sequential(*layers)(x).pow(2).mean()).ok
