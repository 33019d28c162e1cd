"""Anti-aliased resizing (`F.interpolate(..., antialias=True)`, bilinear and bicubic).

Plain bilinear reads two input pixels per output pixel, so shrinking an image by 4 skips
three pixels of every four and aliases. The anti-aliased kernel (PIL's, which PyTorch
follows) stretches the filter by the scale when shrinking: output i averages every input
pixel j within `support` of its centre, weighted by the filter at the distance, and the
weights are normalised to sum to 1 (so windows cut by the border stay averages):

    scale   = in / out  (1 / scale_factor if one was given)
    support = (taps / 2) * max(scale, 1)        taps: 2 bilinear, 4 bicubic
    centre  = scale * (i + 0.5)
    w_ij    = filter((j - centre + 0.5) / max(scale, 1)),   j in [centre - support, + support)

Each axis is resized on its own, the last (width) first, and an axis whose size does not
change is left alone, in PyTorch's order. Each output is a sum of index_select-ed inputs
times weights, so gradients and second derivatives come from those ops.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

_TAPS = {"bilinear": 2, "bicubic": 4}


def _triangle(x: np.ndarray) -> np.ndarray:
    """The bilinear filter: 1 - |x| on |x| < 1."""
    x = np.abs(x)
    return np.where(x < 1, 1 - x, 0).astype(x.dtype)


def _keys_cubic(x: np.ndarray) -> np.ndarray:
    """The bicubic filter with a = -0.5 (PIL's choice, not plain bicubic's -0.75)."""
    a, x = x.dtype.type(-0.5), np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0)).astype(x.dtype)


def _scale(n_in: int, n_out: int, scale, align_corners: bool, t) -> np.generic:
    """PyTorch's area_pixel_compute_scale, in the input's precision."""
    if align_corners:
        return t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    if scale is not None and scale > 0:
        return t(1.0 / scale)
    return t(n_in) / t(n_out)


def _weights(n_in: int, n_out: int, scale, align_corners: bool, mode: str, dtype) -> tuple:
    """(index, weight), each (n_out, window): output i = sum_k weight[i, k] * x[index[i, k]].
    Window slots past an output's last input repeat its first index with weight 0."""
    t = dtype.type
    s = _scale(n_in, n_out, scale, align_corners, t)
    stretch = s if s >= 1 else t(1)
    support = t(_TAPS[mode] / 2) * stretch
    centre = s * (np.arange(n_out).astype(dtype) + t(0.5))
    low = np.maximum((centre - support + t(0.5)).astype(np.int64), 0)
    high = np.minimum((centre + support + t(0.5)).astype(np.int64), n_in)
    window = int((high - low).max())
    k = np.arange(window)
    index = low[:, None] + k[None, :]
    inside = index < high[:, None]
    distance = (index.astype(dtype) - centre[:, None] + t(0.5)) * (t(1) / stretch)
    filter_fn = _triangle if mode == "bilinear" else _keys_cubic
    weight = np.where(inside, filter_fn(distance.astype(dtype)), t(0)).astype(dtype)
    total = weight.sum(axis=1, keepdims=True, dtype=dtype)
    weight = np.where(total != 0, weight / np.where(total != 0, total, t(1)), weight)
    return np.where(inside, index, low[:, None]), weight.astype(dtype)


def _resize_axis(x: Tensor, axis: int, index: np.ndarray, weight: np.ndarray) -> Tensor:
    """sum over window slots k of x[..., index[:, k], ...] * weight[:, k], slot after slot (the
    order of PyTorch's loop, so float32 rounds alike)."""
    shape = [1] * x.dim()
    shape[axis] = index.shape[0]
    out = None
    for k in range(index.shape[1]):
        picked = x.index_select(axis, Tensor._make(np.ascontiguousarray(index[:, k])))
        term = picked * Tensor._make(weight[:, k].astype(x._data.dtype).reshape(shape))
        out = term if out is None else out + term
    return out


def resize_antialias(
    x: Tensor, sizes: list, scales: list, align_corners: bool, mode: str
) -> Tensor:
    """Resize (N, C, H, W) to `sizes` with the anti-aliased `mode` filter (bilinear, bicubic)."""
    dtype = np.dtype(np.float64 if x._data.dtype == np.float64 else np.float32)
    out = x
    for axis in (3, 2):  # width first, as PyTorch's separable kernel
        n_in, n_out = x.shape[axis], sizes[axis - 2]
        if n_in != n_out:
            index, weight = _weights(n_in, n_out, scales[axis - 2], align_corners, mode, dtype)
            out = _resize_axis(out, axis, index, weight)
    return out.clone() if out is x else out  # a new tensor even when no size changes
