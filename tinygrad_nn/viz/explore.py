"""`viz.explore(loss)`: step through the backward pass in a browser, one node at a time.

    page = viz.explore(loss, params=dict(model.named_parameters()), path="out/backward.html")
    page                     # in Jupyter: shown inline; elsewhere open out/backward.html

The page is one self-contained HTML file (inline CSS and JavaScript, nothing fetched): the
graph as `draw_graph` draws it, "previous step" / "next step" buttons (or the arrow keys)
and a slider. Each step highlights the node that runs and shows the gradient arriving at it,
its rule, the gradient sent to each input (broadcast sums and a leaf's 1st, 2nd, ...
contribution noted), and marks nodes already run and gradients already final. The leaves
panel shows each leaf's `.grad` as it accumulates; at the last step it is what `backward()`
gives. `print(viz.trace_backward(loss))` prints the same steps as text.

Nothing's `.grad` changes: the steps come from `autograd.grad(..., retain_graph=True)`
watched by the engine's observer hook (see `steps.py`), and `loss.backward()` still works
afterwards. Without Graphviz's `dot` the graph is laid out in plain HTML, with a note.
"""

from __future__ import annotations

import html
import json
import math
import os
import sys

import numpy as np

from . import labels, walk
from .explore_page import CSS, PAGE, SCRIPT
from .fields import Fields
from .naming import Names
from .steps import BackwardSteps, backward_steps, names_in_scope
from .walk import is_leaf

_VALUES_LIMIT = 4096  # gradients up to this size carry their numbers in the page's data
NO_DOT_NOTE = (
    "Graphviz's `dot` program was not found, so the graph is laid out in plain "
    "HTML: leaves at the top, the output at the bottom, each op listing its inputs "
    "(install Graphviz for the drawing)."
)


class Explorer:
    """The page `explore` made: `.html` is the text, `.path` the file (if written).

    In Jupyter it displays inline (in an iframe, so its ids and script stay its own).
    """

    def __init__(self, page: str, steps: BackwardSteps, path: str | None, graph_mode: str):
        self.html, self.steps, self.path, self.graph_mode = page, steps, path, graph_mode

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="width:100%;height:720px;border:1px solid #ddd"></iframe>'
        )

    def __repr__(self) -> str:
        where = f" written to {self.path}" if self.path else ""
        return f"<Explorer: {len(self.steps.steps)} backward steps{where}>"


def explore(loss, params: dict | None = None, path=None, names: dict | None = None) -> Explorer:
    """A page that steps through the backward pass of `loss` (see the module docstring).

    Args:
        loss: the Tensor whose backward to follow (a scalar, or one with `grad_fn`).
        params: `{name: tensor}` naming leaves, e.g. `dict(model.named_parameters())`.
            Without `params` or `names`, the caller's variables name what they can.
        path: write the page there too (folders are created), e.g. "out/backward.html".
        names: `{tensor: name}` for any tensor of the graph.

    Returns:
        An `Explorer`: displays inline in Jupyter; `.html` is the page, `.path` the file.
    """
    if params is None and names is None:
        names = names_in_scope(sys._getframe(1).f_locals)
    steps = backward_steps(loss, params, names)
    graph, mode = _graph_html(loss, params, names, steps)
    page = _page(steps, graph, mode)
    if path is not None:
        path = os.fspath(path)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
    return Explorer(page, steps, path, mode)


# ---------------------------------------------------------------- the graph


def _graph_html(loss, params, names, steps: BackwardSteps) -> tuple:
    """`(html, "svg")` from Graphviz, or `(html, "fallback")` when `dot` is missing."""
    from .dot import draw_graph
    from .render import GraphvizNotFoundError, pipe

    drawing = draw_graph(loss, params=params, names=names, show_values=True)
    try:
        svg = pipe(drawing, format="svg").decode("utf-8")
    except GraphvizNotFoundError:
        return _fallback_layout(steps, Names(params, names)), "fallback"
    return svg[svg.find("<svg") :], "svg"


def _fallback_layout(steps: BackwardSteps, names: Names) -> str:
    """The graph as rows of boxes: leaves on top, the output's node at the bottom."""
    order = steps.order
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    say = Fields(names, True, False, False, outputs=set(), nodes=order)
    rows = {}
    for node, depth in _depths(order).items():
        rows.setdefault(depth, []).append(node)
    out = []
    for depth in sorted(rows, reverse=True):
        boxes = [_box(node, ids, say, names) for node in rows[depth]]
        out.append('<div class="row">' + "".join(boxes) + "</div>")
    note = f'<div class="note">{html.escape(NO_DOT_NOTE)}</div>'
    return note + '<div class="rows">' + "".join(out) + "</div>"


