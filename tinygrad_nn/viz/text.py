"""`print_graph` / `format_graph`: the graph as an indented tree of text, no Graphviz needed.

It is what walking `grad_fn.next_functions` by hand shows, one op per line with its output's
shape and dtype, the output at the top and the leaves at the bottom of each branch:

    SumBackward0  () float32
    └─ MulBackward0  (3, 4) float32
       ├─ AccumulateGrad  x (3, 4) float32
       └─ AccumulateGrad  b (4,) float32  [broadcast: grad sum over (0,)]

A node reached twice (fan-out in the forward pass) is printed once, tagged `[#1]`, and later
referenced as `[#1] (shown above)`. Depth and line limits elide the rest, and a final line
says how many nodes were not shown. The walk is a loop over an explicit stack.
"""

from __future__ import annotations

import sys

from . import broadcast, labels, walk
from .naming import Names
from .walk import is_leaf


def format_graph(output, max_nodes: int = 200, max_depth: int = 40, params=None, names=None) -> str:
    """The graph behind `output` (a Tensor or a tuple/list of them) as an indented tree.

    Args:
        output: the result whose graph to show.
        max_nodes: print at most this many node lines.
        max_depth: do not descend below this many levels.
        params: `{name: tensor}` naming leaves, e.g. `dict(model.named_parameters())`.
        names: `{tensor: name}` for any tensor of the graph.

    Returns:
        The tree as one string (lines joined with newlines).
    """
    tensors = walk.as_tensors(output)
    namer = Names(params, names)
    roots = [walk.root_of(t)[0] for t in tensors]
    nodes = walk.breadth_first(roots)
    tree = _Tree(namer, walk.consumers(nodes), max_nodes, max_depth)
    tree.fan_in.update(node for node in roots if node is not None)  # an output is a use too
    for tensor, root in zip(tensors, roots):
        if root is None:
            tree.lines.append(
                f"tensor  {labels.shape_dtype(tensor.shape, tensor._data.dtype)}"
                "  (no graph: does not require grad)"
            )
        else:
            tree.add(root)
    hidden = len(nodes) - len(tree.printed)
    if hidden:
        tree.lines.append(
            f"\u2026 {hidden:,} nodes not shown (max_nodes={max_nodes}, max_depth={max_depth})"
        )
    return "\n".join(tree.lines)


class _Tree:
    """The lines printed so far, and which nodes they showed (shared across outputs)."""

    def __init__(self, namer: Names, fan_in, max_nodes: int, max_depth: int):
        self.namer, self.fan_in = namer, fan_in
        self.max_nodes, self.max_depth = max_nodes, max_depth
        self.lines, self.printed, self.tags = [], set(), {}

    def add(self, root) -> None:
        """Print the tree under `root`, depth first, with an explicit stack."""
        stack = [(root, "", "")]  # (node, path code, note about the edge into it)
        while stack and len(self.printed) < self.max_nodes:
            node, path, note = stack.pop()
            head = _branch(path)
            if node in self.tags:
                self.lines.append(f"{head}{node.name()}  [#{self.tags[node]}] (shown above){note}")
                continue
            text = _describe(node, self.namer) + note
            if self.fan_in[node] > 1:
                self.tags[node] = len(self.tags) + 1
                text += f"  [#{self.tags[node]}]"
            self.lines.append(head + text)
            self.printed.add(node)
            edges = [(i, c, nr) for i, (c, nr) in enumerate(node.next_functions) if c is not None]
            if edges and len(path) + 1 >= self.max_depth:
                self.lines.append(_branch(path + "L") + "\u2026 (deeper inputs not shown)")
                continue
            for k, (index, child, nr) in reversed(list(enumerate(edges))):
                code = path + ("L" if k == len(edges) - 1 else "T")
                stack.append((child, code, _edge_note(node, index, child, nr)))


def print_graph(output, file=None, **kwargs) -> None:
    """Print `format_graph(output, **kwargs)` to `file` (default: standard output)."""
    print(format_graph(output, **kwargs), file=file if file is not None else sys.stdout)


def _describe(node, namer: Names) -> str:
    """`MulBackward0  (3, 4) float32`, or `AccumulateGrad  x (3,) float32` for a leaf."""
    if is_leaf(node):
        name = namer.of_node(node)
        gone = "  (leaf no longer exists)" if node.variable is None else ""
        return (
            f"AccumulateGrad  {name + ' ' if name else ''}"
            f"{labels.shape_dtype(*node._output_meta[0])}{gone}"
        )
    metas = [m for m in node._output_meta if m is not None]
    name = namer.of_node(node)
    shapes = ", ".join(labels.shape_dtype(*m) for m in metas)
    return f"{node.name()}  {name + ' ' if name else ''}{shapes}"


def _edge_note(node, index: int, child, nr: int) -> str:
    note = f"  (output {nr})" if len(child._output_meta) > 1 else ""
    axes = broadcast.summed_axes(node, index)
    return note + (f"  [broadcast: grad {broadcast.describe(axes)}]" if axes else "")


def _branch(prefix: str) -> str:
    """The tree drawing before a line, from its path code: one letter per level, "T" when
    more siblings follow at that level, "L" for the last child."""
    if not prefix:
        return ""
    drawn = "".join("   " if c == "L" else "\u2502  " for c in prefix[:-1])
    return drawn + ("\u2514\u2500 " if prefix[-1] == "L" else "\u251c\u2500 ")
