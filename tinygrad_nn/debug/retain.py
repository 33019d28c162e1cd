"""Every intermediate gradient, and a careful comparison of two of them.

A learner who derives dL/dh by hand for each hidden tensor `h` of a small network wants to
see what autograd got for each. PyTorch keeps `.grad` only on leaves unless every tensor
calls `retain_grad()`; inside `retain_grads()` every recorded op does it for its outputs:

    with autograd.retain_grads():
        h = x @ w
        loss = h.relu().sum()
    loss.backward()
    autograd.compare(my_dl_dh, h.grad)   # exact? allclose? max difference, worst index
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autograd.function import observers


def _retain_outputs(node, args, outputs) -> None:
    for out in outputs:
        if getattr(out, "grad_fn", None) is node:
            out.retain_grad()


class retain_grads:
    """Context manager: non-leaf tensors made inside it keep their `.grad` after backward.

    Backward may run inside or after the block. (An in-place op's result is the tensor it
    changed, which keeps its old retain setting.)
    """

    def __enter__(self):
        observers.on_create.append(_retain_outputs)
        return self

    def __exit__(self, *exc_info) -> bool:
        observers.on_create.remove(_retain_outputs)
        return False


@dataclass
class Comparison:
    """The outcome of `compare`: truthy when the two agree within the tolerances."""

    exact: bool  # same shape and bit-for-bit equal values
    allclose: bool  # |actual - expected| <= atol + rtol * |expected| everywhere
    max_abs_diff: float
    max_rel_diff: float  # |actual - expected| / |expected| at its largest
    worst_index: tuple | None  # where |actual - expected| is largest
    expected_value: float | None
    actual_value: float | None
    shapes: tuple  # (expected shape, actual shape)
    name: str = ""

    def __bool__(self) -> bool:
        return self.allclose

    def __str__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        if self.shapes[0] != self.shapes[1]:
            return f"{label}shape mismatch: expected {self.shapes[0]}, got {self.shapes[1]}"
        verdict = "exact" if self.exact else ("allclose" if self.allclose else "DIFFERENT")
        if self.exact or self.worst_index is None:
            return f"{label}{verdict}"
        return (
            f"{label}{verdict}; max difference {self.max_abs_diff:.3g} (relative "
            f"{self.max_rel_diff:.3g}) at index {self.worst_index}: expected "
            f"{self.expected_value!r}, got {self.actual_value!r}"
        )


def _array(x) -> np.ndarray:
    """An ndarray from our Tensor, a NumPy array, a number, or any array-like (a torch tensor)."""
    data = getattr(x, "_data", None)
    if isinstance(data, np.ndarray):
        return data
    if hasattr(x, "detach"):
        x = x.detach()
    return np.asarray(x)


def compare(
    expected,
    actual,
    *,
    rtol: float = 1e-5,
    atol: float = 1e-8,
    name: str = "",
    verbose: bool = True,
):
    """Compare two arrays/tensors (or dicts or lists of them) and print how they differ.

    Args:
        expected: the reference (e.g. a hand-derived gradient); tensors, arrays, numbers, or a
            dict / list of them, matched with `actual` by key / position.
        actual: what to check (e.g. `h.grad`).
        rtol, atol: the `allclose` tolerances (PyTorch's defaults).
        name: a label for the printed line.
        verbose: print the result (one line per pair).

    Returns:
        A `Comparison` (truthy when allclose), or a dict / list of them.
    """
    if isinstance(expected, dict):
        return {
            k: compare(v, actual[k], rtol=rtol, atol=atol, name=f"{name}{k}", verbose=verbose)
            for k, v in expected.items()
        }
    if (
        isinstance(expected, (list, tuple))
        and not isinstance(actual, np.ndarray)
        and len(expected)
        and not np.isscalar(expected[0])
    ):
        return [
            compare(e, a, rtol=rtol, atol=atol, name=f"{name}[{i}]", verbose=verbose)
            for i, (e, a) in enumerate(zip(expected, actual))
        ]
    result = _compare_arrays(_array(expected), _array(actual), rtol, atol, name)
    if verbose:
        print(result)
    return result


def _compare_arrays(e: np.ndarray, a: np.ndarray, rtol, atol, name) -> Comparison:
    shapes = (tuple(e.shape), tuple(a.shape))
    if shapes[0] != shapes[1]:
        return Comparison(False, False, float("inf"), float("inf"), None, None, None, shapes, name)
    e64, a64 = e.astype(np.float64), a.astype(np.float64)
    exact = bool(np.array_equal(e, a, equal_nan=True))
    close = bool(np.allclose(a64, e64, rtol=rtol, atol=atol, equal_nan=True))
    if e.size == 0:
        return Comparison(exact, close, 0.0, 0.0, None, None, None, shapes, name)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.abs(a64 - e64)
        both_nan = np.isnan(a64) & np.isnan(e64)
        diff = np.where(both_nan, 0.0, np.where(np.isnan(diff), np.inf, diff))
        rel = np.where(diff == 0, 0.0, diff / np.abs(e64))
    flat = int(np.argmax(diff))
    index = tuple(int(i) for i in np.unravel_index(flat, e.shape))
    return Comparison(
        exact,
        close,
        float(diff.max()),
        float(np.max(rel)),
        index,
        e64.reshape(-1)[flat].item(),
        a64.reshape(-1)[flat].item(),
        shapes,
        name,
    )
