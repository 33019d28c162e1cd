"""The passes of `compiler/optimize.py` that share work between lines: common subexpressions,
dead temporaries reused as outputs, transposed matrices copied once for BLAS. Each must keep
eager mode's bits, and never let two arrays that eager mode kept apart share memory where a
write could show it."""

from __future__ import annotations

import numpy as np

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits


def _same_as_eager(fn, make_args, calls: int = 3):
    """Run `fn` eagerly and compiled on fresh arguments; outputs and arguments must agree."""
    compiled = tg.compile(fn)
    for _ in range(calls):
        eager_args, args = make_args(), make_args()
        expected, got = fn(*eager_args), compiled(*args)
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = got if isinstance(got, tuple) else (got,)
        assert_same_bits([t.detach().numpy() for t in expected + eager_args],
                         [t.detach().numpy() for t in got + args])  # fmt: skip
    assert compiled.programs, compiled.eager_reason
    return tg.compiler.code(compiled)


def _randn(*shapes):
    def make():
        gen = tg.Generator().manual_seed(0)
        return tuple(tg.randn(*s, generator=gen) for s in shapes)

    return make


def test_a_product_computed_twice_runs_once():
    def f(x, w):
        return (x @ w.t()).tanh() + (x @ w.t()).tanh()

    source = _same_as_eager(f, _randn((4, 3), (5, 3)))
    assert source.count("np.matmul(") == 1 and source.count("np.tanh(") == 1


def test_an_operand_written_in_between_is_computed_again():
    def f(x):
        a = x * 2.0
        x.mul_(3.0)
        b = x * 2.0
        return a + b

    source = _same_as_eager(f, _randn((4,)))
    assert source.count("np.multiply(") >= 2


def test_equal_results_handed_out_stay_two_arrays():
    compiled = tg.compile(lambda x: (x * 2.0, x * 2.0))
    x = tg.randn(3)
    for _ in range(3):
        a, b = compiled(x)
    a.add_(1.0)
    assert np.array_equal(b.numpy(), (x * 2.0).numpy())


def test_a_dead_temporary_holds_the_next_result():
    def f(x):
        return ((x * 2.0) + 1.0) * 3.0

    source = _same_as_eager(f, _randn((4, 5)))
    assert "out=(" in source and source.count("np.empty") == 0


def test_a_temporary_whose_view_is_returned_is_not_overwritten():
    def f(x):
        a = x * 2.0
        v = a.view(-1)
        b = a + 1.0
        return v, b

    _same_as_eager(f, _randn((4, 5)))


def test_a_transposed_weight_read_by_many_products_is_copied_once():
    def f(h, w):
        for _ in range(4):
            h = (h @ w.t()).tanh()
        return h

    source = _same_as_eager(f, _randn((8, 16), (16, 16)))
    assert source.count("np.ascontiguousarray(") == 1


def test_a_transposed_weight_written_between_its_products_is_read_in_place():
    def f(h, w):
        a = h @ w.t()
        w.mul_(0.5)
        return (a @ w.t()) @ w.t()

    source = _same_as_eager(f, _randn((8, 16), (16, 16)))
    assert "np.ascontiguousarray(" not in source


def test_temporaries_of_a_kilobyte_are_freed_after_their_last_use():
    def f(x):
        return ((x.exp() + 1.0).log() * 2.0).sum()

    assert "del " in _same_as_eager(f, _randn((16, 32)))  # 2 KB arrays
    assert "del " not in _same_as_eager(f, _randn((3,)))  # 12 bytes: left to the return


def test_an_equal_result_written_in_place_later_is_its_own_array():
    def f(x):
        a = x * 2.0
        b = x * 2.0
        b.add_(1.0)
        return a + b

    _same_as_eager(f, _randn((4,)))


def test_equal_results_handed_out_through_views_stay_two_arrays():
    compiled = tg.compile(lambda x: ((x * 2.0).view(-1), (x * 2.0).view(-1)))
    x = tg.randn(2, 3)
    for _ in range(3):
        a, b = compiled(x)
    a.add_(1.0)
    assert np.array_equal(b.numpy(), (x * 2.0).view(-1).numpy())
