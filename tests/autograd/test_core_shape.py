"""The shape of the core that a learner reads (issue 14): its size, one derivative per op, and
the behaviours that moved when the array pass went away."""

from __future__ import annotations

import copy
import inspect
import pathlib

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import engine, function
from tinygrad_nn.autograd.observers import site_line

PACKAGE = pathlib.Path(tg.__file__).parent


def _lines(relative: str) -> int:
    return len((PACKAGE / relative).read_text().splitlines())


def test_the_core_reads_in_one_sitting():
    core = ["autograd/function.py", "autograd/engine.py", "autograd/grad_mode.py"]
    assert sum(_lines(path) for path in core) <= 450
    assert len(inspect.getsource(engine.run_backward).splitlines()) <= 40


def test_tensor_py_is_a_table_of_contents_and_no_module_is_long():
    assert _lines("tensor.py") <= 1000
    sizes = {p.relative_to(PACKAGE).as_posix(): len(p.read_text().splitlines())
             for p in PACKAGE.rglob("*.py")}  # fmt: skip
    assert {path: n for path, n in sizes.items() if n > 600 and path != "tensor.py"} == {}


def test_each_derivative_is_written_once():
    sources = [p.read_text() for p in PACKAGE.rglob("*.py")]
    assert not any("array_backward" in s for s in sources)
    ops = [cls for cls in _subclasses(function.Function) if not cls._user_op]
    assert len(ops) > 100
    assert [cls.__name__ for cls in ops if "rule" in cls.__dict__] == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_saved_tensors_are_tensors_in_every_backward():
    seen = []

    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x._data**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            seen.append((type(x).__name__, type(grad).__name__, tg.is_grad_enabled()))
            return 3 * x * x * grad

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    (g,) = tg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert seen == [("Tensor", "Tensor", False), ("Tensor", "Tensor", True)]
    assert g.grad_fn is not None and np.array_equal(g.detach().numpy(), [3.0, 12.0])


def test_a_deep_copy_of_a_leaf_gets_its_own_gradients():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        w = lib.ones(3, requires_grad=True)
        (w * 2).sum().backward()
        w2 = copy.deepcopy(w)
        (w2 * 3).sum().backward()
        results.append((w.grad.tolist(), w2.grad.tolist()))
    assert results[0] == results[1] == ([2.0, 2.0, 2.0], [5.0, 5.0, 5.0])


def test_every_recorded_node_knows_the_users_line():
    x = tg.ones(3, requires_grad=True)
    y = x * 2  # the line the node must name
    code, line = site_line(y.grad_fn._site)
    assert code.co_filename == __file__
    assert line == inspect.currentframe().f_lineno - 3


@pytest.mark.parametrize("options", [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True}])
def test_sgd_moves_each_parameters_version_once_per_step_as_pytorch(options):
    torch = pytest.importorskip("torch")
    versions = []
    for lib in (tg, torch):
        w = lib.nn.Parameter(lib.ones(3))
        opt = lib.optim.SGD([w], lr=0.1, weight_decay=0.01, **options)
        seen = []
        for _ in range(3):
            (w * w).sum().backward()
            before = w._version
            opt.step()
            seen.append(w._version - before)
        versions.append(seen)
    assert versions[0] == versions[1] == [1, 1, 1]
