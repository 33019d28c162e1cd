"""`normal_fill_float32` against PyTorch 2.13's float32 `randn` / `normal_`, bit for bit.

PyTorch's `randn(n)` (n a multiple of 16) draws exactly the uniforms `rand(n)` draws after the
same seed, then runs its Box-Muller kernel on them; so `normal_fill_float32(rand(n))` must
equal `randn(n)`. Hand-picked uniforms reach PyTorch by writing them into the generator's
mt19937 state words (`_torch_normals_of`), and are also checked against a float64 reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_nn._normal_float32 import _fma, normal_fill_float32

torch = pytest.importorskip("torch")

SEEDS = [0, 42, 2**32 + 3, -7]
SIZES = [16, 32, 1024, 100_000]
GRID = 2.0**-24  # PyTorch's float32 uniforms are multiples of 2^-24


def _assert_same_bits(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.view(np.uint32), expected.view(np.uint32))


def _uniforms_and_normals(seed: int, n: int, mean: float = 0.0, std: float = 1.0):
    torch.manual_seed(seed)
    uniforms = torch.rand(n).numpy()
    torch.manual_seed(seed)
    normals = torch.empty(n).normal_(mean, std).numpy()
    return uniforms, normals


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_randn_bits(seed, n):
    torch.manual_seed(seed)
    uniforms = torch.rand(n).numpy()
    torch.manual_seed(seed)
    expected = torch.randn(n).numpy()
    _assert_same_bits(normal_fill_float32(uniforms, 0.0, 1.0), expected)


@pytest.mark.parametrize(
    "mean, std",
    [(0.0, 1.0), (1.5, 0.3), (-2.0, 3.0), (0.1, 0.01), (0.0, 2.0), (1e6, 0.5), (0.0, 1e-39)],
)
def test_normal_mean_std_bits(mean, std):
    for seed in (0, 2**32 + 3):
        uniforms, expected = _uniforms_and_normals(seed, 4096, mean, std)
        _assert_same_bits(normal_fill_float32(uniforms, mean, std), expected)


def test_input_is_not_modified():
    uniforms, _ = _uniforms_and_normals(3, 64)
    before = uniforms.copy()
    normal_fill_float32(uniforms, 0.0, 1.0)
    np.testing.assert_array_equal(uniforms, before)


@pytest.mark.parametrize(
    "data",
    [np.zeros(15, np.float32), np.zeros(16, np.float64), np.zeros((2, 16), np.float32)],
    ids=["length", "dtype", "ndim"],
)
def test_bad_input_raises(data):
    with pytest.raises(ValueError, match="multiple of 16"):
        normal_fill_float32(data, 0.0, 1.0)


# --- hand-picked uniforms ----------------------------------------------------------------------


def _edge_uniforms() -> np.ndarray:
    """Uniforms at the corners of the kernel, all on PyTorch's 2^-24 grid."""
    ends = [0.0, GRID, 2 * GRID, 3 * GRID, 1 - GRID, 1 - 2 * GRID, 1 - 3 * GRID, 0.5, 0.25]
    # octant boundaries of theta = 2 pi u (where 4 theta / pi is odd: the reduction switches)
    # and quarter turns (where sin or cos crosses zero), each approached from both sides
    turns = [k / 8 + i * GRID for k in range(1, 8) for i in range(-3, 4)]
    # u1 = 1 - u at powers of two: the exponent/mantissa split's boundaries, and sqrt(1/2)
    powers = [1 - 2.0**-k + i * GRID for k in range(1, 24) for i in (-1, 0, 1)]
    near_sqrt_half = [np.floor(2**-0.5 / GRID) * GRID + i * GRID for i in range(-2, 3)]
    values = np.array(ends + turns + powers + near_sqrt_half)
    return values[(values >= 0) & (values < 1)].astype(np.float32)


def _blocks_around(values: np.ndarray, partner: float) -> np.ndarray:
    """Blocks of 16 that put every value once in a u1 lane and once in a u2 lane."""
    values = np.concatenate([values, np.full(-values.size % 8, partner, np.float32)])
    lanes = values.reshape(-1, 8)
    other = np.full_like(lanes, partner)
    as_u1 = np.concatenate([lanes, other], axis=1)
    as_u2 = np.concatenate([other, lanes], axis=1)
    return np.concatenate([as_u1, as_u2]).ravel()


