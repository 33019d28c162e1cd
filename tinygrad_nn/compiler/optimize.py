"""Passes over a program's lines that make it cheaper and leave every bit where it was.

Each pass removes Python work or memory traffic, never arithmetic: the NumPy calls that
remain run in the recorded order on the same values, laid out the same way (pass 6 changes
one layout, and checks that BLAS does not mind), so the results cannot change.

1. *Aliases.* A view that is exactly an array the program already names (`w.T.T`,
   `g.reshape(g.shape)`) becomes `t9 = w`.
2. *Common subexpressions.* A line that computes what an earlier line computed, from the
   same arrays with the same values (`np.add(1, t165)` twice in a sigmoid, `w.T` once per
   time step of an LSTM), becomes `t169 = t167`: when both are views of the same memory, or
   when nothing writes into the operands in between and nothing ever writes into either
   result (the two names may then share one array, as no one can tell).
3. *Constant folding.* A line whose operands are all constants (`np.ones((), float32)`,
   then `t23 = t22 / 4.0`) computes the same value on every call: the program reads the
   value traced on the first call instead. Only arrays that nothing writes after they are
   first read, and that never leave the program, qualify.
4. *Copies nobody can tell from the original.* `t37 = np.array(t31, copy=True)` (a gradient
   stored into `.grad`) copies a temporary nobody reads afterwards, and `t17 = y.copy()` an
   input that nothing writes while the copy is read and that the copy never leaves the
   program: `t37 = t31` and `t17 = y` give the same values, laid out the same way.
5. *Results computed where they are copied to.* `t51 = np.add(w, t50)` then
   `np.copyto(w, t51)` (SGD's update) becomes `np.add(w, t50, out=(w,))` when nothing else
   reads `t51` and nothing touches `w` in between: for an elementwise op that IEEE defines
   exactly (add, multiply, ...) each element is the same wherever it is stored.
6. *Matrix operands laid out for BLAS.* A transposed weight that many products read
   (`t156 = w.T`, then `np.matmul(h, t156)` at each of 50 time steps) is copied once into
   row-major order, `t9001 = np.ascontiguousarray(t156)`, and the products read the copy:
   OpenBLAS runs small products twice as fast on it. This one changes a layout, so it
   relies on BLAS computing each element by the same sequence of multiply-adds whichever
   way an operand is stored (the kernels are the same; only the packing of the operand
   differs). The pass checks that on the traced arrays, both ways, for each shape it
   changes, and leaves the lines alone where the bits differ.
7. *Dead operands reused.* `t46 = np.subtract(t43, t44)` where this is the last read of
   the temporary `t43`, laid out as the result would be, becomes
   `t46 = np.subtract(t43, t44, out=(t43,))`: no new buffer, no cold memory. Only for the
   elementwise ops IEEE defines exactly (as pass 5).
   So too ReLU's backward, `t38 = np.where(t37, c1, t33)` with `t33` dead and `c1` one
   number: `np.putmask(t33, t37, c1)` then `t38 = t33`, the same values a third faster.

8. *Cheaper spellings* of the same NumPy call (`spellings.py`): a reduction that keeps
   dims only to have them reshaped away, and operators on NumPy scalars.

After passes 2 and 4, an alias `t169 = t167` is dropped and the lines after it read `t167`
(unless the program hands `t169` out): one Python statement less, and the passes that
count readers (5) see every reader of the array under one name.
"""

from __future__ import annotations

import re

import numpy as np

from . import spellings
from .record import Line

_ALWAYS_LIVE = 1 << 62  # the last use of a name the program returns or writes back


def optimize(rec, lines: list, live: set) -> list:
    """The passes of the module docstring, in order."""
    lines = [_aliased(line) for line in lines]
    lines = _renamed(rec, _common(rec, lines, live), live)
    lines = _fold(rec, lines, live)
    lines = _renamed(rec, _drop_copies(rec, lines, live), live)
    lines = _contiguous_operands(rec, _write_in_place(rec, lines, live))
    return spellings.respell(rec, _reuse_dead(rec, lines, live), live)


def _aliased(line: Line) -> Line:
    if line.alias_of is None or not line.defines:
        return line
    return _replaced(line, f"{line.defines[0]} = {line.alias_of}", {line.alias_of})


