"""The process-wide switches PyTorch scripts set at the top (`set_*`/`get_*`, print options,
the default dtype and device, `__version__`) and the legacy constructors (`FloatTensor`, ...),
against torch 2.13. Every test puts the global state of both libraries back."""

import math
import warnings

import numpy as np
import pytest

import tinygrad_nn

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("lib", [torch, tinygrad_nn], ids=["torch", "tinygrad_nn"])


def _norm(value):
    """A comparable form: tensors by dtype, shape and values; dtypes by name."""
    if isinstance(value, (torch.Tensor, tinygrad_nn.Tensor)):
        return ("tensor", str(value.dtype).split(".")[-1], tuple(value.shape), value.tolist())
    if isinstance(value, (torch.dtype, tinygrad_nn.dtype)):
        return ("dtype", str(value).split(".")[-1])
    if isinstance(value, (torch.device, tinygrad_nn.device)):
        return repr(value)
    return value


def _outcome(source: str, lib):
    """What evaluating `source` with `lib` as the library gives: a value or an exception."""
    try:
        return ("returns", _norm(eval(source, {"lib": lib, "np": np})))
    except Exception as error:  # the exception is what is compared
        return ("raises", type(error).__name__, str(error))


def _same(source: str) -> None:
    assert _outcome(source, tinygrad_nn) == _outcome(source, torch), source


# ---------------------------------------------------------------- __version__


def test_version_is_the_pytorch_api_we_follow_and_compares_as_a_version():
    ours = tinygrad_nn.__version__
    assert ours == "2.13.0+tinygrad_nn.0.1.0"
    assert ours.split("+")[0] == torch.__version__.split("+")[0]
    for other in ("2.2", "2.13", "1.13.1", (2, 1), "3"):  # TorchVersion compares numerically
        assert (ours >= other) == (torch.__version__ >= other), other
        assert (ours < other) == (torch.__version__ < other), other
    assert int(ours.split(".")[0]) == 2 and int(ours.split(".")[1]) == 13
    assert tinygrad_nn.version.cuda is None is torch.version.cuda
    packaging = pytest.importorskip("packaging.version")
    assert packaging.parse(ours).release == packaging.parse(torch.__version__).release


# ---------------------------------------------------------------- threads


@pytest.fixture
def threads():
    saved = torch.get_num_threads(), tinygrad_nn.get_num_threads()
    interop = tinygrad_nn.get_num_interop_threads()
    yield
    torch.set_num_threads(saved[0])
    tinygrad_nn.set_num_threads(saved[1])
    tinygrad_nn.set_num_interop_threads(interop)


@pytest.mark.usefixtures("threads")
def test_num_threads_round_trip_and_errors():
    for source in (
        "lib.set_num_threads(3)",
        "lib.get_num_threads()",
        "lib.set_num_threads(0)",
        "lib.set_num_threads(-1)",
        "lib.set_num_threads(1.5)",
        "lib.set_num_threads(True)",
        "lib.set_num_threads('2')",
        "lib.get_num_threads()",
        "lib.set_num_interop_threads(0)",
        "lib.set_num_interop_threads(1.5)",
    ):
        _same(source)
    tinygrad_nn.set_num_interop_threads(3)
    assert tinygrad_nn.get_num_interop_threads() == 3


# ---------------------------------------------------------------- print options


@pytest.fixture
def printopts():
    yield
    torch.set_printoptions(profile="default", sci_mode=None)
    tinygrad_nn.set_printoptions(profile="default", sci_mode=None)


VALUES = [
    [1.12345, 2.5, -3.75],
    [1.0, 2.0, 300.0],
    [1e-8, 2.5e9],
    [0.5, float("nan"), float("inf")],
    list(range(12)),
    np.linspace(-1, 1, 40).reshape(5, 8).tolist(),
    np.arange(2000.0).reshape(40, 50).tolist(),
]
OPTIONS = [
    {"precision": 2},
    {"precision": 7},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"edgeitems": 0, "threshold": 3},
    {"linewidth": 40},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "short", "precision": 6},
]


@pytest.mark.usefixtures("printopts")
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_set_printoptions_changes_repr_as_in_pytorch(options):
    torch.set_printoptions(**options)
    tinygrad_nn.set_printoptions(**options)
    for values in VALUES:
        for dtype in ("float32", "float64"):
            ours = repr(tinygrad_nn.tensor(values, dtype=getattr(tinygrad_nn, dtype)))
            theirs = repr(torch.tensor(values, dtype=getattr(torch, dtype)))
            assert ours.replace("tinygrad_nn.", "torch.") == theirs
    ints = repr(tinygrad_nn.arange(30).reshape(5, 6))
    assert ints == repr(torch.arange(30).reshape(5, 6))


