"""`repr(tensor)` in PyTorch's format: `tensor([1.0000, 2.5000], requires_grad=True)`.

Floats print with 4 decimals, or as `1.` when every value is a whole number, or in
scientific notation when the magnitudes span more than 1000x (or leave [1e-4, 1e8]).
Every element is padded to the widest one; big tensors are summarised with `...`.
"""

from __future__ import annotations

import numpy as np

_THRESHOLD, _EDGEITEMS, _LINEWIDTH = 1000, 3, 80


def _float_formatter(values: np.ndarray):
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0])
    sci = nonzero.size > 0 and (
        nonzero.max() / nonzero.min() > 1000.0 or nonzero.max() > 1e8 or nonzero.min() < 1e-4
    )
    whole = finite.size == 0 or bool(np.all(finite == np.round(finite)))
    if sci:
        return lambda v: f"{v:.4e}" if np.isfinite(v) else str(v)
    if whole:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    return lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)


def _summarised(a: np.ndarray) -> np.ndarray:
    """The values actually printed (edge items only for big tensors): they set the format."""
    if a.size <= _THRESHOLD:
        return a.ravel()
    for axis in range(a.ndim):
        if a.shape[axis] > 2 * _EDGEITEMS:
            head = np.take(a, range(_EDGEITEMS), axis=axis)
            tail = np.take(a, range(a.shape[axis] - _EDGEITEMS, a.shape[axis]), axis=axis)
            a = np.concatenate([head, tail], axis=axis)
    return a.ravel()


def format_data(a: np.ndarray, indent: int) -> str:
    """The bracketed values of `a`, continuation lines indented by `indent` spaces."""
    if a.dtype.kind == "f":
        fmt = _float_formatter(_summarised(a).astype(np.float64))
    elif a.dtype.kind == "b":
        fmt = lambda v: "True" if v else "False"  # noqa: E731
    else:
        fmt = lambda v: str(int(v))  # noqa: E731
    shown = _summarised(a)
    if a.dtype.kind == "f":  # PyTorch pads to the widest *finite* value; nan/inf stay short
        shown = shown[np.isfinite(shown)]
    width = max((len(fmt(v)) for v in shown), default=0)
    text = np.array2string(
        a,
        max_line_width=_LINEWIDTH,
        separator=", ",
        prefix=" " * indent,
        threshold=_THRESHOLD,
        edgeitems=_EDGEITEMS,
        formatter={"all": lambda v: fmt(v).rjust(width)},
    )
    # PyTorch pads the summary mark like an element: ",  ...," where NumPy writes ", ...,".
    return text.replace(", ...,", ",  ...,")


def tensor_repr(t) -> str:
    """PyTorch-style repr of a Tensor."""
    a = t._data
    extras = []
    if a.size == 0 and a.shape != (0,):
        body = "[]"
        extras.append(f"size={tuple(a.shape)}")
    else:
        body = format_data(a, len("tensor("))
    default = {"float32", "int64", "bool"}
    if a.dtype.name not in default:
        extras.append(f"dtype={t.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + extras) + ")"
