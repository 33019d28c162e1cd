"""gradcheck's failure message prints plain numbers (`3.0`, `[2]`), never NumPy's reprs
(`np.float64(3.0)`, `np.int64(2)`), so it reads the same as the rest of the output."""

import re

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import GradcheckError, gradcheck


class WrongGradient(tg.autograd.Function):
    """y = 2 x, with a backward that claims dy/dx = 3 (to make gradcheck fail)."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 3


def _message(check, fn, x) -> str:
    with pytest.raises(GradcheckError) as info:
        check(fn, (x,))
    return str(info.value)


@pytest.mark.parametrize("shape", [(2,), (3, 4), ()])
def test_first_order_message_has_plain_numbers(shape):
    x = tg.tensor(np.linspace(0.5, 1.5, int(np.prod(shape))).reshape(shape), requires_grad=True)
    text = _message(gradcheck, WrongGradient.apply, x)
    assert "np." not in text and "float64(" not in text and "int64(" not in text
    found = re.search(
        r"worst entry: d\(output 0\)\[(\d+)\] / d\(input 0\)\[(\d+)\]: "
        r"analytical (\S+) vs numerical (\S+)",
        text,
    )
    assert found, text
    assert float(found.group(3)) == 3.0
    assert float(found.group(4)) == pytest.approx(2.0, rel=1e-6)


def test_not_a_number_prints_as_nan():
    class NanGradient(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * float("nan")

    x = tg.tensor([1.0], dtype=tg.float64, requires_grad=True)
    text = _message(gradcheck, NanGradient.apply, x)
    assert re.search(r"analytical nan vs numerical (1\.99999|2\.0)", text), text
