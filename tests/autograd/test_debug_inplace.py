"""The in-place error names the line that saved the tensor and the line that changed it."""

from __future__ import annotations

import os

import pytest
import torch

import tinygrad_nn as tg
from tinygrad_nn import autograd

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
    assert message.startswith("one of the variables needed for gradient computation has been "
                              "modified by an inplace operation")  # fmt: skip
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


def test_without_recording_the_change_is_still_named():
    a = tg.randn(3, requires_grad=True)
    h = a.tanh()
    h[0] = 5.0  # item assignment
    with pytest.raises(RuntimeError) as info:
        h.sum().backward()
    message = str(info.value)
    assert "saved by TanhBackward0, created at an unknown line" in message
    assert "record_graph()" in message
    assert f"changed in place by item assignment at {HERE}:{_line_of('# item assignment')}" \
        in message  # fmt: skip


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


def test_set_record_locations_records_lines_only_while_on():
    from tinygrad_nn.autograd.function import _hooks
    from tinygrad_nn.autograd.record import is_recording_locations

    a = tg.randn(3, requires_grad=True)
    autograd.set_record_locations(True)
    try:
        h = a.exp()  # located
    finally:
        autograd.set_record_locations(False)
    metadata = h.grad_fn.metadata
    assert str(metadata["location"]) == f"{HERE}:{_line_of('# located')}"
    assert "inputs" not in metadata  # locations only: check_graph still needs record_graph()
    assert not is_recording_locations() and not _hooks.on_create
    assert "location" not in a.exp().grad_fn.metadata
