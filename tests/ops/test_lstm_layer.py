"""The LSTM layer as one op (ops/lstm_layer.py) against the per-step graph it replaces.

`nn.LSTM` without `proj_size` runs each layer and direction as one `LstmLayer` node; with
`proj_size` it still runs `lstm_fused_step` step by step. Both must give the same outputs,
states and gradients to rounding: the layer multiplies by a row-major copy of W_hh^T and
sums dL/dW_hh in one matmul over all steps, where the graph uses the transposed view and
adds per-step products. The op's own first and
second derivatives are checked against finite differences in float64, padded and packed,
forward and backward in time.
"""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck
from tinygrad_nn.nn.layers.rnn import _run_direction
from tinygrad_nn.nn.layers.rnn_cells import lstm_fused_step
from tinygrad_nn.ops.lstm_layer import LstmLayer

H = 2
SIZES = {"padded": [2, 2, 2], "packed": [3, 2, 2, 1]}


def _inputs(sizes, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)

    def t(*shape):
        return tg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)

    batch = max(sizes)
    return t(sum(sizes), 4 * H), t(batch, H), t(batch, H), t(4 * H, H), t(4 * H)


def _per_step(gi, h0, c0, w_hh, b_hh, sizes, reverse):
    """The same layer as a graph of per-step ops (what nn.LSTM runs with proj_size)."""
    steps, (h, c) = _run_direction(
        lstm_fused_step, gi.split(sizes), (h0, c0), (w_hh, b_hh, None), sizes, reverse
    )
    return tg.cat(steps), h, c


def _layer(gi, h0, c0, w_hh, b_hh, sizes, reverse):
    return LstmLayer.apply(gi, h0, c0, w_hh, b_hh, sizes, reverse)


def _loss(outputs, seed=1):
    rng = np.random.default_rng(seed)
    weights = [tg.tensor(rng.standard_normal(o.shape), dtype=o.dtype) for o in outputs]
    return sum((w * o).sum() for w, o in zip(weights, outputs))


@pytest.mark.parametrize("kind", SIZES)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_matches_the_per_step_graph(kind, reverse, dtype):
    sizes = SIZES[kind]
    results = []
    for run in (_layer, _per_step):
        inputs = _inputs(sizes, dtype)
        outputs = run(*inputs, sizes, reverse)
        grads = tg.autograd.grad(_loss(outputs), inputs)
        results.append(([o.detach().numpy() for o in outputs], [g.numpy() for g in grads]))
    (outs, grads), (ref_outs, ref_grads) = results
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(outs + grads, ref_outs + ref_grads):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("kind", SIZES)
@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_and_gradgradcheck(kind, reverse):
    sizes = SIZES[kind]

    def f(*inputs):
        return _layer(*inputs, sizes, reverse)

    assert gradcheck(f, _inputs(sizes))
    assert gradgradcheck(f, _inputs(sizes))


@pytest.mark.parametrize("used", [0, 1, 2])
def test_one_output_used(used):
    sizes = SIZES["packed"]

    def f(*inputs):
        return _layer(*inputs, sizes, False)[used]

    assert gradcheck(f, _inputs(sizes, seed=4))
    assert gradgradcheck(f, _inputs(sizes, seed=4))


def test_without_bias_and_with_inputs_that_need_no_gradient():
    gi, h0, c0, w_hh, _ = _inputs(SIZES["padded"])
    h0, c0 = h0.detach(), c0.detach()

    def f(gi, w_hh):
        return _layer(gi, h0, c0, w_hh, None, SIZES["padded"], False)

    assert gradcheck(f, (gi, w_hh))
    assert gradgradcheck(f, (gi, w_hh))


def test_one_node_named_as_pytorchs_cpu_kernel():
    out, h, c = _layer(*_inputs(SIZES["padded"], np.float32), SIZES["padded"], False)
    assert out.grad_fn is h.grad_fn is c.grad_fn
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0"


def _node_names(tensor) -> set:
    names, stack, seen = set(), [tensor.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(node.name())
        stack.extend(child for child, _ in node.next_functions)
    return names


def test_lstm_module_is_the_layer_op_unless_projected():
    out, _ = tg.nn.LSTM(2, 4, num_layers=2, bidirectional=True)(tg.randn(5, 3, 2))
    names = _node_names(out)
    assert "MkldnnRnnLayerBackward0" in names and "ThnnFusedLstmCellBackward0" not in names
    out, _ = tg.nn.LSTM(2, 4, proj_size=2)(tg.randn(5, 3, 2))
    names = _node_names(out)
    assert "ThnnFusedLstmCellBackward0" in names and "MkldnnRnnLayerBackward0" not in names
