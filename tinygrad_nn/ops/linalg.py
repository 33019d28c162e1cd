"""Matrix products.

| op      | forward                    | dL/dx              | dL/dy              |
|---------|----------------------------|--------------------|--------------------|
| MatMul  | x @ y (batch-broadcasting) | g @ y^T            | x^T @ g            |
| Addmm   | b + x @ y (matrices)       | g @ y^T            | x^T @ g  (dL/db: g summed over rows) |
| Einsum  | np.einsum(eq, *xs)         | einsum of g with the other operands, to x_i's letters |
| Svd     | one factor of x = U S Vh   | U [...] Vh: see Svd (the other factors recomputed as ops) |

A 1-d operand of MatMul is treated as a row (x) or a column (y) and the extra axis is
dropped again, as NumPy and PyTorch do; batch axes that broadcasting added are summed back.
"""

from __future__ import annotations

import math
import string
from typing import TYPE_CHECKING

import numpy as np

from ..autograd.function import Function, wrap
from ._half import add_reduce
from ._names import dtype_word, named
from ._shape import broadcast_axes, broadcast_shapes, normalize_dim, unbroadcast

if TYPE_CHECKING:
    from ..tensor import Tensor

_NAMES = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0"}


class MatMul(Function):
    """z = x @ y.   dL/dx = g @ y^T,   dL/dy = x^T @ g  (batch axes summed back)."""

    @staticmethod
    def forward(ctx, x, y):
        a, b = x._data, y._data
        ctx.node_name = _NAMES.get((a.ndim, b.ndim), "BmmBackward0")
        ctx.save_for_backward(
            x if ctx.needs_input_grad[1] else None, y if ctx.needs_input_grad[0] else None
        )
        ctx.shapes = (a.shape, b.shape)
        ctx.y_transposed = _transposed(b)
        return _matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        x_shape, y_shape = ctx.shapes
        if len(x_shape) == 1 and len(y_shape) == 1:  # dot product
            grad_x = grad * y if ctx.needs_input_grad[0] else None
            grad_y = grad * x if ctx.needs_input_grad[1] else None
            return grad_x, grad_y
        g = grad
        if len(x_shape) == 1:
            g = g.unsqueeze(-2)
        if len(y_shape) == 1:
            g = g.unsqueeze(-1)
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            y2 = y if len(y_shape) > 1 else y.unsqueeze(-1)
            x2_shape = x_shape if len(x_shape) > 1 else (1,) + x_shape
            grad_x = unbroadcast(g @ y2.swapaxes(-1, -2), x2_shape).reshape(x_shape)
        if ctx.needs_input_grad[1] and len(x_shape) == 2 and len(y_shape) == 2:
            grad_y = _matrix_grad_y(g, x, ctx.y_transposed)
        elif ctx.needs_input_grad[1]:
            x2 = x if len(x_shape) > 1 else x.unsqueeze(0)
            y2_shape = y_shape if len(y_shape) > 1 else y_shape + (1,)
            grad_y = unbroadcast(x2.swapaxes(-1, -2) @ g, y2_shape).reshape(y_shape)
        return grad_x, grad_y


class Addmm(Function):
    """z = b + x @ y for matrices x, y and b broadcast over the rows: F.linear in one node,
    as PyTorch records it (the matmul and the bias add, fused).
    dL/db = g summed over the rows,   dL/dx = g @ y^T,   dL/dy = x^T @ g."""

    @staticmethod
    def forward(ctx, bias, x, y):
        ctx.save_for_backward(
            x if ctx.needs_input_grad[2] else None, y if ctx.needs_input_grad[1] else None
        )
        ctx.bias_shape = bias._data.shape
        ctx.y_transposed = _transposed(y._data)
        if x._data.dtype == np.float16:  # see _half_matmul; the bias is added before rounding
            return _half_matmul(x._data, y._data, bias._data)
        out = np.matmul(x._data, y._data)
        out += bias._data  # in place: the sum needs no second (rows, columns) array
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        needs, layout = ctx.needs_input_grad, (ctx.bias_shape, ctx.y_transposed)
        return AddmmBackward.apply(grad, x, y, needs, layout)


