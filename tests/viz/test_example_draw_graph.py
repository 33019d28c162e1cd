"""examples/draw_graph.py draws the 2-3-2 network's training step, values and gradients included."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load():
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))  # for its `import _common`
    spec = importlib.util.spec_from_file_location("example_draw_graph", EXAMPLES / "draw_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_writes_an_svg_with_modules_values_grads_and_broadcasts(tmp_path, capsys):
    path = _load().main(["--out", str(tmp_path / "step.svg")])
    assert Path(path) == tmp_path / "step.svg"
    root = ET.parse(path).getroot()
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    for expected in [
        "Sequential",
        "0: Linear",
        "1: ReLU",
        "2: Linear",
        "0.weight",
        "2.bias",
        "Relu \u00b7 ReluBackward0",
        "loss",
        "grad 1",
        "sum over (0,)",
    ]:
        assert expected in texts, expected
    assert sum(t.startswith("data ") for t in texts) >= 12
    assert sum(t.startswith("grad ") for t in texts) >= 12
    out = capsys.readouterr().out
    assert "leaves that receive gradients:" in out
    assert "after backward: GraphSummary(" in out and "saved_bytes=0" in out
    assert "after one SGD step" in out
