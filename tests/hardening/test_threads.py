"""Threads: grad mode is per thread, and two threads training two models at once get exactly
the numbers that training them one after the other gives.

The interpreter is made to switch threads every few microseconds during these tests, so the
two threads' ops, backward passes and optimizer steps interleave finely.
"""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn, optim


@pytest.fixture(autouse=True)
def fast_switching():
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _in_thread(fn):
    """Run fn in a new thread; return its result (re-raising its exception here)."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def test_a_new_thread_starts_with_grad_enabled():
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        assert _in_thread(tg.is_grad_enabled)
        x = tg.ones(2, requires_grad=True)
        assert _in_thread(lambda: (x * 2).requires_grad)
        assert not (x * 2).requires_grad


def test_set_grad_enabled_in_a_thread_does_not_leak():
    def worker():
        tg.set_grad_enabled(False)  # left off at the end of the thread, on purpose
        return tg.is_grad_enabled()

    assert _in_thread(worker) is False
    assert tg.is_grad_enabled()


def test_grad_modes_interleave_per_thread():
    """Two threads hold opposite grad modes at the same time and check them step by step."""
    barrier = threading.Barrier(2)
    x = tg.ones(3, requires_grad=True)
    seen = {"no_grad": [], "enable_grad": []}

    def worker(mode: str):
        context = tg.no_grad() if mode == "no_grad" else tg.enable_grad()
        with context:
            for _ in range(50):
                barrier.wait()
                seen[mode].append((tg.is_grad_enabled(), (x * 3).sum().requires_grad))

    threads = [threading.Thread(target=worker, args=(m,)) for m in seen]
    with tg.no_grad():  # the main thread's mode must not reach either worker
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert seen["no_grad"] == [(False, False)] * 50
    assert seen["enable_grad"] == [(True, True)] * 50
    assert tg.is_grad_enabled()


def test_backward_in_one_thread_while_another_is_in_no_grad():
    """Backward switches grad mode internally (create_graph); it must not flip the other
    thread's mode, nor pick up the other's."""
    stop = threading.Event()
    flips = []

    def evaluator():
        with tg.no_grad():
            while not stop.is_set():
                if tg.is_grad_enabled():
                    flips.append(True)

    thread = threading.Thread(target=evaluator)
    thread.start()
    try:
        x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
        for _ in range(200):
            y = (x**3).sum()
            (g,) = tg.autograd.grad(y, x, create_graph=True)
            assert g.requires_grad and tg.is_grad_enabled()
            g.sum().backward()
    finally:
        stop.set()
        thread.join()
    assert flips == []
    np.testing.assert_allclose(x.grad.numpy(), 200 * 6 * np.array([1.0, 2.0, 3.0]))


def _train(seed: int, steps: int = 60, optimizer: str = "adam", evaluate_every: int = 7):
    """A small classifier trained on fixed data; returns its parameters as arrays."""
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal((16, 6)).astype(np.float32))
    y = tg.tensor(rng.integers(0, 3, 16))
    weights = [
        rng.standard_normal(s).astype(np.float32) * 0.3
        for s in [(8, 6), (8,), (8, 8), (8,), (3, 8), (3,)]
    ]
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))
    with tg.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(tg.tensor(w))
    opt = (
        optim.Adam(model.parameters(), lr=0.01)
        if optimizer == "adam"
        else optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    )
    loss_fn = nn.CrossEntropyLoss()
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if step % evaluate_every == 0:
            with tg.no_grad():  # an evaluation pass in the middle of training
                assert not model(x).requires_grad
    return [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("optimizers", [("adam", "sgd"), ("adam", "adam")])
def test_two_threads_training_two_models_match_sequential_runs(optimizers):
    sequential = [_train(seed, optimizer=opt) for seed, opt in zip((1, 2), optimizers)]
    results, errors = [None, None], []
    start = threading.Barrier(2)

    def worker(i: int):
        try:
            start.wait()
            results[i] = _train(i + 1, optimizer=optimizers[i])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for concurrent, alone in zip(results, sequential):
        for p, q in zip(concurrent, alone):
            np.testing.assert_array_equal(p, q)


def test_threads_sharing_one_input_tensor_do_not_mix_gradients():
    """Each thread takes autograd.grad of its own function of a shared leaf."""
    x = tg.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    expected = {k: tg.autograd.grad((x**k).sum(), x)[0].numpy() for k in (2, 3, 4, 5)}
    out, errors = {}, []

    def worker(k: int):
        try:
            for _ in range(100):
                (g,) = tg.autograd.grad((x**k).sum(), x)
                np.testing.assert_allclose(g.numpy(), expected[k], rtol=1e-12)
            out[k] = True
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in expected]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(out) == [2, 3, 4, 5]
    assert x.grad is None


def test_threads_using_a_fresh_leaf_at_once_share_its_node():
    """Two threads touching a new leaf at the same moment could each make an AccumulateGrad
    node for it; autograd.grad in one thread then looked the leaf up by the other's node and
    raised "appears to not have been used in the graph" (seen 3 times in 20,000 tries). Four
    threads now fetch the nodes of 50,000 fresh leaves: each leaf must have exactly one."""
    from tinygrad_nn.autograd.function import grad_accumulator

    leaves = [tg.ones(1, requires_grad=True) for _ in range(50_000)]
    got = [[None] * len(leaves) for _ in range(4)]
    barrier = threading.Barrier(4)

    def worker(w: int):
        barrier.wait()
        out = got[w]
        for i, leaf in enumerate(leaves):
            out[i] = grad_accumulator(leaf)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    split = [i for i in range(len(leaves)) if len({id(g[i]) for g in got}) > 1]
    assert split == []
