"""`repr(tensor)` in PyTorch's format: `tensor([1.0000, 2.5000], requires_grad=True)`.

One format serves every element. For floats it is chosen from the non-zero finite values:
`1.` when they are all whole numbers, scientific notation when they span more than 1000x
(or leave [1e-4, 1e8]), else 4 decimals. Elements are padded to the widest of those
values; a row holds as many as fit in 80 columns after its indent. Tensors of more than
1000 elements show their first and last 3 entries per dim around `...`. `set_printoptions`
changes these numbers (precision, threshold, edgeitems, linewidth, sci_mode) as PyTorch's does.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np


class _PrintOptions:
    """The current print options (PyTorch's defaults: its "default" profile)."""

    precision, threshold, edgeitems, linewidth, sci_mode = 4, 1000, 3, 80, None


PRINT_OPTS = _PrintOptions()
_PROFILES = {  # name: (precision, threshold, edgeitems, linewidth)
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
) -> None:
    """Same semantics as `torch.set_printoptions`: a profile first, then each given option.

    `sci_mode` is always set: None (the default) lets each tensor choose, as PyTorch does.
    """
    opts = PRINT_OPTS
    if profile is not None:
        if profile not in _PROFILES:  # PyTorch silently ignores an unknown profile
            profile = None
        else:
            opts.precision, opts.threshold, opts.edgeitems, opts.linewidth = _PROFILES[profile]
    if precision is not None:
        opts.precision = precision
    if threshold is not None:
        opts.threshold = threshold
    if edgeitems is not None:
        opts.edgeitems = edgeitems
    if linewidth is not None:
        opts.linewidth = linewidth
    opts.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current options, as keyword arguments for `set_printoptions`."""
    names = ("precision", "threshold", "edgeitems", "linewidth", "sci_mode")
    return {name: getattr(PRINT_OPTS, name) for name in names}


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a `with` block only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Formats one element; `width` is the padded width every element gets."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        if not self.floating:
            for v in values.ravel().tolist():
                self.width = max(self.width, len(str(v)))
            return
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64).ravel()
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        low, high = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = PRINT_OPTS.sci_mode
        if self.sci_mode is None:  # chosen per tensor unless set_printoptions fixed it
            self.sci_mode = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4)
        precision = PRINT_OPTS.precision
        for v in finite.tolist():
            if self.sci_mode:
                self.width = max(self.width, len(f"{v:.{precision}e}"))
            elif self.int_mode:
                self.width = max(self.width, len(f"{v:.0f}") + 1)  # the "." of "2."
            else:
                self.width = max(self.width, len(f"{v:.{precision}f}"))

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return " " * (self.width - len(text)) + text


def _summarised(a: np.ndarray) -> np.ndarray:
    """The values actually printed (edge items only, per dim): they choose the format."""
    k = PRINT_OPTS.edgeitems
    for axis in range(a.ndim):
        if a.shape[axis] > 2 * k:
            a = np.take(a, list(range(k)) + list(range(a.shape[axis] - k, a.shape[axis])), axis)
    return a


def _vector(a: np.ndarray, indent: int, summarise: bool, fmt: _Formatter) -> str:
    values, k = a.tolist(), PRINT_OPTS.edgeitems
    if summarise and k == 0:  # PyTorch's edge case: nothing but the dots
        items = ["..."]
    elif summarise and len(values) > 2 * k:
        items = [fmt.format(v) for v in values[:k]] + [" ..."]
        items += [fmt.format(v) for v in values[-k:]]
    else:
        items = [fmt.format(v) for v in values]
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (fmt.width + 2)))  # ", "
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarise: bool, fmt: _Formatter) -> str:
    """The bracketed text of `a`, its continuation lines indented by `indent` spaces."""
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarise, fmt)
    n = a.shape[0]
    rows = range(n)
    k = PRINT_OPTS.edgeitems
    if summarise and n > 2 * k:
        rows = list(range(k)) + [None] + list(range(n - k, n))
    parts = ["..." if i is None else _nested(a[i], indent + 1, summarise, fmt) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_data(a: np.ndarray, indent: int) -> str:
    """The bracketed values of `a`, continuation lines indented by `indent` spaces."""
    if a.dtype == np.float16:  # formatted as float32, as PyTorch does
        a = a.astype(np.float32)
    summarise = a.size > PRINT_OPTS.threshold
    return _nested(a, indent, summarise, _Formatter(_summarised(a) if summarise else a))


def tensor_repr(t) -> str:
    """PyTorch-style repr of a Tensor."""
    from .dtypes import get_default_dtype

    a = t._data
    extras = []
    default_float = get_default_dtype().np
    if a.size == 0:
        body = "[]"
        if a.shape != (0,):
            extras.append(f"size={tuple(a.shape)}")
        if a.dtype != default_float:  # no values to tell an int64 tensor from a float one
            extras.append(f"dtype={t.dtype}")
    else:
        body = format_data(a, len("tensor("))
        if not PRINT_OPTS.edgeitems:  # the values are all "...": PyTorch names the shape
            extras.append(f"size={tuple(a.shape)}")
        if a.dtype not in (default_float, np.int64, np.bool_):
            extras.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name().rsplit('::', 1)[-1]}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    text = "tensor(" + body
    line = len(text) - text.rfind("\n") + 1  # PyTorch's count of the last line's length
    for extra in extras:  # on the same line while it fits in 80 columns, else on a new one
        # Measured as PyTorch prints it ("torch.float64"), so lines break where its do.
        size = len(extra.replace("tinygrad_nn.", "torch."))
        if line + size + 2 > PRINT_OPTS.linewidth:
            text += ",\n" + " " * len("tensor(") + extra
            line = len("tensor(") + size
        else:
            text += ", " + extra
            line += size + 2
    return text + ")"
