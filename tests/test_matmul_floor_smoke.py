"""`benchmarks/matmul_floor.py` records every matrix product of a compiled step and replays
them with the same layouts. No timing here: the records are checked against the generated
program, the rebuilt operands against the records, and the replay runs once per library."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn
from benchmarks.compiled import _until_traced
from benchmarks.matmul_floor import make_operand, product_runner, record_products, time_products
from benchmarks.workloads import CASES

SMALL = {"W6": {"steps": 10}, "W7": {"length": 8}}


def _program_source(name: str) -> str:
    case = CASES[name]
    data = case.make_data(np.random.default_rng(0), **SMALL[name])
    step = tinygrad_nn.compile(case.lib_step(tinygrad_nn, data))
    _until_traced(step)
    return tinygrad_nn.compiler.code(step)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_product_of_the_program_is_recorded_once(name):
    products = record_products(name, **SMALL[name])
    # The program is straight-line code: each np.matmul line runs once per step.
    assert len(products) == _program_source(name).count("np.matmul(") > 0
    assert isinstance(np.matmul, np.ufunc)  # the recording wrapper is gone again


def test_recurrent_products_match_the_lstm():
    steps = SMALL["W6"]["steps"]
    products = record_products("W6", **SMALL["W6"])
    shapes = [(tuple(p["a"]["shape"]), tuple(p["b"]["shape"])) for p in products]
    # h_{t-1} @ W_hh^T at every time step of both layers (batch 32, hidden 64, 4 gates)
    assert shapes.count(((32, 64), (64, 256))) == 2 * steps
    assert {p["a"]["dtype"] for p in products} == {np.dtype(np.float32).str}


def test_rebuilt_operands_keep_shape_strides_and_dtype():
    base = np.arange(32 * 256, dtype=np.float32).reshape(32, 256)
    for view in (base, base.T, base[:, 64:128], base.reshape(4, 8, 256).transpose(1, 0, 2)):
        layout = {"shape": view.shape, "strides": view.strides, "dtype": view.dtype.str}
        rebuilt = make_operand(layout, np.random.default_rng(0))
        assert (rebuilt.shape, rebuilt.strides, rebuilt.dtype) == (
            view.shape,
            view.strides,
            view.dtype,
        )


def test_replay_agrees_between_numpy_and_torch():
    torch = pytest.importorskip("torch")
    products = record_products("W7", **SMALL["W7"])
    for p in products:
        a, b = (make_operand(p[k], np.random.default_rng(1)) for k in ("a", "b"))
        ours = np.matmul(a, b)
        np.testing.assert_allclose(
            torch.matmul(torch.from_numpy(a), torch.from_numpy(b)).numpy(),
            ours,
            rtol=1e-4,
            atol=1e-4,
        )
    for lib in ("numpy", "torch"):
        product_runner(products, lib)()  # runs every product, `out=` ones included


def test_timing_child_reports_a_median():
    pytest.importorskip("torch")
    products = record_products("W7", **SMALL["W7"])[:3]
    for lib in ("numpy", "torch"):
        result = time_products(products, lib, quick=True)
        assert "error" not in result and result["cpu_s"] > 0
