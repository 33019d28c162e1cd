"""trace_backward: one step per node run, with the gradients in and out and the rule."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd

torch = pytest.importorskip("torch")


def _leaves(lib):
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    b = lib.tensor(rng.standard_normal(4), requires_grad=True)
    return a, b


def test_two_contributions_to_a_grad_sum_to_a_grad():
    a, b = _leaves(tg)
    loss = (a * b + a).sum()
    with autograd.trace_backward() as trace:
        loss.backward()
    parts = trace.contributions(a)
    assert len(parts) == 2
    np.testing.assert_array_equal(parts[0] + parts[1], a.grad.numpy())
    ta, tb = _leaves(torch)
    (ta * tb + ta).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12)
    text = str(trace)
    assert "accumulated into a.grad (1st contribution)" in text
    assert "accumulated into a.grad (2nd contribution)" in text
    assert "a.grad received 2 contributions" in text


def test_steps_in_execution_order_with_rules_and_broadcast_note():
    a, b = _leaves(tg)
    loss = (a * b + a).sum()
    with autograd.trace_backward() as trace:
        loss.backward()
    ops = [step.op for step in trace.steps]
    assert ops[:3] == ["SumBackward0", "AddBackward0", "MulBackward0"]
    assert sorted(ops[3:]) == ["AccumulateGrad", "AccumulateGrad"]
    mul = trace.steps[2]
    assert mul.output_shapes == ((3, 4),)
    assert mul.declared_rule == "dL/dx = g * y,   dL/dy = g * x"  # as Mul's docstring says
    assert mul.rule == "dL/da = g * b,   dL/db = g * a"  # in the names of the code
    np.testing.assert_array_equal(mul.grad_in[0], np.ones((3, 4)))
    to_a, to_b = mul.grad_out
    assert to_a.name == "x = a" and to_b.name == "y = b" and to_b.target == "b.grad"
    np.testing.assert_allclose(to_b.grad, a.detach().numpy().sum(0))
    assert "summed over axes (0,) because b (4,) was broadcast to (3, 4)" in to_b.notes
    text = str(trace)
    assert (
        text.index("[1] SumBackward0")
        < text.index("[2] AddBackward0")
        < text.index("[3] MulBackward0")
    )
    assert "rule:" in text and "grad in:" in text and "grad out:" in text


def test_large_gradients_are_summarised_and_names_can_be_given():
    x = tg.randn(20, 30, requires_grad=True)
    h = x.tanh()
    with autograd.trace_backward(names={"x": x, "h": h}) as trace:
        h.mean().backward()
    text = str(trace)
    assert "shape (20, 30): mean" in text
    tanh = trace.steps[1]
    assert tanh.op == "TanhBackward0" and tanh.grad_out[0].target == "x.grad"
    assert tanh.rule == "dL/dx = g * (1 - y^2)"  # y: tanh's output, not an argument


def test_docstring_rule_and_missing_rule_of_user_functions():
    class Square(autograd.Function):
        """y = x^2, elementwise.   dL/dx = g * 2 x."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    class Twice(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with autograd.trace_backward() as trace:
        Twice.apply(Square.apply(x)).sum().backward()
    rules = {step.op: step.rule for step in trace.steps}
    assert rules["SquareBackward"] == "dL/dx = g * 2 x"
    assert "no rule stated" in rules["TwiceBackward"]
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])  # d(2 x^2)/dx


def test_locations_appear_when_recorded_and_hooks_are_removed():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with autograd.record_graph():
        y = (x * 3).sum()  # recorded line
    with autograd.trace_backward() as trace:
        y.backward()
    assert "test_debug_trace.py" in str(trace.steps[0].location)
    assert "created at test_debug_trace.py" in str(trace)
    from tinygrad_nn.autograd.function import observers

    assert not observers.on_backward and not observers.on_accumulate


def test_rules_read_in_the_names_of_the_code_even_when_they_swap():
    from tinygrad_nn.debug.trace import with_names

    rule = "dL/dx = g * y,   dL/dy = g * x"
    assert with_names(rule, {"x": "y", "y": "x"}) == "dL/dy = g * x,   dL/dx = g * y"
    assert with_names(rule, {"x": "w1"}) == "dL/dw1 = g * y,   dL/dy = g * w1"
    assert with_names("dL/dxs[i] = g", {"xs": "parts"}) == "dL/dparts[i] = g"
    assert with_names("dL/dx = g * dx_max", {"x": "a"}) == "dL/da = g * dx_max"
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    with autograd.trace_backward() as trace:
        (x * w).sum().backward()
    assert trace.steps[1].rule == "dL/dx = g * w,   dL/dw = g * x"
    assert "rule:      dL/dx = g * w,   dL/dw = g * x" in str(trace)
