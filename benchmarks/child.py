"""Run one benchmark case with one implementation in this process, pinned to one thread.

    python -m benchmarks.child CASE IMPL [--quick] [--rounds N] [--samples N] [--no-gc]

prints one line of JSON: the median seconds per step (wall and CPU clocks) and the memory
figures. `run.py`
starts one such process per (case, implementation), so no library's threads, caches or
garbage leak into another's numbers.

The thread-count variables are set before NumPy or PyTorch is imported: BLAS libraries read
them once, at load time.
"""

from __future__ import annotations

import os

for _var in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
):
    os.environ[_var] = "1"

import argparse
import gc
import json
import math
import resource
import statistics
import time
import tracemalloc

import numpy as np

IMPLS = ("torch", "numpy", "tinygrad_nn")


def load_library(impl: str):
    """The module a lib_step runs on (None for the hand-written NumPy version)."""
    if impl == "numpy":
        return None
    if impl == "torch":
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        return torch
    import tinygrad_nn

    return tinygrad_nn


def builder(case, impl: str, lib, options: dict):
    """A function that builds a fresh `step` (fresh weights, fresh optimizer state)."""
    data = case.make_data(np.random.default_rng(0), **options)
    if impl == "numpy":
        return lambda: case.numpy_step(data)
    return lambda: case.lib_step(lib, data)


def time_steps(step, quick: bool, samples: int | None) -> dict:
    """Warm up, then time `samples` batches of `inner` steps; seconds per step, by two clocks.

    `wall` is elapsed time; `cpu` is this process's CPU time, which leaves out the time the
    process waited while other programs had the CPU (the machine may be shared).
    """
    warm_up, target = (0.1, 0.005) if quick else (0.3, 0.02)
    start, n = time.perf_counter(), 0
    while n < 1 or time.perf_counter() - start < warm_up:
        step()
        n += 1
    per_step = (time.perf_counter() - start) / n
    inner = max(1, math.ceil(target / per_step))  # a sample lasts >= target: timer noise fades
    if samples is None:
        samples = 5 if quick else 15
    wall, cpu = [], []
    for _ in range(samples):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(inner):
            step()
        cpu.append((time.process_time() - start_cpu) / inner)
        wall.append((time.perf_counter() - start) / inner)
    return {
        "wall_s": statistics.median(wall),
        "cpu_s": statistics.median(cpu),
        "wall_min_s": min(wall),
        "cpu_min_s": min(cpu),
        "samples": samples,
        "inner": inner,
    }


def traced_memory(build) -> dict:
    """Peak bytes NumPy and Python allocated (tracemalloc) while one step of a fresh model ran.

    Tracing starts before the model is built, so the peak includes the weights, the
    optimizer state and everything the step allocates. Two steps run first: optimizers
    create their state on the first one.
    """
    gc.collect()
    tracemalloc.start()
    step = build()
    step()
    step()
    gc.collect()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    step()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"traced_peak_mb": peak / 2**20, "traced_step_mb": (peak - before) / 2**20}


def _as_float(out) -> float:
    """The sum of a step's result (a loss or an output) as a Python float."""
    if hasattr(out, "detach"):
        out = out.detach()
    return float(out.sum())


def resident_mb() -> float:
    """Current resident set size of this process, in MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(case_name: str, impl: str, quick: bool, rounds: int | None, samples: int | None) -> dict:
    """Time one case with one implementation; memory too, for training steps."""
    from benchmarks.workloads import CASES

    case = CASES[case_name]
    if impl == "numpy" and case.numpy_step is None:
        return {"case": case_name, "impl": impl, "skipped": "no NumPy twin"}
    options = {} if rounds is None else {"rounds": rounds}
    lib = load_library(impl)
    result = {"case": case_name, "impl": impl, "unit": case.UNIT}
    rss_before = resident_mb()
    build = builder(case, impl, lib, options)
    step = build()
    result.update(time_steps(step, quick, samples))
    out = step()
    result["loss"] = _as_float(out)
    del step, out
    if case.UNIT == "ms" and impl != "torch" and rounds is None:
        result.update(traced_memory(build))  # tracemalloc cannot see PyTorch's allocator
    # ru_maxrss is in KB on Linux: the process's peak, minus what it held before building.
    result["rss_delta_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - rss_before
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case")
    parser.add_argument("impl", choices=IMPLS)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=None, help="W4 chain length")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument(
        "--no-gc",
        action="store_true",
        help="pause Python's cyclic garbage collector (isolates the engine's cost)",
    )
    args = parser.parse_args()
    if args.no_gc:
        gc.disable()
    try:
        result = run(args.case, args.impl, args.quick, args.rounds, args.samples)
    except Exception as e:  # report it in the table, do not lose the run
        result = {"case": args.case, "impl": args.impl, "error": f"{type(e).__name__}: {e}"}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
