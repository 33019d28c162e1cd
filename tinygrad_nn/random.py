"""Random numbers: PyTorch's CPU generator, reproduced bit for bit.

PyTorch draws every CPU random number from one engine, a 32-bit Mersenne Twister (mt19937),
seeded with `seed & 0xffffffff` by the reference `init_genrand` recurrence. Its kernels turn
the raw 32-bit words into numbers in fixed ways, and we repeat each of them:

    random()    one 32-bit word           random64()  two words, the first is the high half
    float32 U   (random() & 0xFFFFFF) * 2^-24
    float64 U   (random64() & (2^53 - 1)) * 2^-53
    normal      Box-Muller: 16-element blocks for >= 16 contiguous values, else one pair of
                float64 uniforms per two values, the second value cached in the generator

So `manual_seed(s)` followed by the same calls gives the same tensors as PyTorch, and the
state bytes (`get_rng_state`, 5,056 bytes in PyTorch's layout) move between the libraries.
NumPy's `MT19937` bit generator is the same engine: we compute PyTorch's seeded state, load it
into NumPy, and let NumPy's C code produce the raw words fast.

Float32 `randn`/`normal_` on 16 or more contiguous values: PyTorch computes these with the
AVX2 (and AVX-512) vector code on CPUs that have it, and with plain scalar code on CPUs
without AVX2, and the two differ in the last bits. We reproduce the AVX2/AVX-512 result on
every machine (`_normal_float32.py`), so on a CPU without AVX2 our numbers equal what
PyTorch gives on a modern x86-64 CPU, not what it gives on that CPU.

Float64 Box-Muller calls the C library's `log`, `cos` and `sin` as PyTorch's kernels do, and
rounds its fused multiply-adds once (`_rounding.py` says why both matter).
"""

from __future__ import annotations

import math
import os
import struct

import numpy as np

from ._normal_float32 import normal_fill_float32 as _normal_fill_float32
from ._permutation import apply_swaps as _apply_swaps, randperm_inside_out as _randperm_inside_out
from ._rounding import fma32 as _fma32, fma64 as _fma64, libm as _libm
from .ops._names import dtype_word
from .ops.sorting import topk_index as _topk_index

DEFAULT_SEED = 67280421310721  # what a fresh torch.Generator() is seeded with
_N = 624  # words in the mt19937 state
_STATE_BYTES = 5056  # sizeof(CPUGeneratorImplState) in PyTorch
_HEADER = struct.Struct("<QiiQ")  # the_initial_seed, left, seeded, next
_NORMAL = struct.Struct("<dddi4xf?3x")  # normal_x, normal_y, normal_rho, valid; float cache
_TWO_PI = 2.0 * math.pi


# ----------------------------------------------------------------------------- the engine
def _seeded_key(seed32: int) -> np.ndarray:
    """mt19937's init_genrand: the 624-word state for a 32-bit seed (before the first twist)."""
    key = [seed32]
    for i in range(1, _N):
        prev = key[-1]
        key.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
    return np.array(key, dtype=np.uint32)


def _unpack_seed(seed) -> int:
    """A seed as PyTorch stores it: an unsigned 64-bit int (negative seeds wrap around)."""
    if isinstance(seed, (bool, float)) or not hasattr(seed, "__index__"):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2**64


