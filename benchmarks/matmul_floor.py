"""The matrix-product floor: how fast can a step be if its matrix products were all it did?

    python benchmarks/matmul_floor.py [--quick] [--only W6,W7]

A compiled step (`tinygrad_nn.compile`) runs its matrix products through NumPy's BLAS. This
script records every product one compiled training step performs - forward, backward and
optimizer - by wrapping `np.matmul` while the step runs, then times exactly those products
(same shapes, dtypes and memory layouts, in the step's order; an array the step uses twice is
one array in the replay too, so it is as warm in cache) twice: with NumPy alone, under the
package's heap setting as a compiled step runs, and with PyTorch alone, each in a fresh process
pinned to one thread, as in `run.py` (medians by CPU clock). The table sets them beside
PyTorch eager's whole step:

    products/PyTorch   the share of PyTorch's step that the products alone would take.

If the NumPy products alone take more than 0.5x PyTorch's step, the goal "a compiled step
<= 0.5x PyTorch eager" cannot be met by removing overhead: only by doing fewer or cheaper
products than PyTorch does. The torch column shows whether NumPy's BLAS is the slower one.
The compiled step's own time is shown for scale.
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
    os.environ[_var] = "1"  # before NumPy loads its BLAS, as in child.py

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOAL = 0.5  # issue 16: a compiled W6 or W7 step <= 0.5x PyTorch eager's step
# Products the wrapper would not see; the generated code must not contain them.
UNRECORDED = re.compile(r"np\.(dot|einsum|tensordot|inner|vdot)\(| @ ")


def _layout(a: np.ndarray) -> dict:
    """What a product's speed depends on: shape, strides (transposed? sliced?), dtype, and
    the address, so that an array the step reuses (a weight at every time step, a buffer
    freed and allocated again) is one array in the replay too."""
    address = a.__array_interface__["data"][0]
    return {"shape": a.shape, "strides": a.strides, "dtype": a.dtype.str, "address": address}


def record_products(case_name: str, **options) -> list:
    """The layouts of every `np.matmul` one compiled step of `case_name` runs, in order:
    one dict per product with "a", "b" and, where the step writes in place, "out"."""
    import tinygrad_nn
    from benchmarks.compiled import _until_traced
    from benchmarks.workloads import CASES

    case = CASES[case_name]
    products, recording, matmul = [], [], np.matmul

    def recorded(a, b, *args, **kwargs):
        if recording:
            out = kwargs.get("out")
            products.append({"a": _layout(a), "b": _layout(b)})
            if out is not None:
                products[-1]["out"] = _layout(out[0] if isinstance(out, tuple) else out)
        return matmul(a, b, *args, **kwargs)

    # A program looks `np.matmul` up once, when it is built: wrap it before the step is traced.
    np.matmul = recorded
    try:
        data = case.make_data(_rng(), **options)
        step = tinygrad_nn.compile(case.lib_step(tinygrad_nn, data))
        _until_traced(step)
        if UNRECORDED.search(tinygrad_nn.compiler.code(step)):
            raise RuntimeError(f"{case_name}: the compiled step has products np.matmul misses")
        recording.append(True)
        step()
    finally:
        np.matmul = matmul
    return products


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def make_operand(layout: dict, rng: np.random.Generator) -> np.ndarray:
    """An array with `layout`'s shape, strides and dtype (a strided view of a fresh buffer)."""
    dtype = np.dtype(layout["dtype"])
    shape, strides = tuple(layout["shape"]), tuple(layout["strides"])
    if any(s < 0 or s % dtype.itemsize for s in strides):
        raise ValueError(f"cannot rebuild strides {strides} for {dtype}")
    span = 1 + sum((n - 1) * s // dtype.itemsize for n, s in zip(shape, strides))
    buffer = rng.standard_normal(span).astype(dtype)
    return np.lib.stride_tricks.as_strided(buffer, shape, strides)


def product_runner(products: list, lib: str):
    """A function that runs every product once, in order, on NumPy or on PyTorch arrays."""
    rng, made = _rng(), {}

    def operand(layout):
        key = json.dumps(layout, sort_keys=True)
        if key not in made:
            made[key] = make_operand(layout, rng)
        return made[key]

    calls = [[operand(p[k]) if k in p else None for k in ("a", "b", "out")] for p in products]
    matmul = np.matmul
    if lib == "torch":
        import torch

        torch.set_num_threads(1)
        # from_numpy shares the buffer, so each tensor keeps the array's strides. The result
        # goes to a fresh tensor, as in PyTorch's eager step: copying it into a strided `out`
        # would time our layout choice, not PyTorch's BLAS.
        calls = [[torch.from_numpy(a), torch.from_numpy(b), None] for a, b, _ in calls]
        matmul = torch.matmul

    def run():
        for a, b, out in calls:
            matmul(a, b, out=out)

    return run


def child(lib: str, quick: bool) -> None:
    """Time the products read (as JSON) from stdin on one library; print one line of JSON."""
    from benchmarks.child import time_steps

    products = json.load(sys.stdin)
    if lib == "numpy":
        import tinygrad_nn  # noqa: F401  (its heap setting, under which a compiled step runs)
    run = product_runner(products, lib)
    print(json.dumps({"lib": lib, **time_steps(run, quick, None)}))


def time_products(products: list, lib: str, quick: bool) -> dict:
    """`child` in a fresh process pinned to one thread."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "benchmarks.matmul_floor", "--child", lib]
    if quick:
        cmd.append("--quick")
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, input=json.dumps(products), capture_output=True, text=True
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table_row(case: str, quick: bool) -> str:
    """One Markdown row: the step times and the products' times, in milliseconds."""
    from benchmarks.run import fmt, run_child

    products = record_products(case)
    torch_step = run_child(case, "torch", quick).get("cpu_s")
    compiled = run_child(case, "step", quick, module="benchmarks.compiled").get("cpu_s")
    sums = {lib: time_products(products, lib, quick).get("cpu_s") for lib in ("numpy", "torch")}

    def ms(seconds):
        return fmt(seconds * 1e3 if seconds else None)

    def share(seconds):
        return fmt(seconds / torch_step if seconds and torch_step else None)

    return (
        f"| {case} | {len(products)} | {ms(torch_step)} | {ms(compiled)} | "
        f"{ms(sums['numpy'])} | {ms(sums['torch'])} | {share(sums['numpy'])} | "
        f"{share(sums['torch'])} | {GOAL} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter warm-up, fewer samples")
    parser.add_argument("--only", default="W6,W7", help="comma-separated workloads")
    parser.add_argument("--child", choices=("numpy", "torch"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.quick)
        return
    from benchmarks.run import machine

    print(machine(), flush=True)
    rows = [
        "",
        "Medians by CPU clock, ms per step; products: every np.matmul of one compiled step.",
        "",
        "| case | products | PyTorch eager step | compiled step | products in NumPy | "
        "products in torch | NumPy products/PyTorch | torch products/PyTorch | goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rows += [table_row(case, args.quick) for case in args.only.split(",") if case]
    print("\n".join(rows))


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path.insert(0, ROOT)
    main()
