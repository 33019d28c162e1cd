"""Differences from PyTorch found by auditing optim against it, one test per fix.

Each test runs the same code on both libraries (`lib` is `torch` or `tinygrad_nn`) and
compares what comes out: values, or the exception class and message.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def both(fn):
    """(torch result, our result) of `fn(lib)`; an exception becomes (class name, message)
    and a tensor (dtype name, values), so that results compare with ==."""
    out = []
    for lib in (torch, tg):
        try:
            result = fn(lib)
        except Exception as e:  # the exception is the result compared
            result = (type(e).__name__, str(e).replace("tinygrad_nn.", "torch."))
        if isinstance(result, (torch.Tensor, tg.Tensor)):
            result = (str(result.dtype).split(".")[-1], result.detach().numpy().tolist())
        out.append(result)
    return out


def assert_same(fn):
    theirs, ours = both(fn)
    assert ours == theirs


@pytest.mark.parametrize(
    "params",
    [
        lambda lib: lib.nn.Parameter(lib.ones(1)),
        lambda lib: [1.0],
        lambda lib: ["w"],
    ],
    ids=["a_tensor", "a_float", "a_string"],
)
def test_bad_params_are_named_as_pytorch_names_them(params):
    assert_same(lambda lib: lib.optim.SGD(params(lib), lr=0.1))


def _stepped(lib, make, dtype=None):
    """An optimizer over two parameters after two steps of a fixed loss."""
    w = lib.nn.Parameter(
        lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=dtype or lib.float32)
    )
    b = lib.nn.Parameter(lib.ones(3, dtype=dtype or lib.float32))
    opt = make(lib, [w, b])
    for _ in range(2):
        opt.zero_grad()
        ((w * b).tanh().sum() + (b**2).sum()).backward()
        opt.step()
    return opt, w, b


OPTIMIZERS = {
    "sgd": lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9),
    "adam": lambda lib, ps: lib.optim.Adam(ps, lr=0.1, amsgrad=True),
    "adamw": lambda lib, ps: lib.optim.AdamW(ps, lr=0.1),
    "rmsprop": lambda lib, ps: lib.optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda lib, ps: lib.optim.Adagrad(ps, lr=0.1),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_loaded_state_is_shared_with_the_dict_when_no_cast_is_needed(name):
    """PyTorch's load_state_dict keeps the dict's tensors (`.to()` of the same dtype is a
    no-op), so stepping the source optimizer afterwards moves the loaded one's state too."""

    def run(lib):
        make = OPTIMIZERS[name]
        source, w, b = _stepped(lib, make)
        loaded, w2, b2 = _stepped(lib, make)
        loaded.load_state_dict(source.state_dict())
        shared = [
            loaded.state[p][k] is source.state[q][k]
            for p, q in ((w2, w), (b2, b))
            for k in source.state[q]
        ]
        for opt, (x, y) in ((source, (w, b)), (loaded, (w2, b2))):
            opt.zero_grad()
            ((x * y).tanh().sum() + (y**2).sum()).backward()
            opt.step()
        return shared, w2.detach().numpy().round(6).tolist(), b2.detach().numpy().tolist()

    theirs, ours = both(run)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5)


def test_loaded_state_is_cast_to_a_parameter_of_another_dtype():
    def run(lib):
        source, _, _ = _stepped(lib, OPTIMIZERS["adam"])
        loaded, w, _ = _stepped(lib, OPTIMIZERS["adam"], dtype=lib.float64)
        loaded.load_state_dict(source.state_dict())
        state = loaded.state[w]
        return [str(state[k].dtype).split(".")[-1] for k in ("step", "exp_avg")], any(
            state[k] is source.state_dict()["state"][0][k] for k in ("exp_avg", "exp_avg_sq")
        )

    assert_same(run)


SCHEDULERS = {
    "step": lambda lib, o: lib.optim.lr_scheduler.StepLR(o, 2),
    "multistep": lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, [1, 2]),
    "exponential": lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, 0.5),
    "cosine": lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(o, 4),
}


@pytest.mark.parametrize("name", SCHEDULERS)
def test_scheduler_state_dict_has_pytorchs_keys(name):
    def run(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        sched = SCHEDULERS[name](lib, opt)
        for _ in range(3):
            opt.step()
            sched.step()
        return sorted(sched.state_dict())

    assert_same(run)


def test_resuming_a_scheduler_without_initial_lr_raises_pytorchs_message():
    def run(lib):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1)
        return lib.optim.lr_scheduler.StepLR(opt, 3, last_epoch=2)

    assert_same(run)
