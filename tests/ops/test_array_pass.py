"""The engine's two passes agree to the bit: every op of the op table, differentiated once on
bare NumPy arrays (the normal backward) and once on Tensors (the pass the debugging tools and
create_graph use), gives identical gradients - and the array pass really ran on arrays."""

import contextlib

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.ops.op_table import OPS
from tinygrad_nn.autograd import engine
from tinygrad_nn.autograd.function import _hooks


def _first_tensor(out):
    return out[0] if isinstance(out, (tuple, list)) else out


@contextlib.contextmanager
def tensor_pass():
    """An observer of backward switches the engine to its Tensor pass (engine.run_backward)."""
    _hooks.on_backward.append(lambda node, grads, results: None)
    try:
        yield
    finally:
        _hooks.on_backward.pop()


@contextlib.contextmanager
def wrapped_functions():
    """Collect the Function classes whose nodes the array pass had to wrap in Tensors (they
    have no array_backward): a test asserts its ops are not among them."""
    seen, original = [], engine._call_wrapped

    def spy(node, grads, retain_graph):
        seen.append(node._fn)
        return original(node, grads, retain_graph)

    engine._call_wrapped = spy
    try:
        yield seen
    finally:
        engine._call_wrapped = original


def assert_passes_agree(fn, arrays, modules, seed=0):
    """`fn(*leaves)` (a Tensor, or a tuple led by one) differentiated on arrays and on Tensors
    gives the same bits (nan and -0.0 included) in the same memory layout, and the array pass
    wrapped no Function defined in `modules` (module names)."""
    with tg.no_grad():
        out = fn(*[tg.tensor(a) for a in arrays])
    shape = tuple((out[0] if isinstance(out, tuple) else out).shape)
    upstream = np.random.default_rng(seed).standard_normal(shape).astype(arrays[0].dtype)

    def gradients(force_tensors):
        leaves = [tg.tensor(a, requires_grad=True) for a in arrays]
        out = fn(*leaves)
        out = out[0] if isinstance(out, tuple) else out
        with tensor_pass() if force_tensors else contextlib.nullcontext():
            out.backward(tg.tensor(upstream))
        return [None if t.grad is None else t.grad.numpy() for t in leaves]

    with wrapped_functions() as wrapped:
        fast = gradients(False)
    assert [f.__name__ for f in wrapped if f.__module__ in modules] == []
    slow = gradients(True)
    for i, (a, b) in enumerate(zip(fast, slow)):
        assert (a is None) == (b is None), f"input {i}"
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, f"input {i}"
            assert a.strides == b.strides, f"input {i}: layout"
            np.testing.assert_array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}"),
                                          err_msg=f"input {i}")  # fmt: skip


def _gradients(op, arrays, upstream):
    inputs = [tg.tensor(a, requires_grad=True) for a in arrays]
    _first_tensor(op.fn(*inputs)).backward(tg.tensor(upstream))
    return [None if t.grad is None else t.grad.numpy() for t in inputs]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_array_pass_equalstensor_pass(op, dtype):
    rng = np.random.default_rng(3)
    for shapes in op.inputs:
        arrays = op.sample_arrays(shapes, dtype, rng)
        with tg.no_grad():
            out = _first_tensor(op.fn(*[tg.tensor(a) for a in arrays]))
        upstream = rng.standard_normal(tuple(out.shape)).astype(dtype)
        fast = _gradients(op, arrays, upstream)
        with tensor_pass():
            slow = _gradients(op, arrays, upstream)
        for i, (a, b) in enumerate(zip(fast, slow)):
            assert (a is None) == (b is None), f"{op.name} input {i}"
            if a is not None:
                assert a.dtype == b.dtype and a.shape == b.shape, f"{op.name} input {i}"
                np.testing.assert_array_equal(a, b, err_msg=f"{op.name} grad {i}")


def test_array_pass_hands_arrays_to_array_backward():
    seen = []

    class Square(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return tg.Tensor._make(x._data * x._data)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            seen.append(("tensor", type(grad), type(x)))
            return grad * 2 * x

        @staticmethod
        def array_backward(ctx, grad):
            (x,) = ctx.saved_tensors
            seen.append(("array", type(grad), type(x)))
            return grad * 2 * x

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    Square.apply(x).sum().backward()
    assert seen == [("array", np.ndarray, np.ndarray)]
    assert x.grad.tolist() == [2.0, 4.0]
    (g,) = tg.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
    assert seen[-1] == ("tensor", tg.Tensor, tg.Tensor) and g.requires_grad


def test_a_subclass_with_its_own_backward_does_not_inherit_array_backward():
    class Twice(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return tg.Tensor._make(x._data * 2)

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

        array_backward = backward

    class Thrice(Twice):
        @staticmethod
        def forward(ctx, x):
            return tg.Tensor._make(x._data * 3)

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    assert Thrice.array_backward is None
    x = tg.tensor([1.0], requires_grad=True)
    Thrice.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0]


def test_a_users_array_backward_is_checked_for_its_number_of_results():
    class OneResultForTwo(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return tg.Tensor._make(x._data * y._data)

        @staticmethod
        def backward(ctx, grad):
            return grad

        array_backward = backward

    x, y = tg.tensor([1.0], requires_grad=True), tg.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        OneResultForTwo.apply(x, y).sum().backward()
