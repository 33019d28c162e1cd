"""Run every benchmark three ways and print a table of medians, ratios, memory and goals.

    python benchmarks/run.py [--quick] [--only W1,W4,...] [--no-linear] [--json results.json]
                             [--compiled]

Each (case, implementation) runs in its own process (`child.py`) with every library pinned
to one thread. Times are medians of repeated steps after a warm-up: milliseconds per
training step, or microseconds per call for the two per-op cases. By default they are
process CPU times, which stay meaningful when other programs share the machine
(`--clock wall` for elapsed time; on an idle machine the two agree). Memory is reported two
ways: the tracemalloc peak during one step (NumPy's and Python's allocations, which is how
both NumPy-based versions are compared; PyTorch's allocator is invisible to it) and the
growth of the process's peak resident set size (ru_maxrss) over the run, for all three.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from importlib import metadata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "add", "mul_sum_backward", "rand", "randn",
         "randperm", "mlp_init"]  # fmt: skip
IMPLS = ["torch", "numpy", "tinygrad_nn"]
# case -> (baseline the ratio is taken against, the largest ratio that meets the goal). The
# eager engine runs every backward formula as Tensor ops (one derivative per op): its goals are
# PyTorch's eager speed within half again on the small nets, NumPy's within a tenth on the big
# ones. The compiled columns (`--compiled`, compiler/) carry the goals against hand-written NumPy.
GOALS = {
    "W1": ("torch", 1.5),
    "W2": ("torch", 1.5),
    "W3": ("numpy", 1.1),
    "W4": ("torch", 1.5),
    "W5": ("numpy", 1.1),
    "W6": ("torch", 1.5),  # no NumPy twin: eager against PyTorch's eager
    "W7": ("torch", 1.5),
    "add": ("torch", 1.0),
    "mul_sum_backward": ("torch", 0.3),
    "rand": ("torch", 10.0),  # PyTorch's random streams, reproduced in NumPy
    "randn": ("torch", 10.0),
    "randperm": ("torch", 40.0),
    "mlp_init": ("torch", 3.0),
}
MEMORY_GOALS = {"W3": 1.3}  # tinygrad_nn traced peak / NumPy traced peak
LINEAR_ROUNDS = (10_000, 100_000)
LINEAR_LIMIT = 12.5  # 10x the rounds may cost at most this many times the time


def run_child(case: str, impl: str, quick: bool, extra=(), module="benchmarks.child") -> dict:
    """One measurement in a fresh process pinned to one thread; its JSON result."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    cmd = [sys.executable, "-m", module, case, impl, *extra]
    if quick:
        cmd.append("--quick")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"case": case, "impl": impl, "error": tail}
    return json.loads(lines[-1])


def machine() -> str:
    """nproc, CPU model and library versions, for the table's header."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    versions = []
    for name in ("numpy", "torch"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    return (
        f"nproc {os.cpu_count()}, {model}; Python {platform.python_version()}, "
        f"{', '.join(versions)}; one thread per library"
    )


def fmt(value) -> str:
    """Three significant digits, or a dash."""
    if value is None:
        return "—"
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"


def scaled(result: dict, clock: str):
    """The median by `clock` ("cpu" or "wall") in the case's unit (ms or us); None if it failed."""
    if not result or f"{clock}_s" not in result:
        return None
    return result[f"{clock}_s"] * (1e3 if result["unit"] == "ms" else 1e6)


