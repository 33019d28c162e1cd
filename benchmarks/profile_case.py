"""Profile one benchmark case with cProfile, to see where the time goes.

    python benchmarks/profile_case.py W4 [--impl tinygrad_nn] [--steps 5] [--sort tottime]

Runs a few warm-up steps, then `--steps` profiled steps pinned to one thread, and prints
the functions that took the most time. cProfile's own overhead inflates cheap, frequent
calls, so read the ranking, not the absolute numbers.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import cProfile
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.child import builder, load_library
from benchmarks.workloads import CASES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--impl", default="tinygrad_nn", choices=("tinygrad_nn", "torch", "numpy"))
    parser.add_argument("--steps", type=int, default=5, help="profiled steps (x1000 for per-op)")
    parser.add_argument("--sort", default="tottime", help="pstats sort key, e.g. cumulative")
    parser.add_argument("--limit", type=int, default=30, help="rows to print")
    args = parser.parse_args()
    case = CASES[args.case]
    if args.impl == "numpy" and case.numpy_step is None:
        parser.error(f"case {args.case} has no NumPy twin; use --impl tinygrad_nn or torch")
    step = builder(case, args.impl, load_library(args.impl), {})()
    steps = args.steps * (1000 if case.UNIT == "us" else 1)
    for _ in range(3):
        step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.limit)


if __name__ == "__main__":
    main()
