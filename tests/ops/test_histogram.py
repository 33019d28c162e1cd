"""torch.histc and torch.histogram against PyTorch: counts, edges, dtypes, weights, density,
values on edges (the last edge belongs to the last bin), values outside the range and NaN
(not counted), an empty range (widened), empty inputs, and PyTorch's errors."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64"]


def _pair(array):
    return tg.tensor(array), torch.tensor(array)


def _samples(dtype, seed):
    """Data with values on and near the edges of the bins the tests use."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    data = rng.uniform(-3, 5, n)
    data[rng.random(n) < 0.3] = np.round(data[rng.random(n) < 0.3][:1] * 4) / 4 if n else 0
    data = np.concatenate([data, np.arange(-3, 5.25, 0.25), [-3.0, 5.0, 5.0, 0.1, 0.7]])
    return data.astype(dtype)


def _same(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# ---------------------------------------------------------------------- histc


@pytest.mark.parametrize("dtype", DTYPES + ["float16"])
@pytest.mark.parametrize("seed", range(12))
def test_histc_random(dtype, seed):
    rng = np.random.default_rng(100 + seed)
    ours, theirs = _pair(_samples(dtype, seed))
    bins = int(rng.integers(1, 40))
    low, high = sorted(rng.choice([-3.0, -1.5, 0.0, 0.1, 0.7, 2.0, 5.0, 4.9], 2, replace=False))
    for args in [(bins,), (bins, low, high), (bins, 0, 0), (bins, 2.0, 2.0)]:
        _same(tg.histc(ours, *args), torch.histc(theirs, *args))
        _same(ours.histc(*args), theirs.histc(*args))


def test_histc_edges_and_outside():
    ours, theirs = _pair(np.array([0.0, 1.0, 2.0, 2.0, 3.0, 5.0, -1.0, 7.0, np.nan], "float32"))
    for kwargs in [
        {"bins": 5, "min": 0, "max": 5},
        {"bins": 4, "min": 1, "max": 3},
        {"bins": 1, "min": 2, "max": 3},
        {"bins": 3, "min": -1, "max": 7},
    ]:
        _same(tg.histc(ours, **kwargs), torch.histc(theirs, **kwargs))


@pytest.mark.parametrize("data", [[], [2.5], [1.0, 1.0, 1.0], [-0.0, 0.0]])
def test_histc_degenerate_range(data):
    ours, theirs = _pair(np.array(data, "float32"))
    for args in [(4,), (4, 1, 1), (3, 0, 0)]:
        _same(tg.histc(ours, *args), torch.histc(theirs, *args))


def test_histc_2d_input_is_flattened():
    ours, theirs = _pair(np.arange(12.0).reshape(3, 4))
    _same(tg.histc(ours, 5), torch.histc(theirs, 5))


@pytest.mark.parametrize(
    "call, kind, message",
    [
        (
            lambda lib: lib.histc(lib.tensor([1, 2]), 3),
            NotImplementedError,
            "\"histogram_cpu\" not implemented for 'Long'",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1, 2], dtype=lib.int32), 3),
            NotImplementedError,
            "\"histogram_cpu\" not implemented for 'Int'",
        ),
        (
            lambda lib: lib.histc(lib.tensor([True]), 3),
            NotImplementedError,
            "\"linspace_cpu\" not implemented for 'Bool'",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1.0]), 0),
            RuntimeError,
            "torch.histogram(): bins must be > 0, but got 0 for dimension 0",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1.0]), -1),
            RuntimeError,
            "torch.histogram(): bins must be > 0, but got -1 for dimension 0",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1.0]), 4, 3, 1),
            RuntimeError,
            "torch.histc: max must be larger than min",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1.0]), 4, min=1.5),
            RuntimeError,
            "torch.histc: max must be larger than min",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1.0]), 4, 0, math.inf),
            RuntimeError,
            "torch.histc: range of [0, inf] is not finite",
        ),
        (
            lambda lib: lib.histc(lib.tensor([0.0, math.inf]), 2),
            RuntimeError,
            "torch.histc: range of [0, inf] is not finite",
        ),
        (
            lambda lib: lib.histc(lib.tensor([0.0, math.nan]), 2),
            RuntimeError,
            "torch.histc: range of [-nan, -nan] is not finite",
        ),
        (
            lambda lib: lib.histc(lib.tensor([1.0]), 4.0),
            TypeError,
            "histc(): argument 'bins' (position 2) must be int, not float",
        ),
    ],
)
def test_histc_errors(call, kind, message):
    for lib in (tg, torch):
        with pytest.raises(kind) as info:
            call(lib)
        assert str(info.value) == message


