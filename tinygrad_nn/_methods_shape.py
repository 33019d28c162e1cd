"""Tensor methods: views and reshapes (ops/movement.py), splitting, and indexing.

`t[key]` turns the key into a NumPy index (ops/indexing.py) and records an `Index` node.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

import numpy as np

from . import dtypes as _dt
from ._checks import _need_tensor
from ._method_helpers import (
    _infer_shape,
    _multi_views,
    _named,
    _norm_dim,
    _norm_dims,
    _scatter_reduce,
    _shape_args,
    _viewable,
)
from ._size_device import Size
from .autograd.function import is_tensor
from .ops import _index_checks, linalg, movement
from .ops.indexing import index_error, index_key, int_of, ints_first

if TYPE_CHECKING:
    from .tensor import Tensor


def reshape(self, *sizes, shape=None) -> Tensor:
    """The same elements in a new shape (one dim may be -1)."""
    shape = _infer_shape(
        _shape_args(sizes if shape is None else (shape,)), self._data.size, self._data.shape
    )
    if shape == self._data.shape:
        return movement.View.apply(self, shape) if self._requires_grad else self._alias()
    if self._data.flags.c_contiguous:
        return movement.View.apply(self, shape)
    if _viewable(self._data, shape):  # a view with other strides: PyTorch's _reshape_alias
        return _named(movement.View.apply(self, shape), "ReshapeAliasBackward0")
    # As PyTorch: a copy in contiguous order (CloneBackward0), then that copy in the new
    # shape (UnsafeViewBackward0), which is no view of anything the caller holds.
    out = _named(movement.View.apply(self.contiguous(), shape), "UnsafeViewBackward0")
    out._base, out._version_counter = None, [0]
    return out


def view(self, *shape) -> Tensor:
    """Like reshape, but only where no copy is needed (a view); `view(dtype)` reinterprets."""
    if len(shape) == 1 and not isinstance(shape[0], (builtins.int, tuple, list, Size)):
        return self._make(self._data.view(_dt.as_dtype(shape[0]).np))
    shape = _infer_shape(_shape_args(shape), self._data.size, self._data.shape)
    if not self._data.flags.c_contiguous and not _viewable(self._data, shape):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least "
            "one dimension spans across two contiguous subspaces). Use .reshape(...) "
            "instead."
        )
    return movement.View.apply(self, shape)


def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    shape = self._data.shape
    if not shape:
        return self.reshape(1)
    start, end = _norm_dim(start_dim, len(shape)), _norm_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return self  # nothing to merge: PyTorch returns the tensor itself, not a view
    merged = 1
    for n in shape[start : end + 1]:
        merged *= n
    return self.reshape(shape[:start] + (merged,) + shape[end + 1 :])


def unflatten(self, dim: int, sizes) -> Tensor:
    """Split dim into `sizes` (one may be -1)."""
    shape = self._data.shape
    d = _norm_dim(dim, len(shape))
    sizes = _infer_shape(tuple(sizes), shape[d], shape)
    return movement.View.apply(self, shape[:d] + sizes + shape[d + 1 :])


def squeeze(self, dim=None) -> Tensor:
    """Drop size-1 dims (all, or the given ones)."""
    shape = self._data.shape
    dims = _norm_dims(dim, len(shape)) if dim is not None else range(len(shape))
    new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    name = (
        "SqueezeBackward0"
        if dim is None
        else "SqueezeBackward2"
        if isinstance(dim, (tuple, list))
        else "SqueezeBackward1"
    )
    return movement.View.apply(self, new, name)


def unsqueeze(self, dim: int) -> Tensor:
    """Insert a size-1 dim at position dim."""
    shape = self._data.shape
    d = _norm_dim(dim, len(shape) + 1)
    return movement.View.apply(self, shape[:d] + (1,) + shape[d:], "UnsqueezeBackward0")


def transpose(self, dim0: int, dim1: int) -> Tensor:
    """Swap two dims."""
    n = self._data.ndim
    order = list(range(n))
    a, b = _norm_dim(dim0, n), _norm_dim(dim1, n)
    if n == 0:  # dims 0 and -1 of a 0-d tensor: nothing to swap
        return movement.Permute.apply(self, (), "TransposeBackward0")
    order[a], order[b] = order[b], order[a]
    return movement.Permute.apply(self, tuple(order), "TransposeBackward0")


def t(self) -> Tensor:
    """Transpose of a matrix (a 0-d or 1-d tensor is returned as is)."""
    if self._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {self._data.ndim}D"
        )
    if self._data.ndim < 2:
        return movement.View.apply(self, self._data.shape, "TBackward0")
    return movement.Permute.apply(self, (1, 0), "TBackward0")


def permute(self, *order, dims=None) -> Tensor:
    """Reorder the dims."""
    dims = _shape_args(order if dims is None else (dims,))
    n = self._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match "
            f"the length of the desired ordering of dimensions i.e. input.dim() = {n} is not "
            f"equal to len(dims) = {len(dims)}"
        )
    return movement.Permute.apply(
        self, tuple(_norm_dims(list(dims), n) and [_norm_dim(d, n) for d in dims])
    )


def expand(self, *sizes) -> Tensor:
    """Broadcast to a bigger shape without copying (-1 keeps a size)."""
    sizes = _shape_args(sizes)
    shape = self._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions "
            f"in the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))
    for i, n in enumerate(shape):
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[lead + i]}) must match the existing "
                f"size ({n}) at non-singleton dimension {lead + i}.  Target sizes: "
                f"{list(sizes)}.  Tensor sizes: {list(shape)}"
            )
    return movement.Expand.apply(self, target)


def repeat(self, *repeats) -> Tensor:
    """Tile the tensor `repeats` times along each dim."""
    repeats = _shape_args(repeats)
    if len(repeats) < self._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than "
            "number of dimensions of tensor"
        )
    return movement.Repeat.apply(self, repeats)


def flip(self, *order, dims=None) -> Tensor:
    """Reverse the order of elements along dims."""
    if not order and dims is None:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    dims = _shape_args(order if dims is None else (dims,))
    return movement.Flip.apply(self, _norm_dims(list(dims), self._data.ndim))


def roll(self, shifts, dims=None) -> Tensor:
    """Shift elements along dims, wrapping around (all elements, flattened, if dims is None)."""
    if dims is None:
        return self.flatten().roll(shifts, 0).view(self._data.shape)
    shifts = (shifts,) if isinstance(shifts, builtins.int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, builtins.int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
        )
    out = self
    for shift, dim in zip(shifts, dims):
        d = _norm_dim(dim, self._data.ndim)
        n = self._data.shape[d]
        if n:  # the last `shift` elements come first: two slices joined
            k = shift % n
            head = out.narrow(d, n - k, k)
            out = movement.Cat.apply(d, head, out.narrow(d, 0, n - k)) if k else out
    if out is not self and out.grad_fn is not None:
        out.grad_fn.node_name = "RollBackward0"
    return out


def movedim(self, source, destination) -> Tensor:
    """Move dims from `source` positions to `destination` positions; the rest keep order."""
    n = self._data.ndim
    src = [source] if isinstance(source, builtins.int) else list(source)
    dst = [destination] if isinstance(destination, builtins.int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims)"
            f" should contain the same number of dims as destination ({dst}"
            " dims)"
        )
    given = {"source": src, "destination": dst}
    src, dst = [_norm_dim(d, n) for d in src], [_norm_dim(d, n) for d in dst]
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):  # two dims cannot land in one place
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({given[name]})")
    order = [None] * n
    for s_, d_ in zip(src, dst):
        order[d_] = s_
    rest = iter(d for d in range(n) if d not in src)
    return self.permute(tuple(o if o is not None else next(rest) for o in order))


def chunk(self, chunks: int, dim: int = 0) -> tuple:
    """Split into `chunks` pieces (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = self._data.shape[_norm_dim(dim, self._data.ndim)]
    step = -(-size // chunks) if size else 1
    return self.split(step, dim)


def split(self, split_size, dim: int = 0) -> tuple:
    """Pieces of `split_size` along dim, or of the listed sizes."""
    d = _norm_dim(dim, self._data.ndim)
    size = self._data.shape[d]
    if isinstance(split_size, builtins.int):
        step = split_size
        sizes = [min(step, size - i) for i in range(0, size, step)] if size else [0]
    else:
        sizes = list(split_size)
        if builtins.sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}"
            )
    name = "Split" if isinstance(split_size, builtins.int) else "SplitWithSizes"
    return _multi_views(movement.Split.apply(self, d, sizes, f"{name}Backward0"), name)


