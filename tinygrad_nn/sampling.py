"""The draws behind the random factories and in-place samplers, with PyTorch's checks.

`random.py` reproduces PyTorch's CPU streams for a contiguous block of a given shape and
dtype. This module sits between it and the public API (`creation.py`, `Tensor.uniform_`
and friends): it checks arguments the way ATen does, with ATen's wording, picks the overload
(`random_()`, `random_(to)`, `random_(from, to)`), and draws in the order PyTorch's kernels
walk a tensor's memory, so a transposed view gets the numbers PyTorch writes into it.
"""

from __future__ import annotations

import math

import numpy as np

from . import random as _random
from .ops._names import dtype_word as type_word  # creation, histogram, nn use it too


def cpp_number(x) -> str:
    """A number as C++'s ostream prints a double (6 significant digits, %g)."""
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(x)
    return f"{float(x):g}"


def _float_kernel(dtype: np.dtype, kernel: str) -> None:
    # PyTorch dispatches these samplers over floating types only.
    if np.dtype(dtype).kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_word(dtype)}'")


# ---------------------------------------------------------------------- memory order


def fill_like(data: np.ndarray, draw) -> np.ndarray:
    """Values for an in-place sampler on `data`, drawn in the order PyTorch's kernel visits
    its memory (outermost stride first), then laid out in `data`'s logical shape.

    `draw(shape, contiguous)` returns a C-ordered block of that shape."""
    if data.flags.c_contiguous or data.ndim < 2:
        return draw(data.shape, data.flags.c_contiguous)
    # TensorIterator sorts the dims by stride; size-1 dims do not move anything.
    order = sorted(range(data.ndim), key=lambda d: (-abs(data.strides[d]), -d))
    block = draw(tuple(data.shape[d] for d in order), False)
    return block.transpose(np.argsort(order))


# ---------------------------------------------------------------------- continuous


def uniform(shape, dtype, low, high, generator=None) -> np.ndarray:
    """U(low, high) as `Tensor.uniform_` draws it; ATen's bounds checks."""
    _float_kernel(dtype, "check_uniform_bounds")
    low, high = float(low), float(high)
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found "
            f"from={cpp_number(low)} > to={cpp_number(high)}"
        )
    top = float(np.finfo(dtype).max)
    if abs(low) > top or abs(high) > top:
        which = "from" if abs(low) > top else "to"
        raise RuntimeError(f"{which} is out of bounds for {type_word(dtype).lower()}")
    if high - low > top:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{type_word(dtype)}>::max(), "
            f"but found to={cpp_number(high)} and from={cpp_number(low)} which result in to-from "
            "to exceed the limit"
        )
    return _random.uniform_array(shape, dtype, low, high, generator=generator)


def check_std(std: float) -> None:
    """normal's std must be >= 0 (NaN fails too)."""
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {cpp_number(std)}")


def normal(shape, dtype, mean, std, generator=None, contiguous=True) -> np.ndarray:
    """N(mean, std^2) as `Tensor.normal_` draws it."""
    _float_kernel(dtype, "normal_kernel_cpu")
    check_std(std)
    return _random.normal_array(
        shape, dtype, float(mean), float(std), generator=generator, contiguous=contiguous
    )


def exponential(shape, dtype, lambd, generator=None) -> np.ndarray:
    """Exp(lambd) as `Tensor.exponential_` draws it (random.py checks lambd)."""
    if np.dtype(dtype).kind != "f":
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. "
            f"dtype must be a floating point but you specified {type_word(dtype)}"
        )
    return _random.exponential_array(shape, dtype, float(lambd), generator=generator)


def _each(fn, values: np.ndarray) -> np.ndarray:
    """`fn` (a C library function from `math`, as PyTorch's serial kernels call) per element;
    NumPy's own exp/log/tan may differ from it in the last bit."""
    return np.fromiter(map(fn, values.ravel().tolist()), np.float64, values.size).reshape(
        values.shape
    )


def log_normal(shape, dtype, mean, std, generator=None) -> np.ndarray:
    """exp(N(mean, std^2)), each normal from PyTorch's per-element double sampler."""
    _float_kernel(dtype, "log_normal_cpu")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={cpp_number(std)}")
    v = _random.normal_array(
        shape, np.float64, float(mean), float(std), generator=generator, contiguous=False
    )
    return _each(math.exp, v).astype(dtype)


