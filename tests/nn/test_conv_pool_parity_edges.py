"""Convolution and pooling against PyTorch where the window ops take shortcuts: every case
compares forward values and gradients with PyTorch's, and the create_graph backward with the
plain one, bit for bit (tests/parity.py). Then PyTorch's exact numbers: max pooling's first
maximum on ties, NaN windows, -inf windows next to the padding, infinite gradients, in-place
changes after the op, the convolution's node, and the memory the graph keeps."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.parity import assert_matches_torch, run
from tinygrad_nn.autograd import gradcheck, gradgradcheck
from tinygrad_nn.ops import window

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]


def _assert_same(fn, arrays, seed=0):
    """fn(lib, *leaves) gives PyTorch's values and gradients, with and without create_graph."""
    assert_matches_torch(fn, arrays, seed)


def _sample(shape, dtype, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _ties(shape, dtype, seed=2):
    """Small integers: max pooling windows full of ties, zeros among them."""
    return np.random.default_rng(seed).integers(-2, 3, shape).astype(dtype)


# ------------------------------------------------------------------ convolution

CONVS = {
    "plain": ((2, 3, 7, 6), (4, 3, 3, 3), {}),
    "stride_padding": ((2, 3, 8, 7), (4, 3, 3, 2), {"stride": 2, "padding": 1}),
    "dilation": (
        (1, 3, 9, 9),
        (2, 3, 2, 3),
        {"stride": (1, 3), "padding": (2, 0), "dilation": (2, 1)},
    ),
    "groups_same": ((2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": "same"}),
    "depthwise": ((2, 3, 5, 5), (3, 1, 3, 3), {"groups": 3, "stride": 2}),
    "one_by_one": ((2, 3, 4, 5), (5, 3, 1, 1), {}),
    "unbatched": ((3, 6, 6), (2, 3, 3, 3), {}),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(CONVS))
def test_conv2d(name, dtype):
    x_shape, w_shape, kwargs = CONVS[name]
    x, w, b = _sample(x_shape, dtype, 1), _sample(w_shape, dtype, 2), _sample(w_shape[:1], dtype)
    _assert_same(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kwargs), [x, w, b])
    _assert_same(lambda lib, x, w: lib.nn.functional.conv2d(x, w, **kwargs), [x, w])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_conv1d_and_a_constant_input(dtype):
    x, w, b = _sample((2, 4, 11), dtype, 1), _sample((6, 2, 3), dtype, 2), _sample((6,), dtype)

    def conv(lib, x, w, b):
        return lib.nn.functional.conv1d(x, w, b, 2, 2, 2, 2)

    _assert_same(conv, [x, w, b])
    # only the weight and bias learn (a first layer): the input is no leaf that requires grad
    _assert_same(lambda lib, w, b: conv(lib, lib.tensor(x), w, b), [w, b])


def test_conv_input_gradient_only():
    x, w = _sample((2, 2, 5, 5), np.float32), _sample((3, 2, 2, 2), np.float32, 3)
    _assert_same(lambda lib, x: lib.nn.functional.conv2d(x, lib.tensor(w), stride=2), [x])


# ------------------------------------------------------------------ pooling

POOLS = {
    "tiled": lambda lib, x: lib.nn.functional.max_pool2d(x, 2),
    "tiled_remainder": lambda lib, x: lib.nn.functional.max_pool2d(x, 2),  # 7 x 9: rows left
    "disjoint_gaps": lambda lib, x: lib.nn.functional.max_pool2d(x, 2, stride=3),
    "overlapping": lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    "dilation": lambda lib, x: lib.nn.functional.max_pool2d(x, (3, 2), 1, dilation=(2, 1)),
    "indices": lambda lib, x: lib.nn.functional.max_pool2d(x, 2, 1, 1, return_indices=True),
    "tiled_indices": lambda lib, x: lib.nn.functional.max_pool2d(x, 2, return_indices=True),
    "pool1d": lambda lib, x: lib.nn.functional.max_pool1d(x.flatten(2), 3, 2, 1),
    "avg": lambda lib, x: lib.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True),
    "avg_no_pad": lambda lib, x: lib.nn.functional.avg_pool2d(
        x, (3, 2), (2, 1), (1, 1), count_include_pad=False
    ),
    "module": lambda lib, x: lib.nn.MaxPool2d(3, 2)(x),
}
SHAPES = {"tiled_remainder": (2, 3, 7, 9)}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(POOLS))
def test_pooling_with_ties(name, dtype):
    shape = SHAPES.get(name, (2, 3, 8, 8))
    _assert_same(POOLS[name], [_ties(shape, dtype)])
    _assert_same(POOLS[name], [_sample(shape, dtype)])


