"""Tensor construction, dtypes and promotion, attributes, conversions, repr, factories."""

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


@pytest.mark.parametrize(
    "data",
    [
        1,
        2.5,
        True,
        [1, 2],
        [1.0, 2],
        [True, False],
        [[1, 2], [3, 4]],
        [],
        [[1.5]],
        np.array([1, 2], dtype=np.int32),
        np.array([1.0], dtype=np.float64),
        np.array([1.0], dtype=np.float32),
        np.array(3),
        np.float64(2.0),
    ],
)
def test_tensor_infers_dtype_like_torch(data):
    ours, theirs = tg.tensor(data), torch.tensor(data)
    assert _name(ours.dtype) == _name(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_Tensor_constructor_is_always_float32():
    assert tg.Tensor([1, 2]).dtype == tg.float32
    assert tg.Tensor(np.array([1.0], dtype=np.float64)).dtype == tg.float32
    assert tg.Tensor(2, 3).shape == (2, 3)
    assert tg.Tensor().shape == (0,)


@pytest.mark.parametrize(
    "a_dtype,a_shape,b",
    [
        ("float32", (3,), 2.5),
        ("int64", (3,), 2.5),
        ("int32", (3,), 2),
        ("bool", (3,), 1),
        ("bool", (3,), True),
        ("float64", (3,), 2.0),
        ("int64", (3,), True),
        ("float32", (3,), ("float64", ())),
        ("int64", (3,), ("float64", ())),
        ("float32", (), ("float64", ())),
        ("int32", (3,), ("int64", (3,))),
        ("float32", (3,), ("float64", (3,))),
        ("int64", (), ("float32", (3,))),
        ("bool", (3,), ("int32", ())),
        ("int32", (3,), ("bool", (3,))),
        ("float16", (3,), ("float32", ())),
        ("uint8", (3,), ("int8", (3,))),
    ],
)
@pytest.mark.parametrize("op", ["add", "mul", "div", "sub"])
def test_type_promotion_matches_torch(a_dtype, a_shape, b, op):
    a_np = np.ones(a_shape, dtype=a_dtype)

    def make(lib, value):
        if isinstance(value, tuple):
            return lib.tensor(np.ones(value[1], dtype=value[0]))
        return value

    try:
        theirs = getattr(torch.tensor(a_np), op)(make(torch, b))
    except RuntimeError:  # e.g. subtraction with bools: we must refuse it too
        with pytest.raises(RuntimeError):
            getattr(tg.tensor(a_np), op)(make(tg, b))
        return
    ours = getattr(tg.tensor(a_np), op)(make(tg, b))
    assert _name(ours.dtype) == _name(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_bool_subtraction_raises_like_torch():
    with pytest.raises(RuntimeError, match="Subtraction"):
        tg.tensor([True]) - tg.tensor([False])


def test_unary_float_ops_promote_ints():
    assert tg.tensor([1, 2]).exp().dtype == tg.float32
    assert tg.tensor([1, 2]).sum().dtype == tg.int64
    assert tg.tensor([True, True]).sum().item() == 2
    with pytest.raises(RuntimeError, match="mean"):
        tg.tensor([1, 2]).mean()


def test_attributes():
    x = tg.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and isinstance(x.shape, tuple)
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4
    assert x.ndim == 3 and x.dim() == 3 and x.numel() == 24
    assert x.T.shape == (4, 3, 2) and x.mT.shape == (2, 4, 3)
    assert x.device == tg.device("cpu") and str(x.device) == "cpu"
    assert x.shape.numel() == 24
    assert x.dtype.is_floating_point and not tg.int64.is_floating_point
    assert tg.float is tg.float32 and tg.double is tg.float64
    assert tg.long is tg.int64 and tg.int is tg.int32


def test_data_is_a_detached_view_updating_in_place():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    p.data -= 0.5 * p.grad
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 0.0])
    assert p.requires_grad and p.is_leaf
    assert not p.data.requires_grad
    p.data = tg.tensor([5.0, 6.0])
    assert p.tolist() == [5.0, 6.0]


