"""`torch.<op>(input, ...)` for the shape and view ops (reshape, transpose, split, gather,
...), each one call of the Tensor method, and the ops that take several tensors and join or
broadcast them: cat, stack, hstack, vstack, broadcast_tensors.
"""

from __future__ import annotations

import builtins

from . import dtypes as _dt
from ._functions_args import _tensor
from .ops import _shape as _shape_ops, movement
from .tensor import Size, Tensor


def reshape(input, shape):
    """input in a new shape."""
    return _tensor(input, "reshape").reshape(shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims."""
    return _tensor(input, "flatten").flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    """Split a dim."""
    return _tensor(input, "unflatten").unflatten(dim, sizes)


def squeeze(input, dim=None):
    """Drop size-1 dims."""
    return _tensor(input, "squeeze").squeeze(dim)


def unsqueeze(input, dim):
    """Insert a size-1 dim."""
    return _tensor(input, "unsqueeze").unsqueeze(dim)


def transpose(input, dim0, dim1):
    """Swap two dims."""
    return _tensor(input, "transpose").transpose(dim0, dim1)


swapaxes = swapdims = transpose


def t(input):
    """Matrix transpose."""
    return _tensor(input, "t").t()


def permute(input, dims):
    """Reorder dims."""
    return _tensor(input, "permute").permute(dims)


def flip(input, dims):
    """Reverse along dims."""
    return _tensor(input, "flip").flip(dims)


def chunk(input, chunks, dim=0):
    """Split into chunks."""
    return _tensor(input, "chunk").chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim=0):
    """Split into pieces."""
    return tensor.split(split_size_or_sections, dim)


def unbind(input, dim=0):
    """Slices along dim."""
    return _tensor(input, "unbind").unbind(dim)


def narrow(input, dim, start, length):
    """A slice along dim."""
    return _tensor(input, "narrow").narrow(dim, start, length)


def select(input, dim, index):
    """The slice at index along dim."""
    return _tensor(input, "select").select(dim, index)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements."""
    return _tensor(input, "nonzero").nonzero(as_tuple=as_tuple)


def argwhere(input):
    """Indices of the non-zero elements, as an (n, ndim) tensor."""
    return _tensor(input, "argwhere").argwhere()


def roll(input, shifts, dims=None):
    """Shift elements along dims, wrapping around."""
    return _tensor(input, "roll").roll(shifts, dims)


def movedim(input, source, destination):
    """Move dims from source positions to destination positions."""
    return _tensor(input, "movedim").movedim(source, destination)


moveaxis = movedim


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with src written at index along dim."""
    return _tensor(input, "scatter").scatter(dim, index, src, value=value, reduce=reduce)


def scatter_add(input, dim, index, src):
    """input with src added at index along dim."""
    return _tensor(input, "scatter_add").scatter_add(dim, index, src)


def index_add(input, dim, index, source, *, alpha=1):
    """input with alpha * source's slices added at index along dim."""
    return _tensor(input, "index_add").index_add(dim, index, source, alpha=alpha)


def gather(input, dim, index):
    """Values at index along dim."""
    return _tensor(input, "gather").gather(dim, index)


def index_select(input, dim, index):
    """Slices at index along dim."""
    return _tensor(input, "index_select").index_select(dim, index)


def tril(input, diagonal=0):
    """Lower triangle."""
    return _tensor(input, "tril").tril(diagonal)


def triu(input, diagonal=0):
    """Upper triangle."""
    return _tensor(input, "triu").triu(diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """A diagonal."""
    return _tensor(input, "diagonal").diagonal(offset, dim1, dim2)


def broadcast_to(input, size):
    """input expanded to `size`."""
    return _tensor(input, "broadcast_to").broadcast_to(size)


# joining and broadcasting several tensors
def cat(tensors, dim: int = 0):
    """Join tensors along an existing dim."""
    tensors = _check_sequence(tensors, "cat")
    for i, x in enumerate(tensors):
        if x._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    if builtins.all(x._data.shape == (0,) for x in tensors):  # legacy empties only: any dim
        return movement.Cat.apply(0, *_common_dtype(tensors))
    ref = next(x for x in tensors if x._data.shape != (0,))
    d = _shape_ops.normalize_dim(dim, ref._data.ndim)
    for i, x in enumerate(tensors):
        if x._data.shape == (0,):
            continue
        if x._data.ndim != ref._data.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got "
                f"{ref._data.ndim} and {x._data.ndim}"
            )
        for axis, (m, n) in enumerate(zip(x._data.shape, ref._data.shape)):
            if axis != d and m != n:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {n} but "
                    f"got size {m} for tensor number {i} in the list."
                )
    return movement.Cat.apply(d, *_common_dtype(tensors))


concat = concatenate = cat


def stack(tensors, dim: int = 0):
    """Join tensors along a new dim."""
    tensors = _check_sequence(tensors, "stack")
    shape = tensors[0]._data.shape
    for i, x in enumerate(tensors):
        if x._data.shape != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got "
                f"{list(shape)} at entry 0 and {list(x._data.shape)} at entry {i}"
            )
    d = _shape_ops.normalize_dim(dim, len(shape) + 1)
    return movement.Stack.apply(d, *_common_dtype(tensors))


def hstack(tensors):
    """Stack along dim 1 (dim 0 for 1-d tensors)."""
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """Stack rows."""
    return cat([x.reshape(1, -1) if x._data.ndim == 1 else x for x in tensors], 0)


def _check_sequence(tensors, name: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(
            f"{name}() received an invalid combination of arguments - expected a "
            "tuple or list of Tensors, got Tensor"
        )
    tensors = list(tensors)
    if not tensors:  # PyTorch: ValueError from cat, RuntimeError from stack
        if name == "cat":
            raise ValueError("cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    for x in tensors:
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, but got {type(x).__name__}")
    return tensors


def _common_dtype(tensors: list) -> list:
    dtype = _dt.result_type(*tensors)
    return [x._cast(dtype) for x in tensors]


def broadcast_tensors(*tensors):
    """Expand the tensors to their common broadcast shape."""
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(x).__name__}"
            )
    shape = _shape_ops.broadcast_shapes(*[x._data.shape for x in tensors])
    return tuple(x.expand(shape) for x in tensors)


def broadcast_shapes(*shapes) -> Size:
    """The shape that the given shapes broadcast to."""
    return Size(
        _shape_ops.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes])
    )