def test_pooling_nan_windows_and_infinite_gradients():
    x = _sample((1, 2, 6, 6), np.float64)
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = x[0, 1, 3, 2] = np.nan
    _assert_same(POOLS["tiled"], [x])
    _assert_same(POOLS["overlapping"], [x])
    for fn in (POOLS["tiled"], POOLS["overlapping"]):
        x = _sample((1, 2, 6, 6), np.float64)
        with tg.no_grad():
            g = np.ones(tuple(fn(tg, tg.tensor(x)).shape))
        g[0, 0, 1, 1], g[0, 1, 2, 0] = np.inf, -np.inf
        (their_grad,) = run(torch, fn, [x], g)[1]
        for create_graph in (False, True):
            (grad,) = run(tg, fn, [x], g, create_graph=create_graph)[1]
            assert np.isinf(grad).sum() == 2 and not np.isnan(grad).any()
            np.testing.assert_array_equal(grad, their_grad)


def test_unfold_and_fold_functional():
    x = _sample((2, 3, 6, 5), np.float64)

    def unfold(lib, x):
        return lib.nn.functional.unfold(x, (2, 3), 2, 1, (2, 1))

    _assert_same(unfold, [x])
    with tg.no_grad():
        cols = unfold(tg, tg.tensor(x)).numpy()

    def fold(lib, c):
        return lib.nn.functional.fold(c, (6, 5), (2, 3), 2, 1, (2, 1))

    _assert_same(fold, [cols])


def test_the_raw_window_ops_pass_gradcheck():
    """The primitives conv and pooling compose (no PyTorch twin): finite differences, twice."""
    x = tg.tensor(_sample((1, 2, 5, 6), np.float64), requires_grad=True)
    kernel, stride, dilation = (2, 3), (2, 1), (1, 2)
    windows = window.window_view(x.detach().numpy(), kernel, stride, dilation)
    cols = tg.tensor(np.ascontiguousarray(windows), requires_grad=True)
    choice = np.random.default_rng(0).integers(0, 6, windows.shape[:4])
    g = tg.tensor(_sample(windows.shape[:4], np.float64), requires_grad=True)
    cases = [
        (lambda t: window.Unfold.apply(t, kernel, stride, dilation), x),
        (lambda c: window.Fold.apply(c, tuple(x.shape), stride, dilation), cols),
        (lambda t: window.WindowMax.apply(t, kernel, stride, dilation)[0], x),  # the values
        (lambda t: window.WindowPick.apply(t, kernel, stride, dilation, choice), x),
        (
            lambda c: window.WindowPlace.apply(c, tuple(x.shape), kernel, stride, dilation, choice),
            g,
        ),
    ]
    for fn, leaf in cases:
        assert gradcheck(fn, (leaf,)) and gradgradcheck(fn, (leaf,))


def test_a_small_cnn_step():
    """W5's layers: conv, ReLU (ties at zero), pooling, flatten, linear, cross-entropy."""

    def net(lib, x, w, b, fw, fb):
        h = lib.nn.functional.max_pool2d(lib.relu(lib.nn.functional.conv2d(x, w, b)), 2)
        logits = lib.nn.functional.linear(h.flatten(1), fw, fb)
        return lib.nn.functional.cross_entropy(logits, lib.tensor([1, 0, 3]))

    rng = np.random.default_rng(5)
    arrays = [
        rng.standard_normal(s).astype(np.float32)
        for s in [(3, 1, 10, 10), (4, 1, 3, 3), (4,), (5, 64), (5,)]
    ]
    _assert_same(net, arrays)
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    net(tg, *ours).backward()
    net(torch, *theirs).backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ PyTorch's numbers


def _both(fn, x: np.ndarray, upstream: np.ndarray | None = None):
    """fn(lib, x) and x's gradient in both libraries (ours first), forward outputs included."""
    results = []
    for lib in (tg, torch):
        leaf = lib.tensor(x, requires_grad=True)
        out = fn(lib, leaf)
        first = out[0] if isinstance(out, tuple) else out
        g = np.ones(tuple(first.shape)) if upstream is None else upstream
        first.backward(lib.tensor(g, dtype=first.dtype))
        outs = out if isinstance(out, tuple) else (out,)
        results.append(([o.detach().numpy() for o in outs], leaf.grad.numpy()))
    return results


@pytest.mark.parametrize("name", ["tiled", "tiled_remainder", "disjoint_gaps", "overlapping",
                                  "dilation", "indices", "tiled_indices", "pool1d"])  # fmt: skip
def test_max_pooling_gives_ties_to_the_first_maximum_as_pytorch(name):
    x = _ties(SHAPES.get(name, (2, 3, 8, 8)), np.float64)
    (ours, grad), (theirs, their_grad) = _both(POOLS[name], x)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(grad, their_grad)  # exact: integer gradients, added up


