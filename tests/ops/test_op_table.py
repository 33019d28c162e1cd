"""Every op of the op table: finite differences (float64), second derivatives, PyTorch parity
(float32 and float64: values, result dtype and the gradient of every input), and no graph
under no_grad."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.ops.op_table import OPS
from tests.tolerances import assert_close
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")


def _first_tensor(out):
    return out[0] if isinstance(out, (tuple, list)) else out


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_gradcheck(op):
    rng = np.random.default_rng(0)
    for args in op.sample_inputs(tg, np.float64, rng):
        assert gradcheck(op.fn, args)
        if op.gradgrad:
            assert gradgradcheck(op.fn, args)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_matches_torch(op, dtype):
    rng = np.random.default_rng(1)
    for shapes in op.inputs:
        arrays = op.sample_arrays(shapes, dtype, rng)
        ours = [tg.tensor(a, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        out, expected = _first_tensor(op.fn(*ours)), _first_tensor(op.fn(*theirs))
        assert str(out.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
        assert_close(
            out.detach().numpy(), expected.detach().numpy(), dtype, what=f"{op.name} forward"
        )
        upstream = rng.standard_normal(tuple(expected.shape)).astype(dtype)
        out.backward(tg.tensor(upstream))
        expected.backward(torch.tensor(upstream))
        for i, (a, b) in enumerate(zip(ours, theirs)):
            if b.grad is None:
                assert a.grad is None or not np.any(a.grad.numpy()), f"{op.name} input {i}"
                continue
            assert a.grad is not None, f"{op.name}: no gradient for input {i}"
            assert_close(a.grad.numpy(), b.grad.numpy(), dtype, what=f"{op.name} grad {i}")


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_no_graph_under_no_grad(op):
    rng = np.random.default_rng(2)
    for args in op.sample_inputs(tg, np.float32, rng):
        with tg.no_grad():
            out = _first_tensor(op.fn(*args))
        assert out.grad_fn is None and not out.requires_grad
