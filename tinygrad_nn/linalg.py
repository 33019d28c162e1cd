"""torch.linalg: norms, inverses, determinants, solves and decompositions, batched over the
leading axes. The differentiable pieces are ops in `ops/linalg_decomp.py` (and `Svd` in
`ops/linalg.py`); what can be composed exactly from them (svd's three factors, pinv,
matrix_rank, logdet, the matrix norms) is composed here.
"""

from __future__ import annotations

import builtins
import collections

import numpy as np

from .functions import cat
from .ops.linalg import Svd, nuclear_norm
from .ops.linalg_decomp import (
    Cholesky,
    Det,
    Eigh,
    Inv,
    LinAlgError,
    LogAbsDet,
    Pinv,
    Qr,
    Refused,
    Solve,
    check_matrix,
)
from .tensor import _DTYPE_WORDS, Tensor, where

__all__ = [
    "LinAlgError",
    "cholesky",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "matrix_norm",
    "matrix_rank",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "svdvals",
    "vector_norm",
]

_make = Tensor._make


def _result(name: str, fields: tuple):
    """A named tuple type like torch.return_types.<name>."""
    kind = collections.namedtuple(name, fields)
    kind.__module__ = "tinygrad_nn.return_types"
    return kind


SlogdetResult = _result("linalg_slogdet", ("sign", "logabsdet"))
QrResult = _result("linalg_qr", ("Q", "R"))
SvdResult = _result("linalg_svd", ("U", "S", "Vh"))
EighResult = _result("linalg_eigh", ("eigenvalues", "eigenvectors"))


# ---------------------------------------------------------------- inverse, det, solve


def inv(A: Tensor, *, out=None) -> Tensor:
    """The inverse of each square matrix in A; LinAlgError if one is singular."""
    check_matrix(A, "linalg.inv")
    return Inv.apply(A)


def det(A: Tensor, *, out=None) -> Tensor:
    """The determinant of each square matrix in A."""
    check_matrix(A, "linalg.det")
    return Det.apply(A)


def slogdet(A: Tensor, *, out=None):
    """(sign, log|det|) of each square matrix in A; only logabsdet carries a gradient."""
    check_matrix(A, "linalg.slogdet")
    sign = np.asarray(np.linalg.slogdet(A._data)[0], dtype=A._data.dtype)
    return SlogdetResult(_make(sign), LogAbsDet.apply(A))


def logdet(A: Tensor) -> Tensor:
    """log det A: nan where the determinant is negative, -inf where it is 0."""
    check_matrix(A, "logdet")
    sign, logabs = slogdet(A)
    return where(sign < 0, _make(np.asarray(np.nan, A._data.dtype)), logabs)


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """X with A X = B (or X A = B when left=False); B may be a vector (or a batch of them)."""
    check_matrix(A, "linalg.solve")
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{_DTYPE_WORDS[A._data.dtype.name]} and B of type "
            f"{_DTYPE_WORDS[B._data.dtype.name]} instead"
        )
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return solve(A.mT, B.mT).mT
    n = A._data.shape[-1]
    vector = B._data.ndim == 1 or (
        B._data.ndim == A._data.ndim - 1 and B._data.shape == A._data.shape[:-1]
    )
    b = B.unsqueeze(-1) if vector else B
    if b._data.shape[-2] != n:
        raise RuntimeError(
            "linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({A._data.shape[-2]}x{n} and {b._data.shape[-2]}x{b._data.shape[-1]})"
        )
    batch = np.broadcast_shapes(A._data.shape[:-2], b._data.shape[:-2])
    a = A.expand(batch + A._data.shape[-2:]) if A._data.shape[:-2] != batch else A
    b = b.expand(batch + b._data.shape[-2:]) if b._data.shape[:-2] != batch else b
    x = Solve.apply(a, b)
    return x.squeeze(-1) if vector else x


