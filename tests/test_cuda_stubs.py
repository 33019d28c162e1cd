"""tinygrad_nn answers `cuda`, `backends`, `accelerator` and device requests as PyTorch's
CPU-only build (the installed torch 2.13 CPU wheel) does: the same return values, and the same
exception class and message."""

import warnings

import pytest

import tinygrad_nn

torch = pytest.importorskip("torch")


def _outcome(source: str, lib):
    """What evaluating `source` with `lib` as the library gives: a value or an exception."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's FutureWarnings are not the point here
        try:
            value = eval(source, {"lib": lib})
        except Exception as error:  # the exception is what is compared
            return ("raises", type(error).__name__, str(error))
    if isinstance(value, (bool, int, float, str, type(None), list, tuple, dict)):
        return ("returns", value)
    return ("returns", repr(value))  # devices: "device(type='cuda', index=0)"


SAME_AS_TORCH = [
    # what is there: nothing
    "lib.cuda.is_available()",
    "lib.cuda.device_count()",
    "lib.cuda.is_initialized()",
    "lib.cuda.is_bf16_supported()",
    "lib.cuda.is_bf16_supported(including_emulation=False)",
    "lib.cuda.memory_allocated()",
    "lib.cuda.memory_allocated(0)",
    "lib.cuda.max_memory_allocated()",
    "lib.cuda.memory_reserved()",
    "lib.cuda.max_memory_reserved()",
    "dict(lib.cuda.memory_stats())",
    "lib.cuda.get_arch_list()",
    "lib.cuda.get_rng_state_all()",
    # harmless no-ops
    "lib.cuda.manual_seed(0)",
    "lib.cuda.manual_seed_all(42)",
    "lib.cuda.seed()",
    "lib.cuda.seed_all()",
    "lib.cuda.empty_cache()",
    "lib.cuda.set_rng_state_all([])",
    "lib.cuda.set_device(-1)",
    # what needs a device
    "lib.cuda.synchronize()",
    "lib.cuda.current_device()",
    "lib.cuda.get_device_name()",
    "lib.cuda.get_device_name(0)",
    "lib.cuda.get_device_capability()",
    "lib.cuda.get_device_properties(0)",
    "lib.cuda.mem_get_info()",
    "lib.cuda.init()",
    "lib.cuda.initial_seed()",
    "lib.cuda.get_rng_state()",
    "lib.cuda.ipc_collect()",
    "lib.cuda.current_stream()",
    "lib.cuda.set_device('cpu')",
    "lib.cuda.set_device('cuda')",
    "lib.cuda.device(-1).__enter__()",
    "lib.cuda.device(0).__enter__()",
    "lib.cuda.FloatTensor([1.0])",
    "lib.cuda.LongTensor(2)",
    "isinstance(lib.ones(2), lib.cuda.FloatTensor)",
    # backends and accelerator
    "lib.backends.mps.is_available()",
    "lib.backends.mps.is_built()",
    "lib.backends.cudnn.is_available()",
    "lib.backends.cudnn.version()",
    "lib.backends.cudnn.enabled",
    "lib.backends.cudnn.deterministic",
    "lib.backends.cudnn.benchmark",
    "lib.backends.cudnn.allow_tf32",
    "lib.backends.cuda.is_built()",
    "lib.backends.cuda.matmul.allow_tf32",
    "lib.backends.cuda.flash_sdp_enabled()",
    "lib.accelerator.is_available()",
    "lib.accelerator.device_count()",
    "lib.accelerator.current_accelerator()",
    "lib.accelerator.current_device_index()",
    "lib.accelerator.synchronize()",
    "lib.accelerator.empty_cache()",
    # devices: naming one is fine, using it is not
    "lib.device('cuda')",
    "lib.device('cuda:0')",
    "lib.device('cuda', 1)",
    "lib.device(type='cuda', index=2)",
    "str(lib.device('cuda:1'))",
    "lib.device('mps')",
    "lib.device('cpu:0')",
    "lib.device('cuda').type",
    "lib.device('gpu')",
    "lib.ones(2).to('cuda')",
    "lib.ones(2).to('cuda:0')",
    "lib.ones(2).to(lib.device('cuda'))",
    "lib.ones(2).to(device='cuda')",
    "lib.ones(2).to('cuda', lib.float64)",
    "lib.ones(2).to('mps')",
    "lib.ones(2).cuda()",
    "lib.ones(2).to('cpu').tolist()",
    "lib.ones(2, device='cuda')",
    "lib.zeros(2, device='cuda')",
    "lib.empty(2, device='cuda')",
    "lib.full((2,), 1.0, device='cuda')",
    "lib.eye(2, device='cuda')",
    "lib.arange(3, device='cuda')",
    "lib.linspace(0, 1, 3, device='cuda')",
    "lib.rand(2, device='cuda')",
    "lib.randn(2, device='cuda')",
    "lib.randint(0, 3, (2,), device='cuda')",
    "lib.randperm(3, device='cuda')",
    "lib.zeros_like(lib.ones(2), device='cuda')",
    "lib.rand_like(lib.ones(2), device='cuda')",
    "lib.tensor([1.0], device='cuda')",
    "lib.tensor([1.0], device=lib.device('cuda'))",
    "lib.tensor([1.0], device='mps')",
    "lib.as_tensor([1.0], device='cuda')",
    "lib.tensor([1.0], device='cpu').tolist()",
    "lib.nn.Linear(2, 2).to('cuda')",
    "lib.nn.Linear(2, 2).to(lib.device('cuda'))",
    "lib.nn.Linear(2, 2).cuda()",
    "lib.nn.Linear(2, 2).to('mps')",
    "repr(lib.nn.Linear(2, 2).to('cpu'))",
    # an index alone names an accelerator, of which there is none
    "lib.device(0)",
    "lib.ones(2, device=0)",
    "lib.tensor([1.0], device=0)",
    "lib.ones(1).to(0)",
    "lib.ones(1).to(device=0)",
    "lib.ones(1).cuda(0)",
    "lib.ones(1).cuda(device=0)",
    "lib.ones(1).cuda('cuda:0')",
    "lib.ones(1).cuda(lib.device('cuda'))",
    "lib.ones(1).cuda('cpu')",
    "lib.ones(1).cuda(non_blocking=True)",
    "lib.nn.Linear(1, 1).to(0)",
    "lib.nn.Linear(1, 1).cuda(0)",
    "lib.nn.Linear(1, 1).to('cuda', non_blocking=True)",
    # tensor-side device queries and new_* factories
    "lib.ones(1).is_cpu",
    "lib.ones(1).is_cuda",
    "lib.ones(1).is_mps",
    "lib.ones(1).get_device()",
    "lib.ones(1).is_pinned()",
    "lib.ones(1).pin_memory()",
    "repr(lib.ones(1).device)",
    "lib.ones(1).device.index",
    "lib.ones(1).new_ones(2, device='cuda')",
    "lib.ones(1).new_zeros(2, device='cuda')",
    "lib.ones(1).new_empty(2, device='cuda')",
    "lib.ones(1).new_full((2,), 1.0, device='cuda')",
    "lib.ones(1).new_tensor([1.0], device='cuda')",
    "lib.ones(1).new_ones(2, device='cpu').tolist()",
]


@pytest.mark.parametrize("source", SAME_AS_TORCH)
def test_same_as_a_cpu_only_pytorch(source):
    assert _outcome(source, tinygrad_nn) == _outcome(source, torch)


# Where PyTorch's CPU build fails with an accident of its build (an AttributeError about
# torch._C, a KeyError), we raise the AssertionError every other device call raises.
INTERNAL_ERRORS_IN_TORCH = [
    "lib.cuda.reset_peak_memory_stats()",
    "lib.cuda.reset_max_memory_allocated()",
    "lib.cuda.reset_accumulated_memory_stats()",
    "lib.cuda.memory_summary()",
    "lib.cuda.set_device(0)",
    "lib.cuda.set_device('cuda:0')",
]


@pytest.mark.parametrize("source", INTERNAL_ERRORS_IN_TORCH)
def test_where_torch_fails_internally_we_say_cuda_is_missing(source):
    assert _outcome(source, torch)[0] == "raises"
    assert _outcome(source, tinygrad_nn) == (
        "raises",
        "AssertionError",
        "Torch not compiled with CUDA enabled",
    )


@pytest.mark.parametrize("lib", [torch, tinygrad_nn], ids=["torch", "tinygrad_nn"])
def test_cudnn_switches_are_settable(lib):
    cudnn = lib.backends.cudnn
    old = cudnn.deterministic, cudnn.benchmark
    try:
        cudnn.deterministic, cudnn.benchmark = True, True
        assert cudnn.deterministic is True and cudnn.benchmark is True
        lib.backends.cuda.matmul.allow_tf32 = True
        assert lib.backends.cuda.matmul.allow_tf32 is True
    finally:
        cudnn.deterministic, cudnn.benchmark = old
        lib.backends.cuda.matmul.allow_tf32 = False


def test_the_usual_device_line_picks_the_cpu_and_tensors_stay_there():
    device = "cuda" if tinygrad_nn.cuda.is_available() else "cpu"
    x = tinygrad_nn.ones(2, device=device).to(device)
    model = tinygrad_nn.nn.Linear(2, 1).to(device)
    assert x.device == tinygrad_nn.device("cpu") and str(model(x).device) == "cpu"
    assert not x.is_cuda and model.cpu() is model


def test_load_with_a_cuda_map_location_raises_torchs_error(tmp_path):
    tinygrad_nn.save({"a": tinygrad_nn.ones(1)}, tmp_path / "a.pt")
    torch.save({"a": torch.ones(1)}, tmp_path / "b.pt")
    for where in ("cuda", "cuda:1", torch.device("cuda")):
        with pytest.raises(RuntimeError) as theirs:
            torch.load(tmp_path / "b.pt", map_location=where)
        with pytest.raises(RuntimeError) as ours:
            tinygrad_nn.load(tmp_path / "a.pt", map_location=str(where))
        assert str(ours.value) == str(theirs.value)


# ---------------------------------------------------------------- automatic mixed precision

AMP_CALLS = [
    "lib.amp.GradScaler()",
    "lib.amp.GradScaler('cuda', enabled=False)",
    "lib.cuda.amp.GradScaler()",
    "lib.cuda.amp.GradScaler(enabled=False)",
    "lib.autocast('cuda')",
    "lib.autocast(device_type='cuda', dtype=lib.float16)",
    "lib.autocast('cpu', enabled=False)",
    "lib.amp.autocast('cuda', enabled=False)",
    "lib.cuda.amp.autocast()",
    "lib.cuda.amp.autocast(enabled=False)",
]


def _warnings_of(source: str, lib) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eval(source, {"lib": lib})
    return [(w.category.__name__, str(w.message)) for w in caught]


@pytest.mark.parametrize("source", AMP_CALLS)
def test_amp_is_disabled_with_pytorchs_warnings(source):
    assert _warnings_of(source, tinygrad_nn) == _warnings_of(source, torch)


@pytest.mark.parametrize("lib", [torch, tinygrad_nn], ids=["torch", "tinygrad_nn"])
def test_a_disabled_grad_scaler_passes_everything_through(lib):
    model = lib.nn.Linear(2, 1)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scaler = lib.amp.GradScaler()
        context = lib.autocast(device_type="cuda", dtype=lib.float16)
    with context:
        loss = model(lib.ones(3, 2)).square().mean()
    assert loss.dtype == lib.float32 and not lib.is_autocast_enabled()
    scaled = scaler.scale(loss)
    assert scaled is loss
    scaled.backward()
    before = model.weight.detach().clone()
    scaler.unscale_(optimizer)
    scaler.step(optimizer)
    scaler.update()
    expected = before - 0.5 * model.weight.grad
    assert model.weight.tolist() == expected.tolist()
    assert (scaler.is_enabled(), scaler.get_scale(), scaler.state_dict()) == (False, 1.0, {})


def test_amp_names_and_errors():
    assert _outcome("lib.autocast('gpu')", tinygrad_nn) == _outcome("lib.autocast('gpu')", torch)
    assert tinygrad_nn.amp.autocast is tinygrad_nn.autocast
    # PyTorch would compute in bfloat16 on the CPU; we refuse rather than differ silently.
    with pytest.raises(NotImplementedError, match="does not provide cpu autocast"):
        tinygrad_nn.autocast("cpu")
    with pytest.raises(NotImplementedError, match="enabled cpu GradScaler"):
        tinygrad_nn.amp.GradScaler("cpu")

    @tinygrad_nn.autocast("cuda", enabled=False)
    def double(x):
        return 2 * x

    assert double(3) == 6
