"""The backward engine: order, accumulation, freeing, errors, higher order, autograd.grad."""

import gc
import sys
import threading
import weakref

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd

torch = pytest.importorskip("torch")


def test_hand_worked_scalar_graph():
    # micrograd's example: every value and gradient below was worked out by hand.
    a = tg.tensor(-4.0, requires_grad=True)
    b = tg.tensor(2.0, requires_grad=True)
    c = a + b  # -2
    d = a * b + b**3  # -8 + 8 = 0
    e = c - d  # -2
    f = e**2  # 4
    f.backward()
    # df/de = 2e = -4; de/dc = 1, de/dd = -1
    # dc/da = 1, dd/da = b = 2    -> df/da = -4 * 1 + 4 * 2 = 4
    # dc/db = 1, dd/db = a + 3b^2 = -4 + 12 = 8 -> df/db = -4 + 4 * 8 = 28
    assert f.item() == 4.0
    assert a.grad.item() == 4.0
    assert b.grad.item() == 28.0


def test_chain_of_100000_ops_needs_no_recursion_limit():
    assert sys.getrecursionlimit() <= 10000
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_gradients_accumulate_across_backward_calls():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])


def test_fan_out_sums_contributions():
    x = tg.tensor(3.0, requires_grad=True)
    y = x * x + x  # x used three times
    y.backward()
    assert x.grad.item() == 7.0


def test_second_backward_through_freed_graph_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_saved_arrays_are_freed_after_backward():
    x = tg.tensor(np.ones(10), requires_grad=True)
    h = x * 2.0
    y = (h.exp() * h).sum()
    saved = [r for r in y.grad_fn.next_functions[0][0]._saved if r is not None]
    ref = weakref.ref(saved[0][1] if saved[0][1] is not None else saved[0][0])
    del saved, h
    y.backward()
    gc.collect()
    assert ref() is None


def test_backward_with_gradient_for_non_scalar():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(tg.tensor([1.0, 0.5, 0.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0, 0.0])


def test_non_scalar_without_gradient_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        (x * 2).backward()


def test_gradient_of_wrong_shape_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(tg.ones(3))


def test_backward_on_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0]).sum().backward()


