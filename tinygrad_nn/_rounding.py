"""Rounding exactly as compiled C does, on NumPy arrays.

PyTorch's CPU kernels are C++ compiled with fused multiply-adds: `x * a + b` is rounded once,
not twice. NumPy has no fused multiply-add, so `fma32` and `fma64` build one from exact
float64 pieces (Knuth's TwoSum, Veltkamp's split, Boldo and Melquiond's rounding to odd).
The kernels also call the C library's `log`, `cos`, ...; NumPy's vectorised versions differ
from those in the last bit on some inputs, so `libm` maps Python's `math` (which calls the C
library) over an array.
"""

from __future__ import annotations

import math

import numpy as np


def _two_sum(a, b):
    """s + err == a + b exactly, with s = fl(a + b) (Knuth's TwoSum)."""
    s = a + b
    b_virtual = s - a
    err = (a - (s - b_virtual)) + (b - b_virtual)
    return s, err


def fma32(k: np.ndarray, step: float, shift: float) -> np.ndarray:
    """float32(k * step + shift) rounded once, where k are integers below 2^24 and step and
    shift are float32 values (step possibly scaled by a power of two).

    k * step is exact in float64 (24 + 24 bits), so only the sum is rounded twice (to float64,
    then to float32), and often the sum is exact too. Two roundings differ from one only when
    the float64 sum lands exactly halfway between two float32 values; there we nudge it toward
    the exact sum.

    Args:
        k: int32 array; the fast path adds to it in place (callers pass a scratch array).
        step: the float32 width of the interval times 2^-24 (or another power of two).
        shift: the float32 lower bound.
    """
    offset = _whole_steps(step, shift)
    if offset is not None:  # k * step + shift == (k + offset) * step: one float32 product
        k += np.int32(offset)  # k is the caller's scratch array (see Args)
        out = k.astype(np.float32)
        out *= np.float32(step)
        return out
    total = np.multiply(k, step, dtype=np.float64)
    total += shift
    if _sum_is_exact(step * 2.0**24, shift):
        return total.astype(np.float32)
    halfway = (total.view(np.uint64) & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    if halfway.any():
        s, err = _two_sum(k[halfway] * step, np.full(int(halfway.sum()), shift))
        total[halfway] = np.where(err == 0, s, _toward(s, err))
    return total.astype(np.float32)


def _whole_steps(step: float, shift: float):
    """shift / step if it is a whole number that keeps every k + offset (k < 2^24) exact in
    float32, and step is a float32 value; else None. Symmetric bounds (-b, b) give -2^23."""
    if step == 0 or float(np.float32(step)) != step:
        return None
    offset = shift / step
    if offset.is_integer() and -(2**24) <= offset <= 1 and offset * step == shift:
        return int(offset)
    return None


def _sum_is_exact(width: float, shift: float) -> bool:
    """Whether u * width + shift is exact in float64 for every 24-bit u (float32 width, shift):
    both terms are multiples of the finer one's last bit, and the sum spans at most 53 bits."""
    if width == 0 or shift == 0:
        return True
    e_width, e_shift = math.frexp(width)[1], math.frexp(shift)[1]
    finest = min(e_width - 48, e_shift - 24)  # u * width is a multiple of 2^(e_width - 48)
    return max(e_width, e_shift) + 1 - finest <= 53


def _toward(x, direction):
    """x moved one ulp toward the sign of `direction` (which is nonzero)."""
    return np.nextafter(x, np.where(direction > 0, np.inf, -np.inf))


def _split(a):
    """Veltkamp's split: hi + lo == a with both halves at most 26 bits wide."""
    c = 134217729.0 * a  # 2^27 + 1
    hi = c - (c - a)
    return hi, a - hi


def fma64(x: np.ndarray, y, z) -> np.ndarray:
    """x * y + z in float64 rounded once (Boldo and Melquiond's emulation with round-to-odd)."""
    x, y, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, y, z)))
    plain = x * y + z  # where that is inf or nan, the emulation below would lose it (inf - inf)
    # keep the split's pieces and their products inside the normal range (exact power-of-2 scaling)
    scale, size = 1.0, max(np.abs(y).max(initial=0), np.abs(z).max(initial=0))
    if size > 2.0**900 or 0 < size < 2.0**-900:
        scale = 2.0**128 if size > 1 else 2.0**-128
        y, z = y / scale, z / scale
    p = x * y
    xh, xl = _split(x)
    yh, yl = _split(y)
    p_err = ((xh * yh - p) + xh * yl + xl * yh) + xl * yl  # p + p_err == x * y exactly
    high, low = _two_sum(z, p)
    v, v_err = _two_sum(low, p_err)
    # round v to odd: if inexact and its last bit is even, step one ulp toward the exact sum
    even = (v.view(np.int64) & 1) == 0
    v = np.where((v_err != 0) & even, _toward(v, v_err), v)
    return np.where(np.isfinite(plain), (high + v) * scale, plain)


def libm(fn, values: np.ndarray) -> np.ndarray:
    """Apply a `math` function (the C library's) elementwise."""
    flat = values.ravel()
    return np.fromiter(map(fn, flat.tolist()), dtype=np.float64, count=flat.size).reshape(
        values.shape
    )
