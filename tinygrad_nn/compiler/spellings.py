"""The same NumPy operation, spelled the cheaper way (the last pass of `optimize.py`).

Each rewrite changes how a line asks NumPy for a result, never the arithmetic: the same
operation runs on the same values, and gives the same bits in an array of the same kind.

1. *Reductions that keep no dims.* `t6 = np.add.reduce(g, axis=0, keepdims=True)` read
   only by `t7 = t6.reshape((2,))` (a bias gradient) becomes `t7 = np.add.reduce(g,
   axis=0)`. NumPy computes every reduction with the reduced dims kept and drops them at
   the end, so the values are the same; one call less, and t7 owns its memory, so `.grad`
   may keep it without a copy (`codegen.owned_outputs`).
2. *Operators on NumPy scalars.* Eager code compares and combines NumPy scalars with
   Python operators (`np.maximum.reduce(t) < classes`); the trace sees them as ufunc calls,
   `t15 = np.less(t14, 2)`, which NumPy runs ten times slower on scalars than its scalar
   arithmetic runs `t14 < 2`. Both apply the same IEEE operation (the exactly rounded
   + - * / of float32 and float64, or a comparison) with the same type promotion, and
   return the same NumPy scalar type (tests/compiler/test_spellings.py compares them on
   infinities, nans, signed zeros and large integers). Only where the left operand is a
   NumPy scalar on every call, so that its own operator runs, in the same operand order.
"""

from __future__ import annotations

import re

import numpy as np

from .record import Line


def respell(rec, lines: list, live: set) -> list:
    """Both rewrites of the module docstring."""
    return _scalar_operators(rec, _without_kept_dims(rec, lines, live))


_KEPT = re.compile(r"(\w+) = (np\.\w+\.reduce\(.*, axis=(-?\d+|\([-\d, ]+\))), keepdims=True\)")


def _without_kept_dims(rec, lines: list, live: set) -> list:
    """Rewrite 1 (see the module docstring)."""
    readers: dict[str, list] = {}
    for i, line in enumerate(lines):
        for name in line.uses | set(line.writes):
            readers.setdefault(name, []).append(i)
    keep = live | rec.decision_uses
    replaced: dict[int, Line | None] = {}
    for i, line in enumerate(lines):
        match = None if line.writes or line.effect else _KEPT.fullmatch(line.source)
        name = match[1] if match else None
        if not match or name in keep or name in rec.mutated or len(readers.get(name, ())) != 1:
            continue
        reader = lines[readers[name][0]]
        result = reader.defines[0] if len(reader.defines) == 1 else None
        if (
            reader.writes
            or reader.effect
            or not reader.source.startswith(f"{result} = {name}.reshape(")
            or not _drops_kept_dims(rec.objects.get(name), rec.objects.get(result), match[3])
        ):
            continue
        replaced[i] = _derived(line, f"{result} = {match[2]})", (result,), line.uses, False)
        replaced[readers[name][0]] = None
    if not replaced:
        return lines
    return [replaced.get(i, line) for i, line in enumerate(lines) if replaced.get(i, 0) is not None]


def _drops_kept_dims(kept, reshaped, axis_text: str) -> bool:
    """Whether `reshaped` has the shape of `kept` without its reduced dims (`axis_text`, as
    recorded: an int or a tuple of ints), and is an array (no dims left would be a scalar)."""
    if not isinstance(kept, np.ndarray) or not isinstance(reshaped, np.ndarray):
        return False
    axes = {int(a) % kept.ndim for a in axis_text.strip("()").split(",") if a.strip()}
    shape = tuple(n for d, n in enumerate(kept.shape) if d not in axes)
    return bool(shape) and reshaped.shape == shape and reshaped.dtype == kept.dtype


_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "true_divide": "/",
              "less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=",
              "equal": "==", "not_equal": "!="}  # fmt: skip
_ARITHMETIC = frozenset({"+", "-", "*", "/"})
_BINARY = re.compile(r"(\w+) = np\.(\w+)\((\w+), (-?[\w.]+)\)")
_NUMBER = re.compile(r"-?\d+(\.\d*)?(e[-+]?\d+)?")


def _scalar_operators(rec, lines: list) -> list:
    """Rewrite 2 (see the module docstring)."""
    out = []
    for line in lines:
        match = None if line.writes or line.effect else _BINARY.fullmatch(line.source)
        symbol = _OPERATORS.get(match[2]) if match else None
        if symbol is None or not _scalar_operands(rec, match[3], match[4], symbol):
            out.append(line)
            continue
        source = f"{match[1]} = {match[3]} {symbol} {match[4]}"
        out.append(_derived(line, source, line.defines, line.uses, False))
    return out


def _scalar_operands(rec, left: str, right: str, symbol: str) -> bool:
    """Whether `left` is a NumPy scalar on every call and `right` a number of a kind whose
    arithmetic NumPy's scalar operator shares with the ufunc (see the module docstring)."""
    if left not in rec.scalar_vars or not _plain_kind(rec.objects.get(left), symbol):
        return False
    if right in rec.scalar_vars:
        return _plain_kind(rec.objects.get(right), symbol)
    if _NUMBER.fullmatch(right):
        return True
    value = rec.namespace.get(right) if right.startswith("_") else None
    return value.__class__ in (int, float) or (
        isinstance(value, np.generic) and _plain_kind(value, symbol)
    )


def _plain_kind(value, symbol: str) -> bool:
    """float32 or float64 for arithmetic (a float16 scalar's operators convert to float32 and
    back: not worth proving equal here), any real number for a comparison."""
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return False
    if symbol in _ARITHMETIC:
        return dtype in (np.float32, np.float64)
    return dtype.kind in "fiu"


def _derived(like: Line, source: str, defines: tuple, uses: set, effect: bool) -> Line:
    """A new line that stands for `like`, made as optimize.py makes its own."""
    from .optimize import _derived as derived

    return derived(like, source, defines, uses, effect)