class AddmmBackward(Function):
    """Addmm's backward as one op, as PyTorch runs it: from g, the gradients
    gb = g summed over the rows,   gx = g @ y^T,   gy = x^T @ g   (None where not needed).
    Its own derivatives, for double backward, from their gradients Gb, Gx, Gy:
    dL/dg = Gb + Gx @ y + x @ Gy,   dL/dx = g @ Gy^T,   dL/dy = Gx^T @ g."""

    @staticmethod
    def forward(ctx, grad, x, y, needs: tuple, layout: tuple):
        ctx.save_for_backward(grad, x, y)
        g, (bias_shape, y_transposed) = grad._data, layout
        grad_bias = _sum_to(g, bias_shape) if needs[0] else None
        grad_x = _matmul(g, y._data.swapaxes(-1, -2)) if needs[1] else None
        grad_y = None
        if needs[2] and y_transposed:  # W.t() in linear: W.grad comes out row-major like W
            grad_y = _matmul(g.swapaxes(-1, -2), x._data).swapaxes(-1, -2)
        elif needs[2]:
            grad_y = _matmul(x._data.swapaxes(-1, -2), g)
        return grad_bias, grad_x, grad_y

    @staticmethod
    def backward(ctx, grad_grad_bias, grad_grad_x, grad_grad_y):
        grad, x, y = ctx.saved_tensors
        terms = []  # dL/dg: each gradient's share, where it was asked for
        if grad_grad_bias is not None:  # gb summed g over the rows: spread Gb back over them
            terms.append(grad_grad_bias.expand(grad.shape))
        if grad_grad_x is not None:
            terms.append(grad_grad_x @ y)
        if grad_grad_y is not None:
            terms.append(x @ grad_grad_y)
        d_grad = sum(terms[1:], terms[0]) if terms and ctx.needs_input_grad[0] else None
        # x (y) was saved only when forward made gy (gx), so its G arrives only then.
        needs = ctx.needs_input_grad
        d_x = grad @ grad_grad_y.mT if grad_grad_y is not None and needs[1] else None
        d_y = grad_grad_x.mT @ grad if grad_grad_x is not None and needs[2] else None
        return d_grad, d_x, d_y, None, None


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray:
    """`unbroadcast` on an array: g summed over the axes broadcasting added or stretched."""
    if g.shape == shape:
        return g
    return add_reduce(g, broadcast_axes(shape, g.shape), True).reshape(shape)


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b on arrays (float16 through `_half_matmul`)."""
    if a.dtype == np.float16 and b.dtype == np.float16:
        return _half_matmul(a, b)
    return np.matmul(a, b)


def _half_matmul(a: np.ndarray, b: np.ndarray, bias=None) -> np.ndarray:
    """float16 a @ b (+ bias) as PyTorch's CPU kernel computes it: products summed in float32
    (through BLAS, not NumPy's slow float16 loop) and rounded to float16 once, at the end."""
    out = np.matmul(a.astype(np.float32), b.astype(np.float32))
    if bias is not None:
        out += bias
    return out.astype(np.float16)


def _transposed(b: np.ndarray) -> bool:
    """True for a matrix stored column-major, e.g. `W.t()` of a row-major W."""
    return b.ndim == 2 and b.flags.f_contiguous and not b.flags.c_contiguous


def _matrix_grad_y(grad, x, y_transposed: bool):
    """dL/dy = x^T @ g for z = x @ y (matrices). When y is a transposed matrix (`x @ W.t()`
    in linear), build it in that layout, (g^T x)^T, so that W.grad comes out row-major like
    W, as PyTorch's mm_mat2_backward does: a column-major grad makes every optimizer pass
    several times slower."""
    return (
        (grad.swapaxes(-1, -2) @ x).swapaxes(-1, -2) if y_transposed else x.swapaxes(-1, -2) @ grad
    )


def check_matmul(a: np.ndarray, b: np.ndarray) -> None:
    """PyTorch's errors for incompatible matmul operands, naming the shapes."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != {b.dtype}"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        if a.ndim <= 2 and b.ndim <= 2:
            rows = "x".join(map(str, a.shape if a.ndim == 2 else (1,) + a.shape))
            cols = "x".join(map(str, b.shape if b.ndim == 2 else b.shape + (1,)))
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows} and {cols})")
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{k_a}] but got: [{k_b}] (matmul of shapes {list(a.shape)} and {list(b.shape)})"
        )
    batch_a, batch_b = a.shape[:-2], b.shape[:-2]
    for m, n in zip(reversed(batch_a), reversed(batch_b)):
        if m != n and m != 1 and n != 1:
            raise RuntimeError(
                f"The size of tensor a ({m}) must match the size of tensor b ({n}) at "
                f"non-singleton dimension (matmul of shapes {list(a.shape)} and {list(b.shape)})"
            )


# ---------------------------------------------------------------- einsum


def parse_einsum(equation: str, ndims: list) -> tuple:
    """Expand '...' into letters and make the output explicit: ('ij,jk', ['ij','jk'], 'ik')."""
    equation = equation.replace(" ", "")
    lhs, arrow, out = equation.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(ndims):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(ndims) > len(subs)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    used = set(equation) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    ell_len = max(
        [n - len(s.replace("...", "")) for s, n in zip(subs, ndims) if "..." in s], default=0
    )
    ell = "".join(spare[:ell_len])
    expanded = []
    for s, n in zip(subs, ndims):
        if "..." in s:
            k = n - len(s.replace("...", ""))
            s = s.replace("...", ell[ell_len - k :] if k else "")
        if len(s) != n:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(s)}) does not match "
                f"the number of dimensions ({n}) for operand {len(expanded)}"
                + ("" if "..." in lhs else " and no ellipsis was given")
            )
        expanded.append(s)
    if arrow:
        out = out.replace("...", ell)
    else:
        letters = "".join(expanded)
        once = [c for c in set(letters) if letters.count(c) == 1 and c not in ell]
        out = ell + "".join(sorted(once))
    return expanded, out


class Einsum(Function):
    """z = einsum(eq, x_1..x_n).   dL/dx_i = einsum(g and the other operands -> x_i's letters)."""

    @staticmethod
    def forward(ctx, subs, out, *xs):
        ctx.subs, ctx.out, ctx.shapes = subs, out, [x._data.shape for x in xs]
        if len(xs) > 1:  # one operand's gradient needs only its shape: PyTorch's sum or
            ctx.save_for_backward(*xs)  # diagonal saves nothing, and a second backward runs
        return _einsum(subs, out, [x._data for x in xs])

    @staticmethod
    def backward(ctx, grad):
        xs = ctx.saved_tensors if len(ctx.shapes) > 1 else (None,)
        grads = [None, None]
        for i, shape in enumerate(ctx.shapes):
            if not ctx.needs_input_grad[2 + i]:
                grads.append(None)
                continue
            others = [(s, t) for j, (s, t) in enumerate(zip(ctx.subs, xs)) if j != i]
            grads.append(_einsum_grad(grad, ctx.out, others, ctx.subs[i], shape))
        return tuple(grads)


def _einsum(subs: list, out: str, arrays: list) -> np.ndarray:
    """The forward's NumPy call."""
    eq = ",".join(subs) + "->" + out
    return np.asarray(np.einsum(eq, *arrays, optimize=len(arrays) > 2))


def _einsum_grad(grad, out: str, others: list, target: str, shape: tuple):
    """dL/d(operand with letters `target`): contract g with the other operands (Einsum ops,
    so the gradient is differentiable again)."""
    available = set(out) | {c for s, _ in others for c in s}
    unique = "".join(dict.fromkeys(target))  # first occurrence of each letter
    kept = "".join(c for c in unique if c in available)
    subs = [out] + [s for s, _ in others]
    operands = [grad] + [t for _, t in others]
    result = Einsum.apply(subs, kept, *operands)
    sizes = {c: n for c, n in zip(target, shape)}
    if kept != unique:  # letters summed away in x alone: broadcast the gradient over them
        view = tuple(sizes[c] if c in kept else 1 for c in unique)
        full = tuple(sizes[c] for c in unique)
        result = result.reshape(view).expand(full)
    if unique != target:  # a repeated letter (a diagonal): put g back on the diagonal
        spare = [c for c in string.ascii_letters if c not in target]
        subs, operands, full = [unique], [result], ""
        seen = set()
        for c in target:
            if c in seen:
                fresh = spare.pop()
                subs.append(c + fresh)
                operands.append(wrap(np.eye(sizes[c], dtype=grad._data.dtype)))
                full += fresh
            else:
                seen.add(c)
                full += c
        result = Einsum.apply(subs, full, *operands)
    return result


class Svd(Function):
    """One factor of the reduced SVD  x = U diag(S) Vh  (over the last two axes, batched):
    `part` is "U", "S" or "Vh". With k = min(m, n) and V = Vh^T, dL/dx for the factor's
    gradient gU, gS or gVh (the others zero) is

        U [ (J(U^T gU) / E) S  +  diag(gS)  +  S (J(V^T gV) / E) ] Vh
          + (I - U U^T) gU S^-1 Vh  +  U S^-1 gV^T (I - V V^T)

    where J(A) = A - A^T, E[i, j] = s_j^2 - s_i^2 (1 on the diagonal, where J is 0) and the
    last two terms exist only for a tall (m > k) or a wide (n > k) x. It assumes distinct,
    non-zero singular values, as every SVD gradient must. The backward asks Svd itself for
    the factors it needs, so its own gradient (and every higher one) comes from this rule.
    """

    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, x, part: str):
        ctx.part = part
        ctx.save_for_backward(x)
        a = x._data
        if part == "S":
            return np.linalg.svd(a, compute_uv=False)
        u, _, vh = np.linalg.svd(a, full_matrices=False)
        return u if part == "U" else vh

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        u, vh = Svd.apply(x, "U"), Svd.apply(x, "Vh")
        if ctx.part == "S":
            return u @ (grad.unsqueeze(-1) * vh), None
        s = Svd.apply(x, "S")
        s2 = s * s
        k = s._data.shape[-1]
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + wrap(np.eye(k, dtype=s._data.dtype))
        if ctx.part == "U":
            ut_g = u.mT @ grad
            core = (ut_g - ut_g.mT) / e * s.unsqueeze(-2)
            out = u @ core @ vh
            if x._data.shape[-2] > k:  # tall: the part of gU outside U's columns
                out = out + ((grad - u @ ut_g) / s.unsqueeze(-2)) @ vh
            return out, None
        v, gv = vh.mT, grad.mT
        vt_g = vh @ gv
        core = s.unsqueeze(-1) * ((vt_g - vt_g.mT) / e)
        out = u @ core @ vh
        if x._data.shape[-1] > k:  # wide: the part of gV outside V's columns
            out = out + u @ ((gv - v @ vt_g).mT / s.unsqueeze(-1))
        return out, None


def nuclear_norm(x: Tensor, dim, keepdim: bool) -> Tensor:
    """Sum of the singular values of the matrices in dims `dim` (two of them; the only two
    by default): the reduced dims move to the end, as PyTorch's matrix_norm does."""
    n = x._data.ndim
    if n < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."
        )
    dims = tuple(range(n)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(
            f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}"
        )
    rows, cols = (normalize_dim(d, n) for d in dims)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got {dims}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            "linalg.matrix_norm: Expected a floating point or complex tensor as "
            f"input. Got {dtype_word(x._data.dtype)}"
        )
    matrices = x.movedim((rows, cols), (-2, -1))
    if 0 in matrices._data.shape[-2:]:  # no singular values: the norm is 0 (LAPACK refuses)
        total = (matrices * 0).sum((-2, -1))
    else:
        total = Svd.apply(matrices, "S").sum(-1)
    if not keepdim:
        return total
    return total.unsqueeze(-1).unsqueeze(-1).movedim((-2, -1), (rows, cols))


