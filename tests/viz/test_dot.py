"""draw_graph, checked on its DOT source (no `dot` program needed)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.viz.dot_source import Dot, record_fields
from tinygrad_nn import viz
from tinygrad_nn.viz import labels

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


def _mlp(lib, arrays):
    """A 2-3-2 MLP written with tensor ops; returns the loss and the named leaves."""
    x, w1, b1, w2, b2 = (lib.tensor(a, requires_grad=i > 0) for i, a in enumerate(arrays))
    h = (x @ w1.t() + b1).relu()
    y = h @ w2.T + b2
    loss = (y * y).mean()
    return loss, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


def _mlp_arrays():
    shapes = [(4, 2), (3, 2), (3,), (2, 3), (2,)]
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def _torch_names(root) -> list:
    """Names of every node of a torch graph, by an explicit-stack walk."""
    names, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        stack.extend(child for child, _ in node.next_functions)
    return sorted(names)


def test_mlp_nodes_labels_edges_and_colours():
    loss, params = _mlp(tg, _mlp_arrays())
    dot = Dot(viz.draw_graph(loss, params=params).source)
    leaves = {n: a for n, a in dot.nodes.items() if a["fillcolor"] == "lightblue"}
    assert sorted(dot.fields(n)[0] for n in leaves) == ["b1", "b2", "w1", "w2"]
    assert dot.fields(dot.named("w1")) == ["w1", "(3, 2) float32"]
    ops = [n for n, a in dot.nodes.items() if a["fillcolor"] == "lightgrey"]
    assert all(dot.nodes[n]["shape"] == "Mrecord" for n in ops)
    assert [dot.fields(n)[0] for n in ops][:2] == [
        "Mean \u00b7 MeanBackward0",
        "Mul \u00b7 MulBackward0",
    ]
    assert dot.fields(dot.find("MmBackward0")[0])[1] == "(4, 2) float32"
    (out,) = [n for n, a in dot.nodes.items() if a["fillcolor"] == "darkolivegreen1"]
    assert dot.fields(out) == ["output", "() float32"]
    assert dot.edges_between(dot.find("MeanBackward0")[0], out) == [{}]
    mul = dot.find("MulBackward0")[0]
    assert len(dot.edges_between(dot.find("AddBackward0")[0], mul)) == 2  # y * y: two edges
    n_edges = sum(
        c is not None for n in viz.walk.breadth_first([loss.grad_fn]) for c, _ in n.next_functions
    )
    inputs = [n for n, a in dot.nodes.items() if a["fillcolor"] == "white"]
    assert [dot.fields(n) for n in inputs] == [["input", "(4, 2) float32"]]  # the batch x
    first_mm = dot.find("MmBackward0")[-1]  # x @ w1.t(), the op farthest from the loss
    assert dot.edges_between(inputs[0], first_mm) == [{"color": "#888888"}]
    assert len(dot.edges) == n_edges + 1 + 1
    hidden = Dot(viz.draw_graph(loss, params=params, show_inputs=False).source)
    assert len(hidden.edges) == n_edges + 1 and not hidden.find("input")


def test_mlp_op_names_agree_with_grad_fn_and_with_torch():
    arrays = _mlp_arrays()
    loss, params = _mlp(tg, arrays)
    dot = Dot(viz.draw_graph(loss, params=params).source)
    drawn = [
        dot.fields(n)[0].split(" \u00b7 ")[-1]
        for n, a in dot.nodes.items()
        if a["fillcolor"] == "lightgrey"
    ]
    drawn += ["torch::autograd::AccumulateGrad"] * 4
    torch_loss, _ = _mlp(torch, arrays)
    assert sorted(drawn) == _torch_names(torch_loss.grad_fn)
    assert sorted(n.name() for n in viz.walk.breadth_first([loss.grad_fn])) == sorted(drawn)


def test_values_and_grads_small_and_large_match_torch():
    arrays = _mlp_arrays()
    loss, params = _mlp(tg, arrays)
    loss.backward()
    torch_loss, torch_params = _mlp(torch, arrays)
    torch_loss.backward()
    dot = Dot(viz.draw_graph(loss, params=params, show_values=True, show_grads=True).source)
    b1 = dot.fields(dot.named("b1"))
    want = torch_params["b1"].grad.numpy()
    assert b1[2] == "data " + labels.nested(arrays[2])
    assert b1[3] == "grad [" + ", ".join(f"{v:.4g}" for v in want) + "]"
    out = dot.named("output")
    assert dot.fields(out)[2:] == [f"data {torch_loss.item():.4g}"]  # its grad is not recorded
    big = tg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    fields = Dot(viz.draw_graph(big * 2, show_values=True).source).fields("n1")
    assert fields[-1] == "data min 0  mean 5.5  max 11"


def test_broadcast_edges_are_dashed_and_name_the_summed_axes():
    x = tg.randn(3, 4, requires_grad=True)
    b = tg.randn(4, requires_grad=True)
    c = tg.randn(3, 1, requires_grad=True)
    s = tg.tensor(2.0, requires_grad=True)
    y = (x + b) * c - s
    dot = Dot(viz.draw_graph(y, names={x: "x", b: "b", c: "c", s: "s"}).source)
    node = {name: dot.named(name) for name in ["x", "b", "c", "s"]}
    node.update(
        {name: dot.find(name)[0] for name in ["AddBackward0", "MulBackward0", "SubBackward0"]}
    )
    (plain,) = dot.edges_between(node["x"], node["AddBackward0"])
    assert plain == {}
    expected = [
        ("b", "AddBackward0", "sum over (0,)"),
        ("c", "MulBackward0", "sum over (1,)"),
        ("s", "SubBackward0", "sum over (0, 1)"),
    ]
    for src, dst, label in expected:
        (edge,) = dot.edges_between(node[src], node[dst])
        assert edge["label"] == label and edge["style"] == "dashed"
        assert edge["color"] == viz.dot.BROADCAST
    assert dot.edges_between(node["AddBackward0"], node["MulBackward0"]) == [{}]


def test_batched_matmul_is_drawn_as_pytorch_records_it():
    # A stack of matrices times a matrix: PyTorch folds the stack into the rows of one mm
    # (ViewBackward0 -> MmBackward0 -> UnsafeViewBackward0); the matrix meets mm directly, so
    # no edge needs a "sum over" label. A batch that must be broadcast is an ExpandBackward0.
    a = tg.randn(2, 3, 4, requires_grad=True)
    w = tg.randn(4, 5, requires_grad=True)
    p = tg.randn(3, 1, requires_grad=True)
    q = tg.randn(1, 4, requires_grad=True)
    dot = Dot(viz.draw_graph((a @ w, p @ q), names={a: "a", w: "w", p: "p", q: "q"}).source)
    (view,) = [n for n in dot.find("ViewBackward0") if "Unsafe" not in dot.fields(n)[0]]
    (unsafe,) = dot.find("UnsafeViewBackward0")
    mm_a, mm_pq = sorted(
        dot.find("MmBackward0"), key=lambda n: bool(dot.edges_between(dot.named("p"), n))
    )
    assert dot.edges_between(dot.named("a"), view) == [{}]
    assert dot.edges_between(view, mm_a) == [{}] and dot.edges_between(mm_a, unsafe) == [{}]
    assert dot.edges_between(dot.named("w"), mm_a) == [{}]
    assert dot.edges_between(dot.named("p"), mm_pq) == [{}]  # (3,1)@(1,4) is no broadcast
    assert sorted(dot.fields(n)[0] for n in dot.find("output")) == ["output 0", "output 1"]
    b = tg.randn(5, 1, 4, 2, requires_grad=True)
    dot = Dot(viz.draw_graph(a[None] @ b, names={a: "a", b: "b"}).source)
    assert len(dot.find("ExpandBackward0")) == 2 and len(dot.find("BmmBackward0")) == 1


def test_fan_out_draws_a_shared_node_once_with_one_edge_per_use():
    x = tg.randn(5, requires_grad=True)
    h = x.exp()
    y = h * h + h.sin()
    dot = Dot(viz.draw_graph(y, names={h: "h"}).source)
    (exp,) = dot.find("ExpBackward0")
    assert dot.fields(exp)[0] == "h"
    targets = sorted(dot.fields(d)[0] for s, d, _ in dot.edges if s == exp)
    assert targets == ["Mul \u00b7 MulBackward0"] * 2 + ["Sin \u00b7 SinBackward0"]
    assert len(dot.find("AccumulateGrad")) == 0 and len(dot.find("(5,) float32")) == 6


def test_nan_and_inf_get_a_red_border():
    x = tg.tensor([0.0, 1.0, 2.0], requires_grad=True)
    w = tg.tensor([1.0, 1.0, 1.0], requires_grad=True)
    with viz.record(), np.errstate(all="ignore"):
        y = x.log() * 0  # log(0) = -inf, and -inf * 0 = nan
        z = (y * w).sum()
        z.backward()
    source = viz.draw_graph(z, names={x: "x", w: "w"}, show_values=True, show_grads=True).source
    dot = Dot(source)
    red = {dot.fields(n)[0] for n, a in dot.nodes.items() if a.get("color") == "red"}
    assert red == {
        "Log \u00b7 LogBackward0",
        "Mul \u00b7 MulBackward0",
        "x",
        "w",
        "Sum \u00b7 SumBackward0",
        "output",
    }
    assert dot.nodes[dot.named("x")]["penwidth"] == "2.5"
    assert "data [-inf, 0, 0.6931]" in dot.fields(dot.find("LogBackward0")[0])
    plain = Dot(viz.draw_graph(z, names={x: "x", w: "w"}).source)  # no numbers, same outline
    assert {plain.fields(n)[0] for n, a in plain.nodes.items() if a.get("color") == "red"} == red
    assert not plain.find("data")


def test_nan_is_outlined_without_record_when_a_later_op_saved_the_value():
    x = tg.tensor([1.0, -1.0], requires_grad=True)
    w = tg.tensor([2.0, 3.0], requires_grad=True)
    with np.errstate(all="ignore"):
        y = x.log()  # nan at index 1; Mul below saves it for w's gradient
        z = (y * w).sum()
    dot = Dot(viz.draw_graph(z, show_values=True).source)
    log = dot.find("LogBackward0")[0]
    assert dot.nodes[log]["color"] == "red"
    assert "data [0, nan]" in dot.fields(log)
    clean = Dot(viz.draw_graph((x.exp() * w).sum()).source)
    assert all(a.get("color") != "red" for a in clean.nodes.values())


def test_max_nodes_elides_a_100000_op_chain_visibly_without_recursion():
    limit = sys.getrecursionlimit()
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    dot = Dot(viz.draw_graph(y, max_nodes=40).source)
    assert sys.getrecursionlimit() == limit
    assert len(dot.nodes) == 40 + 2  # 40 ops, the output, the elision note
    assert dot.nodes["elided"]["label"] == "\u2026 99,961 nodes not shown"
    assert dot.nodes["elided"]["style"] == "dashed"
    assert [(s, d) for s, d, _ in dot.edges if s == "elided"] == [("elided", "n39")]


def test_labels_with_record_characters_are_escaped():
    x = tg.randn(2, requires_grad=True)
    name = 'a{b}|c<d>"e\\f'
    dot = Dot(viz.draw_graph(x * 2, names={x: name}).source)
    assert dot.fields("n1") == [name, "(2,) float32"]
    assert record_fields(viz.labels.escape("x|y")) == ["x|y"]


def test_outputs_that_are_leaves_or_have_no_graph():
    x = tg.randn(2, requires_grad=True)
    dot = Dot(viz.draw_graph([x, x * 3], names={x: "x"}).source)
    assert dot.nodes[dot.named("x")]["fillcolor"] == "darkolivegreen1"
    assert dot.nodes[dot.named("output 1")]["fillcolor"] == "darkolivegreen1"
    const = Dot(viz.draw_graph(tg.ones(2)).source)
    assert list(const.nodes) == ["out0"] and const.edges == []
    with pytest.raises(TypeError, match="Tensor"):
        viz.draw_graph([x, 3])


def test_show_saved_then_freed_after_backward():
    x = tg.randn(3, requires_grad=True)
    w = tg.randn(3, requires_grad=True)
    y = (x * w).exp().sum()
    dot = Dot(viz.draw_graph(y, names={x: "x", w: "w"}, show_saved=True).source)
    saved = {n: dot.fields(n) for n, a in dot.nodes.items() if a["fillcolor"] == "orange"}
    assert sorted(f[0] for f in saved.values()) == ["saved output", "saved: w", "saved: x"]
    assert all(f[1:] == ["(3,) float32", "12 B"] for f in saved.values())
    for n in saved:
        (edge,) = [a for s, _, a in dot.edges if s == n]
        assert edge == {"dir": "none", "style": "dotted"}
    y.backward()
    after = Dot(viz.draw_graph(y, show_saved=True).source)
    assert not any(a["fillcolor"] == "orange" for a in after.nodes.values())
    assert after.fields(after.find("MulBackward0")[0])[-1] == "saved tensors freed"


def test_intermediate_values_and_grads_from_record_and_retain_grad():
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    with viz.record():
        h = x * 3
        y = (h * h).sum()
        y.backward()
    dot = Dot(viz.draw_graph(y, show_values=True, show_grads=True).source)
    h_fields = dot.fields(dot.find("(2,) float32")[1])
    assert h_fields[-2:] == ["data [3, -6]", "grad [6, -12]"]
    x2 = tg.tensor([1.0, -2.0], requires_grad=True)
    h2 = x2 * 3
    h2.retain_grad()
    y2 = (h2 * h2).sum()
    y2.backward()
    fields = Dot(viz.draw_graph(y2, show_grads=True).source).fields("n2")
    assert fields[-1] == "grad [6, -12]"


def test_in_place_change_after_recording_is_reported():
    x = tg.randn(2, requires_grad=True)
    with viz.record():
        h = x * 2
        y = h + 1
    h.add_(1.0)
    dot = Dot(viz.draw_graph(y, show_values=True).source)
    fields = dot.fields(dot.find("MulBackward0")[0])
    assert fields[-1] == "data " + labels.nested(h.detach().numpy()) + " (since changed in place)"
    assert not dot.fields(dot.find("AddBackward0")[0])[-1].endswith("in place)")


def test_left_to_right_layout_drops_the_record_braces():
    x = tg.randn(2, requires_grad=True)
    source = viz.draw_graph(x * 2, rankdir="LR").source
    assert "rankdir=LR" in source and 'label="Mul \u00b7 MulBackward0|(2,) float32"' in source


def test_importing_viz_does_not_import_graphviz():
    code = "import sys, tinygrad_nn.viz; assert 'graphviz' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=".")


def test_a_leaf_that_no_longer_exists_is_drawn_from_its_node():
    y = tg.randn(2, 3, requires_grad=True) * 2  # nothing else holds the leaf
    dot = Dot(viz.draw_graph(y, show_values=True, show_grads=True).source)
    assert dot.fields("n1") == ["(2, 3) float32", "leaf no longer exists"]
    assert viz.format_graph(y).splitlines()[1].endswith("(2, 3) float32  (leaf no longer exists)")
    assert viz.graph_summary(y).leaves == []