def select(self, dim: int, index: int) -> Tensor:
    """The slice at `index` along dim, with that dim removed."""
    if isinstance(index, builtins.bool) or not (
        is_tensor(index) or isinstance(index, (builtins.int, np.integer))
    ):
        raise TypeError(
            f"select(): argument 'index' (position 2) must be int, not {type(index).__name__}"
        )
    d = _norm_dim(dim, self._data.ndim)
    n = self._data.shape[d]
    if not -n <= index < n:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size "
            f"{list(self._data.shape)} at dimension {d}"
        )
    return self[(slice(None),) * d + (index,)]


def narrow(self, dim: int, start: int, length: int) -> Tensor:
    """The slice start..start+length along dim."""
    d = _norm_dim(dim, self._data.ndim)
    n = self._data.shape[d]
    start, length = int_of(start), int_of(length)
    if not -n <= start <= n:
        raise IndexError(
            f"start out of range (expected to be in range of [{-n}, {n}], but got {start})"
        )
    start = start + n if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return self[(slice(None),) * d + (slice(start, start + length),)]


def __getitem__(self, key) -> Tensor:
    try:
        index = index_key(key, self._data.shape)
        if len(index) > 1 and not movement._is_basic(index):
            split = ints_first(index)
            if split is not None:  # PyTorch selects the int dims first, then the rest
                return movement.Index.apply(movement.Index.apply(self, split[0]), split[1])
        return movement.Index.apply(self, index)
    except IndexError as error:  # NumPy's words ("axis 1") -> PyTorch's ("dimension 1")
        raise index_error(error, key, self._data.shape) from None


