"""F.linear and multi-head attention record PyTorch's graph: a contiguous input of any rank
other than 2, with a bias, is folded into rows, run through one addmm and viewed back (a
non-contiguous one takes matmul + add); self-attention projects q, k, v with one linear and
splits the result as PyTorch does. Values and gradients match too."""

import collections

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

from tests.test_matmul_graph import _graph  # noqa: E402  (the graph drawn as indented names)


def _input(lib, shape, layout):
    data = np.random.default_rng(0).standard_normal(shape)
    if layout == "transposed":  # the same values, stored with the first two axes swapped
        return lib.tensor(data.swapaxes(0, 1).copy()).transpose(0, 1).requires_grad_()
    if layout == "sliced":  # every other row of the second-to-last axis
        return lib.tensor(np.repeat(data, 2, axis=-2))[..., ::2, :].requires_grad_()
    return lib.tensor(data, requires_grad=True)


CASES = [
    ((2, 3, 4), "contiguous"),
    ((2, 3, 2, 4), "contiguous"),
    ((4,), "contiguous"),
    ((3, 4), "contiguous"),
    ((0, 3, 4), "contiguous"),
    ((3, 2, 4), "transposed"),
    ((2, 3, 2, 4), "sliced"),
]


@pytest.mark.parametrize("shape, layout", CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_records_pytorchs_graph(shape, layout, bias):
    results = []
    for lib in (torch, tg):
        lib.manual_seed(0)
        layer = lib.nn.Linear(4, 5, bias=bias).double()
        x = _input(lib, shape, layout)
        y = layer(x)
        y.backward(lib.ones_like(y))
        grads = [p.grad.numpy() for p in layer.parameters()]
        results.append((_graph(y.grad_fn), y.detach().numpy(), x.grad.numpy(), grads))
    (graph_t, y_t, gx_t, gp_t), (graph_g, y_g, gx_g, gp_g) = results
    assert graph_g == graph_t
    np.testing.assert_allclose(y_g, y_t, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gx_g, gx_t, rtol=1e-12, atol=1e-12)
    for a, b in zip(gp_g, gp_t):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def _node_counts(lib, query_is_key: bool, key_is_value: bool, need_weights: bool):
    lib.manual_seed(0)
    attention = lib.nn.MultiheadAttention(8, 2, batch_first=True).double()
    x = lib.tensor(np.random.default_rng(1).standard_normal((3, 5, 8)), requires_grad=True)
    other = lib.tensor(np.random.default_rng(2).standard_normal((3, 5, 8)))
    key = x if query_is_key else other
    value = key if key_is_value else other * 2
    out, _ = attention(x, key, value, need_weights=need_weights)
    counts, seen, stack = collections.Counter(), set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        counts[node.name().replace("torch::autograd::", "")] += 1
        stack.extend(child for child, _ in node.next_functions)
    return counts, out.detach().numpy()


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize(
    "query_is_key, key_is_value", [(True, True), (False, True), (False, False)]
)
def test_attention_records_pytorchs_nodes(query_is_key, key_is_value, need_weights):
    counts_t, out_t = _node_counts(torch, query_is_key, key_is_value, need_weights)
    counts_g, out_g = _node_counts(tg, query_is_key, key_is_value, need_weights)
    np.testing.assert_allclose(out_g, out_t, rtol=1e-10, atol=1e-12)
    assert counts_g == counts_t


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (2, 0, 1, 3), (0, 2, 1, 3)])
def test_fused_attention_output_is_laid_out_like_the_query(order):
    # PyTorch's CPU kernel writes its output in the query's memory order (when batch and
    # heads fold into one axis); multi-head attention's permute back is then free.
    shape = (2, 3, 5, 4)
    rng = np.random.default_rng(0)
    stored = rng.standard_normal([shape[i] for i in order]).astype(np.float32)
    back = [order.index(i) for i in range(4)]
    k, v = rng.standard_normal((2, 2, 3, 6, 4)).astype(np.float32)
    outs = []
    for lib in (torch, tg):
        q = lib.from_numpy(stored.copy()).permute(*back).requires_grad_()
        out = lib.nn.functional.scaled_dot_product_attention(q, lib.tensor(k), lib.tensor(v))
        out.backward(lib.ones_like(out))
        outs.append((out.stride(), out.detach().numpy(), q.grad.numpy()))
    (stride_t, out_t, grad_t), (stride_g, out_g, grad_g) = outs
    assert stride_g == stride_t
    np.testing.assert_allclose(out_g, out_t, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad_g, grad_t, rtol=1e-5, atol=1e-6)
