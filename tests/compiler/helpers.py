"""Shared by the compiler tests: run the same training loop eagerly and compiled."""

from __future__ import annotations

import numpy as np

import tinygrad_nn as tg


def snapshot(model) -> list:
    """Copies of every parameter, buffer and gradient of a model."""
    out = [t.detach().numpy().copy() for t in model.parameters()]
    out += [b.numpy().copy() for b in model.buffers()]
    out += [None if p.grad is None else p.grad.numpy().copy() for p in model.parameters()]
    return out


def assert_same_bits(a: list, b: list) -> None:
    """Two lists of arrays (or None) are equal bit for bit."""
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if x is None or y is None:
            assert x is None and y is None
            continue
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape
        assert np.array_equal(x.reshape(-1).view(np.uint8), y.reshape(-1).view(np.uint8))


def run_both(make_step, steps: int) -> tuple:
    """`make_step()` -> (step, model); the losses and final states, eager and compiled."""
    results = []
    for compiled in (False, True):
        step, model = make_step()
        if compiled:
            step = tg.compile(step)
        losses = [np.asarray(step().detach().numpy()).copy() for _ in range(steps)]
        results.append((losses, snapshot(model), step))
    return results


def check_both(make_step, steps: int = 5):
    """Eager and compiled give the same losses and states; returns the compiled step."""
    (eager_losses, eager_state, _), (losses, state, step) = run_both(make_step, steps)
    assert_same_bits(eager_losses, losses)
    assert_same_bits(eager_state, state)
    assert step.programs, f"nothing was compiled: {step.eager_reason}"
    return step
