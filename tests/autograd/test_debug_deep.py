"""Every debugging tool walks a 100,000-op chain at the default recursion limit."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd

N = 100_000


class Halve(autograd.Function):
    """y = x / 2 whose backward forgets the 1/2."""

    @staticmethod
    def forward(ctx, x):
        return x * 0.5

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_check_graph_and_trace_on_a_long_chain():
    assert sys.getrecursionlimit() <= 1000 + 50  # nothing raised it for us
    x = tg.tensor([0.5, 2.0], requires_grad=True)
    with autograd.record_graph():
        y = Halve.apply(x)  # the deepest node: recorded, so it can be recomputed
    middle = None
    for i in range(N):  # not recorded (faster to build), but walked
        y = y * 1.0
        if i == N // 2:
            middle = y
            middle.retain_grad()
    loss = y.sum()
    report = autograd.check_graph(loss, only="HalveBackward")
    assert report.checked == 1 and [f.op for f in report.failures] == ["HalveBackward"]
    assert report.failures[0].analytical == pytest.approx(2 * report.failures[0].numerical)
    with autograd.trace_backward() as trace:
        loss.backward()
    assert len(trace.steps) == N + 3  # sum, N muls, Halve, AccumulateGrad
    assert trace.steps[-2].op == "HalveBackward" and trace.steps[-1].op == "AccumulateGrad"
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(middle.grad.numpy(), [1.0, 1.0])
    assert "[100003] AccumulateGrad" in str(trace.steps[-1])


def test_where_trap_found_through_a_long_chain():
    x = tg.tensor([-1.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly():
        h = x.sqrt()
        with autograd.set_detect_anomaly(False):  # the chain needs no forward stacks
            for _ in range(N):
                h = h * 1.0
        loss = tg.where(x > 0, h, x).sum()
        with pytest.raises(RuntimeError) as info:
            loss.backward()
    message = str(info.value)
    assert message.startswith("Function 'SqrtBackward0' returned nan values")
    assert "`where` trap" in message  # found by walking from where() down 100,000 nodes


def test_retain_grads_and_the_inplace_error_through_a_long_chain():
    # Neither tool walks the graph (retain_grads works as ops are made, the in-place error
    # reads two records), so a tenth of the chain keeps the retained one cheap.
    n = N // 10
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with autograd.retain_grads():
        chain = [x * 1.0]
        for _ in range(n - 1):
            chain.append(chain[-1] * 2.0 if len(chain) == n // 2 else chain[-1] * 1.0)
    chain[-1].sum().backward()
    assert all(t.grad is not None for t in chain[:: n // 100])  # every intermediate kept one
    np.testing.assert_array_equal(chain[0].grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(chain[-1].grad.numpy(), [1.0, 1.0])
    assert autograd.compare(np.full(2, 2.0), x.grad, verbose=False).exact
    del chain

    a = tg.tensor([1.0, 2.0], requires_grad=True)
    with autograd.record_graph():
        h = a.sigmoid()  # saved, at the bottom of the chain
        h.mul_(2)  # changed in place
    y = h
    for _ in range(N):
        y = y * 1.0
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    message = str(info.value)
    assert "saved by SigmoidBackward0, created at test_debug_deep.py:" in message
    assert "h = a.sigmoid()" in message and "changed in place by mul_" in message
