"""split, chunk and unbind record one node with one output per piece, as PyTorch does."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

CASES = [
    ("split", (2, 1)),
    ("split", ([1, 3], 1)),
    ("chunk", (3, 0)),
    ("unbind", (1,)),
    ("unbind", (0,)),
]


def _pieces(lib, x, method, args):
    return getattr(x * 1, method)(*args)


@pytest.mark.parametrize("method, args", CASES)
def test_one_node_with_numbered_outputs(method, args):
    x = np.random.default_rng(0).standard_normal((4, 4)).astype(np.float32)
    ours = _pieces(tg, tg.tensor(x, requires_grad=True), method, args)
    theirs = _pieces(torch, torch.tensor(x, requires_grad=True), method, args)
    assert len(ours) == len(theirs)
    assert all(p.grad_fn is ours[0].grad_fn for p in ours)
    assert [p.output_nr for p in ours] == [p.output_nr for p in theirs]
    assert ours[0].grad_fn.name() == theirs[0].grad_fn.name()
    assert len(ours[0].grad_fn.next_functions) == len(theirs[0].grad_fn.next_functions)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("method, args", CASES)
def test_gradient_when_only_some_pieces_are_used(method, args):
    x = np.random.default_rng(1).standard_normal((4, 4))
    grads = []
    for lib in (tg, torch):
        t = lib.tensor(x, requires_grad=True)
        pieces = _pieces(lib, t, method, args)
        (pieces[-1] * 3).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("method, args", CASES)
def test_gradcheck_and_gradgradcheck(method, args):
    x = tg.tensor(np.random.default_rng(2).standard_normal((4, 4)), requires_grad=True)

    def f(t):
        pieces = getattr(t, method)(*args)
        return sum(((k + 1) * p * p).sum() for k, p in enumerate(pieces[::2]))

    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_pieces_are_views_sharing_the_version_counter():
    x = tg.ones(4, 4)
    a, b = x.split(2)
    x.add_(1)
    assert a._version == x._version == b._version == 1
    np.testing.assert_array_equal(a.numpy(), np.full((2, 4), 2.0, np.float32))


def test_in_place_change_of_a_piece_raises_like_torch():
    for lib in (tg, torch):
        a, _ = (lib.ones(4, 4, requires_grad=True) * 1).split(2)
        with pytest.raises(RuntimeError, match="Output 0 of Split is a view"):
            a.mul_(2)
