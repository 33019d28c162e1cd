"""Guards: a new shape, train/eval, grad mode, a new argument value or a replaced parameter
traces again; the number of programs is capped, then the function runs eagerly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits
from tinygrad_nn import nn


def _model():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))


def test_new_shape_retraces_and_both_programs_are_kept():
    model = _model()
    compiled = tg.compile(model)
    a, b = tg.randn(5, 3), tg.randn(7, 3)
    with tg.no_grad():
        for x in (a, b, a, b):
            tg.manual_seed(1)
            got = compiled(x)
            tg.manual_seed(1)
            assert_same_bits([got.numpy()], [model(x).numpy()])
    assert len(compiled._compiled_call.programs) == 2


def test_train_and_eval_each_get_their_program():
    model = _model()
    compiled = tg.compile(model)
    x = tg.randn(6, 3)
    with tg.no_grad():
        for mode in ("train", "eval", "train", "eval"):
            getattr(compiled, mode)()
            tg.manual_seed(2)
            got = compiled(x)
            tg.manual_seed(2)
            assert_same_bits([got.numpy()], [model(x).numpy()])
    assert len(compiled._compiled_call.programs) == 2


def test_grad_mode_is_guarded():
    model = _model().eval()
    compiled = tg.compile(model)
    x = tg.randn(2, 3)
    assert compiled(x).requires_grad
    with tg.no_grad():
        assert not compiled(x).requires_grad
    assert compiled(x).grad_fn.name() == "CompiledFunctionBackward"


def test_non_tensor_argument_value_retraces():
    @tg.compile
    def scale(x, k):
        return x * k

    x = tg.tensor([1.0, 2.0])
    assert scale(x, 2).tolist() == [2.0, 4.0]
    assert scale(x, 3).tolist() == [3.0, 6.0]
    assert scale(x, 2).tolist() == [2.0, 4.0]
    assert len(scale.programs) == 2


def test_replacing_a_parameter_retraces():
    model = nn.Linear(2, 1)
    compiled = tg.compile(model)
    x = tg.ones(1, 2)
    with tg.no_grad():
        compiled(x)
        model.weight = nn.Parameter(tg.tensor([[10.0, 20.0]]))
        model.bias = nn.Parameter(tg.tensor([1.0]))
        assert compiled(x).tolist() == [[31.0]]


def test_in_place_change_of_a_parameter_is_seen():
    model = nn.Linear(2, 1)
    compiled = tg.compile(model)
    x = tg.ones(1, 2)
    with tg.no_grad():
        compiled(x)
        model.weight.fill_(1.0)
        model.bias.zero_()
        assert compiled(x).tolist() == [[2.0]]


def test_recompile_limit_then_eager_with_one_warning():
    @tg.compile
    def f(x, n):
        return x + n

    x = tg.zeros(2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [f(x, float(n)).tolist() for n in range(12)]
    assert results == [[float(n)] * 2 for n in range(12)]
    assert len(f.programs) == tg.compiler.RECOMPILE_LIMIT
    assert sum("recompile_limit" in str(w.message) for w in caught) == 1


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_optimizer_option_flip_takes_the_right_branch(momentum):
    tg.manual_seed(3)
    p = nn.Parameter(tg.randn(4))
    opt = tg.optim.SGD([p], lr=0.1, momentum=momentum)

    @tg.compile
    def step():
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()

    for _ in range(3):
        step()
    opt.param_groups[0]["momentum"] = 0.5  # a branch in SGD's code depends on it
    before = p.detach().numpy().copy()
    step()
    buf = opt.state[p].get("momentum_buffer")
    expected = before - 0.1 * (buf.numpy() if buf is not None else 2 * before)
    assert np.allclose(p.detach().numpy(), expected)


def test_keyword_arguments_are_guarded_by_name_and_value():
    @tg.compile
    def f(x, a=1.0, b=0.0):
        return x * a + b

    x = tg.tensor([1.0, 2.0])
    assert f(x, a=2.0).tolist() == [2.0, 4.0]
    assert f(x, b=2.0).tolist() == [3.0, 4.0]
    assert f(x, a=2.0).tolist() == [2.0, 4.0]
    assert f(x, a=3.0).tolist() == [3.0, 6.0]
    assert len(f.programs) == 3


def test_in_place_changes_to_outside_tensors_replay():
    total = tg.zeros(3)
    count = tg.zeros(())

    @tg.compile
    def accumulate(x):
        total.add_(x * 2)
        count.add_(1)
        return total.sum()

    for i in range(5):
        out = accumulate(tg.full((3,), float(i)))
    assert total.tolist() == [20.0] * 3 and count.item() == 5.0 and out.item() == 60.0
    assert total._version == 5 and accumulate.eager_reason is None
