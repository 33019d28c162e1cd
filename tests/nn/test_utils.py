"""nn.utils: gradient clipping and parameter vectors against PyTorch."""

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _params(lib, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    ps = [
        lib.tensor(rng.normal(size=s).astype(np.float32), requires_grad=True)
        for s in [(3, 4), (4,), (2, 2)]
    ]
    grads = [rng.normal(size=tuple(p.shape)).astype(np.float32) * 3 for p in ps]
    for p, g in zip(ps, grads):
        p.grad = lib.tensor(g)
    return ps


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1), (0.3, "inf")])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    ours, theirs = _params(tg), _params(torch)
    nt = float(norm_type)
    total = tg.nn.utils.clip_grad_norm_(ours, max_norm, nt)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, nt)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-6)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_nonfinite_raises_when_asked():
    ps = _params(tg)
    ps[0].grad[0, 0] = float("nan")
    with pytest.raises(RuntimeError, match="non-finite"):
        tg.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    ours, theirs = _params(tg), _params(torch)
    tg.nn.utils.clip_grad_value_(ours, 0.5)
    torch.nn.utils.clip_grad_value_(theirs, 0.5)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_parameters_to_vector_and_back():
    ps = _params(tg)
    vec = tg.nn.utils.parameters_to_vector(ps)
    assert vec.shape == (12 + 4 + 4,)
    tg.nn.utils.vector_to_parameters(vec * 2, ps)
    np.testing.assert_allclose(
        tg.nn.utils.parameters_to_vector(ps).detach().numpy(), (vec * 2).detach().numpy()
    )