def cauchy(shape, dtype, median, sigma, generator=None) -> np.ndarray:
    """median + sigma * tan(pi * (u - 1/2)) in double, u a 53-bit uniform."""
    if np.dtype(dtype).kind != "f":
        raise RuntimeError(
            "Cauchy distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {_C_TYPES.get(type_word(dtype), dtype)}"
        )
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={cpp_number(sigma)}")
    u = _random.uniform_array(shape, np.float64, generator=generator)
    return (median + sigma * _each(math.tan, math.pi * (u - 0.5))).astype(dtype)


def geometric(shape, dtype, p, generator=None) -> np.ndarray:
    """ceil(log(u) / log1p(-p)): the number of Bernoulli(p) trials up to the first success."""
    if np.dtype(dtype).kind == "b":
        raise NotImplementedError("\"geometric_cpu\" not implemented for 'Bool'")
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={cpp_number(p)}")
    u = _random.uniform_array(shape, np.float64, generator=generator)
    return np.ceil(_each(math.log, u) / math.log1p(-p)).astype(dtype)


_C_TYPES = {
    "Byte": "unsigned char",
    "Char": "signed char",
    "Short": "short int",
    "Int": "int",
    "Long": "long int",
}


# ---------------------------------------------------------------------- integers


def _dtype_limits(dtype: np.dtype) -> tuple:
    """The integers [lowest, highest] a dtype holds exactly (floats: +-2^mantissa digits)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return 0, 1
    if dtype.kind == "f":
        digits = np.finfo(dtype).nmant + 1
        return -(2**digits), 2**digits
    info = np.iinfo(dtype)
    return int(info.min), int(info.max)


def random_(shape, dtype, low=None, high=None, generator=None) -> np.ndarray:
    """`Tensor.random_()`, `random_(to)` or `random_(from, to)` (to=None: the dtype's top)."""
    if low is None and high is None:
        return _random.random_array(shape, dtype, generator=generator)
    lowest, highest = _dtype_limits(dtype)
    low = int(low)
    if high is None:
        high = highest + 1  # [from, top of dtype], both ends included
    high = int(high)
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    word = "float" if np.dtype(dtype).kind == "f" else _CPP_NAMES.get(type_word(dtype), "")
    if not lowest <= low <= highest:
        raise RuntimeError(f"from is out of bounds for {word}")
    if not lowest <= high - 1 <= highest:
        raise RuntimeError(f"to - 1 is out of bounds for {word}")
    return _random.randint_array(shape, dtype, low, high, generator=generator)


_CPP_NAMES = {
    "Bool": "bool",
    "Byte": "unsigned char",
    "Char": "signed char",
    "Short": "short",
    "Int": "int",
    "Long": "long",
    "Float": "float",
    "Double": "double",
}


def randperm(n: int, dtype, generator=None) -> np.ndarray:
    """A permutation of 0..n-1, as `torch.randperm` shuffles it."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    return _random.randperm_array(n, dtype=np.dtype(dtype), generator=generator)


# ---------------------------------------------------------------------- discrete


def bernoulli_scalar(shape, p, generator=None) -> np.ndarray:
    """One Bernoulli(p) per element (bool), as `bernoulli_(float p)`; random.py checks p."""
    return _random.bernoulli_array(shape, float(p), generator=generator)


def bernoulli_tensor(probs: np.ndarray, generator=None) -> np.ndarray:
    """One Bernoulli(probs[i]) per element (bool), as `bernoulli(p_tensor)`."""
    if probs.dtype.kind != "f":
        raise NotImplementedError(
            f"\"bernoulli_tensor_cpu_p_\" not implemented for '{type_word(probs.dtype)}'"
        )
    return _random.bernoulli_tensor_array(np.ascontiguousarray(probs), generator=generator)


def multinomial(probs: np.ndarray, num_samples: int, replacement: bool, generator=None):
    """Category indices drawn from the rows of `probs` (random.py makes PyTorch's checks)."""
    return _random.multinomial_array(
        np.ascontiguousarray(probs), num_samples, replacement=replacement, generator=generator
    )
