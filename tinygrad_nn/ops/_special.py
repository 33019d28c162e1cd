"""Special functions NumPy lacks (erfc, erfinv, lgamma, digamma, polygamma), on arrays.

Each computes in float64 and rounds once to the input's dtype, as PyTorch's CPU kernels do
for float32 (they evaluate in float, but a double evaluation rounded once is at least as
close to the true value).
"""

from __future__ import annotations

import math

import numpy as np

_erfc = np.frompyfunc(math.erfc, 1, 1)
_erf = np.frompyfunc(math.erf, 1, 1)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _double(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float64)


def erfc_array(a: np.ndarray) -> np.ndarray:
    """1 - erf(a) without the cancellation: math.erfc per element."""
    return np.asarray(_erfc(_double(a)), dtype=np.float64).astype(a.dtype, copy=False)


def erfinv_array(a: np.ndarray) -> np.ndarray:
    """The inverse of erf on [-1, 1] (+-inf at +-1, nan outside).

    A closed-form first guess (Winitzki's), then Newton steps on erf(x) = y for |y| <= 0.5,
    and on erfc(x) = 1 - |y| beyond, where 1 - |y| is exact and erfc keeps the tail's
    relative precision that erf(x) - y would lose."""
    y = _double(a)
    s, t = np.sign(y), np.abs(y)
    with np.errstate(all="ignore"):
        ln = np.log1p(-t * t)
        k = 0.147
        first = 2 / (math.pi * k) + ln / 2
        x = np.sqrt(np.sqrt(first * first - ln / k) - first)
        tail = t > 0.5
        target = np.where(tail, 1 - t, t)
        for _ in range(4):  # quadratic convergence from a guess good to ~1e-3
            fx = np.asarray(np.where(tail, _erfc(x), _erf(x)), dtype=np.float64)
            step = (fx - target) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
            x = np.where(tail, x + step, x - step)
        x = np.where(t == 1, np.inf, x)
        x = np.where((t > 1) | np.isnan(t), np.nan, x)
        out = np.where(t == 0, y, s * x)  # keeps -0.0
    return out.astype(a.dtype, copy=False)


def _lgamma_one(v: float) -> float:
    try:
        return math.lgamma(v)
    except ValueError:  # a pole: 0 and the negative integers
        return math.inf


_lgamma = np.frompyfunc(_lgamma_one, 1, 1)


def lgamma_array(a: np.ndarray) -> np.ndarray:
    """ln|Gamma(a)|: math.lgamma per element (the vectorised series lose digits near the
    zeros at 1 and 2); +inf at the poles, as PyTorch."""
    return np.asarray(_lgamma(_double(a)), dtype=np.float64).astype(a.dtype, copy=False)


# B_2k / (2k) for the asymptotic series of digamma, k = 1..7
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
_SHIFT = 10.0  # arguments are moved up to at least this before the asymptotic series


def _digamma_positive(x: np.ndarray) -> np.ndarray:
    """digamma for x > 0: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then
    psi(x) ~ ln x - 1/(2x) - sum B_2k / (2k x^2k)."""
    x = x.copy()
    acc = np.zeros_like(x)
    while True:
        low = x < _SHIFT
        if not low.any():
            break
        acc[low] -= 1.0 / x[low]
        x[low] += 1.0
    inv2 = 1.0 / (x * x)
    series = np.zeros_like(x)
    for coef in reversed(_DIGAMMA_SERIES):
        series = (series + coef) * inv2
    return acc + np.log(x) - 0.5 / x - series


def digamma_array(a: np.ndarray) -> np.ndarray:
    """d/dx ln Gamma(x). Negative x by the reflection psi(x) = psi(1 - x) - pi / tan(pi x)
    (the tangent of the exactly reduced x - round(x)); -inf at +0 and +inf at -0 and nan at
    the negative integers, as PyTorch."""
    x = _double(a)
    out = np.full(x.shape, np.nan)
    with np.errstate(all="ignore"):
        pos = x > 0
        out[pos] = _digamma_positive(x[pos])
        neg = (x < 0) & np.isfinite(x) & (x != np.round(x))
        xn = x[neg]
        out[neg] = _digamma_positive(1 - xn) - math.pi / np.tan(math.pi * (xn - np.round(xn)))
        zero = x == 0
        out[zero] = np.where(np.signbit(x[zero]), np.inf, -np.inf)
        out[x == np.inf] = np.inf
    return out.astype(a.dtype, copy=False)


# B_2k / (2k)! for the asymptotic series of polygamma, k = 1..9
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798)


def polygamma_array(n: int, a: np.ndarray) -> np.ndarray:
    """The n-th derivative of digamma, n >= 1: the recurrence
    psi_n(x) = psi_n(x + 1) + (-1)^(n+1) n! / x^(n+1) up to x >= 10 (it holds for negative,
    non-integer x as well), then the asymptotic series
    (-1)^(n+1) [(n-1)!/x^n + n!/(2 x^(n+1)) + sum B_2k (2k+n-1)! / ((2k)! x^(2k+n))]."""
    x = _double(a).copy()
    sign = 1.0 if n % 2 else -1.0
    fact = math.factorial(n)
    acc = np.zeros_like(x)
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(x) | ((x <= 0) & (x == np.round(x)))
        work = np.where(bad, _SHIFT, x)
        while True:
            low = work < _SHIFT
            if not low.any():
                break
            acc[low] += fact / work[low] ** (n + 1)
            work[low] += 1.0
        series = math.factorial(n - 1) / work**n + fact / (2 * work ** (n + 1))
        for k, b in enumerate(_BERNOULLI, start=1):
            coef = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
            series = series + coef / work ** (2 * k + n)
        out = sign * (acc + series)
        out = np.where(x == np.inf, 0.0, out)
        out = np.where(np.isnan(x) | (x == -np.inf), np.nan, out)
        pole = np.isfinite(x) & (x <= 0) & (x == np.round(x))
        out = np.where(pole, np.inf if n % 2 else -np.inf, out)  # the limit from the right
    return out.astype(a.dtype, copy=False)