def _renamed(rec, lines: list, live: set) -> list:
    """Aliases `b = a` dropped, and `b` read as `a` by the lines after them (see above)."""
    keep = live | rec.decision_uses
    canonical: dict[str, str] = {}
    out = []
    for line in lines:
        if canonical and (line.uses & canonical.keys() or set(line.writes) & canonical.keys()):
            line = _with_names(rec, line, canonical)
        target = _alias_target(line)
        if target is not None and line.defines[0] not in keep:
            canonical[line.defines[0]] = target
            continue
        out.append(line)
    return out


def _alias_target(line: Line) -> str | None:
    """`a` for a line `b = a` (a plain name), else None."""
    if len(line.uses) != 1 or line.effect or line.writes or len(line.defines) != 1:
        return None
    name, _, value = line.source.partition(" = ")
    if name != line.defines[0] or line.uses != {value}:
        return None
    return value


def _with_names(rec, line: Line, canonical: dict) -> Line:
    """`line` reading canonical names instead of the aliases it names."""

    def rename(name):
        return None if name is None else canonical.get(name, name)

    source = _NAME.sub(lambda m: canonical.get(m.group(0), m.group(0)), line.source)
    new = _replaced(line, source, {canonical.get(n, n) for n in line.uses})
    new.writes = tuple(map(rename, line.writes))
    for name in line.writes:
        if name in rec.mutated:
            rec.mutated.add(rename(name))
    new.copy_of, new.alias_of = rename(line.copy_of), rename(line.alias_of)
    new.copy_into, new.exact = rename(line.copy_into), line.exact
    return new


def _replaced(line: Line, source: str, uses: set) -> Line:
    new = _derived(line, source, line.defines, uses, line.effect)
    new.writes = line.writes
    return new


def _derived(like: Line, source: str, defines: tuple, uses: set, effect: bool) -> Line:
    """A new line that stands for `like` (its comment, the user's line behind it), made
    without walking the stack again to find that user's line (as `Line()` does)."""
    new = Line.__new__(Line)
    new.source, new.defines, new.uses, new.effect = source, defines, uses, effect
    new.comment, new.site, new.writes = like.comment, like.site, ()
    new.copy_of = new.alias_of = new.copy_into = None
    new.exact = False
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


_NAME = re.compile(r"\b[ts]\d+\b")  # the names lines define: temporaries and numbers


def _common(rec, lines: list, live: set) -> list:
    """Pass 2 (see the module docstring)."""
    groups = _groups(rec)
    written: dict = {}  # memory group -> the indices of the lines that write into it
    for i, line in enumerate(lines):
        for g in groups.all(line.writes):
            written.setdefault(g, []).append(i)
    shared = set(written) | groups.all(live)
    canonical: dict[str, str] = {}  # a name -> the earlier name it is the same array as
    first: dict[str, tuple] = {}  # expression, in canonical names -> (line index, name)
    out = []
    for i, line in enumerate(lines):
        key = _expression(line, canonical)
        if key is None:
            out.append(line)
            continue
        name = line.defines[0]
        if line.alias_of is not None:  # `t9 = w` from pass 1
            canonical[name] = canonical.get(line.alias_of, line.alias_of)
        earlier = first.get(key)
        if earlier is None or not _same_value(groups, written, shared, line, earlier, i, live):
            first.setdefault(key, (i, name))
            out.append(line)
            continue
        canonical[name] = canonical.get(earlier[1], earlier[1])
        rec.objects[name] = rec.objects[earlier[1]]  # one array under two names from now on
        groups.cache[name] = groups.of(earlier[1])
        out.append(_replaced(line, f"{name} = {earlier[1]}", {earlier[1]}))
    return out


def _expression(line: Line, canonical: dict) -> str | None:
    """The right-hand side of `name = expression` in canonical names; None for a line with
    an effect, one that writes, or one that defines several names."""
    if line.effect or line.writes or len(line.defines) != 1:
        return None
    prefix = line.defines[0] + " = "
    if not line.source.startswith(prefix):
        return None
    expression = line.source[len(prefix) :]
    if not canonical:
        return expression
    return _NAME.sub(lambda m: canonical.get(m.group(0), m.group(0)), expression)


