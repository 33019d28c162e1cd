"""Each op states its backward rule once, in math; the debugging views read it from there."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import types
from types import SimpleNamespace

import tinygrad_nn as tg
from tinygrad_nn.autograd.function import Function
from tinygrad_nn.debug.trace import rule_of
from tinygrad_nn.viz.steps import rule_text

_TABLE_MODULE = """Two made-up ops.

| op     | forward        | dL/dx, with g = dL/dz | dL/dy     |
|--------|----------------|-----------------------|-----------|
| Scale  | x * s          | s * g                 |           |
| Hypot  | sqrt(x^2+y^2)  | g * x / z             | g * y / z |
"""


def _builtin_functions() -> list:
    """Every Function subclass defined in tinygrad_nn.ops (every module imported first)."""
    from tinygrad_nn import ops

    for info in pkgutil.iter_modules(ops.__path__):
        importlib.import_module(f"tinygrad_nn.ops.{info.name}")
    found, stack = [], [Function]
    while stack:
        for cls in stack.pop().__subclasses__():
            stack.append(cls)
            if cls.__module__.startswith("tinygrad_nn.ops."):
                found.append(cls)
    return found


def _node(cls):
    return SimpleNamespace(_fn=cls)


def test_every_builtin_op_states_its_rule():
    found = _builtin_functions()
    assert len(found) > 60
    missing = sorted(f"{cls.__module__}.{cls.__name__}" for cls in found
                     if not rule_of(_node(cls)).startswith("dL/d"))  # fmt: skip
    assert not missing, "ops whose docstring and table state no dL/d... rule: " + ", ".join(missing)


def test_the_docstring_comes_first_and_reads_as_one_line():
    class Cube(Function):
        """y = x^3, elementwise.   dL/dx = g * 3 x^2
        (three times the square)."""

    assert rule_of(_node(Cube)) == "dL/dx = g * 3 x^2 (three times the square)"
    mul = tg.ops.binary.Mul
    assert rule_of(_node(mul)) == "dL/dx = g * y,   dL/dy = g * x"
    assert rule_text(tg.tensor([2.0], requires_grad=True).mul(3.0).grad_fn) == rule_of(_node(mul))


def test_the_table_row_gives_the_rule_when_the_docstring_has_none():
    module = types.ModuleType("tests_made_up_ops", _TABLE_MODULE)
    sys.modules[module.__name__] = module
    try:
        scale = type("Scale", (), {"__module__": module.__name__, "__doc__": "z = x * s."})
        hypot = type("Hypot", (), {"__module__": module.__name__})
        other = type("Other", (), {"__module__": module.__name__})
        assert rule_of(_node(scale)) == "dL/dx = s * g"  # the empty dL/dy cell is left out
        assert rule_of(_node(hypot)) == "dL/dx = g * x / z,   dL/dy = g * y / z"
        assert "no rule stated" in rule_of(_node(other))
    finally:
        del sys.modules[module.__name__]
