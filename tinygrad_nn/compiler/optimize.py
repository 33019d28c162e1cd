"""Passes over a program's lines that make it cheaper and leave every bit where it was.

Each pass removes Python work, never arithmetic: the NumPy calls that remain run in the
recorded order on the same values laid out the same way, so the results cannot change.

1. *Aliases.* A view that is exactly an array the program already names (`w.T.T`,
   `g.reshape(g.shape)`) becomes `t9 = w`.
2. *Constant folding.* A line whose operands are all constants (`np.ones((), float32)`,
   then `t23 = t22 / 4.0`) computes the same value on every call: the program reads the
   value traced on the first call instead. Only arrays that nothing writes after they are
   first read, and that never leave the program, qualify.
3. *Copies nobody can tell from the original.* `t37 = np.array(t31, copy=True)` (a gradient
   stored into `.grad`) copies a temporary nobody reads afterwards, and `t17 = y.copy()` an
   input that nothing writes while the copy is read and that the copy never leaves the
   program: `t37 = t31` and `t17 = y` give the same values, laid out the same way.
4. *Results computed where they are copied to.* `t51 = np.add(w, t50)` then
   `np.copyto(w, t51)` (SGD's update) becomes `np.add(w, t50, out=(w,))` when nothing else
   reads `t51` and nothing touches `w` in between: for an elementwise op that IEEE defines
   exactly (add, multiply, ...) each element is the same wherever it is stored.
"""

from __future__ import annotations

import numpy as np

from .record import Line

_ALWAYS_LIVE = 1 << 62  # the last use of a name the program returns or writes back


def optimize(rec, lines: list, live: set) -> list:
    """The three passes of the module docstring, in order."""
    lines = [_aliased(line) for line in lines]
    lines = _fold(rec, lines, live)
    lines = _drop_copies(rec, lines, live)
    return _write_in_place(rec, lines, live)


def _aliased(line: Line) -> Line:
    if line.alias_of is None or not line.defines:
        return line
    return _replaced(line, f"{line.defines[0]} = {line.alias_of}", {line.alias_of})


def _replaced(line: Line, source: str, uses: set) -> Line:
    new = Line(source, line.defines, uses, line.effect, line.comment)
    new.site, new.writes = line.site, line.writes
    return new


def _owner(value):
    """The array that owns the memory `value` views (None for a non-array)."""
    if not isinstance(value, np.ndarray):
        return None
    while isinstance(value.base, np.ndarray):
        value = value.base
    return value


class _Groups:
    """Names grouped by the memory they share (a temporary and its views)."""

    def __init__(self, rec):
        self.objects = rec.objects
        self.cache: dict[str, int | None] = {}

    def of(self, name: str):
        if name not in self.cache:
            owner = _owner(self.objects.get(name))
            self.cache[name] = None if owner is None else id(owner)
        return self.cache[name]

    def all(self, names) -> set:
        return {g for g in map(self.of, names) if g is not None}


def _fold(rec, lines: list, live: set) -> list:
    """Pass 2 (see the module docstring)."""
    groups = _Groups(rec)
    known = {n for n in rec.constants if n not in rec.mutated}
    bad = groups.all(live)
    while True:
        folded, dropped, newly_bad = _foldable(rec, lines, known, groups, bad)
        if not newly_bad - bad:
            break
        bad |= newly_bad
    if not folded:
        return lines
    for name in folded:
        value = np.array(np.ndarray.view(rec.objects[name], np.ndarray), copy=True, order="K")
        stored = rec.fresh("_c")
        # A NumPy scalar in eager mode (traced as a 0-d array) stays a NumPy scalar.
        rec.namespace[stored] = value[()] if name in rec.scalar_vars else value
        rec.constants[name] = stored
        rec.folded.add(name)
    return [line for i, line in enumerate(lines) if i not in dropped]


def _foldable(rec, lines: list, known: set, groups: _Groups, bad: set) -> tuple:
    """One round of folding: (names folded, indices of lines dropped, groups that failed)."""
    folded, dropped, read, newly_bad = set(), set(), set(), set(bad)
    for i, line in enumerate(lines):
        ready = known | folded
        if line.writes:
            written = groups.all(line.writes)
            if line.uses <= ready and not written & (read | newly_bad) and written and all(
                groups.of(n) in written for n in line.writes
            ) and all(n in folded for n in line.writes):  # fmt: skip
                dropped.add(i)  # a constant write into a folded array before anyone read it
                continue
            newly_bad |= written
        elif not line.effect and line.defines and line.uses <= ready:
            if all(_constant_value(rec, n) and groups.of(n) not in newly_bad
                   for n in line.defines):  # fmt: skip
                folded.update(line.defines)
                dropped.add(i)
        read |= groups.all(line.uses)
    failed = {n for n in folded if groups.of(n) in newly_bad}
    if failed:
        return folded - failed, dropped, newly_bad
    return folded, dropped, newly_bad


