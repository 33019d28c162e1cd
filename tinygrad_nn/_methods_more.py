"""Tensor methods that forward to torch-level functions: shape and construction
(_functions_shape.py), sorting and selection (_functions_select.py), windows and
callables (_tensor_extras.py). Those modules build on tensor.py, so they are imported
when first called."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._checks import _dtype_word
from ._method_helpers import _extras, _select, _shape_args, _shape_fns

if TYPE_CHECKING:
    from .tensor import Tensor


def diag(self, diagonal=0):
    """A 1-D tensor on a diagonal of a matrix, or a matrix's diagonal."""
    return _shape_fns().diag(self, diagonal)


def diag_embed(self, offset=0, dim1=-2, dim2=-1):
    """The last dim put on the (dim1, dim2) diagonals of a new tensor."""
    return _shape_fns().diag_embed(self, offset, dim1, dim2)


def diagflat(self, offset=0):
    """The flattened tensor on a diagonal of a matrix."""
    return _shape_fns().diagflat(self, offset)


def trace(self):
    """Sum of a matrix's main diagonal."""
    return _shape_fns().trace(self)


def rot90(self, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of dims."""
    return _shape_fns().rot90(self, k, dims)


def fliplr(self):
    """Reverse dim 1."""
    return _shape_fns().fliplr(self)


def flipud(self):
    """Reverse dim 0."""
    return _shape_fns().flipud(self)


def tile(self, *dims):
    """Repeat along each dim (missing leading dims count as 1)."""
    return _shape_fns().tile(self, _shape_args(dims))


def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along dim) `repeats` times."""
    return _shape_fns().repeat_interleave(self, repeats, dim, output_size=output_size)


def ravel(self):
    """The elements as a 1-D tensor."""
    return _shape_fns().ravel(self)


def take(self, index):
    """Elements of the flattened tensor at index."""
    return _shape_fns().take(self, index)


def take_along_dim(self, indices, dim=None):
    """gather along dim after broadcasting."""
    return _shape_fns().take_along_dim(self, indices, dim)


def masked_select(self, mask):
    """The elements where mask is True, as a 1-D tensor."""
    return _shape_fns().masked_select(self, mask)


def masked_scatter(self, mask, source):
    """The masked places filled in order from source."""
    return _shape_fns().masked_scatter(self, mask, source)


def masked_scatter_(self, mask, source):
    """In place: masked_scatter."""
    return self._inplace(lambda t: t.masked_scatter(mask, source))


def index_copy(self, dim, index, source):
    """source's slices written at index along dim."""
    return _shape_fns().index_copy(self, dim, index, source)


def index_copy_(self, dim, index, source):
    """In place: index_copy."""
    return self._inplace(lambda t: t.index_copy(dim, index, source))


def index_fill(self, dim, index, value):
    """value written into the slices at index along dim."""
    return _shape_fns().index_fill(self, dim, index, value)


def index_fill_(self, dim, index, value):
    """In place: index_fill."""
    return self._inplace(lambda t: t.index_fill(dim, index, value))


def index_put(self, indices, values, accumulate=False):
    """values written (or added) at the index tensors."""
    return _shape_fns().index_put(self, indices, values, accumulate)


def index_put_(self, indices, values, accumulate=False):
    """In place: index_put."""
    return self._inplace(lambda t: t.index_put(indices, values, accumulate))


def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
    """src reduced (sum, prod, mean, amax, amin) into the places index names."""
    return _shape_fns().scatter_reduce(self, dim, index, src, reduce, include_self=include_self)


def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    """In place: scatter_reduce."""
    return self._inplace(
        lambda t: t.scatter_reduce(dim, index, src, reduce, include_self=include_self)
    )


def slice_scatter(self, src, dim=0, start=None, end=None, step=1):
    """src written into the slice start:end:step along dim."""
    return _shape_fns().slice_scatter(self, src, dim, start, end, step)


def tensor_split(self, indices_or_sections, dim=0):
    """Views in nearly equal parts, or split at the indices."""
    return _shape_fns().tensor_split(self, indices_or_sections, dim)


def hsplit(self, indices_or_sections):
    """tensor_split along dim 1 (0 for 1-D)."""
    return _shape_fns().hsplit(self, indices_or_sections)


def vsplit(self, indices_or_sections):
    """tensor_split along dim 0."""
    return _shape_fns().vsplit(self, indices_or_sections)


def dsplit(self, indices_or_sections):
    """tensor_split along dim 2."""
    return _shape_fns().dsplit(self, indices_or_sections)


def kron(self, other):
    """Kronecker product."""
    return _shape_fns().kron(self, other)


def cross(self, other, dim=None):
    """Cross product of 3-vectors along dim."""
    return _shape_fns().cross(self, other, dim)


def vdot(self, other):
    """Dot product of two 1-D tensors."""
    return _shape_fns().vdot(self, other)


def dist(self, other, p=2):
    """p-norm of self - other."""
    return _shape_fns().dist(self, other, p)


def addmm(self, mat1, mat2, *, beta=1, alpha=1):
    """beta * self + alpha * (mat1 @ mat2)."""
    return _shape_fns().addmm(self, mat1, mat2, beta=beta, alpha=alpha)


def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
    """In place: addmm."""
    return self._inplace(lambda t: t.addmm(mat1, mat2, beta=beta, alpha=alpha))


def addmv(self, mat, vec, *, beta=1, alpha=1):
    """beta * self + alpha * (mat @ vec)."""
    return _shape_fns().addmv(self, mat, vec, beta=beta, alpha=alpha)


def addmv_(self, mat, vec, *, beta=1, alpha=1):
    """In place: addmv."""
    return self._inplace(lambda t: t.addmv(mat, vec, beta=beta, alpha=alpha))


def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * self + alpha * sum of batch1[i] @ batch2[i]."""
    return _shape_fns().addbmm(self, batch1, batch2, beta=beta, alpha=alpha)


def addbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    """In place: addbmm."""
    return self._inplace(lambda t: t.addbmm(batch1, batch2, beta=beta, alpha=alpha))


def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * self + alpha * (batch1 @ batch2)."""
    return _shape_fns().baddbmm(self, batch1, batch2, beta=beta, alpha=alpha)


def baddbmm_(self, batch1, batch2, *, beta=1, alpha=1):
    """In place: baddbmm."""
    return self._inplace(lambda t: t.baddbmm(batch1, batch2, beta=beta, alpha=alpha))


def sort(self, dim=-1, descending=False, *, stable=False):
    """(values, indices) sorted along dim (stable; NaN last)."""
    return _select().sort(self, dim, descending, stable=stable)


def argsort(self, dim=-1, descending=False, *, stable=False):
    """Indices that sort along dim."""
    return _select().argsort(self, dim, descending, stable=stable)


def msort(self):
    """Sorted along the first dim."""
    return _select().msort(self)


def topk(self, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) along dim."""
    return _select().topk(self, k, dim, largest, sorted)


def kthvalue(self, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest along dim."""
    return _select().kthvalue(self, k, dim, keepdim)


def median(self, dim=None, keepdim=False):
    """Lower median (with dim: values, indices)."""
    return _select().median(self, dim, keepdim)


def nanmedian(self, dim=None, keepdim=False):
    """Lower median ignoring NaN."""
    return _select().nanmedian(self, dim, keepdim)


def mode(self, dim=-1, keepdim=False):
    """(values, indices) of the most frequent value along dim."""
    return _select().mode(self, dim, keepdim)


def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (and inverse, counts)."""
    return _select().unique(self, sorted, return_inverse, return_counts, dim)


def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
    """Runs of equal values kept once."""
    return _select().unique_consecutive(self, return_inverse, return_counts, dim)


def bincount(self, weights=None, minlength=0):
    """Counts of each non-negative integer."""
    return _select().bincount(self, weights, minlength)


def cummax(self, dim):
    """(values, indices) of the running maximum."""
    return _select().cummax(self, dim)


def cummin(self, dim):
    """(values, indices) of the running minimum."""
    return _select().cummin(self, dim)


def logcumsumexp(self, dim):
    """Running log-sum-exp along dim."""
    return _select().logcumsumexp(self, dim)


def nanmean(self, dim=None, keepdim=False, *, dtype=None):
    """Mean of the non-NaN elements."""
    return _select().nanmean(self, dim, keepdim, dtype=dtype)


def aminmax(self, *, dim=None, keepdim=False):
    """(min, max) over all or along dim."""
    return _select().aminmax(self, dim=dim, keepdim=keepdim)


def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """q-th quantiles along dim."""
    return _select().quantile(self, q, dim, keepdim, interpolation=interpolation)


def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
    """q-th quantiles ignoring NaN."""
    return _select().nanquantile(self, q, dim, keepdim, interpolation=interpolation)


def diff(self, n=1, dim=-1, prepend=None, append=None):
    """n-th forward difference along dim."""
    return _select().diff(self, n, dim, prepend, append)


def cov(self, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows."""
    return _select().cov(self, correction=correction, fweights=fweights, aweights=aweights)


def corrcoef(self):
    """Correlation coefficients of the rows."""
    return _select().corrcoef(self)


def _floating_for(self, name: str) -> Tensor:
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            f"{name}(): only floating point and complex types are supported, "
            f"got {_dtype_word(self)}"
        )
    return self


def unfold(self, dimension: int, size: int, step: int) -> Tensor:
    """Windows of `size` elements, `step` apart, along `dimension`, in a new last dim."""
    return _extras().unfold(self, dimension, size, step)


def fill_diagonal_(self, fill_value, wrap: bool = False) -> Tensor:
    """Write `fill_value` on the main diagonal, in place."""
    return _extras().fill_diagonal_(self, fill_value, wrap)


def sum_to_size(self, *size) -> Tensor:
    """The sum that undoes broadcasting `size` to self's shape."""
    return _extras().sum_to_size(self, *size)


def apply_(self, callable) -> Tensor:
    """self[i] = callable(self[i]) for every element, in place (not differentiable)."""
    return _extras().apply_(self, callable)


def map_(self, tensor, callable) -> Tensor:
    """self[i] = callable(self[i], tensor[i]), in place (not differentiable)."""
    return _extras().map_(self, tensor, callable)


def resize_(self, *size) -> Tensor:
    """A new shape over the same elements in order; added elements are zero."""
    return _extras().resize_(self, *size)
