"""Benchmarks: the same training steps timed on tinygrad_nn, PyTorch and hand-written NumPy.

Run `python benchmarks/run.py` (or `--quick`); see `benchmarks/README.md` for the results and
for what each workload measures.
"""
