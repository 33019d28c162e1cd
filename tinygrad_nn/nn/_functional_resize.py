"""Resizing: interpolate (upsample), pixel shuffle, and adaptive max pooling.

All are composites of differentiable Tensor ops, so gradients and second derivatives come
from those ops:

    interpolate   one axis at a time: gather the source rows (index_select) and, for the
                  linear modes, blend two of them with PyTorch's weights
    pixel_shuffle a reshape, a permute and a reshape (channels <-> spatial blocks)
    adaptive max  NumPy finds each window's maximum (PyTorch's tie and NaN rules); the
                  values are then gathered from the input, so the gradient goes there

The source indices and weights are computed as PyTorch's CPU kernels compute them, in the
input's precision (float32 for float32), so the same output element reads the same inputs.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..tensor import Tensor
from ._functional_conv import adaptive_avg_pool1d, adaptive_avg_pool2d
from ._functional_loss import _dtype_word
from ._functional_resize_aa import resize_antialias

_make = Tensor._make

_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}
_ALL_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"


# ---------------------------------------------------------------------- interpolate


def _as_list(value, dim: int, what: str, input: Tensor) -> list:
    """size or scale_factor as one value per spatial axis (PyTorch's length check)."""
    if not isinstance(value, (list, tuple)):
        return [value] * dim
    if len(value) == dim:
        return list(value)
    spatial = list(input.shape[2:])
    if what == "size":
        raise ValueError(
            "Input and output must have the same number of spatial dimensions, but "
            f"got input with spatial dimensions of {spatial} and output size of "
            f"{value}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
            "and output size in (o1, o2, ...,oK) format."
        )
    raise ValueError(
        "Input and scale_factor must have the same number of spatial dimensions, "
        f"but got input with spatial dimensions of {spatial} and scale_factor of "
        f"shape {value}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
        "format and scale_factor in (s1, s2, ...,sK) format."
    )


def _sizes_and_scales(input: Tensor, size, scale_factor, recompute_scale_factor) -> tuple:
    """(output sizes, scales the kernel uses or None per axis), as F.interpolate settles them."""
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        sizes = _as_list(size, dim, "size", input)
        if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
            raise TypeError(
                "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                f"Tuple[int, int, int], but got size with types "
                f"{[type(s) for s in sizes]}"
            )
        return [int(s) for s in sizes], [None] * dim
    scales = [float(s) for s in _as_list(scale_factor, dim, "scale_factor", input)]
    sizes = [math.floor(n * s) for n, s in zip(input.shape[2:], scales)]
    return sizes, ([None] * dim if recompute_scale_factor else scales)


def _check_sizes(input: Tensor, sizes: list) -> None:
    spatial = input.shape[2:]
    if any(n <= 0 for n in spatial) or any(o <= 0 for o in sizes):
        names = ("D", "H", "W")[-len(sizes) :]
        shown_in = ", ".join(f"{a}: {n}" for a, n in zip(names, spatial))
        shown_out = ", ".join(f"{a}: {o}" for a, o in zip(names, sizes))
        joint = " and " if len(sizes) == 1 else " "  # PyTorch's wording differs by rank
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"({shown_in}){joint}output ({shown_out})"
        )


def _kernel_scale(scale, n_in: int, n_out: int, dtype) -> np.generic:
    """PyTorch's compute_scales_value: 1 / scale_factor when one was given, else in / out."""
    if scale is not None and scale > 0:
        return dtype.type(1.0 / scale)
    return dtype.type(n_in) / dtype.type(n_out)


