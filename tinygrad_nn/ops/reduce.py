"""Reductions. They save shapes, not arrays, where they can: the backward of a sum only
needs to know which axes were summed, to put them back and expand (sum <-> expand are
adjoint).

| op         | forward                     | dL/dx                                        |
|------------|-----------------------------|----------------------------------------------|
| Sum        | sum over dims               | g expanded back to x's shape                 |
| Mean       | sum / n                     | g expanded / n                               |
| Prod       | product over dims           | g * (product of the other elements)          |
| Var / Std  | sum (x - mean)^2 / (n - c)  | g * 2 (x - mean) / (n - c)  (/ 2 std)        |
| Amax/Amin  | largest/smallest            | g shared evenly among the tied extremes      |
| MaxDim     | (values, indices) along dim | g to the selected index                      |
| Logsumexp  | log sum exp                 | g * softmax(x)                               |
| Norm       | (sum abs(x)^p)^(1/p)        | g * x abs(x)^(p-2) / norm^(p-1)              |
| Cumsum     | running sum along dim       | reversed running sum of g                    |
| Cumprod    | running product along dim   | reversed running sum of g * y, over x        |
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function, wrap
from ..autograd.grad_mode import is_grad_enabled
from ._half import add_reduce
from .movement import Cat, Expand, ScatterAdd


def _kept_shape(shape: tuple, dims: tuple) -> tuple:
    """`shape` with the reduced dims set to 1 (the keepdim=True shape)."""
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def expand_back(grad, shape: tuple, dims: tuple):
    """Undo a reduction's shape: reinsert the reduced dims as size 1, then expand."""
    # Expand.apply, not Tensor.expand: these shapes are valid by construction, so skip the
    # argument checks a user's call needs (this runs in every reduction's backward).
    if grad._data.ndim == 0:  # a full reduction: a 0-d gradient expands as it is
        return Expand.apply(grad, shape)
    return Expand.apply(grad.reshape(_kept_shape(shape, dims)), shape)


def _reduced_count(shape: tuple, dims: tuple) -> int:
    n = 1
    for d in dims:
        n *= shape[d]
    return n


class Sum(Function):
    """y = sum of x over dims.   dL/dx = g expanded back to x's shape."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims = x._data.shape, dims
        if len(dims) != x._data.ndim:
            ctx.node_name = "SumBackward1"
        return add_reduce(x._data, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad, ctx.shape, ctx.dims), None, None, None


def _mean(a: np.ndarray, dims: tuple, keepdim: bool, dtype=None) -> np.ndarray:
    """Mean's forward on the array."""
    if _reduced_count(a.shape, dims) == 0:  # np.mean would warn; PyTorch says nan
        out = np.add.reduce(a, axis=dims, dtype=dtype, keepdims=keepdim) / 0
    else:
        out = np.mean(a, axis=dims, keepdims=keepdim, dtype=dtype)
    return np.asarray(out, dtype=dtype or a.dtype)


class Mean(Function):
    """y = mean of x over dims.   dL/dx = g expanded / n."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype=None):
        ctx.shape, ctx.dims = x._data.shape, dims
        if len(dims) != x._data.ndim:
            ctx.node_name = "MeanBackward1"
        return _mean(x._data, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx, grad):
        n = _reduced_count(ctx.shape, ctx.dims)
        return expand_back(grad / n, ctx.shape, ctx.dims), None, None, None


class Prod(Function):
    """y = product of x over dims.   dL/dx = g * (product of the other elements)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype=None):
        out = wrap(np.prod(x._data, axis=dims, keepdims=keepdim, dtype=dtype))
        ctx.dims, ctx.keepdim = dims, keepdim
        if len(dims) != x._data.ndim:
            ctx.node_name = "ProdBackward1"
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        shape, dims = x.shape, ctx.dims
        g = expand_back(grad, shape, dims)
        nonzero = x != 0
        zeros_in_slice = expand_back((~nonzero).sum(dims, keepdim=True), shape, dims)
        if is_grad_enabled() and bool((zeros_in_slice > 1).any()):
            # The constant 0 below would be right in value but dead to a further derivative
            # (d/dx_j of prod_{k != i} x_k is not 0 when x_i = x_j = 0), so build the graph of
            # the products themselves, as PyTorch does when it records a double backward.
            return g * _product_of_others(x, dims), None, None, None
        y = expand_back(out, shape, dims)
        # Where x == 0, the product of the others is the product of the non-zero elements
        # if x is the slice's only zero, else 0: out / x would be 0 / 0 there.
        others = expand_back(x.where(nonzero, 1).prod(dims, keepdim=True), shape, dims)
        others = others.where(zeros_in_slice == 1, 0)
        return g * (y / x.where(nonzero, 1)).where(nonzero, others), None, None, None


