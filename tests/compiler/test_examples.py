"""The compile lesson runs and says what it promises; the examples' bigger networks compile."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits
from tinygrad_nn import nn

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str):
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compiled_training_step_lesson(capsys):
    result = _load("compiled_training_step").main(["--quick"])
    out = capsys.readouterr().out
    assert result["same"] and result["compiled_ms"] < result["eager_ms"]
    assert "def step(_in):" in out and "# backward · " in out and "# SGD.step" in out


def test_char_transformer_compiled_model_and_step():
    ct = _load("char_transformer")
    for mode in ("model", "step"):
        runs = []
        for compiled in (False, True):
            tg.manual_seed(0)
            model = ct.CharTransformer(20, d_model=16, nhead=2, layers=1)
            opt = tg.optim.AdamW(model.parameters(), lr=3e-3)
            data = tg.randint(0, 20, (300,))
            fwd = tg.compile(model) if compiled and mode == "model" else model

            def step(fwd=fwd, opt=opt, data=data):
                x, y = ct.random_windows(data, 4)  # random draws inside the step
                loss = nn.functional.cross_entropy(fwd(x).reshape(-1, 20), y.reshape(-1))
                opt.zero_grad()
                loss.backward()
                opt.step()
                return loss

            step = tg.compile(step) if compiled and mode == "step" else step
            losses = [step().detach().numpy().copy() for _ in range(4)]
            runs.append(losses + [p.detach().numpy().copy() for p in model.parameters()])
        assert_same_bits(*runs)
