"""tinygrad_nn.random against PyTorch's CPU generator, bit for bit.

Every sampler of the engine runs on a generator seeded like a fresh torch generator and must
return exactly torch's values (compared as raw arrays, no tolerance) and leave exactly torch's
state bytes behind. Seeds cover 0, 42, a seed above 2^32, negative ones and a few arbitrary
ones; sizes cover both sides of the 16-element Box-Muller block and a large odd size.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import random as tgr

torch = pytest.importorskip("torch")

SEEDS = [0, 42, 2**32 + 3, -5, 1234567, 2**63 + 11, 987654321987]
SIZES = [1, 15, 16, 17, 1000, 100003]
FLOATS = [(np.float32, torch.float32), (np.float64, torch.float64)]


def _pair(seed: int, use_global: bool):
    """(our generator, torch's) seeded alike: the global ones or fresh Generator objects."""
    if use_global:
        tg.manual_seed(seed)
        torch.manual_seed(seed)
        return None, None
    return tgr.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def _state(gen, library) -> np.ndarray:
    if gen is None:
        gen = tgr.default_generator if library is tg else torch.default_generator
    state = gen.get_state()
    return state._data if library is tg else state.numpy()


def _assert_same(ours: np.ndarray, theirs: torch.Tensor, gen, tgen) -> None:
    """Same values, shape and dtype, and the generators left in the same state."""
    theirs = theirs.numpy()
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(_state(gen, tg), _state(tgen, torch))


# ------------------------------------------------------------------ engine and seeding
@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_state_bytes_and_initial_seed(seed):
    tg.manual_seed(seed)
    torch.manual_seed(seed)
    assert tg.initial_seed() == torch.initial_seed()
    assert tgr.get_rng_state()._data.shape == (5056,)
    np.testing.assert_array_equal(tgr.get_rng_state()._data, torch.get_rng_state().numpy())


def test_fresh_generator_matches_torch():
    gen, tgen = tgr.Generator(), torch.Generator()
    assert gen.initial_seed() == tgen.initial_seed() == 67280421310721
    assert str(gen.device) == "cpu"
    _assert_same(
        tgr.uniform_array((100,), np.float32, generator=gen),
        torch.rand(100, generator=tgen),
        gen,
        tgen,
    )


def test_global_seed_comes_from_the_os_at_startup():
    code = "import tinygrad_nn as t; print(t.initial_seed())"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(run.stdout) not in (67280421310721, tg.initial_seed())
    assert tg.seed() != tg.seed()


def test_seed_returns_the_new_seed():
    new_seed = tg.seed()
    assert tg.initial_seed() == new_seed and 0 <= new_seed < 2**64
    torch.manual_seed(new_seed)
    _assert_same(
        tgr.uniform_array((10,), np.float64), torch.rand(10, dtype=torch.float64), None, None
    )


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1])
def test_seed_out_of_range(seed):
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        tg.manual_seed(seed)


def test_generator_manual_seed_rejects_float():
    with pytest.raises(RuntimeError, match="manual_seed expected a long, but got float"):
        tgr.Generator().manual_seed(1.5)


def test_random64():
    gen, tgen = _pair(9, use_global=False)
    theirs = torch.empty((), dtype=torch.int64).random_(generator=tgen).item()
    assert tgr.random64(gen) % 2**63 == theirs


# ------------------------------------------------------------------------ uniforms
@pytest.mark.parametrize("use_global", [True, False])
@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("seed", SEEDS)
def test_rand(seed, dtype, use_global):
    for size in SIZES:
        gen, tgen = _pair(seed, use_global)
        ours = tgr.uniform_array((size,), dtype[0], generator=gen)
        _assert_same(ours, torch.rand(size, dtype=dtype[1], generator=tgen), gen, tgen)


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize(
    "low, high", [(-1, 1), (0.5, 3), (1000, 1001), (-3.3, 1e-3), (-0.0357, 0.0357), (2.0, 2.0)]
)
@pytest.mark.parametrize("seed", SEEDS[:4])
def test_uniform_bounds(seed, low, high, dtype):
    gen, tgen = _pair(seed, use_global=False)
    ours = tgr.uniform_array((3, 33335), dtype[0], low, high, gen)
    theirs = torch.empty(3, 33335, dtype=dtype[1]).uniform_(low, high, generator=tgen)
    _assert_same(ours, theirs, gen, tgen)


