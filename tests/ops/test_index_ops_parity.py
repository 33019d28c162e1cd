"""gather, scatter, scatter_add, index_select and index_add against PyTorch: int32 as well as
int64 index tensors, 0-d tensors, the deprecated scatter(..., reduce=) form, and PyTorch's
argument checks (classes and messages) for bad indices, shapes and dtypes."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

INDEX_DTYPES = ["int64", "int32"]
REFUSED_INDEX_DTYPES = ["int16", "int8", "uint8", "float32", "float64", "bool"]


def _same_error(fn):
    """Both libraries raise the same class with the same first line."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    message = re.escape(str(theirs.value).split("\n")[0])
    with pytest.raises(type(theirs.value), match=message):
        fn(tg)


def _x(lib, requires_grad=False):
    data = np.random.default_rng(0).standard_normal((3, 4))
    return lib.tensor(data, requires_grad=requires_grad)


def _src(lib, shape=(3, 4), requires_grad=False):
    data = np.random.default_rng(1).standard_normal(shape)
    return lib.tensor(data, requires_grad=requires_grad)


GATHER_INDEX = [[0, 2], [3, 0], [1, 1]]
SCATTER_INDEX = [[0, 2], [3, 1], [1, 0]]  # no repeats within a row: scatter is deterministic

CALLS = {
    "gather": lambda lib, x, i, s: x.gather(1, i),
    "torch.gather": lambda lib, x, i, s: lib.gather(x, 1, i),
    "scatter": lambda lib, x, i, s: x.scatter(1, i, s),
    "scatter_value": lambda lib, x, i, s: x.scatter(1, i, 2.5),
    "torch.scatter": lambda lib, x, i, s: lib.scatter(x, 1, i, s),
    "scatter_add": lambda lib, x, i, s: x.scatter_add(1, i, s),
    "torch.scatter_add": lambda lib, x, i, s: lib.scatter_add(x, 1, i, s),
}


def _run(lib, name, index_dtype, requires_grad=False):
    # src as large as the index: PyTorch's backward fails on a larger src (its gradient has
    # the index's shape), and so does ours
    x, s = _x(lib, requires_grad), _src(lib, (3, 2), requires_grad=requires_grad)
    rows = GATHER_INDEX if "gather" in name else SCATTER_INDEX
    index = lib.tensor(rows, dtype=getattr(lib, index_dtype))
    return x, s, CALLS[name](lib, x, index, s)


@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
@pytest.mark.parametrize("name", list(CALLS))
def test_gather_scatter_with_integer_indices_match_torch(name, index_dtype):
    """Values, dtype and the gradients of x and src (random upstream gradient)."""
    results = {}
    for lib in (tg, torch):
        x, s, out = _run(lib, name, index_dtype, requires_grad=True)
        g = np.random.default_rng(2).standard_normal(tuple(out.shape))
        out.backward(lib.tensor(g))
        grads = [t.grad.numpy() if t.grad is not None else None for t in (x, s)]
        results[lib] = (out.detach().numpy(), str(out.dtype).split(".")[-1], grads)
    (o1, d1, g1), (o2, d2, g2) = results[tg], results[torch]
    assert d1 == d2
    np.testing.assert_allclose(o1, o2, rtol=1e-12)
    for a, b in zip(g1, g2):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
@pytest.mark.parametrize("name", ["gather", "scatter", "scatter_add", "scatter_value"])
def test_gather_scatter_gradcheck_with_integer_indices(name, index_dtype):
    rows = GATHER_INDEX if name == "gather" else SCATTER_INDEX
    index = tg.tensor(rows, dtype=getattr(tg, index_dtype))
    x, s = _x(tg, True), _src(tg, (3, 2), requires_grad=True)

    def fn(a, b):
        return CALLS[name](tg, a, index, b)

    assert gradcheck(fn, (x, s))
    assert gradgradcheck(fn, (x, s))


