"""Core parity with PyTorch, topic by topic: each case runs the same code on both libraries.

A case is a function of the library module (`torch` or `tinygrad_nn`); the results must
agree in shape, dtype, values, requires_grad and grad_fn name, or both calls must raise the
same exception class. These are the corners the op table does not reach: dtype promotion
of integer and bool operands, integer powers and division by zero, indexing placement
rules, reductions over empty dims, repr, and the autograd API's options.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _dtype_name(dtype) -> str:
    return str(dtype).split(".")[-1]


def _summary(value):
    """A library-neutral description of a result, for comparison."""
    if isinstance(value, (torch.Tensor, tg.Tensor)):
        node = value.grad_fn.name() if value.grad_fn is not None else None
        return (
            "tensor",
            tuple(value.shape),
            _dtype_name(value.dtype),
            value.requires_grad,
            node,
            np.array(value.detach().numpy(), copy=True),
        )
    if isinstance(value, (tuple, list)):
        return ("seq", [_summary(v) for v in value])
    if isinstance(value, (torch.dtype, tg.dtype)):
        return ("dtype", _dtype_name(value))
    if isinstance(value, str):
        return ("str", value.replace("torch.", "tinygrad_nn."))
    return ("value", type(value).__name__, value)


def _assert_same(theirs, ours, path="result"):
    assert theirs[0] == ours[0], f"{path}: {theirs[0]} vs {ours[0]}"
    if theirs[0] == "tensor":
        assert theirs[1:5] == ours[1:5], f"{path}: (shape, dtype, requires_grad, grad_fn)"
        a, b = theirs[5], ours[5]
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6, err_msg=path)
            # signed zeros and infinities must match too
            np.testing.assert_array_equal(np.signbit(b), np.signbit(a), err_msg=path)
        else:
            np.testing.assert_array_equal(b, a, err_msg=path)
    elif theirs[0] == "seq":
        assert len(theirs[1]) == len(ours[1]), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(theirs[1], ours[1])):
            _assert_same(x, y, f"{path}[{i}]")
    else:
        assert theirs == ours, path


def check(case):
    """Run `case(lib)` on both libraries: same result, or the same exception class.

    Also checks that we warn exactly when PyTorch does (NumPy's floating-point
    RuntimeWarnings must not leak out of our ops).
    """
    outcomes = []
    for lib in (torch, tg):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcomes.append(("ok", _summary(case(lib)), bool(caught)))
            except Exception as error:  # the class is what we compare
                outcomes.append(("raised", type(error), bool(caught)))
    (kind_t, result_t, warned_t), (kind_o, result_o, warned_o) = outcomes
    assert kind_o == kind_t, f"torch: {kind_t} {result_t}; ours: {kind_o} {result_o}"
    if kind_t == "raised":
        assert issubclass(result_o, result_t) or result_o.__name__ == result_t.__name__, (
            f"torch raised {result_t.__name__}, we raised {result_o.__name__}"
        )
    else:
        _assert_same(result_t, result_o)
    assert warned_o == warned_t, f"torch warned: {warned_t}, we warned: {warned_o}"


def params(cases: dict):
    """pytest parameters with the dict keys as stable ids."""
    return pytest.mark.parametrize("case", list(cases.values()), ids=list(cases))


# ---------------------------------------------------------------- integer and bool arithmetic

ARITHMETIC = {
    "int_pow_negative_scalar_raises": lambda L: L.tensor([1, 2, 3]) ** -1,
    "int32_pow_negative_scalar_raises": lambda L: L.tensor([1, 2], dtype=L.int32) ** -2,
    "uint8_pow_negative_scalar_raises": lambda L: L.tensor([1, 2], dtype=L.uint8) ** -1,
    "int_pow_negative_tensor": lambda L: L.tensor([-2, -1, 0, 1, 2]) ** L.tensor(-1),
    "int_pow_negative_tensor_even": lambda L: L.tensor([-2, -1, 1, 3]) ** L.tensor([-2] * 4),
    "int_pow_tensor": lambda L: L.tensor([-2, 3]) ** L.tensor([3, 2]),
    "scalar_pow_int_tensor": lambda L: 2 ** L.tensor([-1, 0, 3]),
    "float_scalar_pow_int_tensor": lambda L: 2.5 ** L.tensor([-1, 2]),
    "int_pow_float_scalar": lambda L: L.tensor([1, 4]) ** 0.5,
    "bool_pow_bool_scalar": lambda L: L.tensor([True, False]) ** True,
    "bool_pow_bool_tensor_raises": lambda L: L.tensor([True]) ** L.tensor([True]),
    "bool_scalar_pow_bool_tensor_raises": lambda L: True ** L.tensor([True]),
    "bool_pow_int": lambda L: L.tensor([True, False]) ** 2,
    "int_remainder_zero_raises": lambda L: L.tensor([3, 4]) % 0,
    "int_remainder_zero_tensor_raises": lambda L: L.tensor([3, 4]) % L.tensor([1, 0]),
    "int_fmod_zero_raises": lambda L: L.tensor([3, 4]).fmod(0),
    "scalar_remainder_int_zero_raises": lambda L: 7 % L.tensor([0, 1]),
    "int_floordiv_zero_raises": lambda L: L.tensor([3, 4]) // 0,
    "int_remainder_bool_zero_raises": lambda L: L.tensor([3, 4]) % L.tensor([True, False]),
    "float_remainder_zero": lambda L: L.tensor([3.0, -4.0]) % 0,
    "float_floordiv_zero": lambda L: L.tensor([3.0, -4.0, 0.0]) // 0,
    "bool_remainder_raises": lambda L: L.tensor([True]) % L.tensor([True]),
    "bool_floordiv_raises": lambda L: L.tensor([True]) // True,
    "bad_rounding_mode_raises": lambda L: L.tensor([2]).div(1, rounding_mode="round"),
    "trunc_negative": lambda L: L.tensor([-7, 7]).div(L.tensor([2, -2]), rounding_mode="trunc"),
    "floor_negative": lambda L: L.tensor([-7, 7]).div(L.tensor([2, -2]), rounding_mode="floor"),
    "remainder_negative": lambda L: L.tensor([-7, 7, -7]) % L.tensor([2, -2, -2]),
    "float_remainder_negative": lambda L: L.tensor([-7.5, 7.5]) % L.tensor([2.0, -2.0]),
    "bitwise_and_float_raises": lambda L: L.ones(2) & L.ones(2),
    "clamp_bool_with_int": lambda L: L.tensor([True, False]).clamp(min=3),
    "clamp_bool_with_bool_raises": lambda L: L.tensor([True, False]).clamp(min=True),
    "clamp_int32_with_int": lambda L: L.tensor([1, 5], dtype=L.int32).clamp(2, 3),
    "clamp_int_with_float": lambda L: L.tensor([1, 5]).clamp(max=2.5),
    "sign_bool": lambda L: L.tensor([True, False]).sign(),
    "relu_bool_raises": lambda L: L.tensor([True]).relu(),
    "argmax_bool_raises": lambda L: L.tensor([True, False]).argmax(),
    "all_uint8_stays_uint8": lambda L: L.tensor([[1, 3, 0]], dtype=L.uint8).all(1),
    "any_uint8_stays_uint8": lambda L: L.tensor([1, 0], dtype=L.uint8).any(),
    "round_decimals_int_raises": lambda L: L.tensor([15, 25]).round(decimals=-1),
    "sign_of_nan_is_zero": lambda L: L.tensor([float("nan"), -2.0, float("inf"), -0.0]).sign(),
    "left_shift": lambda L: L.tensor([1, 2]) << 2,
    "right_shift": lambda L: L.tensor([8, -8]) >> 1,
    "equal_to_a_list_is_false": lambda L: L.tensor([1.0, 2.0]) == [1.0, 2.0],
    "uint8_plus_negative_wraps": lambda L: L.tensor([1, 2, 100], dtype=L.uint8) + -1,
    "uint8_minus_300_wraps": lambda L: L.tensor([1, 2, 100], dtype=L.uint8) - 300,
    "int8_times_300_wraps": lambda L: L.tensor([1, -2, 100], dtype=L.int8) * 300,
    "int16_floordiv_negative": lambda L: L.tensor([7, -7], dtype=L.int16) // -40000,
}


@params(ARITHMETIC)
def test_arithmetic(case):
    check(case)


# ---------------------------------------------------------------- silent inf and nan

SILENT = {
    "div_by_zero": lambda L: L.tensor([1.0, 0.0, -1.0]) / 0,
    "div_by_zero_tensor": lambda L: L.tensor([1.0, 0.0]) / L.tensor([0.0, 0.0]),
    "int_true_div_by_zero": lambda L: L.tensor([1, 0]) / 0,
    "scalar_div_by_zero": lambda L: 1 / L.tensor([0.0, -0.0]),
    "exp_overflow": lambda L: L.tensor([100.0, 1000.0]).exp(),
    "zero_times_inf": lambda L: L.tensor([0.0, 1.0]) * float("inf"),
    "inf_minus_inf": lambda L: L.tensor([float("inf")]) - float("inf"),
    "pow_zero_negative": lambda L: L.tensor([0.0, 2.0]) ** -1,
    "pow_overflow": lambda L: L.tensor([1e30]) ** 2,
    "half_overflow": lambda L: L.tensor([1e6]).half(),
    "sum_overflow": lambda L: L.tensor([3e38, 3e38]).sum(),
    "softmax_all_minus_inf": lambda L: L.tensor([-float("inf")] * 2).softmax(0),
    "mean_of_empty": lambda L: L.zeros(0).mean(),
    "mean_of_empty_dim": lambda L: L.zeros(0, 3).mean(0),
    "var_of_one_warns": lambda L: L.tensor([1.0]).var(),
    "std_no_dof_warns": lambda L: L.tensor([1.0, 2.0]).std(correction=2),
    "nan_to_int": lambda L: L.tensor([float("nan")]).long().dtype,
}


@params(SILENT)
def test_inf_and_nan_are_silent(case):
    check(case)


def _div_grad(L):
    x = L.tensor([1.0, 0.0], requires_grad=True)
    (x / 0).sum().backward()
    return x.grad


def _sqrt_grad_at_zero(L):
    x = L.tensor([0.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    return x.grad


@pytest.mark.parametrize("case", [_div_grad, _sqrt_grad_at_zero], ids=["div", "sqrt"])
def test_gradients_at_singularities_are_silent(case):
    check(case)


# ---------------------------------------------------------------- reductions


def _reduction(fn, dtype="float32"):
    """fn(x) on a (3, 4, 5) tensor, then the gradient of a weighted sum of its output."""

    def case(L):
        x = (L.arange(60.0).reshape(3, 4, 5) * 0.37).sin().to(getattr(L, dtype))
        x.requires_grad_()
        out = fn(x)
        first = out[0] if isinstance(out, tuple) else out
        weights = (L.arange(float(first.numel())).reshape(first.shape) + 1).to(first.dtype)
        (first * weights).sum().backward()
        return out, x.grad

    return case


_WAVE = np.sin(np.arange(4000) * 0.37).astype(np.float32)  # the same input for both
_OFFSET = (np.cos(np.arange(3000) * 0.91).reshape(3, 1000) + 1e4).astype(np.float32)

REDUCTIONS = {
    "sum_empty_dims_is_all": _reduction(lambda x: x.sum(())),
    "sum_empty_list_keepdim": _reduction(lambda x: x.sum([], keepdim=True)),
    "mean_empty_dims_is_all": _reduction(lambda x: x.mean(())),
    "norm_empty_dims_is_all": _reduction(lambda x: x.norm(dim=())),
    "sum_dim_none_keepdim": _reduction(lambda x: x.sum(None, True)),
    "sum_all_dims_named": _reduction(lambda x: x.sum((0, 1, 2))),
    "mean_all_dims_named": _reduction(lambda x: x.mean([0, 1, 2])),
    "sum_dtype": _reduction(
        lambda x: x.sum(dtype=torch.float64 if isinstance(x, torch.Tensor) else tg.float64)
    ),
    "var_unbiased_first": _reduction(lambda x: x.var(False)),
    "std_unbiased_first": _reduction(lambda x: x.std(True)),
    "var_correction_2": _reduction(lambda x: x.var(1, correction=2)),
    "std_tuple_keepdim": _reduction(lambda x: x.std((0, 2), keepdim=True, correction=0)),
    "var_mean": _reduction(lambda x: (tg if isinstance(x, tg.Tensor) else torch).var_mean(x, 1)),
    "std_mean": _reduction(
        lambda x: (tg if isinstance(x, tg.Tensor) else torch).std_mean(
            x, (0, 1), correction=0, keepdim=True
        )
    ),
    "cumprod": _reduction(lambda x: x.cumprod(1)),
    "cumprod_with_zeros": _reduction(lambda x: (x * (x.abs() > 0.3)).cumprod(-1)),
    "long_cumsum_accumulates_in_double": lambda L: L.from_numpy(_WAVE.copy()).cumsum(0),
    "long_cumprod": lambda L: (1 + L.from_numpy(_WAVE[:600].copy()) * 0.05).cumprod(0),
    "var_of_offset_rows_in_double": lambda L: L.from_numpy(_OFFSET.copy()).var(1),
    "std_of_offset_columns": lambda L: L.from_numpy(_OFFSET.copy()).std(0, correction=0),
    "var_of_everything_offset": lambda L: L.from_numpy(_OFFSET.copy()).var(),
    "logsumexp_tuple": _reduction(lambda x: x.logsumexp((0, 2), keepdim=True)),
    "max_dim_keepdim": _reduction(lambda x: x.max(1, keepdim=True)),
    "min_dim_negative": _reduction(lambda x: x.min(dim=-1)),
    "zero_d_dim_out_of_range": lambda L: L.tensor(2.0).sum(1),
    "zero_d_dim_zero": lambda L: L.tensor(2.0).sum(0),
    "zero_d_dim_minus_one_keepdim": lambda L: L.tensor(2.0).mean(-1, keepdim=True),
    "sum_of_empty": lambda L: L.zeros(0, 3).sum(),
    "sum_of_empty_dim0": lambda L: L.zeros(0, 3).sum(0),
    "prod_of_empty": lambda L: L.zeros(0, 3).prod(),
    "max_of_empty_raises": lambda L: L.zeros(0, 3).max(),
    "max_of_empty_dim_raises": lambda L: L.zeros(0, 3).max(0),
    "max_of_empty_other_dim": lambda L: L.zeros(0, 3).max(1),
    "argmax_of_empty_raises": lambda L: L.zeros(0).argmax(),
    "int_sum_is_int64": lambda L: L.tensor([200, 100], dtype=L.uint8).sum(),
    "bool_cumsum_is_int64": lambda L: L.tensor([True, True]).cumsum(0),
    "int32_prod_is_int64": lambda L: L.tensor([3, 4], dtype=L.int32).prod(),
    "int_mean_raises": lambda L: L.tensor([2, 1]).mean(),
    "int_mean_with_dtype": lambda L: L.tensor([2, 1]).mean(dtype=L.float64),
}


@params(REDUCTIONS)
def test_reductions(case):
    check(case)


# ---------------------------------------------------------------- indexing


def _indexed(key, shape=(4, 5, 6)):
    """x[key] and the gradient it sends back (a weighted sum: repeated indices accumulate)."""

    def case(L):
        x = L.arange(float(np.prod(shape))).reshape(shape).requires_grad_()
        out = x[key(L)]
        weights = L.arange(float(out.numel())).reshape(out.shape)
        (out * weights).sum().backward()
        return out, x.grad

    return case


INDEXING = {
    "int_then_array_selects_first": _indexed(lambda L: (1, slice(None), L.tensor([0, 2]))),
    "array_int_array": _indexed(lambda L: (L.tensor([0, 1]), 1, L.tensor([0, 2]))),
    "int_array_with_none": _indexed(lambda L: (None, 1, slice(None), L.tensor([0, 2]))),
    "int_and_mask": _indexed(lambda L: (1, L.tensor([True, False, True, False, True]))),
    "ellipsis_int_array": _indexed(lambda L: (Ellipsis, 1, L.tensor([0, 2, 2]))),
    "array_ellipsis_int": _indexed(lambda L: (L.tensor([0, 1]), Ellipsis, 2)),
    "list_of_lists_is_a_tuple": _indexed(lambda L: [[0, 1], [1, 2]]),
    "list_with_tensors_is_a_tuple": _indexed(lambda L: [L.tensor(0), L.tensor(1)]),
    "list_with_slice_is_a_tuple": _indexed(lambda L: [0, slice(1, 3)]),
    "list_of_ints": _indexed(lambda L: [0, 2, 2, -1]),
    "list_of_bools": _indexed(lambda L: [True, False, True, False]),
    "uint8_tensor_is_a_mask": _indexed(lambda L: L.tensor([1, 0, 1, 0], dtype=L.uint8)),
    "none_is_unsqueeze": _indexed(lambda L: None),
    "slice_then_none": _indexed(lambda L: (slice(1, 3), None)),
    "full_slices_alias": _indexed(lambda L: (slice(None), slice(0, 100))),
    "ellipsis_alone": _indexed(lambda L: Ellipsis),
    "int_then_full_slice": _indexed(lambda L: (1, slice(None))),
    "stepped_slices": _indexed(lambda L: (slice(None, None, 2), slice(1, None, 3))),
    "bool_scalar": _indexed(lambda L: True),
    "repeated_pairs": _indexed(lambda L: (L.tensor([0, 1, 1]), L.tensor([2, 3, 3]))),
    "broadcast_arrays": _indexed(lambda L: (L.tensor([[0], [1]]), L.tensor([2, 3, 4]))),
    "zero_d_tensor": _indexed(lambda L: (L.tensor(2), L.tensor(-1))),
    "negative_out_of_range": _indexed(lambda L: -5),
    "tensor_out_of_range": _indexed(lambda L: L.tensor([4])),
    "float_index_raises": _indexed(lambda L: 1.0),
    "mask_of_wrong_shape_raises": _indexed(lambda L: L.tensor([True, False])),
}


@params(INDEXING)
def test_getitem(case):
    check(case)


def _assigned(key, value, shape=(2, 3, 4), dtype="float32"):
    """y = x * 1; y[key] = value; the result, x's gradient and value's gradient."""

    def case(L):
        x = L.arange(float(np.prod(shape))).reshape(shape).to(getattr(L, dtype))
        grads = x.is_floating_point()
        if grads:
            x.requires_grad_()
        v = value(L)
        y = x * 1
        y[key(L)] = v
        if not grads:
            return y
        (y * L.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        v_grad = v.grad if isinstance(v, (torch.Tensor, tg.Tensor)) and v.requires_grad else None
        return y, x.grad, 0 if v_grad is None else v_grad

    return case


SETITEM = {
    "basic_is_copyslices": _assigned(lambda L: (1, slice(1, 3)), lambda L: 7.0),
    "advanced_is_index_put": _assigned(lambda L: L.tensor([0, 0]), lambda L: 7.0),
    "mask_with_tensor_value": _assigned(
        lambda L: L.arange(24).reshape(2, 3, 4) % 3 == 0,
        lambda L: L.tensor(5.0, requires_grad=True),
    ),
    "int_then_array": _assigned(
        lambda L: (1, slice(None), L.tensor([0, 2])),
        lambda L: L.tensor([[5.0], [6.0], [7.0]], requires_grad=True),
    ),
    "array_int_array": _assigned(
        lambda L: (L.tensor([0, 1]), 1, L.tensor([0, 2])),
        lambda L: L.tensor([5.0, 6.0], requires_grad=True),
    ),
    "repeated_index_last_write": _assigned(
        lambda L: (L.tensor([0, 0]), L.tensor([1, 1])),
        lambda L: L.tensor([[1.0] * 4, [2.0] * 4], requires_grad=True),
    ),
    "broadcast_row": _assigned(lambda L: (0, 1), lambda L: L.tensor([1.0, 2, 3, 4])),
    "list_of_lists": _assigned(lambda L: [[0, 1], [1, 2]], lambda L: 1.0),
    "int_tensor_float_value_truncates": _assigned(lambda L: 1, lambda L: 2.7, dtype="int64"),
    "ndarray_value_raises": _assigned(lambda L: 1, lambda L: np.ones(4)),
    "list_value_raises": _assigned(lambda L: (0, 0), lambda L: [1.0, 2.0, 3.0, 4.0]),
    "str_value_raises": _assigned(lambda L: 0, lambda L: "a"),
    "shape_mismatch_raises": _assigned(lambda L: 0, lambda L: L.ones(5)),
}


@params(SETITEM)
def test_setitem(case):
    check(case)


# ---------------------------------------------------------------- shape ops


def _shaped(fn):
    """fn(x, L) on a (2, 3, 4) tensor; each output's weighted sum flows back to x."""

    def case(L):
        x = L.arange(24.0).reshape(2, 3, 4).requires_grad_()
        out = fn(x, L)
        outs = out if isinstance(out, (tuple, list)) else [out]
        total = sum(
            (o * (L.arange(float(o.numel())).reshape(o.shape) + i)).sum()
            for i, o in enumerate(outs)
            if o.requires_grad
        )
        if not isinstance(total, int):
            total.backward()
        return out, x.grad

    return case