def time_table(results: dict, clock: str) -> list:
    """Markdown rows: medians, the two ratios and the goal of each case."""
    rows = [
        "| case | unit | PyTorch | NumPy | tinygrad_nn | tg/PyTorch | tg/NumPy | goal | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for case, by_impl in results.items():
        t = {impl: scaled(by_impl.get(impl), clock) for impl in IMPLS}
        ours = t["tinygrad_nn"]
        ratio = {b: ours / t[b] if ours and t[b] else None for b in ("torch", "numpy")}
        base, limit = GOALS[case]
        met = "—" if ratio[base] is None else ("yes" if ratio[base] <= limit else "NO")
        unit = next((r["unit"] for r in by_impl.values() if "unit" in r), "")
        goal = f"<= {limit}x {'PyTorch' if base == 'torch' else 'NumPy'}"
        rows.append(
            f"| {case} | {unit} | {fmt(t['torch'])} | {fmt(t['numpy'])} | {fmt(ours)} | "
            f"{fmt(ratio['torch'])} | {fmt(ratio['numpy'])} | {goal} | {met} |"
        )
    return rows


def memory_table(results: dict) -> list:
    """Markdown rows: tracemalloc peaks (NumPy vs tinygrad_nn) and ru_maxrss growth (all)."""
    header = (
        "| case | NumPy traced peak MB | tinygrad_nn traced peak MB | tg/NumPy | goal | "
        "RSS growth MB: PyTorch / NumPy / tinygrad_nn |"
    )
    rows = [header, "|---|---|---|---|---|---|"]
    for case, by_impl in results.items():
        peak = {i: by_impl.get(i, {}).get("traced_peak_mb") for i in ("numpy", "tinygrad_nn")}
        if peak["numpy"] is None and peak["tinygrad_nn"] is None:
            continue
        ratio = (
            peak["tinygrad_nn"] / peak["numpy"] if peak["numpy"] and peak["tinygrad_nn"] else None
        )
        goal = "—"
        if case in MEMORY_GOALS:
            ok = ratio is not None and ratio <= MEMORY_GOALS[case]
            goal = f"<= {MEMORY_GOALS[case]}x: {'yes' if ok else 'NO'}"
        rss = " / ".join(fmt(by_impl.get(i, {}).get("rss_delta_mb")) for i in IMPLS)
        rows.append(
            f"| {case} | {fmt(peak['numpy'])} | {fmt(peak['tinygrad_nn'])} | "
            f"{fmt(ratio)} | {goal} | {rss} |"
        )
    return rows


def linear_check(quick: bool, clock: str) -> list:
    """Time the W4 chain with 10k and 100k rounds on tinygrad_nn: the ratio should be ~10.

    Measured twice: as users run it, and with Python's cyclic garbage collector paused. The
    second isolates the engine's own cost; the first adds the collector's passes over a graph
    of ~400,000 live objects, which grow slower per object as they stop fitting in cache.
    """
    lines = []
    for label, extra in (("gc on", []), ("gc paused", ["--no-gc"])):
        times = []
        for rounds in LINEAR_ROUNDS:
            r = run_child(
                "W4", "tinygrad_nn", quick, ["--rounds", str(rounds), "--samples", "2", *extra]
            )
            if "error" in r:
                return [f"W4 linear-time check failed: {r['error']}"]
            times.append(r[f"{clock}_s"])
        ratio = times[1] / times[0]
        verdict = "yes" if ratio <= LINEAR_LIMIT else "NO"
        lines.append(
            f"W4 chain, linear time ({label}): {LINEAR_ROUNDS[0]:,} rounds "
            f"{times[0] * 1e3:.0f} ms, {LINEAR_ROUNDS[1]:,} rounds {times[1] * 1e3:.0f} ms, "
            f"ratio {ratio:.1f} (goal ~10, <= {LINEAR_LIMIT}): {verdict}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter warm-up, fewer samples")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument("--no-linear", action="store_true", help="skip the W4 linear-time check")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="process CPU time (default; robust on a shared machine) or wall time",
    )
    parser.add_argument("--json", default=None, help="also write the raw results here")
    parser.add_argument("--compiled", action="store_true", help="add tinygrad_nn.compile's "
                        "columns (benchmarks/compiled.py)")  # fmt: skip
    args = parser.parse_args()
    cases = [c for c in args.only.split(",") if c]
    for c in cases:
        if c not in GOALS:
            parser.error(f"unknown case {c!r}; choose from {', '.join(CASES)}")
    print(machine(), flush=True)
    results = {}
    for case in cases:
        results[case] = {}
        for impl in IMPLS:
            r = run_child(case, impl, args.quick)
            results[case][impl] = r
            if "error" in r:
                print(f"  {case} {impl}: error: {r['error']}", file=sys.stderr, flush=True)
    lines = [
        "",
        f"Medians by {args.clock} clock.",
        "",
        *time_table(results, args.clock),
        "",
        *memory_table(results),
    ]
    if "W4" in cases and not args.no_linear:
        lines += ["", *linear_check(args.quick, args.clock)]
    if args.compiled:
        from benchmarks.compiled import compiled_table

        lines += ["", "tinygrad_nn.compile:", "",
                  *compiled_table(results, cases, args.quick, args.clock)]  # fmt: skip
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
