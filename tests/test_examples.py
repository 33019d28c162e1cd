"""Every example runs in its quick setting and teaches what its docstring promises.

The lessons are imported and their `main(argv)` called with `--quick` (one process, so it
stays fast); the main demo, `train_digits.py`, runs in full as the README runs it: a
subprocess in a fresh directory whose last line is the validation accuracy.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _load(name: str):
    """Import examples/<name>.py as a module (its `import _common` needs examples/ on the path)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_svg(path) -> None:
    assert path is not None and Path(path).is_file()
    assert ET.parse(path).getroot().tag.endswith("svg")


def test_classifier_232_beats_90_percent(tmp_path):
    result = _load("classifier_232").main(["--quick", "--out", str(tmp_path)])
    assert result["accuracy"] > 0.9
    _assert_svg(result["svg"])


def test_simple_net_has_nine_layers_before_the_output_and_tells_3_from_7(tmp_path):
    example = _load("simple_net")
    net = example.make_simple_net()
    linears = [m for m in net if type(m).__name__ == "Linear"]
    assert len(linears) == 10 and linears[0].in_features == example.PIXEL_SIZE == 64
    assert (linears[-1].in_features, linears[-1].out_features) == (30, 1)
    assert all((m.in_features, m.out_features) == (30, 30) for m in linears[1:-1])
    assert sum(type(m).__name__ == "ReLU" for m in net) == 9

    result = example.main(["--quick", "--out", str(tmp_path)])
    assert result["valid_acc"] > 0.9
    # the lesson: in this deep stack the first layer's gradient is far smaller than the last's
    assert result["grad_norms"][0] < result["grad_norms"][-1] / 10
    _assert_svg(result["svg"])
    assert result["plot"] == tmp_path / "simple_net_grad_norms.png"  # the lesson, drawn
    assert result["plot"].read_bytes()[:8] == PNG_MAGIC


def test_linear_collapse(tmp_path):
    result = _load("linear_collapse").main(["--quick", "--out", str(tmp_path)])
    assert result["by_hand"] < 1e-6
    assert result["collapsed"] < 1e-5  # Linear->Linear->Linear is one Linear
    assert result["stack_fit"] < 1e-5
    assert result["relu_fit"] > 0.05  # with ReLUs no linear map fits
    assert result["relu_loss"] < result["linear_loss"] / 10
    _assert_svg(result["svg"])


def test_step_perceptron_gets_zero_gradients_and_sigmoid_learns(tmp_path):
    result = _load("perceptron_vs_sigmoid").main(["--quick", "--out", str(tmp_path)])
    step, sigmoid = result["step"], result["sigmoid"]
    assert max(step["max_grads"]) == 0.0  # exactly zero, on every step
    assert step["accuracy"][-1] == step["accuracy"][0]  # so nothing was learned
    assert min(sigmoid["max_grads"]) > 0.0
    assert sigmoid["accuracy"][-1] > 0.9 > sigmoid["accuracy"][0]
    _assert_svg(step["svg"])
    _assert_svg(sigmoid["svg"])


def test_debug_gradients_walks_through_each_tool(capsys):
    found = _load("debug_gradients").main(["--quick", "--epochs", "1", "--seed", "0"])
    out = capsys.readouterr().out
    broken, fixed = found["broken"], found["fixed"]
    assert [f.op for f in broken.failures] == ["SoftSignBackward"]  # found in a plain graph
    assert broken.failures[0].location.startswith("debug_gradients.py:")
    assert "SoftSign.apply(h)" in broken.failures[0].source
    assert fixed.ok and fixed.checked == 7 and not fixed.unrecorded  # every node, repaired
    assert found["compare"]  # the hand-derived dL/dh agrees with h.grad
    trace = found["trace"]
    assert "rule:      dL/da = g * b,   dL/db = g * a" in str(trace)
    assert "accumulated into a.grad (2nd contribution)" in str(trace)
    assert "a.grad == sum of its contributions: True" in out
    assert "The `where` trap" in found["anomaly"] and "SqrtBackward0" in found["anomaly"]
    assert "with the double where, z.grad = tensor([1.0000, 0.2500])" in out
    inplace = found["inplace"]
    assert "saved by SigmoidBackward0, created at debug_gradients.py:" in inplace
    assert "changed in place by mul_ at debug_gradients.py:" in inplace


