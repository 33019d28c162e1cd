"""The compiled columns: `tinygrad_nn.compile` on the training workloads.

    python benchmarks/compiled.py [--quick] [--only W1,W2] [--clock cpu|wall]
    python benchmarks/run.py --compiled          (the same table after the main one)
    python -m benchmarks.compiled W1 step        (one measurement, JSON; what the table runs)

Two ways of compiling each workload's `lib_step`, each in its own process pinned to one
thread, like `child.py`:

    model   `compile(model)`, with loss, backward and the optimizer left eager (every
            `nn.Sequential` the step builds is compiled; W4 has no model);
    step    the whole step - forward, backward, optimizer - compiled as one function.

The first call traces and generates the code; its time is reported on its own ("first call").
The medians are of later calls. The baselines (PyTorch eager, hand-written NumPy) are the
runs of `run.py`.
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
import sys  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = ["W1", "W2", "W3", "W4", "W5"]
MODES = ("model", "step")
# (mode, case) -> (baseline, the largest ratio that meets the goal), from issue 15
GOALS = {
    ("step", "W1"): ("numpy", 1.2),
    ("step", "W2"): ("numpy", 1.2),
    ("step", "W4"): ("numpy", 1.2),
    ("step", "W3"): ("numpy", 1.05),
    ("step", "W5"): ("numpy", 1.05),
    ("model", "W1"): ("torch", 0.6),
    ("model", "W2"): ("torch", 0.6),
}
FIRST_CALL_GOALS = {"W1": 0.1, "W4": 2.0}  # seconds, tracing and code generation included


class _CompiledModels:
    """`tinygrad_nn`, except that `nn.Sequential(...)` comes back compiled."""

    def __init__(self, lib):
        self._lib = lib
        self.nn = _CompiledNN(lib)

    def __getattr__(self, name: str):
        return getattr(self._lib, name)


class _CompiledNN:
    def __init__(self, lib):
        self._lib = lib

    def Sequential(self, *layers):  # the name the workloads call
        return self._lib.compile(self._lib.nn.Sequential(*layers))

    def __getattr__(self, name: str):
        return getattr(self._lib.nn, name)


def measure(case_name: str, mode: str, quick: bool) -> dict:
    """One case compiled one way: first-call time, then the median of later steps."""
    import numpy as np

    import tinygrad_nn
    from benchmarks.child import time_steps
    from benchmarks.workloads import CASES as WORKLOADS

    case = WORKLOADS[case_name]
    data = case.make_data(np.random.default_rng(0))
    if mode == "model":
        if case_name == "W4":
            return {"case": case_name, "impl": mode, "skipped": "no model"}
        step = case.lib_step(_CompiledModels(tinygrad_nn), data)
    else:
        step = tinygrad_nn.compile(case.lib_step(tinygrad_nn, data))
    start, start_cpu = time.perf_counter(), time.process_time()
    step()
    result = {
        "case": case_name,
        "impl": mode,
        "unit": case.UNIT,
        "first_call_wall_s": time.perf_counter() - start,
        "first_call_cpu_s": time.process_time() - start_cpu,
    }
    result.update(time_steps(step, quick, None))
    return result


def run_child(case: str, mode: str, quick: bool) -> dict:
    """`measure` in a fresh process pinned to one thread (as run.py's children)."""
    from benchmarks.run import run_child as run_one

    return run_one(case, mode, quick, module="benchmarks.compiled")


def compiled_table(results: dict, cases: list, quick: bool, clock: str) -> list:
    """Markdown rows for the compiled columns; `results` holds run.py's baseline runs."""
    from benchmarks.run import fmt, scaled

    rows = [
        "| case | PyTorch | NumPy | tinygrad_nn eager | compiled model | model/PyTorch | "
        "compiled step | step/NumPy | first call s | goals met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        if case not in CASES:
            continue
        base = {
            impl: scaled(results.get(case, {}).get(impl), clock)
            for impl in ("torch", "numpy", "tinygrad_nn")
        }
        ours = {mode: run_child(case, mode, quick) for mode in MODES}
        t = {mode: scaled(ours[mode], clock) for mode in MODES}
        ratio = {
            "model": t["model"] / base["torch"] if t["model"] and base["torch"] else None,
            "step": t["step"] / base["numpy"] if t["step"] and base["numpy"] else None,
        }
        first = ours["step"].get(f"first_call_{clock}_s")
        met = []
        for mode in MODES:
            if (mode, case) in GOALS and ratio[mode] is not None:
                met.append(f"{mode} {'yes' if ratio[mode] <= GOALS[mode, case][1] else 'NO'}")
        if case in FIRST_CALL_GOALS and first is not None:
            met.append(f"first call {'yes' if first <= FIRST_CALL_GOALS[case] else 'NO'}")
        rows.append(
            f"| {case} | {fmt(base['torch'])} | {fmt(base['numpy'])} | "
            f"{fmt(base['tinygrad_nn'])} | {fmt(t['model'])} | {fmt(ratio['model'])} | "
            f"{fmt(t['step'])} | {fmt(ratio['step'])} | "
            f"{'—' if first is None else f'{first:.3f}'} | {', '.join(met) or '—'} |"
        )
    goals = ", ".join(
        f"{m} {c} <= {v[1]}x {'PyTorch' if v[0] == 'torch' else 'NumPy'}"
        for (m, c), v in GOALS.items()
    )
    return rows + ["", f"Goals: {goals}; first call <= 0.1 s (W1), <= 2 s (W4)."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", help="measure one case in this process")
    parser.add_argument("mode", nargs="?", choices=MODES)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(CASES))
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    args = parser.parse_args()
    if args.case:
        try:
            result = measure(args.case, args.mode, args.quick)
        except Exception as e:  # report it in the table, do not lose the run
            result = {"case": args.case, "impl": args.mode, "error": f"{type(e).__name__}: {e}"}
        print(json.dumps(result))
        return
    sys.path.insert(0, ROOT)
    from benchmarks.run import machine, run_child as run_one

    cases = [c for c in args.only.split(",") if c in CASES]
    print(machine(), flush=True)
    results = {
        c: {i: run_one(c, i, args.quick) for i in ("torch", "numpy", "tinygrad_nn")} for c in cases
    }
    print(
        "\n".join(
            [
                "",
                f"Medians by {args.clock} clock.",
                "",
                *compiled_table(results, cases, args.quick, args.clock),
            ]
        )
    )


if __name__ == "__main__":
    if __package__ in (None, ""):
        sys.path.insert(0, ROOT)
    main()