def _product_of_others(x, dims: tuple):
    """prod_{k != i} x_k over each reduced slice, for every element i, without a division:
    the running product of the elements before i times that of the elements after it. In
    Tensor ops (cat, cumprod, flip), so its derivatives are the products with more left out."""
    kept = [d for d in range(x.ndim) if d not in dims]
    order = kept + list(dims)
    xt = x.permute(order)
    rows = xt.reshape(*xt.shape[: len(kept)], -1)  # one slice per row
    one, last = x.new_ones(rows.shape[:-1] + (1,)), rows.ndim - 1
    before = Cat.apply(last, one, rows[..., :-1]).cumprod(last)
    after = Cat.apply(last, rows[..., 1:], one).flip(last).cumprod(last).flip(last)
    others = (before * after).reshape(xt.shape)
    return others.permute([order.index(d) for d in range(x.ndim)])


def _variance(a: np.ndarray, dims: tuple, correction, keepdim: bool):
    """sum((a - mean)^2) / (n - correction), in float64, as PyTorch computes it: along some
    dims by a Welford pass in double (a float32 mean of values near 1e5 would be off by
    enough to cost the variance 1e-4 of its value); over all elements, around the mean
    taken in a's dtype, with the squares summed in double (its kernel for a full reduction)."""
    dof = max(0, _reduced_count(a.shape, dims) - correction)
    w = a.astype(np.float64)
    if len(dims) == a.ndim:
        centered = w.reshape(-1) - np.float64(a.reshape(-1).mean())
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf/nan
            out = np.sum(centered * centered) / np.float64(dof)
        return np.reshape(out, (1,) * a.ndim if keepdim else ())
    centered = w - w.mean(axis=dims, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(centered * centered, axis=dims, keepdims=keepdim) / np.float64(dof)


class Var(Function):
    """y = sum((x - mean)^2) / (n - c).   dL/dx = g * 2 (x - mean) / (n - c)."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, whole=False):
        ctx.dims, ctx.correction = dims, correction
        ctx.whole = whole or x._data.ndim == 0  # `var()` of everything: PyTorch's other path
        ctx.save_for_backward(x)
        out = _variance(x._data, dims, correction, keepdim)
        return np.asarray(out, dtype=x._data.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        dims = ctx.dims
        n = _reduced_count(x.shape, dims)
        centered = x - x.mean(dims, keepdim=True)
        dof = n - ctx.correction
        g = expand_back(grad, x.shape, dims)
        if dof <= 0 and ctx.whole:
            # PyTorch's factor 2/dof * (x - mean) is nan where x == mean (inf * 0), inf
            # elsewhere, and is a constant there: the gradient does not depend on x.
            a = x._data
            factor = wrap(np.where(a == a.mean(), np.nan, np.inf).astype(a.dtype))
            return g * factor, None, None, None, None
        scale = 2 / dof if dof else float("inf")  # n == correction: 0 * inf = nan, as PyTorch
        return scale * g * centered, None, None, None, None  # PyTorch's order: its rounding


class Std(Function):
    """y = sqrt(var(x)).   dL/dx = g * (x - mean) / ((n - c) * y)."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.dims, ctx.correction = dims, correction
        a = x._data
        # The root taken in float64 too, then rounded once (PyTorch's order).
        std_kept = np.sqrt(np.asarray(_variance(a, dims, correction, True), np.float64))
        std_kept = np.asarray(std_kept, dtype=a.dtype)
        out = wrap(std_kept if keepdim else np.squeeze(std_kept, axis=dims))
        # Save the output itself (not a reshaped copy): only the output stays attached to
        # this node, so double backward sees how std depends on x.
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dims = ctx.dims
        n = _reduced_count(x.shape, dims)
        centered = x - x.mean(dims, keepdim=True)
        g = expand_back(grad, x.shape, dims)
        std = expand_back(out, x.shape, dims)
        # Where std == 0 (all equal) PyTorch's gradient is 0, not 0/0; divide by a safe 1
        # there so double backward does not meet 0/0 either.
        nonzero = std != 0
        grad_x = g * centered / (std.where(nonzero, 1.0) * (n - ctx.correction))
        return grad_x.where(nonzero, 0.0), None, None, None


class Amax(Function):
    """y = max over dims.   dL/dx = g shared evenly among the elements equal to the max."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest=True):
        reduce = np.max if largest else np.min
        if any(x._data.shape[d] == 0 for d in dims):  # amax(0) of a (2, 0) tensor is fine
            raise RuntimeError(
                f"{'max' if largest else 'min'}(): Expected reduction dim to be specified for "
                "input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        out = wrap(reduce(x._data, axis=dims, keepdims=keepdim))
        ctx.dims = dims
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dims = ctx.dims
        hit = x == expand_back(out, x.shape, dims)
        count = expand_back(hit.sum(dims, keepdim=True), x.shape, dims)
        return expand_back(grad, x.shape, dims) * hit / count, None, None, None


class Amin(Amax):
    """y = min over dims.   dL/dx = g shared evenly among the elements equal to the min."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest=False):
        return Amax.forward(ctx, x, dims, keepdim, largest=False)


class Max(Amax):
    """y = max of all elements (`x.max()`).   dL/dx = g / count at the elements equal to y
    (at the NaNs if y is NaN), 0 elsewhere."""

    node_name = "MaxBackward1"

    @staticmethod
    def backward(ctx, grad):
        # PyTorch's order, unlike amax's: g / count written into zeros at the hits, so a nan
        # g stays there.
        x, out = ctx.saved_tensors
        hit = x.isnan() if np.isnan(out._data) else x == out
        return (grad / hit.sum()).expand(x.shape).where(hit, 0.0), None, None, None


class Min(Max):
    """y = min of all elements (`x.min()`).   dL/dx = g / count at the elements equal to y
    (at the NaNs if y is NaN), 0 elsewhere."""

    node_name = "MinBackward1"

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest=False):
        return Amax.forward(ctx, x, dims, keepdim, largest=False)


