"""Errors in a replayed program point at the user's line, not at the generated code.

A generated program is one long function of NumPy calls; when one of them fails (a NumPy
error, a check inside the program, a shape that no longer fits), the traceback would end in
`<tinygrad_nn.compile step #3>, line 40`, a line the user never wrote. So every recorded line
keeps the *site* it came from while tracing, `(code, line number)` of the user's line:

    forward and optimizer   the first frame outside tinygrad_nn and NumPy (`out = model(x)`)
    backward                the line that recorded the op whose gradient runs (`node._site`),
                            or the user's own `Function.backward` when it is one

`build` in `codegen.py` registers, per generated file, which of its lines came from which
site. When a replay raises, `relocate` adds one frame to the traceback, right after the
generated one, that shows the user's file, line and source, and a note naming them:

    File "<tinygrad_nn.compile step #3>", line 40, in step
      t5 = np.matmul(t3, t4)  # 2 (Linear) · Addmm
    File "train.py", line 12, in step
      loss = loss_fn(model(x), y)
    ValueError: matmul: ...
    tinygrad_nn.compile: raised by the op from train.py:12: loss = loss_fn(model(x), y)

The exception itself (its class, message and the rest of its traceback) is the same one.
"""

from __future__ import annotations

import linecache
import os
import sys
import types

import numpy as np

from ..autograd.observers import site_line

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NUMPY = os.path.dirname(os.path.abspath(np.__file__)) + os.sep
PREFIX = "<tinygrad_nn.compile "  # the file name of every generated program starts so
_SITES: dict[str, dict] = {}  # generated file name -> {its line number: (code, line)}


_ENGINE_CALL = []  # the code of the engine's per-node call, looked up on first use


def _engine_call():
    if not _ENGINE_CALL:
        from ..autograd import engine

        _ENGINE_CALL.append(getattr(getattr(engine, "_call", None), "__code__", None))
    return _ENGINE_CALL[0]


def site() -> tuple | None:
    """(code, line) of the user's line behind the NumPy call being recorded (module doc)."""
    engine_call = _engine_call()
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code is engine_call:  # inside backward: the line that recorded this node
            node = frame.f_locals.get("node")
            found = site_line(getattr(node, "_site", None))
            if found is not None:
                return found
        elif not code.co_filename.startswith((_PACKAGE, _NUMPY)):
            return code, frame.f_lineno
        frame = frame.f_back
    return None


def register(filename: str, sites: dict) -> None:
    """Remember which lines of a generated file came from which user line."""
    if sites:
        _SITES[filename] = sites


def relocate(error: BaseException) -> BaseException:
    """`error`, with the user's line added after the innermost generated frame (module doc)."""
    generated, tb = None, error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(PREFIX):
            generated = tb
        tb = tb.tb_next
    if generated is None:
        return error
    code_line = _SITES.get(generated.tb_frame.f_code.co_filename, {}).get(generated.tb_lineno)
    if code_line is None:
        return error
    code, lineno = code_line
    source = linecache.getline(code.co_filename, lineno).strip()
    if hasattr(error, "add_note"):
        error.add_note(
            f"tinygrad_nn.compile: raised by the op from {code.co_filename}:{lineno}: {source}"
        )
    frame, lasti = _user_frame(code, lineno)
    if frame is not None:
        generated.tb_next = types.TracebackType(generated.tb_next, frame, lasti, lineno)
    return error


class _Marker(Exception):
    pass


def _raise_marker():
    raise _Marker


def _user_frame(code, lineno: int) -> tuple:
    """A real frame object that a traceback prints as the user's line: a statement compiled
    under the user's file name, on that line, that spans the line (so no carets)."""
    line = linecache.getline(code.co_filename, lineno).rstrip()
    stripped = line.lstrip()
    indent = len(line) - len(stripped)
    statement = " " * indent + "_r(" + " " * max(0, len(stripped) - 4) + ")"
    if indent and lineno > 1:  # an indented line needs a block to sit in
        head, text = "\n" * (lineno - 2) + "if 1:\n", statement
    else:
        head, text = "\n" * (lineno - 1), statement.lstrip()
    try:
        stand_in = compile(head + text, code.co_filename, "exec")
        exec(stand_in.replace(co_name=code.co_name), {"_r": _raise_marker})
    except _Marker as marker:
        tb = marker.__traceback__.tb_next
        return tb.tb_frame, tb.tb_lasti
    except SyntaxError:
        pass
    return None, -1
