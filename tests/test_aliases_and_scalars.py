"""PyTorch's aliases, Python numbers as arguments, and argument checks, against torch.

A number where PyTorch wants a tensor must raise PyTorch's TypeError (not an AttributeError
from inside our code); where PyTorch accepts one (`torch.add(2, t)`, `torch.pow(2, t)`), the
result has PyTorch's value and dtype.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close
from tinygrad_nn import functions
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(11)
LIBS = (torch, tg)


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


def _outcome(fn):
    """The exception class, or the value and dtype, of fn()."""
    try:
        r = fn()
    except Exception as e:  # the class is what is compared
        return type(e).__name__
    if isinstance(r, (tuple, list)):
        return [_outcome(lambda x=x: x) for x in r]
    if hasattr(r, "dtype"):
        return "ok", _name(r.dtype), tuple(r.shape), r.detach().tolist()
    if type(r).__name__ == "dtype":
        return "ok", _name(r)
    return "ok", r


# ---------------------------------------------------------------------- a number first


def _public_functions() -> list:
    """Every function tinygrad_nn.functions defines or gathers from its `_functions_*`
    modules (aliases included), with a torch twin."""
    names = []
    for name, fn in vars(functions).items():
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        if name == "broadcast_shapes":  # takes shapes, not tensors
            continue
        home = fn.__module__
        ours = home == functions.__name__ or home.startswith("tinygrad_nn._functions_")
        if ours and hasattr(torch, name):
            names.append(name)
    return sorted(names)


FUNCTIONS = _public_functions()


def _number_patterns(lib):
    return {
        "number, tensor": (2, lib.tensor([1.0, 2.0, 3.0])),
        "number, int tensor": (3, lib.tensor([1, 2, 3])),
        "float, tensor": (2.5, lib.tensor([1.0, 2.0, 4.0])),
        "number": (2,),
        "number, number": (7, 2),
        "float, number": (2.5, 3),
        "bool, tensor": (True, lib.tensor([1, 2])),
    }


def test_the_sweep_covers_the_functions():
    for name in ("eq", "add", "mul", "sub", "div", "pow", "maximum", "logical_and", "cat",
                 "matmul", "isclose", "fill", "inner", "greater", "ger", "conv1d"):  # fmt: skip
        assert name in FUNCTIONS


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_number_first_behaves_as_in_torch(name):
    for label in _number_patterns(torch):
        if name == "einsum" and label == "number":
            continue  # PyTorch's parser reports a missing operand first (ValueError)
        args, args_t = _number_patterns(tg)[label], _number_patterns(torch)[label]
        theirs = _outcome(lambda a=args_t: getattr(torch, name)(*a))
        ours = _outcome(lambda a=args: getattr(tg, name)(*a))
        assert ours == theirs, (name, label)


# where PyTorch takes a number first: value and dtype next to each kind of tensor
NUMBER_FIRST = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
                "floor_divide", "remainder", "pow"]  # fmt: skip
SECOND = {
    "float32": lambda lib: lib.tensor([1.5, 2.0, -3.0]),
    "float64 0-d": lambda lib: lib.tensor(2.0, dtype=lib.float64),
    "int32": lambda lib: lib.tensor([1, 2, 3], dtype=lib.int32),
    "int32 0-d": lambda lib: lib.tensor(3, dtype=lib.int32),
    "int64": lambda lib: lib.tensor([1, 2, 3]),
    "uint8": lambda lib: lib.tensor([1, 2, 3], dtype=lib.uint8),
    "bool": lambda lib: lib.tensor([True, False, True]),
}


@pytest.mark.parametrize("name", NUMBER_FIRST)
@pytest.mark.parametrize("number", [2, 2.5, -3, True])
@pytest.mark.parametrize("second", list(SECOND))
def test_number_first_value_and_dtype_match_torch(name, number, second):
    theirs = _outcome(lambda: getattr(torch, name)(number, SECOND[second](torch)))
    ours = _outcome(lambda: getattr(tg, name)(number, SECOND[second](tg)))
    if isinstance(theirs, tuple) and theirs[1].startswith("float"):
        assert ours[:3] == theirs[:3]
        np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-6)
    else:
        assert ours == theirs


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "floor_divide"])
@pytest.mark.parametrize("a,b", [(7, 2), (7.5, 2), (True, 3), (-7, 2.0)])
def test_two_numbers_give_a_tensor_as_in_torch(name, a, b):
    assert _outcome(lambda: getattr(tg, name)(a, b)) == _outcome(lambda: getattr(torch, name)(a, b))


@pytest.mark.parametrize("name", ["pow", "remainder", "fmod"])
@pytest.mark.parametrize("a,b", [(2, 3), (2.5, 3), (2, 3.5), (True, 2)])
def test_pow_remainder_fmod_of_two_numbers_are_refused(name, a, b):
    for lib in LIBS:
        with pytest.raises(TypeError, match=f"{name}\\(\\) received an invalid combination"):
            getattr(lib, name)(a, b)


def test_fmod_refuses_a_number_first_and_pow_remainder_take_one():
    for lib in LIBS:
        t = lib.tensor([1.5, -2.0, 3.0])
        with pytest.raises(TypeError, match="got \\(int, Tensor\\)"):
            lib.fmod(2, t)
        expected = np.float32(2.0) ** np.array([1.5, -2.0, 3.0], np.float32)
        assert_close(np.asarray(lib.pow(2, t).tolist(), np.float32), expected)
        assert lib.remainder(5, lib.tensor([2, 3])).tolist() == [1, 2]


@pytest.mark.parametrize("number", [2, 2.5])
def test_number_first_gradients_match_torch(number):
    a = RNG.uniform(0.5, 2.0, (3, 4))
    for name in ("add", "sub", "mul", "div", "pow"):  # PyTorch has no remainder(number, t)
        grads = []
        for lib in LIBS:
            x = lib.tensor(a, requires_grad=True)
            (grad,) = lib.autograd.grad((getattr(lib, name)(number, x) * lib.tensor(a)).sum(), x)
            grads.append(grad.numpy())
        assert_close(grads[1], grads[0], np.float64)
        x = tg.tensor(a, requires_grad=True)
        assert gradcheck(lambda t, n=name: getattr(tg, n)(number, t), (x,))
        assert gradgradcheck(lambda t, n=name: getattr(tg, n)(number, t), (x,))


# ---------------------------------------------------------------------- a number second

TENSOR_ONLY = [
    "maximum",
    "minimum",
    "logical_and",
    "logical_or",
    "logical_xor",
    "isclose",
    "allclose",
    "dot",
    "inner",
    "matmul",
    "outer",
    "mm",
    "mv",
    "bmm",
    "equal",
]


@pytest.mark.parametrize("name", TENSOR_ONLY)
@pytest.mark.parametrize("number", [2, 2.5, True])
@pytest.mark.parametrize("form", ["function", "method"])
def test_a_number_where_torch_wants_a_tensor_is_a_type_error(name, number, form):
    shape = (2, 3, 3) if name == "bmm" else (3, 3) if name in ("mm", "mv") else (3,)
    for lib in LIBS:
        t = lib.ones(shape)
        call = (
            (lambda lib=lib, t=t: getattr(lib, name)(t, number))
            if form == "function"
            else (lambda t=t: getattr(t, name)(number))
        )
        with pytest.raises(TypeError):
            call()


@pytest.mark.parametrize("name", ["maximum", "minimum", "logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_tensor_only_ops_take_a_0d_tensor(name, dtype):
    def call(lib):
        d = getattr(lib, dtype)
        return getattr(lib, name)(lib.tensor([0, 1, 2], dtype=d), lib.tensor(1, dtype=d))

    assert _outcome(lambda: call(tg)) == _outcome(lambda: call(torch))


def test_maximum_message_names_the_argument():
    with pytest.raises(TypeError, match="maximum\\(\\): argument 'other' must be Tensor, not int"):
        tg.ones(2).maximum(2)
    with pytest.raises(
        TypeError, match="eq\\(\\): argument 'input' \\(position 1\\) must be Tensor, not int"
    ):
        tg.eq(2, tg.ones(2))


# ---------------------------------------------------------------------- argument checks


@pytest.mark.parametrize("name", ["isclose", "allclose"])
@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"rtol": -1}, "rtol must be greater than or equal to zero, but got -1"),
        ({"rtol": -1e-3}, "rtol must be greater than or equal to zero, but got -0.001"),
        ({"atol": -1e-9}, "atol must be greater than or equal to zero, but got -1e-09"),
        ({"rtol": -1, "atol": -1}, "rtol must be"),
    ],
)
@pytest.mark.parametrize("form", ["function", "method"])
def test_negative_tolerances_are_refused(name, kwargs, message, form):
    for lib in LIBS:
        a, b = lib.ones(3), lib.ones(3)
        with pytest.raises(RuntimeError, match=message):
            getattr(lib, name)(a, b, **kwargs) if form == "function" else getattr(a, name)(
                b, **kwargs
            )


def test_zero_tolerances_are_allowed():
    for lib in LIBS:
        assert lib.isclose(lib.ones(2), lib.ones(2), rtol=0, atol=0).tolist() == [True, True]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
@pytest.mark.parametrize("source", ["float32", "int64"])
@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x, d: x.mean(dtype=d),
        lambda lib, x, d: lib.mean(x, dtype=d),
        lambda lib, x, d: lib.mean(x, 0, dtype=d),
        lambda lib, x, d: x.mean((0, 1), keepdim=True, dtype=d),
    ],
)
def test_mean_with_an_integer_dtype_is_refused(dtype, source, call):
    word = {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte"}[dtype]
    for lib in LIBS:
        x = lib.ones(2, 3, dtype=getattr(lib, source))
        with pytest.raises(
            RuntimeError,
            match=f"Optional dtype must be either a floating point or complex dtype. Got: {word}",
        ):
            call(lib, x, getattr(lib, dtype))


def test_mean_of_an_integer_tensor_with_a_float_dtype_matches_torch():
    def call(lib):
        return lib.tensor([[1, 2], [4, 8]]).mean(0, dtype=lib.float64)

    assert _outcome(lambda: call(tg)) == _outcome(lambda: call(torch))


@pytest.mark.parametrize(
    "source,destination,message",
    [
        ((0, 0), (0, 1), r"repeated dim in `source` \(\[0, 0\]\)"),
        ((0, -3), (0, 1), r"repeated dim in `source` \(\[0, -3\]\)"),
        ((0, 1), (2, 2), r"repeated dim in `destination` \(\[2, 2\]\)"),
        ((0, 1), (1, -2), r"repeated dim in `destination` \(\[1, -2\]\)"),
        ([2, 0, 2], [0, 1, 2], r"repeated dim in `source` \(\[2, 0, 2\]\)"),
    ],
)
@pytest.mark.parametrize("name", ["movedim", "moveaxis"])
def test_movedim_with_repeated_dims_is_refused(source, destination, message, name):
    for lib in LIBS:
        x = lib.ones(2, 3, 4)
        with pytest.raises(RuntimeError, match=message):
            getattr(lib, name)(x, source, destination)
        with pytest.raises(RuntimeError, match=message):
            getattr(x, name)(source, destination)


@pytest.mark.parametrize("source,destination", [((0, 2), (2, 0)), (-1, 0), ([1], [-1])])
def test_movedim_still_matches_torch(source, destination):
    a = RNG.standard_normal((2, 3, 4))
    assert (
        tg.tensor(a).movedim(source, destination).tolist()
        == torch.tensor(a).movedim(source, destination).tolist()
    )


# ---------------------------------------------------------------------- aliases

COMPARISON_ALIASES = {
    "greater": "gt",
    "greater_equal": "ge",
    "less": "lt",
    "less_equal": "le",
    "not_equal": "ne",
}


@pytest.mark.parametrize("alias", list(COMPARISON_ALIASES))
@pytest.mark.parametrize("other", ["number", "tensor", "broadcast", "int tensor"])
@pytest.mark.parametrize("form", ["function", "method"])
def test_comparison_aliases_match_torch(alias, other, form):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])

    def call(lib, name):
        x = lib.tensor(a)
        y = {
            "number": 2,
            "tensor": lib.tensor(a[::-1].copy()),
            "broadcast": lib.tensor([2.0]),
            "int tensor": lib.tensor([1, 2, 3]),
        }[other]
        return getattr(lib, name)(x, y) if form == "function" else getattr(x, name)(y)

    ours = _outcome(lambda: call(tg, alias))
    assert ours == _outcome(lambda: call(torch, alias))
    assert ours == _outcome(lambda: call(tg, COMPARISON_ALIASES[alias]))


@pytest.mark.parametrize("alias", list(COMPARISON_ALIASES))
def test_comparison_aliases_refuse_a_number_first(alias):
    for lib in LIBS:
        with pytest.raises(TypeError):
            getattr(lib, alias)(2, lib.ones(2))


@pytest.mark.parametrize("form", ["function", "method"])
def test_ger_is_outer(form):
    a, b = RNG.standard_normal(3), RNG.standard_normal(4)
    results = []
    for lib in LIBS:
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.ger(x, y) if form == "function" else x.ger(y)
        g = lib.tensor(np.arange(12.0).reshape(3, 4))
        results.append(
            (out.detach().numpy(), *[t.numpy() for t in lib.autograd.grad(out, (x, y), g)])
        )
    for ours, theirs in zip(results[1], results[0]):
        assert_close(ours, theirs, np.float64)
    assert gradgradcheck(
        tg.ger, (tg.tensor(a, requires_grad=True), tg.tensor(b, requires_grad=True))
    )


CONV_LIKE = {
    "conv1d": ((2, 3, 7), (4, 3, 3), {"stride": 2, "padding": 1}),
    "conv1d_same": ((1, 2, 6), (3, 2, 3), {"padding": "same", "dilation": 2}),
    "conv2d": ((2, 2, 5, 5), (4, 1, 3, 3), {"padding": 1, "groups": 2}),
    "conv2d_bias": ((1, 3, 4, 5), (2, 3, 2, 3), {"stride": (2, 1)}),
}


@pytest.mark.parametrize("case", list(CONV_LIKE))
def test_torch_conv_functions_match_torch(case):
    x_shape, w_shape, kwargs = CONV_LIKE[case]
    name = case.split("_")[0]
    x, w = RNG.standard_normal(x_shape), RNG.standard_normal(w_shape)
    bias = RNG.standard_normal(w_shape[0]) if case.endswith("bias") else None
    results = []
    for lib in LIBS:
        args = [lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)]
        b = None if bias is None else lib.tensor(bias, requires_grad=True)
        out = getattr(lib, name)(*args, b, **kwargs)
        g = lib.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)))
        grads = lib.autograd.grad(out, args + ([b] if b is not None else []), g)
        results.append([out.detach().numpy()] + [t.numpy() for t in grads])
    for ours, theirs in zip(results[1], results[0]):
        assert_close(ours, theirs, np.float64)


def test_torch_layer_norm_matches_torch():
    a = RNG.standard_normal((2, 3, 4))
    w, b = RNG.standard_normal(4), RNG.standard_normal(4)
    results = []
    for lib in LIBS:
        args = [lib.tensor(t, requires_grad=True) for t in (a, w, b)]
        out = lib.layer_norm(args[0], (4,), args[1], args[2], 1e-3, True)
        grads = lib.autograd.grad(out, args, lib.tensor(np.cos(np.arange(24.0)).reshape(2, 3, 4)))
        results.append([out.detach().numpy()] + [t.numpy() for t in grads])
    for ours, theirs in zip(results[1], results[0]):
        assert_close(ours, theirs, np.float64)
    plain = tg.layer_norm(tg.tensor(a), [3, 4])
    assert_close(plain.numpy(), torch.layer_norm(torch.tensor(a), [3, 4]).numpy(), np.float64)


@pytest.mark.parametrize(
    "name,args",
    [
        ("conv1d", lambda lib: (2, lib.ones(1, 1, 1))),
        ("conv2d", lambda lib: (2.0, lib.ones(1, 1, 1, 1))),
        ("layer_norm", lambda lib: (2, (1,))),
    ],
)
def test_torch_conv_and_layer_norm_refuse_a_number(name, args):
    for lib in LIBS:
        with pytest.raises(TypeError):
            getattr(lib, name)(*args(lib))
