"""The in-place error names the line that saved the tensor and the line that changed it."""

from __future__ import annotations

import os

import pytest

import tinygrad_nn as tg
from tinygrad_nn import autograd

torch = pytest.importorskip("torch")

HERE = os.path.basename(__file__)


def _line_of(marker: str) -> int:
    with open(__file__) as f:
        for number, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return number
    raise AssertionError(marker)


def _torch_message() -> str:
    a = torch.randn(3, requires_grad=True)
    h = a.sigmoid()
    h.mul_(2)
    with pytest.raises(RuntimeError) as info:
        h.sum().backward()
    return str(info.value)


def test_error_names_both_lines():
    a = tg.randn(3, requires_grad=True)
    with autograd.record_graph():
        h = a.sigmoid()  # saved here
        h.mul_(2)  # changed here
    with pytest.raises(RuntimeError) as info:
        h.sum().backward()
    message = str(info.value)
    assert message.startswith(
        "one of the variables needed for gradient computation has been "
        "modified by an inplace operation"
    )
    assert _torch_message().startswith(message[:80])
    saved, changed = _line_of("# saved here"), _line_of("# changed here")
    assert f"saved by SigmoidBackward0, created at {HERE}:{saved}: `h = a.sigmoid()" in message
    assert f"changed in place by mul_ at {HERE}:{changed}: `h.mul_(2)" in message
    assert "(version 0 -> 1)" in message


def test_anomaly_mode_also_records_the_saving_line():
    a = tg.randn(3, requires_grad=True)
    with autograd.detect_anomaly():
        h = a.exp()  # exp saves its output
        h += 1  # augmented assignment
        with pytest.raises(RuntimeError) as info:
            h.sum().backward()
    message = str(info.value)
    assert f"created at {HERE}:{_line_of('# exp saves')}" in message
    assert f"changed in place by += at {HERE}:{_line_of('# augmented')}" in message


def test_without_recording_both_lines_are_still_named():
    a = tg.randn(3, requires_grad=True)
    h = a.tanh()  # saved without recording
    h[0] = 5.0  # item assignment
    with pytest.raises(RuntimeError) as info:
        h.sum().backward()
    message = str(info.value)
    saved = _line_of("# saved without recording")
    assert f"saved by TanhBackward0, created at {HERE}:{saved}: `h = a.tanh()" in message
    assert "unknown line" not in message
    assert (
        f"changed in place by item assignment at {HERE}:{_line_of('# item assignment')}" in message
    )


def test_first_change_after_the_save_is_named_and_later_ones_counted():
    a = tg.randn(3, requires_grad=True)
    with autograd.record_graph():
        b = a * 1
        b.add_(1)  # before the save: not the culprit
        h = b.sigmoid()
        h.mul_(2)  # the culprit
        h.mul_(3)
    with pytest.raises(RuntimeError) as info:
        h.sum().backward()
    message = str(info.value)
    assert f"mul_ at {HERE}:{_line_of('# the culprit')}" in message
    assert "1 later in-place change(s)" in message


def test_change_under_no_grad_of_a_leaf_is_explained():
    w = tg.randn(3, requires_grad=True)
    loss = (w * w).sum()
    with tg.no_grad():
        w.sub_(0.1)  # like an optimizer step before backward
    with pytest.raises(RuntimeError, match="not recorded"):
        loss.backward()


def test_every_node_knows_its_line_and_set_record_locations_is_kept():
    from tinygrad_nn.autograd.function import observers
    from tinygrad_nn.debug.record import location_of, record_user_ops

    a = tg.randn(3, requires_grad=True)
    autograd.set_record_locations(True)  # older code may still call it: it changes nothing
    try:
        h = a.exp()  # located
    finally:
        autograd.set_record_locations(False)
    assert str(location_of(h.grad_fn)) == f"{HERE}:{_line_of('# located')}"
    assert "inputs" not in h.grad_fn.metadata  # check_graph still needs record_graph()
    assert [hook for hook in observers.on_create if hook is not record_user_ops] == []
    g = a.exp()  # located as well
    assert location_of(g.grad_fn).lineno == _line_of("# located as well")
    assert location_of(g.grad_fn).source == "g = a.exp()  # located as well"