def test_conversions():
    x = tg.tensor([[1.5, 2.0]])
    assert x.tolist() == [[1.5, 2.0]]
    assert tg.tensor(3.5).item() == 3.5 and isinstance(tg.tensor(3).item(), int)
    assert x.double().dtype == tg.float64 and x.long().tolist() == [[1, 2]]
    assert x.int().dtype == tg.int32 and x.bool().dtype == tg.bool
    assert x.to(tg.float64).dtype == tg.float64 and x.to("cpu") is x
    assert x.to(tg.zeros(1, dtype=tg.int64)).dtype == tg.int64
    assert np.asarray(x).shape == (1, 2)
    assert len(x) == 1 and [t.tolist() for t in x] == [[1.5, 2.0]]
    assert bool(tg.tensor([1])) and float(tg.tensor(2)) == 2.0 and int(tg.tensor(2.7)) == 2
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        tg.tensor([1, 2]).item()
    with pytest.raises(RuntimeError, match="requires grad"):
        tg.tensor([1.0], requires_grad=True).numpy()
    with pytest.raises(TypeError, match="0-d"):
        len(tg.tensor(1.0))


def test_numpy_shares_memory():
    a = np.zeros(3, dtype=np.float32)
    t = tg.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    t.numpy()[1] = 7
    assert a[1] == 7
    assert tg.as_tensor(a).numpy() is a


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([1.0, 2.0, 3.0]),
        lambda lib: lib.tensor([1.5, -2.0, 3.25]),
        lambda lib: lib.tensor([[1, 2], [3, 4]]),
        lambda lib: lib.tensor([1e-5, 1.0]),
        lambda lib: lib.tensor([123456.0, 1.5]),
        lambda lib: lib.tensor(3.0),
        lambda lib: lib.tensor([True, False]),
        lambda lib: lib.tensor([]),
        lambda lib: lib.tensor([float("nan"), 1.0]),
        lambda lib: lib.tensor([2.0], requires_grad=True),
        lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) * 2,
        lambda lib: lib.arange(12.0).reshape(3, 4) / 7,
        lambda lib: lib.arange(2000.0),
        lambda lib: lib.zeros(0, 3),
    ],
)
def test_repr_matches_torch(make):
    assert repr(make(tg)) == repr(make(torch))


def test_repr_names_non_default_dtype():
    assert (
        repr(tg.tensor([1.0, 2.0], dtype=tg.float64))
        == "tensor([1., 2.], dtype=tinygrad_nn.float64)"
    )
    assert repr(tg.tensor(2, dtype=tg.int32)) == "tensor(2, dtype=tinygrad_nn.int32)"


def test_factories():
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros((2, 3)).sum().item() == 0
    assert tg.ones([2]).tolist() == [1.0, 1.0]
    assert tg.full((2,), 7).dtype == tg.int64 and tg.full((2,), 7.0).dtype == tg.float32
    assert tg.eye(3).sum().item() == 3 and tg.eye(2, 3).shape == (2, 3)
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == tg.int64
    assert tg.arange(1, 2, 0.25).tolist() == torch.arange(1, 2, 0.25).tolist()
    np.testing.assert_allclose(tg.linspace(0, 1, 5).numpy(), torch.linspace(0, 1, 5).numpy())
    np.testing.assert_allclose(tg.linspace(-3, 7, 13).numpy(), torch.linspace(-3, 7, 13), rtol=1e-6)
    assert tg.empty(3, dtype=tg.float64).dtype == tg.float64
    x = tg.ones(2, 2, dtype=tg.float64)
    for like in (tg.zeros_like, tg.ones_like, tg.rand_like, tg.randn_like):
        y = like(x)
        assert y.shape == x.shape and y.dtype == tg.float64
    assert tg.full_like(x, 3).sum().item() == 12
    assert tg.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        tg.zeros(2, dtype=tg.int64, requires_grad=True)
    with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
        tg.zeros(2, device="cuda")
    assert tg.zeros(2, device=tg.device("cpu")).device == "cpu"


