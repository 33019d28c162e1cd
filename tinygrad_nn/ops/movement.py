"""Movement ops: they move, copy or select elements without arithmetic. They come in
adjoint pairs - each one's backward is its partner applied to the gradient:

| op          | forward                          | backward (its adjoint)              |
|-------------|----------------------------------|-------------------------------------|
| View        | reshape                          | reshape back                        |
| Permute     | reorder axes                     | inverse permutation                 |
| Expand      | broadcast to a bigger shape      | sum back (unbroadcast)              |
| Repeat      | tile                             | sum the tiles                       |
| Flip        | reverse axes                     | flip again                          |
| Index       | x[key]                           | IndexAdd: scatter-add g into zeros  |
| IndexAdd    | zeros(shape); z[key] += g        | Index                               |
| IndexPut    | x with x[key] = v                | g with g[key] = 0;  g[key] for v    |
| Cat         | join along dim                   | slice the gradient back apart       |
| Stack       | join along a new dim             | select each slice                   |
| Split       | pieces along dim (one node)      | Cat (Stack for unbind) of their g   |
| Gather      | x[..., index, ...] along dim     | ScatterAdd                          |
| ScatterAdd  | zeros; z[..., index, ...] += g   | Gather                              |
| Scatter     | x; z[..., index, ...] = src      | g masked; Gather for src            |
| ScatterReduce | x; z[index] += src (or *=)     | none: raises, as in PyTorch         |
| Pad         | constant padding                 | slice the padding off               |
| Tril / Triu | zero above / below a diagonal    | the same mask on g                  |
| Clone       | copy                             | g                                   |

Views: where NumPy returns a view, the output shares memory *and the version counter* with
its input, as PyTorch's views do, so an in-place change through either is seen by both.

Each `backward` is written in Tensor ops - mostly its partner's `apply` - so the gradient of
a gradient (`create_graph=True`) follows the same pairs. The array math an op needs beyond
one NumPy call is a function here (`index_add_array`, `gather_array`, ...).
"""

from __future__ import annotations

import weakref

import numpy as np

from ..autograd.function import Function, is_tensor, wrap
from ._index_checks import check_gather, check_scatter
from ._shape import expand_array, unbroadcast


def _as_view_of(out, x):
    """Mark `out` as a view of `x` when NumPy made it share x's memory."""
    data, a = out._data, x._data
    base = data.base
    if base is None:
        return out
    # NumPy points a view's `base` at the array owning the memory: x's array, or x's own
    # base. That settles the common case without np.may_share_memory (0.3 us, on every
    # reshape and transpose); another base (a copy made through a temporary) needs the test.
    # An empty result shares no bytes, but it is still a view (in-place rules apply to it).
    if base is a or base is a.base or data.size == 0 or np.may_share_memory(data, a):
        out._version_counter = x._version_counter
        out._base = root = x._base if x._base is not None else x
        if x._multi_view is not None:  # a view of a split() piece is as locked as the piece
            out._multi_view = x._multi_view
        if root._requires_grad and root.grad_fn is None:
            return out  # a leaf that requires grad is never changed in place in a graph
        # The base remembers its views (weakly): an in-place change to the base, or to one
        # view, gives the others a new history too (inplace.py), as PyTorch's views get.
        views = root._views
        if views is None:
            root._views = views = []
        views.append(weakref.ref(out))
        if len(views) % 64 == 0:  # drop dead views now and then: long-lived bases stay small
            views[:] = [ref for ref in views if ref() is not None]
    return out


class View(Function):
    """y = x reshaped (view, reshape, flatten, squeeze, unsqueeze).   dL/dx = g reshaped back."""

    @staticmethod
    def forward(ctx, x, shape, name="ViewBackward0"):
        ctx.shape = x._data.shape
        if name != "ViewBackward0":
            ctx.node_name = name
        return _as_view_of(wrap(x._data.reshape(shape)), x)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None, None


def _inverse(dims: tuple) -> tuple:
    """The permutation that undoes `dims` (np.argsort would cost 4 us on a pair)."""
    if len(dims) == 2:  # any order of two axes undoes itself: t(), a matrix transpose
        return dims
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return tuple(inverse)


