"""Where the time of one recorded op goes: the numbers behind benchmarks/README.md's analysis.

    python benchmarks/breakdown.py

Part 1 times the pieces of `a + b` on 4-element tensors one by one (NumPy's own call, the
Tensor wrapper, the graph node, the whole op with and without recording). Part 2 splits the
W4 chain into forward and backward and measures how much of each is Python's cyclic garbage
collector. Pinned to one thread; process CPU time; best of several repeats.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import gc
import sys
import time
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tinygrad_nn as tg
from tinygrad_nn.autograd.function import BackwardNode
from tinygrad_nn.ops.binary import Add

Tensor = tg.Tensor


def per_call_us(stmt: str, namespace: dict, number: int = 100_000) -> float:
    """Best-of-7 process CPU time of one execution of `stmt`, in microseconds."""
    runs = timeit.repeat(stmt, globals=namespace, number=number, repeat=7, timer=time.process_time)
    return min(runs) / number * 1e6


def op_pieces() -> None:
    """The cost of `a + b` on 4-element float32 tensors, piece by piece."""
    array = np.ones(4, np.float32)
    a, b = tg.tensor(array, requires_grad=True), tg.tensor(array, requires_grad=True)
    c = tg.tensor(array)
    ns = {
        "np": np,
        "array": array,
        "a": a,
        "b": b,
        "c": c,
        "Tensor": Tensor,
        "BackwardNode": BackwardNode,
        "Add": Add,
        "tg": tg,
    }
    rows = [
        ("NumPy: array + array", "array + array"),
        ("Tensor._make(array) (wrap an ndarray)", "Tensor._make(array)"),
        ("BackwardNode(...) (one graph node)", "BackwardNode(Add, (True, True))"),
        ("c + c, nothing requires grad", "c + c"),
        ("a + b under no_grad", "with tg.no_grad(): a + b"),
        ("a + b, recorded (the benchmark's 'add')", "a + b"),
        ("(a * b).sum().backward()", "(a * b).sum().backward()"),
    ]
    print("Part 1: one op on 4 values (us per call)")
    for label, stmt in rows:
        number = 10_000 if "backward" in stmt else 100_000
        print(f"  {per_call_us(stmt, ns, number):8.2f}  {label}")


def chain_split(rounds: int = 3334, repeats: int = 5) -> None:
    """W4's chain: forward and backward times, and the garbage collector's share of each."""
    x0 = tg.tensor(
        np.random.default_rng(0).uniform(-1, 1, 16).astype(np.float32), requires_grad=True
    )
    phase, started, spent = ["forward"], [0.0], {"forward": 0.0, "backward": 0.0}

    def on_gc(event: str, info: dict) -> None:
        if event == "start":
            started[0] = time.process_time()
        else:
            spent[phase[0]] += time.process_time() - started[0]

    best = None
    gc.callbacks.append(on_gc)
    try:
        for _ in range(repeats):
            spent.update(forward=0.0, backward=0.0)
            phase[0], t0 = "forward", time.process_time()
            x = x0
            for _ in range(rounds):
                x = (x * 1.0001 + 0.001).tanh()
            phase[0], t1 = "backward", time.process_time()
            x.sum().backward()
            t2 = time.process_time()
            run = (t1 - t0, t2 - t1, spent["forward"], spent["backward"])
            best = run if best is None or sum(run[:2]) < sum(best[:2]) else best
            x0.grad = None
    finally:
        gc.callbacks.remove(on_gc)
    fwd, bwd, gc_fwd, gc_bwd = (v * 1e3 for v in best)
    ops = 3 * rounds
    print(f"Part 2: W4 chain, {ops:,} ops (ms; best of {repeats})")
    print(
        f"  forward  {fwd:7.1f}  of which garbage collection {gc_fwd:5.1f}  "
        f"({fwd / ops * 1e3:.2f} us per op)"
    )
    print(
        f"  backward {bwd:7.1f}  of which garbage collection {gc_bwd:5.1f}  "
        f"({bwd / ops * 1e3:.2f} us per node)"
    )


if __name__ == "__main__":
    op_pieces()
    chain_split()
