"""reshape records what PyTorch records: a view of a contiguous tensor (ViewBackward0), a view
with other strides (ReshapeAliasBackward0), or a copy and a view of it (CloneBackward0, then
UnsafeViewBackward0, which is no view of the input); values and gradients the same."""

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

CASES = {
    "contiguous": (lambda x: x, (3, 8)),
    "transposed, split a dim": (lambda x: x.t(), (6, 2, 2)),
    "transposed, flattened": (lambda x: x.t(), (24,)),
    "sliced columns, kept": (lambda x: x[:, :2], (4, 2, 1)),
    "sliced columns, flattened": (lambda x: x[:, :2], (8,)),
    "strided rows": (lambda x: x[::2], (2, 3, 2)),
    "expanded": (lambda x: x[:1].expand(3, 6), (18,)),
}


def _graph(lib, make, shape):
    x = lib.tensor(np.arange(24.0).reshape(4, 6), requires_grad=True)
    source = make(x * 1)
    y = source.reshape(shape)
    chain, node = [], y.grad_fn
    while node is not None and "Accumulate" not in node.name():
        chain.append(node.name())
        node = node.next_functions[0][0]
    (y * lib.arange(float(y.numel())).reshape(shape)).sum().backward()
    return chain, y.detach().numpy(), x.grad.numpy(), y._base is None


@pytest.mark.parametrize("name", sorted(CASES))
def test_reshape_records_pytorchs_graph(name):
    make, shape = CASES[name]
    ours, theirs = _graph(tg, make, shape), _graph(torch, make, shape)
    assert ours[0] == theirs[0]
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[2], theirs[2])
    assert ours[3] == theirs[3]  # a copy's result is no view; a view's result is one
