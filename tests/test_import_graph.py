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
        edges.discard(name)  # a package's __init__ reading a name it defined itself
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


def test_module_level_imports_have_no_cycle():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_tensor_module_does_not_import_ops_lazily_at_the_bottom():
    source = (ROOT / "tensor.py").read_text(encoding="utf-8")
    assert "noqa: E402" not in source


def test_ops_sit_below_the_tensor_and_autograd_below_the_ops():
    graph = _graph()
    assert "tinygrad_nn.autograd.function" in graph["tinygrad_nn.ops.binary"]  # the walk works
    above_ops = {f"tinygrad_nn.{m}" for m in ("tensor", "functions", "creation", "inplace")}
    for name, edges in graph.items():
        if name.startswith("tinygrad_nn.ops."):
            wrong = {e for e in edges if e in above_ops or e.startswith("tinygrad_nn.nn")}
            assert not wrong, f"{name} imports {sorted(wrong)} at module level"
    for core in ("function", "engine", "grad_mode"):
        edges = graph[f"tinygrad_nn.autograd.{core}"]
        wrong = {e for e in edges if e.startswith("tinygrad_nn.ops") or e in above_ops}
        assert not wrong, f"autograd/{core}.py imports {sorted(wrong)} at module level"


def test_cycle_finder_reports_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None
