"""A Python `range` indexes as the list of its values, in reads and writes, alone or mixed
with ints, slices, None, ellipsis, lists and tensors; gradients flow as through any index
tensor (the makemore notebooks' `logprobs[range(n), Yb]` and `dlogits[range(n), Yb] -= 1`)."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# keys as functions of the library (some hold a tensor); all on a (4, 5, 6) tensor
KEYS = {
    "range": lambda lib: range(3),
    "range_start_stop": lambda lib: range(1, 4),
    "range_step": lambda lib: range(0, 4, 2),
    "range_negative_values": lambda lib: range(-2, 2),
    "range_reversed": lambda lib: range(3, 0, -1),
    "range_empty": lambda lib: range(0),
    "in_tuple": lambda lib: (range(2),),
    "two_ranges": lambda lib: (range(4), range(4)),
    "range_and_list": lambda lib: (range(4), [0, 1, 2, 1]),
    "range_and_tensor": lambda lib: (range(4), lib.tensor([4, 0, 2, 3])),
    "range_and_int": lambda lib: (range(4), 1),
    "int_then_range": lambda lib: (2, range(3)),
    "slice_then_range": lambda lib: (slice(None), range(1, 5)),
    "range_then_slice": lambda lib: (range(2), slice(1, 4)),
    "ranges_around_slice": lambda lib: (range(3), slice(None), range(3)),
    "none_and_range": lambda lib: (None, range(2)),
    "ellipsis_and_range": lambda lib: (Ellipsis, range(5)),
    "range_ellipsis_none": lambda lib: (range(2), Ellipsis, None),
    "list_holding_range": lambda lib: [range(2), [0, 1]],
    "range_mask": lambda lib: (range(1, 4), lib.tensor([True, False, True, True, False])),
}
SHAPE = (4, 5, 6)


def _data(seed=0):
    return np.random.default_rng(seed).standard_normal(SHAPE)


def _read(lib, key_name):
    x = lib.tensor(_data(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "non-tuple sequence" warning of the list key
        out = x[KEYS[key_name](lib)]
    weight = lib.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
    (out * weight).sum().backward()
    return out.detach().numpy(), x.grad.numpy(), out.grad_fn.name()


@pytest.mark.parametrize("key_name", sorted(KEYS))
def test_read_and_gradient_match_pytorch(key_name):
    ours, theirs = _read(tg, key_name), _read(torch, key_name)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("key_name", sorted(KEYS))
def test_range_is_the_list_of_its_values(key_name):
    x = tg.tensor(_data())
    key = KEYS[key_name](tg)
    as_lists = (
        tuple(list(k) if isinstance(k, range) else k for k in key)
        if isinstance(key, tuple)
        else [list(k) if isinstance(k, range) else k for k in key]
        if isinstance(key, list)
        else list(key)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(x[key].numpy(), x[as_lists].numpy())


def _write(lib, key_name, value_kind):
    x = lib.tensor(_data())
    key = KEYS[key_name](lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shape = tuple(x[key].shape)
        if value_kind == "number":
            x[key] = 7.5
        elif value_kind == "tensor":
            x[key] = lib.tensor(np.arange(float(np.prod(shape))).reshape(shape))
        else:  # an in-place update through the index, as in `dlogits[range(n), Yb] -= 1`
            x[key] -= 1
    return x.numpy()


@pytest.mark.parametrize("value_kind", ["number", "tensor", "augmented"])
@pytest.mark.parametrize("key_name", sorted(KEYS))
def test_write_matches_pytorch(key_name, value_kind):
    np.testing.assert_array_equal(
        _write(tg, key_name, value_kind), _write(torch, key_name, value_kind)
    )


def _notebook_step(lib):
    # makemore part 4: the cross-entropy gradient written by hand, then checked by autograd
    rng = np.random.default_rng(3)
    n = 5
    logits = lib.tensor(rng.standard_normal((n, 7)), requires_grad=True)
    yb = lib.tensor(rng.integers(0, 7, n))
    logprobs = logits.log_softmax(1)
    loss = -logprobs[range(n), yb].mean()
    loss.backward()
    dlogits = logits.detach().softmax(1)
    dlogits[range(n), yb] -= 1
    dlogits /= n
    return loss.item(), logits.grad.numpy(), dlogits.numpy()


def test_makemore_lines():
    ours, theirs = _notebook_step(tg), _notebook_step(torch)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours[1], ours[2], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "key_name",
    ["range", "two_ranges", "range_and_tensor", "ranges_around_slice", "range_ellipsis_none"],
)
def test_gradcheck_through_range_index(key_name):
    x = tg.tensor(np.random.default_rng(2).uniform(-1, 1, SHAPE), requires_grad=True)
    key = KEYS[key_name](tg)
    assert gradcheck(lambda t: t[key], (x,))
    assert gradgradcheck(lambda t: t[key] * t[key], (x,))


def test_setitem_gradient_through_range():
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(_data(), requires_grad=True)
        v = lib.tensor(np.ones((3, 6)), requires_grad=True)
        y = x * 2
        y[range(3), range(1, 4)] = v * 3
        weight = lib.tensor(np.random.default_rng(4).standard_normal(SHAPE))
        (y * weight).sum().backward()
        grads.append((x.grad.numpy(), v.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_array_equal(ours, theirs)


def test_out_of_range_range_raises_as_pytorch():
    for lib in (tg, torch):
        x = lib.zeros(3, 4)
        with pytest.raises(
            IndexError, match="index 3 is out of bounds for dimension 0 with size 3"
        ):
            x[range(5)]
        with pytest.raises(
            IndexError, match="index 4 is out of bounds for dimension 1 with size 4"
        ):
            x[range(3), range(2, 5)]
