"""Memory stays flat: a graph is freed by reference counting alone, as soon as nothing holds it.

Every test here runs with the garbage collector disabled, so an object that is freed was freed
by reference counting; a reference cycle would keep it (and show as a live weak reference).
The last test trains the 784-30-...-1 network for 2,000 steps and checks with tracemalloc that
memory does not grow after warm-up.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim


@pytest.fixture
def no_gc():
    """Collect what earlier tests left, then keep the cyclic collector off for the test."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _alive(refs) -> list:
    return [ref() for ref in refs if ref() is not None]


def _leaves():
    rng = np.random.default_rng(0)
    x = tg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = tg.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    return x, w


def _graph(x, w) -> dict:
    """A graph with saved inputs, saved outputs (exp, sigmoid, softmax), views, an in-place
    update of a non-leaf, advanced indexing, a two-output node (max with dim), cat, a hook
    and retain_grad: every kind of reference a node can hold."""
    h = (x @ w).exp()
    s = h.sigmoid()
    v = s.T
    t = v * 2
    t[0] = t[1] * 3  # in place on a non-leaf: CopySlices-style rebasing
    t.retain_grad()
    m = t.max(dim=1).values
    c = tg.cat([m, t[:, 1], s.reshape(-1)[:3]])
    c.register_hook(lambda g: g * 1.0)
    y = c.softmax(0)[tg.tensor([0, 2, 2])].sum() + x.norm()
    return {"h": h, "s": s, "v": v, "t": t, "m": m, "c": c, "y": y}


def _refs(values: dict) -> list:
    refs = []
    for value in values.values():
        refs.append(weakref.ref(value))
        if value.grad_fn is not None:
            refs.append(weakref.ref(value.grad_fn))
    return refs


def test_graph_is_freed_when_its_output_is_dropped_without_backward(no_gc):
    x, w = _leaves()
    values = _graph(x, w)
    refs = _refs(values)
    del values
    assert _alive(refs) == []
    assert x.grad is None


@pytest.mark.parametrize("retain_graph", [False, True])
def test_graph_is_freed_after_backward(no_gc, retain_graph):
    x, w = _leaves()
    values = _graph(x, w)
    refs = _refs(values)
    values["y"].backward(retain_graph=retain_graph)
    assert values["t"].grad is not None  # retain_grad worked
    del values
    assert _alive(refs) == []
    assert x.grad is not None and w.grad is not None


def test_backward_frees_saved_values_while_the_output_lives(no_gc):
    """Without retain_graph, backward drops what nodes saved at once (y still holds them)."""
    x, w = _leaves()
    h = (x @ w).exp()  # Exp saves its output's array
    saved = weakref.ref(h._data)
    y = (h * h).sum()
    del h
    assert saved() is not None  # kept by the graph for backward
    y.backward()
    assert saved() is None
    assert y.grad_fn is not None


def test_retain_graph_keeps_saved_values_until_the_output_goes(no_gc):
    x, w = _leaves()
    h = (x @ w).exp()
    saved = weakref.ref(h._data)
    y = (h * h).sum()
    del h
    y.backward(retain_graph=True)
    y.backward()  # the second pass needs them
    assert saved() is None
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
    del y
    assert saved() is None


def test_create_graph_makes_no_cycle_through_the_leaf(no_gc):
    """With create_graph=True, x.grad holds a graph that reaches x's AccumulateGrad. PyTorch
    warns that this is a cycle; here the node refers to its leaf weakly, so dropping x frees
    everything without the collector."""
    x, w = _leaves()
    y = ((x @ w) ** 3).sum()
    y.backward(create_graph=True)
    refs = [weakref.ref(x), weakref.ref(x.grad), weakref.ref(x.grad.grad_fn)]
    (x.grad * x.grad).sum().backward()  # second order through the recorded graph
    del x, y
    assert _alive(refs) == []


def test_autograd_grad_and_functional_leave_nothing_behind(no_gc):
    x, w = _leaves()
    out = ((x @ w).tanh() ** 2).sum()
    refs = [weakref.ref(out), weakref.ref(out.grad_fn)]
    (g,) = tg.autograd.grad(out, x, create_graph=True)
    refs += [weakref.ref(g), weakref.ref(g.grad_fn)]
    hess = tg.autograd.functional.hessian(lambda a: (a.sin() * a).sum(), x[0].detach())
    del out, g
    assert _alive(refs) == []
    assert hess.grad_fn is None


def test_custom_function_context_is_freed(no_gc):
    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = a * a * a
            ctx.save_for_backward(a, out)  # an input and the output itself
            return out

        @staticmethod
        def backward(ctx, grad):
            a, out = ctx.saved_tensors
            return grad * 3 * out / a

    x, _ = _leaves()
    y = Cube.apply(x)
    refs = [weakref.ref(y), weakref.ref(y.grad_fn)]
    y.sum().backward()
    del y
    assert _alive(refs) == []
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2, rtol=1e-12)


def _network() -> nn.Module:
    tg.manual_seed(0)
    layers = [nn.Linear(784, 30), nn.ReLU()]
    for _ in range(8):
        layers += [nn.Linear(30, 30), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(30, 1))


def test_a_training_step_leaves_no_graph_behind(no_gc):
    model = _network()
    opt = optim.SGD(model.parameters(), lr=0.01)
    x, y = tg.randn(4, 784), tg.randn(4, 1)
    activations = []
    handle = model[1].register_forward_hook(lambda m, i, o: activations.append(weakref.ref(o)))
    loss = nn.MSELoss()(model(x), y)
    refs = [weakref.ref(loss), weakref.ref(loss.grad_fn)] + activations
    opt.zero_grad()
    loss.backward()
    opt.step()
    handle.remove()
    del loss
    assert _alive(refs) == []


def test_2000_training_steps_keep_memory_flat():
    """784-30-(30-30)x8-1 with ReLU, MSE and SGD, batch 8, for 2,000 steps with the garbage
    collector off (a cycle per step would pile up). tracemalloc runs for the last 600 steps,
    after 1,400 of warm-up (it makes each step about three times slower): the last 500 steps
    must leave less than 8 KiB more allocated than there was before them (one leaked small
    object per step, 32 bytes or more, would fail)."""
    model = _network()
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    rng = np.random.default_rng(0)
    batches = [
        (
            tg.tensor(rng.standard_normal((8, 784)), dtype=tg.float32),
            tg.tensor(rng.standard_normal((8, 1)), dtype=tg.float32),
        )
        for _ in range(4)
    ]

    def step(i: int) -> float:
        x, y = batches[i % len(batches)]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        objects_before = None
        for i in range(1400):
            step(i)
            if i == 200:
                objects_before = len(gc.get_objects())
        objects_after_warm_up = len(gc.get_objects())
        tracemalloc.start()
        try:
            # The baseline is taken inside the traced window: what a step keeps alive (the
            # parameters' fresh .grad buffers, ~120 KiB) is then in both measurements.
            losses = np.zeros(2000)  # preallocated: a growing list would be growth
            for i in range(1400, 1500):
                losses[i] = step(i)
            baseline, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            for i in range(1500, 2000):
                losses[i] = step(i)
            current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        if was_enabled:
            gc.enable()
    growth = current - baseline
    assert growth < 8 * 1024, f"{growth} more bytes allocated after 500 steps"
    assert peak - baseline < 4 * 1024 * 1024, "one step should not need megabytes"
    assert abs(objects_after_warm_up - objects_before) < 50, "objects pile up between steps"
    assert np.isfinite(losses).all() and losses[-1] < 10
