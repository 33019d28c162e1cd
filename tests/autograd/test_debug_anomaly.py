"""Anomaly mode: PyTorch's error at the first NaN gradient, plus where the NaN began and the
`where` trap explained."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd
from tinygrad_nn.debug.anomaly import AnomalyError, forward_origin
from tinygrad_nn.debug.record import location_of

torch = pytest.importorskip("torch")

HERE = os.path.basename(__file__)


def _line_of(marker: str) -> int:
    with open(__file__) as f:
        for number, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return number
    raise AssertionError(marker)


def _torch_error(build) -> str:
    """The message PyTorch's anomaly mode raises for the same program."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.autograd.detect_anomaly(), pytest.raises(RuntimeError) as info:
            build(torch).backward()
    return str(info.value)


def _nested_sqrt(lib):
    x = lib.tensor([1.0], requires_grad=True)
    a = (x - 2).sqrt()  # first sqrt
    y = a.sqrt()  # second sqrt
    return y.sum()


def test_origin_of_nan_is_the_first_sqrt():
    with autograd.detect_anomaly(), pytest.raises(RuntimeError) as info:
        _nested_sqrt(tg).backward()
    message = str(info.value)
    first_line = message.splitlines()[0]
    assert first_line == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert first_line == _torch_error(_nested_sqrt)
    # The node that raised is the second sqrt (backward reaches it first) ...
    assert str(location_of(info.value.node)) == f"{HERE}:{_line_of('# second sqrt')}"
    # ... but the origin is the first: finite input -1, nan output.
    origin = info.value.origin
    assert str(origin.location) == f"{HERE}:{_line_of('# first sqrt')}"
    assert origin.op == "SqrtBackward0" and origin.index == (0,)
    assert f"began in the forward pass at SqrtBackward0 at {origin.location}" in message
    assert "input value -1.0" in message
    assert forward_origin() is origin
    assert "Traceback of forward call" in message


def _where_sqrt(lib):
    x = lib.tensor([-1.0, 4.0], requires_grad=True)
    return lib.where(x > 0, x.sqrt(), x).sum()  # the where


def test_where_trap_names_sqrt_and_the_mask():
    with autograd.detect_anomaly(), pytest.raises(AnomalyError) as info:
        _where_sqrt(tg).backward()
    message = str(info.value)
    assert message.splitlines()[0] == _torch_error(_where_sqrt).splitlines()[0]
    assert message.startswith("Function 'SqrtBackward0' returned nan values")
    assert "`where` trap" in message
    assert f"where() at {HERE}:{_line_of('# the where')}" in message
    assert "the condition is False: at index (0,)" in message
    assert "torch.where(x > 0, torch.where(x > 0, x, 1).sqrt(), 0)" in message
    assert info.value.mask.op == "where"


def test_where_trap_through_more_ops_and_at_a_finite_forward():
    # sqrt(0) = 0 is finite, but 0 * (1 / (2 * 0)) is nan; a Mul sits between sqrt and where.
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly(), pytest.raises(AnomalyError) as info:
        tg.where(x > 0, x.sqrt() * 2, x).sum().backward()
    message = str(info.value)
    assert "SqrtBackward0" in message and "`where` trap" in message
    assert info.value.origin is None  # nothing was non-finite in forward


def test_masked_fill_trap():
    x = tg.tensor([0.0, 4.0], requires_grad=True)  # log(0) = -inf, its slope 1/0 too
    with autograd.detect_anomaly(), pytest.raises(AnomalyError) as info:
        x.log().masked_fill(x <= 0, 0.0).sum().backward()
    message = str(info.value)
    assert message.startswith("Function 'LogBackward0' returned nan values")
    assert "masked_fill()" in message and "the mask is True" in message


def test_the_double_where_fix_works():
    x = tg.tensor([-1.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly():
        safe = tg.where(x > 0, x, 1.0)
        tg.where(x > 0, safe.sqrt(), x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.25])


def test_no_trap_claimed_when_the_nan_is_selected():
    x = tg.tensor([-1.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly(), pytest.raises(AnomalyError) as info:
        tg.where(x < 10, x.sqrt(), x).sum().backward()  # the nan is used, not discarded
    assert info.value.mask is None and "`where` trap" not in str(info.value)


def test_inf_gradients_do_not_raise_like_pytorch():
    for lib in (tg, torch):
        x = lib.tensor([0.0, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                x.sqrt().sum().backward()
        assert np.isinf(x.grad.numpy()[0])


def test_an_inf_loss_raises_nothing_but_a_warning_names_its_origin():
    x = tg.tensor([0.0, 2.0], requires_grad=True)
    with autograd.detect_anomaly():
        loss = x.log().sum()  # an inf loss
        with pytest.warns(RuntimeWarning) as caught:
            loss.backward()  # the warning points here
    (warning,) = [w for w in caught if "anomaly mode" in str(w.message)]
    message = str(warning.message)
    assert "backward runs through SumBackward0" in message
    assert (
        f"began in the forward pass at LogBackward0 at {HERE}:{_line_of('# an inf loss')}"
        in message
    )
    assert "produced -inf at index (0,)" in message
    assert os.path.basename(warning.filename) == HERE
    assert warning.lineno == _line_of("# the warning points here")
    assert np.isinf(x.grad.numpy()[0])  # PyTorch's result: no error, an inf gradient
    with autograd.detect_anomaly(), warnings.catch_warnings():  # entering warns, as PyTorch's
        warnings.simplefilter("error")  # a finite loss warns nothing
        x.exp().sum().backward()
    with autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a NaN loss: the error says it all
        with pytest.raises(AnomalyError, match="began in the forward pass"):
            _nested_sqrt(tg).backward()


def test_nan_from_a_constant_input_is_traced_to_it():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([float("nan"), 1.0])
    with autograd.detect_anomaly(), pytest.raises(AnomalyError) as info:
        (x * c).exp().sum().backward()
    assert "already held non-finite values" in str(info.value)


def test_anomaly_mode_off_again_and_set_detect_anomaly():
    assert not autograd.is_anomaly_enabled()
    with autograd.set_detect_anomaly(True):
        assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()
    autograd.set_detect_anomaly(True)  # the plain call switches it on, as in PyTorch
    try:
        assert autograd.is_anomaly_enabled()
    finally:
        autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()
    x = tg.tensor([-1.0], requires_grad=True)
    x.sqrt().sum().backward()  # no anomaly mode: nan gradient, no error
    assert np.isnan(x.grad.numpy()[0])
