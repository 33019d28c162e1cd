"""matmul of every rank records PyTorch's graph: dot, mv and mm as one node; other ranks as
PyTorch decomposes them (a vector on the left as a 1-row matrix, a stack folded into the rows
of one mm, through transposes when it is on the right, a single-matrix stack squeezed, else
expand + bmm), for each pattern of which operand requires grad; values and gradients too."""

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((2, 5, 2, 3), (5, 3, 4)),
    ((1, 1, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (1, 3, 4)),
    ((1, 2, 3), (3, 4)),
    ((3,), (1, 3, 4)),
    ((2, 3), (1, 3, 4)),
    ((1, 2, 3), (2, 5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)),
    ((5, 2, 3), (1, 3, 4)),
    ((4, 1, 2, 3), (5, 3, 1)),
    ((0, 2, 3), (3, 4)),
]


def _graph(node, depth=0) -> list:
    if node is None:
        return []
    lines = ["  " * depth + node.name().replace("torch::autograd::", "")]
    for child, _ in node.next_functions:
        lines += _graph(child, depth + 1)
    return lines


def _run(lib, shapes, needs):
    rng = np.random.default_rng(0)
    a, b = (lib.tensor(rng.standard_normal(s), requires_grad=n) for s, n in zip(shapes, needs))
    y = a @ b
    graph = _graph(y.grad_fn)
    y.sum().backward()
    grads = [None if t.grad is None else t.grad.numpy() for t in (a, b)]
    return graph, y.detach().numpy(), grads


@pytest.mark.parametrize("needs", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul_records_pytorchs_graph(shapes, needs):
    ours, theirs = _run(tg, shapes, needs), _run(torch, shapes, needs)
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12, atol=1e-12)
    for mine, expected in zip(ours[2], theirs[2]):
        assert (mine is None) == (expected is None)
        if mine is not None:
            np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-12)
