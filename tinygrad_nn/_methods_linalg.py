"""Tensor methods: matrix products (ops/linalg.py), the decompositions of linalg.py, and the
truth tests, counts, histograms and running sums listed beside them in tensor.py."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ._checks import _keepdims_alias, _need_tensor, _refuse_number
from ._method_helpers import _accumulate_dtype, _norm_dim, _norm_dims, _tensor_operand
from .ops import linalg, reduce

if TYPE_CHECKING:
    from .tensor import Tensor


def inverse(self) -> Tensor:
    """The inverse of each square matrix (torch.linalg.inv)."""
    from . import linalg as la

    return la.inverse(self)


def det(self) -> Tensor:
    """The determinant of each square matrix (torch.linalg.det)."""
    from . import linalg as la

    return la.det(self)


def logdet(self) -> Tensor:
    """log det of each square matrix: nan for a negative determinant."""
    from . import linalg as la

    return la.logdet(self)


def slogdet(self):
    """(sign, log|det|) of each square matrix."""
    from . import linalg as la

    return la.slogdet_plain(self)


def cholesky(self, upper: bool = False) -> Tensor:
    """The Cholesky factor of each positive-definite matrix (lower unless `upper`)."""
    from . import linalg as la

    return la.cholesky(self, upper=upper)


def pinverse(self, rcond: float = 1e-15) -> Tensor:
    """The pseudo-inverse of each matrix (torch.linalg.pinv with rtol = rcond)."""
    from . import linalg as la

    return la.pinverse(self, rcond)


def qr(self, some: bool = True):
    """(Q, R) of each matrix, reduced when `some`."""
    from . import linalg as la

    return la.qr_plain(self, some)


def svd(self, some: bool = True, compute_uv: bool = True):
    """(U, S, V) of each matrix, V = Vh^T, reduced when `some`."""
    from . import linalg as la

    return la.svd_plain(self, some, compute_uv)


def all(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
    """True if every element (along dim) is non-zero (uint8 in, uint8 out, as PyTorch)."""
    if keepdims is not None:
        keepdim = _keepdims_alias("all", keepdim, keepdims)
    axis = None if dim is None else _norm_dims(dim, self._data.ndim)
    out = np.all(self._data, axis=axis, keepdims=keepdim)
    return self._make(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)


def any(self, dim=None, keepdim: bool = False, *, keepdims=None) -> Tensor:
    """True if some element (along dim) is non-zero (uint8 in, uint8 out, as PyTorch)."""
    if keepdims is not None:
        keepdim = _keepdims_alias("any", keepdim, keepdims)
    axis = None if dim is None else _norm_dims(dim, self._data.ndim)
    out = np.any(self._data, axis=axis, keepdims=keepdim)
    return self._make(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)


def histc(self, bins: int = 100, min=0, max=0) -> Tensor:
    """Counts in `bins` equal bins over [min, max] (the data's range if min == max)."""
    from .histogram import histc  # histogram.py needs creation.py, which needs this module

    return histc(self, bins, min, max)


def histogram(self, bins, *, range=None, weight=None, density: bool = False):
    """(hist, bin_edges): counts in `bins` bins (a number, or the edges as a tensor)."""
    from .histogram import histogram

    return histogram(self, bins, range=range, weight=weight, density=density)


def count_nonzero(self, dim=None) -> Tensor:
    """Number of non-zero elements (along dim)."""
    axis = None if dim is None else _norm_dims(dim, self._data.ndim)
    return self._make(np.asarray(np.count_nonzero(self._data, axis=axis), dtype=np.int64))


def cumsum(self, dim: int, *, dtype=None) -> Tensor:
    """Running sum along dim."""
    return reduce.Cumsum.apply(
        self, _norm_dim(dim, self._data.ndim), _accumulate_dtype(self, dtype)
    )


def cumprod(self, dim: int, *, dtype=None) -> Tensor:
    """Running product along dim."""
    return reduce.Cumprod.apply(
        self, _norm_dim(dim, self._data.ndim), _accumulate_dtype(self, dtype)
    )


def matmul(self, other) -> Tensor:
    """Matrix product with batch broadcasting (1-d operands are vectors)."""
    _refuse_number(other, "matmul")
    other = _tensor_operand(other, "matmul")
    linalg.check_matmul(self._data, other._data)
    if (
        self._data.ndim <= 2
        and other._data.ndim <= 2
        and not (self._data.ndim == 1 and other._data.ndim == 2)
    ):
        return linalg.MatMul.apply(self, other)  # dot, mv, mm: one node
    return linalg.matmul_decomposed(self, other)


def mm(self, mat2) -> Tensor:
    """Product of two matrices."""
    _need_tensor(mat2, "mm", "mat2")
    if self._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return self.matmul(mat2)


def bmm(self, mat2) -> Tensor:
    """Batched product of (b, n, m) and (b, m, p)."""
    _need_tensor(mat2, "bmm", "mat2")
    if self._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if self._data.shape[0] != mat2._data.shape[0] or self._data.shape[2] != mat2._data.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{self._data.shape[0]}, {self._data.shape[2]}] but got: "
            f"[{mat2._data.shape[0]}, {mat2._data.shape[1]}]."
        )
    linalg.check_matmul(self._data, mat2._data)
    return linalg.MatMul.apply(self, mat2)  # one BmmBackward0 node, as PyTorch records bmm


def mv(self, vec) -> Tensor:
    """Matrix-vector product."""
    _need_tensor(vec, "mv", "vec")
    if self._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {self._data.ndim}, {vec._data.ndim}"
        )
    return self.matmul(vec)


def dot(self, other) -> Tensor:
    """Inner product of two 1-d tensors."""
    _need_tensor(other, "dot", "other")
    if self._data.ndim != 1 or other._data.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {self._data.ndim}D and {other._data.ndim}D tensors"
        )
    if self._data.shape != other._data.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{self._data.shape[0]}] and src "
            f"[{other._data.shape[0]}] to have the same number of elements, but got "
            f"{self._data.shape[0]} and {other._data.shape[0]} elements respectively"
        )
    return self.matmul(other)


def inner(self, other) -> Tensor:
    """Sum over the last dims: out[i.., j..] = sum_k self[i.., k] * other[j.., k]. A 0-d
    operand scales the other instead, as in PyTorch."""
    _need_tensor(other, "inner", "other")
    if self._data.ndim == 0 or other._data.ndim == 0:
        return self * other
    a, b = self._data.shape, other._data.shape
    if a[-1] != b[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but "
            f"got shapes {list(a)} and {list(b)}"
        )
    if self._data.dtype != other._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    # PyTorch's tensordot: one matrix product of the flattened operands, then a view
    rows = self.reshape(math.prod(a[:-1]), a[-1]) @ other.reshape(math.prod(b[:-1]), b[-1]).t()
    return rows.reshape(a[:-1] + b[:-1])


def outer(self, vec2) -> Tensor:
    """Outer product of two 1-d tensors."""
    _need_tensor(vec2, "outer", "vec2")
    if self._data.ndim != 1 or vec2._data.ndim != 1:
        raise RuntimeError("outer: expected 1-D tensors")
    return self.unsqueeze(1) * vec2.unsqueeze(0)