class MaxDim(Function):
    """(values, indices) = max of x along dim.   dL/dx = g at the selected index only."""

    node_name = "MaxBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest=True):
        a = x._data
        if a.ndim and a.shape[dim] == 0:
            raise IndexError(
                f"{'max' if largest else 'min'}(): Expected reduction dim {dim} to have "
                "non-zero size."
            )
        index = (
            np.argmax(a, axis=dim, keepdims=True)
            if largest
            else np.argmin(a, axis=dim, keepdims=True)
        )
        values = np.take_along_axis(a, index, axis=dim) if a.ndim else a.copy()
        if not keepdim and a.ndim:
            index, values = np.squeeze(index, dim), np.squeeze(values, dim)
        ctx.dim, ctx.keepdim, ctx.shape = dim, keepdim, a.shape
        indices = wrap(index.astype(np.int64))
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        (indices,) = ctx.saved_tensors
        if not ctx.shape:
            return grad, None, None, None
        if not ctx.keepdim:
            grad, indices = grad.unsqueeze(ctx.dim), indices.unsqueeze(ctx.dim)
        return ScatterAdd.apply(grad, ctx.dim, indices, ctx.shape), None, None, None


class MinDim(MaxDim):
    """(values, indices) = min of x along dim.   dL/dx = g at the selected index only."""

    node_name = "MinBackward0"

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest=False):
        return MaxDim.forward(ctx, x, dim, keepdim, largest=False)


