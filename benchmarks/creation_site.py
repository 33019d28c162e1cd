"""What recording each node's creation site costs per op (goal: <= 0.3 us).

    python benchmarks/creation_site.py [--ops 20000] [--samples 15]

Every recorded op keeps the user's line that made it (`node._site`, a code object and an
instruction offset from `autograd.observers.creation_site`), so the in-place error can always
name it.
This times a loop of recorded ops (`a + b` on 4-element tensors that require grad, called
from a user function a few frames above `Function.apply`) with the real `creation_site` and
with one that returns None at once, alternating the two so both see the same machine load,
and prints the median of each and their difference per op. One thread, as in `run.py`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tinygrad_nn  # noqa: E402
from tinygrad_nn.autograd import function  # noqa: E402


def _ops(a, b, n: int) -> None:
    for _ in range(n):
        a + b  # the op is the point


def _time(n: int) -> float:
    a = tinygrad_nn.ones(4, requires_grad=True)
    b = tinygrad_nn.ones(4, requires_grad=True)
    start = time.process_time()
    _ops(a, b, n)
    return (time.process_time() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    real = function.creation_site
    with_site, without = [], []
    _time(args.ops)  # warm-up
    for _ in range(args.samples):
        function.creation_site = real
        with_site.append(_time(args.ops))
        function.creation_site = lambda user_op=True: None
        without.append(_time(args.ops))
    function.creation_site = real
    on, off = statistics.median(with_site), statistics.median(without)
    print(f"recorded op with creation site:    {on:.3f} us")
    print(f"recorded op without creation site: {off:.3f} us")
    print(f"creation site per op:              {on - off:.3f} us (goal <= 0.3 us)")


if __name__ == "__main__":
    main()
