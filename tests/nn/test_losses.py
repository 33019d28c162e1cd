"""Every loss, every reduction and option combination, against PyTorch: the value and the
gradients of the input (and of the target, where PyTorch differentiates it), in float32
and float64; the module forms; the errors; stability for logits of +-1000."""

import itertools
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import assert_close_scaled, to_ours, to_torch

torch = pytest.importorskip("torch")

REDUCTIONS = ["mean", "sum", "none"]
DTYPES = [np.float32, np.float64]


def _compare(fn_name, args, kwargs, dtype, grad_args=(0,), seed=0):
    """Call F.<fn_name> in both libraries on the same arrays; compare value and gradients."""
    ours_args = [
        to_ours(a, i in grad_args) if isinstance(a, np.ndarray) else a for i, a in enumerate(args)
    ]
    theirs_args = [
        to_torch(a, i in grad_args) if isinstance(a, np.ndarray) else a for i, a in enumerate(args)
    ]
    ours_kw = {k: to_ours(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    theirs_kw = {k: to_torch(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out = getattr(tg.nn.functional, fn_name)(*ours_args, **ours_kw)
    pout = getattr(torch.nn.functional, fn_name)(*theirs_args, **theirs_kw)
    assert out.dtype.name == str(pout.dtype).replace("torch.", "")
    assert_close_scaled(out.detach().numpy(), pout.detach().numpy(), what="loss")
    g = np.random.default_rng(seed).standard_normal(tuple(pout.shape)).astype(dtype) + 1.5
    (out * to_ours(g)).sum().backward()
    (pout * to_torch(g)).sum().backward()
    for i in grad_args:
        assert_close_scaled(
            ours_args[i].grad.numpy(), theirs_args[i].grad.numpy(), what=f"grad of argument {i}"
        )


def _rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("mse_loss", {}),
        ("l1_loss", {}),
        ("huber_loss", {}),
        ("huber_loss", {"delta": 0.3}),
        ("smooth_l1_loss", {}),
        ("smooth_l1_loss", {"beta": 0.4}),
        ("smooth_l1_loss", {"beta": 0.0}),
    ],
)
def test_regression_losses(name, kwargs, reduction, dtype):
    x = _rng().standard_normal((4, 5)).astype(dtype)
    y = _rng(1).standard_normal((4, 5)).astype(dtype)
    y[0, :2] = x[0, :2]  # d = 0 exactly: the kink of l1 / the joins of huber
    y[1, 0] = x[1, 0] + kwargs.get("delta", kwargs.get("beta", 1.0))  # |d| = delta exactly
    _compare(name, [x, y], {"reduction": reduction, **kwargs}, dtype, grad_args=(0, 1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses_with_weight(name, reduction):
    x, y = _rng().standard_normal((3, 4)), _rng(1).standard_normal((3, 4))
    w = _rng(2).uniform(0.1, 2.0, (3, 4))
    _compare(name, [x, y], {"reduction": reduction, "weight": w}, np.float64, grad_args=(0, 1))


def test_regression_losses_broadcast_warn_like_torch():
    x, y = _rng().standard_normal((3, 1)), _rng(1).standard_normal(3)
    for name in ("mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss"):
        with pytest.warns(UserWarning, match="different to the input size"):
            _compare(name, [x, y], {}, np.float64, grad_args=(0, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="must match the size of tensor b"):
            tg.nn.functional.mse_loss(tg.zeros(3, 2), tg.zeros(4))


def test_regression_losses_promote_integer_targets():
    x, y = _rng().standard_normal(5).astype(np.float32), np.arange(5)
    _compare("mse_loss", [x, y], {}, np.float32)
    _compare("l1_loss", [x, y], {}, np.float32)


# ---------------------------------------------------------------------- classification

CE_TARGETS = {  # input shape, target maker
    "2d": ((6, 4), lambda r: r.integers(0, 4, 6)),
    "1d": ((4,), lambda r: np.array(2)),
    "spatial": ((3, 4, 2, 3), lambda r: r.integers(0, 4, (3, 2, 3))),
    "3d": ((3, 4, 5), lambda r: r.integers(0, 4, (3, 5))),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", list(CE_TARGETS))
@pytest.mark.parametrize(
    "weighted,ignore,smoothing", list(itertools.product([False, True], [False, True], [0.0, 0.2]))
)
def test_cross_entropy_class_indices(weighted, ignore, smoothing, shape, reduction, dtype):
    r = _rng(3)
    in_shape, make_target = CE_TARGETS[shape]
    x = r.standard_normal(in_shape).astype(dtype) * 2
    t = make_target(r)
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        kwargs["weight"] = r.uniform(0.2, 2.0, in_shape[0 if len(in_shape) == 1 else 1]).astype(
            dtype
        )
    if ignore:
        kwargs["ignore_index"] = 1
        if t.ndim:
            t.reshape(-1)[0] = 1  # make sure something is ignored
    _compare("cross_entropy", [x, t], kwargs, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing", list(itertools.product([False, True], [0.0, 0.3])))
@pytest.mark.parametrize("in_shape", [(5, 3), (3,), (2, 3, 4)])
def test_cross_entropy_probabilities(in_shape, weighted, smoothing, reduction, dtype):
    r = _rng(4)
    x = r.standard_normal(in_shape).astype(dtype)
    p = r.uniform(0, 1, in_shape).astype(dtype)
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        kwargs["weight"] = r.uniform(0.2, 2.0, in_shape[0 if len(in_shape) == 1 else 1]).astype(
            dtype
        )
    _compare("cross_entropy", [x, p], kwargs, dtype, grad_args=(0, 1))


def test_cross_entropy_everything_ignored_is_nan_like_torch():
    x, t = _rng().standard_normal((3, 4)), np.full(3, -100)
    for smoothing, weight in ((0.0, None), (0.1, None), (0.1, _rng().uniform(size=4))):
        kwargs = {"label_smoothing": smoothing, "weight": weight}
        ours = tg.nn.functional.cross_entropy(
            to_ours(x),
            to_ours(t),
            weight=None if weight is None else to_ours(weight),
            label_smoothing=smoothing,
        )
        theirs = torch.nn.functional.cross_entropy(
            to_torch(x),
            to_torch(t),
            **{**kwargs, "weight": None if weight is None else to_torch(weight)},
        )
        assert np.isnan(ours.item()) and np.isnan(theirs.item())


def test_unbatched_input_accepts_a_one_element_target():
    x = _rng().standard_normal(4)
    for name in ("nll_loss", "cross_entropy"):
        ours = getattr(tg.nn.functional, name)(to_ours(x), tg.tensor([2]), reduction="none")
        theirs = getattr(torch.nn.functional, name)(
            to_torch(x), torch.tensor([2]), reduction="none"
        )
        assert ours.shape == () and abs(ours.item() - theirs.item()) < 1e-12


def test_cross_entropy_ignore_index_out_of_range_is_allowed():
    x, t = _rng().standard_normal((3, 3)), np.array([5, 1, 2])
    _compare("cross_entropy", [x, t], {"ignore_index": 5}, np.float64)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore", list(itertools.product([False, True], [False, True])))
@pytest.mark.parametrize("shape", ["2d", "1d", "spatial"])
def test_nll_loss(shape, weighted, ignore, reduction, dtype):
    r = _rng(5)
    in_shape, make_target = CE_TARGETS[shape]
    x = np.log(r.uniform(0.05, 1, in_shape)).astype(dtype)
    t = make_target(r)
    kwargs = {"reduction": reduction}
    if weighted:
        kwargs["weight"] = r.uniform(0.2, 2.0, in_shape[0 if len(in_shape) == 1 else 1]).astype(
            dtype
        )
    if ignore:
        kwargs["ignore_index"] = 2
    _compare("nll_loss", [x, t], kwargs, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(weighted, reduction, dtype):
    r = _rng(6)
    x = r.uniform(0.02, 0.98, (4, 3)).astype(dtype)
    t = r.uniform(0, 1, (4, 3)).astype(dtype)
    t[0, 0] = 1.0
    kwargs = {"reduction": reduction}
    if weighted:
        kwargs["weight"] = r.uniform(0.2, 2, (3,)).astype(dtype)  # broadcast, as torch allows
    _compare("binary_cross_entropy", [x, t], kwargs, dtype, grad_args=(0, 1))


def test_binary_cross_entropy_at_0_and_1_clamps_like_torch():
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    _compare("binary_cross_entropy", [x, t], {"reduction": "none"}, np.float64)
    out = tg.nn.functional.binary_cross_entropy(tg.tensor([0.0]), tg.tensor([1.0]))
    assert out.item() == 100.0  # log clamped at -100


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos_weighted", list(itertools.product([False, True], repeat=2)))
def test_binary_cross_entropy_with_logits(weighted, pos_weighted, reduction, dtype):
    r = _rng(7)
    x = (r.standard_normal((4, 3)) * 3).astype(dtype)
    x[0, 0] = 0.0  # log_sigmoid's slope at 0 is 1/2
    t = r.uniform(0, 1, (4, 3)).astype(dtype)
    kwargs = {"reduction": reduction}
    if weighted:
        kwargs["weight"] = r.uniform(0.2, 2, (4, 3)).astype(dtype)
    if pos_weighted:
        kwargs["pos_weight"] = r.uniform(0.2, 3, (3,)).astype(dtype)
    _compare("binary_cross_entropy_with_logits", [x, t], kwargs, dtype, grad_args=(0, 1))


def test_stable_for_huge_logits():
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], np.float32)
    t = np.array([0, 2])
    _compare("cross_entropy", [x, t], {"reduction": "none"}, np.float32)
    _compare("cross_entropy", [x, t], {"label_smoothing": 0.1}, np.float32)
    _compare("log_softmax", [x], {"dim": 1}, np.float32)
    probs = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.5]], np.float32)
    _compare("binary_cross_entropy_with_logits", [x, probs], {"reduction": "none"}, np.float32)
    loss = tg.nn.functional.binary_cross_entropy_with_logits(to_ours(x), to_ours(probs))
    assert np.isfinite(loss.item())


# ---------------------------------------------------------------------- modules

MODULES = [
    ("MSELoss", {}, "reg"),
    ("L1Loss", {}, "reg"),
    ("HuberLoss", {"delta": 0.5}, "reg"),
    ("SmoothL1Loss", {"beta": 0.5}, "reg"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, "cls"),
    ("CrossEntropyLoss", {"ignore_index": 0}, "cls"),
    ("NLLLoss", {}, "cls"),
    ("BCELoss", {}, "prob"),
    ("BCEWithLogitsLoss", {}, "bin"),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name,kwargs,kind", MODULES, ids=[f"{m[0]}{i}" for i, m in enumerate(MODULES)]
)
def test_loss_modules_match_torch(name, kwargs, kind, reduction):
    r = _rng(8)
    x = r.standard_normal((5, 3))
    y = {
        "reg": r.standard_normal((5, 3)),
        "cls": r.integers(0, 3, 5),
        "prob": r.uniform(size=(5, 3)),
        "bin": r.uniform(size=(5, 3)),
    }[kind]
    if kind == "prob":
        x = 1 / (1 + np.exp(-x))
    ours = getattr(tg.nn, name)(reduction=reduction, **kwargs)
    theirs = getattr(torch.nn, name)(reduction=reduction, **kwargs)
    tx, px = to_ours(x, True), to_torch(x, True)
    out, pout = ours(tx, to_ours(y)), theirs(px, to_torch(y))
    assert_close_scaled(out.detach().numpy(), pout.detach().numpy(), "loss")
    out.sum().backward(), pout.sum().backward()
    assert_close_scaled(tx.grad.numpy(), px.grad.numpy(), "grad")
    assert repr(ours) == repr(theirs)


def test_weighted_loss_modules_keep_weights_as_buffers():
    w = np.array([0.5, 2.0, 1.0])
    for name in ("CrossEntropyLoss", "NLLLoss"):
        ours, theirs = (
            getattr(tg.nn, name)(weight=to_ours(w)),
            getattr(torch.nn, name)(weight=to_torch(w)),
        )
        assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    ours = tg.nn.BCEWithLogitsLoss(pos_weight=to_ours(w))
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=to_torch(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["pos_weight"]
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert tg.nn.MSELoss(size_average=False).reduction == "sum"


# ---------------------------------------------------------------------- errors


def _same_error(fn_name, args, kwargs=None):
    """Both libraries raise the same exception class with the same message."""
    kwargs = kwargs or {}
    with pytest.raises(Exception) as theirs:
        getattr(torch.nn.functional, fn_name)(*[to_torch(a) for a in args], **kwargs)
    with pytest.raises(theirs.type) as ours:
        getattr(tg.nn.functional, fn_name)(*[to_ours(a) for a in args], **kwargs)
    assert str(ours.value).replace("tinygrad_nn", "torch") == str(theirs.value)


X = np.zeros((4, 3), np.float32)


@pytest.mark.parametrize(
    "fn_name,args,kwargs",
    [
        ("cross_entropy", [X, np.zeros(4, np.float32)], {}),  # float targets of the wrong shape
        ("cross_entropy", [X, np.zeros((4, 2), np.float32)], {}),
        ("cross_entropy", [X, np.zeros((4, 3), np.int64)], {}),  # probabilities must be floats
        ("cross_entropy", [X, np.zeros(4, np.int32)], {}),
        ("cross_entropy", [X, np.zeros(5, np.int64)], {}),  # batch sizes differ
        ("cross_entropy", [X, np.array([0, 1, 2, 3])], {}),  # class out of range
        ("cross_entropy", [X, np.array([0, 1, 2, -1])], {}),
        ("cross_entropy", [X, np.ones((4, 3), np.float32)], {"ignore_index": 1}),
        ("cross_entropy", [X, np.array([0, 1, 2, 1])], {"label_smoothing": 1.5}),
        ("cross_entropy", [X, np.array([0, 1, 2, 1])], {"reduction": "avg"}),
        ("nll_loss", [X, np.zeros(4, np.float32)], {}),
        ("nll_loss", [np.zeros((2, 3, 4), np.float32), np.zeros((2, 5), np.int64)], {}),
        ("nll_loss", [np.zeros((2, 3, 4, 5), np.float32), np.zeros((2, 4), np.int64)], {}),
        ("nll_loss", [np.zeros((), np.float32), np.array(0)], {}),
        ("nll_loss", [np.zeros(3, np.float32), np.array([1, 2])], {}),
        ("nll_loss", [X, np.array(1)], {}),
        ("mse_loss", [X, X], {"reduction": "avg"}),
        ("binary_cross_entropy", [np.zeros((3, 1), np.float32), np.zeros(3, np.float32)], {}),
        ("binary_cross_entropy", [np.zeros(3, np.float32), np.zeros(3, np.int64)], {}),
        ("binary_cross_entropy", [np.full(3, 1.5, np.float32), np.zeros(3, np.float32)], {}),
        (
            "binary_cross_entropy_with_logits",
            [np.zeros((3, 1), np.float32), np.zeros(3, np.float32)],
            {},
        ),
        ("huber_loss", [X, X], {"delta": -1.0}),
        ("smooth_l1_loss", [X, X], {"beta": -1.0}),
    ],
)
def test_loss_errors_match_torch(fn_name, args, kwargs):
    _same_error(fn_name, args, kwargs)


def test_weight_of_the_wrong_size_is_rejected_like_torch():
    t = np.array([0, 1, 2, 1])
    for kwargs in ({}, {"label_smoothing": 0.1}):
        with pytest.raises(
            RuntimeError,
            match=r"weight tensor should be defined either for all 3 "
            r"classes or no classes but got weight tensor of "
            r"shape: \[4\]",
        ):
            tg.nn.functional.cross_entropy(to_ours(X), to_ours(t), weight=tg.ones(4), **kwargs)
    with pytest.raises(RuntimeError, match="cross_entropy: weight tensor"):
        tg.nn.functional.cross_entropy(to_ours(X), to_ours(X), weight=tg.ones(4))
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        tg.nn.functional.nll_loss(to_ours(X), to_ours(t), weight=tg.ones(3, dtype=tg.float64))
    with pytest.raises(ValueError, match="Weights and input must have the same size."):
        tg.nn.functional.mse_loss(to_ours(X), to_ours(X), weight=tg.ones(3))
