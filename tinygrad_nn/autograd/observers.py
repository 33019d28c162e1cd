"""What the debugging tools (`tinygrad_nn.debug`) may watch, and where each op came from.

The core calls the observers at three points - an op recorded, a node's backward run, a
gradient stored into a leaf - and the lists are empty in normal use, so watching costs
nothing until a tool attaches. The creation site of every recorded node is always kept:
it is what lets the in-place error name the line of the op that saved a tensor.
"""

from __future__ import annotations

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
    """(code, line) of the user's line that is running an op: the first frame outside this
    package. A code object and a number, no traceback: cheap enough to keep for every node.

    Each frame looked at costs Python a frame object, so the walk starts as high as it can:
    above `Function.apply`'s caller, which for a built-in op is the package's own code."""
    frame = sys._getframe(2 if user_op else 3)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    return None if frame is None else (frame.f_code, frame.f_lineno)
