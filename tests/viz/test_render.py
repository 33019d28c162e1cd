"""Rendering through Graphviz's `dot`, and the clear error when `dot` is missing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import tinygrad_nn as tg
from tinygrad_nn import viz


def _graph():
    x = tg.randn(3, 4, requires_grad=True)
    b = tg.randn(4, requires_grad=True)
    with viz.record():
        y = (x * b).relu().sum()
        y.backward()
    return viz.draw_graph(y, names={x: "x", b: "b<1>"}, show_values=True, show_grads=True)


def _svg_texts(svg: str) -> list:
    root = ET.fromstring(svg)
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_render_svg_has_the_node_texts(tmp_path):
    path = viz.render(_graph(), tmp_path / "graph.svg")
    assert path.endswith("graph.svg") and sorted(p.name for p in tmp_path.iterdir()) == [
        "graph.svg"
    ]
    texts = _svg_texts((tmp_path / "graph.svg").read_text())
    for expected in [
        "x",
        "b<1>",
        "(3, 4) float32",
        "Mul \u00b7 MulBackward0",
        "Relu \u00b7 ReluBackward0",
        "Sum \u00b7 SumBackward0",
        "output",
        "sum over (0,)",
        "grad 1",
    ]:
        assert expected in texts, expected


def test_png_and_pdf_and_pipe(tmp_path):
    graph = _graph()
    assert viz.render(graph, tmp_path / "g", format="png").endswith("g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    viz.render(graph, tmp_path / "g.pdf", format="pdf")
    assert (tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert b"MulBackward0" in viz.pipe(graph)
    assert "MulBackward0" in graph.pipe(format="svg").decode()  # the Digraph's own API works
    assert "MulBackward0" in graph._repr_image_svg_xml()  # what Jupyter displays


def test_missing_dot_still_gives_the_source_and_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` anywhere
    graph = _graph()
    assert "MulBackward0" in graph.source
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz") as info:
        viz.render(graph, tmp_path / "graph.svg")
    assert "brew install graphviz" in str(info.value) and isinstance(info.value, RuntimeError)
    with pytest.raises(viz.GraphvizNotFoundError, match="conda install graphviz"):
        viz.pipe(graph)
    assert not (tmp_path / "graph.svg").exists()


def test_the_digraphs_own_render_and_pipe_explain_a_missing_dot(tmp_path, monkeypatch):
    import graphviz

    graph = _graph()
    assert isinstance(graph, graphviz.Digraph)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(viz.GraphvizNotFoundError, match="apt-get install graphviz"):
        graph.render(tmp_path / "graph", format="svg")
    with pytest.raises(graphviz.ExecutableNotFound, match="brew install graphviz"):
        graph.pipe(format="png")  # code catching graphviz's own error still catches it
    with pytest.raises(viz.GraphvizNotFoundError):
        graph._repr_mimebundle_()  # Jupyter's display


def test_svg_is_the_same_file_on_every_render(tmp_path):
    graph = _graph()
    first = viz.render(graph, tmp_path / "a.svg")
    second = viz.render(graph, tmp_path / "b.svg")
    data = (tmp_path / "a.svg").read_bytes()
    assert data == (tmp_path / "b.svg").read_bytes() and first != second
    assert b"graphviz version" not in data and b"graphviz version" not in viz.pipe(graph)
    assert b"<title>autograd</title>" in data
