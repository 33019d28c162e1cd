"""PyTorch's float32 Box-Muller fill (`randn`, `normal_` on 16+ elements), bit for bit.

PyTorch turns float32 uniforms into normals 16 at a time: for j = 0..7,

    u1 = 1 - d[j],  u2 = d[j + 8],  r = sqrt(-2 log u1),  theta = 2 pi u2
    d[j] = r cos(theta),  d[j + 8] = r sin(theta),  then  out = fma(d, std, mean).

Its x86-64 wheels (AVX2 and AVX-512 builds alike) evaluate `log` and `sincos` eight lanes at
a time with the single-precision Cephes polynomials, and the compiler fuses most of their
multiply-add pairs into FMA instructions. Each fused step rounds once where the unfused one
rounds twice, so to get PyTorch's last bit we must fuse exactly the same steps. NumPy has no
float32 fma; `_fma` builds one from float64 arithmetic (see there). Without AVX2, PyTorch runs a
scalar loop over the C library's `logf`/`cosf`/`sinf` and its numbers change in the last bits;
we reproduce the AVX2/AVX-512 result everywhere. Which steps are fused was settled by comparing
with PyTorch on each of the 2^24 possible uniforms, in both the u1 and the u2 lane.

Read `normal_fill_float32` first; `_log` and `_sincos` are the two kernels it calls.
"""

from __future__ import annotations

import numpy as np

_F32 = np.float32
_F64 = np.float64

# --- Cephes single-precision logf: log(x) = log(m) + e*ln2 with m in [sqrt(1/2), sqrt(2)) ---
_SQRT_HALF = _F32(0.707106781186547524)
# log(1 + t) ~ t - t^2/2 + t^3 * P(t), P of degree 8, coefficients from the highest power down
_LOG_P = tuple(
    _F32(c)
    for c in (
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    )
)
# ln 2 split in two: LN2_HI has 9 significant bits, so e * LN2_HI is exact for any exponent
_LN2_LO = _F32(-2.12194440e-4)
_LN2_HI = _F32(0.693359375)

# --- Cephes single-precision sinf/cosf: reduce by multiples of pi/4, then two polynomials ---
_FOUR_OVER_PI = _F32(1.27323954473516)
# -pi/4 in three parts; the first two have few bits, so octant * part is exact in float32
_MINUS_PI4_A = _F32(-0.78515625)
_MINUS_PI4_B = _F32(-2.4187564849853515625e-4)
_MINUS_PI4_C = _F32(-3.77489497744594108e-8)
# cos(x) ~ 1 - x^2/2 + x^4 * C(x^2);  sin(x) ~ x + x^3 * S(x^2)  on |x| <= pi/4
_COS_C = (_F32(2.443315711809948e-5), _F32(-1.388731625493765e-3), _F32(4.166664568298827e-2))
_SIN_S = (_F32(-1.9515295891e-4), _F32(8.3321608736e-3), _F32(-1.6666654611e-1))

_SIGN_BIT = np.int32(-(2**31))
_TWO_PI = _F32(2.0 * np.pi)
_CHUNK = 16 * 2048  # elements per pass of `_fill_chunk`
_HALF = _F32(0.5)
_ONE = _F32(1.0)

# a float64 halfway between two normal float32s has fraction bits 28..0 equal to 1000...0
_LOW29 = np.uint64((1 << 29) - 1)
_BIT28 = np.uint64(1 << 28)
_F32_TINY = _F32(np.finfo(np.float32).tiny)


def _fma(a, b, c) -> np.ndarray:
    """Correctly rounded float32 a * b + c (elementwise), as one FMA instruction computes it.

    a * b of two float32s is exact in float64 (48 <= 53 significant bits), so the only
    rounding before the final one is in the float64 sum s = a*b + c. Rounding s to float32
    then gives the right answer unless s landed exactly halfway between two float32s while
    the true sum did not (double rounding). Only the few such s (and results in the float32
    subnormal range, whose halfway points lie elsewhere) take the careful path.
    """
    s = np.multiply(a, b, dtype=_F64)
    s += c
    out = s.astype(_F32)
    low_bits = s.view(np.uint64)
    low_bits &= _LOW29  # s is spent now; the careful path recomputes it
    suspect = low_bits == _BIT28
    suspect |= np.abs(out) <= _F32_TINY  # <=: an s just below tiny may round up to it
    if suspect.any():
        index = np.flatnonzero(suspect)
        out[index] = _fma_rounded_exactly(a, b, c, index)
    return out


def _fma_rounded_exactly(a, b, c, index: np.ndarray) -> np.ndarray:
    """float32 nearest to a*b + c at `index` (a, b, c broadcast to one shape): tie-safe path."""
    shape = (max(np.size(a), np.size(b), np.size(c)),)
    p = np.multiply(np.broadcast_to(a, shape)[index], np.broadcast_to(b, shape)[index], dtype=_F64)
    c = np.broadcast_to(c, shape)[index].astype(_F64)
    s = p + c
    b_part = s - p
    err = (p - (s - b_part)) + (c - b_part)  # TwoSum: p + c == s + err exactly
    r = s.astype(_F32)
    r64 = r.astype(_F64)
    # the float32 on the other side of s; s is a tie exactly when it is the midpoint of the two
    other = np.nextafter(r, np.where(s > r64, _F32(np.inf), _F32(-np.inf)))
    tie = (err != 0) & (s != r64) & (s == (r64 + other.astype(_F64)) * 0.5)
    # at a tie the true sum lies on err's side of s
    toward_err = np.where(err > 0, np.maximum(r, other), np.minimum(r, other))
    return np.where(tie, toward_err, r)


