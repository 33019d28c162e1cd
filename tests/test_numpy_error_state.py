"""NumPy's floating-point error state: the library never changes it for the process, and
its own computations never consult it (PyTorch computes inf and nan silently)."""

import subprocess
import sys
import threading
import warnings

import numpy as np

import tinygrad_nn as tg


def test_importing_the_package_leaves_numpys_error_state_alone():
    code = (
        "import numpy as np; before = np.geterr(); import tinygrad_nn; print(np.geterr() == before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"


def _inf_and_nan_everywhere():
    x = tg.tensor([0.0, 1.0, -1.0, 1e30], requires_grad=True)
    y = (x.log() + 1 / x + x.sqrt() + (x * 1e30) * 1e30 + x.exp() * 0 + (x - x.exp())).sum()
    y.backward()
    with tg.no_grad():
        z = x / 0
    opt = tg.optim.SGD([x], lr=1e30)
    opt.step()
    return y, z, x.grad


def test_no_warning_even_where_numpy_would_raise():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        y, z, grad = _inf_and_nan_everywhere()
    assert np.isnan(y.item()) and not np.isfinite(z.numpy()).any() and grad.shape == (4,)


def test_no_warning_in_another_thread():
    caught = []

    def run():
        with warnings.catch_warnings(record=True) as found:
            warnings.simplefilter("always")
            _inf_and_nan_everywhere()
        caught.extend(found)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []


def test_the_users_own_numpy_code_still_warns():
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always")
        tg.ones(2).log()  # the library: silent
        np.log(np.zeros(1))  # the user's NumPy: NumPy's default, a warning
    assert [str(w.message) for w in found] == ["divide by zero encountered in log"]
