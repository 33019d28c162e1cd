"""graph_summary: op counts, depth, saved-for-backward bytes, and the leaves that get .grad."""

from __future__ import annotations

import numpy as np

import tinygrad_nn as tg
from tinygrad_nn import viz


def _graph():
    x = tg.tensor(np.ones((4, 3), np.float32))
    w = tg.randn(3, 2, requires_grad=True)
    b = tg.randn(2, requires_grad=True)
    h = (x @ w + b).tanh()  # mm saves x (w needs grad); tanh saves its output
    return (h * h).mean(), w, b


def test_counts_depth_and_saved_bytes():
    loss, w, b = _graph()
    s = viz.graph_summary(loss, params={"w": w, "b": b})
    assert s.op_counts == {
        "MmBackward0": 1,
        "AddBackward0": 1,
        "TanhBackward0": 1,
        "MulBackward0": 1,
        "MeanBackward0": 1,
    }
    assert s.num_ops == 5 and s.depth == 5
    # mm: x (48 B); tanh: its output (32 B); h * h: h twice (the same 32 B array)
    assert s.saved_by_op["MmBackward0"] == (1, 48)
    assert s.saved_by_op["TanhBackward0"] == (1, 32)
    assert s.saved_by_op["MulBackward0"] == (2, 64)
    assert s.saved_arrays == 4 and s.saved_bytes == 48 + 32
    assert s.leaves == [("b", (2,), "float32"), ("w", (3, 2), "float32")]  # nearest first
    text = str(s)
    assert text.splitlines()[0] == "5 ops, depth 5, 2 leaves get .grad"
    assert "MulBackward0       1      2       64 B" in text
    assert "total              5      4       80 B  (distinct arrays)" in text
    assert text.endswith("leaves that receive gradients:\n  b  (2,) float32\n  w  (3, 2) float32")


def test_backward_frees_saved_arrays_unless_retain_graph():
    loss, _, _ = _graph()
    loss.backward(retain_graph=True)
    assert viz.graph_summary(loss).saved_bytes == 80
    loss.backward()
    s = viz.graph_summary(loss)
    assert s.saved_bytes == 0 and s.saved_arrays == 0 and s.num_ops == 5
    assert s.freed_ops == 3
    assert "3 ops already freed their saved arrays" in str(s)


def test_no_grad_builds_no_graph():
    with tg.no_grad():
        loss, _, _ = _graph()
    s = viz.graph_summary(loss)
    assert (s.num_ops, s.saved_bytes, s.leaves) == (0, 0, [])
    assert str(s).startswith("no graph")
    assert repr(s) == "GraphSummary(num_ops=0, depth=0, saved_arrays=0, saved_bytes=0, leaves=0)"


def test_depth_is_the_longest_path_with_branches():
    x = tg.randn(2, requires_grad=True)
    y = x.sin().sin().sin() + x  # longest path: add, sin, sin, sin
    s = viz.graph_summary(y)
    assert s.depth == 4 and s.num_ops == 4 and len(s.leaves) == 1
