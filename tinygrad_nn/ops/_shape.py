"""Shape helpers shared by every op: unbroadcast and dim normalisation.

Broadcasting copies a value along new or size-1 axes in the forward pass; its adjoint
sums the gradient back along those axes. `unbroadcast` is that sum, written in Tensor ops
so it is itself differentiable (double backward through a broadcast works).
"""

from __future__ import annotations

import numpy as np


def unbroadcast(grad, shape: tuple):
    """Sum the Tensor `grad` down to `shape`: the adjoint of broadcasting (copy forward = add
    backward)."""
    if grad._data.shape == shape:
        return grad
    dims = broadcast_axes(shape, grad._data.shape)
    if dims:
        grad = grad.sum(dim=dims, keepdim=True)
    return grad.reshape(shape)


def expand_array(array, shape: tuple) -> np.ndarray:
    """`np.broadcast_to(array, shape)`: the same read-only view, made without broadcast_to's
    Python-level argument handling (3 us, five times the view). `shape` must be a valid
    broadcast target of `array`'s shape."""
    if not array.flags.c_contiguous:  # a view's buffer cannot be re-strided directly
        return np.broadcast_to(array, shape)
    if array.ndim == 0:  # the gradient of a full reduction (a loss): every stride is 0
        strides = (0,) * len(shape)
    else:
        lead = len(shape) - array.ndim
        strides = (0,) * lead + tuple(
            [0 if n == 1 else s for n, s in zip(array.shape, array.strides)]
        )
    view = np.ndarray(shape, array.dtype, array, 0, strides)
    # One element stands for many: writing would change them all. (setflags: a third of
    # the cost of `view.flags.writeable = False`.)
    view.setflags(write=False)
    return view


def broadcast_axes(shape: tuple, target: tuple) -> tuple:
    """The axes of `target` that `unbroadcast` sums over to get back to `shape`."""
    lead = len(target) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and target[lead + i] != 1
    )


def is_expandable_to(shape: tuple, target: tuple) -> bool:
    """True if a tensor of `shape` broadcasts to `target`."""
    if len(shape) > len(target):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(target)))


def broadcast_shapes(*shapes) -> tuple:
    """The broadcast shape of several shapes; RuntimeError naming them if they clash."""
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for i in range(ndim - 1, -1, -1):  # from the last dim: PyTorch reports that clash first
        for shape in shapes:
            j = i - ndim + len(shape)
            n = shape[j] if j >= 0 else 1
            if n != 1:
                if result[i] != 1 and result[i] != n:
                    raise RuntimeError(
                        f"The size of tensor a ({result[i]}) must match the size of tensor b "
                        f"({n}) at non-singleton dimension {i}"
                    )
                result[i] = n
    return tuple(result)


def normalize_dim(dim: int, ndim: int) -> int:
    """A dim in [-ndim, ndim) as a non-negative index; IndexError like PyTorch otherwise."""
    low, high = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if dim < low or dim > high:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
        )
    return dim % ndim if ndim else 0


def normalize_dims(dim, ndim: int) -> tuple:
    """`dim` (None, an int, or a tuple/list of ints) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = tuple(normalize_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        return tuple(sorted(dims)) if ndim else ()
    # A 0-d tensor accepts dim 0 / -1 but has no axis to reduce: NumPy wants no axes at all.
    axis = normalize_dim(dim, ndim)  # checked even for a 0-d tensor: sum(1) raises there too
    return (axis,) if ndim else ()


def check_shape_matches(x_shape: tuple, y_shape: tuple) -> tuple:
    """Broadcast two shapes for a binary op (the common case of `broadcast_shapes`)."""
    if x_shape == y_shape:
        return x_shape
    return broadcast_shapes(x_shape, y_shape)