@pytest.mark.parametrize("index_dtype", REFUSED_INDEX_DTYPES)
@pytest.mark.parametrize("name", list(CALLS))
def test_other_index_dtypes_are_refused_as_torch(name, index_dtype):
    _same_error(lambda lib: _run(lib, name, index_dtype))


# ---------------------------------------------------------------------- index_select, index_add


def _vector(lib, dtype, values=(0, 2, 2)):
    return lib.tensor(list(values), dtype=getattr(lib, dtype))


@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_and_index_add_with_integer_indices(dim, index_dtype):
    results = {}
    for lib in (tg, torch):
        x = _x(lib, True)
        index = _vector(lib, index_dtype)
        source = _src(lib, (3, 4) if dim == 0 else (3, 3), requires_grad=True)
        picked = x.index_select(dim, index)
        added = x.index_add(dim, index, source, alpha=2.0)
        g1 = np.random.default_rng(3).standard_normal(tuple(picked.shape))
        g2 = np.random.default_rng(4).standard_normal(tuple(added.shape))
        (picked * lib.tensor(g1)).sum().add((added * lib.tensor(g2)).sum()).backward()
        results[lib] = [t.detach().numpy() for t in (picked, added, x.grad, source.grad)]
    for ours, theirs in zip(results[tg], results[torch]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
def test_index_select_and_index_add_gradcheck(index_dtype):
    index = _vector(tg, index_dtype)
    x, source = _x(tg, True), _src(tg, (3, 3), requires_grad=True)
    assert gradcheck(lambda a: a.index_select(1, index), (x,))
    assert gradgradcheck(lambda a: a.index_select(1, index), (x,))
    assert gradcheck(lambda a, b: a.index_add(1, index, b, alpha=3), (x, source))
    assert gradgradcheck(lambda a, b: a.index_add(1, index, b, alpha=3), (x, source))


def test_in_place_index_add_and_scatter_with_int32_indices():
    for method in ("index_add_", "scatter_add_", "scatter_"):
        outs = []
        for lib in (tg, torch):
            x = _x(lib)
            if method == "index_add_":
                getattr(x, method)(1, lib.tensor([0, 3], dtype=lib.int32), _src(lib, (3, 2)))
            else:
                index = lib.tensor(SCATTER_INDEX, dtype=lib.int32)
                getattr(x, method)(1, index, _src(lib))
            outs.append(x.numpy())
        np.testing.assert_allclose(outs[0], outs[1], rtol=1e-12)


ZERO_D_CASES = [
    lambda lib: lib.tensor(5.0).index_select(0, lib.tensor(0)),
    lambda lib: lib.tensor(5.0).index_select(0, lib.tensor([0])),
    lambda lib: lib.tensor(5.0).index_select(-1, lib.tensor(0, dtype=lib.int32)),
    lambda lib: lib.tensor([5.0, 6.0]).index_select(0, lib.tensor(1)),
    lambda lib: lib.tensor(5.0).index_add(0, lib.tensor(0), lib.tensor(2.0)),
    lambda lib: lib.tensor(5.0).index_add(0, lib.tensor(0), lib.tensor(2.0), alpha=3),
    lambda lib: lib.tensor(5.0).index_add(0, lib.tensor([0], dtype=lib.int32), lib.tensor(2.0)),
    lambda lib: lib.tensor([5.0, 6.0]).index_add(0, lib.tensor(1), lib.tensor([2.0])),
    lambda lib: lib.index_select(lib.tensor(5.0), 0, lib.tensor(0)),
    lambda lib: lib.index_add(lib.tensor(5.0), 0, lib.tensor(0), lib.tensor(2.0)),
]


@pytest.mark.parametrize("case", ZERO_D_CASES)
def test_zero_d_index_select_and_index_add_match_torch(case):
    ours, theirs = case(tg), case(torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_zero_d_index_select_and_index_add_gradients():
    for fn in [
        lambda a, b: a.index_select(0, tg.tensor(0)) * b,
        lambda a, b: a.index_add(0, tg.tensor(0), b, alpha=2),
    ]:
        a = tg.tensor(1.5, dtype=tg.float64, requires_grad=True)
        b = tg.tensor(-0.5, dtype=tg.float64, requires_grad=True)
        assert gradcheck(fn, (a, b))
        assert gradgradcheck(fn, (a, b))


ERROR_CASES = [
    # index_select: out of range (PyTorch's two kernels word it differently), shape, dtype
    lambda lib: lib.ones(3).index_select(0, lib.tensor([3])),
    lambda lib: lib.ones(3).index_select(0, lib.tensor([-1])),
    lambda lib: lib.ones(0).index_select(0, lib.tensor([0])),
    lambda lib: lib.ones(3, 4).index_select(0, lib.tensor([0, 5])),
    lambda lib: lib.ones(2, 3, 4).index_select(2, lib.tensor([4], dtype=lib.int32)),
    lambda lib: lib.ones(2, 3, 4).index_select(0, lib.tensor([-1])),
    lambda lib: lib.ones(3, 4).index_select(1, lib.tensor([4])),
    lambda lib: lib.ones(2, 3, 4).index_select(1, lib.tensor([0, 5, -1])),
    lambda lib: lib.ones(0, 4).index_select(0, lib.tensor([0])),
    lambda lib: lib.ones(3, 0).index_select(0, lib.tensor([3])),
    lambda lib: lib.tensor(5.0).index_select(0, lib.tensor(1)),
    lambda lib: lib.tensor(5.0).index_select(0, lib.tensor([0, 0])),
    lambda lib: lib.tensor(5.0).index_select(1, lib.tensor(0)),
    lambda lib: lib.ones(3, 4).index_select(0, lib.tensor([[0]])),
    lambda lib: lib.ones(3, 4).index_select(0, lib.tensor([0.0])),
    lambda lib: lib.ones(3, 4).index_select(0, lib.tensor([0], dtype=lib.int16)),
    # index_add: shapes, dtypes, bounds
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, 1]), lib.ones(3, 3)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, 1]), lib.ones(2, 2)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, 1]), lib.ones(3, 2, 1)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, 1]), lib.ones(3)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, 1]), lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.ones(3, 4, dtype=lib.int64).index_add(0, lib.tensor([0]), lib.ones(1, 4)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, 4]), lib.ones(3, 2)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, -1]), lib.ones(3, 2)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([[0, 1]]), lib.ones(3, 2)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0, 1], dtype=lib.int16), lib.ones(3, 2)),
    lambda lib: lib.ones(3, 4).index_add(1, lib.tensor([0.0, 1.0]), lib.ones(3, 2)),
    lambda lib: lib.tensor(5.0).index_add(0, lib.tensor([0]), lib.tensor([2.0])),
    lambda lib: lib.tensor([5.0, 6.0]).index_add(0, lib.tensor(1), lib.tensor(2.0)),
    # scatter / scatter_add: shapes, dtypes, bounds
    lambda lib: lib.ones(3, 4).scatter(1, lib.tensor([[0, 1]]), lib.ones(3, 2, dtype=lib.float64)),
    lambda lib: lib.ones(3, 4).scatter(1, lib.tensor([[0, 1]]), lib.ones(1, 1)),
    lambda lib: lib.ones(3, 4).scatter(1, lib.tensor([[0, 1, 2, 3, 0]]), lib.ones(1, 4)),
    lambda lib: lib.ones(3, 4).scatter(1, lib.tensor([[0, 1]] * 4), lib.ones(4, 2)),
    lambda lib: lib.ones(3, 4).scatter(1, lib.tensor([0, 1]), lib.ones(4, 2)),
    lambda lib: lib.ones(3, 4).scatter(1, lib.tensor([[0, 4]]), 1.0),
    lambda lib: lib.ones(3, 4).scatter(1, lib.tensor([[0, 1]] * 4), 1.0),
    lambda lib: lib.ones(3, 4).scatter_add(1, lib.tensor([[0, 1]]), lib.ones(3, 2).double()),
    lambda lib: lib.ones(3, 4).scatter_add(1, lib.tensor([[0, 1]]), lib.ones(1, 1)),
    lambda lib: lib.ones(3, 4).scatter_add(1, lib.tensor([[0, -1]]), lib.ones(1, 2)),
    lambda lib: lib.ones(3, 4).scatter_add(1, lib.tensor([[0, 1]]), lib.ones(1, 2).long()),
    lambda lib: lib.ones(3, 4).long().scatter(1, lib.tensor([[0, 1]]), lib.ones(1, 2)),
    lambda lib: lib.ones(3, 4).gather(1, lib.tensor([[0, 1]] * 4)),
    lambda lib: lib.ones(3, 4).gather(1, lib.tensor([0, 1])),
    lambda lib: lib.ones(3, 4).gather(1, lib.tensor([[0, 4]])),
]