def test_draw_graph_takes_the_common_flags(tmp_path, capsys):
    path = _load("draw_graph").main(
        ["--quick", "--epochs", "1", "--seed", "0", "--out", str(tmp_path)]
    )
    assert Path(path) == tmp_path / "graph.svg"
    _assert_svg(path)
    assert "after one SGD step" in capsys.readouterr().out
    page = (tmp_path / "backward.html").read_text()  # viz.explore's page, beside the drawing
    assert "next step" in page and "AddmmBackward0" in page


def test_examples_write_pictures_to_the_ignored_out_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _load("_common").parse_args("doc", 1, 1, []).out == Path("out")
    assert (tmp_path / "out").is_dir()
    assert "/out/" in (ROOT / ".gitignore").read_text().splitlines()
    assert Path(_load("draw_graph").main([])) == Path("out/graph.svg")
    assert (tmp_path / "out" / "backward.html").is_file()


def test_train_digits_as_the_readme_runs_it(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_digits.py")],  # the README's command, in full
        check=False,  # a failure is reported below, with the script's stderr
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    seconds = time.perf_counter() - start
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    match = re.fullmatch(r"validation accuracy: (\d\.\d\d)", lines[-1])
    assert match, lines[-3:]
    assert float(match.group(1)) >= 0.95
    assert re.search(r"run time \d+\.\d s", run.stdout)
    assert re.search(r"SGD  epoch 20: .*train acc [01]\.\d+ +val acc [01]\.\d+", run.stdout)
    assert re.search(r"Adam epoch 20: .*train acc [01]\.\d+ +val acc [01]\.\d+", run.stdout)
    assert "epoch 20/20" in run.stderr  # the progress bar
    _assert_svg(tmp_path / "out" / "digits_graph.svg")  # pictures go to out/, not the cwd
    assert (tmp_path / "out" / "digits_curves.png").read_bytes()[:8] == PNG_MAGIC  # matplotlib
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert seconds < 60
    print(f"train_digits: {lines[-1]}, {seconds:.1f} s")


def test_plain_progress_line_and_skipped_plot_without_tqdm_and_matplotlib(
    tmp_path, monkeypatch, capsys
):
    common = _load("_common")
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` raise ImportError
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    bar = common.progress(range(4), desc="epoch 1/1")
    for i in bar:
        bar.set_postfix(loss=1.0 / (i + 1), acc=0.5)
    assert common.save_curves(tmp_path / "c.png", {"SGD": {"loss": [1.0]}}) is None
    out, err = capsys.readouterr()
    assert "epoch 1/1: [####################] 4/4 loss=0.2500, acc=0.5000" in err
    assert "matplotlib is not installed: skipping" in out
    assert not (tmp_path / "c.png").exists()


def test_curves_png_is_written(tmp_path):
    common = _load("_common")
    history = {"SGD": {"loss": [2.0, 1.0], "train accuracy": [0.5, 0.8]}}
    path = common.save_curves(tmp_path / "c.png", history)
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_every_example_has_a_lesson_docstring_and_the_common_flags():
    scripts = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    ours = {"classifier_232", "simple_net", "train_digits", "linear_collapse"}
    ours.add("perceptron_vs_sigmoid")
    assert ours <= {p.stem for p in scripts}
    for path in scripts:
        if path.stem not in ours:
            continue
        text = path.read_text()
        assert len(text.splitlines()) <= 130, f"{path.name} is too long for a lesson"
        doc = _load(path.stem).__doc__
        assert "What it teaches" in doc and "What to watch" in doc and "--quick" in doc