def _untemper(outputs: np.ndarray) -> np.ndarray:
    """mt19937 state words whose tempered outputs are `outputs` (each tempering step inverted)."""
    y = outputs.astype(np.uint64)
    y ^= y >> 18
    x = y.copy()
    for _ in range(3):  # y ^= (y << 15) & mask, undone 15 bits at a time
        y = x ^ ((y << 15) & 0xEFC60000)
    x = y.copy()
    for _ in range(5):  # y ^= (y << 7) & mask, undone 7 bits at a time
        y = x ^ ((y << 7) & 0x9D2C5680)
    x = y.copy()
    for _ in range(3):  # y ^= y >> 11, undone 11 bits at a time
        y = x ^ (y >> 11)
    return y & 0xFFFFFFFF


def _torch_normals_of(uniforms: np.ndarray) -> np.ndarray:
    """PyTorch's float32 normals of chosen grid uniforms (at most 608 per call).

    The state bytes hold `left` (int32 at byte 8), `next` (uint64 at 16) and the 624 state
    words (uint64 from byte 24). With left = 624 and next = 0 the next 623 draws are the
    tempered words themselves, so untempered uniforms / 2^-24 come back out of `rand`.
    """
    torch.manual_seed(0)
    state = torch.get_rng_state().numpy().copy()
    state[8:12] = np.frombuffer(np.int32(624).tobytes(), np.uint8)
    state[16:24] = 0
    words = np.zeros(624, np.uint64)
    words[: uniforms.size] = _untemper((uniforms.astype(np.float64) / GRID).astype(np.uint64))
    state[24 : 24 + 624 * 8] = np.frombuffer(words.tobytes(), np.uint8)
    torch.set_rng_state(torch.from_numpy(state))
    fed = torch.rand(uniforms.size).numpy()
    _assert_same_bits(fed, uniforms)  # the injection itself works
    torch.set_rng_state(torch.from_numpy(state))
    return torch.randn(uniforms.size).numpy()


def test_edge_uniforms_bits():
    data = _blocks_around(_edge_uniforms(), partner=0.3)
    got = normal_fill_float32(data, 0.0, 1.0)
    for start in range(0, data.size, 608):
        chunk = slice(start, start + 608)
        _assert_same_bits(got[chunk], _torch_normals_of(data[chunk]))


def _reference(data: np.ndarray) -> np.ndarray:
    """Box-Muller in float64 from PyTorch's float32 u1 = 1 - d and theta = float32(2 pi) * d."""
    blocks = data.reshape(-1, 16)
    u1 = (np.float32(1) - blocks[:, :8]).astype(np.float64)
    theta = (np.float32(2 * np.pi) * blocks[:, 8:]).astype(np.float64)
    radius = np.sqrt(-2 * np.log(u1))
    return np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1).ravel()


def test_edge_uniforms_near_float64_reference():
    # off the grid too: tiny and subnormal uniforms, which PyTorch itself never draws
    tiny = np.array([1e-30, 1e-38, 1e-40, 1e-45, 2.0**-126], np.float32)
    data = _blocks_around(np.concatenate([_edge_uniforms(), tiny]), partner=0.7)
    got = normal_fill_float32(data, 0.0, 1.0)
    assert np.all(np.isfinite(got))
    expected = _reference(data)
    ulp = np.spacing(np.abs(expected).astype(np.float32)).astype(np.float64)
    # the three-part pi/4 of the range reduction is off by ~1e-15 per octant: near a zero of
    # sin or cos that absolute error outweighs a few ulps of the tiny result
    np.testing.assert_array_less(np.abs(got - expected), 4 * ulp + 1e-14)
    # u = 0 in a u1 lane: log 1 = 0, so both normals of that pair are +0
    assert got[0] == 0 and got[8] == 0 and not np.signbit(got[0]) and not np.signbit(got[8])


def test_fma_is_correctly_rounded():
    # a * b lies just below 2^-24 * scale, so the float64 sum rounds onto the float32 midpoint
    # (double rounding); these are the cases a plain float64 multiply-add gets wrong
    k = np.arange(1, 200, dtype=np.float64)
    scale = 2.0 ** np.resize(np.arange(-40, 40), k.size)
    a = ((1 + k * 2.0**-23) * scale).astype(np.float32)
    b = (2.0**-24 * (1 - k * 2.0**-23)).astype(np.float32)
    c = ((1 + (2 * k + 1) * 2.0**-23) * scale).astype(np.float32)  # odd: ties-to-even goes up
    exact_below_midpoint = c  # a*b + c < c + ulp(c)/2, so the correctly rounded answer is c
    _assert_same_bits(_fma(a, b, c), exact_below_midpoint)
    _assert_same_bits(_fma(-a, b, -c), -exact_below_midpoint)