# ---------------------------------------------------------------- decompositions


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """L with A = L L^T (or U = L^T when upper=True), from A's lower triangle."""
    check_matrix(A, "linalg.cholesky")
    low = Cholesky.apply(A)
    return low.mT if upper else low


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """(Q, R) with A = Q R; mode 'reduced', 'complete' or 'r' (Q empty, R not differentiable)."""
    check_matrix(A, "linalg.qr", square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of "
            "'reduced' (default), 'r', or 'complete'"
        )
    m, n = A._data.shape[-2:]
    if mode == "r":
        r = np.linalg.qr(A._data, mode="r")
        msg = (
            "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
            "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
            "through linalg.qr."
        )
        return QrResult(
            _make(np.zeros((0,), A._data.dtype)), Refused.apply(A, r, "LinalgQrBackward0", msg)
        )
    if mode == "complete" and m > n:
        q, r = np.linalg.qr(A._data, mode="complete")
        msg = "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
        return QrResult(
            Refused.apply(A, q, "LinalgQrBackward0", msg),
            Refused.apply(A, r, "LinalgQrBackward0", msg),
        )
    if m >= n:
        return QrResult(Qr.apply(A, "Q"), Qr.apply(A, "R"))
    # wide: A = [X | Y] with X square gives Q R_X = X and R = [R_X | Q^T Y]
    x, y = A[..., :m], A[..., m:]
    q = Qr.apply(x, "Q")
    return QrResult(q, cat([Qr.apply(x, "R"), q.mT @ y], -1))


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """(eigenvalues ascending, eigenvectors) of each symmetric matrix in A, read from the
    triangle UPLO names."""
    check_matrix(A, "linalg.eigh")
    _check_uplo(UPLO, "linalg.eigh")
    a = _symmetric_from(A, UPLO)
    return EighResult(Eigh.apply(a, "L"), Eigh.apply(a, "V"))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """The eigenvalues (ascending) of each symmetric matrix in A."""
    check_matrix(A, "linalg.eigvalsh")
    _check_uplo(UPLO, "linalg.eigvalsh")
    return Eigh.apply(_symmetric_from(A, UPLO), "L")


def _check_uplo(uplo: str, name: str) -> None:
    if uplo not in ("L", "U"):
        raise RuntimeError(f"{name}: Expected UPLO argument to be 'L' or 'U', but got {uplo}")


def _symmetric_from(A: Tensor, uplo: str) -> Tensor:
    """A itself for 'L' (Eigh reads the lower triangle); for 'U', A^T, whose lower triangle
    is A's upper one. PyTorch's gradient is the symmetric one either way, and the transpose
    of a symmetric gradient is itself."""
    return A if uplo == "L" else A.mT


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh. With full_matrices, U (tall A) or Vh (wide A) is
    completed by an orthonormal basis of the rest, which carries no gradient (PyTorch's
    backward also uses only the first min(m, n) columns)."""
    check_matrix(A, "linalg.svd", square=False)
    u, s, vh = Svd.apply(A, "U"), Svd.apply(A, "S"), Svd.apply(A, "Vh")
    m, n = A._data.shape[-2:]
    if full_matrices and m != n:
        full_u, _, full_vh = np.linalg.svd(A._data, full_matrices=True)
        k = builtins.min(m, n)
        if m > k:
            u = cat([u, _make(np.ascontiguousarray(full_u[..., k:]))], -1)
        if n > k:
            vh = cat([vh, _make(np.ascontiguousarray(full_vh[..., k:, :]))], -2)
    return SvdResult(u, s, vh)


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """The singular values of each matrix in A, in descending order."""
    check_matrix(A, "linalg.svdvals", square=False)
    return Svd.apply(A, "S")


def _tolerance(s_max: Tensor, shape: tuple, atol, rtol, dtype) -> np.ndarray:
    """max(atol, rtol * largest singular value); rtol defaults to eps * max(m, n) when
    neither is given, and to 0 when only atol is (PyTorch's rule)."""
    if rtol is None:
        rtol = np.finfo(dtype).eps * builtins.max(shape) if atol is None else 0.0
    atol = 0.0 if atol is None else atol
    atol, rtol = (t._data if isinstance(t, Tensor) else t for t in (atol, rtol))
    return np.maximum(atol, np.multiply(rtol, s_max))


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse: V diag(1/s) U^T over the singular values above the
    tolerance (by eigh when hermitian); PyTorch's gradient, for a fixed rank."""
    check_matrix(A, "linalg.pinv", square=hermitian)
    a = A._data
    if hermitian:
        size = np.abs(np.linalg.eigvalsh(a))
    else:
        size = np.linalg.svd(a, compute_uv=False)
    return Pinv.apply(A, _tolerance(_largest(size), a.shape[-2:], atol, rtol, a.dtype), hermitian)


def _largest(s: np.ndarray) -> np.ndarray:
    """The largest value of each row of s, kept as (..., 1); 0 for empty rows."""
    return s.max(-1, keepdims=True) if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), s.dtype)


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """How many singular values (|eigenvalues| when hermitian) exceed the tolerance (int64)."""
    check_matrix(A, "linalg.matrix_rank", square=hermitian)
    a = A._data
    if hermitian:
        s = np.abs(np.linalg.eigvalsh(a))
    else:
        s = np.linalg.svd(a, compute_uv=False)
    tol = _tolerance(_largest(s), a.shape[-2:], atol, rtol, a.dtype)
    return _make(np.asarray((s > tol).sum(-1), dtype=np.int64))