class Permute(Function):
    """y = x with axes reordered.   dL/dx = g with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims, name="PermuteBackward0"):
        ctx.dims = dims
        if name != "PermuteBackward0":
            ctx.node_name = name
        return _as_view_of(wrap(x._data.transpose(dims)), x)

    @staticmethod
    def backward(ctx, grad):
        return Permute.apply(grad, _inverse(ctx.dims)), None, None


class Expand(Function):
    """y = x broadcast to `shape` (a read-only view).   dL/dx = g summed back to x's shape."""

    @staticmethod
    def forward(ctx, x, shape):
        a = x._data
        ctx.shape = a.shape
        lead = len(shape) - a.ndim
        if a.shape == tuple(shape[lead:]) and all(n == 1 for n in shape[:lead]):
            # Nothing repeats (`x.expand_as(x)`): an ordinary view, writable in place as in
            # PyTorch; broadcast_to would make it read-only.
            return _as_view_of(wrap(a.reshape(shape)), x)
        return _as_view_of(wrap(expand_array(a, shape)), x)  # np.broadcast_to's view

    @staticmethod
    def backward(ctx, grad):
        return unbroadcast(grad, ctx.shape), None


class Repeat(Function):
    """y = x tiled `repeats` times per dim.   dL/dx = sum of g over the tiles."""

    @staticmethod
    def forward(ctx, x, repeats):
        shape = (1,) * (len(repeats) - x._data.ndim) + x._data.shape
        split = []  # backward views g as (r0, s0, r1, s1, ...) and sums the r axes
        for r, s in zip(repeats, shape):
            split += [r, s]
        ctx.split, ctx.tiles = tuple(split), tuple(range(0, len(split), 2))
        ctx.in_shape = x._data.shape
        return np.tile(x._data.reshape(shape), repeats)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.split).sum(ctx.tiles).reshape(ctx.in_shape), None


class Flip(Function):
    """y = x reversed along dims.   dL/dx = g flipped back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x._data, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims), None


def _is_basic(key: tuple) -> bool:
    """True if `key` holds only ints, slices, None and Ellipsis (NumPy returns a view)."""
    for k in key:  # a loop, not all(...): this runs on every index, and a generator costs more
        if not (k is None or k is Ellipsis or isinstance(k, (int, slice))):
            return False
    return True


def _basic_index(a: np.ndarray, key: tuple) -> np.ndarray:
    # x[0] of a vector: with `...` NumPy returns a 0-d view, without it a scalar copy
    return a[key if Ellipsis in key else key + (Ellipsis,)]


def index_add_array(grad: np.ndarray, key: tuple, shape: tuple) -> np.ndarray:
    """zeros(shape) with `grad` added at key: IndexAdd's forward."""
    out = np.zeros(shape, dtype=grad.dtype)
    if _is_basic(key):
        out[key] = grad  # a basic index hits each element at most once
    else:
        np.add.at(out, key, grad)  # repeated indices accumulate
    return out


def index_put_array(a: np.ndarray, key: tuple, value) -> np.ndarray:
    """A copy of `a` with `value` written at key: IndexPut's forward."""
    out = a.copy()
    out[key] = value
    return out


def _basic_node_name(key: tuple, shape: tuple) -> str:
    """PyTorch's node for a basic index is its last step that does something: a select (int),
    a slice, or an unsqueeze (None); full slices and `...` are skipped, and a key of only
    those gives an alias. A Python bool is an advanced index there."""
    name, dim = "AliasBackward0", 0
    for k in key:
        if k is Ellipsis:
            consumed = sum(
                1 for j in key if j is not None and j is not Ellipsis and j.__class__ is not bool
            )
            dim += len(shape) - consumed
        elif k is None:
            name = "UnsqueezeBackward0"
        elif k.__class__ is bool:
            name = "IndexBackward0"
        elif k.__class__ is slice:
            start, stop, step = k.indices(shape[dim])
            if start != 0 or stop != shape[dim] or step != 1:
                name = "SliceBackward0"
            dim += 1
        else:
            name, dim = "SelectBackward0", dim + 1
    return name


class Index(Function):
    """y = x[key] (ints, slices, None, ..., bool masks, integer arrays).
    dL/dx = zeros with g scatter-added at key (repeated indices accumulate)."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape = x._data.shape
        if not _is_basic(key):  # advanced indexing: a copy; PyTorch saves the index tensors
            ctx.save_values(key=key)
            return x._data[key]
        ctx.key = key  # ints and slices: PyTorch keeps them as plain numbers, never freed
        ctx.node_name = _basic_node_name(key, x._data.shape)
        return _as_view_of(wrap(_basic_index(x._data, key)), x)

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.key, ctx.shape), None


class IndexAdd(Function):
    """y = zeros(shape) with g added at key.   dL/dg = dL/dy [key]."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, grad, key, shape):
        if _is_basic(key):
            ctx.key = key
        else:
            ctx.save_values(key=key)  # index tensors: saved, so freed after backward
        return index_add_array(grad._data, key, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.key], None, None


