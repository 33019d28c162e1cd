"""The heap setting made at import (tinygrad_nn/_heap.py): memory a step frees is reused by
the next step instead of being mapped in again, page by page."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the setting exists in glibc's malloc only",
)

# Twenty steps of a training-like pattern: sixty 64 KB arrays (below malloc's mmap threshold,
# so on the heap) allocated and written, then all freed. Prints the page faults of the last
# ten steps.
STEPS = """
import resource, sys
import numpy as np
if sys.argv[1] == "import":
    import tinygrad_nn
def step():
    arrays = [np.ones(16384, np.float32) for _ in range(60)]
    del arrays
for _ in range(10):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str, **env) -> int:
    environ = {k: v for k, v in os.environ.items() if k != "MALLOC_TOP_PAD_"} | env
    done = subprocess.run(
        [sys.executable, "-c", STEPS, mode], env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_freed_memory_is_reused_after_import():
    # 60 x 64 KB per step is ~960 pages: glibc alone hands them back and faults them in again
    assert _faults("no-import") > 2000
    assert _faults("import") < 100


def test_an_environment_choice_is_kept():
    # MALLOC_TOP_PAD_ at glibc's default: the import leaves it alone, the faults come back
    assert _faults("import", MALLOC_TOP_PAD_="131072") > 2000