def _nearest_index(n_in: int, n_out: int, scale, exact: bool) -> np.ndarray:
    """Source index of each output position; PyTorch computes it in float32 for every dtype."""
    i = np.arange(n_out)
    if n_out == n_in:
        return i
    if n_out == 2 * n_in and not exact:
        return i >> 1
    f32 = np.dtype(np.float32)
    s = _kernel_scale(scale, n_in, n_out, f32)
    src = ((i + 0.5) * np.float64(s)).astype(np.float32) if exact else i.astype(np.float32) * s
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale, align_corners: bool, dtype) -> tuple:
    """(i0, i1, w0, w1): output j = w0[j] * x[i0[j]] + w1[j] * x[i1[j]], in PyTorch's math."""
    t = dtype.type
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    else:
        s = _kernel_scale(scale, n_in, n_out, dtype)
    j = np.arange(n_out).astype(dtype)
    if align_corners:
        src = s * j
    else:
        src = np.maximum(s * (j + t(0.5)) - t(0.5), t(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    w1 = np.clip(src - i0.astype(dtype), t(0), t(1))
    i1 = i0 + (i0 < n_in - 1)
    return i0, i1, t(1) - w1, w1


def _cubic_weights(n_in: int, n_out: int, scale, align_corners: bool, dtype) -> tuple:
    """([i_-1, i_0, i_1, i_2], [w_-1, .., w_2]): PyTorch's bicubic taps (A = -0.75, indices
    clamped to the input) and their weights, in the input's precision."""
    t = dtype.type
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
        src = s * np.arange(n_out).astype(dtype)
    else:  # no clamp at 0 here: the cubic taps reach past the edge and are clamped instead
        s = _kernel_scale(scale, n_in, n_out, dtype)
        src = s * (np.arange(n_out).astype(dtype) + t(0.5)) - t(0.5)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    x = np.clip(src - i0.astype(dtype), t(0), t(1))
    a = t(-0.75)

    def near(d):  # the kernel on |d| <= 1
        return ((a + t(2)) * d - (a + t(3))) * d * d + t(1)

    def far(d):  # the kernel on 1 < |d| < 2
        return ((a * d - t(5) * a) * d + t(8) * a) * d - t(4) * a

    weights = [far(x + t(1)), near(x), near(t(1) - x), far(t(2) - x)]
    taps = [np.clip(i0 + k, 0, n_in - 1) for k in (-1, 0, 1, 2)]
    return taps, weights


def _resize_cubic(x: Tensor, sizes: list, scales: list, align_corners: bool) -> Tensor:
    dtype = np.dtype(np.float64 if x._data.dtype == np.float64 else np.float32)
    for axis, (n_out, scale) in enumerate(zip(sizes, scales), 2):
        taps, weights = _cubic_weights(x.shape[axis], n_out, scale, align_corners, dtype)
        ndim, out_dtype = x.dim(), x._data.dtype
        terms = [
            x.index_select(axis, _make(i)) * _along(w, axis, ndim, out_dtype)
            for i, w in zip(taps, weights)
        ]
        x = terms[0] + terms[1] + terms[2] + terms[3]
    return x


def _along(values: np.ndarray, axis: int, ndim: int, dtype) -> Tensor:
    """A 1-d weight array shaped to broadcast along `axis` of an ndim-d tensor."""
    shape = [1] * ndim
    shape[axis] = values.shape[0]
    return _make(values.astype(dtype).reshape(shape))


def _resize_nearest(x: Tensor, sizes: list, scales: list, exact: bool) -> Tensor:
    for axis, (n_out, scale) in enumerate(zip(sizes, scales), 2):
        index = _nearest_index(x.shape[axis], n_out, scale, exact)
        x = x.index_select(axis, _make(index))
    return x


def _resize_linear(x: Tensor, sizes: list, scales: list, align_corners: bool) -> Tensor:
    dtype = np.dtype(np.float64 if x._data.dtype == np.float64 else np.float32)
    for axis, (n_out, scale) in enumerate(zip(sizes, scales), 2):
        i0, i1, w0, w1 = _linear_weights(x.shape[axis], n_out, scale, align_corners, dtype)
        near, far = x.index_select(axis, _make(i0)), x.index_select(axis, _make(i1))
        ndim, out_dtype = x.dim(), x._data.dtype
        x = near * _along(w0, axis, ndim, out_dtype) + far * _along(w1, axis, ndim, out_dtype)
    return x


def _check_mode(input: Tensor, mode: str, align_corners, antialias: bool) -> None:
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating "
            "modes: linear | bilinear | bicubic | trilinear"
        )
    dim = input.dim()
    if mode in _LINEAR_MODES and dim in (3, 4, 5) and _LINEAR_MODES[mode] != dim:
        needs = _LINEAR_MODES[mode]
        raise NotImplementedError(f"Got {dim}D input, but {mode} mode needs {needs}D input")
    known = ("nearest", "nearest-exact", "area", *_LINEAR_MODES)
    if not (dim in (3, 4, 5) and mode in known or dim == 4 and mode == "bicubic"):
        if mode == "lanczos" and dim == 4:
            raise NotImplementedError("interpolate: mode 'lanczos' is not supported here")
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
            f"{dim}D) for the modes: {_ALL_MODES} (got {mode})"
        )
    kind = input._data.dtype
    if kind.kind != "f" and not (mode.startswith("nearest") and kind == np.uint8):
        kernel = "nearest" if mode.startswith("nearest") else "linear"
        raise NotImplementedError(
            f"\"compute_indices_weights_{kernel}\" not implemented for '{_dtype_word(input)}'"
        )


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners=None,
    recompute_scale_factor=None,
    antialias: bool = False,
):
    """Resize the spatial axes of (N, C, *spatial) to `size`, or by `scale_factor`.

    mode: 'nearest', 'nearest-exact', 'linear' (3-d input), 'bilinear' or 'bicubic' (4-d),
    'trilinear' (5-d) or 'area' (adaptive average pooling). align_corners (linear modes only):
    map the corner pixels' centres onto each other instead of their outer edges.
    recompute_scale_factor: use in / out as the kernel's scale instead of 1 / scale_factor.
    """
    _check_mode(input, mode, align_corners, antialias)
    if mode == "area" and size is None:
        recompute_scale_factor = True
    sizes, scales = _sizes_and_scales(input, size, scale_factor, recompute_scale_factor)
    if mode == "area":
        pool = adaptive_avg_pool1d if input.dim() == 3 else adaptive_avg_pool2d
        if input.dim() == 5:
            raise NotImplementedError("interpolate: mode 'area' needs 3D or 4D input here")
        return pool(input, sizes)
    _check_sizes(input, sizes)
    if antialias:
        if not (mode in ("bilinear", "bicubic", "lanczos") and input.dim() == 4):
            raise ValueError(
                "Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                "modes and requires a 4-D tensor as input"
            )
        if mode == "lanczos":
            raise NotImplementedError("interpolate: mode 'lanczos' is not supported here")
        return resize_antialias(input, sizes, scales, bool(align_corners), mode)
    if mode == "bicubic":
        return _resize_cubic(input, sizes, scales, bool(align_corners))
    if mode in _LINEAR_MODES:
        return _resize_linear(input, sizes, scales, bool(align_corners))
    return _resize_nearest(input, sizes, scales, exact=mode == "nearest-exact")