def _same_value(groups: _Groups, written: dict, shared: set, line: Line, earlier, i: int, live):
    """Whether `line` (index i) may reuse the array of the earlier line with its expression;
    `shared`: the memory written into, here or by a caller it is handed out to."""
    j, name = earlier
    if line.defines[0] in live:
        return False  # it leaves the program: a caller could tell the two apart
    mine, theirs = groups.of(line.defines[0]), groups.of(name)
    if mine is not None and mine == theirs:
        return True  # two views of the same memory, laid out alike: the same array
    if any(k in shared for k in (mine, theirs) if k is not None):
        return False  # a write into one (here or by the caller) would show through the other
    for g in groups.all(line.uses):
        if any(j < k < i for k in written.get(g, ())):
            return False  # an operand changed in between: the values differ
    return True


def _groups(rec) -> _Groups:
    """The memory groups of a recording's names, worked out once for all the passes."""
    if rec.memory_groups is None:
        rec.memory_groups = _Groups(rec)
    return rec.memory_groups


def _fold(rec, lines: list, live: set) -> list:
    """Pass 3 (see the module docstring)."""
    groups = _groups(rec)
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
    """Pass 4 (see the module docstring)."""
    if not any(line.copy_of for line in lines):
        return lines
    groups = _groups(rec)
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
    """Pass 5 (see the module docstring)."""
    if not any(line.copy_into for line in lines):
        return lines
    groups = _groups(rec)
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
        fused = _derived(made, f"{expr}, out=({target},))", (), made.uses | {target}, True)
        fused.writes = (target,)
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


_MATMUL = re.compile(r"(\w+) = np\.matmul\((\w+), (\w+)\)")
_MIN_READERS = 2  # the copy costs about one product: it pays from the second one on


def _contiguous_operands(rec, lines: list) -> list:
    """Pass 6 (see the module docstring)."""
    readers: dict[str, list] = {}  # a transposed matrix -> the products that read it
    for i, line in enumerate(lines):
        match = None if line.writes else _MATMUL.fullmatch(line.source)
        if match and _transposed(rec.objects.get(match[3])):
            readers.setdefault(match[3], []).append((i, match))
    changed: dict[int, Line] = {}
    inserted: dict[int, Line] = {}
    groups, verified = _groups(rec), {}
    for name, uses in readers.items():
        first, last = uses[0][0], uses[-1][0]
        if len(uses) < _MIN_READERS or _written_between(lines, groups, name, first, last):
            continue
        if not all(_blas_agrees(rec, m[2], name, verified) for _, m in uses):
            continue
        copy = rec.fresh("t")
        value = np.ascontiguousarray(np.ndarray.view(rec.objects[name], np.ndarray))
        rec.objects[copy] = value.view(_traced_array())
        source = f"{copy} = np.ascontiguousarray({name})"
        inserted[first] = _derived(lines[first], source, (copy,), {name}, False)
        for i, m in uses:
            new = _replaced(lines[i], f"{m[1]} = np.matmul({m[2]}, {copy})", {m[2], copy})
            changed[i] = new
    if not inserted:
        return lines
    out = []
    for i, line in enumerate(lines):
        if i in inserted:
            out.append(inserted[i])
        out.append(changed.get(i, line))
    return out


def _transposed(value) -> bool:
    """A 2-d float matrix stored column-major only (the transpose of a row-major one)."""
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 2
        and value.dtype in (np.float32, np.float64)
        and value.flags.f_contiguous
        and not value.flags.c_contiguous
    )


def _written_between(lines: list, groups: _Groups, name: str, first: int, last: int) -> bool:
    group = groups.of(name)
    return any(group in groups.all(line.writes) for line in lines[first:last] if line.writes)


def _blas_agrees(rec, left: str, right: str, verified: dict) -> bool:
    """Whether `left @ right` has the same bits with `right` copied row-major, tried on the
    traced arrays (once per shape and layout: BLAS picks its kernels by those alone)."""
    a, b = rec.objects.get(left), rec.objects.get(right)
    if not isinstance(a, np.ndarray):
        return False
    a, b = np.ndarray.view(a, np.ndarray), np.ndarray.view(b, np.ndarray)
    key = (a.shape, a.strides, a.dtype, b.shape, b.dtype)
    if key not in verified:
        one, other = np.matmul(a, b), np.matmul(a, np.ascontiguousarray(b))
        verified[key] = (
            one.dtype == other.dtype
            and one.shape == other.shape
            and one.strides == other.strides
            and one.tobytes() == other.tobytes()
        )
    return verified[key]


