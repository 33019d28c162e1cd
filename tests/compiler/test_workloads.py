"""The benchmark workloads W1-W5 compiled: the same bits as eager mode, step after step."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from benchmarks.workloads import w1_tiny_mlp, w2_deep_narrow, w3_wide_mlp, w4_chain, w5_conv
from tests.compiler.helpers import assert_same_bits

CASES = {"W1": w1_tiny_mlp, "W2": w2_deep_narrow, "W3": w3_wide_mlp, "W5": w5_conv}


def _losses(step, n: int) -> list:
    return [step().detach().numpy().copy() for _ in range(n)]


@pytest.mark.parametrize("name", list(CASES))
def test_whole_step_matches_eager(name):
    case = CASES[name]
    data = case.make_data(np.random.default_rng(0))
    eager = case.lib_step(tg, data)
    compiled = tg.compile(case.lib_step(tg, data))
    n = 3 if name == "W3" else 6
    assert_same_bits(_losses(eager, n), _losses(compiled, n))
    assert compiled.programs and compiled.eager_reason is None


def test_w4_chain_matches_eager_and_keeps_the_gradient():
    data = w4_chain.make_data(np.random.default_rng(0), rounds=40)
    eager = w4_chain.lib_step(tg, data)
    compiled = tg.compile(w4_chain.lib_step(tg, data))
    for _ in range(4):
        assert_same_bits([eager().numpy()], [compiled().numpy()])
    x_eager = eager.__closure__[[c for c in eager.__code__.co_freevars].index("x0")].cell_contents
    x_comp = compiled.fn.__closure__[compiled.fn.__code__.co_freevars.index("x0")].cell_contents
    assert_same_bits([x_eager.grad.numpy()], [x_comp.grad.numpy()])


class _CompiledModels:
    """tinygrad_nn with every nn.Sequential compiled (loss, backward, optimizer stay eager)."""

    def __init__(self):
        self.nn = _NN()

    def __getattr__(self, name):
        return getattr(tg, name)


class _NN:
    def Sequential(self, *layers):
        return tg.compile(tg.nn.Sequential(*layers))

    def __getattr__(self, name):
        return getattr(tg.nn, name)


@pytest.mark.parametrize("name", ["W1", "W2", "W5"])
def test_compiled_model_with_eager_loss_backward_and_optimizer(name):
    case = CASES[name]
    data = case.make_data(np.random.default_rng(0))
    eager = case.lib_step(tg, data)
    compiled = case.lib_step(_CompiledModels(), data)
    assert_same_bits(_losses(eager, 5), _losses(compiled, 5))
