"""`python -m tinygrad_nn script.py` runs an unmodified PyTorch script on tinygrad_nn, with real
PyTorch installed, as `python script.py` would run it; `%load_ext tinygrad_nn` does the same in
IPython. Each script runs in a fresh subprocess, so the aliasing never leaks into this one."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tinygrad_nn
from tinygrad_nn import _torch_alias

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]

# An ordinary PyTorch training script: the cuda probe, every common import form, a DataLoader,
# F.*, an optimizer. Weights come from NumPy so the losses do not depend on random streams.
TRAIN = """\
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"
print("device", device, "argv", sys.argv[1:], "name", __name__)
print("lib", torch.__name__, nn.__name__, F.__name__, optim.__name__, DataLoader.__module__)

model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).to(device)
rng = np.random.default_rng(0)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.5, tuple(p.shape)).astype(np.float32)))
x = torch.tensor(rng.normal(size=(16, 2)).astype(np.float32))
y = (x[:, 0] * x[:, 1] > 0).long()
loader = DataLoader(TensorDataset(x, y), batch_size=4)
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(3):
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        loss = F.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"loss {loss.item():.6f}")
if __name__ == "__main__":
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _write(tmp_path: Path, source: str, name: str = "script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def _run(*args, cwd=None) -> subprocess.CompletedProcess:
    """`python -m tinygrad_nn *args` in a fresh process."""
    command = [sys.executable, "-m", "tinygrad_nn", *map(str, args)]
    return subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=120, check=False
    )


