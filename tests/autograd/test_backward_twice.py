"""A second backward through a graph without `retain_graph` raises PyTorch's error exactly
where PyTorch's does, op by op: a node that saved something (a tensor, or a number operand
PyTorch wraps in a tensor: `x * 2`, `x / 2`) is freed by the first backward; a node that saved
nothing (`x + 2`, `x.sum()`, `-x`) runs again and the gradient accumulates."""

import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.ops.op_table import OPS

torch = pytest.importorskip("torch")

SCALARS = [2, 2.5, -1.0, 0]


def _variants():
    """(name, fn, arrays) for every row of the op table, and each binary row with a Python
    number as either operand."""
    rng = np.random.default_rng(0)
    out = []
    for op in OPS:
        arrays = op.sample_arrays(op.inputs[0], np.float64, rng)
        out.append((op.name, op.fn, arrays))
        if len(arrays) == 2:
            for s in SCALARS:
                out.append((f"{op.name}(x, {s})", lambda x, f=op.fn, s=s: f(x, s), arrays[:1]))
                out.append((f"{op.name}({s}, x)", lambda x, f=op.fn, s=s: f(s, x), arrays[:1]))
    return out


FAMILY = {  # the issue's examples and their spellings
    "x * 2": lambda x: x * 2,
    "x / 2": lambda x: x / 2,
    "2 * x": lambda x: 2 * x,
    "x * 2.5": lambda x: x * 2.5,
    "x.mul(2)": lambda x: x.mul(2),
    "x.div(2)": lambda x: x.div(2),
    "torch.mul(x, 2)": lambda x: _lib(x).mul(x, 2),
    "torch.div(x, 2)": lambda x: _lib(x).div(x, 2),
    "x.multiply(2)": lambda x: x.multiply(2),
    "x.true_divide(2)": lambda x: x.true_divide(2),
    "x * True": lambda x: x * True,
    "x.div(2, floor)": lambda x: x.div(2, rounding_mode="floor") + x,
    "x + 2": lambda x: x + 2,
    "x - 2": lambda x: x - 2,
    "2 - x": lambda x: 2 - x,
    "x.add(2, alpha=3)": lambda x: x.add(2, alpha=3),
    "-x": lambda x: -x,
    "x.sum()": lambda x: x.sum(),
    "x.mean()": lambda x: x.mean(),
    "x.lerp(e, 0.25)": lambda x: x.lerp(x.detach() + 1, 0.25),
    "(x * 2) + 1": lambda x: (x * 2) + 1,
    "where(x > 0, x, 0.)": lambda x: _lib(x).where(x > 0, x, 0.0),
    "x[range(3), [0, 1, 2]]": lambda x: x[range(3), [0, 1, 2]],
    "x[0, 1:]": lambda x: x[0, 1:],
    "x.scatter_add": lambda x: x.scatter_add(0, _lib(x).tensor([[0, 1, 2, 0]]), x[:1]),
    "x.index_add": lambda x: x.index_add(0, _lib(x).tensor([0, 2]), x[:2]),
    "einsum('ij->i')": lambda x: _lib(x).einsum("ij->i", x),
    "einsum('ij,ij->i')": lambda x: _lib(x).einsum("ij,ij->i", x, x.detach()),
}


def _lib(x):
    return torch if isinstance(x, torch.Tensor) else tg


def _second_backward(lib, fn, arrays):
    """'accumulates' (and the gradients after two backwards) or 'raises' (and the message)."""
    args = [lib.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(*args)
    out = out[0] if isinstance(out, tuple) else out
    loss = out.sum()  # SumBackward saves nothing: whether the graph is freed is the op's doing
    loss.backward()
    try:
        loss.backward()
    except RuntimeError as error:
        return "raises", str(error)
    return "accumulates", [a.grad.numpy() for a in args if a.grad is not None]


def _torch_runs(fn, arrays) -> bool:
    try:
        fn(*[torch.tensor(a) for a in arrays])
    except Exception:  # a number where PyTorch wants a tensor
        return False
    return True


CASES = [v for v in _variants() if _torch_runs(v[1], v[2])]


@pytest.mark.parametrize("name, fn, arrays", CASES, ids=[c[0] for c in CASES])
def test_op_table_second_backward_as_pytorch(name, fn, arrays):
    theirs = _second_backward(torch, fn, arrays)
    ours = _second_backward(tg, fn, arrays)
    assert ours[0] == theirs[0], f"{name}: PyTorch {theirs[0]}, we {ours[0]}"
    if ours[0] == "raises":
        assert ours[1] == theirs[1]
    else:
        for a, b in zip(ours[1], theirs[1]):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(FAMILY))
def test_family_second_backward_as_pytorch(name):
    data = [np.random.default_rng(3).uniform(-1, 1, (3, 4))]
    theirs = _second_backward(torch, FAMILY[name], data)
    ours = _second_backward(tg, FAMILY[name], data)
    assert ours[0] == theirs[0]
    if ours[0] == "raises":
        assert ours[1] == theirs[1]
    else:
        np.testing.assert_allclose(ours[1][0], theirs[1][0], rtol=1e-12)


def test_the_issues_example_raises_pytorchs_message():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(
        RuntimeError,
        match=r"^Trying to backward through the graph a second "
        r"time \(or directly access saved tensors after they have already "
        r"been freed\)",
    ):
        y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])  # the first backward's, only


@pytest.mark.parametrize(
    "name",
    [
        "x * 2",
        "x / 2",
        "where(x > 0, x, 0.)",
        "x.div(2, floor)",
        "x[range(3), [0, 1, 2]]",
        "x.scatter_add",
    ],
)
def test_retain_graph_keeps_the_number(name):
    results = []
    for lib in (tg, torch):
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
        y = FAMILY[name](x).sum()
        y.backward(retain_graph=True)
        y.backward()  # the graph was kept once: this one runs, then frees it
        with pytest.raises(RuntimeError, match="second time"):
            y.backward()
        results.append(x.grad.numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


@pytest.mark.parametrize("name", ["x * 2", "x / 2", "x[range(3), [0, 1, 2]]"])
def test_autograd_grad_frees_too(name):
    for lib in (tg, torch):
        x = lib.tensor(np.ones((3, 4)), requires_grad=True)
        y = FAMILY[name](x).sum()
        lib.autograd.grad(y, x)
        with pytest.raises(RuntimeError, match="second time"):
            lib.autograd.grad(y, x)


@pytest.mark.parametrize("name", ["x * 2", "x / 2", "where(x > 0, x, 0.)"])
def test_create_graph_path_frees_too(name):
    # create_graph=True runs the Tensor backward (not the array one), and keeps the graph
    # unless told otherwise, as in PyTorch
    for lib in (tg, torch):
        x = lib.tensor(np.linspace(0.5, 1, 12).reshape(3, 4), requires_grad=True)
        y = FAMILY[name](x).sum()
        lib.autograd.grad(y, x, create_graph=True)
        lib.autograd.grad(y, x, create_graph=True, retain_graph=False)
        with pytest.raises(RuntimeError, match="second time"):
            lib.autograd.grad(y, x)


def test_freed_number_is_gone_and_other_attributes_still_read():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    node = y.grad_fn
    assert node.scalar == 3
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        _ = node.scalar
    assert not hasattr(node, "no_such_attribute")
    assert node.name() == "MulBackward0"
