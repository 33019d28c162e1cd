"""Code generation: the recorded lines become one straight-line Python function.

    def step(_in):
        x = _in[0]._data                      # inputs: read where they live, every call
        fc1_weight = _T0._data
        lr = _G0['lr']
        t1 = np.matmul(x, fc1_weight.T)       # 0 (Linear) · Linear
        ...
        np.subtract(fc1_weight, t41, out=(fc1_weight,))   # SGD.step
        _T0._grad = _wrap(t30)                # write-backs: what eager mode would have set
        return _wrap(t12)

Three passes over the lines, each a few lines of code:

1. *Dead code elimination*, backwards: a line is kept if it changes an array in place (an
   effect: the optimizer's update, a random draw) or defines a name some kept line, a
   write-back or the return value needs. Eager mode's checks and unused views go.
2. *Freeing*: after the last use of a large temporary, `del` it, so NumPy gets the memory
   back as early as eager mode would (backward's intermediates die as soon as consumed).
3. `exec` of the source, registered with `linecache` so tracebacks show the generated lines.

The order of the kept lines is the recorded order: the replay runs exactly the NumPy calls
eager mode ran, on the same kinds of arrays, so every result is bit for bit the same.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import linecache
import math
import re

import numpy as np

from . import errors

_counter = itertools.count()
_MODULES = {"np": np, "math": math}  # modules the generated code names
BIG = 1 << 16  # bytes: temporaries this large are freed as soon as they are dead


def prune(lines: list, live: set) -> list:
    """The lines needed for the names in `live` (plus every line with an effect)."""
    kept = []
    live = set(live)
    for line in reversed(lines):
        if line.effect or any(name in live for name in line.defines):
            kept.append(line)
            live |= line.uses
    kept.reverse()
    return kept


def used_names(lines: list) -> set:
    """Every name the lines refer to."""
    names = set()
    for line in lines:
        names |= line.uses
    return names


def defined_names(lines: list) -> set:
    """Every name the lines define."""
    names = set()
    for line in lines:
        names.update(line.defines)
    return names


def body(lines: list, keep_alive: set, sizes: dict, indent: str = "    ") -> list:
    """Source lines with comments, and `del` after the last use of each temporary of at
    least `BIG` bytes (`sizes`: name -> bytes); small ones go when the function returns."""
    last = {}
    for i, line in enumerate(lines):
        for name in line.uses:
            last[name] = i
        for name in line.defines:
            last.setdefault(name, i)
    out = []
    for i, line in enumerate(lines):
        comment = f"  # {line.comment}" if line.comment else ""
        out.append(Statement(f"{indent}{line.source}{comment}", line.site))
        dead = sorted(
            n
            for n in (line.uses | set(line.defines))
            if last.get(n) == i and n not in keep_alive and n[0] == "t" and sizes.get(n, 0) >= BIG
        )
        if dead:
            out.append(f"{indent}del {', '.join(dead)}")
    return out


def prologue(rec, names: set, defined: set, indent: str = "    ") -> list:
    """Reads of the inputs and constants among `names` that the lines do not define."""
    out = []
    for name, source, _ in rec.inputs:
        if name in names and name not in defined:
            out.append(f"{indent}{name} = {source}")
    for name, stored in rec.constants.items():
        if name in names and name not in defined:
            copy = ".copy()" if name in rec.mutated and name not in rec.folded else ""
            out.append(f"{indent}{name} = {stored}{copy}")
    return out


def decisions(rec, lines: list, indent: str = "    ") -> tuple[list, list, list]:
    """The checks on input numbers (`momentum != 0`), hoisted with the lines they need.

    Returns (hoisted lines, source of the checks, the remaining lines)."""
    if not rec.decisions:
        return [], [], lines
    needed, hoisted = set(), []
    for text in rec.decisions:
        needed |= set(re.findall(r"\bs\d+\b", text))
    for line in reversed(lines):
        if any(n in needed for n in line.defines):
            hoisted.append(line)
            needed |= line.uses
    hoisted.reverse()
    rest = [line for line in lines if line not in hoisted]
    checks = [f"{indent}{line.source}" for line in hoisted]
    joined = f"\n{indent}    and ".join(rec.decisions)
    checks.append(f"{indent}if not (\n{indent}    {joined}\n{indent}):")
    checks.append(f"{indent}    return _MISS  # a hyperparameter took the other branch")
    return hoisted, checks, rest


class Statement(str):
    """A line of generated source that remembers the user's line it came from (its site)."""

    def __new__(cls, text: str, site):
        self = super().__new__(cls, text)
        self.site = site
        return self


def build(name: str, params: str, source_lines: list, namespace: dict):
    """Compile `def name(params): <lines>` in `namespace`; returns (function, source)."""
    source = f"def {name}({params}):\n" + "\n".join(source_lines or ["    pass"]) + "\n"
    filename = f"{errors.PREFIX}{name} #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    sites, number = {}, 2  # line 1 is the `def`
    for text in source_lines:
        if getattr(text, "site", None) is not None:
            sites[number] = text.site
        number += text.count("\n") + 1
    errors.register(filename, sites)
    tree = ast.fix_missing_locations(_BindModuleNames(namespace).visit(ast.parse(source, filename)))
    exec(compile(tree, filename, "exec"), namespace)  # our own generated code
    return namespace[name], source


class _BindModuleNames(ast.NodeTransformer):
    """`np.matmul(...)` runs as `_np_matmul(...)`: the function is looked up once, when the
    program is built, not on every call (the printed source keeps the readable name)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def visit_Attribute(self, node):
        dotted, inner = [], node
        while isinstance(inner, ast.Attribute):
            dotted.append(inner.attr)
            inner = inner.value
        if not (isinstance(inner, ast.Name) and inner.id in _MODULES):
            return self.generic_visit(node)
        value = _MODULES[inner.id]
        for attr in reversed(dotted):
            value = getattr(value, attr, None)
        if value is None or not isinstance(node.ctx, ast.Load) or inspect.ismodule(value):
            return self.generic_visit(node)
        name = "_" + "_".join([inner.id, *reversed(dotted)])
        self.namespace.setdefault(name, value)
        return ast.copy_location(ast.Name(name, ast.Load()), node)

    def visit_Call(self, node):
        """`np.add.reduce(a, axis=1, keepdims=True)` runs as `np.add.reduce(a, 1, None, None,
        True)`: the same call, whose positional arguments NumPy parses faster."""
        self.generic_visit(node)
        func = self.namespace.get(node.func.id) if isinstance(node.func, ast.Name) else None
        keywords = {k.arg: k.value for k in node.keywords}
        if _is_reduce(func) and len(node.args) == 1 and set(keywords) <= set(_REDUCE):
            defaults = {k: ast.Constant(v) for k, v in _REDUCE.items()}
            node.args = node.args + [{**defaults, **keywords}[k] for k in _REDUCE]
            node.keywords = []
        return node


def _is_reduce(func) -> bool:
    return getattr(func, "__name__", None) == "reduce" and isinstance(
        getattr(func, "__self__", None), np.ufunc
    )


# ufunc.reduce's leading parameters in order, with their defaults
_REDUCE = {"axis": 0, "dtype": None, "out": None, "keepdims": False}
