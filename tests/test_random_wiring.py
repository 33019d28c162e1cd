"""Every random factory and in-place sampler draws PyTorch's numbers, bit for bit.

Each case runs the same code on both libraries after the same seed, on the global generator
and on an explicit `Generator`, and compares the bits of the result and the generator's state
bytes afterwards (so the number of draws consumed matches too). Argument errors carry
PyTorch's class and wording.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

SEEDS = [0, 42, 2**32 + 3, -5]


def _array(x) -> np.ndarray:
    return np.ascontiguousarray(x.detach().numpy())


def assert_same_bits(ours, theirs) -> None:
    """Same shape, same dtype and the same bytes (so -0.0 and NaN payloads count)."""
    a, b = _array(ours), _array(theirs)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert a.shape == b.shape, (a.shape, b.shape)
    if a.tobytes() != b.tobytes():
        bad = np.flatnonzero(a.reshape(-1) != b.reshape(-1))
        raise AssertionError(
            f"{bad.size} of {a.size} differ, first at {bad[:5]}: "
            f"{a.reshape(-1)[bad[:5]]} vs {b.reshape(-1)[bad[:5]]}"
        )


def run_both(case, seed: int, explicit: bool) -> None:
    """`case(lib, generator)` on both libraries from the same seed: same output, same state."""
    outs, states = [], []
    for lib in (torch, tg):
        if explicit:
            gen = lib.Generator().manual_seed(seed)
        else:
            lib.manual_seed(seed)
            gen = None
        outs.append(case(lib, gen))
        states.append(_array(gen.get_state() if explicit else lib.get_rng_state()))
    theirs, ours = outs
    if isinstance(theirs, torch.Tensor):
        theirs, ours = [theirs], [ours]
    for a, b in zip(ours, theirs):
        assert_same_bits(a, b)
    assert states[0].tobytes() == states[1].tobytes(), "generator states differ after the draws"


def _dt(lib, name: str):
    return getattr(lib, name)


SIZES = [1, 15, 16, 17, 1000]
FLOATS = ["float32", "float64"]

CREATION = {
    **{
        f"rand_{n}_{d}": (lambda L, g, n=n, d=d: L.rand(n, generator=g, dtype=_dt(L, d)))
        for n in SIZES
        for d in FLOATS
    },
    **{
        f"randn_{n}_{d}": (lambda L, g, n=n, d=d: L.randn(n, generator=g, dtype=_dt(L, d)))
        for n in SIZES
        for d in FLOATS
    },
    "rand_2d": lambda L, g: L.rand(3, 7, generator=g),
    "rand_size_kw": lambda L, g: L.rand(size=(4, 5), generator=g, dtype=L.float64),
    "randn_3d": lambda L, g: L.randn((2, 3, 5), generator=g),
    "randint_high": lambda L, g: L.randint(10, (1000,), generator=g),
    "randint_low_high": lambda L, g: L.randint(-3, 5, (17,), generator=g),
    "randint_big": lambda L, g: L.randint(0, 2**40, (33,), generator=g),
    "randint_2pow31": lambda L, g: L.randint(-(2**31), 2**31, (20,), generator=g),
    "randint_int32": lambda L, g: L.randint(0, 100, (40,), generator=g, dtype=L.int32),
    "randint_float": lambda L, g: L.randint(0, 100, (40,), generator=g, dtype=L.float32),
    "randint_float64": lambda L, g: L.randint(0, 2**40, (9,), generator=g, dtype=L.float64),
    "randint_uint8": lambda L, g: L.randint(0, 256, (30,), generator=g, dtype=L.uint8),
    "randint_kw": lambda L, g: L.randint(low=2, high=9, size=(6,), generator=g),
    **{
        f"randperm_{n}": (lambda L, g, n=n: L.randperm(n, generator=g)) for n in [0, 1, 2, 17, 1000]
    },
    "randperm_float": lambda L, g: L.randperm(30, generator=g, dtype=L.float32),
    "randperm_int32": lambda L, g: L.randperm(30, generator=g, dtype=L.int32),
    "normal_floats": lambda L, g: L.normal(2.0, 3.0, (17,), generator=g),
    "normal_floats_small": lambda L, g: L.normal(-1.0, 0.5, size=(5,), generator=g),
    "normal_floats_f64": lambda L, g: L.normal(0.5, 2.0, (20,), generator=g, dtype=L.float64),
    "normal_tensor_mean": lambda L, g: L.normal(L.arange(20.0), 2.0, generator=g),
    "normal_tensor_mean_small": lambda L, g: L.normal(L.arange(5.0), generator=g),
    "normal_tensor_std": lambda L, g: L.normal(1.5, L.arange(1.0, 21.0), generator=g),
    "normal_tensor_std_f64": lambda L, g: L.normal(
        1.5, L.arange(1.0, 6.0, dtype=L.float64), generator=g
    ),
    "normal_tensors": lambda L, g: L.normal(L.arange(18.0), L.arange(18.0) / 3, generator=g),
    "normal_tensors_broadcast": lambda L, g: L.normal(
        L.arange(4.0).reshape(4, 1), L.arange(1.0, 6.0), generator=g
    ),
    "bernoulli_tensor": lambda L, g: L.bernoulli(L.linspace(0, 1, 1000), generator=g),
    "bernoulli_tensor_f64": lambda L, g: L.bernoulli(
        L.linspace(0, 1, 17, dtype=L.float64), generator=g
    ),
    "bernoulli_scalar_p": lambda L, g: L.bernoulli(L.zeros(40), 0.3, generator=g),
    "multinomial_1d": lambda L, g: L.multinomial(L.arange(1.0, 11.0), 4, generator=g),
    "multinomial_1d_all": lambda L, g: L.multinomial(L.arange(1.0, 11.0), 10, generator=g),
    "multinomial_replacement": lambda L, g: L.multinomial(
        L.arange(1.0, 6.0), 50, replacement=True, generator=g
    ),
    "multinomial_2d": lambda L, g: L.multinomial(L.arange(1.0, 13.0).reshape(3, 4), 2, generator=g),
    "multinomial_2d_replacement": lambda L, g: L.multinomial(
        L.arange(1.0, 13.0, dtype=L.float64).reshape(3, 4), 7, True, generator=g
    ),
    "multinomial_one": lambda L, g: L.multinomial(L.tensor([0.2, 0.5, 0.3]), 1, generator=g),
    "rand_like": lambda L, g: L.rand_like(L.zeros(17, dtype=L.float64), generator=g),
    "rand_like_dtype": lambda L, g: L.rand_like(L.zeros(4), dtype=L.float64, generator=g),
    "randn_like": lambda L, g: L.randn_like(L.zeros(3, 6), generator=g),
    "randint_like": lambda L, g: L.randint_like(L.zeros(9), 7, generator=g),
    "randint_like_low": lambda L, g: L.randint_like(L.zeros(9, dtype=L.int64), 3, 70, generator=g),
}


@pytest.mark.parametrize("explicit", [False, True], ids=["global", "generator"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_matches_torch(name, seed, explicit):
    run_both(CREATION[name], seed, explicit)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_large_draw_matches_torch(fn, dtype):
    run_both(lambda L, g: getattr(L, fn)(100_003, generator=g, dtype=_dt(L, dtype)), 7, False)


def _filled(method: str, shape, dtype: str, *args, transpose=False, **kwargs):
    def case(L, g):
        t = L.zeros(shape, dtype=_dt(L, dtype))
        t = t.t() if transpose else t
        return getattr(t, method)(*args, generator=g, **kwargs)

    return case


METHODS = {
    **{f"uniform_{n}_{d}": _filled("uniform_", (n,), d, -2.0, 3.0) for n in SIZES for d in FLOATS},
    **{f"normal_{n}_{d}": _filled("normal_", (n,), d, 1.0, 0.5) for n in SIZES for d in FLOATS},
    "uniform_default": _filled("uniform_", (4, 5), "float32"),
    "normal_default": _filled("normal_", (4, 5), "float64"),
    "uniform_transposed": _filled("uniform_", (3, 6), "float32", transpose=True),
    "normal_transposed": _filled("normal_", (5, 6), "float32", transpose=True),
    **{
        f"random_{d}": _filled("random_", (37,), d)
        for d in ["int64", "int32", "int16", "uint8", "bool", "float32", "float64"]
    },
    **{
        f"random_to_{d}": _filled("random_", (37,), d, 100)
        for d in ["int64", "int32", "uint8", "float32", "float64"]
    },
    **{
        f"random_from_to_{d}": _filled("random_", (37,), d, -5, 12)
        for d in ["int64", "int32", "float32", "float64"]
    },
    "random_from_none": _filled("random_", (9,), "int64", 3, None),
    "random_from_none_int32": _filled("random_", (9,), "int32", 3, None),
    "random_from_none_float": _filled("random_", (9,), "float32", 3, None),
    "random_to_big": _filled("random_", (9,), "int64", 2**40),
    "random_transposed": _filled("random_", (4, 3), "int64", 1000, transpose=True),
    **{f"bernoulli_p_{d}": _filled("bernoulli_", (100,), d, 0.3) for d in FLOATS},
    "bernoulli_default": _filled("bernoulli_", (33,), "float32"),
    "bernoulli_int": _filled("bernoulli_", (33,), "int64", 0.7),
    "bernoulli_transposed": _filled("bernoulli_", (5, 4), "float32", 0.4, transpose=True),
    **{
        f"exponential_{n}_{d}": _filled("exponential_", (n,), d, 2.5)
        for n in [1, 17, 1000]
        for d in FLOATS
    },
    "exponential_default": _filled("exponential_", (8,), "float32"),
    **{
        f"{m}_{n}_{d}": _filled(m, (n,), d, *args)
        for m, args in [
            ("log_normal_", (0.5, 0.25)),
            ("cauchy_", (1.0, 2.0)),
            ("geometric_", (0.3,)),
        ]
        for n in [1, 17, 100]
        for d in FLOATS
    },
    "log_normal_default": _filled("log_normal_", (5,), "float32"),
    "cauchy_default": _filled("cauchy_", (5,), "float64"),
    "geometric_int": _filled("geometric_", (20,), "int64", 0.05),
}


def _bernoulli_tensor_p(L, g):
    p = L.linspace(0.0, 1.0, 50)
    return L.zeros(50).bernoulli_(p, generator=g), L.zeros(4, 50).bernoulli_(p, generator=g)


def _views(L, g):
    """Views that are not contiguous: drawn in memory order, as PyTorch's kernels walk them."""
    base = L.zeros(40, 3)
    a = base[::2].uniform_(generator=g)
    b = L.zeros(20, 4)[:, 1:3].normal_(generator=g)
    c = L.zeros(3, 4, 5).permute(2, 0, 1).normal_(2.0, 3.0, generator=g)
    d = L.zeros(6, 5, dtype=L.int64).t().random_(0, 50, generator=g)
    return a, b, c, d, base


