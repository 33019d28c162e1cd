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
import torch

import tinygrad_nn as tg


def _dtype_name(dtype) -> str:
    return str(dtype).split(".")[-1]


def _summary(value):
    """A library-neutral description of a result, for comparison."""
    if isinstance(value, (torch.Tensor, tg.Tensor)):
        node = value.grad_fn.name() if value.grad_fn is not None else None
        return ("tensor", tuple(value.shape), _dtype_name(value.dtype), value.requires_grad,
                node, np.array(value.detach().numpy(), copy=True))  # fmt: skip
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
            except Exception as error:  # noqa: BLE001  (the class is what we compare)
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


REDUCTIONS = {
    "sum_empty_dims_is_all": _reduction(lambda x: x.sum(())),
    "sum_empty_list_keepdim": _reduction(lambda x: x.sum([], keepdim=True)),
    "mean_empty_dims_is_all": _reduction(lambda x: x.mean(())),
    "norm_empty_dims_is_all": _reduction(lambda x: x.norm(dim=())),
    "sum_dim_none_keepdim": _reduction(lambda x: x.sum(None, True)),
    "sum_all_dims_named": _reduction(lambda x: x.sum((0, 1, 2))),
    "mean_all_dims_named": _reduction(lambda x: x.mean([0, 1, 2])),
    "sum_dtype": _reduction(lambda x: x.sum(dtype=torch.float64 if isinstance(x, torch.Tensor)
                                            else tg.float64)),  # fmt: skip
    "var_unbiased_first": _reduction(lambda x: x.var(False)),
    "std_unbiased_first": _reduction(lambda x: x.std(True)),
    "var_correction_2": _reduction(lambda x: x.var(1, correction=2)),
    "std_tuple_keepdim": _reduction(lambda x: x.std((0, 2), keepdim=True, correction=0)),
    "var_mean": _reduction(lambda x: (tg if isinstance(x, tg.Tensor) else torch).var_mean(x, 1)),
    "std_mean": _reduction(lambda x: (tg if isinstance(x, tg.Tensor) else torch).std_mean(
        x, (0, 1), correction=0, keepdim=True)),  # fmt: skip
    "cumprod": _reduction(lambda x: x.cumprod(1)),
    "cumprod_with_zeros": _reduction(lambda x: (x * (x.abs() > 0.3)).cumprod(-1)),
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
