"""Helpers for comparing a layer with its PyTorch twin.

A twin pair is the same layer built in both libraries with identical weights: PyTorch's
are copied into ours through `load_state_dict` from NumPy arrays (which also exercises
load_state_dict). `check_twins` then runs both on the same input and compares the output,
the input gradient and every parameter gradient, under a random upstream gradient (an
all-ones gradient would hide transposes).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import ATOL, assert_close

torch = pytest.importorskip("torch")


def copy_weights(ours, theirs) -> None:
    """Load the torch module's state into ours, through NumPy."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def to_torch(a: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
    t = torch.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(requires_grad) if t.is_floating_point() else t


def to_ours(a: np.ndarray, requires_grad: bool = False) -> tg.Tensor:
    t = tg.from_numpy(np.array(a, copy=True))
    return t.requires_grad_(requires_grad) if t.is_floating_point() else t


def run_pair(ours, theirs, x: np.ndarray, seed: int = 0, grad_input: bool = True):
    """Forward both on x and backward a shared random gradient; return both sides' results."""
    tx, px = to_ours(x, grad_input), to_torch(x, grad_input)
    out, pout = ours(tx), theirs(px)
    g = np.random.default_rng(seed).standard_normal(tuple(pout.shape)).astype(x.dtype)
    (out * to_ours(g)).sum().backward()
    (pout * to_torch(g)).sum().backward()
    return (out, tx), (pout, px)


def assert_close_scaled(actual, expected, what: str = "") -> None:
    """assert_close at the dtype's tolerances, with atol scaled by the array's largest value.

    A gradient entry is a sum of many products; BLAS and PyTorch add them in a different
    order than NumPy, so the rounding error is relative to the size of the terms, not of
    the (possibly cancelled) sum. Scaling atol by max|expected| states exactly that.
    """
    expected = np.asarray(expected)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    atol = ATOL[expected.dtype.type] * scale
    assert_close(actual, expected, atol=atol, what=what)


def check_twins(ours, theirs, x: np.ndarray, grad_input: bool = True):
    """Same output, input gradient and parameter gradients (tolerances from x's dtype)."""
    (out, tx), (pout, px) = run_pair(ours, theirs, x, grad_input=grad_input)
    assert_close_scaled(out.detach().numpy(), pout.detach().numpy(), what="output")
    if grad_input:
        assert_close_scaled(tx.grad.numpy(), px.grad.numpy(), what="input grad")
    theirs_params = dict(theirs.named_parameters())
    names = [name for name, _ in ours.named_parameters()]
    assert names == list(theirs_params), "parameter names differ"
    for name, p in ours.named_parameters():
        assert_close_scaled(p.grad.numpy(), theirs_params[name].grad.numpy(), f"{name}.grad")
    return out, pout
