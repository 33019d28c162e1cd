"""Fused multiply-add, rounded as PyTorch's CPU kernels round it.

PyTorch's CPU kernels for `add(x, y, alpha=a)`, `addcmul`, and `lerp` are compiled to a fused
multiply-add: x + a * y is computed exactly and rounded once. NumPy has no FMA, but for
float32 one is exact to emulate: the product of two float32 numbers fits in a float64, so
(a * b + c) in float64, rounded to float32, is the fused result (barring double-rounding
ties, about one case in 2^29). In float64 we round twice, like a plain `a * b + c`; the
difference is far below the float64 tolerance.

    fma(a, b, c)         = a * b + c, one rounding
    add(x, y, alpha=a)   = fma(a, y, x)
    addcmul(x, s, t, v)  = fma(v * s, t, x)
    lerp(x, y, w)        = fma(w, y - x, x)          if |w| < 0.5
                         = fma(w - 1, y - x, y)      otherwise
"""

from __future__ import annotations

import numpy as np


def fma(a, b: np.ndarray, c: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = a * b + c rounded once (a: scalar or array; any of them may alias `out`)."""
    if out.dtype == np.float32:
        wide = np.multiply(_as(a, np.float32), b, dtype=np.float64)
        wide += c
        out[...] = wide
    else:
        out[...] = _as(a, out.dtype) * b + c
    return out


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """start += weight * (end - start), in place, as PyTorch's `start.lerp_(end, weight)`."""
    w = _as(weight, start.dtype)
    diff = end - start
    if abs(w) < 0.5:
        fma(w, diff, start, out=start)
    else:
        fma(w - start.dtype.type(1), diff, end, out=start)


def addcmul_(x: np.ndarray, s: np.ndarray, t: np.ndarray, value: float) -> None:
    """x += value * s * t, in place, as PyTorch's `x.addcmul_(s, t, value=value)`."""
    fma(np.multiply(s, _as(value, x.dtype)), t, x, out=x)


def _as(a, dtype):
    # PyTorch rounds a Python scalar to the tensor's dtype before the arithmetic
    return a.astype(dtype, copy=False) if isinstance(a, np.ndarray) else np.dtype(dtype).type(a)
