"""draw_graph(group_by_module=...): clusters per module, folded boxes, and the recording rule."""

from __future__ import annotations

import tinygrad_nn as tg
from tests.viz.dot_source import Dot
from tinygrad_nn import viz
from tinygrad_nn.nn.containers import Sequential
from tinygrad_nn.nn.module import Module
from tinygrad_nn.nn.parameter import Parameter


class Affine(Module):
    """x @ W^T + b, written out so the test needs only Module and Parameter."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.weight = Parameter(tg.randn(n_out, n_in))
        self.bias = Parameter(tg.randn(n_out))

    def forward(self, x):
        return x @ self.weight.t() + self.bias


class Act(Module):
    """ReLU."""

    def forward(self, x):
        return x.relu()


class Block(Module):
    """Nested modules, and an op (the * 2) that belongs to the block itself."""

    def __init__(self):
        super().__init__()
        self.net = Sequential(Affine(2, 3), Act())
        self.out = Affine(3, 2)

    def forward(self, x):
        return self.out(self.net(x)) * 2


def _recorded_loss(model):
    with viz.record():
        loss = model(tg.randn(4, 2)).square().mean()
        loss.backward()
    return loss


def _op_titles(dot, ids) -> list:
    return sorted(dot.fields(n)[0] for n in ids if dot.nodes[n]["fillcolor"] == "lightgrey")


def test_one_cluster_per_module_nested_like_the_model():
    model = Block()
    dot = Dot(viz.draw_graph(_recorded_loss(model), group_by_module=model).source)
    assert set(dot.clusters) == {
        "Block",
        "net: Sequential",
        "net.0: Affine",
        "net.1: Act",
        "out: Affine",
    }
    assert _op_titles(dot, dot.clusters["net.0: Affine"]) == [
        "Add \u00b7 AddBackward0",
        "MatMul \u00b7 MmBackward0",
        "TBackward0",  # a transpose is titled once, by PyTorch's name
    ]
    assert _op_titles(dot, dot.clusters["net.1: Act"]) == ["Relu \u00b7 ReluBackward0"]
    leaves = [
        dot.fields(n)[0]
        for n in dot.clusters["out: Affine"]
        if dot.nodes[n]["fillcolor"] == "lightblue"
    ]
    assert sorted(leaves) == ["out.bias", "out.weight"]  # names from named_parameters()
    inner = dot.clusters["net.0: Affine"] | dot.clusters["net.1: Act"]
    assert dot.clusters["net: Sequential"] == inner
    block_only = (
        dot.clusters["Block"] - dot.clusters["net: Sequential"] - dot.clusters["out: Affine"]
    )
    assert _op_titles(dot, block_only) == ["Mul \u00b7 MulBackward0"]
    outside = set(dot.nodes) - dot.clusters["Block"]
    assert _op_titles(dot, outside) == [
        "Mean \u00b7 MeanBackward0",
        "PowScalar \u00b7 PowBackward0",
    ]


def test_fold_modules_draws_one_box_per_innermost_module():
    model = Block()
    dot = Dot(
        viz.draw_graph(_recorded_loss(model), group_by_module=model, fold_modules=True).source
    )
    boxes = {dot.fields(n)[0]: n for n in dot.nodes if n.startswith("m")}
    assert sorted(boxes) == ["net.0: Affine", "net.1: Act", "out: Affine"]
    assert dot.fields(boxes["out: Affine"]) == [
        "out: Affine",
        "TBackward0",
        "MmBackward0",
        "AddBackward0",
        "bias (2,) float32",
        "weight (2, 3) float32",
    ]
    assert set(dot.clusters) == {"Block", "net: Sequential"}
    assert dot.edges_between(boxes["net.0: Affine"], boxes["net.1: Act"]) == [{}]
    assert dot.edges_between(boxes["net.1: Act"], boxes["out: Affine"]) == [{}]
    mul = dot.find("MulBackward0")[0]
    assert dot.edges_between(boxes["out: Affine"], mul) == [{}]
    assert not any(s == d for s, d, _ in dot.edges)


def test_a_module_called_twice_keeps_one_cluster():
    layer = Affine(2, 2)
    model = Sequential(layer, Act(), layer)
    dot = Dot(viz.draw_graph(_recorded_loss(model), group_by_module=model).source)
    assert set(dot.clusters) == {"Sequential", "0: Affine", "1: Act"}
    assert len(dot.find("AddBackward0")) == 2
    assert set(dot.find("AddBackward0")) <= dot.clusters["0: Affine"]


def test_without_recording_modules_are_inferred_from_parameters_and_the_caption_says_so():
    model = Block()
    loss = model(tg.randn(4, 2)).sum()  # built normally: no viz.record()
    dot = Dot(viz.draw_graph(loss, group_by_module=model).source)
    affine = ["Add \u00b7 AddBackward0", "MatMul \u00b7 MmBackward0", "TBackward0"]
    assert _op_titles(dot, dot.clusters["net.0: Affine"]) == affine
    assert _op_titles(dot, dot.clusters["out: Affine"]) == affine
    assert "net.1: Act" not in dot.clusters  # no parameters: nothing to infer it from
    relu = dot.find("ReluBackward0")[0]
    assert relu in dot.clusters["Block"] and relu not in dot.clusters["net: Sequential"]
    assert dot.find("MulBackward0")[0] not in dot.clusters["Block"]
    source = viz.draw_graph(loss, group_by_module=model).source
    assert "inferred from their parameters" in source and "viz.record()" in source
    recorded = viz.draw_graph(_recorded_loss(model), group_by_module=model).source
    assert "inferred" not in recorded
    folded = Dot(viz.draw_graph(loss, group_by_module=model, fold_modules=True).source)
    boxes = sorted(folded.fields(n)[0] for n in folded.nodes if n.startswith("m"))
    assert boxes == ["net.0: Affine", "out: Affine"]