def _deprecated(name: str) -> None:
    warnings.warn(
        f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=3,
    )


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated name of `interpolate` (warns, then resizes)."""
    _deprecated("upsample")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: `interpolate(..., mode='nearest')`."""
    _deprecated("upsample_nearest")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: `interpolate(..., mode='bilinear', align_corners=True)`."""
    _deprecated("upsample_bilinear")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------------------------- pixel shuffle


def _check_shuffle(input: Tensor, factor: int, name: str, what: str) -> None:
    if input.dim() < 3:
        raise RuntimeError(
            f"{name} expects input to have at least 3 dimensions, but got input "
            f"with {input.dim()} dimension(s)"
        )
    if factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r): each channel block of r^2 becomes an r x r
    patch (sub-pixel convolution's upsampling)."""
    r = int(upscale_factor)
    _check_shuffle(input, r, "pixel_shuffle", "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible "
            f"by the square of upscale_factor, but input.size(-3)={c} is not "
            f"divisible by {r * r}"
        )
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)  # (*, C, H, r, W, r)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W): the inverse of `pixel_shuffle`."""
    r = int(downscale_factor)
    _check_shuffle(input, r, "pixel_unshuffle", "downscale_factor")
    *lead, c, h, w = input.shape
    for axis, n, index in (("height", h, -2), ("width", w, -1)):
        if n % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {axis} to be divisible by "
                f"downscale_factor, but input.size({index})={n} is not divisible "
                f"by {r}"
            )
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)  # (*, C, r, r, H/r, W/r)
    return x.reshape(*lead, c * r * r, h // r, w // r)


# ---------------------------------------------------------------------- adaptive max pooling


def _window_bounds(n: int, o: int) -> tuple:
    """Adaptive window i covers [floor(i n / o), ceil((i + 1) n / o))."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def _window_members(n: int, o: int) -> np.ndarray:
    """(o, widest window) input indices per window; short windows repeat their last index
    (a repeat never changes a maximum, nor which element is first)."""
    start, end = _window_bounds(n, o)
    width = int((end - start).max()) if o else 0
    return np.minimum(start[:, None] + np.arange(width), end[:, None] - 1)


def _first_argmax(values: np.ndarray) -> np.ndarray:
    """Position of the maximum over the last axis: the first one on ties, the last NaN when
    there are NaNs (PyTorch's kernel replaces its running maximum on every NaN)."""
    choice = np.argmax(values, axis=-1)
    nan = np.isnan(values) if values.dtype.kind == "f" else None
    if nan is not None and nan.any():
        last_nan = values.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
        choice = np.where(nan.any(-1), last_nan, choice)
    return choice


def _adaptive_max_pool(input: Tensor, output_size, nd: int, return_indices: bool):
    name = f"adaptive_max_pool{nd}d"
    if input.dim() not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(
                f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional "
                f"tensor for argument #1 'self' (while checking arguments for "
                f"{name})"
            )
        raise RuntimeError(f"{name}(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    if isinstance(output_size, (list, tuple)) and len(output_size) != nd:
        if nd == 1:
            raise RuntimeError(
                f"{name}() argument 'output_size' should contain one int (got {len(output_size)})"
            )
        raise ValueError("Input dimension should be at least 4")
    for axis in range(1, input.dim()):
        if input.shape[axis] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {list(input.shape)} with "
                f"dimension {axis} being empty"
            )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"adaptive_max_pool2d\" not implemented for '{_dtype_word(input)}'"
        )
    sizes = tuple(input.shape[-nd:])
    wanted = output_size if isinstance(output_size, (list, tuple)) else (output_size,) * nd
    wanted = tuple(n if o is None else int(o) for n, o in zip(sizes, wanted))
    if any(o < 0 for o in wanted):
        shape = list(input.shape[:-nd]) + list(wanted)
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {min(wanted)}: {shape}"
        )
    flat = _flat_members(sizes, wanted)  # (*wanted, window) flat indices into a plane
    a = input._data.reshape(input.shape[:-nd] + (-1,))
    position = _first_argmax(a[..., flat])  # (*lead, *wanted): which member is the maximum
    members = np.broadcast_to(flat, position.shape + flat.shape[-1:])
    chosen = np.take_along_axis(members, position[..., None], -1)[..., 0]
    values = input.flatten(-nd).gather(
        -1, _make(np.ascontiguousarray(chosen).reshape(input.shape[:-nd] + (-1,)))
    )
    out = values.reshape(input.shape[:-nd] + wanted)
    return (out, _make(np.array(chosen))) if return_indices else out


def _flat_members(sizes: tuple, wanted: tuple) -> np.ndarray:
    """Every window's members as flat indices into the last len(sizes) axes."""
    if len(sizes) == 1:
        return _window_members(sizes[0], wanted[0])
    rows = _window_members(sizes[0], wanted[0])  # (oh, kh)
    cols = _window_members(sizes[1], wanted[1])  # (ow, kw)
    flat = rows[:, None, :, None] * sizes[1] + cols[None, :, None, :]  # (oh, ow, kh, kw)
    return flat.reshape(wanted + (-1,))


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed output length; windows as adaptive_avg_pool1d's."""
    return _adaptive_max_pool(input, output_size, 1, return_indices)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max pooling to a fixed (H_out, W_out) (an int: square; None keeps that size).

    With return_indices, also each maximum's flat index within its input plane."""
    return _adaptive_max_pool(input, output_size, 2, return_indices)
