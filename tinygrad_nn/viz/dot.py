r"""`draw_graph`: the forward dataflow behind a result, as a Graphviz picture.

The picture reads in the order of the computation: leaves (light blue) at the top, one box
per op (grey, titled with the op and the `grad_fn` name PyTorch would print), the result
(green) at the bottom. Backward runs the arrows in reverse.

    [ w | (3,) float32 ]    [ x | (3,) float32 ]        leaves: name, shape, dtype
               \                 /
        ( Mul · MulBackward0 | (3,) float32 )           op: forward op · grad_fn name
                      |
        ( Sum · SumBackward0 | () float32 )
                      |
             [ output | () float32 ]

A dashed blue arrow marks an input that was broadcast, so its gradient is summed back
("sum over (0,)"); a red outline marks a tensor or gradient holding NaN or inf. Node
statements go first (some inside module clusters), edges last, as Graphviz nests clusters
by where nodes are first named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import broadcast, labels, walk
from .fields import Fields
from .modules import ModuleGroups
from .naming import Names
from .record import data_inputs
from .render import digraph_class
from .walk import is_leaf

if TYPE_CHECKING:
    import graphviz

LEAF, OP, OUTPUT, SAVED, INPUT = "lightblue", "lightgrey", "darkolivegreen1", "orange", "white"
BROADCAST, BAD = "#1f6fb4", "red"


def draw_graph(
    output,
    params: dict | None = None,
    show_values: bool = False,
    show_grads: bool = False,
    show_saved: bool = False,
    show_inputs: bool = True,
    group_by_module=None,
    fold_modules: bool = False,
    max_nodes: int = 500,
    names: dict | None = None,
    rankdir: str = "TB",
    show_attrs: bool = False,
    max_attr_chars: int = 50,
) -> graphviz.Digraph:
    """Draw the graph that produced `output` and return it as a `graphviz.Digraph`.

    The result renders in Jupyter, and `.render()` / `.pipe()` (or `viz.render`) write
    SVG, PNG or PDF. Building it needs only the `graphviz` Python package; rendering needs
    Graphviz's `dot` program.

    Args:
        output: a Tensor, or a tuple/list of Tensors.
        params: `{name: tensor}` naming leaves, e.g. `dict(model.named_parameters())`.
        show_values: print each known tensor's values (all of them up to 8 elements, else
            min/mean/max). Leaves and outputs are always known; intermediate results when
            the forward ran inside `viz.record()` or when an op saved them for backward.
            A known value or gradient holding NaN or inf outlines its box in red either way.
        show_grads: print gradients the same way: `.grad` of leaves, and of intermediates
            when backward ran inside `viz.record()` or they called `retain_grad()`.
        show_saved: draw the tensors each op saved for backward (orange), with their size.
        show_inputs: draw the data inputs that need no gradient (the batch `x`: white boxes
            titled "input"), where they are known: always inside `viz.record()`, otherwise
            when the op saved them for backward.
        group_by_module: an `nn.Module`; one cluster per sub-module that ran ops. Exact when
            the forward ran inside `viz.record()`; otherwise inferred from where each
            module's parameters enter the graph (and the caption says so).
        fold_modules: with `group_by_module`, draw each innermost module as a single box.
        max_nodes: draw at most this many graph nodes, nearest the output first; the rest
            become one "... N nodes not shown" node.
        names: `{tensor: name}` for any tensor of the graph, including intermediates.
        rankdir: Graphviz layout direction, "TB" (top to bottom) or "LR" (left to right).
        show_attrs: list on each op the plain attributes its forward set on `ctx`
            (`dims: (1,)`), each cut to `max_attr_chars` characters (torchviz's option).

    Returns:
        A `graphviz.Digraph`; its `.source` is the DOT text.
    """
    import graphviz  # imported here, so `import tinygrad_nn` never needs it

    tensors = walk.as_tensors(output)
    if group_by_module is not None and params is None:
        params = dict(group_by_module.named_parameters())
    roots = [walk.root_of(t) for t in tensors]
    order = walk.breadth_first(node for node, _ in roots)
    shown = order[: max(max_nodes, len(roots))]
    groups = ModuleGroups(group_by_module, fold_modules, shown)
    say = Fields(
        Names(params, names), show_values, show_grads, show_saved, outputs=set(roots), nodes=shown
    )
    if show_attrs:
        say.max_attr_chars = max_attr_chars
    drawing = _Drawing(graphviz, say, groups, rankdir)
    drawing.add_nodes(shown, {node for node, _ in roots if is_leaf(node)})
    if show_inputs:
        drawing.add_inputs(shown)
    drawing.add_hint(shown)
    drawing.add_outputs(tensors, roots)
    groups.attach(drawing.graph, graphviz)
    drawing.add_edges(shown, hidden=len(order) - len(shown))
    return drawing.graph


class _Drawing:
    """Builds one Digraph: node statements first (some inside clusters), then the edges."""

    def __init__(self, graphviz, say: Fields, groups: ModuleGroups, rankdir: str):
        self.gv, self.say, self.groups = graphviz, say, groups
        self.vertical = rankdir in ("TB", "BT")
        self.graph = digraph_class(graphviz)(
            name="autograd",  # the SVG's <title>
            graph_attr={
                "rankdir": rankdir,
                "fontname": "Helvetica",
                "nodesep": "0.3",
                "ranksep": "0.35",
            },
            node_attr={
                "shape": "record",
                "style": "filled",
                "fontname": "Helvetica",
                "fontsize": "10",
                "color": "#555555",
                "height": "0.3",
            },
            edge_attr={
                "fontname": "Helvetica",
                "fontsize": "9",
                "color": "#555555",
                "arrowsize": "0.7",
            },
        )
        self.ids = {}  # graph node -> DOT id of what stands for it (itself or its module box)
        self.pending_edges = []  # saved-tensor edges, written after the clusters

    # ---------------------------------------------------------------- nodes

    def add_nodes(self, nodes, output_leaves) -> None:
        """One DOT node per graph node (or per folded module), plus saved tensors if asked."""
        folded = {}
        for i, node in enumerate(nodes):
            box = self.groups.box_of(node)
            if box is not None:
                folded.setdefault(box, []).append(node)
                continue
            self.ids[node] = f"n{i}"
            where = self.groups.place(self.groups.cluster_of(node), self.graph, self.gv)
            if is_leaf(node):
                color = OUTPUT if node in output_leaves else LEAF
                self._node(where, f"n{i}", *self.say.leaf(node), fillcolor=color)
            else:
                self._node(where, f"n{i}", *self.say.op(node), fillcolor=OP, shape="Mrecord")
                if self.say.show_saved:
                    self._add_saved(node, where)
        for k, (name, members) in enumerate(folded.items()):
            self._add_box(f"m{k}", name, members)

    def _node(self, where, node_id, fields, bad, **attrs) -> None:
        label = "|".join(labels.escape(f) for f in fields)
        label = "{" + label + "}" if self.vertical else label
        if bad:
            attrs.update(color=BAD, penwidth="2.5")
        where.node(node_id, self.gv.nohtml(label), **attrs)

    def _add_saved(self, node, where) -> None:
        for i, saved in enumerate(node._saved or ()):
            if saved is not None:
                saved_id = f"{self.ids[node]}s{i}"
                self._node(where, saved_id, *self.say.saved(saved), fillcolor=SAVED)
                edge = (saved_id, self.ids[node], {"style": "dotted", "dir": "none"})
                self.pending_edges.append(edge)

    def _add_box(self, box_id: str, name: str, members) -> None:
        """A folded module: its ops and its parameters in one box."""
        for node in members:
            self.ids[node] = box_id
        fields, bad = self.say.module_box(self.groups.title(name), members)
        where = self.groups.place(name, self.graph, self.gv)
        self._node(where, box_id, fields, bad, fillcolor=OP, shape="Mrecord")

    def add_inputs(self, nodes) -> None:
        """A white "input" box per data tensor that needs no gradient, one per tensor."""
        boxes, edges = {}, set()  # id(tensor) -> DOT id; (input box, op) pairs drawn
        for node in nodes:
            for tensor in data_inputs(node).values() if node in self.ids else ():
                box = boxes.get(id(tensor))
                if box is None:
                    box = boxes[id(tensor)] = f"i{len(boxes)}"
                    # beside the first op that reads it: inside that op's module frame
                    where = self.groups.place(self.groups.cluster_of(node), self.graph, self.gv)
                    self._node(where, box, *self.say.data_input(tensor), fillcolor=INPUT)
                if (box, self.ids[node]) not in edges:  # once per op (or folded module)
                    edges.add((box, self.ids[node]))
                    self.pending_edges.append((box, self.ids[node], {"color": "#888888"}))

    def add_hint(self, nodes) -> None:
        """Where values or gradients were asked for but not recorded, say how to get them."""
        missing = self.say.unrecorded(node for node in nodes if not is_leaf(node))
        if missing:
            text = (
                f"{' and '.join(missing)} of intermediate results were not recorded:\n"
                "run the forward and backward inside `with viz.record():`"
            )
            self.graph.node(
                "hint",
                labels.escape(text),
                shape="note",
                style="filled",
                fillcolor="lightyellow",
                fontsize="9",
            )

    def add_outputs(self, tensors, roots) -> None:
        """A green box per output tensor, fed by the op that produced it."""
        for i, (tensor, (node, nr)) in enumerate(zip(tensors, roots)):
            if node is not None and is_leaf(node):
                continue  # a leaf output is its own (green) leaf box
            default = "output" if len(tensors) == 1 else f"output {i}"
            fields, bad = self.say.output(tensor, node, nr, default)
            self._node(self.graph, f"out{i}", fields, bad, fillcolor=OUTPUT)
            if node is not None:
                self.pending_edges.append((self.ids[node], f"out{i}", {}))

    # ---------------------------------------------------------------- edges

    def add_edges(self, nodes, hidden: int) -> None:
        """Input -> op arrows; arrows from elided nodes all leave one "not shown" node."""
        seen = set()
        for node in nodes:
            for index, (child, nr) in enumerate(node.next_functions):
                if child is None:
                    continue
                src, dst = self.ids.get(child, "elided"), self.ids[node]
                attrs = self._edge_attrs(node, index, child, nr)
                key = (src, dst, tuple(sorted(attrs.items())))
                summary = src == "elided" or src[0] == "m" or dst[0] == "m"
                if src == dst or summary and key in seen:
                    continue  # inside one folded box, or a repeat of a summary edge
                seen.add(key)
                self.graph.edge(src, dst, **attrs)
        for src, dst, attrs in self.pending_edges:
            self.graph.edge(src, dst, **attrs)
        if hidden:
            label = f"\u2026 {hidden:,} nodes not shown"
            self.graph.node("elided", label, shape="note", style="dashed", fillcolor="white")

    def _edge_attrs(self, node, index: int, child, nr: int) -> dict:
        attrs = {}
        if len(child._output_meta) > 1:
            attrs["label"] = f"out {nr}"
        axes = broadcast.summed_axes(node, index)
        if axes:
            attrs.update(
                style="dashed",
                color=BROADCAST,
                fontcolor=BROADCAST,
                penwidth="1.5",
                label=broadcast.describe(axes),
            )
        return attrs
