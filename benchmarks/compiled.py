"""The compiled columns: `tinygrad_nn.compile` on the training workloads.

    python benchmarks/compiled.py [--quick] [--only W1,W2] [--clock cpu|wall]
    python benchmarks/run.py --compiled          (the same table after the main one)
    python -m benchmarks.compiled W1 step        (one measurement, JSON; what the table runs)

Two ways of compiling each workload's `lib_step`, each in its own process pinned to one
thread, like `child.py`:

    model   `compile(model)`, with loss, backward and the optimizer left eager (every
            `nn.Sequential`, `nn.LSTM` and `nn.TransformerEncoder` the step builds is
            compiled; W4 has no model);
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
CASES = ["W1", "W2", "W3", "W4", "W5", "W6", "W7"]
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
    ("step", "W6"): ("torch", 0.5),  # issue 16: no NumPy twin, so against PyTorch eager
    ("step", "W7"): ("torch", 0.5),
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

    # The model classes the workloads build, each returned compiled.
    def Sequential(self, *layers):
        return self._lib.compile(self._lib.nn.Sequential(*layers))

    def LSTM(self, *args, **kwargs):
        return self._lib.compile(self._lib.nn.LSTM(*args, **kwargs))

    def TransformerEncoder(self, *args, **kwargs):
        return self._lib.compile(self._lib.nn.TransformerEncoder(*args, **kwargs))

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
    wall, cpu, calls = _until_traced(step)
    result = {
        "case": case_name,
        "impl": mode,
        "unit": case.UNIT,
        "first_call_wall_s": wall,
        "first_call_cpu_s": cpu,
        "first_calls": calls,
    }
    result.update(time_steps(step, quick, None))
    return result


def _until_traced(step, limit: int = 3) -> tuple:
    """Call `step` until its program exists: (wall s, CPU s, calls). An optimizer that makes
    its state on the first call (Adam) gets traced on the second, so both are counted; a
    compiled model (`model` mode) traces on its first call."""
    start, start_cpu, calls = time.perf_counter(), time.process_time(), 0
    while calls < limit:
        step()
        calls += 1
        if getattr(step, "traced", True):  # a compiled step keeps its programs in .traced
            break
    return time.perf_counter() - start, time.process_time() - start_cpu, calls


def run_child(case: str, mode: str, quick: bool) -> dict:
    """`measure` in a fresh process pinned to one thread (as run.py's children)."""
    from benchmarks.run import run_child as run_one

    return run_one(case, mode, quick, module="benchmarks.compiled")


def compiled_table(results: dict, cases: list, quick: bool, clock: str) -> list:
    """Markdown rows for the compiled columns; `results` holds run.py's baseline runs."""
    from benchmarks.run import fmt, scaled

    rows = [
        "| case | PyTorch | NumPy | tinygrad_nn eager | compiled model | model/PyTorch | "
        "compiled step | step/NumPy | step/PyTorch | first call s | goals met |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
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
            "model": _ratio(t["model"], base["torch"]),
            "step": _ratio(t["step"], base["numpy"]),
            "step_torch": _ratio(t["step"], base["torch"]),
        }
        first = ours["step"].get(f"first_call_{clock}_s")
        calls = ours["step"].get("first_calls", 1)
        met = []
        for mode in MODES:
            if (mode, case) in GOALS:
                baseline, limit = GOALS[mode, case]
                r = ratio["step_torch" if (mode, baseline) == ("step", "torch") else mode]
                if r is not None:
                    met.append(f"{mode} {'yes' if r <= limit else 'NO'}")
        if case in FIRST_CALL_GOALS and first is not None:
            met.append(f"first call {'yes' if first <= FIRST_CALL_GOALS[case] else 'NO'}")
        rows.append(
            f"| {case} | {fmt(base['torch'])} | {fmt(base['numpy'])} | "
            f"{fmt(base['tinygrad_nn'])} | {fmt(t['model'])} | {fmt(ratio['model'])} | "
            f"{fmt(t['step'])} | {fmt(ratio['step'])} | {fmt(ratio['step_torch'])} | "
            f"{_first(first, calls)} | {', '.join(met) or '—'} |"
        )
    goals = ", ".join(
        f"{m} {c} <= {v[1]}x {'PyTorch' if v[0] == 'torch' else 'NumPy'}"
        for (m, c), v in GOALS.items()
    )
    return rows + [
        "",
        f"Goals: {goals}; first call <= 0.1 s (W1), <= 2 s (W4). First call: the compiled "
        "step's calls until its program exists (2 calls: Adam makes its state on the first, "
        "which runs eagerly, and the second traces).",
    ]


def _ratio(value, baseline):
    return value / baseline if value and baseline else None


def _first(seconds, calls: int) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.3f}" + (f" ({calls} calls)" if calls > 1 else "")


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
