"""`to()` argument parsing (shared by Tensor.to and Module.to) and `zero_grad` (shared by
Module and Optimizer), checked against PyTorch; SGD's in-place update moves p's version once."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _dtype_name(dtype) -> str:
    return str(dtype).split(".")[-1]


@pytest.mark.parametrize(
    "call",
    [
        lambda L, t: t.to(L.float64),
        lambda L, t: t.to(L.float64, False),  # non_blocking given by position
        lambda L, t: t.to("cpu", L.float64),
        lambda L, t: t.to(dtype=L.float64, non_blocking=True),
        lambda L, t: t.to(L.ones(1, dtype=L.float64)),
        lambda L, t: t.to(True),  # a leading bool reads as the bool dtype
        lambda L, t: t.to("cpu"),
    ],
)
def test_tensor_to_parses_like_pytorch(call):
    ours = call(tg, tg.tensor([1.5, 0.0]))
    theirs = call(torch, torch.tensor([1.5, 0.0]))
    assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype)
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize(
    "call",
    [
        lambda L, m: m.to(L.float64),
        lambda L, m: m.to(L.float64, False),
        lambda L, m: m.to("cpu", L.float64),
        lambda L, m: m.to(dtype=L.float64),
        lambda L, m: m.to(L.ones(1, dtype=L.float64)),
    ],
)
def test_module_to_parses_like_pytorch(call):
    ours = call(tg, tg.nn.Linear(2, 3)).weight
    theirs = call(torch, torch.nn.Linear(2, 3)).weight
    assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype)


@pytest.mark.parametrize("lib", [tg, torch], ids=["ours", "torch"])
def test_module_to_refuses_what_pytorch_refuses(lib):
    with pytest.raises(TypeError, match="only accepts floating point"):
        lib.nn.Linear(2, 3).to(True)
    with pytest.raises(RuntimeError, match="does not accept copy"):
        lib.nn.Linear(2, 3).to(copy=True)
    with pytest.raises(TypeError):
        lib.nn.Linear(2, 3).to(foo=1)


def _grads_after_zero_grad(lib, set_to_none: bool, through: str):
    lin = lib.nn.Linear(3, 2)
    opt = lib.optim.SGD(lin.parameters(), lr=0.1)
    lin(lib.ones(4, 3)).pow(2).sum().backward()
    before = lin.weight.grad
    (lin if through == "module" else opt).zero_grad(set_to_none=set_to_none)
    grad = lin.weight.grad
    return grad is None, grad is before, None if grad is None else grad.tolist()


@pytest.mark.parametrize("through", ["module", "optimizer"])
@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_matches_pytorch(set_to_none, through):
    assert _grads_after_zero_grad(tg, set_to_none, through) == _grads_after_zero_grad(
        torch, set_to_none, through
    )


def test_zero_grad_in_place_detaches_a_grad_with_history():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad((x**3).sum(), x, create_graph=True)
    x.grad = g
    opt = tg.optim.SGD([x], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert x.grad is g and g.grad_fn is None and not g.requires_grad and g.tolist() == [0, 0]


@pytest.mark.parametrize("options", [{}, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}])
def test_sgd_step_moves_each_parameter_version_once(options):
    w = tg.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    opt = tg.optim.SGD([w], lr=0.1, **options)
    for _ in range(3):
        w.grad = tg.ones(2, 2)
        version = w._version
        opt.step()
        assert w._version == version + 1