@pytest.mark.parametrize("case", ERROR_CASES)
def test_index_op_errors_match_torch(case):
    _same_error(case)


# ---------------------------------------------------------------------- scatter(reduce=)


def _reduce_call(form: str, lib, x, index, src, reduce):
    if form == "function":
        return lib.scatter(x, 1, index, src, reduce=reduce)
    if form == "method":
        return x.scatter(1, index, src, reduce=reduce)
    y = x.clone()
    y.scatter_(1, index, src, reduce=reduce)
    return y


@pytest.mark.parametrize("index_dtype", INDEX_DTYPES)
@pytest.mark.parametrize("src_kind", ["tensor", "value"])
@pytest.mark.parametrize("form", ["function", "method", "in-place"])
@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_scatter_reduce_matches_torch(reduce, form, src_kind, index_dtype, dtype):
    """Repeated indices accumulate; a number is converted to x's dtype first, as in PyTorch."""
    outs = []
    for lib in (tg, torch):
        x = lib.tensor(np.arange(1, 13).reshape(3, 4), dtype=getattr(lib, dtype))
        index = lib.tensor([[0, 0, 3], [2, 1, 2]], dtype=getattr(lib, index_dtype))
        src = (
            lib.tensor([[2, 3, 4], [5, 6, 7]], dtype=getattr(lib, dtype))
            if src_kind == "tensor"
            else -2.5
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs.append(_reduce_call(form, lib, x, index, src, reduce))
    assert str(outs[0].dtype).split(".")[-1] == str(outs[1].dtype).split(".")[-1]
    np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())


