"""The cheaper spellings of the same NumPy calls (compiler/spellings.py, and ReLU's backward
where that optimize.py writes into a dead operand): which lines they rewrite, which they
must leave alone, and that the two spellings give the same bits."""

from __future__ import annotations

import operator

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.compiler.helpers import check_both
from tinygrad_nn import nn
from tinygrad_nn.compiler import spellings
from tinygrad_nn.compiler.optimize import optimize
from tinygrad_nn.compiler.record import Line, Recorder


def _line(source: str, defines=(), uses=()) -> Line:
    line = Line.__new__(Line)
    line.source, line.defines, line.uses = source, tuple(defines), set(uses)
    line.writes, line.effect, line.comment, line.site = (), False, "", None
    line.copy_of = line.alias_of = line.copy_into = None
    line.exact = False
    return line


def _recorder(**objects) -> Recorder:
    rec = Recorder()
    rec.objects.update(objects)
    return rec


def _sources(lines: list) -> list:
    return [line.source for line in lines]


def test_a_reduction_reshaped_to_drop_its_kept_dims_keeps_none():
    rec = _recorder(t6=np.zeros((1, 3)), t7=np.zeros(3))
    lines = [
        _line("t6 = np.add.reduce(g, axis=0, keepdims=True)", ["t6"], ["g"]),
        _line("t7 = t6.reshape((3,))", ["t7"], ["t6"]),
        _line("t8 = np.exp(t7)", ["t8"], ["t7"]),
    ]
    out = spellings.respell(rec, lines, {"t8"})
    assert _sources(out) == ["t7 = np.add.reduce(g, axis=0)", "t8 = np.exp(t7)"]


@pytest.mark.parametrize(
    "kept, reshaped, axis, also_read",
    [
        ((1, 1, 5), (5,), "0", False),  # dim 1 was not reduced: the reshape drops more
        ((1, 1), (1,), "(0, 1)", False),  # all dims reduced: the result would be a scalar
        ((1, 3), (3,), "0", True),  # the kept-dims array is read elsewhere too
    ],
)
def test_other_reductions_stay_as_recorded(kept, reshaped, axis, also_read):
    rec = _recorder(t6=np.zeros(kept), t7=np.zeros(reshaped))
    lines = [
        _line(f"t6 = np.add.reduce(g, axis={axis}, keepdims=True)", ["t6"], ["g"]),
        _line(f"t7 = t6.reshape({reshaped})", ["t7"], ["t6"]),
    ]
    if also_read:
        lines.append(_line("t8 = np.exp(t6)", ["t8"], ["t6"]))
    assert spellings.respell(rec, lines, {"t7", "t8"}) == lines


def test_operators_replace_ufunc_calls_on_numpy_scalars_only():
    rec = _recorder(
        t14=np.zeros((), np.uint64),
        t20=np.zeros((), np.float32),
        t30=np.zeros((), np.float16),
        t40=np.zeros(3, np.float32),
    )
    rec.scalar_vars |= {"t14", "t20", "t30"}
    rec.namespace["_k1"] = np.float32(4.0)
    rec.namespace["_k2"] = np.zeros(3, np.float32)
    lines = [
        _line("t15 = np.less(t14, 2)", ["t15"], ["t14"]),
        _line("t21 = np.divide(t20, _k1)", ["t21"], ["t20"]),
        _line("t22 = np.multiply(t20, t20)", ["t22"], ["t20"]),
        _line("t31 = np.divide(t30, 3.0)", ["t31"], ["t30"]),  # float16: left alone
        _line("t41 = np.add(t40, 1.0)", ["t41"], ["t40"]),  # an array
        _line("t42 = np.add(t20, t40)", ["t42"], ["t20", "t40"]),  # an array on the right
        _line("t43 = np.add(t20, _k2)", ["t43"], ["t20"]),  # an array constant
        _line("t44 = np.exp(t20)", ["t44"], ["t20"]),  # no operator
    ]
    out = spellings.respell(rec, lines, set())
    assert _sources(out) == [
        "t15 = t14 < 2",
        "t21 = t20 / _k1",
        "t22 = t20 * t20",
        *_sources(lines[3:]),
    ]


# symbol -> (what `a <symbol> b` calls, the ufunc the trace recorded)
_OPS = {"+": (operator.add, np.add), "-": (operator.sub, np.subtract),
        "*": (operator.mul, np.multiply), "/": (operator.truediv, np.divide),
        "<": (operator.lt, np.less), "<=": (operator.le, np.less_equal),
        ">": (operator.gt, np.greater), ">=": (operator.ge, np.greater_equal),
        "==": (operator.eq, np.equal), "!=": (operator.ne, np.not_equal)}  # fmt: skip
