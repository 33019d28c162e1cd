"""The package's module-level imports form no cycle: tensor -> ops -> autograd, one way.

Only statements at the top level of a module count (an import inside a function runs later,
when every module is loaded). Relative imports are resolved, and `from . import x` counts as
importing the submodule `x` when there is one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tinygrad_nn

ROOT = Path(tinygrad_nn.__file__).parent
PACKAGE = "tinygrad_nn"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _top_level_imports(tree: ast.Module):
    """Import statements run when the module loads: top level, and inside top-level if/try."""
    stack = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue  # imports for annotations only: never run
        elif isinstance(node, (ast.If, ast.Try)):
            children = node.body + node.orelse + getattr(node, "finalbody", [])
            children += [stmt for handler in getattr(node, "handlers", []) for stmt in handler.body]
            stack.extend(reversed(children))


def _targets(node: ast.stmt, name: str, is_package: bool, modules: dict) -> set[str]:
    """The package modules an import statement in module `name` loads."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if node.level:
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    submodules = {f"{source}.{a.name}" for a in node.names} & modules.keys()
    # `from . import x` loads the submodule x; any other name is read from `source` itself.
    if len(submodules) < len(node.names) and source in modules:
        submodules.add(source)
    return submodules


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        edges = set()
        for node in _top_level_imports(tree):
            edges |= _targets(node, name, is_package, modules)
        # Importing a submodule first runs its package's __init__, but that is the parent's
        # own edge to check, not this module's: keep only the named modules.
        edges.discard(name)
        graph[name] = edges
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first repeated at the end), or None. Iterative DFS."""
    state = dict.fromkeys(graph, 0)  # 0 unseen, 1 on the current path, 2 done
    for start in sorted(graph):
        if state[start]:
            continue
        path, iters = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while path:
            child = next(iters[-1], None)
            if child is None:
                state[path.pop()] = 2
                iters.pop()
            elif state[child] == 1:
                return path[path.index(child) :] + [child]
            elif state[child] == 0:
                state[child] = 1
                path.append(child)
                iters.append(iter(sorted(graph[child])))
    return None


def _is_package_edge(parent: str, child: str) -> bool:
    """A package's __init__ importing its own submodules (or a submodule its package) is how
    Python loads packages, not a dependency between peers: such edges are not followed."""
    return child.startswith(parent + ".") or parent.startswith(child + ".")


def test_module_level_imports_have_no_cycle():
    graph = _graph()
    peers = {m: {c for c in cs if not _is_package_edge(m, c)} for m, cs in graph.items()}
    cycle = _find_cycle(peers)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_tensor_module_does_not_import_ops_lazily_at_the_bottom():
    source = (ROOT / "tensor.py").read_text(encoding="utf-8")
    assert "noqa: E402" not in source


def test_the_walk_sees_the_layers():
    graph = _graph()
    assert "tinygrad_nn.autograd.function" in graph["tinygrad_nn.ops.binary"]
    assert "tinygrad_nn.tensor" not in graph["tinygrad_nn.ops.binary"]


def test_cycle_finder_reports_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
