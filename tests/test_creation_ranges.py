"""arange, linspace and logspace against PyTorch: lengths, values and dtypes, with integer dtypes
and float bounds (PyTorch truncates the bounds to the integer dtype first), steps of both signs,
and logspace in several bases.

PyTorch's integer linspace/logspace compute each value in doubles and truncate it. Its AVX
builds fuse `end - step * k` into one FMA, so where the true value is a whole number a value can
land just below it and truncate one lower (linspace(-3, 7, 7) gives 1 where the answer is 2).
There we state the mathematically right value and accept torch's neighbour only at such points.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8"]


def _both(fn):
    """fn(lib) in both libraries: (ours, torch's) as arrays; dtypes must agree."""
    ours, theirs = fn(tg), fn(torch)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    return ours.numpy(), theirs.numpy()


def _raises_like_torch(fn):
    """Both libraries raise the same class with the same message."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value), match=_escape(str(theirs.value))):
        fn(tg)


def _escape(message: str) -> str:
    import re

    return re.escape(message.split("\n")[0])


ARANGE_CASES = [
    (0.1, -7.9, -4.0),  # the examples
    (1.0, 5.000001, 2.0),
    (0, 10, 3),
    (10, 0, -3),
    (-2.5, 2.5, 1.2),
    (-2.5, 2.5, 0.7),
    (2.9, -3.9, -1.5),
    (0.5, 0.7, 1),
    (-0.9, 0.9, 1),
    (5, 5, 1),
    (1.5, 100.25, 7.75),
    (-100, 100, 33),
    (3.999, 17.001, 2.5),
]


@pytest.mark.parametrize("dtype", INT_DTYPES + ["float32", "float64", None])
@pytest.mark.parametrize("start,end,step", ARANGE_CASES)
def test_arange_matches_torch(start, end, step, dtype):
    def run(lib):
        kwargs = {} if dtype is None else {"dtype": getattr(lib, dtype)}
        return lib.arange(start, end, step, **kwargs)

    try:
        theirs = run(torch)
    except (RuntimeError, ValueError):
        _raises_like_torch(run)
        return
    ours, theirs = _both(run)
    assert ours.shape == theirs.shape
    if ours.dtype.kind == "f":  # torch's vector path may fuse start + step * i (one ulp)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6 if ours.itemsize == 4 else 1e-15)
    else:
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
def test_arange_wraps_in_narrow_integer_types(dtype):
    """Values are counted in int64 and stored into the narrow type, wrapping as in C."""
    for args in [(250, 260), (-5, 3), (0, 300, 100), (120, 140, 7)]:
        ours, theirs = _both(lambda lib, args=args: lib.arange(*args, dtype=getattr(lib, dtype)))
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "args,kwargs",
    [
        ((0, math.inf), {}),
        ((0.5, math.nan), {}),
        ((-math.inf, 0), {"dtype": "float64"}),
        ((0, math.inf), {"dtype": "int64"}),
        ((0, math.inf), {"dtype": "int32"}),
        ((1e20,), {}),
        ((0, 1e300, 1e-300), {}),
        ((0, 10, -1), {}),
        ((0.5, 0.2, 1), {"dtype": "int32"}),
        ((0, 10, 0), {}),
        ((0, 5, 0.5), {"dtype": "int64"}),  # the step truncates to 0: ValueError in PyTorch
        ((0, 3), {"dtype": "bool"}),
    ],
)
def test_arange_errors_match_torch(args, kwargs):
    def run(lib):
        return lib.arange(*args, **{k: getattr(lib, v) for k, v in kwargs.items()})

    _raises_like_torch(run)


def test_arange_int32_with_a_step_below_one_repeats_start_as_torch():
    ours, theirs = _both(lambda lib: lib.arange(0, 5, 0.5, dtype=lib.int32))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.shape == (10,)


def test_arange_int64_counts_exactly_beyond_double_precision():
    start = 2**60 + 1
    ours, theirs = _both(lambda lib: lib.arange(start, start + 7, 2))
    np.testing.assert_array_equal(ours, theirs)


def test_arange_of_tensor_bounds():
    ours, theirs = _both(lambda lib: lib.arange(lib.tensor(3.5), dtype=lib.int64))
    np.testing.assert_array_equal(ours, theirs)


def _exact_linspace(lo: int, hi: int, steps: int) -> list[Fraction]:
    return [lo + Fraction(hi - lo) * i / (steps - 1) for i in range(steps)]


def _assert_int_values(ours, theirs, exact):
    """Equal to torch, except where the true value is a whole number that torch's fused
    multiply-add may truncate one lower; there ours must be the true value."""
    for o, t, x in zip(ours.tolist(), theirs.tolist(), exact):
        if o != t:
            assert x == o and abs(o - t) == 1, (ours, theirs, exact)


LINSPACE_CASES = [
    (-3, 7, 7),
    (0, 10, 20),
    (0.5, 10.7, 13),
    (-5.5, 5.5, 30),
    (10, -3, 17),
    (0, 1, 50),
    (-100, 37, 41),
    (0, 120, 100),
    (-1.9, 1.9, 5),
    (3, 3, 4),
    (7.8, 2.2, 1),
    (0, 9, 0),
]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("start,end,steps", LINSPACE_CASES)
def test_integer_linspace_matches_torch(start, end, steps, dtype):
    def run(lib):
        return lib.linspace(start, end, steps, dtype=getattr(lib, dtype))

    try:
        run(torch)
    except RuntimeError:
        _raises_like_torch(run)
        return
    ours, theirs = _both(run)
    assert ours.shape == theirs.shape == (steps,)
    np_dtype = np.dtype(dtype)
    lo, hi = (int(np.array(math.trunc(v)).astype(np_dtype)) for v in (start, end))
    exact = [math.trunc(x) for x in _exact_linspace(lo, hi, steps)] if steps > 1 else [lo]
    _assert_int_values(ours, theirs, exact)


def test_integer_linspace_states_the_exact_value():
    """-3 + 10 * 3 / 6 is 2; an FMA build of PyTorch gives 1 there."""
    assert tg.linspace(-3, 7, 7, dtype=tg.int64).tolist() == [-3, -1, 0, 2, 3, 5, 7]


@pytest.mark.parametrize(
    "args,dtype",
    [((200, 0, 3), "int8"), ((-1, 5, 3), "uint8"), ((0, 300, 4), "uint8"), ((0, 3, 4), "bool")],
)
def test_integer_linspace_bounds_convert_as_torch(args, dtype):
    def run(lib):
        return lib.linspace(*args, dtype=getattr(lib, dtype))

    try:
        ours, theirs = _both(run)
    except (RuntimeError, NotImplementedError):
        _raises_like_torch(run)
        return
    np.testing.assert_array_equal(ours, theirs)


LOGSPACE_CASES = [
    (0, 3, 7),
    (-2, 2, 5),
    (0.5, 3.7, 6),
    (3.9, -1.2, 9),
    (0, 6, 13),
    (0.5, 3.7, 1),
    (2, 2, 3),
]


def _fits(start, end, base, dtype) -> bool:
    """Whether every value of the logspace fits the integer type (overflow is undefined in C)."""
    return max(base ** max(start, end), base ** min(start, end)) <= np.iinfo(dtype).max


@pytest.mark.parametrize(
    "start,end,steps,dtype,base",
    [
        (start, end, steps, dtype, base)
        for start, end, steps in LOGSPACE_CASES
        for dtype in INT_DTYPES
        for base in (10.0, 2.0, 3.0, 0.5, 1.5)
        if _fits(start, end, base, dtype)
    ],
)
def test_integer_logspace_matches_torch(start, end, steps, dtype, base):
    def run(lib):
        return lib.logspace(start, end, steps, base=base, dtype=getattr(lib, dtype))

    try:
        run(torch)
    except RuntimeError:  # a negative bound for uint8
        _raises_like_torch(run)
        return
    ours, theirs = _both(run)
    assert ours.shape == theirs.shape == (steps,)
    if steps == 1:
        exact = [math.trunc(base**start)]
    else:
        lo, hi = math.trunc(start), math.trunc(end)
        exact = [base ** float(x) for x in _exact_linspace(lo, hi, steps)]
        exact = [round(x) if abs(x - round(x)) < 1e-9 else math.trunc(x) for x in exact]
    _assert_int_values(ours, theirs, exact)


def test_integer_logspace_of_a_negative_base():
    ours, theirs = _both(lambda lib: lib.logspace(0, 3, 4, base=-2, dtype=lib.int64))
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("base", [10.0, 2.0, 0.5, 7.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("start,end,steps", [(0.1, 1.0, 5), (-2.3, 4.1, 11), (3, -3, 8)])
def test_float_logspace_matches_torch(start, end, steps, dtype, base):
    ours, theirs = _both(
        lambda lib: lib.logspace(start, end, steps, base=base, dtype=getattr(lib, dtype))
    )
    rtol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(ours, theirs, rtol=rtol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("start,end,steps", [(0.1, 1.0, 5), (-2.3, 4.1, 11), (3, -3, 8)])
def test_float_linspace_matches_torch(start, end, steps, dtype):
    ours, theirs = _both(lambda lib: lib.linspace(start, end, steps, dtype=getattr(lib, dtype)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6 if dtype == "float32" else 1e-13)
