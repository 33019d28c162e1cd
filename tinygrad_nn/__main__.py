"""`python -m tinygrad_nn script.py [args...]`: run an unmodified PyTorch script on tinygrad_nn.

Inside the script `import torch`, `import torch.nn as nn`, `from torch.utils.data import ...`
and every other `torch.*` import resolve to tinygrad_nn (see `_torch_alias.py`), even where
PyTorch is installed. Everything else is as under `python script.py`: `sys.argv` is the
script and its arguments, `__name__ == "__main__"`, `sys.path[0]` is the script's directory,
a traceback starts at the script's own frames, and the exit code is the script's (1 after an
uncaught exception). `python -m tinygrad_nn -m package.module [args...]` runs a module the
same way.
"""

from __future__ import annotations

import os
import runpy
import sys

from ._torch_alias import install

USAGE = """\
usage: python -m tinygrad_nn script.py [args...]
       python -m tinygrad_nn -m module [args...]

Runs a PyTorch script unchanged, with `import torch` (and every torch.* import) meaning
tinygrad_nn."""


def _is_runner_frame(frame) -> bool:
    """Frames of this file and of runpy: `python script.py` would not show them."""
    filename = frame.f_code.co_filename
    return filename in (__file__, runpy.__file__) or filename == "<frozen runpy>"


def _report(error: BaseException) -> int:
    """Print the traceback from the script's first frame on, as Python would; the exit code."""
    tb = error.__traceback__
    while tb is not None and _is_runner_frame(tb.tb_frame):
        tb = tb.tb_next
    error.__traceback__ = tb  # the hook prints the exception's own traceback, not its argument
    sys.excepthook(type(error), error, tb)
    return 130 if isinstance(error, KeyboardInterrupt) else 1  # 130: the shell's SIGINT code


def _run(argv: list) -> None:
    """Run the script (or `-m module`) in argv[0] with argv as its sys.argv."""
    if argv[0] == "-m":
        sys.argv = [argv[1]] + argv[2:]  # runpy puts the module's path in argv[0]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.realpath(argv[0]))  # as `python script.py` sets it
    runpy.run_path(argv[0], run_name="__main__")


def main(argv: list | None = None) -> int:
    """Run the script named in argv (default: this process's arguments); the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    if not argv or argv == ["-m"]:  # nothing to run: a usage error, as Python's exit code 2
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] != "-m" and not os.path.exists(argv[0]):
        path = os.path.abspath(argv[0])
        print(
            f"python -m tinygrad_nn: can't open file '{path}': [Errno 2] No such file or directory",
            file=sys.stderr,
        )
        return 2
    install()
    try:
        _run(argv)
    except SystemExit:
        raise  # sys.exit() in the script: its code (or message) is the process's
    except BaseException as error:  # reported exactly as Python reports it
        return _report(error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