def _log(x: np.ndarray) -> np.ndarray:
    """Natural log of float32 x in (0, 1], lane by lane as PyTorch's AVX2 Cephes kernel.

    x = 2^e * m with m in [0.5, 1); if m < sqrt(1/2) use 2m and e - 1 so that t = m - 1 lies in
    [sqrt(1/2) - 1, sqrt(2) - 1). Then log x = t - t^2/2 + t^3 P(t) + e*LN2_LO + e*LN2_HI.
    """
    bits = x.view(np.int32)
    m_bits = (bits & 0x007FFFFF) | 0x3F000000
    m = m_bits.view(_F32)
    # all ones where m < sqrt(1/2) (positive floats order like their bit patterns); bit masks
    # instead of np.where keep this a few cheap integer passes
    small = (m_bits - _SQRT_HALF.view(np.int32)) >> 31
    e = ((bits >> 23) + (small - 126)).astype(_F32)
    t = m - _ONE
    t += (m_bits & small).view(_F32)  # m - 1 + m = 2m - 1 where small, exactly
    z = t * t
    y = _fma(_LOG_P[0], t, _LOG_P[1])
    for coef in _LOG_P[2:]:
        y = _fma(y, t, coef)
    y *= t
    # the compiler fuses y * z into the add of e * LN2_LO (not the other product)
    y = _fma(y, z, e * _LN2_LO)
    y -= z * _HALF  # z / 2 is exact, so this equals the fused form
    t += y
    t += e * _LN2_HI  # exact product, so fused or not gives the same bits
    return t


def _sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of float32 x in [0, 2 pi], lane by lane as PyTorch's AVX2 Cephes kernel.

    Octant j = nearest even integer to x * 4/pi (j in 0..8); x - j*pi/4 lies in [-pi/4, pi/4].
    Bit 1 of j swaps the two polynomials; bit 2 of j (for sin) and of j + 2 (for cos) is the
    sign. Swaps and signs are done on the bit patterns, as the vector code does.
    """
    j = ((x * _FOUR_OVER_PI).astype(np.int32) + 1) & ~1
    octant = j.astype(_F32)
    x = x + octant * _MINUS_PI4_A  # both products exact: rounding only in the sums
    x += octant * _MINUS_PI4_B
    x = _fma(octant, _MINUS_PI4_C, x)
    z = x * x

    cos = _fma(_COS_C[0], z, _COS_C[1])
    cos = _fma(cos, z, _COS_C[2])
    cos *= z
    # cos * z - z/2 is fused on the first product
    cos = _fma(cos, z, -(z * _HALF))
    cos += _ONE

    sin = _fma(_SIN_S[0], z, _SIN_S[1])
    sin = _fma(sin, z, _SIN_S[2])
    sin *= z
    sin = _fma(sin, x, x)

    sin_bits, cos_bits = sin.view(np.int32), cos.view(np.int32)
    swap = (j << 30) >> 31  # all ones where bit 1 of j is set
    differ = (sin_bits ^ cos_bits) & swap
    sin_bits ^= differ
    cos_bits ^= differ
    sin_bits ^= (j << 29) & _SIGN_BIT
    cos_bits ^= ((j + 2) << 29) & _SIGN_BIT
    return sin, cos


def normal_fill_float32(data: np.ndarray, mean: float, std: float) -> np.ndarray:
    """Normals from float32 uniforms, exactly as PyTorch 2.13's AVX2/AVX-512 CPU kernel.

    Args:
        data: 1-D float32 array of uniforms in [0, 1), length a multiple of 16; PyTorch draws
            them as `(random() & 0xFFFFFF) * 2**-24`. It is not modified.
        mean: the mean, rounded to float32 as PyTorch does.
        std: the standard deviation, rounded to float32.

    Returns:
        A new float32 array of len(data) normals: block by block, lanes 0..7 get r cos(theta)
        and lanes 8..15 get r sin(theta), each then mapped to fma(n, std, mean).
    """
    data = np.asarray(data)
    if data.dtype != _F32 or data.ndim != 1 or data.size % 16:
        raise ValueError(
            "normal_fill_float32 expects a 1-D float32 array whose length is a multiple of 16, "
            f"got dtype {data.dtype} and shape {data.shape}"
        )
    out = np.empty_like(data)
    # chunks small enough that every temporary stays in cache: about 3x faster than one pass
    for start in range(0, data.size, _CHUNK):
        stop = start + _CHUNK
        _fill_chunk(data[start:stop], out[start:stop], _F32(mean), _F32(std))
    return out


def _fill_chunk(data: np.ndarray, out: np.ndarray, mean: np.float32, std: np.float32) -> None:
    """Write the normals of `data` (whole blocks of 16 uniforms) into `out`."""
    blocks = data.reshape(-1, 16)
    u1 = (_ONE - blocks[:, :8]).ravel()  # float32, as PyTorch (exact on the 2^-24 grid)
    u2 = blocks[:, 8:].ravel()
    radius = np.sqrt(_F32(-2.0) * _log(u1)).reshape(-1, 8)
    sin, cos = _sincos(_TWO_PI * u2)
    out_blocks = out.reshape(-1, 16)
    np.multiply(radius, cos.reshape(-1, 8), out=out_blocks[:, :8])
    np.multiply(radius, sin.reshape(-1, 8), out=out_blocks[:, 8:])
    if std == _ONE:
        out += mean  # n * 1 is exact, so the fma is one float32 add (and -0 + 0 gives +0)
    else:
        with np.errstate(over="ignore"):  # a huge mean or std overflows to inf, as in PyTorch
            out[:] = _fma(out, std, mean)
