"""The call forms and the surface PyTorch shows: OptimizedModule, CompiledFunctionBackward,
the double-backward error, options, and `compiler.code` (ours)."""

from __future__ import annotations

import warnings

import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn

torch = pytest.importorskip("torch")


def test_optimized_module_state_dict_keys_match_pytorch():
    ours = tg.compile(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.BatchNorm1d(3)))
    theirs = torch.compile(
        torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.BatchNorm1d(3))
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert type(ours).__name__ == type(theirs).__name__ == "OptimizedModule"
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours._orig_mod[0].weight is next(ours.parameters())


def test_output_node_and_double_backward_error_match_pytorch():
    tg_model, pt_model = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    results = []
    for lib, model in ((tg, tg_model), (torch, pt_model)):
        out = lib.compile(model)(lib.ones(4, 2))
        (g,) = lib.autograd.grad(out.sum(), model.weight, create_graph=True)
        with pytest.raises(RuntimeError) as info:
            g.sum().backward()
        results.append((out.grad_fn.name(), g.grad_fn.name(), str(info.value)))
    assert results[0] == results[1]


def test_call_forms():
    def f(x):
        return x * 2

    x = tg.tensor([1.0, 2.0])
    assert tg.compile(f)(x).tolist() == [2.0, 4.0]
    assert tg.compile()(f)(x).tolist() == [2.0, 4.0]
    assert tg.compile(fullgraph=True, dynamic=False)(f)(x).tolist() == [2.0, 4.0]

    @tg.compile
    def g(x):
        return x + 1

    assert g(x).tolist() == [2.0, 3.0]
    model = nn.Linear(2, 2)
    model.compile()
    assert model(tg.ones(1, 2)).grad_fn.name() == "CompiledFunctionBackward"
    assert "def forward" in tg.compiler.code(model)


def test_disable_returns_the_original():
    model = nn.Linear(2, 2)
    assert tg.compile(model, disable=True) is model


def test_unknown_backend_or_mode_warns_once_and_works():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = tg.compile(lambda x: x + 1, backend="my_backend", mode="fastest")
        assert f(tg.zeros(1)).tolist() == [1.0]
    assert len(caught) == 1 and "ignores" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.compile(lambda x: x, backend="inductor", mode="reduce-overhead")


def test_code_is_readable_numpy_named_after_modules():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    x, y = tg.randn(4, 2), tg.tensor([0, 1, 1, 0])

    @tg.compile
    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    assert "nothing compiled yet" in tg.compiler.code(step)
    step()
    source = tg.compiler.code(step)
    assert "def step(_in):" in source and "np.matmul(x, " in source
    assert "# 0 (Linear) · Addmm" in source and "# backward · " in source
    assert "# SGD.step" in source and "lr = _G1['lr']" in source
    assert all(len(line) < 400 for line in source.splitlines())


def test_reset_forgets_programs_and_is_compiling():
    seen = []

    @tg.compile
    def f(x):
        seen.append(tg.compiler.is_compiling())
        return x * 3

    f(tg.ones(2))
    f(tg.ones(2))
    assert seen == [True] and not tg.compiler.is_compiling()
    tg.compiler.reset()
    f(tg.ones(2))
    assert seen == [True, True]


def test_error_inside_the_traced_function_is_the_users():
    @tg.compile
    def f(x):
        return x @ tg.ones(5, 2)

    with pytest.raises(RuntimeError) as info:
        f(tg.ones(3, 4))
    with pytest.raises(RuntimeError) as eager:
        tg.ones(3, 4) @ tg.ones(5, 2)
    assert str(info.value) == str(eager.value)
