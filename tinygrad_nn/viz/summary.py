"""`graph_summary`: what a graph costs - its ops, its depth, and the memory it keeps alive.

Every op that needs its inputs (or output) for backward saves them on its node, and they
stay alive as long as the graph does. That is why evaluation runs under `no_grad` (no graph,
nothing saved) and why `backward()` frees the saved arrays unless `retain_graph=True`:

    loss = model(x).square().mean()
    print(viz.graph_summary(loss))   # e.g. 6 ops, 4 saved arrays, 1.2 KiB
    loss.backward()
    viz.graph_summary(loss).saved_bytes   # 0: backward released them
"""

from __future__ import annotations

from collections import Counter

from . import labels, walk
from .naming import Names


class GraphSummary:
    """Numbers about one graph; `str()` lays them out as a table.

    Attributes:
        op_counts: `Counter` of op (backward node) names, e.g. `{"MulBackward0": 2}`.
        num_ops: number of op nodes.
        depth: the most ops on one path from the output to a leaf.
        saved_arrays: number of arrays kept for backward (summed over ops).
        saved_bytes: bytes of those arrays, each distinct array counted once.
        saved_by_op: `{op name: (arrays, bytes)}`; an array saved by two ops counts twice.
        freed_ops: ops whose saved arrays backward already released.
        leaves: `(name, shape, dtype name)` of each leaf that backward will give a `.grad`.
    """

    def __init__(self, output, params=None, names=None):
        tensors = walk.as_tensors(output)
        roots = [walk.root_of(t)[0] for t in tensors]
        nodes = walk.breadth_first(roots)
        namer = Names(params, names)
        ops = [node for node in nodes if not walk.is_leaf(node)]
        self.op_counts = Counter(node.name() for node in ops)
        self.num_ops = len(ops)
        self.depth = walk.longest_path(roots, nodes)
        self.saved_by_op, self.saved_arrays, distinct = {}, 0, {}
        for node in ops:
            arrays = [r[1] if r[0] is None else r[0]._data for r in node._saved or () if r]
            count, size = self.saved_by_op.get(node.name(), (0, 0))
            self.saved_by_op[node.name()] = (
                count + len(arrays),
                size + sum(a.nbytes for a in arrays),
            )
            self.saved_arrays += len(arrays)
            distinct.update((id(a), a.nbytes) for a in arrays)
        self.saved_bytes = sum(distinct.values())
        self.freed_ops = sum(1 for node in ops if node._released)
        self.leaves = [  # a leaf that no longer exists gets no .grad
            (namer.of_node(node) or "", tuple(node.variable.shape), node.variable._data.dtype.name)
            for node in nodes
            if walk.is_leaf(node) and node.variable is not None
        ]

    def __str__(self) -> str:
        if not self.num_ops and not self.leaves:
            return (
                "no graph: the output does not require grad (computed under no_grad, or "
                "from tensors without requires_grad=True)"
            )
        width = max([len(name) for name in self.op_counts] + [len("op")])
        lines = [
            f"{self.num_ops} ops, depth {self.depth}, {len(self.leaves)} leaves get .grad",
            f"{'op':<{width}}  {'count':>5}  {'saved':>5}  {'bytes':>9}",
        ]
        for name, count in self.op_counts.most_common():
            arrays, size = self.saved_by_op.get(name, (0, 0))
            lines.append(f"{name:<{width}}  {count:>5}  {arrays:>5}  {labels.nbytes(size):>9}")
        lines.append(
            f"{'total':<{width}}  {self.num_ops:>5}  {self.saved_arrays:>5}  "
            f"{labels.nbytes(self.saved_bytes):>9}  (distinct arrays)"
        )
        if self.freed_ops:
            lines.append(
                f"{self.freed_ops} ops already freed their saved arrays (backward ran "
                "without retain_graph=True)"
            )
        lines.append("leaves that receive gradients:")
        for name, shape, dtype in self.leaves:
            lines.append(f"  {name or '(unnamed)'}  {shape} {dtype}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"GraphSummary(num_ops={self.num_ops}, depth={self.depth}, "
            f"saved_arrays={self.saved_arrays}, saved_bytes={self.saved_bytes}, "
            f"leaves={len(self.leaves)})"
        )


def graph_summary(output, params=None, names=None) -> GraphSummary:
    """Count the ops, depth, saved-for-backward memory and gradient-receiving leaves of a graph.

    Args:
        output: a Tensor, or a tuple/list of Tensors.
        params: `{name: tensor}` naming leaves, e.g. `dict(model.named_parameters())`.
        names: `{tensor: name}` naming any tensor.

    Returns:
        A `GraphSummary`: print it for a table, or read its attributes.
    """
    return GraphSummary(output, params, names)
