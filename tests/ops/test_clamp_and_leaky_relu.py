"""clamp with tensor bounds and leaky_relu, one node each as PyTorch records them, against
PyTorch: values (NaN from any operand), gradients of x and both bounds (ties, NaN, min > max,
broadcasting), node names and edges, dtypes, errors, second derivatives; finite differences;
and the create_graph backward equal to the plain one, bit for bit."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.parity import assert_same_bits
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

NAN = float("nan")
X = [1.0, 2.0, 3.0, NAN, 0.5, 2.0, -1.0]
LO = [NAN, 2.5, 0.0, 0.0, 0.5, 3.0, -2.0]
HI = [5.0, NAN, 2.0, 1.0, 0.5, 1.0, -2.0]  # ties, min > max, NaN on each side


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else tg


CALLS = {
    "clamp(min, max)": lambda x, lo, hi: x.clamp(min=lo, max=hi),
    "clamp(min)": lambda x, lo, hi: x.clamp(min=lo),
    "clamp(max)": lambda x, lo, hi: x.clamp(max=hi),
    "clamp_min": lambda x, lo, hi: x.clamp_min(lo),
    "clamp_max": lambda x, lo, hi: x.clamp_max(hi),
    "torch.clamp": lambda x, lo, hi: _lib(x).clamp(x, lo, hi),
}


def _run(lib, call, arrays, upstream, create_graph=False):
    x, lo, hi = (lib.tensor(a, requires_grad=True) for a in arrays)
    y = call(x, lo, hi)
    y.backward(lib.tensor(upstream), create_graph=create_graph)
    names = [None if n is None else n.name() for n, _ in y.grad_fn.next_functions]
    grads = [None if t.grad is None else t.grad.numpy() for t in (x, lo, hi)]
    return y.detach().numpy(), y.grad_fn.name(), names, grads


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_torch_with_nan_ties_and_crossed_bounds(name, dtype):
    arrays = [np.array(v, dtype) for v in (X, LO, HI)]
    upstream = np.linspace(-1, 2, len(X)).astype(dtype)
    ours = _run(tg, CALLS[name], arrays, upstream)
    theirs = _run(torch, CALLS[name], arrays, upstream)
    np.testing.assert_array_equal(ours[0], theirs[0])
    assert ours[1] == theirs[1]
    assert [n and n.replace("torch::autograd::", "") for n in ours[2]] == [
        n and n.replace("torch::autograd::", "") for n in theirs[2]
    ]
    for a, b in zip(ours[3], theirs[3]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)


def test_broadcast_bounds_match_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    lo, hi = rng.standard_normal((4,)) - 0.5, rng.standard_normal((3, 1)) + 0.5
    upstream = rng.standard_normal((3, 4))
    for call in (CALLS["clamp(min, max)"], CALLS["clamp_min"], CALLS["clamp_max"]):
        ours = _run(tg, call, [x, lo, hi], upstream)
        theirs = _run(torch, call, [x, lo, hi], upstream)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
        for a, b in zip(ours[3], theirs[3]):
            if b is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12)


def test_gradcheck_away_from_the_kinks():
    rng = np.random.default_rng(1)
    x = tg.tensor(rng.uniform(-2, 2, (5, 3)), requires_grad=True)
    lo = tg.tensor(rng.uniform(-1.5, -0.5, (3,)), requires_grad=True)
    hi = tg.tensor(rng.uniform(0.5, 1.5, (5, 1)), requires_grad=True)
    assert gradcheck(lambda a, b, c: a.clamp(min=b, max=c), (x, lo, hi))
    assert gradgradcheck(lambda a, b, c: a.clamp(min=b, max=c) * a, (x, lo, hi))
    assert gradcheck(lambda a, b: a.clamp_max(b), (x, hi))


def test_create_graph_backward_equals_the_plain_one():
    arrays = [np.array(v) for v in (X, LO, HI)]
    upstream = np.linspace(-1, 2, len(X))
    for call in CALLS.values():
        plain = _run(tg, call, arrays, upstream)[3]
        recorded = _run(tg, call, arrays, upstream, create_graph=True)[3]
        for a, b in zip(plain, recorded):
            assert (a is None) == (b is None)
            if a is not None:
                assert_same_bits(a, b)


def test_dtype_promotion_and_mixed_bounds_refused():
    x = tg.tensor([1, 5, 9])
    out = x.clamp(min=tg.tensor([2.5, 2.5, 2.5]), max=tg.tensor([8.0, 8.0, 8.0]))
    bounds = torch.tensor([2.5] * 3), torch.tensor([8.0] * 3)
    expected = torch.tensor([1, 5, 9]).clamp(min=bounds[0], max=bounds[1])
    assert str(out.dtype) == str(expected.dtype).replace("torch", "tinygrad_nn")
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    with pytest.raises(TypeError, match="clamp"):
        tg.tensor([1.0]).clamp(min=tg.tensor([0.0]), max=2.0)
    with pytest.raises(TypeError):
        torch.tensor([1.0]).clamp(min=torch.tensor([0.0]), max=2.0)


def test_in_place_clamp_with_tensor_bounds():
    x = tg.tensor([1.0, 5.0, -3.0], requires_grad=True)
    y = x * 1
    y.clamp_(min=tg.tensor([0.0, 0.0, 0.0]), max=tg.tensor([2.0, 2.0, 2.0]))
    y.sum().backward()
    assert y.tolist() == [1.0, 2.0, 0.0] and x.grad.tolist() == [1.0, 0.0, 0.0]


def test_leaky_relu_is_one_node_with_a_connected_second_derivative():
    results = []
    for lib in (tg, torch):
        x = lib.tensor([-2.0, 0.0, 3.0, NAN, -0.5], dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.leaky_relu(x, 0.1)
        upstream = lib.tensor([1.0, 2.0, -1.0, float("inf"), NAN], dtype=lib.float64)
        (g,) = lib.autograd.grad(y, x, upstream, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        z = x * 1
        lib.nn.functional.leaky_relu(z, 0.2, inplace=True)
        results.append(
            (
                y.grad_fn.name(),
                g.grad_fn.name(),
                z.grad_fn.name(),
                y.detach().numpy().tolist(),
                g.detach().numpy().tolist(),
                h.numpy().tolist(),
            )
        )
    assert str(results[0]) == str(results[1])
    x = tg.tensor(np.random.default_rng(2).standard_normal(6), requires_grad=True)
    assert gradcheck(lambda t: tg.nn.functional.leaky_relu(t, 0.3), (x,))
    assert gradgradcheck(lambda t: tg.nn.functional.leaky_relu(t, 0.3) * t, (x,))
