"""An error raised while a compiled program replays names the user's line that made the op."""

from __future__ import annotations

import traceback

import numpy as np
import pytest

import tinygrad_nn as tg

HERE = __file__


def _line_of(fn, text: str) -> int:
    """The line number of the first line of `fn` that contains `text`."""
    import inspect

    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


_DIVIDE = np.divide


def _divide_or_raise(a, b, *args, **kwargs):
    """np.divide, raising on a zero divisor: the library computes inf silently, as PyTorch,
    whatever NumPy's error state, so the tests make an error of their own."""
    if np.any(np.asarray(b) == 0):
        raise FloatingPointError("divide by zero encountered in divide")
    return _DIVIDE(a, b, *args, **kwargs)


def _raised(call, compiled=None, error=FloatingPointError):
    """The error `call` raises while np.divide refuses zero divisors, also in the programs
    of `compiled` (whose code binds NumPy's functions once, when it is generated)."""
    with pytest.MonkeyPatch.context() as patch, pytest.raises(error) as info:
        patch.setattr(np, "divide", _divide_or_raise)
        for program in compiled.programs if compiled is not None else ():
            for fn in (program.run, program.forward, program.backward):
                names = getattr(fn, "__globals__", {})
                for name in [k for k, v in names.items() if v is _DIVIDE]:
                    patch.setitem(names, name, _divide_or_raise)
        call()
    return info.value


def _frames(error) -> list:
    return [(f.filename, f.lineno, f.line) for f in traceback.extract_tb(error.__traceback__)]


def _assert_points_at(error, line: int, source: str) -> None:
    """The user's line comes right after the generated frame, and the note names it."""
    frames = _frames(error)
    generated = [i for i, f in enumerate(frames) if f[0].startswith("<tinygrad_nn.compile")]
    assert generated, frames
    after = frames[generated[-1] + 1]
    assert after[:2] == (HERE, line), frames
    assert source in after[2]
    assert f"{HERE}:{line}: {source}" in "\n".join(getattr(error, "__notes__", []))
    printed = "".join(traceback.format_exception(error))
    assert f'File "{HERE}", line {line}' in printed


def _divide(x, y):
    z = x * 2
    return (z / y).sum()


def test_forward_error_in_a_compiled_function_names_the_users_line():
    f = tg.compile(_divide)
    x = tg.ones(3)
    assert f(x, tg.ones(3)).item() == f(x, tg.ones(3)).item() == 6.0
    assert f.programs
    error = _raised(lambda: f(x, tg.tensor([1.0, 0.0, 2.0])), f)
    assert "divide by zero" in str(error)
    _assert_points_at(error, _line_of(_divide, "z / y"), "return (z / y).sum()")


def _sqrt_step(w):
    def step(x):
        loss = (x * w).sqrt().sum()
        loss.backward()
        return loss

    return step


def test_backward_error_in_a_compiled_step_names_the_forward_line():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    step = tg.compile(_sqrt_step(w))
    step(tg.ones(2))
    step(tg.ones(2))
    assert step.programs
    # sqrt(0) is fine forward; its gradient 1 / (2 sqrt(0)) divides by zero in backward
    error = _raised(lambda: step(tg.tensor([0.0, 1.0])), step)
    _assert_points_at(error, _line_of(_sqrt_step, ".sqrt()"), "loss = (x * w).sqrt().sum()")


class _Root(tg.nn.Module):
    def forward(self, x):
        y = x.sqrt()
        return y * 2


def test_backward_error_of_a_compiled_model_names_the_forward_line():
    model = tg.compile(_Root())

    def run(values):
        x = tg.tensor(values, requires_grad=True)
        model(x).sum().backward()
        return x.grad

    eager = _Root()
    x = tg.tensor([1.0, 4.0], requires_grad=True)
    eager(x).sum().backward()
    for _ in range(2):
        assert np.array_equal(run([1.0, 4.0]).numpy(), x.grad.numpy())
    error = _raised(lambda: run([0.0, 4.0]), model._compiled_call)
    _assert_points_at(error, _line_of(_Root.forward, "x.sqrt()"), "y = x.sqrt()")


def test_the_same_error_class_and_message_as_numpy_raised():
    f = tg.compile(_divide)
    f(tg.ones(3), tg.ones(3))
    compiled = _raised(lambda: f(tg.ones(3), tg.tensor([1.0, 0.0, 2.0])), f)
    expected = _raised(lambda: np.divide(np.ones(3), np.array([1.0, 0.0, 2.0])))
    assert type(compiled) is type(expected) and str(compiled) == str(expected)


def test_numpys_error_state_is_not_consulted_as_in_pytorch():
    f = tg.compile(_divide)
    y = tg.tensor([1.0, 0.0, 2.0])
    with np.errstate(all="raise"):
        eager = _divide(tg.ones(3), y)
        f(tg.ones(3), tg.ones(3))
        compiled = f(tg.ones(3), y)
    assert f.programs and eager.item() == compiled.item() == float("inf")


def test_a_broken_shape_names_the_users_line():
    w = tg.ones(3, 2)

    def f(x):
        return (x @ w).sum()

    f = tg.compile(f)
    f(tg.ones(4, 3))
    f(tg.ones(4, 3))
    assert f.programs
    w.data = tg.ones(5, 2)  # not an argument: its shape is not guarded
    error = _raised(lambda: f(tg.ones(4, 3)), f, (ValueError, RuntimeError))
    assert "x @ w" in "\n".join(getattr(error, "__notes__", []))
