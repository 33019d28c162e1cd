"""Matrix inverses, determinants and decompositions (over the last two axes, batched).

| op        | forward (numpy.linalg)      | dL/dA, with g = dL/d(output)                          |
|-----------|-----------------------------|-------------------------------------------------------|
| Inv       | Y = A^-1                    | -Y^T g Y^T                                            |
| Det       | d = det A                   | g d A^-T  (g adj(A)^T when singular)                  |
| LogAbsDet | l = log abs det A           | g A^-T                                                |
| Solve     | X = A^-1 B                  | dB = A^-T g,   dA = -dB X^T                           |
| Cholesky  | L, A = L L^T                | sym(L^-T phi(L^T g) L^-1), phi: lower half, diag / 2  |
| Qr        | Q or R of A = Q R (reduced) | (gQ + Q copyltu(R gR^T - gQ^T Q)) R^-T  (m >= n)      |
| Eigh      | eigenvalues or vectors of A | V (diag(gL) + skew(V^T gV) / E) V^T                   |
| Pinv      | P = A^+ (over s > tol)      | -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A) |

Every backward is written in Tensor ops and asks these ops for what it needs (Inv of A, the
other factor...), so second and higher derivatives come from the same rules. Like PyTorch's
formulas they assume what the derivative needs: an invertible A, distinct eigenvalues (else
E has zeros and the gradient is inf/nan, as in PyTorch).
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function, wrap
from ._names import dtype_word
from .linalg import Svd


class LinAlgError(RuntimeError):
    """A matrix the routine cannot handle (singular, not positive-definite): torch.linalg's
    LinAlgError, a RuntimeError."""


# ---------------------------------------------------------------- input checks


def check_matrix(x, name: str, square: bool = True) -> None:
    """PyTorch's errors for a linalg input: at least 2-d, square when asked, floating."""
    a = x._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are "
            f"{a.shape[-2]} by {a.shape[-1]} matrices"
        )
    if a.dtype.kind != "f":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. "
            f"Got {dtype_word(a.dtype)}"
        )


def _batch_prefix(a: np.ndarray, index: int) -> str:
    """'(Batch element i): ' for a batched input, as PyTorch names the failing matrix."""
    return f"(Batch element {index}): " if a.ndim > 2 else ""


def _zero_pivot(m: np.ndarray) -> int:
    """1-based index of the first zero pivot of m's LU with partial pivoting (as getrf)."""
    m = m.astype(np.float64).copy()
    n = m.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(m[k:, k])))
        if m[p, k] == 0:
            return k + 1
        m[[k, p]] = m[[p, k]]
        m[k + 1 :, k:] -= np.outer(m[k + 1 :, k] / m[k, k], m[k, k:])
    return n


def _singular_error(a: np.ndarray) -> LinAlgError:
    """linalg.inv's error, naming the batch element and its zero pivot."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for i, m in enumerate(flat):
        try:
            np.linalg.inv(m)
        except np.linalg.LinAlgError:
            return LinAlgError(
                f"linalg.inv: {_batch_prefix(a, i)}The diagonal element {_zero_pivot(m)} is "
                "zero, the inversion could not be completed because the input matrix is "
                "singular."
            )
    return LinAlgError("linalg.inv: the input matrix is singular.")


def _not_pd_error(a: np.ndarray) -> LinAlgError:
    """linalg.cholesky's error, naming the batch element and the failing leading minor."""
    flat = a.reshape((-1,) + a.shape[-2:])
    for i, m in enumerate(flat):
        for order in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:order, :order])
            except np.linalg.LinAlgError:
                return LinAlgError(
                    f"linalg.cholesky: {_batch_prefix(a, i)}The factorization could not be "
                    "completed because the input is not positive-definite (the leading minor "
                    f"of order {order} is not positive-definite)."
                )
    return LinAlgError("linalg.cholesky: the input is not positive-definite.")


def _eye_like(a: np.ndarray, n: int):
    return wrap(np.eye(n, dtype=a.dtype))


# ---------------------------------------------------------------- inverse and determinants


class Inv(Function):
    """Y = A^-1.   dL/dA = -Y^T g Y^T  (the saved output, no second inversion)."""

    node_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, x):
        try:
            y = wrap(np.linalg.inv(x._data))
        except np.linalg.LinAlgError:
            raise _singular_error(x._data) from None
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        yt = y.mT
        return -(yt @ grad @ yt)


class Det(Function):
    """d = det A.   dL/dA = g d A^-T  (A^-1 from Inv, so the rule differentiates again), or
    g adj(A)^T from the SVD when some det is exactly 0."""

    node_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, x):
        d = wrap(np.asarray(np.linalg.det(x._data)))
        ctx.save_for_backward(x, d)
        return d

    @staticmethod
    def backward(ctx, grad):
        x, d = ctx.saved_tensors
        if np.any(d._data == 0):  # no inverse: the adjugate, from the SVD
            return grad.unsqueeze(-1).unsqueeze(-1) * _adjugate_t(x)
        return (grad * d).unsqueeze(-1).unsqueeze(-1) * Inv.apply(x).mT


def _adjugate_t(x):
    """adj(A)^T = det(U) det(Vh) U diag(prod of the other singular values) Vh, which is
    d det / dA even for a singular A (where d A^-T is 0 * inf)."""
    u, s, vh = Svd.apply(x, "U"), Svd.apply(x, "S"), Svd.apply(x, "Vh")
    n = s._data.shape[-1]
    eye = _eye_like(s._data, n)
    others = (s.unsqueeze(-2) * (1 - eye) + eye).prod(-1)  # prod over j != i, for each i
    sign = np.linalg.det(u._data) * np.linalg.det(vh._data)
    return wrap(np.asarray(sign)[..., None, None]) * ((u * others.unsqueeze(-2)) @ vh)


