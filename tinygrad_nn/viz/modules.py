"""Grouping a drawing by `nn.Module`: one cluster per module, or one folded box per module.

Ops learn their module from `viz.record()` (see `record.py`); parameters from
`model.named_parameters()` ("0.weight" belongs to module "0"). Modules are known by their
qualified names, so nesting follows the model's tree: "layer1.0" sits inside "layer1",
which sits inside the model itself (named "").

A graph built outside `viz.record()` says nothing about modules, so the grouping is then
inferred from the parameters: a module owns the ops that lie between its parameters and
the last op that used one of them (`x @ W.T + b`: the transpose, the matmul, the add).
That misses ops of modules without parameters (a ReLU layer) and ops after a module's
last parameter, and the drawing says so in its caption.
"""

from __future__ import annotations

from .record import module_of
from .walk import is_leaf

CLUSTER_STYLE = {
    "style": "rounded,filled",
    "fillcolor": "#f7f7f7",
    "color": "#9e9e9e",
    "fontname": "Helvetica",
    "fontsize": "11",
    "labeljust": "l",
}


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
        self.inferred = False  # True: no recorded modules, owners guessed from parameters
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
        self.inferred = not recorded and any(not is_leaf(n) for n in nodes)
        if self.inferred:
            self.owner.update(_owners_from_parameters(model, nodes))
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
            self.clusters[name] = graphviz.Digraph(
                name=f"cluster_{len(self.clusters)}", graph_attr=attrs
            )
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
        if self.inferred:
            graph.graph_attr.update(labelloc="b", fontsize="10", label=INFERRED_NOTE)


INFERRED_NOTE = (
    "modules inferred from their parameters (the forward did not run inside "
    "viz.record()): ops of modules without parameters are not grouped"
)


def _owners_from_parameters(model, nodes) -> dict:
    """`{op node: module name}` guessed from where each module's parameters enter the graph.

    For every module with parameters: the ops that consume one of its parameters directly,
    and every op on a path from such an op down to one of those parameters. An op claimed
    by several modules goes to the innermost (the longest qualified name). Two passes over
    the drawn nodes per module, each with an explicit stack.
    """
    nodes = list(nodes)
    drawn = set(nodes)
    users = {}  # node -> the drawn ops that take it as an input
    for node in nodes:
        for child, _ in node.next_functions:
            if child in drawn:
                users.setdefault(child, []).append(node)
    leaf_of = {id(n.variable): n for n in nodes if is_leaf(n) and n.variable is not None}
    owners = {}
    for name, module in model.named_modules():
        starts = [leaf_of[id(p)] for p in module.parameters() if id(p) in leaf_of]
        if not starts:
            continue
        above = _closure(starts, lambda n: users.get(n, ()))  # ops that use a parameter
        direct = [u for p in starts for u in users.get(p, ())]
        below = _closure(direct, lambda n: (c for c, _ in n.next_functions if c in drawn))
        for node in above & below:
            if not is_leaf(node) and _depth(name) >= _depth(owners.get(node, "")):
                owners[node] = name
    return owners


def _closure(starts, step) -> set:
    """`starts` and everything reachable from them by `step` (an explicit stack)."""
    seen, stack = set(starts), list(starts)
    while stack:
        for nxt in step(stack.pop()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _depth(name: str) -> int:
    return 0 if name == "" else name.count(".") + 1