def _constant_value(rec, name: str) -> bool:
    """Whether the traced value of `name` can stand in for it: an array that a copy
    reproduces with the same layout."""
    value = rec.objects.get(name)
    if value.__class__ is not _traced_array():
        return False
    flags = value.flags
    return flags.c_contiguous or flags.f_contiguous


def _traced_array():
    from .trace import TracedArray

    return TracedArray


def _drop_copies(rec, lines: list, live: set) -> list:
    """Pass 3 (see the module docstring)."""
    if not any(line.copy_of for line in lines):
        return lines
    groups = _Groups(rec)
    last: dict[str, int] = {}
    defined = set()
    for i, line in enumerate(lines):
        for name in line.uses:
            last[name] = i
        defined.update(line.defines)
    for name in live:
        last[name] = _ALWAYS_LIVE
    members: dict[int, set] = {}
    for name in defined | set(last):
        g = groups.of(name)
        if g is not None:
            members.setdefault(g, set()).add(name)
    merged: dict[int, int] = {}  # group -> the group it was merged into

    def find(g):
        while g in merged:
            g = merged[g]
        return g

    out = []
    for i, line in enumerate(lines):
        source = line.copy_of
        g = None if source is None or not line.defines else groups.of(source)
        target = None if g is None else groups.of(line.defines[0])
        if (
            target is not None
            and _whole(rec.objects[source])
            and (
                _dead_after(find(g), i, members, defined, last)
                or _unchanged_while_read(
                    lines, i, find(g), find(target), members, last, groups, find
                )
            )
        ):
            merged[find(target)] = find(g)
            members[find(g)] |= members.pop(find(target), set())
            out.append(_replaced(line, f"{line.defines[0]} = {source}", {source}))
            continue
        out.append(line)
    return out


def _unchanged_while_read(lines, i: int, source, copy, members, last, groups, find) -> bool:
    """Whether the copy made at line i (group `copy`) never leaves the program, and neither it
    nor the array it copies (group `source`, an input say) is written while it is read."""
    names = members.get(copy, ())
    end = max((last.get(n, -1) for n in names), default=-1)
    if end >= _ALWAYS_LIVE:
        return False
    for line in lines[i + 1 : end + 1]:
        if line.writes and {find(w) for w in groups.all(line.writes)} & {source, copy}:
            return False
    return True


def _dead_after(g, i: int, members: dict, defined: set, last: dict) -> bool:
    """Whether every name in group `g` is a temporary of this program unused after line i."""
    names = members.get(g, ())
    return all(n in defined and last.get(n, -1) <= i for n in names)


def _whole(value) -> bool:
    """The array spans its whole buffer (an alias to it keeps no larger buffer alive)."""
    owner = _owner(value)
    return owner is not None and owner.nbytes == value.nbytes


def _write_in_place(rec, lines: list, live: set) -> list:
    """Pass 4 (see the module docstring)."""
    if not any(line.copy_into for line in lines):
        return lines
    groups = _Groups(rec)
    defined_at = {n: i for i, line in enumerate(lines) for n in line.defines}
    uses: dict[str, int] = {}
    for line in lines:
        for name in line.uses:
            uses[name] = uses.get(name, 0) + 1
    lines, dropped = list(lines), set()
    for j, line in enumerate(lines):
        source, i = line.copy_into, defined_at.get(line.copy_into)
        if i is None or source in live or uses.get(source) != 1 or not line.writes:
            continue
        made, target = lines[i], line.writes[0]
        if (
            not made.exact
            or made.defines != (source,)
            or not made.source.startswith(source + " = ")
        ):
            continue
        if not _same_kind(rec.objects.get(source), rec.objects.get(target)):
            continue
        group = groups.of(target)
        if any(group in groups.all(k.uses | set(k.writes)) for k in lines[i + 1 : j]):
            continue
        expr = made.source[len(source) + 3 : -1]
        fused = Line(f"{expr}, out=({target},))", (), made.uses | {target}, True, made.comment)
        fused.site, fused.writes = made.site, (target,)
        lines[i] = fused
        dropped.add(j)
    return [line for k, line in enumerate(lines) if k not in dropped]


def _same_kind(a, b) -> bool:
    """Two arrays of the same shape and dtype."""
    return (
        isinstance(a, np.ndarray)
        and isinstance(b, np.ndarray)
        and a.shape == b.shape
        and a.dtype == b.dtype
    )
