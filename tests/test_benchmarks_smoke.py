"""The benchmark workloads run on tinygrad_nn and agree with their hand-written NumPy twins.

No timing here (timings never go in the tests): two steps of each case, the second result
checked for being finite and equal to what the NumPy version computes from the same inputs
and weights (so the first step's gradients and update are checked too).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn
from benchmarks.workloads import CASES

SMALL = {"W4": {"rounds": 50}}  # the chain's length does not matter for a smoke test


# The random-number cases draw PyTorch's streams, which NumPy does not: they are checked
# against torch below instead.
@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if not getattr(c, "RANDOM", 0)))
def test_two_steps_match_numpy(name):
    case = CASES[name]
    data = case.make_data(np.random.default_rng(0), **SMALL.get(name, {}))
    step, numpy_step = case.lib_step(tinygrad_nn, data), case.numpy_step(data)
    step(), numpy_step()
    ours, expected = step(), numpy_step()
    value = ours.detach().numpy()
    assert np.all(np.isfinite(value))
    np.testing.assert_allclose(value, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if getattr(c, "RANDOM", 0)))
def test_random_cases_match_torch(name):
    torch = pytest.importorskip("torch")
    case = CASES[name]
    results = []
    for lib in (tinygrad_nn, torch):
        lib.manual_seed(0)
        step = case.lib_step(lib, case.make_data(np.random.default_rng(0)))
        step()
        results.append(step().detach().numpy())
    np.testing.assert_array_equal(*results)


def test_opcode_counts_are_exact_and_attributed():
    from benchmarks.opcodes import count_opcodes

    def inner(n):
        total = 0
        for i in range(n):
            total += i
        return total

    small, by_function = count_opcodes(lambda: inner(10))
    large, _ = count_opcodes(lambda: inner(20))
    assert small == count_opcodes(lambda: inner(10))[0]  # deterministic
    assert large > small and any(name.endswith(":inner") for name in by_function)
    case = CASES["add"]
    total, per_function = count_opcodes(case.lib_step(tinygrad_nn, case.make_data(
        np.random.default_rng(0))))  # fmt: skip
    assert 100 < total < 2000 and any(name.endswith(":apply") for name in per_function)
