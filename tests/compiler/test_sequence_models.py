"""Recurrent and attention models compiled: an LSTM and a TransformerEncoder trained with Adam
give eager mode's losses, gradients and parameters bit for bit, with and without dropout, as
whole compiled steps and as compiled models whose loss, backward and optimizer stay eager."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from benchmarks.workloads import w6_lstm, w7_transformer
from tests.compiler.helpers import assert_same_bits, check_both, snapshot
from tinygrad_nn import nn


def _lstm_step(dropout: float, compile_model: bool = False):
    def make():
        tg.manual_seed(0)
        lstm, head = nn.LSTM(4, 6, num_layers=2, dropout=dropout), nn.Linear(6, 1)
        model = nn.ModuleList([lstm, head])
        run = tg.compile(lstm) if compile_model else lstm
        opt = tg.optim.Adam(model.parameters(), lr=1e-2)
        x, y = tg.randn(5, 3, 4), tg.randn(3, 1)

        def step():
            opt.zero_grad()
            out, (h, c) = run(x)
            loss = nn.functional.mse_loss(head(out[-1]), y) + 0.1 * c.square().mean()
            loss.backward()
            opt.step()
            return loss

        return step, model

    return make


def _encoder_step(dropout: float, compile_model: bool = False):
    def make():
        tg.manual_seed(0)
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=dropout,
                                           batch_first=True)  # fmt: skip
        encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        head = nn.Linear(8, 3)
        model = nn.ModuleList([encoder, head])
        run = tg.compile(encoder) if compile_model else encoder
        opt = tg.optim.Adam(model.parameters(), lr=1e-2)
        x, y = tg.randn(3, 5, 8), tg.tensor([0, 2, 1])

        def step():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(head(run(x).mean(dim=1)), y)
            loss.backward()
            opt.step()
            return loss

        return step, model

    return make


@pytest.mark.parametrize("dropout", [0.0, 0.4])
def test_lstm_step_compiled_whole_matches_eager(dropout):
    step = check_both(_lstm_step(dropout), steps=5)
    if dropout:  # the replay draws its masks from the generator, as eager mode does
        assert "bernoulli" in tg.compiler.code(step)


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_transformer_encoder_step_compiled_whole_matches_eager(dropout):
    step = check_both(_encoder_step(dropout), steps=5)
    if dropout:
        assert "bernoulli" in tg.compiler.code(step)


@pytest.mark.parametrize("make", [_lstm_step, _encoder_step], ids=["lstm", "encoder"])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_compiled_model_with_eager_loss_backward_and_adam(make, dropout):
    results = []
    for compiled in (False, True):
        step, model = make(dropout, compile_model=compiled)()
        losses = [step().detach().numpy().copy() for _ in range(5)]
        results.append((losses, snapshot(model)))
    assert_same_bits(results[0][0], results[1][0])
    assert_same_bits(results[0][1], results[1][1])


def test_compiled_lstm_returns_its_nested_outputs_with_gradients():
    tg.manual_seed(0)
    lstm = nn.LSTM(3, 4)
    compiled = tg.compile(lstm)
    x = tg.randn(2, 5, 3)
    for _ in range(2):  # trace, then replay
        out, (h, c) = compiled(x)
        assert out.grad_fn is not None and h.grad_fn is not None and c.grad_fn is not None
        assert out.shape == (2, 5, 4) and h.shape == c.shape == (1, 5, 4)
    eager_out, (eager_h, eager_c) = lstm(x)
    assert_same_bits([out.detach().numpy(), h.detach().numpy(), c.detach().numpy()],
                     [eager_out.detach().numpy(), eager_h.detach().numpy(),
                      eager_c.detach().numpy()])  # fmt: skip


def test_an_output_needing_a_gradient_in_a_dict_runs_eagerly():
    layer = nn.Linear(2, 2)
    compiled = tg.compile(lambda x: {"y": layer(x)})
    x = tg.randn(3, 2)
    for _ in range(2):
        out = compiled(x)["y"]
        assert out.grad_fn is not None  # not a compiled output cut off from the graph
    assert compiled.eager_reason is not None and "container" in compiled.eager_reason


@pytest.mark.parametrize("case", [w6_lstm, w7_transformer], ids=["W6", "W7"])
def test_benchmark_workload_compiled_whole_matches_eager(case):
    data = case.make_data(np.random.default_rng(0), 6)
    eager = case.lib_step(tg, data)
    compiled = tg.compile(case.lib_step(tg, data))
    assert_same_bits([eager().detach().numpy() for _ in range(4)],
                     [compiled().detach().numpy() for _ in range(4)])  # fmt: skip
    assert compiled.programs and compiled.eager_reason is None


def test_lstm_program_copies_each_transposed_hidden_weight_once():
    step = check_both(_lstm_step(0.0), steps=3)
    source = tg.compiler.code(step)
    # h @ W_hh^T at every time step: W_hh^T is copied row-major once per layer, and the
    # products read the copy (optimize.py, pass 6).
    copies = [line.split(" = ")[0].strip() for line in source.splitlines()
              if "np.ascontiguousarray(" in line]  # fmt: skip
    assert len(copies) == 2
    for name in copies:
        assert source.count("np.matmul(") >= source.count(f", {name})") >= 5
