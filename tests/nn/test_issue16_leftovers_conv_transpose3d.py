"""nn.ConvTranspose3d and F.conv_transpose3d against PyTorch: values, gradients, dtypes,
init, state_dict, output_size, finite-difference first and second derivatives, and errors."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(3)

CASES = [
    # (input shape, weight shape, keyword arguments)
    ((2, 4, 3, 4, 5), (4, 3, 2, 3, 2), {}),
    ((2, 4, 3, 4, 5), (4, 3, 2, 3, 2), {"stride": (2, 1, 2), "padding": (1, 0, 1)}),
    ((1, 4, 3, 3, 3), (4, 2, 2, 2, 2), {"stride": 2, "output_padding": 1, "groups": 2}),
    ((1, 2, 2, 3, 2), (2, 3, 3, 2, 2), {"dilation": (2, 1, 1), "padding": (1, 0, 0)}),
    ((2, 3, 2, 2), (2, 3, 2, 2, 2), {}),  # unbatched (C, D, H, W): weight fits its 2 channels
]


def _arrays(case, dtype=np.float64):
    x_shape, w_shape, kwargs = case
    if len(x_shape) == 4:
        x_shape = (w_shape[0],) + x_shape[1:]
    groups = kwargs.get("groups", 1)
    bias = RNG.standard_normal(w_shape[1] * groups)
    return [RNG.standard_normal(s).astype(dtype) for s in (x_shape, w_shape)] + [
        bias.astype(dtype)
    ], kwargs


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_matches_torch(case, dtype):
    arrays, kwargs = _arrays(case, dtype)
    results = []
    for lib in (tg, torch):
        x, w, b = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.nn.functional.conv_transpose3d(x, w, b, **kwargs)
        upstream = np.random.default_rng(7).standard_normal(tuple(out.shape)).astype(dtype)
        out.backward(lib.tensor(upstream))
        results.append((out, [t.grad for t in (x, w, b)]))
    (ours, our_grads), (theirs, their_grads) = results
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.grad_fn is not None
    pairs = [(ours.detach(), theirs.detach())] + list(zip(our_grads, their_grads))
    for mine, ref in pairs:
        ref = ref.numpy()
        # sums of many products: float32 entries that cancel are judged at the largest's scale
        atol = 1e-5 * np.abs(ref).max() if dtype == np.float32 else None
        assert_close(mine.numpy(), ref, dtype=dtype, atol=atol)


@pytest.mark.parametrize("case", CASES[1:4])
def test_gradcheck_and_gradgradcheck(case):
    arrays, kwargs = _arrays(case)
    inputs = [tg.tensor(a[..., :2] if a.ndim == 5 else a, requires_grad=True) for a in arrays]

    def fn(x, w, b):
        return tg.nn.functional.conv_transpose3d(x, w, b, **kwargs)

    assert tg.autograd.gradcheck(fn, inputs)
    assert tg.autograd.gradgradcheck(fn, inputs)


def test_torch_level_name():
    arrays, kwargs = _arrays(CASES[0])
    ours = tg.conv_transpose3d(*[tg.tensor(a) for a in arrays], **kwargs)
    theirs = torch.conv_transpose3d(*[torch.tensor(a) for a in arrays], **kwargs)
    assert_close(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 3},
        {"kernel_size": (2, 3, 2), "stride": 2, "groups": 2, "bias": False},
        {"kernel_size": 2, "padding": 1, "output_padding": (1, 0, 1), "stride": 2},
    ],
)
def test_layer_init_state_dict_repr_and_forward(kwargs):
    layers = []
    for lib in (tg, torch):
        lib.manual_seed(0)
        layers.append(lib.nn.ConvTranspose3d(4, 6, **kwargs))
    ours, theirs = layers
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key].numpy(), value.numpy(), what=key)
    x = RNG.standard_normal((2, 4, 3, 2, 3)).astype(np.float32)
    assert_close(ours(tg.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy())


def test_layer_output_size():
    x = RNG.standard_normal((1, 2, 3, 3, 3)).astype(np.float32)
    for lib in (tg, torch):
        lib.manual_seed(0)
        layer = lib.nn.ConvTranspose3d(2, 2, 3, stride=2)
        assert tuple(layer(lib.tensor(x), output_size=(8, 7, 8)).shape) == (1, 2, 8, 7, 8)
        with pytest.raises(ValueError):
            layer(lib.tensor(x), output_size=(10, 7, 8))


@pytest.mark.parametrize(
    "make",
    [
        lambda L: (L.randn(3, 4, 5), L.randn(4, 3, 2, 3, 2), {}),
        lambda L: (L.randn(1, 4, 3, 4, 5), L.randn(4, 3, 2, 2, 2), {"output_padding": 2}),
        lambda L: (L.randn(1, 4, 3, 4, 5), L.randn(4, 3, 2, 2, 2), {"stride": 0}),
        lambda L: (L.randn(1, 4, 3, 4, 5), L.randn(3, 3, 2, 2, 2), {}),
        lambda L: (L.randn(1, 4, 1, 1, 1), L.randn(4, 3, 2, 2, 2), {"padding": 2}),
    ],
)
def test_errors_as_torch(make):
    messages = []
    for lib in (torch, tg):
        x, w, kwargs = make(lib)
        with pytest.raises(RuntimeError) as info:
            lib.nn.functional.conv_transpose3d(x, w, **kwargs)
        messages.append(str(info.value).replace("torch.", "").replace("tinygrad_nn.", ""))
    assert messages[0].split("\n")[0] == messages[1].split("\n")[0]