# ---------------------------------------------------------------- norms


def vector_norm(
    x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None
) -> Tensor:
    """The ord-norm of x's elements over dim (all of them by default) as one flat vector."""
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    return x.norm(p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(
    A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None
) -> Tensor:
    """'fro', 'nuc', 1, -1, 2, -2, inf or -inf norm of the matrices in dims `dim`."""
    check_matrix(A, "linalg.matrix_norm", square=False)
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return A.norm(p=2, dim=dim, keepdim=keepdim)
    if ord == "nuc":
        return nuclear_norm(A, dim, keepdim)
    if ord not in (1, -1, 2, -2, np.inf, -np.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    n = A._data.ndim
    rows, cols = (d % n for d in dim)
    if ord in (2, -2):
        s = Svd.apply(A.movedim((rows, cols), (-2, -1)), "S")
        out = s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            out = out.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (rows, cols))
        return out
    # 1: the largest column sum (sum over rows); inf: the largest row sum
    summed, other = (rows, cols) if abs(ord) == 1 else (cols, rows)
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
    return out if keepdim else out.squeeze((rows, cols))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """A vector norm or, for a string ord, a 2-d input with an ord, or a 2-tuple dim, a
    matrix norm (PyTorch's dispatch)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is None and ord is not None and A._data.ndim not in (1, 2):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must "
            f"be 1D or 2D. Got {A._data.ndim}D."
        )
    matrix = dim is None and ord is not None and A._data.ndim == 2
    if isinstance(ord, str) or matrix or (dim is not None and len(dim) == 2):
        return matrix_norm(
            A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim, dtype=dtype
        )
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------------- the torch.* forms

SlogdetPlain = _result("slogdet", ("sign", "logabsdet"))
QrPlain = _result("qr", ("Q", "R"))
SvdPlain = _result("svd", ("U", "S", "V"))


def inverse(input: Tensor, *, out=None) -> Tensor:
    """torch.inverse: linalg.inv."""
    return inv(input)


def slogdet_plain(input: Tensor):
    """torch.slogdet: linalg.slogdet as a torch.return_types.slogdet."""
    return SlogdetPlain(*slogdet(input))


def cholesky_plain(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """torch.cholesky (deprecated in PyTorch for linalg.cholesky)."""
    return cholesky(input, upper=upper)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """torch.pinverse: linalg.pinv with rtol = rcond."""
    return pinv(input, rtol=rcond)


def qr_plain(input: Tensor, some: bool = True, *, out=None):
    """torch.qr: linalg.qr, reduced when `some`, else complete."""
    return QrPlain(*qr(input, "reduced" if some else "complete"))


def svd_plain(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """torch.svd: (U, S, V) with V = Vh^T; reduced when `some`."""
    if not compute_uv:  # S alone (still differentiable); square zero matrices for U and V
        a = input._data
        batch, (m, n) = a.shape[:-2], a.shape[-2:]
        return SvdPlain(
            _make(np.zeros(batch + (m, m), a.dtype)),
            svdvals(input),
            _make(np.zeros(batch + (n, n), a.dtype)),
        )
    u, s, vh = svd(input, full_matrices=not some)
    return SvdPlain(u, s, vh.mT)
