"""viz.explore / viz.trace_backward: the steps of backward, as data, text and a page.

The browser half (clicking through the page) is in test_explore_browser.py; here the step
data is checked against backward() and PyTorch, and the page's text without a browser.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import viz
from tinygrad_nn.debug.trace import rule_of
from tinygrad_nn.viz import steps as steps_module

torch = pytest.importorskip("torch")

X = [[0.8, -0.4], [-1.2, 0.9]]
Y = [0, 1]


def _net_232(lib, seed: int = 0):
    """The README's 2-3-2 network and its cross-entropy loss on two examples."""
    lib.manual_seed(seed)
    model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 2))
    loss = lib.nn.functional.cross_entropy(model(lib.tensor(X)), lib.tensor(Y))
    return model, loss


def _page_data(page: str) -> dict:
    text = re.search(
        r'<script type="application/json" id="steps-data">(.*?)</script>', page, re.DOTALL
    )
    return json.loads(text.group(1).replace("<\\/", "</"))


def test_leaf_grads_equal_backward_and_torch_and_dot_grad_is_untouched():
    model, loss = _net_232(tg)
    steps = viz.trace_backward(loss, params=dict(model.named_parameters()))
    assert all(p.grad is None for p in model.parameters())  # nothing written
    loss.backward()  # the graph was kept: backward still works
    ref_model, ref_loss = _net_232(torch)
    ref_loss.backward()
    expected = {name: p.grad.numpy() for name, p in ref_model.named_parameters()}
    assert {leaf.name for leaf in steps.leaves} == set(expected)
    for leaf in steps.leaves:
        param = dict(model.named_parameters())[leaf.name]
        np.testing.assert_array_equal(leaf.grad, param.grad.numpy())
        np.testing.assert_allclose(leaf.grad, expected[leaf.name], rtol=1e-6, atol=1e-7)


def test_existing_grad_keeps_its_object_and_values():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    before, values = w.grad, w.grad.numpy().copy()
    version = before._version
    viz.trace_backward((w * w).sum())
    assert w.grad is before and before._version == version
    np.testing.assert_array_equal(w.grad.numpy(), values)


def test_retained_intermediate_grad_is_restored():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    viz.trace_backward((h * h).sum())
    assert h.grad is None and x.grad is None


def test_second_contribution_and_broadcast_sum_are_noted():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor(3.0, requires_grad=True)
    steps = viz.trace_backward((a * b * a).sum())
    text = str(steps)
    assert "1st contribution to a.grad" in text and "2nd contribution to a.grad" in text
    assert "grad_y -> b.grad (): 5  (broadcast: summed over (0,); 1st contribution" in text
    leaf_a = next(leaf for leaf in steps.leaves if leaf.name == "a")
    assert len(leaf_a.contributions) == 2
    np.testing.assert_array_equal(sum(g for _, g in leaf_a.contributions), leaf_a.grad)
    np.testing.assert_array_equal(leaf_a.grad, [6.0, 12.0])  # d/da (3 a^2) = 6a


def test_steps_run_in_the_engines_order_with_rules_from_the_ops():
    model, loss = _net_232(tg)
    steps = viz.trace_backward(loss, params=dict(model.named_parameters()))
    titles = [s.title for s in steps.steps]
    assert titles == ["NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0", "TBackward0",
                      "ReluBackward0", "AddmmBackward0", "TBackward0"]  # fmt: skip
    addmm = steps.steps[2]
    assert addmm.rule == rule_of(SimpleNamespace(_fn=tg.ops.linalg.Addmm))  # its docstring's
    assert "dL/dx = g @ y^T" in addmm.rule
    assert [f.arg for f in addmm.flows] == ["bias", "x", "y"]
    assert "final now: 2.bias.grad" in "\n".join(addmm.lines(7))
    first_addmm = steps.steps[5]
    assert first_addmm.flows[1].line() == "grad_x: none (a data input needs no gradient)"


def test_rule_comes_through_one_function(monkeypatch):
    monkeypatch.setattr(steps_module, "rule_text", lambda node: f"RULE OF {node.name()}")
    _, loss = _net_232(tg)
    page = viz.explore(loss).html
    assert "rule: RULE OF AddmmBackward0" in page


def test_text_and_page_agree_step_for_step(tmp_path):
    model, loss = _net_232(tg)
    params = dict(model.named_parameters())
    text = str(viz.trace_backward(loss, params=params))
    page = viz.explore(loss, params=params, path=tmp_path / "sub" / "backward.html")
    assert page.path == str(tmp_path / "sub" / "backward.html")
    data = _page_data(Path(page.path).read_text(encoding="utf-8"))
    blocks = text.split("\n\n")[1:-1]
    assert len(blocks) == len(data["steps"]) == 7
    for block, step in zip(blocks, data["steps"]):
        assert block.splitlines() == step["lines"]
    last_lines = text.split("\n\n")[-1].splitlines()[1:]
    shown = [leaf["history"][-1]["text"] for leaf in data["leaves"]]
    assert shown == last_lines


def test_page_is_self_contained_and_shows_inline():
    _, loss = _net_232(tg)
    page = viz.explore(loss)
    assert page.path is None and page.graph_mode == "svg"
    assert "<script src" not in page.html and "<link" not in page.html
    assert not re.search(r"""(src|href)=["']https?:""", page.html)
    assert "@import" not in page.html and "fetch(" not in page.html
    inline = page._repr_html_()
    assert inline.startswith("<iframe srcdoc=") and "&lt;svg" in inline


def test_fallback_layout_without_dot(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on it
    model, loss = _net_232(tg)
    page = viz.explore(loss, params=dict(model.named_parameters()))
    assert page.graph_mode == "fallback"
    assert "was not found, so the graph is laid out in plain HTML" in page.html
    assert "<svg" not in page.html
    for i in range(11):  # every node of the graph has a box the script can colour
        assert f'data-node="n{i}"' in page.html


def test_names_come_from_the_callers_variables():
    weight = tg.tensor([[1.0, -1.0]], requires_grad=True)
    inputs = tg.tensor([[2.0], [3.0]])
    text = str(viz.trace_backward((inputs @ weight).relu().sum()))
    assert "weight.grad (1, 2) = [[5, 0]]" in text


def test_large_gradients_are_summarised_and_nan_survives_the_page():
    w = tg.tensor(np.linspace(-1, 1, 20, dtype=np.float32), requires_grad=True)
    bad = tg.tensor([float("nan"), 1.0], requires_grad=True)
    loss = (w * 2).sum() + (bad * 1).sum()
    text = str(viz.trace_backward(loss, params={"w": w, "bad": bad}))
    assert "w.grad (20,) = min 2  mean 2  max 2" in text
    data = _page_data(viz.explore(loss, params={"w": w, "bad": bad}).html)
    assert data["steps"][0]["grad_in"][0] == 1.0


def test_after_backward_freed_the_graph_it_says_why():
    _, loss = _net_232(tg)
    loss.backward()
    with pytest.raises(RuntimeError, match="must run before backward"):
        viz.trace_backward(loss)