def __setitem__(self, key, value) -> None:
    try:
        self._setitem(key, value)
    except IndexError as error:
        raise index_error(error, key, self._data.shape) from None


def _setitem(self, key, value) -> None:
    key = index_key(key, self._data.shape)
    if not (is_tensor(value) or isinstance(value, (builtins.int, builtins.float, np.generic))):
        raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}")
    if len(key) > 1 and not movement._is_basic(key):
        split = ints_first(key)
        if split is not None:  # as in __getitem__: into the selected view, then the rest
            self[split[0]][split[1]] = value
            return
    if is_tensor(value) and value._data.dtype != self._data.dtype:
        value = value._cast(self.dtype)
    elif not is_tensor(value):
        value = _dt.checked_scalar(value, self._data.dtype)
    self._inplace(lambda t: movement.IndexPut.apply(t, key, value))


def scatter_add(self, dim: int, index, src) -> Tensor:
    """self plus src added at `index` along dim."""
    _need_tensor(index, "scatter_add", "index")
    _need_tensor(src, "scatter_add", "src")
    d = _norm_dim(dim, self._data.ndim)
    _index_checks.check_scatter(index._data, self._data.shape, d, self._data.dtype, src._data)
    return _named(
        self + movement.ScatterAdd.apply(src, d, index, self._data.shape), "ScatterAddBackward0"
    )


def scatter(self, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """self with src (a tensor, or a number) written at `index` along dim; with
    reduce='add' or 'multiply', added or multiplied in (no derivative, as in PyTorch)."""
    src = value if src is None else src
    _need_tensor(index, "scatter", "index")
    d = _norm_dim(dim, self._data.ndim)
    if reduce is not None:
        return _scatter_reduce(self, d, index, src, reduce)
    out = movement.Scatter.apply(self, d, index, src)
    return out if is_tensor(src) else _named(out, "ScatterBackward1")


def index_add(self, dim: int, index, source, *, alpha=1) -> Tensor:
    """self with alpha * source's slices added at the (1-d) `index` along dim."""
    _need_tensor(index, "index_add", "index")
    _need_tensor(source, "index_add", "source")
    d = _norm_dim(dim, self._data.ndim)
    _index_checks.check_index_add(index._data, self._data.shape, d, self._data.dtype, source._data)
    if self._data.ndim == 0:  # one element, which index 0 names: source is 0-d too
        return _named(self + (source if alpha == 1 else source * alpha), "IndexAddBackward0")
    key = (slice(None),) * d + (index._data.reshape(-1),)
    added = movement.IndexAdd.apply(source if alpha == 1 else source * alpha, key, self._data.shape)
    return _named(self + added, "IndexAddBackward0")


def index_select(self, dim: int, index) -> Tensor:
    """The slices at the (1-d) `index` along dim."""
    _need_tensor(index, "index_select", "index")
    d = _norm_dim(dim, self._data.ndim)
    idx = index._data
    _index_checks.check_index_select(idx, self._data.shape, d)  # no negative indices
    if self._data.ndim == 0:  # the one element, still 0-d
        out = movement.Index.apply(self.reshape(1), (idx.reshape(()),))
    else:
        out = self[(slice(None),) * d + (idx.reshape(-1),)]
    if out.grad_fn is not None:
        out.grad_fn.node_name = "IndexSelectBackward0"
    return out


def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the last two selected dims."""
    n = self._data.ndim
    letters = "abcdefghijklmnopqrstuvwxyz"[:n]
    a, b = _norm_dim(dim1, n), _norm_dim(dim2, n)
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x, shape = self, self._data.shape
    if offset > 0:  # the diagonal of the square part that starts `offset` columns in
        x = x.narrow(b, min(offset, shape[b]), max(shape[b] - offset, 0))
    elif offset < 0:
        x = x.narrow(a, min(-offset, shape[a]), max(shape[a] + offset, 0))
    m = min(x._data.shape[a], x._data.shape[b])
    x = x.narrow(a, 0, m).narrow(b, 0, m)
    subs = letters.replace(letters[b], letters[a])
    out = "".join(c for i, c in enumerate(letters) if i not in (a, b)) + letters[a]
    result = linalg.Einsum.apply([subs], out, x)
    if result.grad_fn is not None:
        result.grad_fn.node_name = "DiagonalBackward0"
    return result
