"""Custom autograd.Function, in-place ops and the version counter, gradcheck's messages."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd
from tinygrad_nn.autograd import Function, gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x**3 * scale

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2 * ctx.scale, None


def test_custom_function_joins_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True, dtype=tg.float64)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"  # a Python Function: no overload number
    assert len(y.grad_fn.next_functions) == 1  # only tensor arguments get edges, as in PyTorch
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 24.0])
    assert gradcheck(lambda t: Cube.apply(t, 2.0), (x.detach().requires_grad_(),))
    assert gradgradcheck(lambda t: Cube.apply(t, 2.0), (x.detach().requires_grad_(),))


def test_needs_input_grad_and_multiple_outputs():
    seen = {}

    class SplitSum(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen["needs"] = ctx.needs_input_grad
            idx = tg.tensor([0, 1])
            ctx.mark_non_differentiable(idx)
            return a + b, a * b, idx

        @staticmethod
        def backward(ctx, g_sum, g_prod, g_idx):
            assert g_idx is None or not g_idx.requires_grad
            return g_sum + g_prod * 2, None

    a = tg.tensor([1.0, 1.0], requires_grad=True)
    b = tg.tensor([2.0, 2.0])
    s, p, idx = SplitSum.apply(a, b)
    assert seen["needs"] == (True, False)
    assert not idx.requires_grad and p.requires_grad
    p.sum().backward()  # only the second output used: the first gets zeros
    np.testing.assert_allclose(a.grad.numpy(), [2.0, 2.0])


def test_custom_function_wrong_number_of_grads_raises():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    a = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, tg.tensor([2.0])).sum().backward()


def test_custom_function_wrong_gradient_shape_raises():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return tg.ones(5)

    a = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[5\]"):
        Bad.apply(a).sum().backward()


def test_in_place_change_of_saved_tensor_raises():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    h = a.sigmoid()
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()


def test_in_place_on_leaf_requiring_grad_raises_outside_no_grad():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with tg.no_grad():
        w.add_(1)
        w[0] = 10.0
    np.testing.assert_allclose(w.detach().numpy(), [10.0, 3.0])
    assert w.requires_grad and w.is_leaf


def test_in_place_ops_are_recorded_like_torch():
    def run(lib):
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]], requires_grad=True)
        y = lib.tensor([0.3, 0.6, 0.9], requires_grad=True)
        z = x * 1.5
        z.add_(y)
        z.mul_(y)
        z[0, 1] = 7.0
        z[1] = y * 2
        z.exp_()
        z.sum().backward()
        return z.detach().numpy(), x.grad.numpy(), y.grad.numpy()

    for a, b in zip(run(tg), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_in_place_on_view_of_non_leaf_updates_base_history():
    def run(lib):
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]], requires_grad=True)
        y = x * 2
        row = y[1]
        row.mul_(3)
        col = y[:, 0]
        col.add_(1)
        (y * y).sum().backward()
        return y.detach().numpy(), x.grad.numpy()

    for a, b in zip(run(tg), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_in_place_on_view_of_leaf_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        x[0].mul_(2)


def test_setitem_copies_values_into_graph():
    v = tg.tensor([1.0, 2.0], requires_grad=True)
    buf = tg.zeros(3, 2)
    buf[1] = v
    (buf * tg.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), [2.0, 2.0])


def test_in_place_errors_for_dtype_and_shape():
    i = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 1.5
    x = tg.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x.add_(tg.ones(2, 3))


def test_version_counter_counts_in_place_ops():
    x = tg.zeros(3)
    assert x._version == 0
    x.add_(1)
    x[0] = 2
    assert x._version == 2


def test_gradcheck_failure_names_input_output_and_worst_entry():
    class WrongTanh(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.tanh()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            return grad  # missing the (1 - y^2) factor

    x = tg.tensor([0.5, 1.0, -1.5], dtype=tg.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        gradcheck(WrongTanh.apply, (x,))
    message = str(info.value)
    assert "output 0 with respect to input 0" in message
    assert "worst entry" in message and "analytical" in message and "numerical" in message
    assert gradcheck(WrongTanh.apply, (x,), raise_exception=False) is False


def test_gradcheck_passes_and_checks_signature_defaults():
    x = tg.tensor(np.linspace(-1, 1, 5), requires_grad=True)
    assert gradcheck(lambda t: (t * t.sin()).sum(), (x,))
    assert gradcheck(lambda t: t.exp(), x, eps=1e-6, atol=1e-5, rtol=1e-3)
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t * 2, (tg.tensor([1.0], dtype=tg.float64),))


def test_autograd_backward_function_form():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    autograd.backward([(x * x).sum()])
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
