"""The character-level transformer lesson: its data ships with the package, its loss falls
from a uniform guess, and it writes text in the text's alphabet."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

from tinygrad_nn.datasets import load_sonnets

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _load_example():
    """Import examples/char_transformer.py (its `import _common` needs examples/ on the path)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    path = EXAMPLES / "char_transformer.py"
    spec = importlib.util.spec_from_file_location("example_char_transformer", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sonnets_ship_with_the_package_and_their_license_note():
    text = load_sonnets()
    sonnets = text.strip().split("\n\n")[1::2]  # number, verse, number, verse, ...
    assert len(sonnets) == 8 and all(len(s.splitlines()) == 14 for s in sonnets)
    assert text.startswith("XVIII\n\nShall I compare thee to a summer's day?\n")
    assert 4000 < len(text) < 6000 and text.isascii()
    note = (ROOT / "tinygrad_nn" / "datasets" / "SONNETS_LICENSE.md").read_text()
    assert "public domain" in note and "1609" in note


def test_quick_run_loss_falls_and_the_sample_uses_the_texts_characters(tmp_path, capsys):
    example = _load_example()
    result = example.main(["--quick", "--out", str(tmp_path)])
    vocab = result["vocab"]
    assert vocab == len(set(load_sonnets()))
    assert abs(result["first_loss"] - math.log(vocab)) < 0.5  # starts as a uniform guess
    losses = result["losses"]
    assert len(losses) == 2 and losses[-1] < losses[0] < result["first_loss"]
    assert losses[-1] < result["first_loss"] - 1.2
    sample = result["sample"]
    assert sample.startswith("Shall I ") and len(sample) == len("Shall I ") + 200
    assert set(sample) <= set(load_sonnets())
    out = capsys.readouterr().out
    assert "epoch 2/2: loss" in out and "a sample:" in out


def test_lesson_is_short_and_says_what_to_watch():
    text = (EXAMPLES / "char_transformer.py").read_text()
    assert len(text.splitlines()) <= 130
    doc = _load_example().__doc__
    assert "What it teaches" in doc and "What to watch" in doc and "--quick" in doc