@pytest.mark.usefixtures("printopts")
def test_print_options_can_be_read_and_set_for_a_block():
    from tinygrad_nn import _tensor_str

    tinygrad_nn.set_printoptions(precision=3, threshold=math.inf)
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions() | {
        "precision": 3,
        "threshold": math.inf,
    }
    with _tensor_str.printoptions(precision=1):
        assert repr(tinygrad_nn.tensor([1.26])) == "tensor([1.3])"
    assert repr(tinygrad_nn.tensor([1.26])) == "tensor([1.260])"
    tinygrad_nn.set_printoptions(profile="no such profile")  # ignored, as PyTorch does
    assert _tensor_str.get_printoptions()["precision"] == 3


# ---------------------------------------------------------------- default dtype


@pytest.fixture
def default_dtype():
    yield
    torch.set_default_dtype(torch.float32)
    tinygrad_nn.set_default_dtype(tinygrad_nn.float32)


DEFAULT_DTYPE_PROBES = [
    "lib.get_default_dtype()",
    "lib.tensor([1.0]).dtype",
    "lib.tensor(1.0).dtype",
    "lib.tensor([1, 2]).dtype",
    "lib.randn(2).dtype",
    "lib.rand(2).dtype",
    "lib.zeros(2).dtype",
    "lib.ones(2).dtype",
    "lib.empty(2).dtype",
    "lib.full((2,), 1.0).dtype",
    "lib.full((2,), 1).dtype",
    "lib.arange(2.0).dtype",
    "lib.arange(2).dtype",
    "lib.linspace(0, 1, 3).dtype",
    "(lib.tensor([1, 2]) * 1.5).dtype",
    "lib.Tensor([1]).dtype",
    "lib.Tensor(2, 3).dtype",
    "lib.FloatTensor([1]).dtype",
    "lib.nn.Linear(2, 2).weight.dtype",
    "lib.tensor([1.0, 2.0]) + 0.1",
]


@pytest.mark.usefixtures("default_dtype")
@pytest.mark.parametrize("dtype", ["float64", "float16"])
def test_default_dtype_reaches_factories_and_python_floats(dtype):
    torch.set_default_dtype(getattr(torch, dtype))
    tinygrad_nn.set_default_dtype(getattr(tinygrad_nn, dtype))
    for source in DEFAULT_DTYPE_PROBES:
        _same(source)


@pytest.mark.usefixtures("default_dtype")
def test_default_dtype_rejects_what_pytorch_rejects():
    for source in (
        "lib.set_default_dtype(lib.int64)",
        "lib.set_default_dtype(float)",
        "lib.set_default_dtype('float32')",
        "lib.get_default_dtype()",
    ):
        _same(source)


# ---------------------------------------------------------------- default device


@pytest.fixture
def default_device():
    yield
    torch.set_default_device(None)
    tinygrad_nn.set_default_device(None)


@pytest.mark.usefixtures("default_device")
def test_default_device_cpu_is_accepted():
    for source in (
        "lib.set_default_device('cpu')",
        "lib.set_default_device(lib.device('cpu'))",
        "lib.get_default_device()",
        "lib.set_default_device(None)",
        "lib.set_default_device('gpu')",
        "lib.set_default_device(0)",
    ):
        _same(source)


@pytest.mark.usefixtures("default_device")
def test_default_device_cuda_raises_pytorchs_assertion_at_once():
    # PyTorch accepts the call and raises at the next factory; we raise where the fix belongs.
    torch.set_default_device("cuda")
    with pytest.raises(AssertionError) as theirs:
        torch.zeros(1)
    with pytest.raises(AssertionError) as ours:
        tinygrad_nn.set_default_device("cuda")
    assert str(ours.value) == str(theirs.value) == "Torch not compiled with CUDA enabled"
    assert str(tinygrad_nn.get_default_device()) == "cpu"


# ---------------------------------------------------------------- determinism, matmul precision


@pytest.fixture
def switches():
    yield
    for lib in (torch, tinygrad_nn):
        lib.use_deterministic_algorithms(False)
        lib.set_float32_matmul_precision("highest")


