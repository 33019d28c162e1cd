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
   (`optimize.py` then drops work that changes no bit: aliases, repeats, constants, copies.)
2. *Freeing*: after the last use of a temporary of `FREE_FROM` bytes or more, `del` it, as
   eager mode lets go of it (backward's intermediates die as soon as consumed). A program
   that kept thousands of 8 KB temporaries until it returned would write each into cold
   memory (an LSTM step: 72 MB of them, 25% slower), where freed blocks come back from the
   allocator still in the cache.
3. `exec` of the source, registered with `linecache` so tracebacks show the generated lines
   (and with `errors.py`, so an error names the user's line). What runs differs from what
   is printed in names only: `np.matmul` is looked up once, as `_np_matmul`.

The order of the kept lines is the recorded order: the replay runs exactly the NumPy calls
eager mode ran, on the same kinds of arrays, so every result is bit for bit the same.
"""

from __future__ import annotations

import inspect
import itertools
import linecache
import math
import re

import numpy as np

from . import errors

_counter = itertools.count()
_MODULES = {"np": np, "math": math}  # modules the generated code names
# Bytes: temporaries this large are freed after their last use. Smaller ones wait for the
# return: freeing W4's 64-byte arrays bought nothing, and each `del` is source to compile.
FREE_FROM = 1 << 10


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
    """Source lines with comments, and `del` after the last use of each array temporary of
    at least `FREE_FROM` bytes (`sizes`: name -> bytes, for the arrays)."""
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
            if last.get(n) == i
            and n not in keep_alive
            and n[0] == "t"
            and sizes.get(n, 0) >= FREE_FROM
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


# Calls that always return a new array (or a new NumPy scalar) nobody else holds: every
# ufunc and its reduce/accumulate/outer without `out=`, and these functions.
_ALLOCATING = frozenset({"where", "zeros", "ones", "empty", "full", "concatenate", "stack",
                         "zeros_like", "ones_like", "empty_like", "full_like"})  # fmt: skip
_NP_CALL = re.compile(r"(\w+) = np\.(\w+)(?:\.(reduce|accumulate|outer))?\((.*)\)")
# `b = a`, `b = a.T`, `b = a.reshape(...)`, `b = a[...]`: the memory of `a` or a copy of it.
_FROM_OPERAND = re.compile(
    r"(\w+) = (\w+)(?:\.(?:T|mT|transpose|swapaxes|reshape|squeeze|view|ravel|astype|copy)"
    r"(?:\(.*\))?|\[.*\])?"
)


def owned_outputs(lines: list, returned: list) -> tuple:
    """Positions of `returned` (names, or "None") whose arrays only the program's caller
    will hold: memory the lines allocate on each call, not an input's, a constant's or
    another returned array's, and never passed to code that could keep it. Sure answers
    only: a line of a form not known here makes the memory it reads count as shared."""
    origin: dict[str, int] = {}  # name -> index of the line that allocated its memory
    shared: set = set()
    for i, line in enumerate(lines):
        source = line.source
        if source.startswith("if "):  # a check: it reads values and keeps nothing
            continue
        allocated = _allocates(source)
        if allocated and len(line.defines) == 1 and not line.writes:
            origin[line.defines[0]] = i
            continue
        match = _FROM_OPERAND.fullmatch(source)
        if match and not line.writes and match[2] in origin:
            origin[match[1]] = origin[match[2]]  # a view of it, or a copy: still private
            continue
        into = _OUT.search(source)
        if into and line.writes == (into[1],) and _NP_CALL.fullmatch(source):
            if line.defines and into[1] in origin:  # a result written into a dead temporary
                origin[line.defines[0]] = origin[into[1]]
            continue  # a NumPy call writes values into its `out`, keeps no reference
        if not source.startswith("np.") or line.defines:
            shared.update(origin.get(n) for n in line.uses)
    counts: dict = {}
    for name in returned:
        counts[origin.get(name)] = counts.get(origin.get(name), 0) + 1
    return tuple(
        i
        for i, name in enumerate(returned)
        if origin.get(name) is not None and origin[name] not in shared and counts[origin[name]] == 1
    )


_OUT = re.compile(r", out=\((\w+),\)\)$")


def _allocates(source: str) -> bool:
    """Whether the line `name = np.f(...)` makes a new array (see _ALLOCATING)."""
    match = _NP_CALL.fullmatch(source)
    if match is None or "out=" in match[4]:
        return False
    func = getattr(np, match[2], None)
    return isinstance(func, np.ufunc) or (match[3] is None and match[2] in _ALLOCATING)


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
    executed = _CAST.sub(lambda m: _cast_constant(m, namespace), source)
    executed = _MODULE_NAME.sub(lambda m: _bound(m, namespace), executed)
    exec(compile(executed, filename, "exec"), namespace)  # our own generated code
    return namespace[name], source


# `np.matmul(...)` runs as `_np_matmul(...)`: each function is looked up once, when the
# program is built, not on every call. The source printed and shown in tracebacks keeps the
# readable name; the two differ only in these names, line for line.
_MODULE_NAME = re.compile(r"\b(np|math)((?:\.[A-Za-z_]\w*)+)")


# A number cast to a float dtype, `np.float32(0.1)`, is made once, when the program is built.
_CAST = re.compile(r"\bnp\.(float16|float32)\((-?\d+\.?\d*(?:e[-+]?\d+)?)\)")


def _cast_constant(match, namespace: dict) -> str:
    dtype, text = match.groups()
    name = f"_{dtype}_{len(namespace)}"
    namespace[name] = getattr(np, dtype)(float(text))
    return name


def _bound(match, namespace: dict) -> str:
    value = _MODULES[match.group(1)]
    for attr in match.group(2)[1:].split("."):
        value = getattr(value, attr, None)
    if value is None or inspect.ismodule(value):
        return match.group(0)
    name = "_" + match.group(0).replace(".", "_")
    namespace.setdefault(name, value)
    return name
