"""Text for the views: shapes, values, gradients, and escaping for Graphviz record labels.

A tensor of at most 8 elements is shown in full (`[0.5, -1, 2]`); a bigger one as
`min / mean / max` over its finite entries, plus a count of NaN and inf - micrograd's
`data | grad` record, generalised to tensors.
"""

from __future__ import annotations

import numpy as np

SMALL = 8  # tensors with at most this many elements are printed in full


def shape_dtype(shape, dtype) -> str:
    """`(3, 4) float32`: what every tensor in every view is labelled with."""
    return f"{tuple(shape)} {np.dtype(dtype).name}"


def number(value) -> str:
    """One element, short: 4 significant digits for floats."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (complex, np.complexfloating)):
        return f"{value.real:.4g}{value.imag:+.4g}j"
    return f"{value:.4g}"


def nested(array: np.ndarray) -> str:
    """A small array on one line, e.g. `[[1, 2], [3, 4]]` (loop over rows, no recursion)."""
    if array.size == 0:
        return "[]"
    flat = [number(v) for v in array.reshape(-1).tolist()]
    for size in reversed(array.shape):  # group innermost dimension first
        flat = ["[" + ", ".join(flat[i : i + size]) + "]" for i in range(0, len(flat), size)]
    return flat[0]


def nonfinite_counts(array: np.ndarray) -> tuple[int, int]:
    """(number of NaN, number of +-inf) in `array`; (0, 0) for integer and bool arrays."""
    if array.dtype.kind not in "fc":
        return 0, 0
    return int(np.isnan(array).sum()), int(np.isinf(array).sum())


def has_nonfinite(array) -> bool:
    """True if `array` holds a NaN or an infinity (such tensors are outlined in red)."""
    return array is not None and array.dtype.kind in "fc" and not np.isfinite(array).all()


def summarize(array: np.ndarray) -> str:
    """The values of a small array, else min/mean/max of the finite ones and the bad count."""
    array = np.asarray(array)
    if array.size <= SMALL:
        return nested(array)
    nan, inf = nonfinite_counts(array)
    finite = array[np.isfinite(array)] if nan or inf else array
    if array.dtype.kind == "b":
        text = f"{int(array.sum())} of {array.size} True"
    elif finite.size == 0:
        text = "no finite values"
    else:
        values = finite.astype(np.float64) if finite.dtype.kind != "c" else finite
        text = (
            f"min {number(values.min())}  mean {number(values.mean())}  max {number(values.max())}"
        )
    bad = [f"{n} {what}" for n, what in ((nan, "nan"), (inf, "inf")) if n]
    return text + (" (" + ", ".join(bad) + ")" if bad else "")


def nbytes(n: int) -> str:
    """A byte count for people: `96 B`, `1.5 KiB`, `3.0 MiB`."""
    size, unit = float(n), "B"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"


_RECORD_SPECIAL = str.maketrans({c: "\\" + c for c in '{}|<>"'})


def escape(text: str) -> str:
    """Escape a field of a Graphviz record label: `{ } | < > "` and backslash are literal."""
    return str(text).replace("\\", "\\\\").translate(_RECORD_SPECIAL).replace("\n", "\\n")