# ---------------------------------------------------------------- matmul as PyTorch records it


def matmul_decomposed(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for the other ranks, recorded as PyTorch's matmul decomposes it into mm, mv or
    bmm and views (same grad_fn names and edges): a vector on the left becomes a 1-row
    matrix; a stack of matrices times a matrix or vector folds the stack into the rows of one
    matrix (through the transposes when the stack is on the right); else both operands are
    expanded to the common batch shape and multiplied as a batch."""
    da, db = a._data.ndim, b._data.ndim
    if da == 1 and db == 2:
        return named(MatMul.apply(a.unsqueeze(0), b).squeeze(0), "SqueezeBackward4")
    if da == db == 3 and (a._data.shape[0] == 1) != (b._data.shape[0] == 1):
        single = a if a._data.shape[0] == 1 else b
        if single._requires_grad:
            # A stack of one matrix that needs a gradient: PyTorch drops its batch dim and
            # folds the other stack (its gradient then needs no sum over an expanded batch).
            return a.squeeze(0).matmul(b) if single is a else a.matmul(b.squeeze(0))
    if _should_fold(a, b):
        transpose = db > da
        t1 = b.mT if transpose else a
        t2 = (a.t() if da == 2 else a) if transpose else b
        rows = t1._data.shape[:-1]
        out_shape = rows + t2._data.shape[1:]  # (..., p) for a matrix t2, (...) for a vector
        folded = t1.reshape(math.prod(rows), t1._data.shape[-1])
        out = named(MatMul.apply(folded, t2).reshape(out_shape), "UnsafeViewBackward0")
        return out.mT.contiguous() if transpose and t2._data.ndim == 2 else out
    n, m1 = (a._data.shape[-2] if da > 1 else 1), a._data.shape[-1]
    m2, p = (b._data.shape[-2], b._data.shape[-1]) if db > 1 else (b._data.shape[0], 1)
    batch = broadcast_shapes(a._data.shape[:-2], b._data.shape[:-2])
    size = math.prod(batch)
    left = a.expand(batch + (n, m1)).reshape(size, n, m1)
    right = b.expand(batch + (m2, p)).reshape(size, m2, p)
    out_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    return named(MatMul.apply(left, right).reshape(out_shape), "UnsafeViewBackward0")


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """PyTorch's choice (should_fold) to multiply a stack of matrices by a matrix or vector as
    one mm: when the smaller operand requires grad, or the stack folds into rows without a
    copy. A stack on the right is looked at transposed, as the fold would use it."""
    a_larger = a._data.ndim >= b._data.ndim
    big = a._data if a_larger else np.swapaxes(b._data, -1, -2)
    small = b if a_larger else a
    if not (big.ndim >= 3 and small._data.ndim <= 2):
        return False
    if small._requires_grad:
        return True
    if a._data.ndim == 2:  # mm of the transposed stack, then a transposed copy: not worth it
        return False
    if big.size == 0:
        return True
    shape, strides = big.shape, big.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))