METHODS["bernoulli_tensor_p"] = _bernoulli_tensor_p
METHODS["views"] = _views


@pytest.mark.parametrize("explicit", [False, True], ids=["global", "generator"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(METHODS))
def test_inplace_sampler_matches_torch(name, seed, explicit):
    run_both(METHODS[name], seed, explicit)


def test_a_script_of_mixed_draws_matches_torch():
    """Draws of every kind in a row share one stream, as in a real script."""

    def script(L, g):
        out = [L.rand(3), L.randn(20), L.randint(0, 9, (5,)), L.randperm(7), L.randn(2)]
        out += [L.zeros(18).normal_(), L.bernoulli(L.full((6,), 0.5)), L.randn(3)]
        out += [L.multinomial(L.ones(4), 2), L.empty(3, dtype=L.int64).random_()]
        return out

    run_both(script, 1234, False)


def test_requires_grad_and_dtype_flags():
    """requires_grad= makes a leaf; integer results refuse it, as PyTorch's do."""
    for lib in (torch, tg):
        x = lib.rand(3, requires_grad=True)
        assert x.requires_grad and x.grad_fn is None and x.is_leaf
        assert lib.randn(2, dtype=lib.float64, requires_grad=True).dtype == lib.float64
        assert lib.randperm(4, dtype=lib.float32, requires_grad=True).requires_grad
        with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
            lib.randint(0, 5, (3,), requires_grad=True)
        assert lib.randint_like(lib.zeros(3), 5).dtype == lib.float32
        assert lib.normal(2, 3, (2,)).dtype == lib.float32


def _zero_grad_case(lib, make):
    p = lib.tensor([0.2, 0.7, 0.5], requires_grad=True)
    out = make(lib, p)
    assert out.requires_grad
    name = type(out.grad_fn).__name__ if lib is torch else out.grad_fn.name()
    (out * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
    return name, p.grad.tolist()


@pytest.mark.parametrize(
    "make",
    [
        lambda L, p: L.bernoulli(p),
        lambda L, p: L.normal(p, 1.0),
        lambda L, p: L.normal(1.0, p),
        lambda L, p: L.normal(p, p),
    ],
    ids=["bernoulli", "normal_mean", "normal_std", "normal_both"],
)
def test_parameters_that_require_grad_get_a_zero_gradient(make):
    """PyTorch's derivatives of bernoulli/normal w.r.t. their parameters are zero."""
    theirs, ours = _zero_grad_case(torch, make), _zero_grad_case(tg, make)
    assert ours == theirs
    assert ours[1] == [0.0, 0.0, 0.0]


def test_inplace_samplers_keep_the_graph_with_a_zero_gradient():
    for lib in (torch, tg):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        y.uniform_()
        name = type(y.grad_fn).__name__ if lib is torch else y.grad_fn.name()
        assert name == "UniformBackward0"
        y.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def _error(fn):
    try:
        fn()
    except Exception as exc:  # the class is what we compare
        return type(exc).__name__, str(exc)
    return None


ERRORS = {
    "uniform_from_gt_to": lambda L: L.empty(3).uniform_(2, 1),
    "uniform_fraction": lambda L: L.empty(3).uniform_(0.5, 0.25),
    "uniform_range_too_big": lambda L: L.empty(3).uniform_(-3e38, 3e38),
    "uniform_int": lambda L: L.empty(3, dtype=L.int64).uniform_(),
    "normal_negative_std": lambda L: L.empty(3).normal_(0, -1),
    "normal_nan_std": lambda L: L.empty(3).normal_(0, float("nan")),
    "normal_int": lambda L: L.empty(3, dtype=L.int64).normal_(),
    "random_from_ge_to": lambda L: L.empty(3).random_(5, 2),
    "random_uint8_from": lambda L: L.empty(3, dtype=L.uint8).random_(-1, 2),
    "random_uint8_to": lambda L: L.empty(3, dtype=L.uint8).random_(0, 300),
    "bernoulli_p": lambda L: L.empty(3).bernoulli_(1.5),
    "bernoulli_tensor_p": lambda L: L.bernoulli(L.tensor([0.5, 2.0])),
    "bernoulli_int_p": lambda L: L.bernoulli(L.tensor([1, 0])),
    "exponential_lambda": lambda L: L.empty(3).exponential_(-1),
    "exponential_int": lambda L: L.empty(3, dtype=L.int64).exponential_(),
    "multinomial_3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    "log_normal_std": lambda L: L.empty(3).log_normal_(0, 0),
    "log_normal_int": lambda L: L.empty(3, dtype=L.int64).log_normal_(),
    "cauchy_sigma": lambda L: L.empty(3).cauchy_(0, -1),
    "cauchy_int": lambda L: L.empty(3, dtype=L.int64).cauchy_(),
    "geometric_p": lambda L: L.empty(3).geometric_(1),
    "geometric_bool": lambda L: L.empty(3, dtype=L.bool).geometric_(0.5),
    "multinomial_int": lambda L: L.multinomial(L.tensor([1, 2]), 1),
    "multinomial_negative": lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1),
    "multinomial_zero_sum": lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    "multinomial_no_samples": lambda L: L.multinomial(L.tensor([1.0, 2.0]), 0),
    "multinomial_too_many": lambda L: L.multinomial(L.tensor([1.0, 1.0]), 3),
    "normal_tensor_negative_std": lambda L: L.normal(L.zeros(2), L.tensor([1.0, -1.0])),
    "normal_float_negative_std": lambda L: L.normal(0.0, -1.0, (3,)),
    "normal_int_mean": lambda L: L.normal(L.zeros(3, dtype=L.int64), 1.0),
    "randint_from_ge_to": lambda L: L.randint(5, 3, (2,)),
    "randint_bool_range": lambda L: L.randint(3, (2,), dtype=L.bool),
    "rand_int": lambda L: L.rand(3, dtype=L.int64),
    "randn_int": lambda L: L.randn(3, dtype=L.int32),
    "randperm_negative": lambda L: L.randperm(-1),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_arguments_raise_like_torch(name):
    theirs = _error(lambda: ERRORS[name](torch))
    assert theirs is not None
    assert _error(lambda: ERRORS[name](tg)) == theirs


def test_bad_argument_does_not_draw():
    """A refused call leaves the stream where it was (PyTorch checks before drawing)."""
    tg.manual_seed(3)
    torch.manual_seed(3)
    for lib in (torch, tg):
        with pytest.raises(RuntimeError):
            lib.empty(3).uniform_(2, 1)
    assert_same_bits(tg.rand(5), torch.rand(5))
