"""unfold, fill_diagonal_, sum_to_size, apply_, map_ and resize_ against torch."""

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _both(make):
    return make(tg), make(torch)


@pytest.mark.parametrize(
    "shape,dim,size,step",
    [
        ((6,), 0, 2, 1),
        ((5,), 0, 2, 2),
        ((3, 4), 1, 2, 1),
        ((3, 4), 0, 2, 1),
        ((2, 3, 5), -1, 3, 2),
        ((2, 3, 5), 1, 3, 3),
        ((), 0, 1, 1),
        ((4,), 0, 4, 1),
    ],
)
def test_unfold_values_and_gradient_match_torch(shape, dim, size, step):
    data = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) * 0.5 - 1.0
    grads, outs = [], []
    for lib in (tg, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x.unfold(dim, size, step)
        weight = lib.tensor(np.linspace(-1, 2, y.numel()).reshape(tuple(y.shape)))
        (y * weight).sum().backward()
        outs.append(y.detach().numpy())
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-15)


def test_unfold_gradcheck_and_gradgradcheck():
    x = tg.tensor(np.random.default_rng(0).standard_normal((3, 5)), requires_grad=True)
    assert tg.autograd.gradcheck(lambda t: t.unfold(1, 2, 2), (x,))
    assert tg.autograd.gradgradcheck(lambda t: t.unfold(1, 3, 1) ** 2, (x,))


@pytest.mark.parametrize("args,message", [((0, 6, 1), "maximum size"), ((0, 2, 0), "step is 0")])
def test_unfold_errors_match_torch(args, message):
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match=message):
            lib.arange(5.0).unfold(*args)


@pytest.mark.parametrize(
    "shape,wrap",
    [
        ((3, 3), False),
        ((5, 3), True),
        ((5, 3), False),
        ((3, 5), True),
        ((2, 2, 2), False),
        ((7, 2), True),
    ],
)
def test_fill_diagonal_matches_torch(shape, wrap):
    ours, theirs = _both(lambda lib: lib.zeros(shape).fill_diagonal_(2.5, wrap=wrap))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_fill_diagonal_errors_match_torch():
    for shape, message in (
        ((3,), "dimensions must larger than 1"),
        ((2, 3, 2), "all dimensions of input must be of equal length"),
    ):
        for lib in (tg, torch):
            with pytest.raises(RuntimeError, match=message):
                lib.zeros(shape).fill_diagonal_(1)


@pytest.mark.parametrize("size", [(1, 3), (3,), (2, 1), ((2, 1),), (1,), (2, 3)])
def test_sum_to_size_values_and_gradient_match_torch(size):
    data = np.arange(6.0).reshape(2, 3)
    results = []
    for lib in (tg, torch):
        x = lib.tensor(data, requires_grad=True)
        y = x.sum_to_size(*size)
        (y * lib.arange(1.0, y.numel() + 1).reshape(tuple(y.shape))).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_sum_to_size_refuses_a_size_that_does_not_expand():
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match="is not expandable to size"):
            lib.ones(2, 3).sum_to_size(4)


def test_apply_and_map_match_torch():
    for lib in (tg, torch):
        t = lib.arange(4.0)
        assert t.apply_(lambda v: v * 2 + 1) is t and t._version == 0  # PyTorch counts none
        t.map_(lib.tensor([1.0, 2.0, 3.0, 4.0]), lambda a, b: a * b)
        np.testing.assert_array_equal(t.numpy(), [1.0, 6.0, 15.0, 28.0])
    ours, theirs = _both(lambda lib: lib.arange(4).apply_(lambda v: v + 0.7))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for lib in (tg, torch):
        with pytest.raises(RuntimeError, match=r"Can't call apply_\(\) on Variable"):
            lib.ones(2, requires_grad=True).apply_(lambda v: v)


def test_resize_keeps_elements_in_order():
    for lib in (tg, torch):
        t = lib.arange(6.0)
        assert t.resize_(2, 2) is t and tuple(t.shape) == (2, 2)
        np.testing.assert_array_equal(t.numpy(), [[0.0, 1.0], [2.0, 3.0]])
        t.resize_(2, 3)  # PyTorch leaves added elements uninitialised; ours are zero
        np.testing.assert_array_equal(t.numpy()[0], [0.0, 1.0, 2.0])
        assert tuple(t.shape) == (2, 3)
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            lib.ones(2, requires_grad=True).resize_(3)
