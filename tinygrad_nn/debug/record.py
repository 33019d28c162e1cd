"""Where did this op come from? Source locations and inputs, captured as ops are recorded.

The debugging tools (`check_graph`, `detect_anomaly`, `trace_backward`, the in-place error)
want to point at *the user's line* that made a node: the first stack frame outside this
package, so `self.fc(x)` in a model is found rather than a line inside `nn/`.

`Function.apply` keeps that line on every node it records, as `node._site`: a code object
and an instruction offset, cheap enough to take for every op. `location_of(node)` turns it
into a `Location` (file, line, source text) only when a message needs one.

What is not kept by default is an op's *inputs*, which would keep every intermediate
tensor alive as long as the graph. `check_graph` needs them to recompute each node, so
they are kept around the code you want to check:

    with autograd.record_graph():        # inputs of every op recorded inside
        loss = model(x)
    report = autograd.check_graph(loss)  # can now recompute each node from its inputs

Two things are always on. In-place ops note which op changed a tensor and where, on the
tensor's version counter (a cheap append, and only for tensors that are part of a graph),
so the "modified by an inplace operation" error can name that line. And a user's own
`Function` subclass (one defined outside this package) keeps its inputs, so `check_graph`
can test it in any graph (`record_user_ops`).
"""

from __future__ import annotations

import linecache
import os
import sys

from ..autograd.function import observers
from ..autograd.observers import site_line

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

# The in-place operator methods, shown as the Python syntax that called them.
_OPERATORS = {
    "__iadd__": "+=",
    "__isub__": "-=",
    "__imul__": "*=",
    "__itruediv__": "/=",
    "__ipow__": "**=",
    "__imatmul__": "@=",
    "__setitem__": "item assignment",
}


class Location:
    """A line of user code: `str(loc)` is "file.py:LINE", `loc.source` the line's text."""

    __slots__ = ("filename", "function", "lineno")

    def __init__(self, filename: str, lineno: int, function: str):
        self.filename, self.lineno, self.function = filename, lineno, function

    @property
    def source(self) -> str:
        """The text of the line, stripped ("" when the file cannot be read)."""
        return linecache.getline(self.filename, self.lineno).strip()

    def describe(self) -> str:
        """ "file.py:LINE: `source`", the form used in error messages."""
        source = self.source
        return f"{self}: `{source}`" if source else str(self)

    def __str__(self) -> str:
        return f"{os.path.basename(self.filename)}:{self.lineno}"

    def __repr__(self) -> str:
        return f"Location({self.filename!r}, {self.lineno}, {self.function!r})"


def _at(code, lineno: int) -> Location:
    return Location(code.co_filename, lineno, code.co_name)


def _user_frame(frame):
    """The first frame, going outwards from `frame`, whose code is not in this package."""
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return frame


def user_location() -> Location | None:
    """Where the user's code called into the package (None if it never left the package)."""
    frame = _user_frame(sys._getframe(1))
    return None if frame is None else _at(frame.f_code, frame.f_lineno)


def location_of(node) -> Location | None:
    """The user's line that created a graph node (None for a leaf, or if it is unknown)."""
    metadata = getattr(node, "__dict__", {}).get("metadata")
    if metadata and metadata.get("location") is not None:  # set by hand, or by a tool
        return metadata["location"]
    site = site_line(getattr(node, "_site", None))
    return None if site is None else _at(*site)


# ---------------------------------------------------------------- recording inputs


class _Recording:
    """Depth of nested record_graph() blocks; the hook is installed while it is above 0."""

    graphs = 0
    user_ops = False  # record_user_ops installed (install_user_op_recording)


def _keep_inputs(node, args: tuple, outputs: tuple) -> None:
    # Tensors, not arrays: an in-place op later gives its input alias a private copy of
    # the old values, and the version numbers tell check_graph if anything changed since.
    metadata = node.metadata
    metadata["inputs"] = args
    metadata["input_versions"] = tuple(_version_now(a) for a in args)
    metadata["outputs"] = tuple(
        (out._data, out._version_counter, out._version_counter[0])
        if hasattr(out, "_data")
        else None
        for out in outputs
    )


def _version_now(value):
    """The version of a tensor argument (None for anything else)."""
    return value._version if hasattr(value, "_data") else None


def record_user_ops(node, args, outputs) -> None:
    """The `on_create` hook that keeps the inputs of a `Function` defined outside this package.

    A user's own op is where a wrong backward usually hides, and it is rare enough that its
    inputs can always be kept: `check_graph(loss)` then checks it, and names its line,
    without `record_graph()`. The inputs live as long as the graph does.
    """
    if getattr(node._fn, "_user_op", False):
        _keep_inputs(node, args, outputs)


def install_user_op_recording() -> None:
    """Install `record_user_ops` (once): called when the first user Function is defined."""
    if not _Recording.user_ops:
        _Recording.user_ops = True
        observers.on_create.append(record_user_ops)


class record_graph:
    """Context manager: every op recorded inside keeps its inputs (and outputs' values).

    Needed by `check_graph`, which recomputes each node's forward from those inputs. The
    inputs stay alive as long as the graph does, so use it for debugging runs.
    """

    def __enter__(self):
        _Recording.graphs += 1
        if _Recording.graphs == 1:
            observers.on_create.append(_keep_inputs)
        return self

    def __exit__(self, *exc_info) -> bool:
        _Recording.graphs -= 1
        if _Recording.graphs == 0:
            observers.on_create.remove(_keep_inputs)
        return False


def set_record_locations(mode: bool) -> None:
    """Kept for older code: every recorded op knows its line now (`node._site`), so there is
    nothing to switch on or off."""


# ---------------------------------------------------------------- in-place history

_KEEP = 4  # in-place records kept per version counter: the error needs the first after a save


def note_inplace(version: list) -> None:
    """Append (new version, op name, code, line) of the in-place op just applied to `version`.

    `version` is the tensor's version counter, a list whose element 0 is the version; the
    notes ride along after it, shared by every view of the same memory, and die with it.
    """
    frame, name = sys._getframe(1), "an in-place op"
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        name = frame.f_code.co_name  # the outermost package frame is the method called
        frame = frame.f_back
    code = frame.f_code if frame is not None else None  # Location made only on error
    version.append((version[0], _OPERATORS.get(name, name), code, frame.f_lineno if code else 0))
    if len(version) > _KEEP + 1:
        del version[1]


def describe_inplace(node, version_counter: list, version: int) -> str:
    """The lines of the in-place error that say where the tensor was saved and changed."""
    saved_at = location_of(node)
    at = saved_at.describe() if saved_at else "an unknown line (outside any Python code)"
    lines = [f"\n  saved by {node.name()}, created at {at}"]
    changes = [entry for entry in version_counter[1:] if entry[0] > version]
    for new_version, name, code, lineno in changes[:1]:
        where = _at(code, lineno).describe() if code else "an unknown line"
        lines.append(
            f"  changed in place by {name} at {where} (version {new_version - 1} -> {new_version})"
        )
    if not changes:
        lines.append("  changed in place by an op that was not recorded (e.g. under no_grad)")
    elif len(changes) > 1:
        lines.append(f"  ({len(changes) - 1} later in-place change(s) as well)")
    return "\n".join(lines)
