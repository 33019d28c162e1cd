"""Errors of `t[key]` and `t[key] = v` in PyTorch's words: "dimension", not NumPy's "axis",
numbered as PyTorch numbers them (an int: its position in the index; an index tensor: its
place among the index tensors), and PyTorch's order of checks."""

import warnings

import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _bool(lib, *shape):
    return lib.ones(*shape, dtype=lib.bool)


# name -> (shape of the indexed tensor, key as a function of the library)
CASES = {
    "int": ((3, 4), lambda lib: 5),
    "negative_int": ((3, 4), lambda lib: -5),
    "second_int": ((3, 4), lambda lib: (0, 7)),
    "second_negative_int": ((3, 4), lambda lib: (0, -7)),
    "int_after_slice": ((2, 3, 4), lambda lib: (slice(None), 9)),
    "int_after_two_slices": ((2, 3, 4), lambda lib: (slice(None), slice(None), 9)),
    "int_after_none": ((3, 4), lambda lib: (None, 5)),
    "int_after_two_nones": ((2, 3, 4), lambda lib: (None, None, 9)),
    "int_after_bool": ((3, 4), lambda lib: (True, 5)),
    "int_after_ellipsis": ((2, 3, 4), lambda lib: (Ellipsis, 9)),
    "negative_int_after_ellipsis": ((2, 3, 4), lambda lib: (Ellipsis, -9)),
    "ints_after_ellipsis": ((2, 3, 4, 5), lambda lib: (Ellipsis, 0, 9)),
    "int_around_ellipsis": ((2, 3, 4, 5), lambda lib: (1, Ellipsis, 9, 0)),
    "first_bad_int_wins": ((2, 3, 4), lambda lib: (9, Ellipsis, 8)),
    "int_zero_dim": ((), lambda lib: 0),
    "int_in_tuple_zero_dim": ((), lambda lib: (0,)),
    "slice_zero_dim": ((), lambda lib: slice(0, 1)),
    "too_many_ints": ((3, 4), lambda lib: (1, 2, 3)),
    "too_many_with_slice": ((3, 4), lambda lib: (0, slice(1, 2), 3)),
    "too_many_with_none": ((3, 4), lambda lib: (slice(None), slice(None), None, 0)),
    "too_many_with_ellipsis": ((2, 3, 4), lambda lib: (Ellipsis, 0, 0, 0, 0)),
    "too_many_tensors": ((3, 4), lambda lib: (lib.tensor([0, 1]),) * 3),
    "too_many_before_bound": ((3, 4), lambda lib: (9, 0, 0)),
    "too_many_mask_dims": ((3, 4), lambda lib: _bool(lib, 3, 4, 1)),
    "mask_then_int": ((3, 4), lambda lib: (lib.tensor([True, False, True]), 0, 0)),
    "zero_dim_with_none": ((), lambda lib: (None, 1)),
    "zero_dim_with_ellipsis": ((), lambda lib: (Ellipsis, 0)),
    "list": ((3, 4), lambda lib: [5]),
    "list_second_value": ((3, 4), lambda lib: [0, 7]),
    "first_of_two_bad": ((3, 4), lambda lib: [7, 5]),
    "negative_in_list": ((3, 4), lambda lib: [1, -9]),
    "tensor": ((3, 4), lambda lib: lib.tensor([5])),
    "zero_dim_tensor": ((2, 3, 4), lambda lib: lib.tensor(9)),
    "two_dim_tensor": ((2, 3, 4), lambda lib: lib.tensor([[9]])),
    "list_after_slice": ((3, 4), lambda lib: (slice(None), [9])),
    "list_after_two_slices": ((2, 3, 4), lambda lib: (slice(None), slice(None), [9])),
    "second_index_tensor": ((2, 3, 4), lambda lib: ([0], [9])),
    "index_tensors_around_slice": ((2, 3, 4), lambda lib: ([0], slice(None), [9])),
    "int_selects_first": ((2, 3, 4), lambda lib: ([9], 0)),
    "int_then_list": ((2, 3, 4), lambda lib: (0, [9])),
    "list_after_ellipsis": ((2, 3, 4), lambda lib: (Ellipsis, [9])),
    "list_after_none": ((2, 3, 4), lambda lib: (None, [9])),
    "element_order": ((2, 3, 4), lambda lib: ([0, 5], [9, 0])),
    "element_order_2": ((2, 3, 4), lambda lib: ([5, 0], [0, 9])),
    "list_of_lists_as_tuple": ((2, 3, 4), lambda lib: [[0, 9], [7, 0]]),
    "range": ((3, 4), lambda lib: range(5)),
    "range_then_int": ((3, 4), lambda lib: (range(3), 5)),
    "mask_counts_its_dims": ((2, 3, 4), lambda lib: (_bool(lib, 2, 3), [9])),
    "after_mask_and_list": ((2, 3, 4), lambda lib: ([0], _bool(lib, 3), [9])),
    "mask_then_bad_int": ((3, 4), lambda lib: (_bool(lib, 3), 9)),
    "short_mask_then_bad_int": ((3, 4), lambda lib: (_bool(lib, 2), 9)),
    "mask_length": ((3, 4), lambda lib: _bool(lib, 4)),
    "mask_list_length": ((3, 4), lambda lib: [True, False, True, False]),
    "mask_of_one": ((3, 4), lambda lib: [True]),
    "mask_second_dim": ((3, 4), lambda lib: _bool(lib, 3, 5)),
    "mask_both_dims": ((3, 4), lambda lib: _bool(lib, 4, 4)),
    "mask_after_slice": ((2, 3, 4), lambda lib: (slice(None), _bool(lib, 2))),
    "mask_after_slice_2d": ((2, 3, 4), lambda lib: (slice(None), _bool(lib, 3, 3))),
    "mask_after_list": ((2, 3, 4), lambda lib: ([1], _bool(lib, 2, 4))),
    "mask_before_bad_list": ((3, 4), lambda lib: (_bool(lib, 2), [9])),
    "mask_after_bad_list": ((3, 4), lambda lib: ([9], _bool(lib, 2))),
    "broadcast": ((3, 4), lambda lib: ([0, 1], [0, 1, 2])),
    "broadcast_with_mask": ((3, 4), lambda lib: (_bool(lib, 3), [0, 1])),
    "float": ((3, 4), lambda lib: 1.5),
    "float_tensor": ((3, 4), lambda lib: lib.tensor([1.0])),
}


def _error(lib, shape, make_key, write):
    t = lib.zeros(shape)
    key = make_key(lib)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-tuple sequence, uint8 index
        with pytest.raises(Exception) as info:
            if write:
                t[key] = 1.0
            else:
                t[key]
    return info.type, str(info.value)


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_index_error_matches_pytorch(name, write):
    shape, make_key = CASES[name]
    theirs = _error(torch, shape, make_key, write)
    ours = _error(tg, shape, make_key, write)
    assert ours == theirs


def test_the_issues_example():
    with pytest.raises(IndexError) as info:
        tg.zeros(3)[5]
    assert str(info.value) == "index 5 is out of bounds for dimension 0 with size 3"


def test_chained_reads_number_their_own_dims():
    for lib in (tg, torch):
        with pytest.raises(
            IndexError, match="index 9 is out of bounds for dimension 0 with size 4"
        ):
            lib.zeros(3, 4)[0][9]


def test_augmented_assignment_reports_the_read():
    for lib in (tg, torch):
        x = lib.zeros(3, 4)
        with pytest.raises(
            IndexError, match="index 3 is out of bounds for dimension 0 with size 3"
        ):
            x[range(4), 0] += 1
