"""Shared test settings: one BLAS thread per test worker, and hypothesis profiles.

pytest-xdist runs one worker per core; if every worker's NumPy and PyTorch also started a
thread per core, they would fight over the cores and run many times slower. The variables must
be set before NumPy or PyTorch is first imported, which is why they come first here. PyTorch
is the test oracle but optional: without it, every module that needs it skips itself
(`pytest.importorskip("torch")`) and the rest of the suite runs.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from hypothesis import settings  # noqa: E402

try:
    import torch
except ImportError:
    pass  # the oracle is optional: modules that need it skip themselves
else:
    torch.set_num_threads(1)

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
