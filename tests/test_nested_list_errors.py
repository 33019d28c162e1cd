"""`tensor()` on nested lists that are not rectangular raises PyTorch's errors, not NumPy's:
PyTorch reads the shape down the first elements, then checks every list against it."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

# (data, the error PyTorch raises for it) - checked against torch below, so each is real.
RAGGED = [
    ([[1, 2], [3]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[1], [2, 3]], ValueError, "expected sequence of length 1 at dim 1 (got 2)"),
    ([[1, 2], [3, 4], [5]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[1.0, 2.0], [3.0]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[True], [False, True]], ValueError, "expected sequence of length 1 at dim 1 (got 2)"),
    ([[1, 2], []], ValueError, "expected sequence of length 2 at dim 1 (got 0)"),
    ([[1, 2], (3,)], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([(1, 2), [3, 4, 5]], ValueError, "expected sequence of length 2 at dim 1 (got 3)"),
    ([[1, 2], range(3)], ValueError, "expected sequence of length 2 at dim 1 (got 3)"),
    (
        [[[1, 2], [3, 4]], [[5, 6], [7]]],
        ValueError,
        "expected sequence of length 2 at dim 2 (got 1)",
    ),
    ([[[1, 2], [3, 4]], [[5, 6]]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[[1]], [[2], [3]]], ValueError, "expected sequence of length 1 at dim 1 (got 2)"),
    (
        [np.array([1, 2]), np.array([3])],
        ValueError,
        "expected sequence of length 2 at dim 1 (got 1)",
    ),
    ([[1, 2], np.array([3])], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    # a number where the first elements said a list, and the other way round
    ([[1, 2], 3], TypeError, "not a sequence"),
    ([[[1], [2]], [3, 4]], TypeError, "not a sequence"),
    ([1, [2, 3]], TypeError, "'list' object cannot be interpreted as an integer"),
    ([1, (2,)], TypeError, "'tuple' object cannot be interpreted as an integer"),
    ([True, [False]], TypeError, "'list' object cannot be interpreted as an integer"),
    ([[1, 2], [3, [4]]], TypeError, "'list' object cannot be interpreted as an integer"),
    ([1.5, [2]], TypeError, "must be real number, not list"),
    ([1, []], TypeError, "must be real number, not list"),  # [] counts as a float list
]

EMPTY = [[[], [1]], [[], []], [[[]], [1]], [[], 1]]


def _raised(lib, data, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's "list of numpy.ndarrays is slow"
        with pytest.raises(Exception) as info:
            lib.tensor(data, **kwargs)
    return info.type, str(info.value)


@pytest.mark.parametrize("data, kind, message", RAGGED, ids=lambda v: repr(v)[:40])
def test_ragged_lists_raise_pytorchs_error(data, kind, message):
    assert _raised(torch, data) == (kind, message)
    assert _raised(tg, data) == (kind, message)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool", "uint8"])
@pytest.mark.parametrize("data, kind, message", RAGGED, ids=lambda v: repr(v)[:40])
def test_ragged_lists_with_a_dtype(data, kind, message, dtype):
    theirs = _raised(torch, data, dtype=getattr(torch, dtype))
    assert _raised(tg, data, dtype=getattr(tg, dtype)) == theirs


@pytest.mark.parametrize("data", EMPTY, ids=repr)
@pytest.mark.parametrize("dtype", [None, "float64", "int64"])
def test_ragged_but_empty_makes_an_empty_tensor(data, dtype):
    theirs = torch.tensor(data, dtype=dtype and getattr(torch, dtype))
    ours = tg.tensor(data, dtype=dtype and getattr(tg, dtype))
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


def test_rectangular_lists_still_work():
    for data in ([[1, 2], [3, 4]], [[[1.5]], [[2.5]]], [(1, 2), range(2)], [[True, False]]):
        theirs, ours = torch.tensor(data), tg.tensor(data)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