def test_scatter_reduce_of_zero_d_tensors():
    for lib_args in [(0, [0, 0], [2.0, 4.0], "multiply"), (0, 0, 2.0, "add")]:
        dim, index, src, reduce = lib_args
        outs = [
            lib.tensor(3.0).scatter(dim, lib.tensor(index), lib.tensor(src), reduce=reduce)
            for lib in (tg, torch)
        ]
        np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())


def test_scatter_reduce_with_tensor_src_warns_as_torch():
    """PyTorch's deprecation warning (which PyTorch gives once per process)."""
    with pytest.warns(UserWarning, match="reduce argument of torch.scatter with Tensor src"):
        tg.ones(3).scatter(0, tg.tensor([0]), tg.ones(1), reduce="add")


@pytest.mark.parametrize("src_kind", ["tensor", "value"])
def test_scatter_reduce_has_no_derivative_as_torch(src_kind):
    """The result requires grad, and backward raises PyTorch's error."""
    for lib in (tg, torch):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        src = lib.tensor([2.0, 3.0], dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = x.scatter(
                0, lib.tensor([0, 0]), src if src_kind == "tensor" else 2.0, reduce="add"
            )
        assert out.requires_grad and out.grad_fn is not None
        assert "NotImplemented" in out.grad_fn.name()
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            out.sum().backward()


@pytest.mark.parametrize("src", ["tensor", "value"])
def test_scatter_reduce_refuses_other_reductions_as_torch(src):
    def run(lib):
        value = lib.ones(1, 2) if src == "tensor" else 2.0
        return lib.ones(3, 4).scatter(1, lib.tensor([[0, 1]]), value, reduce="mean")

    _same_error(run)
