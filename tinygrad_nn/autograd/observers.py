"""What the debugging tools (`tinygrad_nn.debug`) may watch, and where each op came from.

The core calls the observers at three points - an op recorded, a node's backward run, a
gradient stored into a leaf - and the lists are empty in normal use, so watching costs
nothing until a tool attaches. The creation site of every recorded node is always kept:
it is what lets the in-place error name the line of the op that saved a tensor.
"""

from __future__ import annotations

import dis
import os
import sys

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class observers:
    """The one place debugging tools attach (`tinygrad_nn.debug`): lists of callbacks, empty in
    normal use, so watching costs the core one check per op and per backward step."""

    on_create: list = []  # hook(node, args, outputs) after an op is recorded
    on_backward: list = []  # hook(node, grad_outputs, grad_inputs) after a node's backward
    on_accumulate: list = []  # hook(leaf, grad) after a gradient reached a leaf


def creation_site(user_op: bool = True):
    """(code, instruction offset) of the user's line that is running an op: the first frame
    outside this package. No traceback and not even the line number, which Python works out
    by scanning the code's line table: `site_line` does that only when a message needs it.

    Each frame looked at costs Python a frame object, so the walk starts as high as it can:
    above `Function.apply`'s caller, which for a built-in op is the package's own code."""
    frame = sys._getframe(2 if user_op else 3)
    while frame is not None:
        code = frame.f_code
        inside = _INSIDE.get(code)
        if inside is None:  # first time this code runs an op: is it ours?
            if len(_INSIDE) > 10_000:  # code made at run time (exec, notebooks): stay small
                _INSIDE.clear()
            inside = _INSIDE[code] = code.co_filename.startswith(_PACKAGE)
        if not inside:
            return code, frame.f_lasti
        frame = frame.f_back
    return None


_INSIDE: dict = {}  # code object -> whether it is this package's (a dict lookup, not a prefix test)


def site_line(site) -> tuple | None:
    """(code, line number) of a creation site, or None."""
    if site is None:
        return None
    code, offset = site
    line = None
    for start, number in dis.findlinestarts(code):  # line starts, in the order of the code
        if start > offset:
            break
        line = number
    return code, line
