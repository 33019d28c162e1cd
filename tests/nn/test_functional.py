"""nn.functional against torch.nn.functional: values and gradients of every function
(float32 and float64), their option combinations, and their errors."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import assert_close_scaled, to_ours, to_torch

torch = pytest.importorskip("torch")

F = tg.nn.functional
TF = torch.nn.functional
DTYPES = [np.float32, np.float64]


def _arrays(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _compare(fn, arrays, dtype, grads=None, seed=1):
    """fn(lib, *tensors) in both libraries; compare the outputs and the gradients."""
    grads = range(len(arrays)) if grads is None else grads
    ours = [to_ours(a, i in grads) for i, a in enumerate(arrays)]
    theirs = [to_torch(a, i in grads) for i, a in enumerate(arrays)]
    out, pout = fn(tg, *ours), fn(torch, *theirs)
    assert out.dtype.name == str(pout.dtype).replace("torch.", "")
    assert_close_scaled(out.detach().numpy(), pout.detach().numpy(), "output")
    g = np.random.default_rng(seed).standard_normal(tuple(pout.shape)).astype(dtype)
    (out * to_ours(g)).sum().backward()
    (pout * to_torch(g)).sum().backward()
    for i in grads:
        assert_close_scaled(ours[i].grad.numpy(), theirs[i].grad.numpy(), f"grad {i}")


ACTIVATIONS = [
    ("relu", lambda lib, x: lib.nn.functional.relu(x)),
    ("leaky_relu", lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1)),
    ("elu", lambda lib, x: lib.nn.functional.elu(x, alpha=1.3)),
    ("gelu", lambda lib, x: lib.nn.functional.gelu(x)),
    ("gelu_tanh", lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh")),
    ("silu", lambda lib, x: lib.nn.functional.silu(x)),
    ("sigmoid", lambda lib, x: lib.nn.functional.sigmoid(x)),
    ("tanh", lambda lib, x: lib.nn.functional.tanh(x)),
    ("softplus", lambda lib, x: lib.nn.functional.softplus(x, beta=3, threshold=2)),
    ("softmax", lambda lib, x: lib.nn.functional.softmax(x, dim=0)),
    ("log_softmax", lambda lib, x: lib.nn.functional.log_softmax(x, 1)),
    ("softmax_dtype", lambda lib, x: lib.nn.functional.softmax(x, -1, dtype=lib.float64)),
    ("normalize", lambda lib, x: lib.nn.functional.normalize(x)),
    ("normalize_p1", lambda lib, x: lib.nn.functional.normalize(x, p=1.0, dim=0)),
    # the in-place forms, on a non-leaf so autograd allows them
    ("relu_", lambda lib, x: lib.nn.functional.relu(x * 1, inplace=True)),
    ("leaky_relu_", lambda lib, x: lib.nn.functional.leaky_relu(x * 1, 0.1, inplace=True)),
    ("elu_", lambda lib, x: lib.nn.functional.elu(x * 1, inplace=True)),
    ("silu_", lambda lib, x: lib.nn.functional.silu(x * 1, inplace=True)),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name,fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations(name, fn, dtype):
    (x,) = _arrays([(6, 5)], dtype)
    x[0, :3] = 0.0  # the kinks
    x[1, 0], x[1, 1] = 90.0, -90.0  # exp overflows in float32 beyond 88: must not leak NaNs
    _compare(fn, [x], dtype)


def test_inplace_activation_writes_into_its_input():
    x = tg.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    y = tg.tensor([-1.0, 2.0])
    assert F.leaky_relu(y, 0.5, inplace=True) is y and y.tolist() == [-0.5, 2.0]


def test_softmax_without_dim_warns_and_picks_torchs_dim():
    for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        (x,) = _arrays([shape], np.float32)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            out = F.softmax(to_ours(x))
        with pytest.warns(UserWarning):
            expected = TF.softmax(to_torch(x))
        assert_close_scaled(out.numpy(), expected.numpy())
    with pytest.warns(UserWarning, match="log_softmax"):
        F.log_softmax(tg.zeros(2, 2))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_linear(dtype):
    x, w, b = _arrays([(4, 3), (5, 3), (5,)], dtype)
    _compare(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b), [x, w, b], dtype)
    (x3,) = _arrays([(2, 4, 3)], dtype)
    _compare(lambda lib, x, w: lib.nn.functional.linear(x, w), [x3, w], dtype)


def test_linear_width_error_names_both_shapes():
    for shape, rows in (((4, 3), 4), ((2, 4, 3), 8), ((3,), 1)):
        with pytest.raises(
            RuntimeError,
            match=rf"mat1 and mat2 shapes cannot be multiplied "
            rf"\({rows}x3 and 2x5\)",
        ):
            tg.nn.Linear(2, 5)(tg.zeros(*shape))
        with pytest.raises(RuntimeError, match=rf"\({rows}x3 and 2x5\)"):
            torch.nn.Linear(2, 5)(torch.zeros(*shape))


def test_dropout_functional_flags():
    x = tg.ones(4, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            F.dropout(x, p)
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            tg.nn.Dropout(p)
    y = tg.ones(100) * 1
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y and set(np.unique(y.numpy())) <= {0.0, 2.0}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_layer_norm_and_batch_norm_functional(dtype):
    x, w, b = _arrays([(3, 4, 5), (4, 5), (4, 5)], dtype)
    _compare(
        lambda lib, x, w, b: lib.nn.functional.layer_norm(x, (4, 5), w, b, 1e-3), [x, w, b], dtype
    )
    _compare(lambda lib, x: lib.nn.functional.layer_norm(x, [5]), [x], dtype)
    xb, wb, bb = _arrays([(6, 4, 3), (4,), (4,)], dtype, seed=2)
    stats = {
        lib: (
            lib.zeros(4, dtype=getattr(lib, np.dtype(dtype).name)),
            lib.ones(4, dtype=getattr(lib, np.dtype(dtype).name)),
        )
        for lib in (tg, torch)
    }

    def bn(lib, x, w, b):
        mean, var = stats[lib]
        return lib.nn.functional.batch_norm(x, mean, var, w, b, training=True, momentum=0.3)

    _compare(bn, [xb, wb, bb], dtype)
    for ours, theirs in zip(stats[tg], stats[torch]):
        assert_close_scaled(ours.numpy(), theirs.numpy(), "running statistics")

    def bn_eval(lib, x):
        return lib.nn.functional.batch_norm(x, *stats[lib], eps=1e-3)

    _compare(bn_eval, [xb], dtype)
    _compare(lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), [xb], dtype)


def test_norm_errors_match_torch():
    with pytest.raises(
        RuntimeError,
        match=r"Given normalized_shape=\[3\], expected input with "
        r"shape \[\*, 3\], but got input of size\[4, 4\]",
    ):
        tg.nn.LayerNorm(3)(tg.zeros(4, 4))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        tg.nn.BatchNorm1d(3)(tg.zeros(4, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        tg.nn.BatchNorm1d(3)(tg.zeros(1, 3))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        tg.nn.BatchNorm1d(3)(tg.zeros(4, 3, 2, 2))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        tg.nn.BatchNorm2d(3)(tg.zeros(4, 3))
    _same_error(lambda lib: lib.nn.LayerNorm(3)(lib.ones(2, 3, dtype=lib.float64)))
    _same_error(lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, dtype=lib.float64)))
    _same_error(lambda lib: lib.nn.BatchNorm1d(3).double()(lib.ones(2, 3)))
    _same_error(
        lambda lib: lib.nn.functional.layer_norm(
            lib.ones(2, 3), (3,), None, lib.ones(3, dtype=lib.float64)
        )
    )


CONVS = [
    ({}, (2, 3, 8, 7), (4, 3, 3, 3)),
    ({"stride": 2, "padding": 1}, (2, 3, 8, 7), (4, 3, 3, 2)),
    ({"stride": (1, 3), "padding": (2, 0), "dilation": (2, 1)}, (1, 3, 9, 9), (2, 3, 2, 3)),
    ({"groups": 3, "padding": "same"}, (2, 3, 6, 6), (6, 1, 3, 3)),
    ({"padding": "same", "dilation": 2}, (2, 2, 6, 7), (3, 2, 2, 2)),
    ({"padding": "valid"}, (2, 2, 6, 7), (3, 2, 2, 2)),
    ({}, (3, 6, 6), (2, 3, 3, 3)),  # unbatched
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("kwargs,x_shape,w_shape", CONVS)
def test_conv2d_functional(kwargs, x_shape, w_shape, dtype):
    x, w, b = _arrays([x_shape, w_shape, (w_shape[0],)], dtype)
    _compare(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kwargs), [x, w, b], dtype)
    _compare(lambda lib, x, w: lib.nn.functional.conv2d(x, w, **kwargs), [x, w], dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"stride": 2, "padding": 2, "dilation": 2, "groups": 2}, {"padding": "same"}]
)
def test_conv1d_functional(kwargs, dtype):
    x, w, b = _arrays([(2, 4, 11), (6, 4 // kwargs.get("groups", 1), 3), (6,)], dtype)
    _compare(lambda lib, x, w, b: lib.nn.functional.conv1d(x, w, b, **kwargs), [x, w, b], dtype)


def test_conv_errors_match_torch():
    cases = [
        lambda lib: lib.nn.Conv2d(1, 8, 3)(lib.zeros(32, 3, 28, 28)),
        lambda lib: lib.nn.Conv2d(1, 8, 3)(lib.zeros(2, 1, 2, 2)),
        lambda lib: lib.nn.Conv2d(1, 8, 3, dilation=2)(lib.zeros(1, 1, 4, 4)),
        lambda lib: lib.nn.Conv2d(1, 8, 3)(lib.zeros(2, 2)),
        lambda lib: lib.nn.Conv1d(2, 4, 3)(lib.zeros(1, 3, 10)),
        lambda lib: lib.nn.functional.conv2d(
            lib.zeros(1, 1, 5, 5), lib.zeros(1, 1, 3, 3), stride=2, padding="same"
        ),
        lambda lib: lib.nn.Conv2d(1, 8, 3, stride=2, padding="same"),
        lambda lib: lib.nn.Conv2d(3, 8, 3, groups=2),
        lambda lib: lib.nn.Conv2d(4, 6, 3, groups=4),
        lambda lib: lib.nn.Conv2d(4, 6, 3, groups=0),
    ]
    for case in cases:
        _same_error(case)
    # PyTorch prints the valid modes as a set, in no fixed order: compare the rest.
    with pytest.raises(
        ValueError, match="padding_mode must be one of .*, but got padding_mode='zero'"
    ):
        tg.nn.Conv2d(4, 6, 3, padding_mode="zero")
    with pytest.raises(ValueError, match="Invalid padding string 'full', should be one of"):
        tg.nn.Conv2d(1, 8, 3, padding="full")


def _same_error(case):
    with pytest.raises(Exception) as theirs:
        case(torch)
    with pytest.raises(theirs.type) as ours:
        case(tg)
    assert str(ours.value).replace("tinygrad_nn", "torch") == str(theirs.value)


POOLS = [
    ("max_pool2d", {"kernel_size": 2}),
    ("max_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("max_pool2d", {"kernel_size": (3, 2), "stride": (1, 2), "dilation": (2, 1)}),
    ("avg_pool2d", {"kernel_size": 2}),
    (
        "avg_pool2d",
        {
            "kernel_size": (3, 2),
            "stride": (2, 1),
            "padding": (1, 1),
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),
    ("avg_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ("avg_pool2d", {"kernel_size": 3, "divisor_override": 4}),
    ("adaptive_avg_pool2d", {"output_size": (3, 4)}),
    ("adaptive_avg_pool2d", {"output_size": 1}),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name,kwargs", POOLS)
@pytest.mark.parametrize("x_shape", [(2, 3, 7, 9), (3, 8, 6)])
def test_pooling_functional(name, kwargs, x_shape, dtype):
    (x,) = _arrays([x_shape], dtype)
    _compare(lambda lib, x: getattr(lib.nn.functional, name)(x, **kwargs), [x], dtype)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("max_pool1d", {"kernel_size": 3, "ceil_mode": True}),
        ("avg_pool1d", {"kernel_size": 3, "padding": 1}),
        ("adaptive_avg_pool1d", {"output_size": 4}),
    ],
)
def test_pooling_1d_functional(name, kwargs):
    (x,) = _arrays([(2, 3, 10)], np.float64)
    _compare(lambda lib, x: getattr(lib.nn.functional, name)(x, **kwargs), [x], np.float64)


def test_pooling_errors_match_torch():
    cases = [
        lambda lib: lib.nn.MaxPool2d(3, padding=2)(lib.zeros(1, 1, 8, 8)),
        lambda lib: lib.nn.AvgPool2d(3, padding=2)(lib.zeros(1, 1, 8, 8)),
        lambda lib: lib.nn.MaxPool2d((3, 5), padding=(1, 3))(lib.zeros(1, 1, 9, 9)),
        lambda lib: lib.nn.MaxPool2d(3, padding=2, dilation=2)(lib.zeros(1, 1, 9, 9)),
        lambda lib: lib.nn.MaxPool2d(3)(lib.zeros(1, 1, 2, 2)),
        lambda lib: lib.nn.MaxPool2d(3)(lib.zeros(5, 5)),
        lambda lib: lib.nn.functional.max_pool2d(lib.zeros(1, 1, 2, 2), 2, stride=0),
        lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.zeros(1, 1, 4, 4), (2, 2, 2)),
    ]
    for case in cases:
        _same_error(case)


PADS = [
    ((1, 2), "constant", 0.5),
    ((1, 0, 2, 1), "constant", None),
    ((-1, 2, 0, -1), "constant", None),
    ((1, 1, 1, 1, 1, 1), "constant", 2.0),
    ((2, 1), "reflect", None),
    ((2, 1, 1, 2), "reflect", None),
    ((-1, 2, 0, 0), "reflect", None),
    ((3, 2), "replicate", None),
    ((3, 2, 1, 4), "replicate", None),
    ((2, 3), "circular", None),
    ((3, 3, 1, 2), "circular", None),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("pad,mode,value", PADS)
def test_pad(pad, mode, value, dtype):
    shape = {2: (2, 3, 5), 4: (2, 3, 4, 5), 6: (1, 2, 3, 4, 5)}[len(pad)]
    (x,) = _arrays([shape], dtype)
    _compare(lambda lib, x: lib.nn.functional.pad(x, pad, mode=mode, value=value), [x], dtype)


def test_pad_errors_match_torch():
    cases = [
        lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 3, 3), (3, 3, 0, 0), mode="reflect"),
        lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 3, 3), (4, 4, 0, 0), mode="circular"),
        lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 3, 3), (1,)),
        lambda lib: lib.nn.functional.pad(lib.zeros(1, 1, 3, 3), (1, 1), mode="foo"),
        lambda lib: lib.nn.functional.pad(lib.zeros(3), (1, 1), mode="reflect"),
        lambda lib: lib.nn.functional.pad(lib.zeros(1, 2, 3), (1, 1), mode="reflect", value=1.0),
    ]
    for case in cases:
        _same_error(case)


def test_one_hot_matches_torch_and_its_errors():
    idx = np.array([[0, 3], [2, 1]])
    assert np.array_equal(F.one_hot(to_ours(idx)).numpy(), TF.one_hot(to_torch(idx)).numpy())
    out = F.one_hot(to_ours(idx), 6)
    assert out.dtype == tg.int64 and out.shape == (2, 2, 6)
    cases = [
        lambda lib: lib.nn.functional.one_hot(lib.tensor([1.0])),
        lambda lib: lib.nn.functional.one_hot(lib.tensor([-1])),
        lambda lib: lib.nn.functional.one_hot(lib.tensor([3]), 2),
        lambda lib: lib.nn.functional.one_hot(lib.tensor([], dtype=lib.long)),
    ]
    for case in cases:
        _same_error(case)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"padding_idx": 0},
        {"scale_grad_by_freq": True},
        {"padding_idx": 2, "scale_grad_by_freq": True},
    ],
)
def test_embedding_functional(kwargs):
    (w,) = _arrays([(5, 3)], np.float64)
    idx = np.array([[0, 2, 2], [4, 0, 2]])

    def fn(lib, w):
        return lib.nn.functional.embedding(lib.tensor(idx), w, **kwargs)

    _compare(fn, [w], np.float64)


def test_embedding_errors():
    cases = [
        lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([3])),
        lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([1.0])),
        lambda lib: lib.nn.Embedding(3, 2, padding_idx=3),
    ]
    for case in cases:
        _same_error(case)


def test_unfold_and_fold_match_torch():
    (x,) = _arrays([(2, 3, 6, 7)], np.float64)
    kwargs = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": (2, 1)}
    _compare(lambda lib, x: lib.nn.functional.unfold(x, **kwargs), [x], np.float64)
    cols = TF.unfold(to_torch(x), **kwargs).numpy()
    _compare(lambda lib, c: lib.nn.functional.fold(c, (6, 7), **kwargs), [cols], np.float64)


def test_flatten_and_unflatten_errors_match_torch():
    _same_error(lambda lib: lib.nn.Flatten(2)(lib.zeros(4, 3)))
    _same_error(lambda lib: lib.nn.Unflatten(1, (2, 2))(lib.zeros(4, 3)))