def test_nan_windows_send_the_gradient_to_the_last_nan_as_pytorch():
    x = _sample((1, 1, 6, 6), np.float64)
    x[0, 0, 0, 0] = x[0, 0, 1, 1] = x[0, 0, 4, 5] = x[0, 0, 2, 2] = np.nan
    for fn in (POOLS["tiled"], POOLS["overlapping"], POOLS["indices"]):
        (ours, grad), (theirs, their_grad) = _both(fn, x)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(grad, their_grad)


def test_windows_of_minus_infinity_never_choose_the_padding():
    x = np.full((1, 1, 3, 3), -np.inf)
    x[0, 0, 2, 2] = 1.0
    for fn in (POOLS["indices"], lambda lib, x: lib.nn.functional.max_pool2d(x, 2, padding=1)):
        (ours, grad), (theirs, their_grad) = _both(fn, x)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(grad, their_grad)


def test_an_infinite_gradient_reaches_only_the_maximum():
    x = _sample((1, 1, 4, 4), np.float32)
    g = np.array([[[[np.inf, 1.0], [-np.inf, 2.0]]]], np.float32)
    (_, grad), (_, their_grad) = _both(POOLS["tiled"], x, g)
    np.testing.assert_array_equal(grad, their_grad)


def test_the_pooled_output_may_change_in_place_but_not_the_input():
    x = _sample((1, 2, 4, 4), np.float64)

    def pool_then_change(lib, x):
        y = lib.nn.functional.max_pool2d(x * 1, 2)
        y.mul_(-3)  # the maxima backward compares the windows with are not y's any more
        y.data[0, 0, 0, 0] = 7.0  # nor through .data, which no version counter sees
        return y

    (ours, grad), (theirs, their_grad) = _both(pool_then_change, x)
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(grad, their_grad)
    for lib in (tg, torch):
        h = lib.tensor(x, requires_grad=True) * 1
        y = lib.nn.functional.max_pool2d(h, 2)
        h.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_convolution_is_one_node_as_in_pytorch():
    w = tg.zeros(2, 1, 3, 3, requires_grad=True)
    x = tg.zeros(1, 1, 5, 5, requires_grad=True)
    y = tg.nn.functional.conv2d(x, w)
    assert y.grad_fn.name() == "ConvolutionBackward0"
    nodes = [node for node, _ in y.grad_fn.next_functions]
    assert nodes[0].variable is x and nodes[1].variable is w and nodes[2] is None
    b = tg.zeros(2, requires_grad=True)
    y = tg.nn.functional.conv2d(x.detach(), w, b)
    nodes = [node for node, _ in y.grad_fn.next_functions]
    assert nodes[0] is None and nodes[1].variable is w and nodes[2].variable is b


def test_conv_input_may_not_change_before_backward_as_in_pytorch():
    for lib in (tg, torch):
        x = lib.ones(1, 1, 4, 4) * 1
        w = lib.ones(1, 1, 2, 2, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w)
        x.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_conv_bias_of_the_wrong_size_raises_pytorchs_error():
    for lib in (tg, torch):
        message = r"expected bias to be 1-dimensional with 8 elements, but got bias of size \[5\]"
        with pytest.raises(RuntimeError, match=message):
            lib.nn.functional.conv2d(lib.zeros(1, 1, 5, 5), lib.zeros(8, 1, 3, 3), lib.zeros(5))


def test_convolution_keeps_no_columns_for_backward():
    """The columns are kernel-size times bigger than x: the graph keeps x, not them."""
    x = tg.tensor(_sample((8, 4, 32, 32), np.float32))
    w = tg.tensor(_sample((4, 4, 3, 3), np.float32), requires_grad=True)
    tracemalloc.start()
    try:
        y = tg.nn.functional.conv2d(x, w)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    columns = 8 * 4 * 9 * 30 * 30 * 4
    assert kept < y.numel() * 4 + columns // 4
    y.sum().backward()
    assert w.grad.shape == w.shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 3), (3, 2)])
def test_max_pool_gradient_has_torchs_bits_signed_zeros_included(dtype, kernel, stride):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 9, 9)).astype(dtype)
    with torch.no_grad():
        shape = tuple(torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride).shape)
    g = rng.standard_normal(shape).astype(dtype)
    g.flat[:4] = [np.inf, np.nan, -0.0, -1.0]
    grads = []
    for lib in (tg, torch):
        t = lib.tensor(x, requires_grad=True)
        lib.nn.functional.max_pool2d(t, kernel, stride).backward(lib.tensor(g))
        grads.append(t.grad.numpy())
    if kernel == stride:  # disjoint windows: each element gets one gradient, bit for bit
        np.testing.assert_array_equal(grads[0], grads[1])
    else:  # overlapping windows sum their gradients, in another order than PyTorch's
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    zeros = grads[1] == 0
    np.testing.assert_array_equal(np.signbit(grads[0][zeros]), np.signbit(grads[1][zeros]))