SHAPES = {
    "reshape_keyword": _shaped(lambda x, L: x.reshape(shape=(4, 6))),
    "permute_keyword": _shaped(lambda x, L: x.permute(dims=(2, 0, 1))),
    "flip_keyword": _shaped(lambda x, L: x.flip(dims=(0, 2))),
    "split_keyword": _shaped(lambda x, L: x.split(split_size=2, dim=2)),
    "split_names": _shaped(lambda x, L: x.split(3, -1)),
    "split_sizes_names": _shaped(lambda x, L: x.split([1, 3], dim=2)),
    "chunk_names": _shaped(lambda x, L: x.chunk(3, dim=2)),
    "chunk_zero_raises": _shaped(lambda x, L: x.chunk(0)),
    "unbind_names": _shaped(lambda x, L: x.unbind(1)),
    "squeeze_tuple": _shaped(lambda x, L: x.reshape(2, 1, 3, 1, 4).squeeze((1, 3))),
    "masked_fill_tensor_value": _shaped(lambda x, L: x.masked_fill(x > 10, L.tensor(-1.0))),
    "masked_fill_broadcast_mask": _shaped(
        lambda x, L: x.masked_fill(L.tensor([True, False, True, False]), 2)
    ),
    "diagonal": _shaped(lambda x, L: x.diagonal(0, 1, 2)),
    "diagonal_offset": _shaped(lambda x, L: x.diagonal(1, 1, 2)),
    "diagonal_negative_offset": _shaped(lambda x, L: x.diagonal(-1, -1, 1)),
    "diagonal_past_the_end": _shaped(lambda x, L: x.diagonal(5, 1, 2)),
    "roll": _shaped(lambda x, L: x.roll(1, 2)),
    "roll_two_dims": _shaped(lambda x, L: x.roll((1, -1), (0, 2))),
    "movedim": _shaped(lambda x, L: x.movedim((0, 1), (2, 0))),
    "narrow_negative_start": _shaped(lambda x, L: x.narrow(2, -3, 2)),
    "narrow_past_the_end_raises": _shaped(lambda x, L: x.narrow(2, 3, 2)),
    "where_condition_only": _shaped(lambda x, L: L.where(x > 20)),
    "function_forms": _shaped(
        lambda x, L: (
            L.cumprod(x, 1),
            L.frac(x / 3),
            L.negative(x),
            L.absolute(-x),
            L.clamp_min(x, 3),
            L.clamp_max(x, 3),
            L.broadcast_to(x[0], (2, 3, 4)),
            L.nansum(x, 1),
        )
    ),
    "nonzero": _shaped(lambda x, L: (x % 5 == 0).nonzero()),
    "nonzero_as_tuple": _shaped(lambda x, L: (x % 5 == 0).nonzero(as_tuple=True)),
    "expand_minus_one": _shaped(lambda x, L: x[:, :1].expand(-1, 5, -1)),
    "repeat_more_dims": _shaped(lambda x, L: x.repeat(2, 1, 2, 1)),
    "flatten_keywords": _shaped(lambda x, L: x.flatten(start_dim=0, end_dim=1)),
    "transpose_keywords": _shaped(lambda x, L: x.transpose(dim0=-1, dim1=0)),
    "index_select_negative_dim": _shaped(lambda x, L: x.index_select(-1, L.tensor([3, 0, 0]))),
    "gather_keywords": _shaped(
        lambda x, L: x.gather(dim=1, index=L.tensor([[[0], [2]], [[1], [1]]]))
    ),
    "tril_keyword": _shaped(lambda x, L: x.tril(diagonal=-1)),
    "cat_keyword_dim": _shaped(lambda x, L: L.cat((x, x * 2), dim=-1)),
    "cat_mixed_dtypes": _shaped(lambda x, L: L.cat([x, L.ones(2, 3, 4, dtype=L.float64)])),
    "stack_keyword_dim": _shaped(lambda x, L: L.stack([x, x], dim=3)),
}


