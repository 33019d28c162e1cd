"""`torch.<op>(...)` for products and distances: matmul and its special cases (mm, bmm, mv,
dot, outer, inner), einsum, kron, tensordot, the scaled sums addmm/addmv/addbmm/baddbmm,
cdist, dist, cross and vdot.

Everything past matmul and einsum is composed of existing ops (matmul, mul, sum, reshape,
index_select), so first and second derivatives come from those ops.
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from . import dtypes as _dt
from ._checks import _dtype_word
from ._functions_args import _long, _tensor, _zeros
from ._functions_view import _common_dtype
from ._method_helpers import _tensor_operand
from .ops import linalg
from .ops._names import dtype_word
from .ops._shape import broadcast_shapes as _broadcast
from .tensor import Tensor, _norm_dim


def matmul(input, other):
    """Matrix product with batch broadcasting."""
    return _tensor(input, "matmul").matmul(other)


def mm(input, mat2):
    """Matrix product of two matrices."""
    return _tensor(input, "mm").mm(mat2)


def bmm(input, mat2):
    """Batched matrix product."""
    return _tensor(input, "bmm").bmm(mat2)


def mv(input, vec):
    """Matrix-vector product."""
    return _tensor(input, "mv").mv(vec)


def dot(input, other):
    """Inner product of vectors."""
    return _tensor(input, "dot").dot(other)


def outer(input, vec2):
    """Outer product of vectors."""
    return _tensor(input, "outer").outer(vec2)


ger = outer


def inner(input, other):
    """Sum over the last dims of both (a 0-d operand scales the other)."""
    return _tensor(input, "inner").inner(other)


def einsum(equation: str, *operands):
    """Einstein summation, e.g. einsum('ij,jk->ik', a, b)."""
    if not isinstance(equation, str):
        raise TypeError(
            f"einsum(): argument 'equation' (position 1) must be str, not {type(equation).__name__}"
        )
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = _common_dtype([_tensor_operand(x, "einsum") for x in operands])
    subs, out = linalg.parse_einsum(equation, [x._data.ndim for x in operands])
    for s, x in zip(subs, operands):
        sizes = {}
        for c, n in zip(s, x._data.shape):
            if sizes.setdefault(c, n) != n:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand but the sizes "
                    f"don't match, {sizes[c]} != {n}"
                )
    return linalg.Einsum.apply(subs, out, *operands)


def kron(input, other):
    """Kronecker product: every element of input times a whole copy of other."""
    a, b = _tensor(input, "kron"), _tensor(other, "kron", "other")
    n = builtins.max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + tuple(a.shape), (1,) * (n - b.ndim) + tuple(b.shape)
    # interleave: a's dims at even places, b's at odd ones, then merge each pair
    a2 = a.reshape([v for s in sa for v in (s, 1)])
    b2 = b.reshape([v for s in sb for v in (1, s)])
    return (a2 * b2).reshape([x * y for x, y in zip(sa, sb)])


def _safe_root(s: Tensor, p: float) -> Tensor:
    """s ** (1/p) with a zero (not NaN) gradient where s == 0, as PyTorch's norms give."""
    pos = s > 0
    return (s.masked_fill(~pos, 1) ** (1.0 / p)).masked_fill(~pos, 0)


def _pnorm_last(diff: Tensor, p: float) -> Tensor:
    if p == 0:
        return (diff != 0).to(diff.dtype).sum(-1)
    if p == float("inf"):
        return diff.abs().amax(-1)
    if p == 1:
        return diff.abs().sum(-1)
    if p == 2:
        return _safe_root((diff * diff).sum(-1), 2)
    return _safe_root((diff.abs() ** p).sum(-1), p)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """p-norm distance between each row of x1 and each row of x2 (batched over leading dims)."""
    a, b = _tensor(x1, "cdist", "x1"), _tensor(x2, "cdist", "x2")
    if a.ndim < 2 or b.ndim < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X{1 if a.ndim < 2 else 2} "
            f"got: {(a if a.ndim < 2 else b).ndim}D"
        )
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}"
        )
    if not a.dtype.is_floating_point or not b.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {_dtype_word(a)}")
    if a.dtype is _dt.float16:  # PyTorch's CPU build has no float16 cdist kernel
        raise NotImplementedError("\"cdist\" not implemented for 'Half'")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return _pnorm_last(a.unsqueeze(-2) - b.unsqueeze(-3), float(p))


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    a, b = _tensor(input, "dist"), _tensor(other, "dist", "other")
    kind = _dt.promote_types(a.dtype, b.dtype)
    if not kind.is_floating_point:
        raise RuntimeError(
            f"norm(): input dtype should be either floating point or complex. "
            f"Got {dtype_word(kind.np)} instead."
        )
    return _pnorm_last((a - b).reshape(-1), float(p))