@pytest.mark.usefixtures("switches")
def test_deterministic_algorithms_switch():
    for source in (
        "lib.are_deterministic_algorithms_enabled()",
        "lib.use_deterministic_algorithms(True)",
        "lib.are_deterministic_algorithms_enabled()",
        "lib.is_deterministic_algorithms_warn_only_enabled()",
        "lib.use_deterministic_algorithms(True, warn_only=True)",
        "lib.is_deterministic_algorithms_warn_only_enabled()",
        "lib.use_deterministic_algorithms('x')",
        "lib.use_deterministic_algorithms(1)",
        "lib.use_deterministic_algorithms(True, warn_only=1)",
        "lib.use_deterministic_algorithms(False)",
        "lib.are_deterministic_algorithms_enabled()",
    ):
        _same(source)


@pytest.mark.usefixtures("switches")
def test_float32_matmul_precision():
    for source in (
        "lib.get_float32_matmul_precision()",
        "lib.set_float32_matmul_precision('high')",
        "lib.get_float32_matmul_precision()",
        "lib.set_float32_matmul_precision('medium')",
        "lib.set_float32_matmul_precision(3)",
        "lib.get_float32_matmul_precision()",
    ):
        _same(source)
    for lib in (torch, tinygrad_nn):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.set_float32_matmul_precision("fastest")
        assert "fastest is not one of 'highest', 'high', or 'medium'" in str(caught[0].message)
        assert lib.get_float32_matmul_precision() == "medium"


# ---------------------------------------------------------------- legacy constructors

LEGACY = [
    "lib.FloatTensor([1, 2])",
    "lib.FloatTensor((2, 3))",
    "lib.FloatTensor()",
    "lib.FloatTensor(np.array([1, 2]))",
    "lib.DoubleTensor([1, 2])",
    "lib.LongTensor([1.7, -2.2])",
    "lib.IntTensor([1, 2])",
    "lib.BoolTensor([1, 0])",
    "lib.ByteTensor([1, 2])",
    "lib.ShortTensor([1, 2])",
    "lib.CharTensor([1, 2])",
    "lib.HalfTensor([1, 2])",
    "lib.FloatTensor([[1, 2], [3, 4]])",
    "lib.FloatTensor(2, 3).shape",
    "lib.LongTensor(3).dtype",
    "lib.FloatTensor(lib.Size([2, 3])).shape",
    "lib.FloatTensor([1], device='cpu')",
    "lib.FloatTensor([1], device='cuda')",
    "lib.FloatTensor(2.5)",
    "lib.FloatTensor('a')",
    "lib.FloatTensor.dtype",
    "lib.FloatTensor.is_cuda",
    "lib.FloatTensor.__name__",
    "repr(lib.FloatTensor)",
    "lib.FloatTensor([1]).type()",
    "lib.ones(2).type(lib.DoubleTensor)",
    "lib.tensor([1, 2]).type(lib.FloatTensor)",
    "lib.ones(2).type(lib.LongTensor)",
    "isinstance(lib.ones(2), lib.FloatTensor)",
    "isinstance(lib.ones(2, dtype=lib.float64), lib.FloatTensor)",
    "isinstance(lib.ones(2, dtype=lib.float64), lib.DoubleTensor)",
    "isinstance(lib.ones(2, dtype=lib.long), lib.LongTensor)",
    "isinstance(lib.ones(2, dtype=lib.int32), lib.IntTensor)",
    "isinstance(lib.ones(2, dtype=lib.bool), lib.BoolTensor)",
    "isinstance(lib.nn.Parameter(lib.ones(2)), lib.FloatTensor)",
    "isinstance(lib.FloatTensor([1]), lib.Tensor)",
    "isinstance(1.0, lib.FloatTensor)",
    "callable(lib.FloatTensor.zero_)",
]


@pytest.mark.parametrize("source", LEGACY)
def test_legacy_constructors_as_in_pytorch(source):
    _same(source)


def test_legacy_constructor_returns_a_tensor_of_its_dtype_as_is():
    x = tinygrad_nn.ones(3)
    assert tinygrad_nn.FloatTensor(x) is x
    with pytest.raises(TypeError, match="expected a tensor of dtype tinygrad_nn.float32"):
        tinygrad_nn.FloatTensor(tinygrad_nn.tensor([1, 2]))
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.tensor([1, 2]))  # the same exception class in PyTorch