def test_create_graph_gives_second_derivatives():
    x = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = (x**3 * x.sin()).sum()
    (g,) = autograd.grad(y, x, create_graph=True)
    (gg,) = autograd.grad(g.sum(), x)
    xt = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (gt,) = torch.autograd.grad((xt**3 * xt.sin()).sum(), xt, create_graph=True)
    (ggt,) = torch.autograd.grad(gt.sum(), xt)
    np.testing.assert_allclose(g.detach().numpy(), gt.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(gg.numpy(), ggt.numpy(), rtol=1e-5)


def test_backward_create_graph_makes_grad_differentiable():
    x = tg.tensor(2.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.item() == 12.0
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0  # d(3x^2)/dx = 6x


def test_hessian_vector_product():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w[0] ** 2 * w[1] ** 3).sum()
    (g,) = autograd.grad(loss, w, create_graph=True)
    v = tg.tensor([1.0, -1.0])
    (hv,) = autograd.grad((g * v).sum(), w)
    # H = [[2 w1^3, 6 w0 w1^2], [6 w0 w1^2, 6 w0^2 w1]] = [[16, 24], [24, 12]]
    np.testing.assert_allclose(hv.numpy(), [16 - 24, 24 - 12])


def test_grad_with_grad_outputs_and_no_accumulation():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    (g,) = autograd.grad(y, x, grad_outputs=tg.tensor([1.0, 3.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, 12.0])
    assert x.grad is None


def test_grad_of_several_inputs_and_outputs():
    a = tg.tensor(2.0, requires_grad=True)
    b = tg.tensor(3.0, requires_grad=True)
    ga, gb = autograd.grad([a * b, a + b], [a, b])
    assert (ga.item(), gb.item()) == (4.0, 3.0)


def test_grad_allow_unused():
    a = tg.tensor(2.0, requires_grad=True)
    b = tg.tensor(3.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        autograd.grad(a * 2, [a, b])
    ga, gb = autograd.grad(a * 2, [a, b], allow_unused=True)
    assert ga.item() == 2.0 and gb is None


def test_grad_of_non_leaf_input():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (gh,) = autograd.grad(y, h)
    np.testing.assert_allclose(gh.numpy(), [6.0, 12.0])


def test_grad_retain_graph_false_frees():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp()).sum()
    autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        autograd.grad(y, x)
    z = (x.exp()).sum()
    autograd.grad(z, x, retain_graph=True)
    autograd.grad(z, x)


def test_grad_of_input_that_does_not_require_grad_raises():
    x = tg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad((x * 2).sum(), tg.tensor([1.0]))


def test_backward_inputs_restricts_accumulation():
    a = tg.tensor(2.0, requires_grad=True)
    b = tg.tensor(3.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 3.0 and b.grad is None


def test_grad_mode_context_managers_and_decorators():
    x = tg.tensor([1.0], requires_grad=True)
    with tg.no_grad():
        assert not (x * 2).requires_grad
        with tg.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()

    @tg.no_grad()
    def f():
        return x * 2

    assert not f().requires_grad and tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def g():
        return tg.is_grad_enabled()

    assert g() is False and tg.is_grad_enabled()
    tg.set_grad_enabled(False)
    assert not tg.is_grad_enabled()
    tg.set_grad_enabled(True)


def test_grad_mode_is_per_thread():
    seen = {}

    def worker():
        seen["thread"] = tg.is_grad_enabled()

    with tg.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["thread"] is True


def test_detach_and_requires_grad_():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    y = tg.tensor([1.0]).requires_grad_()
    assert y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="leaf variables"):
        (x * 2).requires_grad = False
    with pytest.raises(RuntimeError, match="floating point"):
        tg.tensor([1, 2]).requires_grad_()


def test_detach_shares_memory_and_version():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x.sigmoid()
    d = h.detach()
    d.mul_(2)
    assert h[0].item() == d[0].item()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h.sum().backward()


def test_retain_grad_keeps_non_leaf_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [6.0, 12.0])
    assert h.retains_grad and (x * 1).grad is None


def test_register_hook_on_leaf_and_non_leaf():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x * 2
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    handle = x.register_hook(lambda g: g * 10)
    (h * h).sum().backward()
    np.testing.assert_allclose(seen[0], [4.0, 8.0])
    np.testing.assert_allclose(x.grad.numpy(), [80.0, 160.0])
    handle.remove()
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        tg.tensor([1.0]).register_hook(lambda g: g)


def test_grad_fn_names_and_next_functions_match_torch():
    def graph(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([[1.0], [2.0]], requires_grad=True)
        y = (x.unsqueeze(0) @ w).relu().sum() * 2 + 1
        return y

    ours, theirs = graph(tg), graph(torch)

    def walk(node):
        names, stack = [], [node]
        while stack:
            n = stack.pop()
            names.append(n.name())
            stack.extend(child for child, _ in n.next_functions if child is not None)
        return names

    assert walk(ours.grad_fn) == walk(theirs.grad_fn)
    assert ours.is_leaf is False and ours.grad_fn.next_functions[0][1] == 0


def test_is_leaf_and_grad_fn():
    x = tg.tensor([1.0], requires_grad=True)
    assert x.is_leaf and x.grad_fn is None
    y = x * 2
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward0"
    acc = y.grad_fn.next_functions[0][0]
    assert acc.variable is x


def test_grad_setter_checks():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.grad = tg.tensor([0.5, 0.5])
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.5, 1.5])
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = tg.zeros(3)
    with pytest.raises(RuntimeError, match="different type"):
        x.grad = tg.zeros(2, dtype=tg.float64)


def test_gradient_dtype_follows_input_dtype():
    x = tg.tensor([1.0, 2.0], requires_grad=True)  # float32
    y = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    (x * y).sum().backward()
    assert x.grad.dtype == tg.float32 and y.grad.dtype == tg.float64