@params(SHAPES)
def test_shape_ops(case):
    check(case)


# ---------------------------------------------------------------- construction and conversion


def _to_is_self(L, **kwargs) -> bool:
    t = L.ones(2)
    return t.to(L.float32, **kwargs) is t


CONSTRUCTION = {
    "zeros_size_keyword": lambda L: L.zeros(size=(2, 3)),
    "ones_size_list": lambda L: L.ones([2, 3], dtype=L.int32),
    "empty_size_keyword_shape": lambda L: L.empty(size=(2, 3)).shape,
    "zeros_negative_raises": lambda L: L.zeros(-1),
    "full_int_size_raises": lambda L: L.full(2, 1.0),
    "full_infers_int": lambda L: L.full((2,), 7),
    "full_infers_bool": lambda L: L.full((2,), True),
    "eye_negative_raises": lambda L: L.eye(-1),
    "arange_end_keyword": lambda L: L.arange(end=4),
    "arange_float_step": lambda L: L.arange(0, 1, 0.1),
    "arange_bad_step_raises": lambda L: L.arange(0, 1, -0.1),
    "linspace_negative_steps_raises": lambda L: L.linspace(0, 1, -1),
    "linspace_tensor_ends": lambda L: L.linspace(L.tensor(0.0), L.tensor(1.0), 3),
    "randint_keywords": lambda L: L.randint(low=0, high=3, size=(2,)).dtype,
    "randn_int_dtype_raises": lambda L: L.randn(2, dtype=L.long),
    "rand_like_int_raises": lambda L: L.rand_like(L.ones(2, dtype=L.long)),
    "dtype_as_string_raises": lambda L: L.ones(2, dtype="float32"),
    "tensor_numpy_float64_scalars": lambda L: L.tensor([np.float64(1.5), np.float64(2.5)]),
    "tensor_numpy_int32_scalars": lambda L: L.tensor([np.int32(1), np.int32(2)]),
    "tensor_numpy_and_python": lambda L: L.tensor([np.float32(1.5), 2.5]),
    "tensor_bool_and_numpy_int": lambda L: L.tensor([True, np.int32(3)]),
    "tensor_of_one_element_tensors": lambda L: L.tensor([L.tensor([[1.0]]), L.tensor([2.0])]),
    "tensor_of_int32_and_int": lambda L: L.tensor([L.tensor(1, dtype=L.int32), 2]),
    "tensor_of_long_tensor_raises": lambda L: L.tensor([L.tensor([1.0, 2.0])]),
    "tensor_nested_tensors": lambda L: L.tensor(
        [[L.tensor(1.0)], [L.tensor(2.0, dtype=L.float64)]]
    ),
    "tensor_mixed_nested": lambda L: L.tensor([[1, 2.5], [True, 3]]),
    "tensor_range": lambda L: L.tensor(range(3)),
    "tensor_none_raises": lambda L: L.tensor(None),
    "tensor_str_raises": lambda L: L.tensor([1, "a"]),
    "tensor_ragged_raises": lambda L: L.tensor([[1], [1, 2]]),
    "Tensor_of_int_tensor": lambda L: L.Tensor(L.tensor([1, 2])),
    "size_plus_tuple": lambda L: type(L.zeros(2, 3).shape + (1,)).__name__,
    "float_of_two_elements_raises": lambda L: float(L.tensor([2.5, 1.0])),
    "int_of_two_elements_raises": lambda L: int(L.tensor([2, 1])),
    "item_of_two_elements_raises": lambda L: L.tensor([2.0, 3.0]).item(),
    "type_from_string": lambda L: L.ones(2).type("torch.DoubleTensor"),
    "type_name": lambda L: L.ones(2, dtype=L.long).type(),
    "type_as": lambda L: L.ones(2).type_as(L.ones(1, dtype=L.long)),
    "type_as_keeps_graph": lambda L: L.ones(2, requires_grad=True).type_as(
        L.ones(1, dtype=L.float64)
    ),
    "to_copy": lambda L: _to_is_self(L, copy=True),
    "to_same_dtype_is_self": lambda L: _to_is_self(L),
    "to_device_and_dtype": lambda L: L.ones(2).to("cpu", L.float64),
    "new_zeros_keeps_dtype": lambda L: L.ones(2, dtype=L.long).new_zeros(3),
    "new_full": lambda L: L.ones(2).new_full((2,), 3),
    "new_zeros_negative_raises": lambda L: L.ones(2).new_zeros(-1),
}