_CALL = re.compile(r"(\w+) = (np\.\w+)\((.*)\)")
_PLAIN_NAME = re.compile(r"[A-Za-z_]\w*")


def _reuse_dead(rec, lines: list, live: set) -> list:
    """Pass 7 (see the module docstring)."""
    groups, keep = _groups(rec), live | rec.decision_uses
    last: dict[str, int] = {}
    defined: set = set()
    for i, line in enumerate(lines):
        for name in line.uses:
            last[name] = i
        defined.update(line.defines)
    for name in keep:
        last[name] = _ALWAYS_LIVE  # a view of it handed out (saved for backward) keeps it
    members: dict = {}
    for name in defined | set(last):
        members.setdefault(groups.of(name), set()).add(name)
    out = []
    for i, line in enumerate(lines):
        where = None if line.writes or line.effect else _WHERE.fullmatch(line.source)
        if where and _masked_in_place(rec, groups, members, last, defined, keep, where, i):
            out += _put_mask(rec, line, where)
            continue
        match = _CALL.fullmatch(line.source) if line.exact and not line.writes else None
        operands = match[3].split(", ") if match else ()
        dead = [
            n
            for n in operands
            if _PLAIN_NAME.fullmatch(n)
            and n in defined
            and n not in keep
            and _reusable(rec, groups, members, last, defined, n, match[1], i)
        ]
        if not dead:
            out.append(line)
            continue
        # A ufunc returns its `out`: the result keeps its name, on the reused memory.
        source = f"{line.source[:-1]}, out=({dead[0]},))"
        fused = _derived(line, source, line.defines, line.uses, True)
        fused.writes = (dead[0],)
        rec.mutated.add(dead[0])
        out.append(fused)
    return out


def _reusable(rec, groups, members, last, defined, name: str, result: str, i: int) -> bool:
    """Whether temporary `name`, read for the last time at line i, can hold `result`."""
    value, made = rec.objects.get(name), rec.objects.get(result)
    if not isinstance(value, np.ndarray) or not isinstance(made, np.ndarray):
        return False
    if name in rec.scalar_vars or result in rec.scalar_vars or not _whole(value):
        return False
    if (value.shape, value.strides, value.dtype) != (made.shape, made.strides, made.dtype):
        return False  # a later op would see another layout
    names = members.get(groups.of(name), ())
    return all(n in defined and last.get(n, -1) <= i for n in names)


_WHERE = re.compile(r"(\w+) = np\.where\((\w+), (\w+), (\w+)\)")


def _masked_in_place(rec, groups, members, last, defined, keep, where, i: int) -> bool:
    """Whether `t = np.where(mask, fill, x)` at line i may write `fill` into `x` instead:
    x a dead temporary laid out as t, mask a boolean array of its shape (putmask pairs them
    by position), fill one number of t's dtype (ReLU's backward: `np.where(x <= 0, 0, g)`)."""
    result, mask, fill, x = where.groups()
    m, f, made = rec.objects.get(mask), rec.objects.get(fill), rec.objects.get(result)
    return (
        x in defined
        and x not in keep
        and isinstance(m, np.ndarray)
        and isinstance(f, np.ndarray)
        and isinstance(made, np.ndarray)
        and m.dtype == np.bool_
        and m.shape == made.shape
        and f.ndim == 0
        and f.dtype == made.dtype
        and _reusable(rec, groups, members, last, defined, x, result, i)
    )


def _put_mask(rec, line: Line, where) -> list:
    """`np.putmask(x, mask, fill)` then `t = x`: the where, written into x (see above)."""
    result, mask, fill, x = where.groups()
    put = _derived(line, f"np.putmask({x}, {mask}, {fill})", (), {x, mask, fill}, True)
    put.writes = (x,)
    rec.mutated.add(x)
    return [put, _derived(line, f"{result} = {x}", (result,), {x}, False)]