def test_float16_draws_through_float32():
    # PyTorch computes float16 uniforms and normals in float32 and casts; a uniform that
    # rounds up to `high` in float16 wraps to `low`; a float16 normal's last block is the
    # leftover uniforms topped up with fresh ones.
    for n in [5, 17, 32, 1000, 100003]:
        gen, tgen = _pair(n, use_global=False)
        _assert_same(
            tgr.uniform_array((n,), np.float16, generator=gen),
            torch.rand(n, dtype=torch.float16, generator=tgen),
            gen,
            tgen,
        )
        _assert_same(
            tgr.uniform_array((n,), np.float16, -1.3, 2.1, gen),
            torch.empty(n, dtype=torch.float16).uniform_(-1.3, 2.1, generator=tgen),
            gen,
            tgen,
        )
        if n >= 16 and tgr._normal_fill_float32 is None:
            continue
        _assert_same(
            tgr.normal_array((n,), np.float16, 0.5, 2.0, gen),
            torch.empty(n, dtype=torch.float16).normal_(0.5, 2.0, generator=tgen),
            gen,
            tgen,
        )


@pytest.mark.parametrize("low, high", [(-1e307, 1e308), (5e307, 1.7e308), (-3e-300, 1e-299)])
def test_uniform_float64_extreme_bounds(low, high):
    gen, tgen = _pair(0, use_global=False)
    theirs = torch.empty(10000, dtype=torch.float64).uniform_(low, high, generator=tgen)
    _assert_same(tgr.uniform_array((10000,), np.float64, low, high, gen), theirs, gen, tgen)


# ------------------------------------------------------------------------- normals
def _normal_case(seed, sizes, dtype, use_global, mean=0.0, std=1.0):
    for size in sizes:
        gen, tgen = _pair(seed, use_global)
        ours = tgr.normal_array((size,), dtype[0], mean, std, gen)
        theirs = torch.empty(size, dtype=dtype[1]).normal_(mean, std, generator=tgen)
        _assert_same(ours, theirs, gen, tgen)


