"""A fill value that overflows a float16 or float32 tensor raises PyTorch's RuntimeError."""

import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

CASES = [
    ("full", lambda L: L.full((2,), 1e10, dtype=L.float16)),
    ("full_int_value", lambda L: L.full((2,), 70000, dtype=L.float16)),
    ("full_negative", lambda L: L.full((2,), -1e39, dtype=L.float32)),
    ("new_full", lambda L: L.tensor([1.0]).new_full((2,), 1e40)),
    ("full_like", lambda L: L.full_like(L.zeros(2, dtype=L.float16), 1e10)),
    ("fill_", lambda L: L.zeros(2, dtype=L.float16).fill_(1e10)),
]
FITS = [
    ("inf", lambda L: L.full((2,), float("inf"), dtype=L.float16)),
    ("nan", lambda L: L.full((2,), float("nan"), dtype=L.float16)),
    ("float32_max", lambda L: L.full((2,), 3.4e38, dtype=L.float32)),
    ("float64", lambda L: L.full((2,), 1e308, dtype=L.float64)),
]


@pytest.mark.parametrize("name, make", CASES, ids=[c[0] for c in CASES])
def test_overflow_raises_like_torch(name, make):
    with pytest.raises(RuntimeError) as theirs:
        make(torch)
    with pytest.raises(RuntimeError) as ours:
        make(tg)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name, make", FITS, ids=[c[0] for c in FITS])
def test_values_that_fit_are_stored(name, make):
    assert str(make(tg).tolist()) == str(make(torch).tolist())