_VALUES = [0.0, -0.0, 1.0, -2.5, 1e-40, 3.4e38, np.inf, -np.inf, np.nan, 0.1, 7.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("symbol", sorted(_OPS))
def test_the_operator_gives_the_ufunc_bits_and_type(dtype, symbol):
    spelled, ufunc = _OPS[symbol]
    with np.errstate(all="ignore"):
        for a in _VALUES:
            for b in [*_VALUES, 3, -1, 2**60 + 1, 0.3, dtype(0.3), np.float64(0.3),
                      np.float32(0.3), np.int64(2**60 + 1)]:  # fmt: skip
                left = dtype(a)
                mine = spelled(left, b)  # `left <symbol> b`, as the rewrite writes it
                theirs = ufunc(left, b)
                assert type(mine) is type(theirs)
                assert np.asarray(mine).tobytes() == np.asarray(theirs).tobytes()


@pytest.mark.parametrize("dtype", [np.uint64, np.int64, np.int32])
@pytest.mark.parametrize("symbol", ["<", "<=", ">", ">=", "==", "!="])
def test_integer_comparisons_agree_too(dtype, symbol):
    spelled, ufunc = _OPS[symbol]
    info = np.iinfo(dtype)
    for a in [0, 1, 5, info.max, info.min]:
        for b in [0, 1, -1, 2**63, 2**64, -(2**63), 2**70, 0.5, np.int64(3), np.uint64(3)]:
            left = dtype(a)
            mine, theirs = spelled(left, b), ufunc(left, b)
            assert type(mine) is type(theirs) and mine == theirs


def test_a_compiled_classifier_step_uses_both_spellings_and_the_same_bits():
    def make():
        tg.manual_seed(3)
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        x, y = tg.randn(5, 4), tg.randint(0, 3, (5,))
        opt = tg.optim.SGD(model.parameters(), lr=0.1)

        def step():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        return step, model

    step = check_both(make, steps=4)
    source = tg.compiler.code(step)
    assert " < 3" in source  # the target check: np.less on a NumPy scalar, as eager wrote it
    assert "keepdims=True)  # backward · AddmmBackward" not in source  # bias gradients


def _where_lines(also_read_x: bool) -> list:
    lines = [
        _line("t33 = np.matmul(a, b)", ["t33"], ["a", "b"]),
        _line("t37 = np.less_equal(h, c1)", ["t37"], ["h", "c1"]),
        _line("t38 = np.where(t37, c1, t33)", ["t38"], ["t37", "c1", "t33"]),
        _line("t39 = np.exp(t38)", ["t39"], ["t38"]),
    ]
    if also_read_x:
        lines.append(_line("t40 = np.exp(t33)", ["t40"], ["t33"]))
    return lines


@pytest.mark.parametrize(
    "case", ["dead", "read later", "mask broadcast", "other layout", "array fill"]
)
def test_relu_backward_where_writes_into_a_dead_operand_only(case):
    x = np.zeros((4, 3), np.float32, order="F" if case == "other layout" else "C")
    rec = _recorder(
        t33=x,
        t37=np.zeros(3 if case == "mask broadcast" else (4, 3), bool),
        c1=np.zeros((4, 3) if case == "array fill" else (), np.float32),
        t38=np.zeros((4, 3), np.float32),
        t39=np.zeros((4, 3), np.float32),
        t40=np.zeros((4, 3), np.float32),
    )
    lines = _where_lines(also_read_x=case == "read later")
    out = optimize(rec, lines, {"t39", "t40"})
    rewritten = "np.putmask(t33, t37, c1)" in _sources(out)
    assert rewritten == (case == "dead")
    if rewritten:
        assert "t38 = t33" in _sources(out) and "t33" in rec.mutated


def test_putmask_fills_as_where_picks():
    rng = np.random.default_rng(0)
    for shape, order in [((64, 30), "C"), ((5, 3), "F"), ((2, 3, 4), "C")]:
        g = np.asarray(rng.standard_normal(shape), np.float32, order=order)
        mask = rng.standard_normal(shape) < 0
        fill = np.zeros((), np.float32)
        expected = np.where(mask, fill, g)
        np.putmask(g, mask, fill)
        assert g.tobytes(order="A") == np.asarray(expected, order=order).tobytes(order="A")
