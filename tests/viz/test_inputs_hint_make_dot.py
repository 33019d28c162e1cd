"""draw_graph for learners: data inputs drawn, a hint instead of empty boxes, one name per
transpose, and torchviz's `make_dot` (checked on the DOT source; rendering needs `dot`)."""

from __future__ import annotations

import inspect
import shutil
from pathlib import Path

import pytest

import tinygrad_nn as tg
from tests.viz.dot_source import Dot
from tinygrad_nn import nn, viz


def _net_232():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    x, y = tg.tensor([[0.8, -0.4], [-1.2, 0.9]]), tg.tensor([0, 1])
    return model, x, y


def _inputs(dot) -> list:
    return [n for n, a in dot.nodes.items() if a["fillcolor"] == "white"]


def test_the_batch_is_drawn_as_an_input_of_the_first_addmm_and_can_be_hidden():
    model, x, y = _net_232()
    loss = nn.functional.cross_entropy(model(x), y)
    dot = Dot(viz.draw_graph(loss, names={x: "x"}, show_values=True).source)
    (box,) = _inputs(dot)
    assert dot.fields(box) == ["input x", "(2, 2) float32", "data [[0.8, -0.4], [-1.2, 0.9]]"]
    (first,) = [n for n in dot.find("AddmmBackward0") if "(2, 3) float32" in dot.fields(n)]
    assert len(dot.edges_between(box, first)) == 1
    hidden = Dot(viz.draw_graph(loss, names={x: "x"}, show_inputs=False).source)
    assert _inputs(hidden) == []


def test_inputs_recorded_inside_record_even_when_not_saved():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([5.0, 7.0])
    plain = Dot(viz.draw_graph((w + c).sum()).source)
    assert _inputs(plain) == []  # Add saves nothing: the input is not known
    with viz.record():
        loss = (w + c).sum() + (w * c).sum()  # c feeds two ops: one box, two edges
    dot = Dot(viz.draw_graph(loss, names={c: "c"}).source)
    (box,) = _inputs(dot)
    assert dot.fields(box)[0] == "input c" and len([e for e in dot.edges if e[0] == box]) == 2


def test_unrecorded_values_and_grads_say_how_to_get_them():
    model, x, y = _net_232()
    loss = nn.functional.cross_entropy(model(x), y)
    source = viz.draw_graph(loss, show_values=True, show_grads=True).source
    assert "values and gradients of intermediate results were not recorded" in source
    assert "with viz.record():" in source
    assert "not recorded" not in viz.draw_graph(loss).source  # nothing asked, nothing said
    with viz.record():
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
    assert "not recorded" not in viz.draw_graph(loss, show_values=True, show_grads=True).source


def test_a_transpose_is_titled_once():
    w = tg.ones(2, 3, requires_grad=True)
    for y, name in ((w.t(), "TBackward0"), (w.transpose(0, 1), "TransposeBackward0")):
        dot = Dot(viz.draw_graph(y.sum()).source)
        assert dot.fields("n1")[0] == name == y.grad_fn.name()
    assert Dot(viz.draw_graph((w * 2).sum()).source).fields("n1")[0] == "Mul \u00b7 MulBackward0"


def test_make_dot_has_torchvizs_signature():
    params = inspect.signature(viz.make_dot).parameters
    assert [(p.name, p.default) for p in params.values()] == [
        ("var", inspect.Parameter.empty),
        ("params", None),
        ("show_attrs", False),
        ("show_saved", False),
        ("max_attr_chars", 50),
    ]


def test_torchviz_code_runs_unchanged(tmp_path):
    model, x, _ = _net_232()
    y = model(x)
    # torchviz's README, word for word apart from the import
    dot = viz.make_dot(y.mean(), params=dict(model.named_parameters()))
    parsed = Dot(dot.source)
    leaves = sorted(
        parsed.fields(n)[0] for n, a in parsed.nodes.items() if a["fillcolor"] == "lightblue"
    )
    assert leaves == ["0.bias", "0.weight", "2.bias", "2.weight"]
    full = Dot(
        viz.make_dot(
            y.mean(),
            params=dict(model.named_parameters()),
            show_attrs=True,
            show_saved=True,
            max_attr_chars=12,
        ).source
    )
    assert any(
        f.startswith("bias_shap") and f.endswith("...") for n in full.nodes for f in full.fields(n)
    )
    assert [n for n, a in full.nodes.items() if a["fillcolor"] == "orange"]
    with pytest.raises(TypeError, match="params values must be Tensors"):
        viz.make_dot(y.mean(), params={"w": 1.0})
    if shutil.which("dot"):
        out = dot.render(str(tmp_path / "attached"), format="png")
        assert Path(out).read_bytes()[:4] == b"\x89PNG"
