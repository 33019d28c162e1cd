"""multinomial without replacement draws PyTorch's indices when it must take categories of
probability zero too: those tie at 0 / q, and come out in the order PyTorch's topk leaves
them."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _draws(lib, probs, n, replacement, seed, dtype):
    lib.manual_seed(seed)
    return lib.multinomial(lib.tensor(probs, dtype=getattr(lib, dtype)), n, replacement).tolist()


@pytest.mark.parametrize(
    "probs, n",
    [
        ([0.0, 0.0, 0.0, 2.0, 0.0, 2.0, 0.0], 5),
        ([0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0], 8),
        ([0.98, 0.0, 0.0, 0.69, 0.39], 5),
        ([[0.0, 2.0, 0.0, 0.0, 3.0, 0.0], [0.45, 0.8, 0.23, 0.05, 0.4, 0.2]], 4),
        ([1.0] + [0.0] * 99, 70),  # many ties: the nth_element path of topk
        ([0.5] * 3 + [0.0] * 200, 3),  # k * 64 <= n: the partial-sort path
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_zero_probability_categories_in_torchs_order(probs, n, dtype, seed):
    ours = _draws(tg, probs, n, False, seed, dtype)
    assert ours == _draws(torch, probs, n, False, seed, dtype)


def test_random_rows_match_torch():
    rng = np.random.default_rng(16)
    for seed in range(60):
        size = int(rng.integers(2, 30))
        probs = rng.random((2, size)) * (rng.random((2, size)) < 0.4)
        probs[:, 0] += 0.1  # every row has some mass
        n = int(rng.integers(1, size + 1))
        assert _draws(tg, probs, n, False, seed, "float32") == _draws(
            torch, probs, n, False, seed, "float32"
        )


def test_stream_position_after_draws_matches_torch():
    for lib in (tg, torch):
        lib.manual_seed(3)
        lib.multinomial(lib.tensor([0.0, 1.0, 0.0, 2.0]), 4)
    assert tg.rand(3).tolist() == pytest.approx(torch.rand(3).tolist(), abs=0)