def _run_plain(*args) -> subprocess.CompletedProcess:
    """`python *args`: the reference behaviour (with real PyTorch)."""
    return subprocess.run(
        [sys.executable, *map(str, args)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_unmodified_script_runs_on_tinygrad_nn_and_prints_torchs_losses(tmp_path):
    script = _write(tmp_path, TRAIN)
    ours, theirs = _run(script, 0, "--flag"), _run_plain(script, 0, "--flag")
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    lines, torch_lines = ours.stdout.splitlines(), theirs.stdout.splitlines()
    assert lines[0] == "device cpu argv ['0', '--flag'] name __main__" == torch_lines[0]
    assert lines[1] == (
        "lib tinygrad_nn tinygrad_nn.nn tinygrad_nn.nn.functional "
        "tinygrad_nn.optim tinygrad_nn.utils.data.dataloader"
    )
    assert torch_lines[1].startswith("lib torch torch.nn torch.nn.functional torch.optim")
    ours_losses = [float(line.split()[1]) for line in lines[2:]]
    torch_losses = [float(line.split()[1]) for line in torch_lines[2:]]
    assert len(ours_losses) == 12
    assert ours_losses == pytest.approx(torch_losses, rel=1e-5)


# The same, the way tutorials write it: seeded default init, dropout, a shuffled DataLoader, a
# random split. PyTorch's random streams are reproduced bit for bit, so the printout (4 decimals,
# as tutorials print; float32 sums may differ in the last bit) is too.
SEEDED = """\
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
torch.cuda.manual_seed_all(0)
torch.backends.cudnn.deterministic = True
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
x = torch.randn(40, 2)
data = TensorDataset(x, (x[:, 0] > x[:, 1]).long())
train, val = random_split(data, [32, 8])
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(3):
    model.train()
    for xb, yb in DataLoader(train, batch_size=8, shuffle=True):
        loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        xv, yv = next(iter(DataLoader(val, batch_size=8)))
        accuracy = (model(xv).argmax(1) == yv).float().mean().item()
    print(f"epoch {epoch} loss {loss.item():.4f} val {accuracy:.3f}")
print(model[0].weight)
"""


def test_a_seeded_tutorial_prints_exactly_what_pytorch_prints(tmp_path):
    script = _write(tmp_path, SEEDED)
    ours, theirs = _run(script), _run_plain(script)
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert ours.stdout == theirs.stdout


def test_every_import_form_and_submodule_is_tinygrad_nn(tmp_path):
    script = _write(
        tmp_path,
        """\
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional
        import torch.nn.init as init
        import torch.optim.lr_scheduler as sched
        import torch.utils.data
        import torch.backends.cudnn as cudnn
        from torch import nn as nn2, cuda, autograd
        from torch.nn import functional as F, Linear
        from torch.autograd import grad
        from torch.cuda.amp import GradScaler, autocast
        from torch.amp import GradScaler as Scaler
        import tinygrad_nn
        assert torch is tinygrad_nn and sys.modules["torch"] is tinygrad_nn
        assert nn is nn2 is tinygrad_nn.nn and torch.nn.functional is F is tinygrad_nn.nn.functional
        assert init is tinygrad_nn.nn.init and sched is tinygrad_nn.optim.lr_scheduler
        assert torch.utils.data is tinygrad_nn.utils.data and cuda is tinygrad_nn.cuda
        assert cudnn is tinygrad_nn.backends.cudnn and autograd is tinygrad_nn.autograd
        assert Linear is tinygrad_nn.nn.Linear and grad is tinygrad_nn.autograd.grad
        assert GradScaler is tinygrad_nn.cuda.amp.GradScaler
        assert Scaler is tinygrad_nn.amp.GradScaler and autocast is tinygrad_nn.cuda.amp.autocast
        assert nn.__spec__.name == "tinygrad_nn.nn"  # the module keeps its own identity
        assert not any("site-packages/torch" in (getattr(m, "__file__", "") or "")
                       for m in list(sys.modules.values()))
        print("ok", __file__ == sys.argv[0], sys.path[0])
    """,
    )
    result = _run(script, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", "True", str(tmp_path)]


def test_an_error_prints_a_traceback_from_the_scripts_line_and_exits_1(tmp_path):
    script = _write(
        tmp_path,
        """\
        import torch

        def boom(x):
            return x / 0 + torch.zeros(2, 3) @ torch.zeros(2, 3)

        boom(torch.ones(2))
    """,
    )
    ours = _run(script)
    assert ours.returncode == 1
    expected = (
        f'Traceback (most recent call last):\n  File "{script}", line 6, in <module>\n'
        f"    boom(torch.ones(2))\n"
    )
    assert ours.stderr.startswith(expected)  # what `python script.py` prints first
    assert f'File "{script}", line 4, in boom' in ours.stderr
    assert "runpy" not in ours.stderr and "__main__.py" not in ours.stderr
    assert ours.stderr.splitlines()[-1].startswith("RuntimeError: ")


def test_exit_codes_and_syntax_errors_are_pythons(tmp_path):
    assert _run(_write(tmp_path, "import sys\nsys.exit(7)\n")).returncode == 7
    assert _run(_write(tmp_path, "raise SystemExit('bye')\n")).stderr == "bye\n"
    bad = _write(tmp_path, "x = (\n", "bad.py")
    ours, theirs = _run(bad), _run_plain(bad)
    assert ours.returncode == theirs.returncode == 1
    assert ours.stderr == theirs.stderr
    missing = _run(tmp_path / "nope.py")
    assert missing.returncode == 2 and "can't open file" in missing.stderr
    usage = _run()
    assert usage.returncode == 2 and "usage: python -m tinygrad_nn script.py" in usage.stderr


def test_names_we_lack_say_so(tmp_path):
    script = _write(
        tmp_path,
        """\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        assert not hasattr(torch, "fft") and not hasattr(F, "grid_sample")
        assert getattr(nn, "LazyLinear", None) is None
        for attempt in ("torch.fft", "F.grid_sample", "torch.cuda.nccl"):
            try:
                eval(attempt)
            except AttributeError as e:
                print("AttributeError:", e)
        try:
            from torch.nn import LazyLinear
        except ImportError as e:
            print("ImportError:", e)
        try:
            import torch.distributed as dist
        except ImportError as e:
            print(type(e).__name__ + ":", e)
        from torch import fft
    """,
    )
    result = _run(script)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("AttributeError: tinygrad_nn does not provide torch.fft ")
    assert lines[1].startswith(
        "AttributeError: tinygrad_nn does not provide torch.nn.functional.grid_sample "
    )
    assert lines[2].startswith("AttributeError: tinygrad_nn does not provide torch.cuda.nccl ")
    assert lines[3].startswith("ImportError: tinygrad_nn does not provide torch.nn.LazyLinear ")
    assert lines[4] == (
        "ModuleNotFoundError: No module named 'torch.distributed': tinygrad_nn "
        "does not provide torch.distributed"
    )
    last = result.stderr.splitlines()[-1]
    assert last.startswith("ImportError: tinygrad_nn does not provide torch.fft ")


def test_classes_defined_in_the_script_pickle_as_under_python(tmp_path):
    script = _write(
        tmp_path,
        """\
        import pickle
        import torch

        class Point:
            def __init__(self, x):
                self.x = x

        print(pickle.loads(pickle.dumps(Point(torch.tensor([1.0, 2.0])))).x.tolist())
    """,
    )
    result = _run(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[1.0, 2.0]\n"


def test_dash_m_runs_a_module(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "job.py").write_text(
        "import sys, torch\nprint(torch.__name__, __name__, sys.argv[1:])\n"
    )
    result = _run("-m", "pkg.job", "a", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tinygrad_nn __main__ ['a']\n"


# ---------------------------------------------------------------- %load_ext tinygrad_nn


class _StubShell:
    """What IPython hands an extension; tinygrad_nn needs nothing from it."""

    def __init__(self):
        self.user_ns = {}


@pytest.fixture
def aliased():
    """Install the alias for one test and always take it away again (real torch is imported
    in this process: later imports of torch.* must find PyTorch's modules again)."""
    real = {name: m for name, m in sys.modules.items() if name.split(".")[0] == "torch"}
    yield
    tinygrad_nn.unload_ipython_extension(_StubShell())
    assert sys.modules["torch"] is torch and sys.modules["torch.nn"] is real["torch.nn"]


def test_load_ipython_extension_aliases_torch_and_unloads(aliased, capsys):
    tinygrad_nn.load_ipython_extension(_StubShell())
    assert "already imported" in capsys.readouterr().out  # this process imported PyTorch
    import torch as aliased_torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader

    assert aliased_torch is tinygrad_nn and _torch_alias.is_installed()
    assert F is tinygrad_nn.nn.functional and DataLoader is tinygrad_nn.utils.data.DataLoader
    tinygrad_nn.load_ipython_extension(_StubShell())  # a second %load_ext changes nothing
    assert sys.meta_path.count(_torch_alias._FINDER) == 1


def test_load_ext_in_a_real_ipython_shell():
    pytest.importorskip("IPython")
    code = textwrap.dedent("""\
        import torch  # a notebook that imported PyTorch first
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "tinygrad_nn")
        shell.run_cell("import torch, torch.nn as nn\\n"
                       "from torch.utils.data import DataLoader\\n"
                       "found = (torch.__name__, nn.__name__, DataLoader.__module__, "
                       "torch.cuda.is_available())")
        print(shell.user_ns["found"])
    """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        "('tinygrad_nn', 'tinygrad_nn.nn', 'tinygrad_nn.utils.data.dataloader', False)"
    )


# ---------------------------------------------------------------- missing names, in process


def test_missing_attributes_name_the_pytorch_name_and_keep_hasattr_working():
    for module, name in (
        (tinygrad_nn, "fft"),
        (tinygrad_nn.nn, "LazyLinear"),
        (tinygrad_nn.nn.functional, "grid_sample"),
        (tinygrad_nn.optim, "SparseAdam"),
        (tinygrad_nn.utils.data, "Sampler2"),
        (tinygrad_nn.backends.cudnn, "fp32_precision"),
    ):
        assert not hasattr(module, name) and getattr(module, name, 7) == 7
        torch_name = module.__name__.replace("tinygrad_nn", "torch") + "." + name
        with pytest.raises(AttributeError, match=f"tinygrad_nn does not provide {torch_name} "):
            getattr(module, name)
    with pytest.raises(ImportError, match="tinygrad_nn does not provide torch.nn.LazyLinear"):
        from tinygrad_nn.nn import LazyLinear  # noqa: F401
    with pytest.raises(AttributeError, match="has no attribute '__wrapped__'$"):
        _ = tinygrad_nn.__wrapped__  # protocol probes get Python's plain message


@pytest.mark.skipif(sys.version_info < (3, 10), reason="suggestions arrived in Python 3.10")
def test_a_typo_gets_pythons_did_you_mean():
    code = "import tinygrad_nn\ntinygrad_nn.nn.Linaer"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stderr.rstrip().endswith(
        "(module 'tinygrad_nn.nn' has no attribute 'Linaer'). Did you mean: 'Linear'?"
    )
