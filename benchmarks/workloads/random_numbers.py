"""Random numbers: PyTorch's CPU streams reproduced in NumPy, and what that costs.

Four cases, each a `SimpleNamespace` with the workload protocol of this package:

    rand      torch.rand(10**6), float32
    randn     torch.randn(10**6), float32
    randperm  torch.randperm(10**6)
    mlp_init  building a 784-1024-1024-10 MLP: default init of weights then biases

`lib_step` runs the PyTorch code with `lib = torch` or `lib = tinygrad_nn`; both give the
same numbers for the same seed (`tests/test_benchmarks_smoke.py` checks it), so the ratio is
the price of the same result. `numpy_step` draws as many numbers with NumPy's own generator,
which gives different numbers: the cost of random numbers in NumPy, for scale.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

N = 10**6
SIZES = [784, 1024, 1024, 10]


def _make_data(rng: np.random.Generator) -> dict:
    """Nothing to prepare: each step draws from a freshly seeded generator."""
    return {}


def _seeded(lib):
    """A generator seeded with 0 (torch.Generator or tinygrad_nn.Generator)."""
    return lib.Generator().manual_seed(0)


def _rand_lib(lib, data: dict):
    gen = _seeded(lib)
    return lambda: lib.rand(N, generator=gen)


def _randn_lib(lib, data: dict):
    gen = _seeded(lib)
    return lambda: lib.randn(N, generator=gen)


def _randperm_lib(lib, data: dict):
    gen = _seeded(lib)
    return lambda: lib.randperm(N, generator=gen)


def _mlp_init_lib(lib, data: dict):
    """Build the model; the step's result is its first weight matrix."""
    nn = lib.nn

    def step():
        layers = [nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:])]
        return nn.Sequential(layers[0], nn.ReLU(), layers[1], nn.ReLU(), layers[2])[0].weight

    return step


def _numpy_mlp_init(data: dict):
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights and biases, float32, with NumPy's generator."""
    rng = np.random.default_rng(0)

    def step():
        params = []
        for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
            bound = np.float32(1 / np.sqrt(fan_in))
            for shape in ((fan_out, fan_in), (fan_out,)):
                params.append(rng.random(shape, dtype=np.float32) * (2 * bound) - bound)
        return params[0]

    return step


def _numpy_draw(draw):
    rng = np.random.default_rng(0)
    return lambda data: lambda: draw(rng)


def _case(title: str, lib_step, numpy_step) -> SimpleNamespace:
    return SimpleNamespace(
        TITLE=title,
        UNIT="ms",
        RANDOM=True,
        make_data=_make_data,
        lib_step=lib_step,
        numpy_step=numpy_step,
    )


RAND = _case(
    "torch.rand(10**6), float32",
    _rand_lib,
    _numpy_draw(lambda rng: rng.random(N, dtype=np.float32)),
)
RANDN = _case(
    "torch.randn(10**6), float32",
    _randn_lib,
    _numpy_draw(lambda rng: rng.standard_normal(N, dtype=np.float32)),
)
RANDPERM = _case(
    "torch.randperm(10**6)", _randperm_lib, _numpy_draw(lambda rng: rng.permutation(N))
)
MLP_INIT = _case("default init of a 784-1024-1024-10 MLP", _mlp_init_lib, _numpy_mlp_init)
