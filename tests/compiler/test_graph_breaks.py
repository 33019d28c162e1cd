"""Graph breaks: `.item()`, `.tolist()`, `print`, `.numpy()`, a Python `if` on a tensor.
The function runs eagerly with the same results; `fullgraph=True` raises instead."""

from __future__ import annotations

import pytest

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits
from tinygrad_nn import nn


def _setup():
    tg.manual_seed(0)
    model = nn.Linear(3, 1)
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    return model, opt, tg.randn(4, 3), tg.randn(4, 1)


def _train(break_kind, compiled, fullgraph=False):
    model, opt, x, y = _setup()
    log = []

    def step():
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        if break_kind == "item":
            log.append(loss.item())
        elif break_kind == "if":
            if loss > 0.5:  # data-dependent control flow
                loss = loss * 2
        elif break_kind == "tolist":
            log.append(model.weight.tolist())
        elif break_kind == "numpy":
            log.append(loss.detach().numpy().copy())
        elif break_kind == "print":
            print(loss)
        loss.backward()
        opt.step()
        return loss

    step = tg.compile(step, fullgraph=fullgraph) if compiled else step
    losses = [step().detach().numpy().copy() for _ in range(4)]
    return losses + [p.detach().numpy().copy() for p in model.parameters()], log, step


@pytest.mark.parametrize("kind", ["item", "if", "tolist", "numpy", "print"])
def test_graph_break_runs_eagerly_with_the_same_results(kind, capsys):
    eager, eager_log, _ = _train(kind, False)
    compiled, log, step = _train(kind, True)
    assert_same_bits(eager, compiled)
    assert repr(eager_log) == repr(log)
    assert step.eager_reason is not None and not step.programs


@pytest.mark.parametrize("kind", ["item", "if", "print"])
def test_fullgraph_raises(kind):
    with pytest.raises(RuntimeError, match="fullgraph=True") as info:
        _train(kind, True, fullgraph=True)
    assert isinstance(info.value, tg.compiler.Unsupported)


def test_a_library_check_is_replayed_as_an_assumption():
    # cross_entropy checks its targets to pick a fast path: the program checks it each call,
    # and an ignore_index in the targets later takes the other path (traced again).
    tg.manual_seed(1)
    model = nn.Linear(3, 4)

    @tg.compile
    def loss_of(x, y):
        return nn.functional.cross_entropy(model(x), y, ignore_index=3)

    x = tg.randn(5, 3)
    y1, y2 = tg.tensor([0, 1, 2, 0, 1]), tg.tensor([0, 3, 2, 3, 1])
    for y in (y1, y2, y1, y2):
        got = loss_of(x, y)
        want = nn.functional.cross_entropy(model(x), y, ignore_index=3)
        assert_same_bits([got.detach().numpy()], [want.detach().numpy()])