class Logsumexp(Function):
    """y = log(sum(exp(x))) over dims.   dL/dx = g * exp(x - y)  (the softmax)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        a = x._data
        if a.size == 0:
            out = np.log(np.sum(np.exp(a), axis=dims, keepdims=True))
        else:
            # Subtract the max before exp: exp(1000) overflows, exp(0) does not.
            m = np.max(a, axis=dims, keepdims=True)
            m = np.where(np.isfinite(m), m, 0)
            out = np.log(np.sum(np.exp(a - m), axis=dims, keepdims=True)) + m
        ctx.dims = dims
        out = out.astype(a.dtype, copy=False)
        result = wrap(out if keepdim else np.squeeze(out, axis=dims))
        ctx.save_for_backward(x, result)  # the output itself, so double backward is exact
        return result

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        g = expand_back(grad, x.shape, ctx.dims)
        return g * (x - expand_back(out, x.shape, ctx.dims)).exp(), None, None


class Norm(Function):
    """y = (sum |x|^p)^(1/p).   dL/dx = g * x |x|^(p-2) / y^(p-1);  p=2: g * x / y (0 at y=0)."""

    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        a = np.abs(x._data)
        if p == float("inf"):
            out = np.max(a, axis=dims, keepdims=True)
        elif p == -float("inf"):
            out = np.min(a, axis=dims, keepdims=True)
        elif p == 0:
            out = np.sum(a != 0, axis=dims, keepdims=True).astype(a.dtype)
        elif p == 1:
            out = np.sum(a, axis=dims, keepdims=True)
        elif p == 2:
            out = np.sqrt(np.sum(a * a, axis=dims, keepdims=True))
        else:
            out = np.sum(a**p, axis=dims, keepdims=True) ** (1.0 / p)
        ctx.p, ctx.dims = p, dims
        result = wrap(out if keepdim else np.squeeze(out, axis=dims))
        ctx.save_for_backward(x, result)  # the output itself, so double backward is exact
        return result

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        g = expand_back(grad, x.shape, dims)
        norm = expand_back(out, x.shape, dims)
        if p == 0:
            return g.new_zeros(g.shape), None, None, None  # zeros: nan * 0 would be nan
        if p == 1:
            return g * x.sign(), None, None, None
        if p in (float("inf"), -float("inf")):
            hit = x.abs() == norm
            count = expand_back(hit.sum(dims, keepdim=True), x.shape, dims)
            return g * x.sign() * hit / count, None, None, None
        if p == 2:
            return (g * x / norm).where(norm != 0, 0.0), None, None, None
        # PyTorch's order: mask g / norm^(p-1) first, then scale by x. Where norm == 0 the
        # mask then also stops the 0/0 of double backward (whose result PyTorch gives).
        scale = (g / norm.pow(p - 1)).where(norm != 0, 0.0)
        if p < 1:  # |x|^(p-1) is inf at x == 0, where the gradient is 0 (0 * inf otherwise)
            return x.sign() * x.abs().pow(p - 1).where(x != 0, 0.0) * scale, None, None, None
        if p < 2:
            return x.sign() * x.abs().pow(p - 1) * scale, None, None, None
        return x * x.abs().pow(p - 2) * scale, None, None, None


def _running(fn, a: np.ndarray, dim: int, dtype) -> np.ndarray:
    """cumsum/cumprod as PyTorch's CPU kernels run them: float16/32 accumulate in float64
    (each partial result then rounded), so long runs keep their precision and match."""
    if dtype is None and a.dtype.kind == "f" and a.dtype.itemsize < 8:
        return fn(a, axis=dim, dtype=np.float64).astype(a.dtype)
    return fn(a, axis=dim, dtype=dtype)


class Cumsum(Function):
    """y_i = x_0 + ... + x_i along dim.   dL/dx_i = g_i + ... + g_last (reversed cumsum)."""

    @staticmethod
    def forward(ctx, x, dim, dtype=None):
        ctx.dim = dim
        # reshape: NumPy's cumsum of a 0-d array is 1-d, PyTorch's stays 0-d
        return _running(np.cumsum, x._data, dim, dtype).reshape(x._data.shape)

    @staticmethod
    def backward(ctx, grad):
        dim = ctx.dim
        return grad.flip(dim).cumsum(dim).flip(dim), None, None


class Cumprod(Function):
    """y_i = x_0 * ... * x_i along dim.   dL/dx_j = sum over i >= j of g_i * y_i / x_j."""

    @staticmethod
    def forward(ctx, x, dim, dtype=None):
        ctx.dim = dim
        out = wrap(_running(np.cumprod, x._data, dim, dtype).reshape(x._data.shape))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if x.ndim == 0:
            return grad, None, None
        if bool((x != 0).all()):
            return (grad * out).flip(dim).cumsum(dim).flip(dim) / x, None, None
        # With zeros, y_i / x_j is 0 / 0: take the product with x_j left out directly.
        # Row j of `left_out` is x with x_j replaced by 1, so its running product at i is
        # prod_{k <= i, k != j} x_k; only i >= j counts.
        xt, gt = x.transpose(dim, -1), grad.transpose(dim, -1)
        n = xt.shape[-1]
        eye = wrap(np.eye(n, dtype=bool))
        rows = xt.unsqueeze(-2).expand(*xt.shape[:-1], n, n)
        left_out = rows.masked_fill(eye, 1).cumprod(-1)
        upper = wrap(np.triu(np.ones((n, n), dtype=x._data.dtype)))
        grad_x = (left_out * upper * gt.unsqueeze(-2)).sum(-1)
        return grad_x.transpose(dim, -1), None, None
