"""Seeing the graph: drawings, text trees and summaries of what autograd recorded.

    import tinygrad_nn as torch
    from tinygrad_nn import viz

    with viz.record():                       # optional: notes intermediate values/grads
        loss = loss_fn(model(x), y)          # and which module ran each op
        loss.backward(retain_graph=True)
    viz.print_graph(loss)                    # text, needs nothing
    print(viz.graph_summary(loss))           # op counts, depth, saved-for-backward memory
    dot = viz.draw_graph(loss, show_values=True, show_grads=True, group_by_module=model)
    viz.render(dot, "graph.svg")             # needs Graphviz's `dot` program
    viz.explore(loss, path="out/backward.html")  # step through backward in a browser
    print(viz.trace_backward(loss))          # the same steps as text

The package imports without Graphviz; only `draw_graph` and `render` import the `graphviz`
Python package, and only rendering runs the `dot` program. Every view walks the graph with
an explicit stack or queue (`walk.py`), so deep graphs need no raised recursion limit.
"""

from __future__ import annotations

from .dot import draw_graph
from .explore import Explorer, explore
from .record import record
from .render import GraphvizNotFoundError, pipe, render
from .steps import BackwardSteps, trace_backward
from .summary import GraphSummary, graph_summary
from .text import format_graph, print_graph
from .torchviz import make_dot

__all__ = [
    "BackwardSteps",
    "Explorer",
    "GraphSummary",
    "GraphvizNotFoundError",
    "draw_graph",
    "explore",
    "format_graph",
    "graph_summary",
    "make_dot",
    "pipe",
    "print_graph",
    "record",
    "render",
    "trace_backward",
]
