"""Count the Python bytecodes one step executes, by function: a profile that noise cannot move.

    python benchmarks/opcodes.py W1 [--top 25]
    python benchmarks/opcodes.py add mul_sum_backward

On a shared machine timings wander by tens of percent from run to run; the number of bytecode
instructions the interpreter executes for one step does not move at all. Every instruction
costs roughly the same few nanoseconds, so the count says where a small step's time goes
(Python's bookkeeping) as opposed to NumPy's own work, which runs in C and counts nothing here.
The case's `tinygrad_nn` step runs a few times first, then once more under a tracer that
counts each executed instruction against the function it belongs to.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tinygrad_nn
from benchmarks.workloads import CASES


def count_opcodes(step, repeats: int = 3) -> tuple[float, collections.Counter]:
    """Bytecodes executed per call of `step()`, in total and per `file:function`."""
    counts = collections.Counter()

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True  # ask for an "opcode" event per instruction
        if event == "opcode":
            code = frame.f_code
            counts[f"{os.path.basename(code.co_filename)}:{code.co_name}"] += 1
        return tracer

    sys.settrace(tracer)
    try:
        for _ in range(repeats):
            step()
    finally:
        sys.settrace(None)
    per_step = collections.Counter({name: n / repeats for name, n in counts.items()})
    return sum(per_step.values()), per_step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="+", choices=sorted(CASES))
    parser.add_argument("--top", type=int, default=20, help="functions to list per case")
    args = parser.parse_args()
    for name in args.cases:
        case = CASES[name]
        step = case.lib_step(tinygrad_nn, case.make_data(np.random.default_rng(0)))
        for _ in range(3):  # warm-up: first calls fill caches (dtype tables, shapes)
            step()
        total, per_function = count_opcodes(step)
        print(f"{name}: {total:,.0f} bytecodes per step")
        for function, n in per_function.most_common(args.top):
            print(f"  {n:8,.0f}  {100 * n / total:5.1f}%  {function}")


if __name__ == "__main__":
    main()
