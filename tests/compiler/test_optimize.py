"""The passes of `compiler/optimize.py`: cheaper programs, the same bits as eager mode."""

from __future__ import annotations

import numpy as np

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits, check_both


def _sgd_step():
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.ReLU(), tg.nn.Linear(3, 2))
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    x, y = tg.randn(4, 2), tg.tensor([0, 1, 1, 0])

    def step():
        opt.zero_grad()
        loss = tg.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step, model


def test_sgd_step_updates_in_place_without_copies_and_keeps_the_bits():
    step = check_both(_sgd_step, steps=6)
    source = tg.compiler.code(step)
    assert "np.copyto(" not in source  # the update is computed into the parameter
    assert "out=(p0_weight,)" in source
    assert "np.array(" not in source  # the gradients' copies of dead temporaries are gone
    assert "np.ones(" not in source  # backward's seed is a constant, made once
    assert source.count(" = -lr") == len(step.traced)  # per program, one for all parameters


def test_a_copy_of_an_input_written_later_stays_a_copy():
    def f(x):
        y = x.clone()
        x.add_(1.0)
        return y * 2

    compiled = tg.compile(f)
    for _ in range(3):
        a, b = tg.arange(3.0), tg.arange(3.0)
        assert_same_bits([f(a).numpy(), a.numpy()], [compiled(b).numpy(), b.numpy()])
    assert compiled.programs


def test_a_returned_copy_is_not_the_callers_array():
    def f(x):
        return x.clone()

    compiled = tg.compile(f)
    x = tg.ones(3)
    for _ in range(3):
        out = compiled(x)
        assert out.numpy().ctypes.data != x.numpy().ctypes.data
    out.add_(1.0)
    assert np.array_equal(x.numpy(), np.ones(3, np.float32))


def test_float32_numbers_are_cast_once_and_keep_the_bits():
    def f(x):
        return (x * 0.1 + 1e-5) / 3.0

    compiled = tg.compile(f)
    x = tg.randn(5)
    for _ in range(3):
        assert_same_bits([f(x).numpy()], [compiled(x).numpy()])
    assert "np.float32(0.1)" in tg.compiler.code(compiled)
