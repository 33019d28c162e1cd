"""Shared test settings: one BLAS thread per test worker, and hypothesis profiles.

pytest-xdist runs one worker per core; if every worker's NumPy and PyTorch also started a
thread per core, they would fight over the cores and run many times slower. The variables must
be set before NumPy or PyTorch is first imported, which is why they come first here.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import torch  # noqa: E402
from hypothesis import settings  # noqa: E402

torch.set_num_threads(1)

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