@pytest.mark.parametrize("use_global", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_randn_float64(seed, use_global):
    _normal_case(seed, SIZES, FLOATS[1], use_global)


@pytest.mark.parametrize("use_global", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_randn_float32_below_one_block(seed, use_global):
    _normal_case(seed, [1, 2, 3, 15], FLOATS[0], use_global)


@pytest.mark.parametrize("use_global", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_randn_float32_blocks(seed, use_global):
    _normal_case(seed, [16, 17, 31, 32, 1000, 100003], FLOATS[0], use_global)


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("mean, std", [(0.3, 2.5), (-1.7, 0.01), (5.0, 0.0), (0.0, float("inf"))])
def test_normal_mean_std(mean, std, dtype):
    sizes = [3, 17, 1000]
    if dtype[0] is np.float32 and tgr._normal_fill_float32 is None:
        sizes = [3]  # float32 Box-Muller blocks live in _normal_float32.py
    _normal_case(7, sizes, dtype, use_global=False, mean=mean, std=std)


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
def test_normal_non_contiguous_fills_in_memory_order(dtype):
    gen, tgen = _pair(3, use_global=False)
    ours = tgr.normal_array((5, 7), dtype[0], 1.0, 2.0, gen, contiguous=False)
    theirs = torch.empty(5, 7, dtype=dtype[1]).t().normal_(1.0, 2.0, generator=tgen).t()
    _assert_same(ours, theirs.contiguous(), gen, tgen)


def test_cached_normal_lives_in_the_state_bytes():
    gen, tgen = _pair(5, use_global=False)
    ours = tgr.normal_array((3,), np.float32, generator=gen)  # leaves r sin(theta) cached
    _assert_same(ours, torch.randn(3, generator=tgen), gen, tgen)
    assert _state(gen, tg)[5040] == 1
    _assert_same(
        tgr.normal_array((1,), np.float64, generator=gen),
        torch.randn(1, dtype=torch.float64, generator=tgen),
        gen,
        tgen,
    )
    assert _state(gen, tg)[5040] == 0


def test_manual_seed_clears_the_cached_normal():
    tg.manual_seed(1)
    tgr.normal_array((1,), np.float64)
    tg.manual_seed(1)
    torch.manual_seed(1)
    _assert_same(
        tgr.normal_array((2,), np.float64), torch.randn(2, dtype=torch.float64), None, None
    )


# ------------------------------------------------------------ states across libraries
def _draw_both(gen, tgen):
    _assert_same(
        tgr.normal_array((5,), np.float64, generator=gen),
        torch.randn(5, dtype=torch.float64, generator=tgen),
        gen,
        tgen,
    )
    _assert_same(
        tgr.uniform_array((700,), np.float32, generator=gen),
        torch.rand(700, generator=tgen),
        gen,
        tgen,
    )


@pytest.mark.parametrize("drawn", [0, 1, 623, 624, 625, 5000])
def test_state_from_torch_to_us(drawn):
    tgen = torch.Generator().manual_seed(11)
    torch.randn(3, generator=tgen)  # a cached normal too
    torch.randint(0, 10, (drawn,), generator=tgen)
    state = tgen.get_state()
    gen = tgr.Generator().set_state(tg.tensor(state.numpy()) if drawn % 2 else state)
    assert gen.initial_seed() == 11
    np.testing.assert_array_equal(_state(gen, tg), _state(tgen, torch))
    _draw_both(gen, tgen)


@pytest.mark.parametrize("drawn", [0, 1, 623, 624, 625, 5000])
def test_state_from_us_to_torch(drawn):
    gen = tgr.Generator().manual_seed(-3)
    tgr.normal_array((3,), np.float64, generator=gen)
    tgr.randint_array((drawn,), np.int64, 0, 10, gen)
    tgen = torch.Generator()
    tgen.set_state(torch.from_numpy(gen.get_state()._data.copy()))
    _draw_both(gen, tgen)


def test_global_state_round_trip():
    tg.manual_seed(2)
    saved = tg.get_rng_state()
    first = tgr.normal_array((5,), np.float64)
    tg.set_rng_state(saved)
    np.testing.assert_array_equal(tgr.normal_array((5,), np.float64), first)


def test_set_state_errors_match_torch():
    good = tg.get_rng_state()._data
    cases = [np.zeros(10, np.uint8), good.astype(np.float32), good.copy(), good.copy()]
    cases[2][8:12] = 0  # left = 0
    cases[3][12] = 0  # not seeded
    for bad in cases:
        with pytest.raises(Exception) as theirs:
            torch.set_rng_state(torch.from_numpy(bad))
        with pytest.raises(type(theirs.value), match=str(theirs.value)):
            tg.set_rng_state(tg.tensor(bad))


# ------------------------------------------------------------------------ integers
RANGES = [
    (0, 10),
    (-5, 17),
    (0, 2**28 - 1),
    (0, 2**28),
    (-(2**33), 2**33),
    (0, 2**32),
    (-(2**62), 2**62),
]


@pytest.mark.parametrize("low, high", RANGES)
@pytest.mark.parametrize("seed", SEEDS)
def test_randint_int64(seed, low, high):
    gen, tgen = _pair(seed, use_global=seed % 2 == 0)
    _assert_same(
        tgr.randint_array((1000,), np.int64, low, high, gen),
        torch.randint(low, high, (1000,), generator=tgen),
        gen,
        tgen,
    )


@pytest.mark.filterwarnings("ignore:to - 1 is out of bounds")
@pytest.mark.parametrize(
    "dtype, low, high",
    [
        (torch.int32, -7, 2**30),
        (torch.int16, -100, 100),
        (torch.uint8, 0, 256),
        (torch.int8, -128, 0),
        (torch.float32, 0, 2**25),
        (torch.float32, -3, 2**28 + 1),
        (torch.float64, 0, 2**54 + 3),
        (torch.float16, 0, 2049),
        (torch.bool, 0, 2),
    ],
)
def test_randint_dtypes(dtype, low, high):
    gen, tgen = _pair(13, use_global=False)
    np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    theirs = torch.randint(low, high, (500,), dtype=dtype, generator=tgen)
    _assert_same(tgr.randint_array((500,), np_dtype, low, high, gen), theirs, gen, tgen)


@pytest.mark.parametrize("dtype", [torch.int64, torch.float64, torch.float32, torch.float16,
                                   torch.int32, torch.int16, torch.int8, torch.uint8,
                                   torch.bool])  # fmt: skip
@pytest.mark.parametrize("seed", SEEDS[:4])
def test_random_without_bounds(seed, dtype):
    gen, tgen = _pair(seed, use_global=False)
    np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
    _assert_same(
        tgr.random_array((1000,), np_dtype, gen),
        torch.empty(1000, dtype=dtype).random_(generator=tgen),
        gen,
        tgen,
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_randperm(seed):
    for n in [0, 1, 2, 15, 16, 17, 1000, 100003]:
        gen, tgen = _pair(seed, use_global=seed % 2 == 1)
        _assert_same(
            tgr.randperm_array(n, generator=gen), torch.randperm(n, generator=tgen), gen, tgen
        )


def test_randperm_float_dtype():
    gen, tgen = _pair(4, use_global=False)
    _assert_same(
        tgr.randperm_array(300, np.float32, gen),
        torch.randperm(300, dtype=torch.float32, generator=tgen),
        gen,
        tgen,
    )


# ----------------------------------------------------------- Bernoulli, exponential
@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("seed", SEEDS[:4])
def test_bernoulli_scalar_p(seed, p):
    for size in [1, 17, 100003]:
        gen, tgen = _pair(seed, use_global=seed == 42)
        theirs = torch.empty(size).bernoulli_(p, generator=tgen).bool()
        _assert_same(tgr.bernoulli_array((size,), p, gen), theirs, gen, tgen)


@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("seed", SEEDS[:4])
def test_bernoulli_tensor_p(seed, dtype):
    probs = np.random.default_rng(seed % 2**32).random((40, 25)).astype(dtype[0])
    probs[0, :5] = [0, 1, 0.5, 2**-30, 1 - 2**-20]
    gen, tgen = _pair(seed, use_global=False)
    theirs = torch.bernoulli(torch.from_numpy(probs), generator=tgen).bool()
    _assert_same(tgr.bernoulli_tensor_array(probs, gen), theirs, gen, tgen)


@pytest.mark.parametrize("lambd", [1.0, 0.25, 3.7])
@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("size", [1, 17, 100003])
def test_exponential(size, dtype, lambd):
    gen, tgen = _pair(size, use_global=False)
    theirs = torch.empty(size, dtype=dtype[1]).exponential_(lambd, generator=tgen)
    _assert_same(tgr.exponential_array((size,), dtype[0], lambd, gen), theirs, gen, tgen)


# ---------------------------------------------------------------------- multinomial
@pytest.mark.parametrize(
    "num_samples, replacement",
    [(1, False), (1, True), (4, False), (30, False), (4, True), (1000, True)],
)
@pytest.mark.parametrize("shape", [(30,), (6, 30)])
@pytest.mark.parametrize("dtype", FLOATS, ids=["float32", "float64"])
@pytest.mark.parametrize("seed", SEEDS[:4])
def test_multinomial(seed, dtype, shape, num_samples, replacement):
    probs = np.random.default_rng(seed % 2**32).random(shape).astype(dtype[0])
    probs[..., 3] = 0  # a category that can never be drawn
    gen, tgen = _pair(seed, use_global=False)
    theirs = torch.multinomial(torch.from_numpy(probs), num_samples, replacement, generator=tgen)
    ours = tgr.multinomial_array(probs, num_samples, replacement, gen)
    _assert_same(ours, theirs, gen, tgen)


# ---------------------------------------------------------------------------- errors
_NAN, _INF = float("nan"), float("inf")
_ERRORS = {
    "randint empty range": (
        lambda r: r.randint_array((2,), np.int64, 3, 3),
        lambda: torch.randint(3, 3, (2,)),
    ),
    "randint reversed": (
        lambda r: r.randint_array((2,), np.int64, 5, 3),
        lambda: torch.randint(5, 3, (2,)),
    ),
    "randperm negative": (lambda r: r.randperm_array(-1), lambda: torch.randperm(-1)),
    "randperm float too big": (
        lambda r: r.randperm_array(2**25, np.float32),
        lambda: torch.randperm(2**25, dtype=torch.float32),
    ),
    "uniform reversed": (
        lambda r: r.uniform_array((3,), np.float32, 1, 0),
        lambda: torch.empty(3).uniform_(1, 0),
    ),
    "uniform int": (
        lambda r: r.uniform_array((3,), np.int64),
        lambda: torch.empty(3, dtype=torch.long).uniform_(),
    ),
    "normal int": (
        lambda r: r.normal_array((3,), np.int64),
        lambda: torch.empty(3, dtype=torch.long).normal_(),
    ),
    "uniform from nan": (
        lambda r: r.uniform_array((3,), np.float32, _NAN, 1),
        lambda: torch.empty(3).uniform_(_NAN, 1),
    ),
    "uniform to beyond float16": (
        lambda r: r.uniform_array((3,), np.float16, 0, 1e5),
        lambda: torch.empty(3, dtype=torch.float16).uniform_(0, 1e5),
    ),
    "uniform width overflows": (
        lambda r: r.uniform_array((3,), np.float64, -1e308, 1e308),
        lambda: torch.empty(3, dtype=torch.float64).uniform_(-1e308, 1e308),
    ),
    "normal nan std": (
        lambda r: r.normal_array((3,), np.float64, 0, _NAN),
        lambda: torch.empty(3, dtype=torch.float64).normal_(0, _NAN),
    ),
    "normal negative std": (
        lambda r: r.normal_array((3,), np.float32, 0, -1),
        lambda: torch.empty(3).normal_(0, -1),
    ),
    "bernoulli p > 1": (
        lambda r: r.bernoulli_array((3,), 1.5),
        lambda: torch.empty(3).bernoulli_(1.5),
    ),
    "bernoulli tensor p > 1": (
        lambda r: r.bernoulli_tensor_array(np.array([0.5, 1.5])),
        lambda: torch.bernoulli(torch.tensor([0.5, 1.5])),
    ),
    "bernoulli tensor nan": (
        lambda r: r.bernoulli_tensor_array(np.array([_NAN], np.float32)),
        lambda: torch.bernoulli(torch.tensor([_NAN])),
    ),
    "exponential lambda 0": (
        lambda r: r.exponential_array((3,), np.float32, 0.0),
        lambda: torch.empty(3).exponential_(0.0),
    ),
    "exponential lambda < 0": (
        lambda r: r.exponential_array((3,), np.float32, -2.5),
        lambda: torch.empty(3).exponential_(-2.5),
    ),
}
_MULTINOMIAL = {
    "3-d": (np.ones((2, 2, 2), np.float32), 1, False),
    "0-d": (np.ones((), np.float32), 1, False),
    "ints": (np.ones(3, np.int64), 1, False),
    "no samples": (np.ones(3, np.float32), 0, False),
    "too many": (np.ones(3, np.float32), 4, False),
    "negative": (np.array([1, -1], np.float32), 1, False),
    "inf": (np.array([1, _INF], np.float32), 2, False),
    "nan": (np.array([1, _NAN], np.float32), 1, False),
    "zero row": (np.array([[0, 0], [1, 1]], np.float32), 1, False),
    "negative, replacement": (np.array([1, -1], np.float32), 3, True),
    "inf, replacement": (np.array([1, _INF], np.float64), 3, True),
    "nan, replacement": (np.array([1, _NAN], np.float32), 3, True),
    "zero, replacement": (np.array([0, 0], np.float32), 3, True),
}
for _name, (_probs, _k, _rep) in _MULTINOMIAL.items():
    _ERRORS["multinomial " + _name] = (
        lambda r, p=_probs, k=_k, rep=_rep: r.multinomial_array(p, k, rep),
        lambda p=_probs, k=_k, rep=_rep: torch.multinomial(torch.from_numpy(p), k, rep),
    )


@pytest.mark.parametrize("name", list(_ERRORS))
def test_errors_match_torch(name):
    ours, theirs = _ERRORS[name]
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(type(expected.value)) as got:
        ours(tgr)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("shape", [(0,), (), (2, 0, 3)])
def test_empty_and_zero_dim_shapes(shape):
    gen, tgen = _pair(8, use_global=False)
    cases = [
        (
            lambda: tgr.uniform_array(shape, np.float32, -1, 1, gen),
            lambda: torch.empty(shape).uniform_(-1, 1, generator=tgen),
        ),
        (
            lambda: tgr.normal_array(shape, np.float64, generator=gen),
            lambda: torch.empty(shape, dtype=torch.float64).normal_(generator=tgen),
        ),
        (
            lambda: tgr.randint_array(shape, np.int64, 0, 5, gen),
            lambda: torch.randint(0, 5, shape, generator=tgen),
        ),
        (
            lambda: tgr.exponential_array(shape, np.float32, 1.0, gen),
            lambda: torch.empty(shape).exponential_(generator=tgen),
        ),
    ]
    for ours, theirs in cases:
        _assert_same(ours(), theirs(), gen, tgen)