class Generator:
    """A CPU random number generator with PyTorch's engine, seeding and state layout.

    Same semantics as `torch.Generator`: a fresh one is seeded with 67280421310721.
    """

    def __init__(self, device="cpu"):
        from ._size_device import _check_device, device as _device

        _check_device(device)
        self.device = _device("cpu")
        self._bits = np.random.MT19937(0)
        self._words = np.random.Generator(self._bits).integers
        self.manual_seed(DEFAULT_SEED)

    # -- seeding and state
    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed` (negative seeds get 2^64 added); returns self."""
        self._seed = _unpack_seed(seed)
        self._load(_seeded_key(self._seed & 0xFFFFFFFF), pos=_N)
        self._fresh = True  # PyTorch's state bytes say next=0 until the first draw
        self._normal64 = None  # the cached second Box-Muller value
        self._normal32 = None
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new 64-bit seed."""
        new_seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(new_seed)
        return new_seed

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self):
        """The state as a uint8 Tensor of 5,056 bytes, laid out as PyTorch's."""
        from .tensor import Tensor

        state = self._bits.state["state"]
        pos = int(state["pos"])
        left, nxt = (1, 0) if self._fresh else (_N + 1 - pos, pos)
        head = _HEADER.pack(self._seed, left, 1, nxt)
        words = state["key"].astype("<u8").tobytes()
        cached = self._normal64 is not None, self._normal32 is not None
        tail = _NORMAL.pack(
            0.0, self._normal64 or 0.0, 0.0, int(cached[0]), self._normal32 or 0.0, cached[1]
        )
        return Tensor._make(np.frombuffer(head + words + tail, dtype=np.uint8).copy())

    def set_state(self, new_state) -> Generator:
        """Restore a state from `get_state` (ours or PyTorch's); returns self."""
        raw = _state_bytes(new_state)
        seed, left, seeded, nxt = _HEADER.unpack_from(raw, 0)
        if not (seeded and 0 < left <= _N and 0 <= nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        words = np.frombuffer(raw, dtype="<u8", count=_N, offset=_HEADER.size)
        _, normal_y, _, valid64, normal32, valid32 = _NORMAL.unpack_from(raw, _HEADER.size + 8 * _N)
        self._seed = seed
        self._load(words.astype(np.uint32), pos=_N + 1 - left)
        self._fresh = left == 1 and nxt == 0
        self._normal64 = normal_y if valid64 else None
        self._normal32 = normal32 if valid32 else None
        return self

    def _load(self, key: np.ndarray, pos: int) -> None:
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}

    # -- raw draws: every sampler below goes through these two
    def _random(self, n: int) -> np.ndarray:
        """n draws of random(): 32-bit words, as uint32."""
        if n:
            self._fresh = False
        # NumPy hands out the engine's words unchanged for the full 32-bit range
        return self._words(0, 2**32, n, dtype=np.uint32)

    def _random64(self, n: int) -> np.ndarray:
        """n draws of random64(): two words each, the first one the high half."""
        words = self._random(2 * n).astype(np.uint64)
        return (words[0::2] << np.uint64(32)) | words[1::2]

    def __repr__(self) -> str:
        return f"<tinygrad_nn.Generator object at {id(self):#x}>"


def _state_bytes(state) -> bytes:
    """The raw bytes of a state Tensor (ours, or anything array-like such as PyTorch's),
    checked like PyTorch checks them."""
    data = getattr(state, "_data", None)
    data = np.asarray(state) if data is None else data
    if data.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    if data.size != _STATE_BYTES:
        raise RuntimeError(
            f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found "
            f"the input RNG state size to be {data.size}"
        )
    return np.ascontiguousarray(data).tobytes()


default_generator = Generator()
default_generator.seed()  # PyTorch 2.13 seeds its global generator from the OS at import


def manual_seed(seed) -> Generator:
    """Seed the global generator: later rand/randn/randint/init/shuffles repeat exactly."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    """Seed the global generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed the global generator was last started from."""
    return default_generator.initial_seed()


def get_rng_state():
    """The global generator's state: a uint8 Tensor of 5,056 bytes (PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    """Restore the global generator's state (from ours or PyTorch's get_rng_state)."""
    default_generator.set_state(new_state)


def _gen(generator) -> Generator:
    return default_generator if generator is None else generator


def random64(generator=None) -> int:
    """One random64() draw: a 64-bit int from two 32-bit words (high word first)."""
    return int(_gen(generator)._random64(1)[0])


# ------------------------------------------------------------------------------ uniforms
def _size(shape) -> int:
    return math.prod(int(d) for d in shape)


def _float_dtype(dtype, kernel: str) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dtype_word(dtype)}'")
    return dtype


def _uniform01(gen: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """n standard uniforms in [0, 1) as PyTorch's uniform_real_distribution makes them: 53 bits
    of random64() for float64; 24 bits of random() otherwise, returned as float32 (exact)."""
    if dtype == np.float64:
        return (gen._random64(n).view(np.int64) & (2**53 - 1)) * 2.0**-53
    u = _low_bits(gen, n, 24).astype(np.float32)
    u *= np.float32(2.0**-24)
    return u


def _low_bits(gen: Generator, n: int, bits: int) -> np.ndarray:
    """The low `bits` bits of n random() words, as int32 (which converts to float fastest)."""
    words = gen._random(n)
    words &= np.uint32(2**bits - 1)
    return words.view(np.int32)


def uniform_array(shape, dtype, low=0.0, high=1.0, generator=None) -> np.ndarray:
    """U(low, high) samples as `Tensor.uniform_` / `rand` draw them: fma(u, high - low, low)
    in the dtype, and a value that rounded up to `high` becomes `low` (the range is [low, high))."""
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    _check_uniform_bounds(float(low), float(high), dtype)
    shape, gen, n = tuple(shape), _gen(generator), _size(shape)
    if dtype == np.float64:
        low, high = float(low), float(high)
        if (low, high) == (0.0, 1.0):  # u itself: no rounding, no wrap-around
            return _uniform01(gen, n, dtype).reshape(shape)
        out = _uniform64(gen, n, low, high)
    else:  # float32 arithmetic, then (for float16) a cast
        out = _uniform32(gen, n, np.float32(low), np.float32(high)).astype(dtype, copy=False)
    low, high = dtype.type(low), dtype.type(high)
    if _top(dtype, low, high) >= high:
        out[out == high] = low
    return out.reshape(shape)


def _uniform32(gen: Generator, n: int, low: np.float32, high: np.float32) -> np.ndarray:
    """fma(u, high - low, low) in float32 for n 24-bit uniforms u."""
    if (low, high) == (0.0, 1.0):
        return _uniform01(gen, n, np.dtype(np.float32))
    return _fma32(_low_bits(gen, n, 24), float(high - low) * 2.0**-24, float(low))


def _check_uniform_bounds(low: float, high: float, dtype: np.dtype) -> None:
    """PyTorch's checks, in its order: both bounds finite in the dtype, low <= high, and
    high - low representable."""
    top = float(np.finfo(dtype).max)
    for name, bound in (("from", low), ("to", high)):
        if not -top <= bound <= top:
            raise RuntimeError(f"{name} is out of bounds for {_C_NAMES[dtype.name]}")
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found "
            f"from={_num(low)} > to={_num(high)}"
        )
    if high - low > top:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<"
            f"{dtype_word(dtype)}>::max(), but found to={_num(high)} and "
            f"from={_num(low)} which result in to-from to exceed the limit"
        )


_C_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double"}


def _uniform64(gen: Generator, n: int, low: float, high: float) -> np.ndarray:
    """fma(u, high - low, low) for n 53-bit uniforms u."""
    u, width = _uniform01(gen, n, np.dtype(np.float64)), high - low
    if math.frexp(width)[0] == 0.5:  # u * width is exact, so one rounding is the fma's
        u *= width
        u += low
        return u
    return _fma64(u, width, low)


def _top(dtype: np.dtype, low, high) -> float:
    """The largest value the uniform sampler can return before the wrap-around to `low`."""
    if dtype == np.float64:
        return float(_fma64(np.array([1 - 2.0**-53]), high - low, low)[0])
    low, high = np.float32(low), np.float32(high)
    top = _fma32(np.array([2**24 - 1], dtype=np.int32), float(high - low) * 2.0**-24, float(low))
    return float(top.astype(dtype)[0])


def _num(x) -> str:
    """A number as PyTorch's C++ messages print a double (%g: 1, 0.5, 1e-07)."""
    return f"{float(x):g}"


# ------------------------------------------------------------------------------- normals
@np.errstate(all="ignore")  # std = inf gives inf and nan, silently, as in PyTorch
def normal_array(shape, dtype, mean=0.0, std=1.0, generator=None, contiguous=True) -> np.ndarray:
    """N(mean, std^2) samples as `Tensor.normal_` / `randn` draw them for that shape and dtype.

    PyTorch takes the 16-element block path for >= 16 contiguous values and the one-pair-at-a-
    time path (with the cached second value) otherwise; `contiguous=False` selects the latter.
    """
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    if not std >= 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    shape, gen = tuple(shape), _gen(generator)
    n = _size(shape)
    if n >= 16 and contiguous:
        return _normal_blocks(gen, n, dtype, mean, std).reshape(shape)
    return _normal_pairs(gen, n, mean, std).astype(dtype).reshape(shape)


def _normal_blocks(gen: Generator, n: int, dtype: np.dtype, mean: float, std: float):
    """n uniforms, Box-Muller in blocks of 16; if n % 16 != 0, 16 fresh uniforms redo the
    last 16 outputs (PyTorch's normal_fill). float16 goes through float32 and a cast, and its
    last block is the leftover uniforms topped up with fresh ones to 16."""
    fill = _fill_float64 if dtype == np.float64 else _fill_float32
    u = _uniform01(gen, n, dtype)
    tail = n % 16
    if tail and dtype == np.float16:
        last = np.concatenate([u[n - tail :], _uniform01(gen, 16 - tail, dtype)])
    elif tail:
        last = _uniform01(gen, 16, dtype)
    data = fill(u, mean, std)
    if tail:
        data[n - 16 :] = fill(last, mean, std)
    return data.astype(dtype, copy=False)


def _fill_float32(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """float32 Box-Muller on the whole blocks of u (a tail shorter than 16 is left as is)."""
    whole = u.size - u.size % 16
    fill = _normal_fill_float32
    mean, std = float(np.float32(mean)), float(np.float32(std))
    if whole == u.size:
        return fill(u, mean, std)
    u[:whole] = fill(u[:whole], mean, std)
    return u


def _fill_float64(u: np.ndarray, mean: float, std: float) -> np.ndarray:
    """float64 Box-Muller on the whole blocks of u with the C library's log/cos/sin: in each
    block of 16, u1 = 1 - d[j], u2 = d[j + 8], r = sqrt(-2 ln u1), theta = 2 pi u2."""
    out = u.copy()
    whole = u.size - u.size % 16
    blocks = u[:whole].reshape(-1, 2, 8)
    radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - blocks[:, 0]))
    theta = _TWO_PI * blocks[:, 1]
    pair = np.stack([radius * _libm(math.cos, theta), radius * _libm(math.sin, theta)], axis=1)
    out[:whole] = _affine64(pair, mean, std).reshape(-1)
    return out


def _affine64(values: np.ndarray, mean: float, std: float) -> np.ndarray:
    """fma(values, std, mean) in float64; no rounding at all for the standard normal."""
    if (float(mean), float(std)) == (0.0, 1.0):
        return values
    return _fma64(values, float(std), float(mean))


def _normal_pairs(gen: Generator, n: int, mean: float, std: float) -> np.ndarray:
    """n float64 normals one at a time (PyTorch's normal_distribution<double>): a cached value
    first if there is one, then for each pair u1, u2 (53-bit), r = sqrt(-2 log1p(-u2)),
    theta = 2 pi u1, values r cos(theta) and r sin(theta); an unused r sin(theta) is cached."""
    head = []
    if n and gen._normal64 is not None:
        head, gen._normal64 = [gen._normal64], None
    pairs = (n - len(head) + 1) // 2
    u = _uniform01(gen, 2 * pairs, np.dtype(np.float64)).reshape(-1, 2)
    radius = np.sqrt(-2.0 * _libm(math.log1p, -u[:, 1]))
    theta = _TWO_PI * u[:, 0]
    values = np.stack([radius * _libm(math.cos, theta), radius * _libm(math.sin, theta)], 1)
    values = np.concatenate([np.array(head, dtype=np.float64), values.reshape(-1)])
    if values.size > n:
        gen._normal64 = float(values[-1])
    return _affine64(values[:n], mean, std)


# ------------------------------------------------------------------------------ integers
def randint_array(shape, dtype, low, high, generator=None) -> np.ndarray:
    """Integers in [low, high) as `randint` / `random_(from, to)` draw them: random() % range
    + low for ranges below 2^28, random64() % range + low for larger ones."""
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    dtype, shape, gen = np.dtype(dtype), tuple(shape), _gen(generator)
    if dtype.kind == "f":
        low, high = _float_bounds(low, high, dtype)
    span = high - low
    raw = gen._random64(_size(shape)) if span >= 2**28 else gen._random(_size(shape))
    values = (raw % np.uint64(span)).astype(np.int64) + np.int64(low)
    return values.astype(dtype).reshape(shape)


def _float_bounds(low: int, high: int, dtype: np.dtype) -> tuple[int, int]:
    """PyTorch's update_from/update_to: bounds whose neighbours a float dtype cannot hold are
    moved inward by one step of that dtype, so every drawn value is representable."""
    digits = np.finfo(dtype).nmant + 1
    if int(dtype.type(low + 1)) < low:
        low = int(dtype.type(low + 1)) + (1 << (abs(low + 1).bit_length() - digits))
    if int(dtype.type(high - 1)) >= high:
        high = int(dtype.type(high - 1)) - (1 << (abs(high - 1).bit_length() - digits))
    return low, high


# `random_()` without bounds: the value range each dtype draws from (random() % m, or
# random64() % m for 64-bit types), chosen by PyTorch so every value is representable.
_RANDOM_MODULUS = {
    "int64": 2**63,
    "float64": 2**53 + 1,
    "float32": 2**24 + 1,
    "float16": 2**11 + 1,
    "int32": 2**31,
    "int16": 2**15,
    "int8": 2**7,
    "uint8": 2**8,
    "bool": 2,
}


def random_array(shape, dtype, generator=None) -> np.ndarray:
    """Values as `Tensor.random_()` without bounds draws them: random() % m (random64() for
    int64 and float64), m the dtype's modulus above (bool: the lowest bit)."""
    dtype, shape, gen = np.dtype(dtype), tuple(shape), _gen(generator)
    if dtype.name not in _RANDOM_MODULUS:
        raise NotImplementedError(
            f"\"random_kernel_cpu\" not implemented for '{dtype_word(dtype)}'"
        )
    n = _size(shape)
    raw = gen._random64(n) if dtype.name in ("int64", "float64") else gen._random(n)
    return (raw % np.uint64(_RANDOM_MODULUS[dtype.name])).astype(dtype).reshape(shape)


def randperm_array(n: int, dtype=np.int64, generator=None) -> np.ndarray:
    """A permutation of range(n) as `randperm` draws it: for i in 0..n-2, swap r[i] with
    r[i + random() % (n - i)] (for n >= 2^32 / 20: inside-out shuffle with random64())."""
    n, dtype, gen = int(n), np.dtype(dtype), _gen(generator)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dtype.kind == "f" and n > 2 ** (np.finfo(dtype).nmant + 1) + 1:
        raise RuntimeError(
            f"n cannot be greater than 2^{np.finfo(dtype).nmant + 1}+1 for "
            f"{dtype_word(dtype)} type."
        )
    if n >= 0xFFFFFFFF // 20:
        return _randperm_inside_out(gen, n).astype(dtype)
    if n <= 1:
        return np.arange(n, dtype=dtype)
    starts = np.arange(n, dtype=np.int64)
    targets = starts.copy()  # the last step, a swap of r[n-1] with itself, draws nothing
    targets[:-1] += gen._random(n - 1).astype(np.int64) % (n - starts[:-1])
    return _apply_swaps(targets).astype(dtype)


# ------------------------------------------------------------- Bernoulli and exponential
def bernoulli_array(shape, p, generator=None) -> np.ndarray:
    """`bernoulli_(p)` with a float p (and dropout's mask): one 53-bit uniform u per value,
    True where u < p."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
    shape = tuple(shape)
    u = _uniform01(_gen(generator), _size(shape), np.dtype(np.float64))
    return (u < p).reshape(shape)


def bernoulli_tensor_array(probs: np.ndarray, generator=None) -> np.ndarray:
    """`bernoulli(p_tensor)`: one uniform per value, True where u < p. float64 probabilities
    use 53-bit uniforms, the others 24-bit float32 ones (bernoulli_distribution<float>)."""
    probs = np.asarray(probs)
    if not np.all((probs >= 0) & (probs <= 1)):
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
            "this error message be improved?  If so, please report an enhancement "
            "request to PyTorch.)"
        )
    dtype = np.dtype(np.float64 if probs.dtype == np.float64 else np.float32)
    u = _uniform01(_gen(generator), probs.size, dtype).reshape(probs.shape)
    return u < probs.astype(dtype)


def exponential_array(shape, dtype, lambd=1.0, generator=None) -> np.ndarray:
    """Exp(lambd) samples as `Tensor.exponential_` draws them: -1/lambd * log1p(-u), u 53-bit."""
    dtype = _float_dtype(dtype, "exponential_cpu")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    shape = tuple(shape)
    u = _uniform01(_gen(generator), _size(shape), np.dtype(np.float64))
    values = (-1.0 / float(lambd)) * _libm(math.log1p, -u)
    return values.astype(dtype).reshape(shape)


# ----------------------------------------------------------------------------- multinomial
def multinomial_array(
    probs: np.ndarray, num_samples: int, replacement=False, generator=None
) -> np.ndarray:
    """Category indices as `multinomial` draws them (int64, shape probs.shape[:-1] + (k,)).

    Without replacement (or for one sample): q ~ Exp(1) per entry, then the k largest probs / q.
    With replacement: per row, the normalised running sum in the input's dtype (last entry 1)
    and, per sample, the first index whose value is >= a 53-bit uniform.
    """
    probs = np.asarray(probs)
    _check_multinomial(probs, int(num_samples), replacement)
    rows = probs.reshape(-1, probs.shape[-1])
    if replacement and num_samples > 1:
        picks = _multinomial_with_replacement(rows, int(num_samples), _gen(generator))
    else:
        picks = _multinomial_exponential(rows, int(num_samples), _gen(generator))
    return picks.reshape(probs.shape[:-1] + (int(num_samples),))


def _check_multinomial(probs: np.ndarray, k: int, replacement: bool) -> None:
    """PyTorch's argument checks, in its order."""
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs.dtype.kind != "f":
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            + dtype_word(probs.dtype)
        )
    if k <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and k > probs.shape[-1]:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    if probs.shape[-1] > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")


def _multinomial_exponential(rows: np.ndarray, k: int, gen: Generator) -> np.ndarray:
    """The k largest rows / q with q ~ Exp(1) in the rows' dtype (the Gumbel-max trick)."""
    if not (np.all(rows >= 0) and np.all(rows < np.inf)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(rows.sum(axis=1) == 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    q = exponential_array(rows.shape, rows.dtype, 1.0, gen)
    keys = rows / q
    if k == 1:
        return np.argmax(keys, axis=1)[:, None].astype(np.int64)
    # PyTorch's topk: ties (the zero-probability categories, all 0 / q) come out in the
    # order its nth_element and sort leave them, which topk_index reproduces.
    return _topk_index(keys, 1, k, largest=True, ordered=True)


def _multinomial_with_replacement(rows: np.ndarray, k: int, gen: Generator) -> np.ndarray:
    """Inverse-CDF sampling on each row's normalised running sum, row after row."""
    out = np.empty((rows.shape[0], k), dtype=np.int64)
    for i, row in enumerate(rows):
        if not np.all(row >= 0):
            raise RuntimeError(
                "invalid multinomial distribution (encountering probability entry < 0)"
            )
        if not np.all(np.isfinite(row)):
            raise RuntimeError(
                "invalid multinomial distribution (encountering probability "
                "entry = infinity or NaN)"
            )
        cdf = np.cumsum(row, dtype=row.dtype)
        if not cdf[-1] > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cdf = cdf / cdf[-1]
        cdf[-1] = 1
        u = _uniform01(gen, k, np.dtype(np.float64))
        out[i] = np.searchsorted(cdf.astype(np.float64), u, side="left")
    return out
