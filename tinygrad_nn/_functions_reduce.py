"""`torch.<op>(input, dim, keepdim)` for the reductions: sum, mean, var and std (with their
`_mean` pairs), max/min/amax/amin/argmax/argmin, logsumexp, all/any, the cumulative ops.
Each is one call of the Tensor method.
"""

from __future__ import annotations

import builtins

from ._checks import _keepdims_alias
from ._functions_args import _tensor
from .ops._names import named


def sum(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """Sum over dim."""
    return _tensor(input, "sum").sum(dim, keepdim, dtype=dtype, keepdims=keepdims)


def mean(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """Mean over dim."""
    return _tensor(input, "mean").mean(dim, keepdim, dtype=dtype, keepdims=keepdims)


def prod(input, dim=None, keepdim=False, *, dtype=None, keepdims=None):
    """Product over dim."""
    return _tensor(input, "prod").prod(dim, keepdim, dtype=dtype, keepdims=keepdims)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """Variance over dim."""
    return _tensor(input, "var").var(
        dim, unbiased, keepdim, correction=correction, keepdims=keepdims
    )


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """Standard deviation over dim."""
    return _tensor(input, "std").std(
        dim, unbiased, keepdim, correction=correction, keepdims=keepdims
    )


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """(variance, mean) over dim."""
    input = _tensor(input, "var_mean")
    if keepdims is not None:
        keepdim = _keepdims_alias("var_mean", keepdim, keepdims)
    if isinstance(dim, builtins.bool):  # var_mean(x, False): `unbiased` passed first
        dim, unbiased = None, dim
    # PyTorch computes the pair in one node: show its name on both outputs' nodes
    spread = input.var(dim, unbiased, keepdim, correction=correction)
    return named(spread, "VarMeanBackward0"), named(input.mean(dim, keepdim), "VarMeanBackward0")


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, keepdims=None):
    """(standard deviation, mean) over dim."""
    input = _tensor(input, "std_mean")
    if keepdims is not None:
        keepdim = _keepdims_alias("std_mean", keepdim, keepdims)
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    # PyTorch computes the pair in one node: show its name on both outputs' nodes
    spread = input.std(dim, unbiased, keepdim, correction=correction)
    return named(spread, "StdMeanBackward0"), named(input.mean(dim, keepdim), "StdMeanBackward0")


def max(input, dim=None, keepdim=False, *, keepdims=None):
    """Max of all; (values, indices) along dim; elementwise max with a tensor."""
    return _tensor(input, "max").max(dim, keepdim, keepdims=keepdims)


def min(input, dim=None, keepdim=False, *, keepdims=None):
    """Min of all; (values, indices) along dim; elementwise min with a tensor."""
    return _tensor(input, "min").min(dim, keepdim, keepdims=keepdims)


def amax(input, dim=(), keepdim=False, *, keepdims=None):
    """Max over dims."""
    return _tensor(input, "amax").amax(dim, keepdim, keepdims=keepdims)


def amin(input, dim=(), keepdim=False, *, keepdims=None):
    """Min over dims."""
    return _tensor(input, "amin").amin(dim, keepdim, keepdims=keepdims)


def argmax(input, dim=None, keepdim=False, *, keepdims=None):
    """Index of the first max."""
    return _tensor(input, "argmax").argmax(dim, keepdim, keepdims=keepdims)


def argmin(input, dim=None, keepdim=False, *, keepdims=None):
    """Index of the first min."""
    return _tensor(input, "argmin").argmin(dim, keepdim, keepdims=keepdims)


def logsumexp(input, dim, keepdim=False, *, keepdims=None):
    """log(sum(exp(input))) over dim."""
    return _tensor(input, "logsumexp").logsumexp(dim, keepdim, keepdims=keepdims)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm."""
    return input.norm(p, dim, keepdim, dtype)


def all(input, dim=None, keepdim=False, *, keepdims=None):
    """True if all non-zero."""
    return _tensor(input, "all").all(dim, keepdim, keepdims=keepdims)


def any(input, dim=None, keepdim=False, *, keepdims=None):
    """True if any non-zero."""
    return _tensor(input, "any").any(dim, keepdim, keepdims=keepdims)


def cumprod(input, dim, *, dtype=None):
    """Running product along dim."""
    return _tensor(input, "cumprod").cumprod(dim, dtype=dtype)


def nansum(input, dim=None, keepdim=False, *, keepdims=None):
    """Sum treating NaN as zero."""
    return _tensor(input, "nansum").nansum(dim, keepdim, keepdims=keepdims)


def cumsum(input, dim, *, dtype=None):
    """Running sum."""
    return _tensor(input, "cumsum").cumsum(dim, dtype=dtype)


def count_nonzero(input, dim=None):
    """Number of non-zero elements."""
    return _tensor(input, "count_nonzero").count_nonzero(dim)