def cross(input, other, dim=None):
    """Cross product of 3-vectors along dim (default: the first dim of size 3)."""
    a, b = _tensor(input, "cross"), _tensor(other, "cross", "other")
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = _broadcast(tuple(a.shape), tuple(b.shape))
    a, b = a.expand(shape), b.expand(shape)
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\n"
            "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
            "The default value of dim will change to agree with that of "
            "linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    d = _norm_dim(dim, len(shape))
    if shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got "
            f"{a.shape[d]} and {b.shape[d]}"
        )
    i1, i2 = _long([1, 2, 0]), _long([2, 0, 1])
    return a.index_select(d, i1) * b.index_select(d, i2) - a.index_select(d, i2) * b.index_select(
        d, i1
    )


def vdot(input, other):
    """Dot product of two 1-D tensors (real numbers: no conjugation to do)."""
    a, b = _tensor(input, "vdot"), _tensor(other, "vdot", "other")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found "
            f"{_dtype_word(a)} and {_dtype_word(b)}"
        )
    return a.dot(b)


def tensordot(a, b, dims=2, out=None):
    """Sum of products over the given dims of a and b (the last `dims` of a with the first
    of b, or the two listed sets); the free dims of a, then of b, remain."""
    x, y = _tensor(a, "tensordot", "a"), _tensor(b, "tensordot", "b")
    if x.dtype != y.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(x.ndim - dims, x.ndim)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    da, db = [_norm_dim(d, x.ndim) for d in da], [_norm_dim(d, y.ndim) for d in db]
    for i, j in zip(da, db):
        if x.shape[i] != y.shape[j]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size "
                f"{x.shape[i]} in dim {i} and second has size {y.shape[j]} in "
                f"dim {j}"
            )
    fa = [d for d in range(x.ndim) if d not in da]
    fb = [d for d in range(y.ndim) if d not in db]
    k = int(np.prod([x.shape[d] for d in da]))
    xm = x.permute(fa + da).reshape(-1, k)
    ym = y.permute(db + fb).reshape(k, -1)
    return xm.mm(ym).reshape([x.shape[d] for d in fa] + [y.shape[d] for d in fb])


def _add_scaled(input, product, beta, alpha):
    """beta * input + alpha * product; beta == 0 ignores input (its NaNs too), as PyTorch."""
    prod = product if alpha == 1 else product * alpha
    if beta == 0:
        return prod + _zeros((), prod).expand(input.shape).to(prod.dtype)
    return (input if beta == 1 else input * beta) + prod


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2)."""
    x = _tensor(input, "addmm")
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if _tensor(m, "addmm", name).ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    return _add_scaled(x, _tensor(mat1, "addmm", "mat1").mm(mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    x = _tensor(input, "addmv")
    m, v = _tensor(mat, "addmv", "mat"), _tensor(vec, "addmv", "vec", 3)
    if m.ndim != 2 or v.ndim != 1 or x.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {x.ndim}, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0] or (x.ndim and x.shape[0] not in (1, m.shape[0])):
        size = "x".join(str(n) for n in x.shape)
        raise RuntimeError(
            f"size mismatch, got input ({size}), mat ({m.shape[0]}x{m.shape[1]}), "
            f"vec ({v.shape[0]})"
        )
    return _add_scaled(x, m.mv(v), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i])."""
    x = _tensor(input, "addbmm")
    b1, b2 = _tensor(batch1, "addbmm", "batch1"), _tensor(batch2, "addbmm", "batch2", 3)
    if b1.ndim == 3 and b2.ndim == 3 and b1.shape[0] != b2.shape[0]:
        raise RuntimeError(
            f"batch1 and batch2 must have same number of batches, got "
            f"{b1.shape[0]} and {b2.shape[0]}"
        )
    return _add_scaled(x, _tensor(batch1, "addbmm", "batch1").bmm(batch2).sum(0), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    x = _tensor(input, "baddbmm")
    return _add_scaled(x, _tensor(batch1, "baddbmm", "batch1").bmm(batch2), beta, alpha)
