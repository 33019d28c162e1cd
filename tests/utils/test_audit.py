"""Differences from PyTorch found by auditing data and files against it, one test per fix.

Each test runs the same code on both libraries (`lib` is `torch` or `tinygrad_nn`) and
compares what comes out.
"""

from __future__ import annotations

import io

import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _round_trip(lib, obj):
    buffer = io.BytesIO()
    lib.save(obj, buffer)
    buffer.seek(0)
    return lib.load(buffer)


def test_parameters_come_back_as_parameters():
    def run(lib):
        model = lib.nn.Linear(2, 2)
        frozen = lib.nn.Parameter(lib.ones(1), requires_grad=False)
        loaded = _round_trip(
            lib,
            {
                "w": model.weight,
                "frozen": frozen,
                "plain": lib.ones(1, requires_grad=True),
                "sd": model.state_dict(keep_vars=True),
            },
        )
        return [
            (type(v).__name__, v.requires_grad)
            for v in (loaded["w"], loaded["frozen"], loaded["plain"], loaded["sd"]["bias"])
        ]

    assert run(tg) == run(torch)


def test_a_loaded_parameter_shares_nothing_with_the_saved_one():
    p = tg.nn.Parameter(tg.ones(2))
    loaded = _round_trip(tg, p)
    with tg.no_grad():
        loaded.mul_(3)
    assert p.tolist() == [1.0, 1.0]
    assert loaded.tolist() == [3.0, 3.0]
