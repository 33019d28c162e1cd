"""Reading back the DOT text that `draw_graph` writes, so tests need no `dot` binary."""

from __future__ import annotations

import re

_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ \]]+)')
_KEYWORDS = {"graph", "node", "edge"}


def attrs(text: str | None) -> dict:
    """`label="a b" color=red` -> {"label": "a b", "color": "red"} (quotes removed)."""
    result = {}
    for key, value in _ATTR.findall(text or ""):
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        result[key] = value
    return result


class Dot:
    """Nodes, edges and clusters of a DOT source.

    Attributes:
        nodes: {id: attrs}; edges: [(src, dst, attrs)]; clusters: {label: set of node ids
            inside it, nested clusters included}.
    """

    def __init__(self, source: str):
        self.nodes, self.edges, self.clusters = {}, [], {}
        open_clusters = []  # [label, ids] for each enclosing cluster
        for line in source.splitlines():
            stripped = line.strip()
            if stripped.startswith("subgraph cluster"):
                open_clusters.append([None, set()])
            elif stripped == "}" and open_clusters:
                label, ids = open_clusters.pop()
                self.clusters[label] = ids
                if open_clusters:
                    open_clusters[-1][1].update(ids)
            elif stripped.startswith("graph [") and open_clusters:
                open_clusters[-1][0] = attrs(stripped[7:-1]).get("label")
            elif _EDGE.match(line):
                src, dst, text = _EDGE.match(line).groups()
                self.edges.append((src, dst, attrs(text)))
            elif _NODE.match(line) and _NODE.match(line).group(1) not in _KEYWORDS:
                node_id, text = _NODE.match(line).groups()
                self.nodes[node_id] = attrs(text)
                if open_clusters:
                    open_clusters[-1][1].add(node_id)

    def fields(self, node_id: str) -> list:
        """The record fields of a node's label, unescaped."""
        return record_fields(self.nodes[node_id]["label"])

    def find(self, text: str) -> list:
        """Ids of the nodes having a record field that contains `text`."""
        return [n for n in self.nodes if any(text in f for f in self.fields(n))]

    def named(self, first: str) -> str:
        """The id of the one node whose first record field is exactly `first`."""
        (node_id,) = [n for n in self.nodes if self.fields(n)[0] == first]
        return node_id

    def edges_between(self, src: str, dst: str) -> list:
        """Attributes of each edge src -> dst."""
        return [a for s, d, a in self.edges if s == src and d == dst]


def record_fields(label: str) -> list:
    """Split a record label on unescaped `|` and undo the escaping of `{}|<>"` and `\\`."""
    if label.startswith("{") and label.endswith("}") and not label.endswith("\\}"):
        label = label[1:-1]
    fields, current, i = [], [], 0
    while i < len(label):
        c = label[i]
        if c == "\\" and i + 1 < len(label):
            current.append("\n" if label[i + 1] == "n" else label[i + 1])
            i += 2
            continue
        if c == "|":
            fields.append("".join(current))
            current = []
        else:
            current.append(c)
        i += 1
    fields.append("".join(current))
    return fields