def test_manual_seed_reproduces_random_draws():
    tg.manual_seed(123)
    a = (tg.rand(3), tg.randn(2, 2), tg.randint(0, 10, (4,)), tg.randperm(5))
    tg.manual_seed(123)
    b = (tg.rand(3), tg.randn(2, 2), tg.randint(0, 10, (4,)), tg.randperm(5))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert a[2].dtype == tg.int64 and a[0].dtype == tg.float32
    r = tg.rand(10000)
    assert 0 <= r.min().item() and r.max().item() < 1
    assert abs(tg.randn(10000).std().item() - 1) < 0.05


def test_in_place_random_fills():
    tg.manual_seed(0)
    w = tg.empty(1000)
    w.uniform_(-2, 2)
    assert -2 <= w.min().item() and w.max().item() <= 2
    w.normal_(3, 0.5)
    assert abs(w.mean().item() - 3) < 0.1
    w.fill_(1.5)
    assert w.sum().item() == 1500
    w.zero_()
    assert w.abs().sum().item() == 0


def test_max_min_with_dim_return_named_tuples():
    x = tg.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    r = x.min(dim=0, keepdim=True)
    assert r.values.tolist() == [[1.0, 0.0, 5.0]] and r.indices.tolist() == [[0, 1, 0]]
    assert x.argmax().item() == 3 and x.argmax(1).tolist() == [1, 0]
    assert tg.max(x, tg.zeros(3)).shape == (2, 3)


def test_max_ties_split_gradient_evenly_like_torch():
    for reduce in (lambda t: t.max(), lambda t: t.amax(1).sum(), lambda t: t.max(1)[0].sum()):
        ours = tg.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]], requires_grad=True)
        theirs = torch.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]], requires_grad=True)
        reduce(ours).backward()
        reduce(theirs).backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


def test_kink_gradients_match_torch():
    for fn in (
        lambda t: t.relu(),
        lambda t: t.abs(),
        lambda t: t.clamp(0.0, 1.0),
        lambda t: t.clamp(min=1.0),
    ):
        ours = tg.tensor([0.0, 1.0, -1.0], requires_grad=True)
        theirs = torch.tensor([0.0, 1.0, -1.0], requires_grad=True)
        fn(ours).sum().backward()
        fn(theirs).sum().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_forward_only_ops_match_torch():
    a = np.array([[7.0, -7.5, 3.0], [2.0, -1.0, 9.0]], dtype=np.float32)
    b = np.array([2.0, 3.0, -4.0], dtype=np.float32)
    for fn in (
        lambda x, y: x // y,
        lambda x, y: x % y,
        lambda x, y: x.div(y, rounding_mode="trunc"),
        lambda x, y: x == y,
        lambda x, y: x < y,
        lambda x, y: (x > 0) & (y > 0),
        lambda x, y: x.isclose(y),
        lambda x, y: x.any(1),
        lambda x, y: x.all(),
        lambda x, y: x.long() // 2,
        lambda x, y: ~(x > 0),
    ):
        ours = fn(tg.tensor(a), tg.tensor(b))
        theirs = fn(torch.tensor(a), torch.tensor(b))
        assert _name(ours.dtype) == _name(theirs.dtype)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_shape_errors_name_the_shapes():
    with pytest.raises(
        RuntimeError, match=r"size of tensor a \(3\) must match the size of tensor b \(4\)"
    ):
        tg.ones(2, 3) + tg.ones(4)
    with pytest.raises(RuntimeError, match=r"shape '\[5\]' is invalid for input of size 6"):
        tg.ones(2, 3).reshape(5)
    with pytest.raises(
        RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"
    ):
        tg.ones(2, 3) @ tg.ones(4, 5)
    with pytest.raises(IndexError, match="Dimension out of range"):
        tg.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        tg.cat([tg.ones(2, 3), tg.ones(3, 2)])
    with pytest.raises(IndexError, match="out of bounds"):
        tg.ones(2, 3)[5]
    with pytest.raises(IndexError, match="tensors used as indices"):
        tg.ones(3)[tg.tensor([0.5])]
