"""GroupNorm, InstanceNorm1d/2d, RMSNorm, Dropout1d/2d, Bilinear, EmbeddingBag,
CosineSimilarity, PairwiseDistance, the padding layers, ParameterList and ParameterDict,
and their functional and torch.* forms, against PyTorch: values, gradients after loading
the same state_dict, dtypes, gradcheck and gradgradcheck, reprs, state_dict keys, default
init after manual_seed, dropout masks after manual_seed, and errors."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import copy_weights
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

TOL = {np.float32: (1e-6, 1e-6), np.float64: (1e-12, 1e-13)}  # (rtol, atol scaled by max)


def _compare(ours, theirs, dtype, what):
    rtol, atol = TOL[dtype]
    theirs = np.asarray(theirs)
    scale = max(float(np.abs(theirs).max()), 1.0) if theirs.size else 1.0
    assert_close(ours, theirs, rtol=rtol, atol=atol * scale, what=what)


def _run(lib, fn, arrays, dtype, seed=1):
    """fn(lib, *tensors) with every float array requiring grad; backward a random gradient."""
    tensors = [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    out = fn(lib, *tensors)
    g = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(dtype)
    out.backward(lib.tensor(g))
    return [out.detach().numpy()] + [t.grad.numpy() for t in tensors if t.requires_grad], out


R = np.random.default_rng(0)
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0])
OFFSETS = np.array([0, 2, 2, 5])
LAST_OFFSETS = np.array([0, 2, 2, 5, 10])  # include_last_offset: the last one is len(IDX)

# name -> (fn(lib, *tensors), arrays as float64; ints stay ints)
FUNCTIONAL = {
    "group_norm": (
        lambda lib, x, w, b: lib.nn.functional.group_norm(x, 3, w, b),
        [R.standard_normal((3, 6, 5)), R.standard_normal(6), R.standard_normal(6)],
    ),
    "group_norm_4d": (lambda lib, x: lib.group_norm(x, 2), [R.standard_normal((2, 4, 3, 2))]),
    "instance_norm": (
        lambda lib, x, w, b: lib.nn.functional.instance_norm(x, weight=w, bias=b),
        [R.standard_normal((3, 4, 5)), R.standard_normal(4), R.standard_normal(4)],
    ),
    "instance_norm_2d": (
        lambda lib, x: lib.nn.functional.instance_norm(x, eps=1e-3),
        [R.standard_normal((2, 3, 4, 3))],
    ),
    "rms_norm": (
        lambda lib, x, w: lib.nn.functional.rms_norm(x, [5], w),
        [R.standard_normal((3, 4, 5)), R.standard_normal(5)],
    ),
    "rms_norm_eps": (
        lambda lib, x: lib.rms_norm(x, (4, 5), eps=0.1),
        [R.standard_normal((3, 4, 5))],
    ),
    "bilinear": (
        lambda lib, a, b, w, bias: lib.nn.functional.bilinear(a, b, w, bias),
        [
            R.standard_normal((4, 3)),
            R.standard_normal((4, 2)),
            R.standard_normal((5, 3, 2)),
            R.standard_normal(5),
        ],
    ),
    "bilinear_batched": (
        lambda lib, a, b, w: lib.bilinear(a, b, w),
        [R.standard_normal((2, 4, 3)), R.standard_normal((2, 4, 2)), R.standard_normal((5, 3, 2))],
    ),
    "cosine_similarity": (
        lambda lib, a, b: lib.nn.functional.cosine_similarity(a, b),
        [R.standard_normal((4, 3)), R.standard_normal((1, 3))],
    ),
    "cosine_similarity_dim": (
        lambda lib, a, b: lib.cosine_similarity(a, b, 0, 1e-6),
        [R.standard_normal((4, 3)), R.standard_normal((4, 3))],
    ),
    "pairwise_distance": (
        lambda lib, a, b: lib.nn.functional.pairwise_distance(a, b),
        [R.standard_normal((4, 3)), R.standard_normal((4, 3))],
    ),
    "pairwise_distance_p1": (
        lambda lib, a, b: lib.pairwise_distance(a, b, 1.0, keepdim=True),
        [R.standard_normal((4, 3)), R.standard_normal(3)],
    ),
    "pairwise_distance_p3": (
        lambda lib, a, b: lib.pairwise_distance(a, b, 3.0),
        [R.standard_normal(3), R.standard_normal(3)],
    ),
}
for _mode in ("sum", "mean", "max"):
    FUNCTIONAL[f"embedding_bag_{_mode}"] = (
        lambda lib, w, m=_mode: lib.nn.functional.embedding_bag(
            lib.tensor(IDX), w, lib.tensor(OFFSETS), mode=m
        ),
        [R.standard_normal((10, 3))],
    )
    FUNCTIONAL[f"embedding_bag_2d_padding_{_mode}"] = (
        lambda lib, w, m=_mode: lib.nn.functional.embedding_bag(
            lib.tensor(IDX.reshape(2, 5)), w, mode=m, padding_idx=4
        ),
        [R.standard_normal((10, 3))],
    )
    FUNCTIONAL[f"embedding_bag_last_offset_{_mode}"] = (
        lambda lib, w, m=_mode: lib.nn.functional.embedding_bag(
            lib.tensor(IDX), w, lib.tensor(LAST_OFFSETS), mode=m, include_last_offset=True
        ),
        [R.standard_normal((10, 3))],
    )
FUNCTIONAL["embedding_bag_per_sample_weights"] = (
    lambda lib, w, p: lib.nn.functional.embedding_bag(
        lib.tensor(IDX), w, lib.tensor(OFFSETS), mode="sum", per_sample_weights=p
    ),
    [R.standard_normal((10, 3)), R.standard_normal(10)],
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_matches_torch(name, dtype):
    fn, arrays = FUNCTIONAL[name]
    arrays = [a.astype(dtype) for a in arrays]
    ours, out = _run(tg, fn, arrays, dtype)
    theirs, expected = _run(torch, fn, arrays, dtype)
    assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    for i, (a, b) in enumerate(zip(ours, theirs)):
        _compare(a, b, dtype, f"{name} {'forward' if i == 0 else f'grad {i - 1}'}")


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional_gradcheck_and_gradgradcheck(name):
    fn, arrays = FUNCTIONAL[name]
    tensors = tuple(tg.tensor(a, requires_grad=True) for a in arrays)
    assert gradcheck(lambda *t: fn(tg, *t), tensors)
    assert gradgradcheck(lambda *t: fn(tg, *t), tensors)


def test_instance_norm_running_stats_and_eval():
    a = R.standard_normal((3, 4, 5))
    stats = []
    for lib in (tg, torch):
        rm, rv = lib.zeros(4, dtype=lib.float64), lib.ones(4, dtype=lib.float64)
        x = lib.tensor(a)
        lib.nn.functional.instance_norm(x, rm, rv, momentum=0.3)
        out = lib.nn.functional.instance_norm(x, rm, rv, use_input_stats=False)
        top = lib.instance_norm(x, None, None, rm, rv, False, 0.1, 1e-5, False)
        stats.append((rm.numpy(), rv.numpy(), out.numpy(), top.numpy()))
    for a_, b_ in zip(*stats):
        _compare(a_, b_, np.float64, "instance_norm running stats")


# ---------------------------------------------------------------------- layers

LAYERS = {
    "GroupNorm": (lambda nn: nn.GroupNorm(2, 4), (3, 4, 5)),
    "GroupNorm_noaffine": (lambda nn: nn.GroupNorm(4, 4, eps=1e-3, affine=False), (3, 4, 2, 2)),
    "GroupNorm_nobias": (lambda nn: nn.GroupNorm(1, 4, bias=False), (3, 4)),
    "InstanceNorm1d": (lambda nn: nn.InstanceNorm1d(4), (3, 4, 5)),
    "InstanceNorm1d_unbatched": (lambda nn: nn.InstanceNorm1d(4, affine=True), (4, 5)),
    "InstanceNorm2d_tracked": (
        lambda nn: nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
        (2, 4, 3, 3),
    ),
    "InstanceNorm2d_unbatched": (
        lambda nn: nn.InstanceNorm2d(4, momentum=None, track_running_stats=True),
        (4, 3, 3),
    ),
    "RMSNorm": (lambda nn: nn.RMSNorm(5), (3, 4, 5)),
    "RMSNorm_shape": (lambda nn: nn.RMSNorm([4, 5], eps=1e-3, elementwise_affine=False), (3, 4, 5)),
    "ZeroPad1d": (lambda nn: nn.ZeroPad1d(2), (2, 3, 4)),
    "ZeroPad2d": (lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), (2, 3, 4, 4)),
    "ConstantPad1d": (lambda nn: nn.ConstantPad1d((1, 3), 3.5), (2, 3, 4)),
    "ConstantPad2d": (lambda nn: nn.ConstantPad2d(1, -1.0), (3, 4, 4)),
    "ReflectionPad1d": (lambda nn: nn.ReflectionPad1d(2), (2, 3, 4)),
    "ReflectionPad2d": (lambda nn: nn.ReflectionPad2d((1, 0, 2, 1)), (2, 3, 4, 4)),
    "ReplicationPad1d": (lambda nn: nn.ReplicationPad1d((3, 1)), (3, 4)),
    "ReplicationPad2d": (lambda nn: nn.ReplicationPad2d(2), (1, 2, 3, 3)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name, dtype):
    make, shape = LAYERS[name]
    theirs = make(torch.nn).to(torch.float64 if dtype == np.float64 else torch.float32)
    ours = make(tg.nn).to(tg.float64 if dtype == np.float64 else tg.float32)
    for p in theirs.parameters():  # away from the init values, so the affine part matters
        with torch.no_grad():
            p.copy_(torch.randn(p.shape, dtype=p.dtype, generator=torch.Generator().manual_seed(0)))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_weights(ours, theirs)
    a = np.random.default_rng(7).standard_normal(shape).astype(dtype)
    for step in range(2):  # twice: running statistics feed the second call
        x, px = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out, pout = ours(x), theirs(px)
        g = np.random.default_rng(step).standard_normal(tuple(pout.shape)).astype(dtype)
        out.backward(tg.tensor(g))
        pout.backward(torch.tensor(g))
        _compare(out.detach().numpy(), pout.detach().numpy(), dtype, f"{name} forward")
        _compare(x.grad.numpy(), px.grad.numpy(), dtype, f"{name} input grad")
    for (k, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        _compare(p.grad.numpy(), q.grad.numpy(), dtype, f"{name} {k} grad")
    for (k, b), (_, c) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        _compare(b.numpy(), c.numpy(), dtype, f"{name} {k} after forward")
    ours.eval()
    theirs.eval()
    _compare(
        ours(tg.tensor(a)).detach().numpy(),
        theirs(torch.tensor(a)).detach().numpy(),
        dtype,
        f"{name} eval",
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_bilinear_layer(dtype):
    torch.manual_seed(11)
    theirs = torch.nn.Bilinear(3, 2, 4).to(torch.float64 if dtype == np.float64 else torch.float32)
    tg.manual_seed(11)
    ours = tg.nn.Bilinear(3, 2, 4).to(tg.float64 if dtype == np.float64 else tg.float32)
    for k in ("weight", "bias"):
        np.testing.assert_array_equal(
            getattr(ours, k).detach().numpy(), getattr(theirs, k).detach().numpy()
        )
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    a, b = R.standard_normal((5, 3)).astype(dtype), R.standard_normal((5, 2)).astype(dtype)
    out = ours(tg.tensor(a), tg.tensor(b))
    pout = theirs(torch.tensor(a), torch.tensor(b))
    g = np.cos(np.arange(20.0)).reshape(5, 4).astype(dtype)
    out.backward(tg.tensor(g))
    pout.backward(torch.tensor(g))
    _compare(out.detach().numpy(), pout.detach().numpy(), dtype, "Bilinear forward")
    _compare(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), dtype, "Bilinear weight grad")
    _compare(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), dtype, "Bilinear bias grad")
    assert repr(tg.nn.Bilinear(2, 3, 4, bias=False)) == repr(torch.nn.Bilinear(2, 3, 4, False))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"mode": "sum", "padding_idx": 0},
        {"mode": "max", "max_norm": 1.0},
        {"mode": "mean", "include_last_offset": True, "norm_type": 3.0, "padding_idx": 2},
    ],
)
def test_embedding_bag_layer(kwargs):
    torch.manual_seed(12)
    theirs = torch.nn.EmbeddingBag(10, 3, **kwargs)
    tg.manual_seed(12)
    ours = tg.nn.EmbeddingBag(10, 3, **kwargs)
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    offsets = LAST_OFFSETS if kwargs.get("include_last_offset") else OFFSETS
    out = ours(tg.tensor(IDX), tg.tensor(offsets))
    pout = theirs(torch.tensor(IDX), torch.tensor(offsets))
    g = np.sin(np.arange(out.numel(), dtype=np.float32)).reshape(out.shape)
    out.backward(tg.tensor(g))
    pout.backward(torch.tensor(g))
    _compare(out.detach().numpy(), pout.detach().numpy(), np.float32, "EmbeddingBag forward")
    _compare(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), np.float32, "weight grad")
    # max_norm renormalises the used rows in place, as PyTorch does
    _compare(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), np.float32, "weight")


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq(mode):
    # Each row's gradient is divided by how often its index occurs in the batch, as in
    # F.embedding. (PyTorch 2.13's CPU embedding_bag looks the count up by the position in
    # the sorted indices instead of by the index, so it is checked against F.embedding.)
    w = R.standard_normal((10, 3))
    ours = tg.tensor(w, requires_grad=True)
    tg.nn.functional.embedding_bag(
        tg.tensor(IDX), ours, tg.tensor(OFFSETS), mode=mode, scale_grad_by_freq=True
    ).sum().backward()
    ref = torch.tensor(w, requires_grad=True)
    rows = torch.nn.functional.embedding(torch.tensor(IDX), ref, scale_grad_by_freq=True)
    bags = torch.tensor([0, 0, 2, 2, 2, 3, 3, 3, 3, 3])  # OFFSETS: bag 1 is empty
    sizes = torch.tensor([2.0, 1.0, 3.0, 5.0]) if mode == "mean" else torch.ones(4)
    torch.zeros(4, 3, dtype=ref.dtype).index_add(0, bags, rows / sizes[bags, None]).sum().backward()
    _compare(ours.grad.numpy(), ref.grad.numpy(), np.float64, "scale_grad_by_freq")


def test_embedding_bag_from_pretrained_and_empty_bags():
    w = R.standard_normal((4, 2)).astype(np.float32)
    for mode in ("sum", "mean", "max"):
        ours = tg.nn.EmbeddingBag.from_pretrained(tg.tensor(w), mode=mode)
        theirs = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode=mode)
        assert ours.weight.requires_grad is False
        offsets = np.array([0, 0, 3, 3])
        idx = np.array([1, 3, 1, 2])
        _compare(
            ours(tg.tensor(idx), tg.tensor(offsets)).numpy(),
            theirs(torch.tensor(idx), torch.tensor(offsets)).numpy(),
            np.float32,
            mode,
        )


def test_distance_layers():
    a, b = R.standard_normal((4, 3)), R.standard_normal((4, 3))
    for make in (
        lambda nn: nn.CosineSimilarity(),
        lambda nn: nn.CosineSimilarity(0, 1e-3),
        lambda nn: nn.PairwiseDistance(),
        lambda nn: nn.PairwiseDistance(1, 0, True),
    ):
        ours, theirs = make(tg.nn), make(torch.nn)
        assert repr(ours) == repr(theirs)
        _compare(
            ours(tg.tensor(a), tg.tensor(b)).numpy(),
            theirs(torch.tensor(a), torch.tensor(b)).numpy(),
            np.float64,
            repr(theirs),
        )


def test_cosine_similarity_zero_vector_clamps_like_torch():
    a, b = np.zeros((2, 3)), R.standard_normal((2, 3))
    outs = []
    for lib in (tg, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = lib.cosine_similarity(x, y)
        out.sum().backward()
        outs.append((out.detach().numpy(), x.grad.numpy(), y.grad.numpy()))
    for o, t in zip(*outs):
        _compare(o, t, np.float64, "zero vector")


# ---------------------------------------------------------------------- dropout


@pytest.mark.parametrize(
    "fn,shape",
    [
        ("dropout1d", (4, 8, 3)),
        ("dropout1d", (8, 3)),
        ("dropout2d", (4, 8, 3, 2)),
        ("dropout2d", (4, 8, 3)),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_channel_dropout_masks_equal_torch(fn, shape, dtype):
    a = R.standard_normal(shape).astype(dtype)
    results = []
    for lib in (tg, torch):
        lib.manual_seed(3)
        x = lib.tensor(a, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(lib.nn.functional, fn)(x, 0.4) + getattr(lib.nn.functional, fn)(x, 0.7)
        out.backward(lib.ones_like(out))
        results.append((out.detach().numpy(), x.grad.numpy()))
    for o, t in zip(*results):
        np.testing.assert_array_equal(o, t)


def test_channel_dropout_layers_and_edge_cases():
    a = R.standard_normal((2, 5, 4, 4)).astype(np.float32)
    for make in (
        lambda nn: nn.Dropout2d(),
        lambda nn: nn.Dropout2d(0.2, True),
        lambda nn: nn.Dropout1d(0.3),
    ):
        ours, theirs = make(tg.nn), make(torch.nn)
        assert repr(ours) == repr(theirs)
        x = a[:, :, 0] if isinstance(theirs, torch.nn.Dropout1d) else a
        tg.manual_seed(9)
        torch.manual_seed(9)
        np.testing.assert_array_equal(ours(tg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy())
        ours.eval()
        x_t = tg.tensor(x)
        assert ours(x_t) is x_t
    x = tg.tensor(a)
    assert tg.nn.functional.dropout2d(x, 0.0) is x
    np.testing.assert_array_equal(tg.nn.functional.dropout2d(x, 1.0).numpy(), np.zeros_like(a))
    y = tg.tensor(a[0, :, 0])
    assert tg.nn.functional.dropout1d(y, 0.5, inplace=True) is y and y.shape == (5, 4)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        tg.nn.functional.dropout2d(tg.tensor(a[0]))


def test_channel_dropout_gradcheck():
    x = tg.tensor(R.standard_normal((2, 3, 4)), requires_grad=True)

    def fn(t):
        tg.manual_seed(1)  # the same mask on every evaluation
        return tg.nn.functional.dropout1d(t, 0.5)

    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


# ---------------------------------------------------------------------- parameter containers


def test_parameter_list():
    values = [np.zeros(2, np.float32), np.ones((3, 4))]
    ours = tg.nn.ParameterList([tg.nn.Parameter(tg.tensor(values[0])), tg.tensor(values[1])])
    theirs = torch.nn.ParameterList(
        [torch.nn.Parameter(torch.tensor(values[0])), torch.tensor(values[1])]
    )
    assert repr(ours) == repr(theirs)
    assert isinstance(ours[1], tg.nn.Parameter) and len(ours) == 2
    ours.append(tg.ones(1))
    ours.extend([tg.nn.Parameter(tg.zeros(5))])
    ours += [tg.zeros(2, 2)]
    theirs.append(torch.ones(1))
    theirs.extend([torch.nn.Parameter(torch.zeros(5))])
    theirs += [torch.zeros(2, 2)]
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == [
        tuple(p.shape) for p in theirs.parameters()
    ]
    assert repr(tg.nn.Sequential(ours)) == repr(torch.nn.Sequential(theirs))
    assert ours[-1] is ours[4] and len(ours[1:3]) == 2
    assert repr(tg.nn.ParameterList()) == repr(torch.nn.ParameterList())
    with pytest.raises(IndexError, match="index 9 is out of range"):
        ours[9]
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        ours.extend(3)
    optimizer = tg.optim.SGD(ours.parameters(), lr=0.1)
    assert len(optimizer.param_groups[0]["params"]) == 5


def test_parameter_dict():
    ours = tg.nn.ParameterDict(
        {"b": tg.zeros(2), "a": tg.nn.Parameter(tg.zeros(3, 4, dtype=tg.float64))}
    )
    theirs = torch.nn.ParameterDict(
        {"b": torch.zeros(2), "a": torch.nn.Parameter(torch.zeros(3, 4, dtype=torch.float64))}
    )
    assert repr(ours) == repr(theirs)
    assert list(ours.keys()) == list(theirs.keys()) == ["a", "b"]
    ours["c"], theirs["c"] = 3, 3
    ours.update([("d", tg.ones(1))])
    theirs.update([("d", torch.ones(1))])
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "a" in ours and ours.get("zz") is None and len(ours) == 4
    assert isinstance(ours.pop("d"), tg.nn.Parameter) and list(ours) == ["a", "b", "c"]
    with pytest.raises(TypeError, match="cannot be used as a key as it is not a string"):
        ours[1] = tg.zeros(1)
    with pytest.raises(AttributeError):
        ours["missing"]
    copied = ours.copy()
    assert copied["a"] is ours["a"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


# ---------------------------------------------------------------------- errors


def _raises_like(fn):
    """Run fn on both libraries; both raise the same class with the same message (up to the
    name of the library's Tensor class, where the message shows it)."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(tg)
    expected = str(theirs.value).replace("torch.Tensor'", "tinygrad_nn.tensor.Tensor'")
    assert str(ours.value) == expected


F_ERRORS = [
    lambda lib: lib.nn.GroupNorm(3, 4),
    lambda lib: lib.nn.functional.group_norm(lib.ones(2, 6, 4), 4),
    lambda lib: lib.nn.functional.group_norm(lib.ones(2, 6, 4), 3, lib.ones(5)),
    lambda lib: lib.nn.functional.group_norm(lib.ones(6), 3),
    lambda lib: lib.nn.InstanceNorm1d(3)(lib.ones(2, 3, 1)),
    lambda lib: lib.nn.InstanceNorm1d(3)(lib.ones(2, 3, 4, 4)),
    lambda lib: lib.nn.InstanceNorm2d(3)(lib.ones(3, 4)),
    lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.ones(2, 4, 5)),
    lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 3), [4]),
    lambda lib: lib.nn.functional.dropout1d(lib.ones(2, 3, 4, 5)),
    lambda lib: lib.nn.functional.dropout2d(lib.ones(2, 3, 4, 5), 1.5),
    lambda lib: lib.nn.Dropout1d(-0.1),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(4, 2)),
    lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([[1, 2]]), lib.ones(4, 2), lib.tensor([0])
    ),
    lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]), lib.ones(4, 2), lib.tensor([0]), mode="median"
    ),
    lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]), lib.ones(4, 2), lib.tensor([0]), mode="max", scale_grad_by_freq=True
    ),
    lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]),
        lib.ones(4, 2),
        lib.tensor([0]),
        mode="mean",
        per_sample_weights=lib.ones(2),
    ),
    lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]), lib.ones(4, 2), lib.tensor([0]), per_sample_weights=lib.ones(3)
    ),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([1, 2]), lib.ones(4), lib.tensor([0])),
    lambda lib: lib.nn.functional.embedding_bag(lib.tensor([[[1]]]), lib.ones(4, 2)),
    lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]), lib.ones(4, 2), lib.tensor([1])
    ),
    lambda lib: lib.nn.functional.embedding_bag(
        lib.tensor([1, 2]), lib.ones(4, 2), lib.tensor([0, 3]), include_last_offset=True
    ),
    lambda lib: lib.nn.EmbeddingBag(3, 2, padding_idx=5),
]


@pytest.mark.parametrize("fn", F_ERRORS)
def test_errors_match_torch(fn):
    _raises_like(fn)