@params(CONSTRUCTION)
def test_construction(case):
    check(case)


# ---------------------------------------------------------------- autograd API


def _inputs_nonleaf_retained(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * 2).sum().backward(inputs=h)
    return h.grad, x.grad is None


def _inputs_nonleaf(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h * 2).sum().backward(inputs=[h])
    return h.grad, x.grad is None


def _grads_batched(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    return L.autograd.grad(y, x, grad_outputs=L.eye(2), is_grads_batched=True)


def _no_grad_bare_decorator(L):
    @L.no_grad
    def double(x):
        return x * 2

    return double(L.tensor([1.0], requires_grad=True))


def _enable_grad_bare_decorator(L):
    @L.enable_grad
    def double(x):
        return x * 2

    with L.no_grad():
        return double(L.tensor([1.0], requires_grad=True))


def _square(L):
    class Square(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    return Square


def _user_function_name(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = _square(L).apply(x)
    y.sum().backward()
    return y, x.grad, y.grad_fn.name()


def _non_tensor_output(L):
    class WithCount(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 5

        @staticmethod
        def backward(ctx, grad, grad_count):
            return grad * 2

    x = L.tensor([1.0, 2.0], requires_grad=True)
    y, count = WithCount.apply(x)
    y.sum().backward()
    return y, count, x.grad


def _setup_context_style(L):
    class Scale(L.autograd.Function):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.k, None

    x = L.tensor([2.0], requires_grad=True)
    Scale.apply(x, 3.0).backward()
    return x.grad


def _vjp_instead_of_backward(L):
    class Twice(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, grad):
            return grad * 2

    x = L.tensor([2.0], requires_grad=True)
    Twice.apply(x).backward()
    return x.grad


def _once_differentiable(L):
    class Cube(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @L.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    x = L.tensor([1.0, 2.0], requires_grad=True)
    (g,) = L.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    return g


def _once_differentiable_twice_raises(L):
    class Cube(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @L.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    (g,) = L.autograd.grad(y, x, grad_outputs=L.ones(2, requires_grad=True), create_graph=True)
    g.sum().backward()


def _mark_dirty_returns_the_input(L):
    class DoubleInPlace(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    a = L.tensor([1.0, 2.0], requires_grad=True)
    x = a.clone()
    y = DoubleInPlace.apply(x)
    y.sum().backward()
    return y, a.grad, y is x, x.grad_fn.name()


AUTOGRAD = {
    "backward_inputs_nonleaf_retained": _inputs_nonleaf_retained,
    "backward_inputs_nonleaf": _inputs_nonleaf,
    "is_grads_batched": _grads_batched,
    "no_grad_bare_decorator": _no_grad_bare_decorator,
    "enable_grad_bare_decorator": _enable_grad_bare_decorator,
    "user_function_name": _user_function_name,
    "non_tensor_output": _non_tensor_output,
    "setup_context_style": _setup_context_style,
    "vjp_instead_of_backward": _vjp_instead_of_backward,
    "once_differentiable": _once_differentiable,
    "once_differentiable_twice_raises": _once_differentiable_twice_raises,
    "mark_dirty_returns_the_input": _mark_dirty_returns_the_input,
}


@params(AUTOGRAD)
def test_autograd_api(case):
    check(case)


# ---------------------------------------------------------------- repr


def _repr(make):
    return lambda L: repr(make(L))  # _summary maps "torch." to "tinygrad_nn."


REPRS = {
    "negative_zero_not_padded": _repr(lambda L: L.tensor([-0.0, 0.0])),
    "negative_zero_and_decimals": _repr(lambda L: L.tensor([-0.0, 1.5])),
    "zero_padded_to_nonzero": _repr(lambda L: L.tensor([0.0, 10.0])),
    "empty_int_shows_dtype": _repr(lambda L: L.zeros(0, dtype=L.long)),
    "empty_bool_2d": _repr(lambda L: L.zeros(2, 0, dtype=L.bool)),
    "scientific": _repr(lambda L: L.tensor([1e-5, 1.0, 1000.0])),
    "scientific_with_inf_nan": _repr(lambda L: L.tensor([1e-5, float("inf"), float("nan")])),
    "whole_with_inf": _repr(lambda L: L.tensor([float("inf"), -2.0, 3.0])),
    "wide_row_wraps_at_80": _repr(lambda L: L.arange(60.0).reshape(2, 30) / 3),
    "summarised_3d": _repr(lambda L: L.arange(3000.0).reshape(10, 15, 20)),
    "summarised_1d_int": _repr(lambda L: L.arange(2000) * 7),
    "summarised_bool": _repr(lambda L: L.arange(2000) % 3 == 0),
    "float64_suffix_wraps": _repr(
        lambda L: L.tensor(
            [
                7.5372,
                29.6088,
                -95.9986,
                -20.589,
                -76.5458,
                104.5765,
                -40.3318,
                -9.136,
                79.4436,
                -13.2,
                103.9678,
                -16.8374,
            ],
            dtype=L.float64,
        )
    ),
    "float16": _repr(lambda L: L.tensor([1.5, 2.0, -3.25], dtype=L.float16)),
    "int32_suffix": _repr(lambda L: L.tensor([[1, 22], [333, -4]], dtype=L.int32)),
    "grad_fn_copyslices": _repr(lambda L: _written(L)),
    "user_function_grad_fn": _repr(lambda L: _square(L).apply(L.ones(2, requires_grad=True))),
    "zero_d_requires_grad": _repr(lambda L: L.tensor(2.5, requires_grad=True)),
}


def _written(L):
    y = L.ones(2, 2, requires_grad=True) * 2
    y[0, 0] = 5.0
    return y


@params(REPRS)
def test_repr(case):
    check(case)


@pytest.mark.parametrize("seed", range(6))
def test_repr_of_random_tensors(seed):
    """Seeded shapes, dtypes and magnitudes: every line break and pad matches PyTorch's."""
    rng = np.random.default_rng(seed)
    for _ in range(8):
        shape = tuple(int(s) for s in rng.integers(1, 12, size=rng.integers(0, 4)))
        scale = 10.0 ** rng.integers(-6, 10)
        values = rng.standard_normal(shape) * scale
        kind = rng.integers(0, 4)
        if kind == 1:
            values = np.round(values)
        elif kind == 2:
            values = values * (rng.standard_normal(shape) > 0)  # zeros, some negative
        array = values.astype(np.float64 if kind == 3 else np.float32)
        check(lambda L, a=array: repr(L.from_numpy(a.copy())))


# ---------------------------------------------------------------- in-place ops


def _in_place(fn, dtype="float32"):
    """fn(y) on y = x * 1 (a non-leaf): fn must return y itself; then y's gradient path."""

    def case(L):
        x = L.tensor([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=getattr(L, dtype))
        grads = x.is_floating_point()
        if grads:
            x.requires_grad_()
        y = x * 1
        assert fn(y, L) is y
        if not grads:
            return y, y._version
        (y * L.tensor([[1.0, 2, 3], [4, 5, 6]], dtype=y.dtype)).sum().backward()
        return y, x.grad, y._version

    return case


IN_PLACE = {
    "add_alpha": _in_place(lambda y, L: y.add_(L.ones(3), alpha=2)),
    "sub_float_alpha": _in_place(lambda y, L: y.sub_(L.ones(3), alpha=0.5)),
    "mul_broadcast": _in_place(lambda y, L: y.mul_(L.tensor([[2.0], [3.0]]))),
    "div_floor_keeps_graph": _in_place(lambda y, L: y.div_(2, rounding_mode="floor")),
    "fill_number": _in_place(lambda y, L: y.fill_(3)),
    "fill_zero_d_tensor": _in_place(lambda y, L: y.fill_(L.tensor(2.5))),
    "fill_one_d_tensor_raises": _in_place(lambda y, L: y.fill_(L.ones(3))),
    "zero_": _in_place(lambda y, L: y.zero_()),
    "copy_broadcast_and_cast": _in_place(lambda y, L: y.copy_(L.tensor([1, 2, 3]))),
    "clamp_tensor_bounds": _in_place(lambda y, L: y.clamp_(min=L.zeros(3), max=L.ones(3) * 2)),
    "clamp_min_": _in_place(lambda y, L: y.clamp_min_(0)),
    "clamp_max_": _in_place(lambda y, L: y.clamp_max_(1.0)),
    "lerp_": _in_place(lambda y, L: y.lerp_(L.zeros(3), 0.25)),
    "addcmul_": _in_place(lambda y, L: y.addcmul_(L.ones(3), L.ones(3) * 3, value=2)),
    "addcdiv_": _in_place(lambda y, L: y.addcdiv_(L.ones(3), L.ones(3) * 2, value=2)),
    "floor_": _in_place(lambda y, L: y.floor_()),
    "round_": _in_place(lambda y, L: y.round_()),
    "square_": _in_place(lambda y, L: y.square_()),
    "reciprocal_": _in_place(lambda y, L: y.reciprocal_()),
    "sin_": _in_place(lambda y, L: y.sin_()),
    "fmod_": _in_place(lambda y, L: y.fmod_(2)),
    "remainder_": _in_place(lambda y, L: y.remainder_(L.tensor([2.0, -2.0, 1.5]))),
    "scatter_add_": _in_place(lambda y, L: y.scatter_add_(1, L.tensor([[0, 0]]), L.ones(1, 2))),
    "scatter_": _in_place(lambda y, L: y.scatter_(1, L.tensor([[0, 2]]), L.full((1, 2), 7.0))),
    "scatter_value": _in_place(lambda y, L: y.scatter_(1, L.tensor([[1], [2]]), 0.5)),
    "index_add_": _in_place(lambda y, L: y.index_add_(1, L.tensor([0, 0]), L.ones(2, 2))),
    "ipow": _in_place(lambda y, L: y.__ipow__(2)),
    "int_ifloordiv": _in_place(lambda y, L: y.__ifloordiv__(2), "int64"),
    "int_imod": _in_place(lambda y, L: y.__imod__(-2), "int64"),
    "int_iand": _in_place(lambda y, L: y.__iand__(1), "int64"),
    "int_div_raises": _in_place(lambda y, L: y.div_(2), "int64"),
    "int_add_float_raises": _in_place(lambda y, L: y.add_(2.5), "int64"),
    "int_fill_float_truncates": _in_place(lambda y, L: y.fill_(2.7), "int64"),
    "int_clamp_float_raises": _in_place(lambda y, L: y.clamp_(0.5, 2.5), "int64"),
}


@params(IN_PLACE)
def test_in_place(case):
    check(case)


def _two_sided(fn):
    """fn(x, y) with both requiring grad: values and both gradients."""

    def case(L):
        x = L.tensor([1.5, -2.0, 2.0, 7.0, -7.0, 1.0], requires_grad=True)
        y = L.tensor([2.0, 3.0, 2.0, 0.7, 0.7, 0.1], requires_grad=True)
        out = fn(x, y, L)
        (out * L.arange(1.0, 7.0)).sum().backward()
        return out, x.grad, y.grad

    return case


BINARY = {
    "remainder_tensor_grads": _two_sided(lambda x, y, L: x % y),
    "fmod_tensor_grads": _two_sided(lambda x, y, L: x.fmod(y)),
    "remainder_scalar": _two_sided(lambda x, y, L: x % 2 + y),
    "floor_div_is_pythons": _two_sided(lambda x, y, L: x.div(y, rounding_mode="floor")),
    "trunc_div": _two_sided(lambda x, y, L: x.div(y, rounding_mode="trunc")),
    "clamp_at_the_bounds": _two_sided(lambda x, y, L: x.clamp(min=y)),
    "clamp_both_tensors": _two_sided(lambda x, y, L: x.clamp(y, y + 1)),
    "clamp_min_name": _two_sided(lambda x, y, L: x.clamp_min(0) + y),
    "lerp_tensor_weight": _two_sided(lambda x, y, L: x.lerp(y, L.tensor(0.3))),
    "addcmul": _two_sided(lambda x, y, L: x.addcmul(x, y, value=0.5)),
    "scatter_last_write_wins": _two_sided(
        lambda x, y, L: x.reshape(2, 3).scatter(1, L.tensor([[0, 0, 2]]), y.reshape(2, 3))
    ),
    "index_add_alpha": _two_sided(
        lambda x, y, L: x.reshape(2, 3).index_add(0, L.tensor([1, 1]), y.reshape(2, 3), alpha=2)
    ),
}


@params(BINARY)
def test_binary_gradients(case):
    check(case)


# ---------------------------------------------------------------- second order, checks, anomaly


def _relu_second_order(L):
    x = L.tensor([[0.7, -0.3, 1.2], [-1.5, 0.2, 0.9]], requires_grad=True)
    (g,) = L.autograd.grad(x.relu().sum(), x, create_graph=True)
    (gg,) = L.autograd.grad(g.sum(), x)  # relu's gradient is a step: zero, but connected
    return g, gg


def _gradcheck_float32_warns(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    return L.autograd.gradcheck(lambda t: t * t, (x,), raise_exception=False)


def _gradcheck_failure_raises(L):
    x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    return L.autograd.gradcheck(lambda t: t.detach() * t.detach() * 0 + 3 * t, (x,), eps=1e-3)


def _gradgradcheck(L):
    x = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    y = L.tensor([0.5, -1.0], dtype=L.float64, requires_grad=True)
    return L.autograd.gradgradcheck(lambda a, b: (a * b * a, a.exp() + b), (x, y))


def _detect_anomaly_warns(L):
    x = L.tensor([1.0], requires_grad=True)
    with L.autograd.detect_anomaly():
        (x * 2).sum().backward()
    return x.grad, L.is_anomaly_enabled()


def _anomaly_names_the_op(L):
    x = L.tensor([-1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with L.autograd.detect_anomaly():
            x.sqrt().log().sum().backward()


CHECKS = {
    "relu_second_order": _relu_second_order,
    "gradcheck_float32_warns": _gradcheck_float32_warns,
    "gradcheck_failure_raises": _gradcheck_failure_raises,
    "gradgradcheck_two_inputs_two_outputs": _gradgradcheck,
    "detect_anomaly_warns_on_entry": _detect_anomaly_warns,
    "anomaly_raises_runtime_error": _anomaly_names_the_op,
}


@params(CHECKS)
def test_second_order_and_checks(case):
    check(case)


# ---------------------------------------------------------------- graph structure


def _edges(fn):
    """The names of a result's next_functions: one entry per operand, as PyTorch's."""

    def case(L):
        x = L.tensor([[0.5, -1.5], [1.0, 3.0]], requires_grad=True)
        y = L.tensor([[1.5, 0.5], [2.0, 1.0]], requires_grad=True)
        node = fn(x, y, L).grad_fn
        return node.name(), str([(n and n.name(), nr) for n, nr in node.next_functions])

    return case


EDGES = {
    "mul": _edges(lambda x, y, L: x * y),
    "mul_number": _edges(lambda x, y, L: x * 2),
    "number_times": _edges(lambda x, y, L: 2 * x),
    "add_number_alpha": _edges(lambda x, y, L: x.add(2, alpha=3)),
    "sub_number": _edges(lambda x, y, L: x - 2),
    "div_number": _edges(lambda x, y, L: x / 2),
    "rounded_div_number": _edges(lambda x, y, L: x.div(2, rounding_mode="floor")),
    "pow_number": _edges(lambda x, y, L: x**2),
    "number_over_tensor_values": _edges(lambda x, y, L: (3 / x).detach() * x),
    "add_constant_tensor": _edges(lambda x, y, L: x + y.detach()),
    "sum_of_product": _edges(lambda x, y, L: (x * y).sum()),
    "chain": _edges(lambda x, y, L: (x * y).exp() + x),
    "where_condition_has_no_edge": _edges(lambda x, y, L: L.where(x > 0, x, y)),
    "where_number_other": _edges(lambda x, y, L: L.where(x > 0, x, 0.0)),
    "where_number_input": _edges(lambda x, y, L: L.where(x > 0, 1.0, y)),
    "gather_index_has_no_edge": _edges(lambda x, y, L: x.gather(1, L.tensor([[0], [1]]))),
    "masked_fill_mask_has_no_edge": _edges(lambda x, y, L: x.masked_fill(x > 0, 0.0)),
    "masked_fill_tensor_value": _edges(lambda x, y, L: x.masked_fill(x > 0, y.sum())),
    "scatter_index_has_no_edge": _edges(
        lambda x, y, L: x.scatter(1, L.tensor([[0], [1]]), y[:, :1])
    ),
}


@params(EDGES)
def test_next_functions(case):
    check(case)


# ---------------------------------------------------------------- PyTorch's warnings


def _non_leaf_grad(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    return y.grad is None


def _retained_grad_is_silent(L):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.sum().backward()
    return y.grad


WARNINGS = {
    "tensor_of_a_tensor": lambda L: L.tensor(L.tensor([1.0, 2.0])),
    "new_tensor_of_a_tensor": lambda L: L.ones(2).new_tensor(L.tensor([1, 2])),
    "non_leaf_grad": _non_leaf_grad,
    "retained_grad": _retained_grad_is_silent,
    "leaf_grad": lambda L: L.ones(2, requires_grad=True).grad is None,
}


@params(WARNINGS)
def test_warnings(case):
    check(case)


# ---------------------------------------------------------------- misuse: PyTorch's exception class


def _x(L):
    return L.arange(6.0).reshape(2, 3)


MISUSE = {
    "float_slice_bound": lambda L: _x(L)[0.5:],
    "matmul_by_number": lambda L: _x(L) @ 2,
    "add_list": lambda L: _x(L) + [1.0, 2.0, 3.0],
    "mul_tuple": lambda L: _x(L) * (1.0, 2.0, 3.0),
    "gather_list_index": lambda L: _x(L).gather(1, [[0]]),
    "index_select_list_index": lambda L: _x(L).index_select(1, [0, 1]),
    "masked_fill_list_mask": lambda L: _x(L).masked_fill([[True, False, True]] * 2, 0.0),
    "where_list_condition": lambda L: L.where([[True, False, True]] * 2, _x(L), 0.0),
    "where_float_condition": lambda L: L.where(_x(L), _x(L), 0.0),
    "flip_without_dims": lambda L: _x(L).flip(),
    "select_float_index": lambda L: _x(L).select(0, 1.0),
    "clamp_str_bound": lambda L: _x(L).clamp("a"),
    "tensor_dtype_str": lambda L: L.tensor([1.0], dtype="float64"),
    "ones_like_list": lambda L: L.ones_like([1.0, 2.0]),
    "linspace_float_steps": lambda L: L.linspace(0, 1, 2.5),
    "randint_float_bound": lambda L: L.randint(0, 5.5, (2,)),
    "randperm_negative": lambda L: L.randperm(-1),
    "view_two_inferred": lambda L: _x(L).view(-1, -1),
    "reshape_bad_size": lambda L: _x(L).reshape(4, 2),
    "expand_wrong_size": lambda L: _x(L).expand(3, 3),
    "permute_repeated_dim": lambda L: _x(L).permute(0, 0),
    "transpose_out_of_range": lambda L: _x(L).transpose(0, 2),
    "cat_shape_mismatch": lambda L: L.cat([_x(L), L.ones(2, 2)]),
    "cat_of_a_tensor": lambda L: L.cat(_x(L)),
    "stack_shape_mismatch": lambda L: L.stack([L.ones(2), L.ones(3)]),
    "mm_of_a_vector": lambda L: _x(L).mm(L.ones(3)),
    "mm_dtype_mismatch": lambda L: L.ones(2, 2).mm(L.ones(2, 2, dtype=L.float64)),
    "dot_dtype_mismatch": lambda L: L.ones(3).dot(L.ones(3, dtype=L.long)),
    "backward_of_int": lambda L: L.ones(2, dtype=L.long).sum().backward(),
    "requires_grad_on_int": lambda L: L.ones(2, dtype=L.long).requires_grad_(),
    "softmax_without_dim": lambda L: _x(L).softmax(),
    "gather_float_index": lambda L: _x(L).gather(1, L.tensor([[0.0]])),
    "index_out_of_range": lambda L: _x(L)[1, 3],
    "setitem_out_of_range": lambda L: _x(L).__setitem__(5, 1.0),
}


@params(MISUSE)
def test_misuse(case):
    check(case)


# ---------------------------------------------------------------- tensor hooks


def _leaf_hook_in_grad(L):
    x = L.ones(3, requires_grad=True)
    x.register_hook(lambda g: g * 3)
    return L.autograd.grad((x * 2).sum(), x)[0]


def _hook_changes_dtype(L):
    x = L.ones(3, requires_grad=True)
    x.register_hook(lambda g: g.double())
    (x * 2).sum().backward()


def _hook_changes_size(L):
    x = L.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: L.ones(4))
    y.sum().backward()


def _hooks_in_order(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen = []
    y = x * 2
    y.register_hook(lambda g: seen.append(g.tolist()))
    y.register_hook(lambda g: g * 10)
    y.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    return x.grad, str(seen)


HOOKS = {
    "leaf_hook_applies_in_autograd_grad": _leaf_hook_in_grad,
    "hook_changing_dtype_raises": _hook_changes_dtype,
    "hook_changing_size_raises": _hook_changes_size,
    "hooks_run_in_order": _hooks_in_order,
}


@params(HOOKS)
def test_hooks(case):
    check(case)
