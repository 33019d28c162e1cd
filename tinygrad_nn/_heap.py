"""Keep freed heap memory for the next training step (Linux with glibc only).

A training step allocates its activations in the forward pass and frees them by the end of
the backward pass; the next step allocates them again. glibc's malloc hands freed memory at
the top of its heap back to the system as soon as more than a small threshold of it is free,
so every forward pass asks the kernel for the same memory once more, and the kernel maps it
in page by page: one page fault per 4 KB touched. On the transformer benchmark (W7) that was
~3,000 faults per step, a third of the step's time.

glibc's `M_TOP_PAD` setting keeps that much free memory at the top of the heap when it trims
(and grows the heap by as much when it must grow). This module sets it once, when the
package is imported, to 64 MB: the memory is reused instead of returned, and nothing a
program computes changes. A process that sets `MALLOC_TOP_PAD_` in its environment (glibc
reads it at start-up) keeps its own choice: `MALLOC_TOP_PAD_=131072` restores glibc's default.
"""

from __future__ import annotations

import ctypes
import os
import platform

M_TOP_PAD = -2  # mallopt's parameter number for the top pad (glibc's malloc.h)
KEPT_BYTES = 64 << 20


def keep_freed_heap(nbytes: int = KEPT_BYTES) -> bool:
    """Ask glibc's malloc to keep `nbytes` of freed memory at the top of the heap.

    Returns True if the setting was made; False on other C libraries, or when the
    environment already chose a value through `MALLOC_TOP_PAD_`.
    """
    if platform.system() != "Linux" or "MALLOC_TOP_PAD_" in os.environ:
        return False
    if platform.libc_ver()[0] != "glibc":  # musl and others: their malloc has no such knob
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter itself uses
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt(M_TOP_PAD, nbytes) == 1  # mallopt returns 1 on success
