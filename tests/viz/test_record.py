"""viz.record: intermediate values and gradients, noted weakly and only inside the block."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close
from tinygrad_nn import viz
from tinygrad_nn.autograd.function import observers
from tinygrad_nn.debug.record import record_user_ops
from tinygrad_nn.viz.record import grad_of, note_of, value_of

torch = pytest.importorskip("torch")


def _tool_hooks():
    """The observers installed now, but the one that is always on once a user Function exists."""
    on_create = [h for h in observers.on_create if h is not record_user_ops]
    return on_create, list(observers.on_backward)


def _forward(lib, x_array, w_array):
    x = lib.tensor(x_array, requires_grad=True)
    w = lib.tensor(w_array, requires_grad=True)
    h = x @ w
    s = h.sigmoid()
    loss = (s * s).sum()
    return x, w, h, s, loss


def test_intermediate_values_and_grads_match_torch():
    rng = np.random.default_rng(1)
    arrays = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((3, 2))
    arrays = arrays[0], arrays[1].astype(np.float32)
    with viz.record():
        _, _, h, s, loss = _forward(tg, *arrays)
        loss.backward()
    _, _, th, ts, tloss = _forward(torch, *arrays)
    th.retain_grad()
    ts.retain_grad()
    tloss.backward()
    for ours, theirs in [(h, th), (s, ts)]:
        node, nr = ours.grad_fn, ours._output_nr
        assert_close(value_of(node, nr)[0], theirs.detach().numpy())
        assert_close(grad_of(node, nr), theirs.grad.numpy())


def test_notes_are_weak_and_hooks_are_removed():
    x = tg.randn(3, requires_grad=True)
    with viz.record():
        y = (x * 2).exp()
    assert _tool_hooks() == ([], [])
    node = weakref.ref(y.grad_fn)
    assert note_of(node()) is not None
    del y
    gc.collect()
    assert node() is None  # the notes did not keep the graph alive


def test_hooks_are_removed_when_the_block_raises():
    x = tg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError), viz.record():
        x @ tg.randn(4, 4)
    assert _tool_hooks() == ([], [])


def test_grads_of_two_backward_passes_add_up_like_dot_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with viz.record():
        h = x * x
        y = h.sum()
        y.backward(retain_graph=True)
        y.backward()
    np.testing.assert_array_equal(grad_of(h.grad_fn, 0), [2.0, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])


def test_outside_record_only_saved_outputs_are_known():
    x = tg.randn(3, requires_grad=True)
    e = x.exp()  # exp saves its output
    m = e * 2
    assert value_of(e.grad_fn, 0)[0] is e._data
    assert value_of(m.grad_fn, 0) is None and grad_of(m.grad_fn, 0) is None
