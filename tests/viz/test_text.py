"""print_graph / format_graph: the text tree, its sharing, elision and limits."""

from __future__ import annotations

import io
import sys

import tinygrad_nn as tg
from tinygrad_nn import viz


def test_tree_of_a_small_graph():
    x = tg.randn(3, 4, requires_grad=True)
    b = tg.randn(4, requires_grad=True)
    y = (x * b).sum()
    assert viz.format_graph(y, names={x: "x", b: "b"}) == "\n".join(
        [
            "SumBackward0  () float32",
            "\u2514\u2500 MulBackward0  (3, 4) float32",
            "   \u251c\u2500 AccumulateGrad  x (3, 4) float32",
            "   \u2514\u2500 AccumulateGrad  b (4,) float32  [broadcast: grad sum over (0,)]",
        ]
    )


def test_shared_subgraph_is_printed_once_then_referenced():
    x = tg.randn(2, requires_grad=True)
    h = x.exp()
    y = h * h + h
    lines = viz.format_graph(y, params={"x": x}, names={h: "h"}).splitlines()
    assert lines[0] == "AddBackward0  (2,) float32"
    assert lines[2] == "\u2502  \u251c\u2500 ExpBackward0  h (2,) float32  [#1]"
    assert lines[3] == "\u2502  \u2502  \u2514\u2500 AccumulateGrad  x (2,) float32"
    assert lines[4:] == [
        "\u2502  \u2514\u2500 ExpBackward0  [#1] (shown above)",
        "\u2514\u2500 ExpBackward0  [#1] (shown above)",
    ]
    assert sum("AccumulateGrad" in line for line in lines) == 1


def test_several_outputs_and_constants():
    x = tg.randn(2, requires_grad=True)
    y = x * 2
    text = viz.format_graph([y, y.sum(), tg.ones(3)])
    assert text.splitlines() == [
        "MulBackward0  (2,) float32  [#1]",
        "\u2514\u2500 AccumulateGrad  (2,) float32",
        "SumBackward0  () float32",
        "\u2514\u2500 MulBackward0  [#1] (shown above)",
        "tensor  (3,) float32  (no graph: does not require grad)",
    ]


def test_multi_output_edges_name_the_output():
    x = tg.randn(3, 4, requires_grad=True)
    values, _ = x.max(dim=1)
    text = viz.format_graph(values.sum())
    assert "MaxBackward0  (3,) float32, (3,) int64" in text


def test_deep_chain_is_elided_with_a_count_and_no_recursion():
    limit = sys.getrecursionlimit()
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    lines = viz.format_graph(y, max_depth=4).splitlines()
    assert sys.getrecursionlimit() == limit
    assert len(lines) == 6
    assert lines[4] == "         \u2514\u2500 \u2026 (deeper inputs not shown)"
    assert lines[5] == "\u2026 99,997 nodes not shown (max_nodes=200, max_depth=4)"
    wide = viz.format_graph(y, max_nodes=3, max_depth=10**6).splitlines()
    assert len(wide) == 4 and wide[-1].startswith("\u2026 99,998 nodes not shown")


def test_print_graph_writes_to_a_file():
    x = tg.randn(2, requires_grad=True)
    out = io.StringIO()
    viz.print_graph(x.exp(), file=out, names={x: "x"})
    assert out.getvalue() == viz.format_graph(x.exp(), names={x: "x"}) + "\n"
