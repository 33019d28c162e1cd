"""The benchmark workloads run on tinygrad_nn and agree with their hand-written NumPy twins.

No timing here (timings never go in the tests): two steps of each case, the second result
checked for being finite and equal to what the NumPy version computes from the same inputs
and weights (so the first step's gradients and update are checked too). Cases without a
NumPy twin (W6, W7) are checked against PyTorch's loss instead, from the same weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn
from benchmarks.workloads import CASES

# The chain's length and the sequence lengths do not matter for a smoke test.
SMALL = {"W4": {"rounds": 50}, "W6": {"steps": 10}, "W7": {"length": 8}}
# Cases with a hand-written NumPy twin; the others (W6, W7) are checked against torch below.
TWINNED = sorted(n for n, c in CASES.items() if c.numpy_step is not None)


# The random-number cases draw PyTorch's streams, which NumPy does not: they are checked
# against torch below instead.
@pytest.mark.parametrize("name", [n for n in TWINNED if not getattr(CASES[n], "RANDOM", 0)])
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


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c.numpy_step is None))
def test_cases_without_numpy_twin_match_torch(name):
    """Two steps from the same weights: the second loss (after one Adam update) agrees."""
    torch = pytest.importorskip("torch")
    case = CASES[name]
    losses = []
    for lib in (tinygrad_nn, torch):
        step = case.lib_step(lib, case.make_data(np.random.default_rng(0), **SMALL[name]))
        first = step().detach().numpy()
        losses.append((first, step().detach().numpy()))
    (ours_1, ours_2), (torch_1, torch_2) = losses
    assert np.all(np.isfinite(ours_2)) and ours_2 != ours_1  # the update changed the loss
    np.testing.assert_allclose(ours_1, torch_1, rtol=1e-5)
    np.testing.assert_allclose(ours_2, torch_2, rtol=1e-4)


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
    total, per_function = count_opcodes(
        case.lib_step(tinygrad_nn, case.make_data(np.random.default_rng(0)))
    )
    assert 100 < total < 2000 and any(name.endswith(":apply") for name in per_function)
