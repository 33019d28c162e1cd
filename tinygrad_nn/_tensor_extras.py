"""Six Tensor methods tutorials reach for: sliding windows, diagonals, sums to a size, and
Python callables applied element by element.

    unfold(dim, size, step)    windows of `size` every `step` along dim, as a new last dim;
                               a gather (index_select), so its gradient is a scatter-add
    fill_diagonal_(v, wrap)    write v on the main diagonal (all dims of equal length)
    sum_to_size(*size)         the sum that undoes broadcasting to `size`
    apply_(fn) / map_(t, fn)   a Python function per element, in place (no autograd)
    resize_(*size)             a new shape over the same elements in order; new ones are 0
"""

from __future__ import annotations

import numpy as np


def unfold(self, dimension: int, size: int, step: int):
    """Windows of `size` elements, `step` apart, along `dimension`, in a new last dim."""
    dim = dimension + self.dim() if dimension < 0 and self.dim() else dimension
    length = self.shape[dim] if self.dim() else 1
    if size > length:
        raise RuntimeError(
            f"maximum size for tensor at dimension {dim} is {length} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.dim() == 0:  # PyTorch: the one window of a 0-d tensor is a 1-element vector
        return self.reshape(1)
    source = self
    starts = np.arange((length - size) // step + 1) * step
    index = (starts[:, None] + np.arange(size)[None, :]).reshape(-1)
    picked = source.index_select(dim, type(self)._make(index))
    shape = source.shape[:dim] + (len(starts), size) + source.shape[dim + 1 :]
    return picked.reshape(shape).movedim(dim + 1, -1)


def fill_diagonal_(self, fill_value, wrap: bool = False):
    """Write `fill_value` where every index is equal (rows wrap past a square when `wrap`)."""
    if self.dim() < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.dim() > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(self.shape, dtype=bool)
    if self.dim() == 2:
        np.fill_diagonal(mask, True, wrap=wrap)
    else:
        mask[(np.arange(self.shape[0]),) * self.dim()] = True
    return self.masked_fill_(type(self)._make(mask), fill_value)


def sum_to_size(self, *size):
    """Sum over the dims that broadcasting `size` to self's shape would have expanded."""
    target = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
    shape = tuple(self.shape)
    lead = len(shape) - len(target)
    if lead < 0 or any(t not in (1, s) for t, s in zip(target, shape[lead:])):
        raise RuntimeError(f"size {{{list(target)}}} is not expandable to size {{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(
        lead + i for i, (t, s) in enumerate(zip(target, shape[lead:])) if t == 1 and s != 1
    )
    out = self.sum(dim=dims, keepdim=True) if dims else self
    return out.reshape(target) if out.shape != target else out


def apply_(self, callable):
    """self[i] = callable(self[i]) for every element, in place; not recorded by autograd.

    As PyTorch's, it leaves the version counter alone: it is meant for tensors outside graphs.
    """
    _no_grad_check(self, "apply_")
    flat = self._data.reshape(-1)
    values = [callable(v) for v in flat.tolist()]
    self._data[...] = np.asarray(values).astype(self._data.dtype).reshape(self._data.shape)
    return self


def map_(self, tensor, callable):
    """self[i] = callable(self[i], tensor[i]) (tensor broadcast to self), in place."""
    _no_grad_check(self, "map_")
    other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
    values = [callable(a, b) for a, b in zip(self._data.reshape(-1).tolist(), other)]
    self._data[...] = np.asarray(values).astype(self._data.dtype).reshape(self._data.shape)
    return self


def resize_(self, *size):
    """Give self a new shape over its elements in order; added elements are zero."""
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else size
    if any(s < 0 for s in shape):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}"
        )
    count = int(np.prod(shape, dtype=np.int64))
    flat = self._data.reshape(-1)
    data = np.zeros(count, dtype=self._data.dtype)
    data[: min(count, flat.size)] = flat[:count]
    self._data = data.reshape(shape)
    self._version_counter[0] += 1
    return self


def _no_grad_check(self, name: str) -> None:
    if self.requires_grad:
        raise RuntimeError(
            f"Can't call {name}() on Variable that requires grad. Use "
            f"var.detach().{name}() instead."
        )
