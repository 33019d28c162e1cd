"""Grouping a drawing by `nn.Module`: one cluster per module, or one folded box per module.

Ops learn their module from `viz.record()` (see `record.py`); parameters from
`model.named_parameters()` ("0.weight" belongs to module "0"). Modules are known by their
qualified names, so nesting follows the model's tree: "layer1.0" sits inside "layer1",
which sits inside the model itself (named "").
"""

from __future__ import annotations

from .record import module_of
from .walk import is_leaf

CLUSTER_STYLE = {"style": "rounded,filled", "fillcolor": "#f7f7f7", "color": "#9e9e9e",
                 "fontname": "Helvetica", "fontsize": "11", "labeljust": "l"}  # fmt: skip


def parent(name: str) -> str | None:
    """Qualified name of the enclosing module: "a.b" -> "a", "a" -> "" (the model), "" -> None."""
    return None if name == "" else name.rpartition(".")[0]


class ModuleGroups:
    """Which module each node belongs to, and where it is drawn.

    Args:
        model: the `nn.Module` to group by, or None for no grouping.
        fold: draw each module without sub-modules as one box instead of a cluster.
        nodes: the graph nodes being drawn.
    """

    def __init__(self, model, fold: bool, nodes):
        self.model, self.fold = model, fold
        self.owner = {}  # node -> qualified name of its module
        self.clusters = {}  # qualified name -> graphviz subgraph
        self.boxes, self.cluster_names = set(), set()
        if model is None:
            return
        modules = dict(model.named_modules())
        self._types = {name: type(m).__name__ for name, m in modules.items()}
        names = {id(m): name for name, m in modules.items()}
        params = {id(p): name.rpartition(".")[0] for name, p in model.named_parameters()}
        recorded = False
        for node in nodes:
            if is_leaf(node):
                leaf = node.variable
                owner = None if leaf is None else params.get(id(leaf))
            else:
                module = module_of(node)
                recorded = recorded or module is not None
                owner = names.get(id(module)) if module is not None else None
            if owner is not None:
                self.owner[node] = owner
        if not recorded and any(not is_leaf(n) for n in nodes):
            raise ValueError(
                "group_by_module needs to know which module ran each op: run the forward pass "
                "inside `with tinygrad_nn.viz.record():` and draw the result afterwards"
            )
        used = set(self.owner.values())
        enclosing = set()
        for name in used:
            up = parent(name)
            while up is not None and up not in enclosing:
                enclosing.add(up)
                up = parent(up)
        self.boxes = used - enclosing if fold else set()
        self.cluster_names = (enclosing | used) - self.boxes

    def title(self, name: str) -> str:
        """How a module is labelled: "0: Linear", or the class name for the model itself."""
        return self._types[name] if name == "" else f"{name}: {self._types[name]}"

    def box_of(self, node) -> str | None:
        """The module whose folded box stands for `node`, or None if it is drawn itself."""
        name = self.owner.get(node)
        return name if name in self.boxes else None

    def place(self, name: str | None, graph, graphviz):
        """The (sub)graph in which to draw something that belongs to module `name`."""
        while name is not None and name not in self.cluster_names:
            name = parent(name)  # a folded box sits in its parent module's cluster
        if name is None:
            return graph
        if name not in self.clusters:
            attrs = dict(CLUSTER_STYLE, label=self.title(name))
            self.clusters[name] = graphviz.Digraph(name=f"cluster_{len(self.clusters)}",
                                                   graph_attr=attrs)  # fmt: skip
        return self.clusters[name]

    def cluster_of(self, node) -> str | None:
        """The module of `node` (None if it belongs to none)."""
        return self.owner.get(node)

    def attach(self, graph, graphviz) -> None:
        """Nest the filled clusters into each other and into `graph`, innermost first.

        `Digraph.subgraph` copies the body at the call, so children go in before parents.
        """
        for name in sorted(self.cluster_names):  # sorted: the same file on every run
            self.place(name, graph, graphviz)  # an enclosing module may have no node of its own
        for name in sorted(self.clusters, key=lambda n: -_depth(n)):
            up = parent(name)
            target = self.clusters[up] if up is not None and up in self.clusters else graph
            target.subgraph(self.clusters[name])


def _depth(name: str) -> int:
    return 0 if name == "" else name.count(".") + 1