class IndexPut(Function):
    """y = x with y[key] = v.   dL/dx = g with zeros at key,   dL/dv = g[key] summed to v."""

    node_name = "torch::autograd::CopySlices"  # PyTorch's name for a write into a view

    @staticmethod
    def forward(ctx, x, key, v):
        out = index_put_array(x._data, key, v._data if is_tensor(v) else v)
        if not _is_basic(key):  # an advanced index writes through index_put_, not a view
            ctx.node_name = "IndexPutBackward0"
            ctx.save_values(key=key)  # the index tensors: saved, so freed after backward
        else:
            ctx.key = key
        ctx.v_shape = v._data.shape if is_tensor(v) else None
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_v = None
        if ctx.needs_input_grad[0]:
            grad_x = IndexPut.apply(grad, ctx.key, 0.0)
        if ctx.needs_input_grad[2]:
            grad_v = unbroadcast(grad[ctx.key], ctx.v_shape)
        return grad_x, None, grad_v


class Cat(Function):
    """y = x_1, ..., x_n joined along dim.   dL/dx_i = the slice of g where x_i went."""

    @staticmethod
    def forward(ctx, dim, *xs):
        # PyTorch's legacy rule: a 1-d empty tensor is skipped, whatever dim and rank
        ctx.dim = dim
        ctx.sizes = [None if x._data.shape == (0,) else x._data.shape[dim] for x in xs]
        arrays = [x._data for x in xs if x._data.shape != (0,)]
        dtype = np.result_type(*[x._data.dtype for x in xs])
        if not arrays:
            return np.zeros((0,), dtype)
        return np.concatenate(arrays, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [None], 0
        for size, need in zip(ctx.sizes, ctx.needs_input_grad[1:]):
            key = (slice(None),) * ctx.dim + (slice(start, start + (size or 0)),)
            grads.append(None if not need else grad.reshape(-1)[:0] if size is None else grad[key])
            start += size or 0
        return tuple(grads)


class Split(Function):
    """Pieces of x along `dim` from one node, as PyTorch records split, chunk and unbind:
    piece k is x[..., start_k : start_k + sizes[k], ...] (for unbind, `sizes` is None and
    piece k is x[..., k, ...]), a view of x.   dL/dx = the pieces' gradients joined again
    (Cat; Stack for unbind), zeros for a piece no gradient reached."""

    @staticmethod
    def forward(ctx, x, dim: int, sizes, name: str):
        ctx.set_materialize_grads(False)  # a missing piece's zeros are made only if needed
        a, lead = x._data, (slice(None),) * dim
        if sizes is None:
            keys = [lead + (i,) for i in range(a.shape[dim])]
        else:
            starts = np.cumsum([0, *sizes[:-1]]).tolist()
            keys = [lead + (slice(start, start + n),) for start, n in zip(starts, sizes)]
        pieces = tuple(_as_view_of(wrap(a[key]), x) for key in keys)
        ctx.node_name, ctx.dim, ctx.unbind = name, dim, sizes is None
        ctx.shapes = [piece._data.shape for piece in pieces]
        return pieces

    @staticmethod
    def backward(ctx, *grads):
        some = next(g for g in grads if g is not None)
        grads = [some.new_zeros(s) if g is None else g for g, s in zip(grads, ctx.shapes)]
        joined = Stack.apply(ctx.dim, *grads) if ctx.unbind else Cat.apply(ctx.dim, *grads)
        return joined, None, None, None


class Stack(Function):
    """y = x_1, ..., x_n stacked along a new dim.   dL/dx_i = g selected at i on that dim."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        dtype = np.result_type(*[x._data.dtype for x in xs])
        return np.stack([x._data for x in xs], axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        grads = [None]
        for i, need in enumerate(ctx.needs_input_grad[1:]):
            grads.append(grad.select(ctx.dim, i) if need else None)
        return tuple(grads)


class Gather(Function):
    """y[i][j] = x[index[i][j]][j] (for dim 0).
    dL/dx = zeros with g added at index along dim (ScatterAdd)."""

    no_edges = (2,)  # the index gets no edge, as in PyTorch

    @staticmethod
    def forward(ctx, x, dim, index):
        a, idx = x._data, index._data
        check_gather(idx, a.shape, dim)
        ctx.dim, ctx.shape = dim, a.shape
        ctx.save_values(index=index)  # saved as in PyTorch: a second backward raises
        return gather_array(a, dim, idx)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, ctx.dim, ctx.index, ctx.shape), None, None


def gather_array(a: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    """a.gather(dim, index) on arrays (index already checked): Gather's forward."""
    if a.ndim == 0:  # a 0-d input acts as a 1-element vector (every index is 0)
        return a.reshape(1)[index]
    # Off `dim`, the index may be smaller than x: cut x down to it.
    cut = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(index.shape))
    return np.take_along_axis(a[cut], index, dim)