# ---------------------------------------------------------------------- histogram


def _check_histogram(ours, theirs, ours_in, theirs_in, **kwargs):
    """Edges as PyTorch's linspace gives them; counts as PyTorch bins the data on our edges
    (equal to its own result wherever the two linspaces agree, which `edges_equal` reports)."""
    assert type(ours).__name__ == "histogram" and ours._fields == ("hist", "bin_edges")
    hist, edges = ours
    # PyTorch's vectorised linspace rounds some inner edges differently: a few ulps of the range
    scale = 8 * np.finfo(edges.numpy().dtype).eps * np.abs(theirs.bin_edges.numpy()).max()
    np.testing.assert_allclose(edges.numpy(), theirs.bin_edges.numpy(), rtol=0, atol=scale)
    on_our_edges = torch.histogram(theirs_in, torch.from_numpy(edges.numpy().copy()), **kwargs)
    _same(hist, on_our_edges.hist)
    if np.array_equal(edges.numpy(), theirs.bin_edges.numpy()):
        _same(hist, theirs.hist)
        _same(edges, theirs.bin_edges)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(12))
def test_histogram_bins_as_number(dtype, seed):
    rng = np.random.default_rng(200 + seed)
    data = _samples(dtype, seed)
    ours_in, theirs_in = _pair(data)
    bins = int(rng.integers(1, 40))
    weight = rng.integers(0, 4, data.size).astype(dtype)
    variants = [
        {},
        {"range": (-2.0, 3.0)},
        {"range": (0.1, 0.7)},
        {"density": True},
        {"weight": weight},
        {"weight": weight, "density": True, "range": (-1, 4)},
    ]
    for kwargs in variants:
        ours_kw = {k: tg.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
        theirs_kw = {k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
        ours = tg.histogram(ours_in, bins, **ours_kw)
        theirs = torch.histogram(theirs_in, bins, **theirs_kw)
        rest = {k: v for k, v in theirs_kw.items() if k != "range"}
        _check_histogram(ours, theirs, ours_in, theirs_in, **rest)
        _check_histogram(ours_in.histogram(bins, **ours_kw), theirs, ours_in, theirs_in, **rest)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "edges",
    [
        [0.0, 1.0, 2.5, 5.0],
        [-3.0, 5.0],
        [0.1, 0.2, 0.7],
        [0.0, 3.0, 1.0],
        [1.0, 1.0],
        [2.0, 2.0, 2.0, 4.0],
    ],
)
def test_histogram_bins_as_edges(dtype, edges):
    data = _samples(dtype, 7)
    ours_in, theirs_in = _pair(data)
    weight = np.linspace(0.5, 2.0, data.size).astype(dtype)
    for kwargs in [{}, {"density": True}, {"weight": weight}]:
        ours_kw = {k: tg.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
        theirs_kw = {k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
        ours = tg.histogram(ours_in, tg.tensor(np.array(edges, dtype)), **ours_kw)
        theirs = torch.histogram(theirs_in, torch.tensor(np.array(edges, dtype)), **theirs_kw)
        for a, b in zip(ours, theirs):
            _same(a, b)


@pytest.mark.parametrize(
    "data", [[], [1.0], [1.0, 1.0], [0.0, 1.0, 2.0, 2.0, 3.0, 5.0], [np.nan, 1.0, 2.0]]
)
def test_histogram_degenerate(data):
    ours_in, theirs_in = _pair(np.array(data, "float32"))
    kwargs_list = [{"range": (1.0, 1.0)}, {"range": (0, 4)}]
    if not np.isnan(data).any():
        kwargs_list.append({})
    for kwargs in kwargs_list:
        ours, theirs = tg.histogram(ours_in, 3, **kwargs), torch.histogram(theirs_in, 3, **kwargs)
        for a, b in zip(ours, theirs):
            _same(a, b)


def test_histogram_shapes_are_flattened():
    ours_in, theirs_in = _pair(np.arange(6.0).reshape(2, 3))
    for weight in (np.ones((2, 3)), np.ones(6)):
        ours = tg.histogram(ours_in, 3, weight=tg.tensor(weight))
        theirs = torch.histogram(theirs_in, 3, weight=torch.tensor(weight))
        for a, b in zip(ours, theirs):
            _same(a, b)


def _f(lib, data=(0.0, 1.0, 2.0)):
    return lib.tensor(list(data))


@pytest.mark.parametrize(
    "call, kind, message",
    [
        (
            lambda lib: lib.histogram(lib.tensor([1, 2]), 3),
            NotImplementedError,
            "\"histogramdd\" not implemented for 'Long'",
        ),
        (
            lambda lib: lib.histogram(_f(lib).half(), 3),
            NotImplementedError,
            "\"histogramdd\" not implemented for 'Half'",
        ),
        (
            lambda lib: lib.histogram(_f(lib), 0),
            RuntimeError,
            "torch.histogram(): bins must be > 0, but got 0 for dimension 0",
        ),
        (
            lambda lib: lib.histogram(_f(lib), lib.tensor([1.0])),
            RuntimeError,
            "torch.histogram(): bins must be > 0, but got 0 for dimension 0",
        ),
        (
            lambda lib: lib.histogram(_f(lib), 3, range=(2.0, 1.0)),
            RuntimeError,
            "torch.histogramdd: min should not exceed max, but got min 2 max 1 for dimension 0",
        ),
        (
            lambda lib: lib.histogram(_f(lib), 3, range=(0, math.inf)),
            RuntimeError,
            "torch.histogramdd: dimension 0's range [0, inf] is not finite",
        ),
        (
            lambda lib: lib.histogram(_f(lib, (0.0, math.nan)), 2),
            RuntimeError,
            "torch.histogramdd: dimension 0's range [nan, nan] is not finite",
        ),
        (
            lambda lib: lib.histogram(_f(lib), 3, range=(0, 4, 5)),
            RuntimeError,
            (
                "torch.histogramdd: for a 1-dimensional histogram range should have 2 "
                "elements, but got 3"
            ),
        ),
        (
            lambda lib: lib.histogram(_f(lib), lib.tensor([0.0, 3.0], dtype=lib.float64)),
            RuntimeError,
            (
                "torch.histogramdd: input tensor and bins tensors should have the same "
                "dtype, but got input with dtype float and bins for dimension 0 with dtype "
                "double"
            ),
        ),
        (
            lambda lib: lib.histogram(_f(lib), lib.tensor([[0.0, 1.0]])),
            RuntimeError,
            (
                "torch.histogramdd: bins tensor should have one dimension, but got 2 "
                "dimensions in the bins tensor for dimension 0"
            ),
        ),
        (
            lambda lib: lib.histogram(_f(lib), lib.tensor([])),
            RuntimeError,
            (
                "torch.histogramdd: bins tensor should have at least 1 element, but got 0 "
                "elements in the bins tensor for dimension 0"
            ),
        ),
        (
            lambda lib: lib.histogram(_f(lib), 3, weight=lib.ones(5)),
            RuntimeError,
            (
                "torch.histogramdd: if weight tensor is provided it should have the same "
                "shape as the input tensor excluding its innermost dimension, but got input "
                "with shape [3, 1] and weight with shape [5]"
            ),
        ),
        (
            lambda lib: lib.histogram(_f(lib), 3, weight=lib.ones(3, dtype=lib.float64)),
            RuntimeError,
            (
                "torch.histogramdd: if weight tensor is provided, input tensor and "
                "weight tensor should have the same dtype, but got input(float), and "
                "weight(double)"
            ),
        ),
    ],
)
def test_histogram_errors(call, kind, message):
    for lib in (tg, torch):
        with pytest.raises(kind) as info:
            call(lib)
        assert str(info.value) == message


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.histogram(_f(lib), 3.0),
        lambda lib: lib.histogram(_f(lib), lib.tensor([0.0, 1.0]), range=(0.0, 1.0)),
    ],
)
def test_histogram_type_errors(call):
    for lib in (tg, torch):
        with pytest.raises(TypeError):
            call(lib)


def test_no_gradient_is_recorded():
    x = tg.tensor([0.5, 1.5, 2.5], requires_grad=True)
    for out in (tg.histc(x, 3), *tg.histogram(x, 3)):
        assert out.grad_fn is None and not out.requires_grad