class LogAbsDet(Function):
    """l = log|det A| (slogdet's second output).   dL/dA = g A^-T."""

    node_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray(np.linalg.slogdet(x._data)[1])

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad.unsqueeze(-1).unsqueeze(-1) * Inv.apply(x).mT


class Solve(Function):
    """X = A^-1 B for matrices B (batch axes already broadcast to A's).
    dL/dB = A^-T g,   dL/dA = -dL/dB X^T."""

    node_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, a, b):
        try:
            out = wrap(np.linalg.solve(a._data, b._data))
        except np.linalg.LinAlgError:
            raise LinAlgError(
                "torch.linalg.solve: The solver failed because the input matrix is singular."
            ) from None
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        grad_b = Solve.apply(a.mT, grad)
        grad_a = -(grad_b @ out.mT) if ctx.needs_input_grad[0] else None
        return grad_a, grad_b if ctx.needs_input_grad[1] else None


# ---------------------------------------------------------------- decompositions


class Cholesky(Function):
    """L (lower) with A = L L^T, from A's lower triangle.
    dL/dA = sym(L^-T phi(L^T g) L^-1), phi = the lower triangle with its diagonal halved and
    sym(M) = (M + M^T) / 2."""

    symmetric_input = True  # reads one triangle; graph checks use symmetric directions

    node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, x):
        a = x._data
        lower = np.tril(a) + np.swapaxes(np.tril(a, -1), -1, -2)  # LAPACK reads one half
        try:
            out = wrap(np.linalg.cholesky(lower))
        except np.linalg.LinAlgError:
            raise _not_pd_error(lower) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (low,) = ctx.saved_tensors
        m = low.mT @ grad
        phi = m.tril() - 0.5 * m * _eye_like(low._data, low._data.shape[-1])
        inv = Inv.apply(low)
        out = inv.mT @ phi @ inv
        return 0.5 * (out + out.mT)


class Qr(Function):
    """Q or R (`part`) of the reduced QR decomposition A = Q R of a tall or square A.
    dL/dA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q and copyltu(M) the symmetric
    matrix holding M's lower triangle (one of gQ, gR zero: each part adds its own share)."""

    node_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, x, part: str):
        ctx.part = part
        ctx.save_for_backward(x)
        q, r = np.linalg.qr(x._data)
        return q if part == "Q" else r

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        q, r = Qr.apply(x, "Q"), Qr.apply(x, "R")
        m = r @ grad.mT if ctx.part == "R" else -(grad.mT @ q)
        sym = m.tril() + m.tril(-1).mT
        base = q @ sym if ctx.part == "R" else grad + q @ sym
        return base @ Inv.apply(r).mT, None


class Eigh(Function):
    """Eigenvalues ("L") or eigenvectors ("V") of a symmetric A, from its lower triangle.
    dL/dA = V (diag(gL) + skew(V^T gV) / E) V^T with skew(M) = (M - M^T) / 2 and
    E[i, j] = L_j - L_i (1 on the diagonal): inf/nan for repeated eigenvalues."""

    symmetric_input = True  # reads one triangle; graph checks use symmetric directions

    node_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, x, part: str):
        ctx.part = part
        ctx.save_for_backward(x)
        values, vectors = np.linalg.eigh(x._data)
        return values if part == "L" else vectors

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        v = Eigh.apply(x, "V")
        if ctx.part == "L":
            return (v * grad.unsqueeze(-2)) @ v.mT, None
        values = Eigh.apply(x, "L")
        n = values._data.shape[-1]
        e = values.unsqueeze(-2) - values.unsqueeze(-1) + _eye_like(values._data, n)
        vtg = v.mT @ grad
        core = 0.5 * (vtg - vtg.mT) / e
        return v @ core @ v.mT, None


class Pinv(Function):
    """P = A^+, the pseudo-inverse over the singular values (|eigenvalues| when hermitian)
    above `tol`, one tolerance per matrix (shape (..., 1)). With the rank held fixed,
    dL/dA = -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)."""

    node_name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx, x, tol: np.ndarray, hermitian: bool):
        a = x._data
        if hermitian:
            values, left = np.linalg.eigh(a)
            size, right = np.abs(values), np.swapaxes(left, -1, -2)
        else:
            u, values, vh = np.linalg.svd(a, full_matrices=False)
            size, left, right = values, np.swapaxes(vh, -1, -2), np.swapaxes(u, -1, -2)
        keep = size > tol
        inverse = np.where(keep, 1 / np.where(keep, values, 1), 0).astype(a.dtype)
        out = wrap((left * inverse[..., None, :]) @ right)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, p = ctx.saved_tensors
        pt, gt = p.mT, grad.mT
        m, n = x._data.shape[-2:]
        left = _eye_like(x._data, m) - x @ p
        right = _eye_like(x._data, n) - p @ x
        return -(pt @ grad @ pt) + left @ gt @ (p @ pt) + (pt @ p) @ gt @ right, None, None


class Refused(Function):
    """A value whose derivative PyTorch refuses (R of mode='r' QR, which needs Q; the
    complete Q of a tall matrix): the backward pass raises PyTorch's error on reaching it.
    dL/dx: none, backward raises."""

    @staticmethod
    def forward(ctx, x, value: np.ndarray, name: str, message: str):
        ctx.node_name, ctx.message = name, message
        return value

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(ctx.message)