def scatter_add_array(grad: np.ndarray, dim: int, index: np.ndarray, shape: tuple):
    """zeros(shape) with grad added at index along dim: ScatterAdd's forward."""
    if not shape:  # a 0-d target: every index is 0, so everything lands on it
        return np.asarray(grad.sum(), dtype=grad.dtype)
    out = np.zeros(shape, dtype=grad.dtype)
    # Build full coordinates: index along `dim`, the element's own position elsewhere.
    coords = list(np.indices(index.shape, sparse=True))
    coords[dim] = index
    np.add.at(out, tuple(coords), grad[tuple(slice(0, n) for n in index.shape)])
    return out


class Scatter(Function):
    """y = x with src written at index along dim (the last write wins).
    dL/dx = g with zeros where written,   dL/dsrc = g gathered at index."""

    no_edges = (2,)  # the index gets no edge, as in PyTorch

    node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src):
        idx = index._data
        check_scatter(idx, x._data.shape, dim, x._data.dtype, src._data if is_tensor(src) else None)
        out = x._data.copy()
        hit = np.zeros(out.shape, dtype=bool)
        # Off `dim`, the index may be smaller than x: write into that corner of it.
        corner = tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(idx.shape))
        values = src._data[tuple(slice(0, n) for n in idx.shape)] if is_tensor(src) else src
        np.put_along_axis(out[corner], idx, values, dim)
        np.put_along_axis(hit[corner], idx, True, dim)
        ctx.dim = dim
        ctx.save_values(index=index, hit=wrap(hit))  # freed after backward, as there
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad.masked_fill(ctx.hit, 0.0) if ctx.needs_input_grad[0] else None
        grad_src = grad.gather(ctx.dim, ctx.index) if ctx.needs_input_grad[3] else None
        return grad_x, None, None, grad_src


class ScatterReduce(Function):
    """y = x with src added (reduce='add') or multiplied (reduce='multiply') in at index along
    dim: `scatter`'s deprecated reduce form. dL/dx and dL/dsrc are not defined: PyTorch has
    no derivative for it, so the output gets a node whose backward raises, as PyTorch's does."""

    no_edges = (2,)
    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce):
        check_scatter(
            index._data, x._data.shape, dim, x._data.dtype, src._data if is_tensor(src) else None
        )
        out = x._data.copy()
        view = out.reshape(1) if out.ndim == 0 else out  # a 0-d self acts as one element
        idx = index._data.reshape(-1) if out.ndim == 0 else index._data
        if is_tensor(src):
            corner = tuple(slice(0, n) for n in idx.shape)  # src may be larger than index
            values = src._data.reshape(src._data.shape or (1,))[corner]
        else:
            values = np.full(idx.shape, src, dtype=out.dtype)  # converted first, as PyTorch
        coords = list(np.indices(idx.shape, sparse=True))
        coords[dim] = idx
        (np.add if reduce == "add" else np.multiply).at(view, tuple(coords), values)
        return out

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


class ScatterAdd(Function):
    """y = zeros(shape); y[index[i][j]][j] += g[i][j] (dim 0).
    dL/dg = dL/dy gathered at index along dim (Gather)."""

    no_edges = (2,)  # the index gets no edge, as in PyTorch

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, grad, dim, index, shape):
        ctx.dim = dim
        ctx.save_values(index=index)  # saved as in PyTorch: a second backward raises
        return scatter_add_array(grad._data, dim, index._data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.gather(ctx.dim, ctx.index), None, None, None


class Pad(Function):
    """y = x with `value` around it; pads = ((before, after) per dim).
    dL/dx = the inner slice of g."""

    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value=0.0):
        ctx.key = tuple(slice(b, b + n) for (b, _), n in zip(pads, x._data.shape))
        return np.pad(x._data, pads, constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.key], None, None


class Tril(Function):
    """y = x with the elements above diagonal k set to 0.   dL/dx = tril(g, k)."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return np.tril(x._data, k)

    @staticmethod
    def backward(ctx, grad):
        return grad.tril(ctx.k), None


class Triu(Function):
    """y = x with the elements below diagonal k set to 0.   dL/dx = triu(g, k)."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return np.triu(x._data, k)

    @staticmethod
    def backward(ctx, grad):
        return grad.triu(ctx.k), None


class Clone(Function):
    """y = a copy of x (also `contiguous()` when a copy is needed).   dL/dx = g."""

    @staticmethod
    def forward(ctx, x):
        return np.array(x._data, copy=True, order="C")

    @staticmethod
    def backward(ctx, grad):
        return grad


class Cast(Function):
    """y = x converted to another floating dtype.   dL/dx = g converted back."""

    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype):
        ctx.dtype = x._data.dtype
        # 1e5 -> float16 is inf, silently, as in PyTorch
        return x._data.astype(np_dtype)

    @staticmethod
    def backward(ctx, grad):
        return Cast.apply(grad, ctx.dtype), None
