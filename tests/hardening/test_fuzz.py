"""Random programs agree with PyTorch: values, dtypes, errors, gradients, second derivatives.

Each test draws programs from `fuzz_program.programs` (30+ op kinds: elementwise, broadcasting
binaries with tensors and Python scalars, reductions with random dims and keepdim, reshapes,
permutes, indexing, gather, matmul, einsum, cat/stack, softmax, in-place updates on non-leaves,
retain_grad) over random shapes with size-1 and size-0 dims, in float32, float64 and mixed
with int64 and bool inputs. The suite is split in four tests so pytest-xdist spreads them over
the cores. Runs are deterministic (derandomize, no database); a failure prints the program as
source, ready to be shrunk by hand into `test_fuzz_regressions.py`.

Programs per CI run: 700 + 700 + 500 + 500 = 2,400 (about 110 s of CPU in all, so about a
minute on two xdist workers); HARDENING_FUZZ_SCALE multiplies them (see conftest.py).
"""

from __future__ import annotations

from hypothesis import given, note, settings

from . import fuzz_program as fp
from .conftest import FUZZ, examples


def _check(program: fp.Program) -> None:
    note(program.source())
    fp.check_program(program)


@settings(FUZZ, max_examples=examples(700))
@given(fp.programs(dtype="float32"))
def test_float32_programs_match_torch(program):
    """Forward values and first derivatives of float32 programs."""
    _check(program)


@settings(FUZZ, max_examples=examples(700))
@given(fp.programs(dtype="float64", second_order=0.5))
def test_float64_programs_match_torch_to_second_order(program):
    """Float64 programs at 1e-9, half of them with second derivatives (create_graph=True)."""
    _check(program)


@settings(FUZZ, max_examples=examples(500))
@given(fp.programs(ops=fp.INPLACE_HEAVY, steps=(2, 10), second_order=0.3))
def test_in_place_heavy_programs_match_torch(program):
    """Programs dense in in-place updates, views of non-leaves and retain_grad: version
    counters, CopySlices-style rebasing and the errors they raise must match PyTorch's."""
    _check(program)


@settings(FUZZ, max_examples=examples(500))
@given(fp.programs(steps=(4, 12), second_order=0.2))
def test_long_mixed_programs_match_torch(program):
    """Longer programs, float32 or float64, with int64/bool operands mixed in (promotion)."""
    _check(program)