def _box(node, ids: dict, say: Fields, names: Names) -> str:
    fields, _ = say.leaf(node) if is_leaf(node) else say.op(node)
    text = "<br>".join(html.escape(f) for f in fields)
    inputs = [_input_name(child, names) for child, _ in node.next_functions if child is not None]
    if inputs:
        text += '<div class="inputs">inputs: ' + html.escape(", ".join(inputs)) + "</div>"
    kind = "gnode leafbox" if is_leaf(node) else "gnode"
    return f'<div class="{kind}" data-node="{ids[node]}">{text}</div>'


def _input_name(node, names: Names) -> str:
    if is_leaf(node):
        return names.of_node(node) or f"leaf {tuple(node._output_meta[0][0])}"
    return node.name()


def _depths(order: list) -> dict:
    """Longest distance of each node from the output (Kahn's order: no recursion)."""
    pending = walk.consumers(order)
    depth = {order[0]: 0}
    ready = [order[0]]
    while ready:
        node = ready.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            depth[child] = max(depth.get(child, 0), depth[node] + 1)
            pending[child] -= 1
            if pending[child] == 0:
                ready.append(child)
    return depth


# ---------------------------------------------------------------- the page


def _page(steps: BackwardSteps, graph: str, mode: str) -> str:
    total = len(steps.steps)
    leaves = "".join(
        f'<div class="leaf" id="leaf-{leaf.node_id}" data-node="{leaf.node_id}" '
        f'data-name="{html.escape(leaf.name)}">{html.escape(_empty(leaf))}</div>'
        for leaf in steps.leaves
    )
    data = json.dumps(step_data(steps)).replace("</", "<\\/")  # no early </script>
    how = (
        "Step with the buttons, the slider or the arrow keys. `print(viz.trace_backward"
        "(loss))` prints the same steps as text."
    )
    return PAGE.format(
        title="Backward, step by step",
        css=CSS,
        total=total,
        mode=mode,
        note="",
        graph=graph,
        leaves=leaves,
        data=data,
        script=SCRIPT,
        how=html.escape(how),
    )


def _empty(leaf) -> str:
    return f"{leaf.name}.grad {leaf.shape} = None (nothing arrived yet)"


def step_data(steps: BackwardSteps) -> dict:
    """What the page's script reads: every step's lines and numbers, every leaf's history."""
    total = len(steps.steps)
    return {
        "start": f"before backward: dL/dL = 1 arrives at the output; {total} steps to run",
        "steps": [_step_data(step, total) for step in steps.steps],
        "leaves": [_leaf_data(leaf) for leaf in steps.leaves],
    }


def _step_data(step, total: int) -> dict:
    """One step for the script: its lines (as the text prints them) and their numbers."""
    return {
        "node": step.node_id,
        "lines": step.lines(total),
        "grad_in": [_values(g) for g in step.grad_in],
        "flows": [{"target": f.target, "values": _values(f.grad)} for f in step.flows],
        "finished_ids": step.finished_ids,
    }


def _leaf_data(leaf) -> dict:
    """The leaf's `.grad` after each step that added to it; the last is backward()'s."""
    history, total = [], None
    for k, (number, g) in enumerate(leaf.contributions):
        total = g if total is None else total + g
        value = leaf.grad if k == len(leaf.contributions) - 1 and leaf.grad is not None else total
        text = f"{leaf.name}.grad {leaf.shape} = {labels.summarize(value)}"
        if len(leaf.contributions) > 1:
            text += f"  (after {k + 1} of {len(leaf.contributions)} contributions)"
        history.append({"step": number, "text": text, "values": _values(value)})
    return {
        "node": leaf.node_id,
        "empty": _empty(leaf),
        "final_at": leaf.final_at,
        "history": history,
    }


def _values(array):
    """Numbers for the page's data attributes: nested lists, NaN/inf as strings."""
    if array is None or array.size > _VALUES_LIMIT:
        return None
    if array.dtype.kind not in "fc":
        return np.asarray(array).tolist()
    flat = [v if math.isfinite(v) else str(v) for v in np.asarray(array, float).ravel().tolist()]
    return np.array(flat, dtype=object).reshape(array.shape).tolist()
