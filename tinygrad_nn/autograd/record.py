"""Where did this op come from? Source locations and inputs, captured as ops are recorded.

The debugging tools (`check_graph`, `detect_anomaly`, `trace_backward`, the in-place error)
want to point at *the user's line* that made a node: the first stack frame outside this
package, so `self.fc(x)` in a model is found rather than a line inside `nn/`.

Walking the stack costs about a microsecond per op, a third of a cheap op's total, so it is
off by default and switched on around the code you want to debug:

    with autograd.record_graph():       # locations + inputs of every op recorded inside
        loss = model(x)
    report = autograd.check_graph(loss)  # can now recompute each node from its inputs

    autograd.set_record_locations(True)  # locations only, for the rest of the program

Two exceptions are always on. In-place ops note which op changed a tensor and where, on the
tensor's version counter (a cheap append, and only for tensors that are part of a graph),
so the "modified by an inplace operation" error can name that line. And a user's own
`Function` subclass (one defined outside this package) records its location and inputs,
so `check_graph` can test it in any graph (`record_user_op`).
"""

from __future__ import annotations

import linecache
import os
import sys

from .function import _hooks

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

# The in-place operator methods, shown as the Python syntax that called them.
_OPERATORS = {"__iadd__": "+=", "__isub__": "-=", "__imul__": "*=", "__itruediv__": "/=",
              "__ipow__": "**=", "__imatmul__": "@=", "__setitem__": "item assignment"}  # fmt: skip


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


def _user_frame(frame):
    """The first frame, going outwards from `frame`, whose code is not in this package."""
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return frame


def user_location() -> Location | None:
    """Where the user's code called into the package (None if it never left the package)."""
    frame = _user_frame(sys._getframe(1))
    if frame is None:
        return None
    return Location(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


def location_of(node) -> Location | None:
    """The recorded creation site of a graph node, if one was captured."""
    metadata = getattr(node, "metadata", None)
    return metadata.get("location") if metadata else None


# ---------------------------------------------------------------- recording switch


class _Recording:
    """What the creation hook records; the hook is installed only while something is on."""

    graphs = 0  # depth of nested record_graph() blocks: inputs and outputs are kept
    locations = False  # set_record_locations(True)
    installed = False


def _record(node, args, outputs) -> None:
    metadata = node.metadata
    if "location" not in metadata:
        metadata["location"] = user_location()
    if _Recording.graphs:
        _keep_inputs(metadata, args, outputs)


def _keep_inputs(metadata: dict, args: tuple, outputs: tuple) -> None:
    # Tensors, not arrays: an in-place op later gives its input alias a private copy of
    # the old values, and the version numbers tell check_graph if anything changed since.
    metadata["inputs"] = args
    metadata["input_versions"] = tuple(getattr(a, "_vc", (None,))[0] for a in args)
    metadata["outputs"] = tuple(
        (out._data, out._vc, out._vc[0]) if hasattr(out, "_vc") else None for out in outputs
    )


def record_user_op(node, args, outputs) -> None:
    """Always on for a `Function` defined outside this package (called by `function.py`).

    A user's own op is where a wrong backward usually hides, and it is rare enough that its
    location and inputs can always be kept: `check_graph(loss)` then checks it, and names
    its line, without `record_graph()`. The inputs live as long as the graph does.
    """
    metadata = node.metadata
    if "location" not in metadata:
        metadata["location"] = user_location()
    _keep_inputs(metadata, args, outputs)


def _update_hook() -> None:
    wanted = bool(_Recording.graphs or _Recording.locations)
    if wanted and not _Recording.installed:
        _hooks.on_create.append(_record)
    elif not wanted and _Recording.installed:
        _hooks.on_create.remove(_record)
    _Recording.installed = wanted


class record_graph:
    """Context manager: every op recorded inside keeps its source location and its inputs.

    Needed by `check_graph`, which recomputes each node's forward from those inputs; the
    locations also appear in `trace_backward`, anomaly and in-place error messages.
    The inputs stay alive as long as the graph does, so use it for debugging runs.
    """

    def __enter__(self):
        _Recording.graphs += 1
        _update_hook()
        return self

    def __exit__(self, *exc_info) -> bool:
        _Recording.graphs -= 1
        _update_hook()
        return False


def set_record_locations(mode: bool) -> None:
    """Record the source location of every op from now on (True) or stop (False)."""
    _Recording.locations = bool(mode)
    _update_hook()


def is_recording_locations() -> bool:
    """True while ops record where they were created."""
    return _Recording.installed


# ---------------------------------------------------------------- in-place history

_KEEP = 4  # in-place records kept per version counter: the error needs the first after a save


def note_inplace(vc: list) -> None:
    """Append (new version, op name, code, line) of the in-place op just applied to `vc`.

    `vc` is the tensor's version counter, a list whose element 0 is the version; the notes
    ride along after it, shared by every view of the same memory, and die with it.
    """
    frame, name = sys._getframe(1), "an in-place op"
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        name = frame.f_code.co_name  # the outermost package frame is the method called
        frame = frame.f_back
    code = frame.f_code if frame is not None else None  # Location made only on error
    vc.append((vc[0], _OPERATORS.get(name, name), code, frame.f_lineno if code else 0))
    if len(vc) > _KEEP + 1:
        del vc[1]


def describe_inplace(node, vc: list, version: int) -> str:
    """The lines of the in-place error that say where the tensor was saved and changed."""
    saved_at = location_of(node)
    lines = [f"\n  saved by {node.name()}, " + (
        f"created at {saved_at.describe()}" if saved_at else
        "created at an unknown line (build the graph inside `autograd.record_graph()` or "
        "`autograd.detect_anomaly()` to see it)")]  # fmt: skip
    changes = [entry for entry in vc[1:] if entry[0] > version]
    for new_version, name, code, lineno in changes[:1]:
        at = Location(code.co_filename, lineno, code.co_name).describe() if code else \
            "an unknown line"  # fmt: skip
        lines.append(f"  changed in place by {name} at {at} (version {new_version - 1} -> "
                     f"{new_version})")  # fmt: skip
    if not changes:
        lines.append("  changed in place by an op that was not recorded (e.g. under no_grad)")
    elif len(changes) > 1:
        lines.append(f"  ({len(changes) - 1} later in-place change(s) as well)")
    return "\n".join(lines)
