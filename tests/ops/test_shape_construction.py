"""Shape and construction functions against PyTorch: diag, diag_embed, trace, tril_indices,
meshgrid, kron, rot90, tile, repeat_interleave, take, masked_select, index_copy, index_put,
scatter_reduce, tensor_split, column_stack, cdist, cross, tensordot, addmm, ... — values,
dtypes and gradients (gradcheck and gradgradcheck in float64), method forms, in-place forms
and PyTorch's errors."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _lib(x):
    return tg if isinstance(x, tg.Tensor) else torch


def _idx(x, values):
    return _lib(x).tensor(values)


def _mask(x, values):
    return _lib(x).tensor(values, dtype=_lib(x).bool)


# name, fn(*tensors), input shapes: every fn runs on both libraries
DIFFERENTIABLE = [
    ("diag_1d", lambda x: _lib(x).diag(x, 1), [(3,)]),
    ("diag_2d", lambda x: x.diag(-1), [(3, 4)]),
    ("diag_embed", lambda x: _lib(x).diag_embed(x, -1, 0, 2), [(2, 3)]),
    ("diagflat", lambda x: x.diagflat(2), [(2, 2)]),
    ("trace", lambda x: x.trace(), [(3, 4)]),
    (
        "meshgrid_xy",
        lambda x, y: sum(g * (i + 1) for i, g in enumerate(_lib(x).meshgrid(x, y, indexing="xy"))),
        [(3,), (4,)],
    ),
    ("cartesian_prod", lambda x, y: _lib(x).cartesian_prod(x, y), [(3,), (2,)]),
    ("combinations", lambda x: _lib(x).combinations(x, 2, with_replacement=True), [(4,)]),
    ("block_diag", lambda x, y, z: _lib(x).block_diag(x, y, z), [(2, 3), (4,), ()]),
    ("kron", lambda x, y: x.kron(y), [(2, 3), (3, 1, 2)]),
    ("rot90", lambda x: x.rot90(1, (1, 2)), [(2, 3, 4)]),
    ("rot90_3", lambda x: _lib(x).rot90(x, -1), [(3, 4)]),
    ("fliplr_flipud", lambda x: x.fliplr() * 2 + _lib(x).flipud(x), [(3, 3)]),
    ("tile", lambda x: x.tile((2, 1, 2)), [(2, 3)]),
    ("repeat_interleave", lambda x: x.repeat_interleave(_idx(x, [1, 0, 3]), dim=1), [(2, 3)]),
    ("repeat_interleave_flat", lambda x: _lib(x).repeat_interleave(x, 2), [(2, 3)]),
    ("ravel", lambda x: x.t().ravel(), [(2, 3)]),
    ("take", lambda x: x.take(_idx(x, [[0, 5], [-1, 2]])), [(2, 3)]),
    (
        "take_along_dim",
        lambda x: _lib(x).take_along_dim(x, _idx(x, [[0], [2], [1]]), 1),
        [(3, 4)],
    ),
    ("masked_select", lambda x: x.masked_select(_mask(x, [True, False, True])), [(2, 3)]),
    (
        "masked_scatter",
        lambda x, s: x.masked_scatter(_mask(x, [[True, False], [True, True]]), s),
        [(2, 2), (5,)],
    ),
    ("index_copy", lambda x, s: x.index_copy(1, _idx(x, [2, 0]), s), [(3, 4), (3, 2)]),
    ("index_fill", lambda x: x.index_fill(0, _idx(x, [1]), -2.0), [(3, 4)]),
    (
        "index_put",
        lambda x, v: x.index_put((_idx(x, [0, 1, 0]), _idx(x, [1, 2, 2])), v),
        [(2, 3), (3,)],
    ),
    (
        "index_put_acc",
        lambda x, v: x.index_put((_idx(x, [0, 1, 0]),), v, accumulate=True),
        [(2, 3), (3,)],
    ),
    (
        "scatter_reduce_sum",
        lambda x, s: x.scatter_reduce(0, _idx(x, [[1, 0], [1, 1]]), s, "sum"),
        [(3, 2), (2, 2)],
    ),
    (
        "scatter_reduce_mean",
        lambda x, s: x.scatter_reduce(0, _idx(x, [[1, 0], [1, 1]]), s, "mean", include_self=False),
        [(3, 2), (2, 2)],
    ),
    (
        "scatter_reduce_amax",
        lambda x, s: x.scatter_reduce(1, _idx(x, [[0, 0, 2]]), s, "amax"),
        [(2, 3), (1, 3)],
    ),
    (
        "scatter_reduce_amin_excl",
        lambda x, s: x.scatter_reduce(0, _idx(x, [[2, 0], [2, 2]]), s, "amin", include_self=False),
        [(3, 2), (2, 2)],
    ),
    ("slice_scatter", lambda x, s: _lib(x).slice_scatter(x, s, 1, 0, 4, 2), [(3, 4), (3, 2)]),
    (
        "tensor_split",
        lambda x: x.tensor_split(3, 1)[0] * 2 + x.tensor_split([1, 2], 1)[1],
        [(2, 5)],
    ),
    ("hsplit", lambda x: x.hsplit(2)[1] - _lib(x).vsplit(x, [1])[1][:, :2], [(2, 4)]),
    ("dsplit", lambda x: x.dsplit([1])[1], [(2, 1, 3)]),
    ("column_stack", lambda x, y: _lib(x).column_stack([x, y]), [(3,), (3, 2)]),
    ("dstack", lambda x, y: _lib(x).dstack((x, y)), [(2, 3), (2, 3)]),
    ("cdist", lambda x, y: _lib(x).cdist(x, y), [(2, 3, 4), (2, 5, 4)]),
    ("cdist_p1", lambda x, y: _lib(x).cdist(x, y, p=1), [(3, 4), (5, 4)]),
    ("cdist_p3", lambda x, y: _lib(x).cdist(x, y, p=3), [(3, 4), (5, 4)]),
    ("cdist_inf", lambda x, y: _lib(x).cdist(x, y, p=float("inf")), [(3, 4), (5, 4)]),
    ("dist", lambda x, y: x.dist(y), [(3, 4), (4,)]),
    ("dist_p1", lambda x, y: _lib(x).dist(x, y, 1.5), [(3, 4), (3, 4)]),
    ("cross", lambda x, y: x.cross(y, dim=1), [(2, 3), (2, 3)]),
    ("linalg_cross_bcast", lambda x, y: _lib(x).cross(x, y, dim=-1), [(4, 3), (1, 3)]),
    ("vdot", lambda x, y: x.vdot(y), [(4,), (4,)]),
    (
        "tensordot",
        lambda x, y: _lib(x).tensordot(x, y, dims=([0, 2], [1, 0])),
        [(2, 3, 4), (4, 2, 5)],
    ),
    ("tensordot_int", lambda x, y: _lib(x).tensordot(x, y, 1), [(2, 3), (3, 4)]),
    ("addmm", lambda c, a, b: c.addmm(a, b, beta=0.5, alpha=2.0), [(3,), (2, 4), (4, 3)]),
    ("addmv", lambda c, a, b: _lib(c).addmv(c, a, b, alpha=-1), [(2,), (2, 4), (4,)]),
    ("addbmm", lambda c, a, b: c.addbmm(a, b), [(2, 3), (4, 2, 5), (4, 5, 3)]),
    (
        "baddbmm",
        lambda c, a, b: _lib(c).baddbmm(c, a, b, beta=2),
        [(1, 3), (4, 2, 5), (4, 5, 3)],
    ),
]


def _arrays(shapes, dtype, seed):
    rng = np.random.default_rng(seed)
    # distinct values (no ties), so amax/amin and the norms have a unique derivative
    return [
        (rng.permutation(int(np.prod(s))).reshape(s) * 0.31 + rng.uniform(-1, 1, s)).astype(dtype)
        for s in shapes
    ]


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,fn,shapes", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_matches_torch(name, fn, shapes, dtype):
    arrays = _arrays(shapes, dtype, 1)
    ours = [tg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, expected = _first(fn(*ours)), _first(fn(*theirs))
    assert str(out.dtype) == str(expected.dtype).replace("torch", "tinygrad_nn")
    assert_close(out.detach().numpy(), expected.detach().numpy(), dtype, what=name)
    upstream = np.random.default_rng(2).standard_normal(tuple(expected.shape)).astype(dtype)
    out.backward(tg.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert_close(a.grad.numpy(), b.grad.numpy(), dtype, what=f"{name} grad {i}")


@pytest.mark.parametrize("name,fn,shapes", DIFFERENTIABLE, ids=[c[0] for c in DIFFERENTIABLE])
def test_gradcheck(name, fn, shapes):
    args = [tg.tensor(a, requires_grad=True) for a in _arrays(shapes, np.float64, 3)]
    assert gradcheck(lambda *a: _first(fn(*a)), args)
    assert gradgradcheck(lambda *a: _first(fn(*a)), args)


def _same(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).replace("torch", "tinygrad_nn")
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.tril_indices(4, 3),
        lambda m: m.tril_indices(3, 5, -1),
        lambda m: m.triu_indices(4, 3, 1, dtype=m.int32),
        lambda m: m.triu_indices(0, 3),
        lambda m: m.repeat_interleave(m.tensor([2, 0, 1])),
        lambda m: m.tensor([3, 1, 2]).repeat_interleave(2),
        lambda m: m.diag(m.tensor([[1, 2], [3, 4]])),
        lambda m: m.trace(m.tensor([[1, 2], [3, 4]], dtype=m.int32)),
        lambda m: m.kron(m.tensor([1, 2]), m.tensor([[1], [3]])),
        lambda m: m.block_diag(m.tensor([1, 2]), m.tensor([[1.5]], dtype=m.float64)),
        lambda m: m.block_diag(),
        lambda m: m.combinations(m.tensor([4, 5, 6]), 3),
        lambda m: m.combinations(m.tensor([4, 5, 6]), 0),
        lambda m: m.take(m.tensor([[1, 2], [3, 4]]), m.tensor([3, -4])),
        lambda m: m.masked_select(m.tensor([[1, 2], [3, 4]]), m.tensor([False, True])),
        lambda m: m.tensor([1, 2, 3]).index_fill(0, m.tensor([0, 2]), m.tensor(7)),
        lambda m: m.tensor([1.0, 2.0]).index_put((m.tensor([0, 0]),), m.tensor(1.0), True),
        lambda m: m.tensor([5, 5, 5]).scatter_reduce(
            0, m.tensor([0, 0, 2]), m.tensor([1, 9, 3]), "amin", include_self=False
        ),
        lambda m: m.tensor([2, 3, 4]).scatter_reduce(
            0, m.tensor([0, 0, 2]), m.tensor([1, 9, 3]), "prod"
        ),
        lambda m: m.tensor([2.0, 3, 4]).scatter_reduce(
            0, m.tensor([0, 0, 1]), m.tensor([1.0, 9, 3]), "mean"
        ),
        lambda m: m.tensor([2, 3, 4]).scatter_reduce(
            0, m.tensor([0, 0, 1]), m.tensor([1, 8, 3]), "mean"
        ),
        lambda m: m.stack(m.unravel_index(m.tensor([[5, 0], [-1, 7]]), (2, 4))),
        lambda m: m.column_stack([m.tensor(1), m.tensor(2)]),
        lambda m: m.dstack([m.tensor([1, 2]), m.tensor([3, 4])]),
        lambda m: m.arange(7).tensor_split(m.tensor([2, 9]))[1],
        lambda m: m.arange(7).tensor_split(3)[2],
        lambda m: m.cross(m.tensor([[1, 0, 0]]), m.tensor([[0, 1, 0]]), dim=1),
        lambda m: m.cdist(m.tensor([[0.0, 0.0]]), m.tensor([[3.0, 4.0], [1.0, 0.0]]), p=0),
        lambda m: m.addmm(m.tensor([float("nan")]), m.ones(2, 2), m.ones(2, 1), beta=0),
        lambda m: m.meshgrid(m.tensor(1), m.tensor([1, 2, 3]), indexing="ij")[1],
        lambda m: m.diag_embed(m.tensor([float("inf"), 1.0])),
        lambda m: m.rot90(m.arange(6).reshape(2, 3), 4),
        lambda m: m.tile(m.tensor(3), (2,)),
    ],
)
def test_values_and_dtypes(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(call(tg), call(torch))


def test_meshgrid_warns_without_indexing():
    with pytest.warns(UserWarning, match="indexing"):
        tg.meshgrid(tg.tensor([1, 2]), tg.tensor([3]))


def test_cross_without_dim_warns_and_uses_first_dim_of_size_3():
    a, b = np.arange(9.0).reshape(3, 3), np.ones((3, 3))
    with pytest.warns(UserWarning):
        out = tg.cross(tg.tensor(a), tg.tensor(b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(out, torch.cross(torch.tensor(a), torch.tensor(b)))


@pytest.mark.parametrize("reduce", ["amax", "amin", "mean", "sum"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ties_share_the_gradient_as_torch(reduce, include_self):
    results = []
    for m in (torch, tg):
        x = m.tensor([[1.0, 5, 3], [2, 2, 2]], requires_grad=True)
        s = m.tensor([[5.0, 5, 1], [2, 0, 2]], requires_grad=True)
        index = m.tensor([[0, 1, 1], [0, 0, 2]])
        out = x.scatter_reduce(1, index, s, reduce, include_self=include_self)
        (out * m.tensor([[1.0, 2, 3], [4, 5, 6]])).sum().backward()
        results.append([t.detach().numpy().tolist() for t in (out, x.grad, s.grad)])
    assert results[0] == results[1]


def test_cdist_zero_distance_has_zero_gradient():
    for m in (tg, torch):
        x = m.tensor([[1.0, 2.0]], dtype=m.float64, requires_grad=True)
        m.cdist(x, x.detach()).sum().backward()
        assert not np.any(np.isnan(x.grad.numpy())) and not np.any(x.grad.numpy())


def test_in_place_forms():
    for name, call in [
        ("index_copy_", lambda m, x: x.index_copy_(0, m.tensor([1]), m.ones(1, 2))),
        ("index_fill_", lambda m, x: x.index_fill_(1, m.tensor([0]), 3.0)),
        ("index_put_", lambda m, x: x.index_put_((m.tensor([0]), m.tensor([1])), m.tensor(5.0))),
        ("masked_scatter_", lambda m, x: x.masked_scatter_(x > 1, m.arange(4.0) * 10)),
        (
            "scatter_reduce_",
            lambda m, x: x.scatter_reduce_(1, m.tensor([[1, 1]]), m.ones(1, 2), "sum"),
        ),
        ("addmm_", lambda m, x: x.addmm_(m.ones(2, 3), m.ones(3, 2), alpha=2)),
        ("baddbmm_", lambda m, x: x.unsqueeze(0).baddbmm_(m.ones(1, 2, 1), m.ones(1, 1, 2))),
        ("addbmm_", lambda m, x: x.addbmm_(m.ones(3, 2, 1), m.ones(3, 1, 2))),
        ("addmv_", lambda m, x: x[0].addmv_(m.ones(2, 3), m.ones(3))),
    ]:
        x, y = tg.arange(4.0).reshape(2, 2), torch.arange(4.0).reshape(2, 2)
        assert call(tg, x) is not None, name
        call(torch, y)
        _same(x, y)


def test_in_place_on_leaf_keeps_the_graph():
    w = tg.ones(3, requires_grad=True)
    x = w * 2
    x.index_fill_(0, tg.tensor([1]), 0.0)
    x.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 0.0, 2.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.diag(m.ones(2, 2, 2)),
        lambda m: m.trace(m.ones(3)),
        lambda m: m.diag_embed(m.ones(3), 0, 0, 0),
        lambda m: m.meshgrid(m.ones(2), m.ones(2, dtype=m.float64), indexing="ij"),
        lambda m: m.cartesian_prod(m.ones(2, 2)),
        lambda m: m.combinations(m.ones(2, 2)),
        lambda m: m.block_diag(m.ones(2, 2, 2)),
        lambda m: m.rot90(m.ones(3), 1),
        lambda m: m.rot90(m.ones(3, 3), 1, (0, 0)),
        lambda m: m.rot90(m.ones(3, 3), 1, (0, 1, 2)),
        lambda m: m.fliplr(m.ones(3)),
        lambda m: m.flipud(m.tensor(1.0)),
        lambda m: m.repeat_interleave(m.ones(3), m.tensor([1, -1, 1])),
        lambda m: m.repeat_interleave(m.ones(3), m.tensor([1, 2]), dim=0),
        lambda m: m.take(m.ones(2, 3), m.tensor([6])),
        lambda m: m.take(m.ones(2, 3), m.tensor([1.0])),
        lambda m: m.take_along_dim(m.ones(2, 3), m.tensor([0]), 1),
        lambda m: m.masked_select(m.ones(3), m.tensor([1, 0, 1])),
        lambda m: m.masked_scatter(m.ones(3), m.tensor([True, True, False]), m.ones(1)),
        lambda m: m.index_copy(m.ones(3), 0, m.tensor([5]), m.ones(1)),
        lambda m: m.index_copy(m.ones(3), 0, m.tensor([1]), m.ones(1, dtype=m.float64)),
        lambda m: m.index_fill(m.ones(3), 0, m.tensor([1]), m.ones(2)),
        lambda m: m.index_put(m.ones(3), (m.tensor([0]),), m.ones(1, dtype=m.float64)),
        lambda m: m.scatter_reduce(m.ones(3), 0, m.tensor([0]), m.ones(1), "maximum"),
        lambda m: m.slice_scatter(m.ones(4), m.ones(3), 0, 0, 2),
        lambda m: m.tensor_split(m.tensor(1.0), 2),
        lambda m: m.hsplit(m.ones(2, 5), 2),
        lambda m: m.vsplit(m.ones(5), 5),
        lambda m: m.dsplit(m.ones(2, 2), 2),
        lambda m: m.cdist(m.ones(3), m.ones(2, 3)),
        lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4)),
        lambda m: m.cross(m.ones(2, 4), m.ones(2, 4), dim=1),
        lambda m: m.vdot(m.ones(2, 2), m.ones(2)),
        lambda m: m.vdot(m.ones(2), m.ones(2, dtype=m.float64)),
        lambda m: m.tensordot(m.ones(2, 3), m.ones(4, 2), dims=([1], [0])),
        lambda m: m.addmm(m.ones(2), m.ones(2), m.ones(2, 2)),
        lambda m: m.baddbmm(m.ones(2), m.ones(2, 2, 3), m.ones(2, 2, 2)),
        lambda m: m.take_along_dim(m.ones(2, 3), m.tensor([[0.0]]), 1),
        lambda m: m.index_fill(m.ones(3), 0, m.tensor([5]), 1.0),
        lambda m: m.index_fill(m.ones(3), 0, m.tensor([1.0]), 1.0),
        lambda m: m.index_copy(m.ones(3), 0, m.tensor([1.0]), m.ones(1)),
        lambda m: m.index_copy(m.ones(3, 2), 0, m.tensor([1]), m.ones(2, 2)),
        lambda m: m.addmm(m.ones(2), m.ones(2, 2), m.ones(3, 2)),
        lambda m: m.addmv(m.ones(2), m.ones(2, 2), m.ones(3)),
        lambda m: m.addbmm(m.ones(2, 2), m.ones(2, 2, 2), m.ones(3, 2, 2)),
        lambda m: m.index_put(m.ones(3), (m.tensor([5]),), m.ones(1)),
        lambda m: m.scatter_reduce(m.ones(3), 0, m.tensor([5]), m.ones(1), "sum"),
        lambda m: m.scatter_reduce(m.ones(3), 0, m.tensor([5]), m.ones(1), "amax"),
        lambda m: m.cdist(m.ones(2, 3, dtype=m.int64), m.ones(2, 3, dtype=m.int64)),
        lambda m: m.kron(m.ones(2), 3),
        lambda m: m.repeat_interleave(m.ones(3), m.tensor([1.0, 2, 3])),
        lambda m: m.tril_indices(3, 3, dtype=m.float32),
        lambda m: m.combinations(m.ones(3), -1),
        lambda m: m.diag(m.tensor(1.0)),
        lambda m: m.column_stack([]),
        lambda m: m.masked_select(m.ones(3), m.ones(2, dtype=m.bool)),
    ],
)
def test_errors_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as theirs:
            call(torch)
        with pytest.raises(Exception) as ours:
            call(tg)
    expected = type(theirs.value)
    assert isinstance(ours.value, expected), f"{type(ours.value)} vs {expected}: {theirs.value}"
    assert str(ours.value).splitlines()[0] == str(theirs.value).splitlines()[0]


def test_meshgrid_refuses_matrices():
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor in the tensor list"):
        tg.meshgrid(tg.ones(2, 2), indexing="ij")
