"""`nn.utils.clip_grad_value_`, `parameters_to_vector` and `vector_to_parameters` vs PyTorch."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")


def _nets(dtype=np.float32):
    """The same small network in both libraries (weights copied through state_dict)."""
    torch.manual_seed(0)
    t_net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    t_net = t_net.to(getattr(torch, np.dtype(dtype).name))
    g_net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    g_net = g_net.to(getattr(tg, np.dtype(dtype).name))
    g_net.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in t_net.state_dict().items()})
    return t_net, g_net


def _backward(lib, net, scale=10.0):
    rng = np.random.default_rng(1)
    dtype = next(iter(net.parameters())).dtype
    x = lib.tensor(rng.standard_normal((5, 3)) * scale, dtype=dtype)
    w = lib.tensor(rng.standard_normal((5, 2)), dtype=dtype)
    (net(x) * w).sum().backward()


# ---------------------------------------------------------------- clip_grad_value_


@pytest.mark.parametrize("clip_value", [0.5, 2, 0.0, 1e9])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_value_matches_torch(clip_value, dtype):
    t_net, g_net = _nets(dtype)
    _backward(torch, t_net)
    for a, b in zip(g_net.parameters(), t_net.parameters()):
        a.grad = tg.tensor(b.grad.numpy())  # the same gradients: clipping alone is compared
    assert tg.nn.utils.clip_grad_value_(g_net.parameters(), clip_value) is None
    torch.nn.utils.clip_grad_value_(t_net.parameters(), clip_value)
    for a, b in zip(g_net.parameters(), t_net.parameters()):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
        assert a.grad.dtype == getattr(tg, np.dtype(dtype).name)
        assert np.abs(a.grad.numpy()).max() <= clip_value


def test_clip_grad_value_takes_one_tensor_a_generator_and_a_tensor_bound():
    for lib in (torch, tg):
        p = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        q = lib.tensor([5.0], requires_grad=True)  # no grad: skipped
        p.grad = lib.tensor([0.5, -4.0, 9.0])
        lib.nn.utils.clip_grad_value_(p, 1.0)
        assert p.grad.tolist() == [0.5, -1.0, 1.0]
        lib.nn.utils.clip_grad_value_((t for t in (p, q)), lib.tensor(0.25))
        assert p.grad.tolist() == [0.25, -0.25, 0.25] and q.grad is None
        lib.nn.utils.clip_grad_value_([p], 0.1, foreach=False)
        assert p.grad.tolist() == pytest.approx([0.1, -0.1, 0.1])


def test_clip_grad_value_keeps_nan_and_clips_inf():
    for lib in (torch, tg):
        p = lib.zeros(3, requires_grad=True)
        p.grad = lib.tensor([math.nan, math.inf, -math.inf])
        lib.nn.utils.clip_grad_value_([p], 2.0)
        got = p.grad.tolist()
        assert math.isnan(got[0]) and got[1:] == [2.0, -2.0]


def test_clip_grad_value_is_in_place_and_not_recorded():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p * 3).sum().backward()
    grad, version = p.grad, p.grad._version
    tg.nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad is grad and p.grad._version > version and p.grad.grad_fn is None


# ---------------------------------------------------------------- parameters_to_vector


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameters_to_vector_matches_torch(dtype):
    t_net, g_net = _nets(dtype)
    t_vec = torch.nn.utils.parameters_to_vector(t_net.parameters())
    g_vec = tg.nn.utils.parameters_to_vector(g_net.parameters())
    assert g_vec.shape == tuple(t_vec.shape) == (26,)
    assert g_vec.dtype == getattr(tg, np.dtype(dtype).name)
    np.testing.assert_array_equal(g_vec.detach().numpy(), t_vec.detach().numpy())
    assert g_vec.requires_grad and g_vec.grad_fn is not None


def test_parameters_to_vector_is_differentiable():
    t_net, g_net = _nets(np.float64)
    rng = np.random.default_rng(2)
    w = rng.standard_normal(26)
    for lib, net in ((torch, t_net), (tg, g_net)):
        vec = lib.nn.utils.parameters_to_vector(net.parameters())
        (vec * lib.tensor(w) * vec).sum().backward()
    for a, b in zip(g_net.parameters(), t_net.parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12)
    params = [tg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(2, 3), (4,)]]
    assert tg.autograd.gradcheck(lambda a, b: tg.nn.utils.parameters_to_vector([a, b]) ** 2, params)
    assert tg.autograd.gradgradcheck(
        lambda a, b: tg.nn.utils.parameters_to_vector([a, b]) ** 3, params
    )


# ---------------------------------------------------------------- vector_to_parameters


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vector_to_parameters_matches_torch(dtype):
    t_net, g_net = _nets(dtype)
    vec = np.arange(26, dtype=dtype) / 7
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), t_net.parameters())
    tg.nn.utils.vector_to_parameters(tg.tensor(vec), g_net.parameters())
    for (name, a), b in zip(g_net.named_parameters(), t_net.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=name)
        assert a.shape == tuple(b.shape) and a.requires_grad and a.is_leaf
    x = np.ones((2, 3), dtype)
    assert_close(g_net(tg.tensor(x)).detach().numpy(), t_net(torch.tensor(x)).detach().numpy())


def test_round_trip_and_shared_storage_like_torch():
    for lib in (torch, tg):
        a, b = lib.zeros(2, 2, requires_grad=True), lib.zeros(3, requires_grad=True)
        vec = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
        lib.nn.utils.vector_to_parameters(vec, [a, b])
        assert a.tolist() == [[1.0, 2.0], [3.0, 4.0]] and b.tolist() == [5.0, 6.0, 7.0]
        assert lib.nn.utils.parameters_to_vector([a, b]).tolist() == vec.tolist()
        vec.mul_(2)  # PyTorch sets param.data to a view of vec: the memory is shared
        assert b.tolist() == [10.0, 12.0, 14.0]


def test_vector_to_parameters_errors_like_torch():
    for lib in (torch, tg):
        p = lib.zeros(3, requires_grad=True)
        with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
            lib.nn.utils.vector_to_parameters([1.0, 2.0, 3.0], [p])
        with pytest.raises(RuntimeError):
            lib.nn.utils.vector_to_parameters(lib.zeros(2), [p])  # too short a vector
