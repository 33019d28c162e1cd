"""One check shared by the edge-case parity tests: run the same function in both libraries.

`assert_matches_torch(fn, arrays)` builds leaves from `arrays` in tinygrad_nn and in PyTorch,
runs `fn(lib, *leaves)`, sends one random upstream gradient (never all ones: that would hide
transposes) back through the first output, and compares forward values, dtypes, shapes and the
gradients' values. It then runs the backward again with `create_graph=True`: the gradient
formulas recorded as a graph must give the plain backward's numbers to the bit.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def _outputs(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def run(lib, fn, arrays, upstream=None, seed=0, create_graph=False):
    """fn(lib, *leaves) and its backward: (forward outputs, leaf gradients) as NumPy arrays."""
    leaves = [lib.tensor(np.array(a, copy=True), requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    first = _first(out)
    if upstream is None:
        rng = np.random.default_rng(seed)
        upstream = rng.standard_normal(tuple(first.shape)).astype(np.dtype(arrays[0].dtype))
    first.backward(lib.tensor(upstream, dtype=first.dtype), create_graph=create_graph)
    outs = [o.detach().numpy() for o in _outputs(out)]
    return outs, [None if t.grad is None else t.grad.detach().numpy() for t in leaves]


def assert_same_bits(a: np.ndarray, b: np.ndarray, what: str = "") -> None:
    """Equal to the bit, nan and -0.0 included (assert_array_equal has -0.0 == 0.0)."""
    assert a.dtype == b.dtype and a.shape == b.shape, what
    word = f"u{a.itemsize}"
    np.testing.assert_array_equal(a.view(word), b.view(word), err_msg=what)


def assert_matches_torch(fn, arrays, seed=0, upstream=None, rtol=None, atol=None):
    """Forward outputs and gradients of `fn(lib, *leaves)` match PyTorch's (dtype, shape,
    values at the dtype's tolerance, nan where PyTorch has nan); the create_graph backward
    gives the plain backward's gradients bit for bit."""
    ours = run(tg, fn, arrays, upstream, seed)
    theirs = run(torch, fn, arrays, upstream, seed)
    for i, (a, b) in enumerate(zip(ours[0], theirs[0])):
        assert a.dtype == b.dtype, f"output {i}: dtype {a.dtype} != {b.dtype}"
        assert_close(a, b, rtol=rtol, atol=atol, what=f"output {i}")
    for i, (a, b) in enumerate(zip(ours[1], theirs[1])):
        assert (a is None) == (b is None), f"input {i}: gradient presence"
        if a is None:
            continue
        assert a.dtype == b.dtype, f"input {i}: gradient dtype {a.dtype} != {b.dtype}"
        assert_close(a, b, rtol=rtol, atol=atol, what=f"gradient of input {i}")
    recorded = run(tg, fn, arrays, upstream, seed, create_graph=True)[1]
    for i, (a, b) in enumerate(zip(ours[1], recorded)):
        assert (a is None) == (b is None), f"input {i}: create_graph gradient presence"
        if a is not None:
            assert_same_bits(a, b, f"input {i}: create_graph=True changed the gradient")
