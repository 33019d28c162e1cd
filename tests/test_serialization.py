"""save/load: safetensors files, round trips, interop with the safetensors library both ways,
and clear errors (never code execution) for truncated, corrupt and foreign files."""

import collections
import io
import json
import math
import os
import pathlib
import pickle

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp
from safetensors.numpy import load_file as np_load_file

import tinygrad_nn as tg

torch = pytest.importorskip("torch")
# safetensors.torch imports PyTorch, so it may only be imported once the skip above has passed.
from safetensors.torch import load_file, save_file  # noqa: E402

DTYPES = [tg.float16, tg.float32, tg.float64, tg.int8, tg.int16, tg.int32, tg.int64, tg.uint8,
          tg.bool]  # fmt: skip


def _round_trip(obj, tmp_path):
    path = tmp_path / "x.safetensors"
    tg.save(obj, path)
    return tg.load(path)


def _header(path):
    raw = pathlib.Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    return json.loads(raw[8 : 8 + n]), n, raw


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3, 4)], ids=str)
def test_tensor_round_trip(dtype, shape, tmp_path):
    values = np.random.default_rng(0).uniform(-50, 50, shape)
    t = tg.tensor(values).to(dtype)
    back = _round_trip(t, tmp_path)
    assert isinstance(back, tg.Tensor) and back.dtype == dtype and back.shape == t.shape
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_non_contiguous_tensor_and_views_round_trip(tmp_path):
    base = tg.arange(24, dtype=tg.float32).reshape(4, 6)
    back = _round_trip({"t": base.T, "slice": base[1:3, ::2]}, tmp_path)
    np.testing.assert_array_equal(back["t"].numpy(), base.numpy().T)
    np.testing.assert_array_equal(back["slice"].numpy(), base.numpy()[1:3, ::2])


def test_loaded_tensors_are_writable_and_independent(tmp_path):
    t = tg.ones(3)
    back = _round_trip({"a": t, "b": tg.zeros(2)}, tmp_path)
    back["a"].add_(1.0)
    back["a"][0] = 7.0
    assert back["a"].tolist() == [7.0, 2.0, 2.0] and t.tolist() == [1.0, 1.0, 1.0]
    (back["a"] * 2).sum()


def test_nested_structure_round_trip(tmp_path):
    shared = tg.randn(2, 2)
    obj = {
        "model": collections.OrderedDict([("0.weight", tg.randn(3, 2)), ("0.bias", tg.zeros(3))]),
        "epoch": 7,
        "losses": [0.5, 0.25, float("inf"), float("-inf"), -0.0, 1e-300],
        "flags": (True, False, None),
        "name": "run \u00e9\u4e2d",
        3: {"int key": 1, (1, "a"): "tuple key", 2.5: "float key", None: "none key"},
        "again": [shared, {"same": shared}],
        "grad": tg.ones(2, requires_grad=True),
        "array": np.arange(4, dtype=np.int32),
        "empty": {},
        "empty list": [],
        "big int": 2**70,
    }
    back = _round_trip(obj, tmp_path)
    assert list(back) == list(obj)
    assert isinstance(back["model"], collections.OrderedDict)
    assert list(back["model"]) == ["0.weight", "0.bias"]
    np.testing.assert_array_equal(
        back["model"]["0.weight"].numpy(), obj["model"]["0.weight"].numpy()
    )
    assert back["epoch"] == 7 and back["name"] == obj["name"] and back["big int"] == 2**70
    assert back["losses"][:5] == [0.5, 0.25, math.inf, -math.inf, 0.0]
    assert math.copysign(1, back["losses"][4]) == -1 and back["losses"][5] == 1e-300
    assert back["flags"] == (True, False, None) and isinstance(back["flags"], tuple)
    assert back[3] == {"int key": 1, (1, "a"): "tuple key", 2.5: "float key", None: "none key"}
    assert back["again"][0] is back["again"][1]["same"]  # stored once, one object again
    assert back["grad"].requires_grad and not back["model"]["0.bias"].requires_grad
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == np.int32
    assert back["empty"] == {} and back["empty list"] == []


def test_nan_round_trips(tmp_path):
    back = _round_trip({"x": float("nan"), "t": tg.tensor([float("nan"), 1.0])}, tmp_path)
    assert math.isnan(back["x"]) and math.isnan(back["t"][0].item())


def test_plain_values_round_trip(tmp_path):
    for obj in (3, "s", None, [1, [2, (3,)]], (tg.ones(1),)):
        back = _round_trip(obj, tmp_path)
        assert type(back) is type(obj)


def test_path_kinds_and_file_objects(tmp_path):
    t = tg.tensor([1.0, 2.0])
    tg.save(t, str(tmp_path / "a.st"))
    tg.save(t, tmp_path / "b.st")
    buffer = io.BytesIO()
    tg.save(t, buffer)
    with open(tmp_path / "c.st", "wb") as f:
        tg.save(t, f)
        assert not f.closed  # the caller's file stays open
    buffer.seek(0)
    loaded = [tg.load(str(tmp_path / "a.st")), tg.load(tmp_path / "b.st"), tg.load(buffer)]
    with open(tmp_path / "c.st", "rb") as f:
        loaded.append(tg.load(f))
    assert all(x.tolist() == [1.0, 2.0] for x in loaded)
    assert (tmp_path / "a.st").read_bytes() == buffer.getvalue()


def test_load_arguments_like_torch(tmp_path):
    tg.save({"a": tg.ones(1)}, tmp_path / "a.st")
    for where in (None, "cpu", tg.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        assert tg.load(tmp_path / "a.st", map_location=where)["a"].item() == 1.0
    assert tg.load(tmp_path / "a.st", weights_only=False, mmap=False)["a"].item() == 1.0
    with pytest.raises(RuntimeError):
        tg.load(tmp_path / "a.st", map_location="cuda")


def test_saving_an_unsupported_object_raises_type_error(tmp_path):
    with pytest.raises(TypeError, match="cannot store an object of type object"):
        tg.save({"x": object()}, tmp_path / "a.st")
    with pytest.raises(TypeError, match="dict key"):
        tg.save({frozenset(): 1}, tmp_path / "a.st")


# ---------------------------------------------------------------- the file format


def test_file_layout_is_safetensors(tmp_path):
    path = tmp_path / "a.safetensors"
    tg.save({"w": tg.ones(2, 3), "flag": tg.tensor([True]), "i": tg.arange(3)}, path)
    header, n, raw = _header(path)
    assert (8 + n) % 8 == 0  # data starts 8-byte aligned
    meta = header.pop("__metadata__")
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    assert header["w"]["dtype"] == "F32" and header["w"]["shape"] == [2, 3]
    assert header["flag"]["dtype"] == "BOOL" and header["i"]["dtype"] == "I64"
    spans = sorted(e["data_offsets"] for e in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(raw) - 8 - n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # back to back
    begin, end = header["w"]["data_offsets"]
    np.testing.assert_array_equal(
        np.frombuffer(raw[8 + n + begin : 8 + n + end], "<f4"), np.ones(6)
    )


# ---------------------------------------------------------------- interop with safetensors


def _torch_mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def test_our_state_dict_loads_into_a_torch_model(tmp_path):
    reference = _torch_mlp()
    ours = {k: tg.tensor(v.detach().numpy() * 2) for k, v in reference.state_dict().items()}
    tg.save(ours, tmp_path / "model.safetensors")
    loaded = load_file(str(tmp_path / "model.safetensors"))
    model = _torch_mlp()
    model.load_state_dict(loaded)  # strict: every key and shape matches
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), ours[k].numpy())
    x = torch.randn(5, 4)
    assert model(x).shape == (5, 2)
    arrays = np_load_file(str(tmp_path / "model.safetensors"))  # the NumPy reader agrees too
    assert sorted(arrays) == sorted(ours)


def test_every_dtype_reads_back_in_torch(tmp_path):
    ours = {str(d): tg.tensor([[1, 0, 3]]).to(d) for d in DTYPES}
    tg.save(ours, tmp_path / "a.st", format="safetensors")
    theirs = load_file(str(tmp_path / "a.st"))
    for k, v in ours.items():
        assert str(theirs[k].dtype).split(".")[1] == str(v.dtype).split(".")[1]
        np.testing.assert_array_equal(theirs[k].numpy(), v.numpy())


def test_a_torch_safetensors_file_loads_here(tmp_path):
    torch.manual_seed(0)
    tensors = {
        "linear.weight": torch.randn(3, 4),
        "linear.bias": torch.randn(3),
        "count": torch.tensor(5),
        "mask": torch.tensor([True, False]),
        "half": torch.randn(2).half(),
        "double": torch.randn(2, 2, dtype=torch.float64),
        "i32": torch.arange(4, dtype=torch.int32),
        "scalar": torch.tensor(1.5),
        "empty": torch.zeros(0, 2),
    }
    save_file(tensors, str(tmp_path / "t.safetensors"), metadata={"format": "pt"})
    loaded = tg.load(tmp_path / "t.safetensors")
    assert sorted(loaded) == sorted(tensors)
    for k, v in tensors.items():
        assert isinstance(loaded[k], tg.Tensor) and tuple(loaded[k].shape) == tuple(v.shape)
        assert str(loaded[k].dtype).split(".")[1] == str(v.dtype).split(".")[1]
        np.testing.assert_array_equal(loaded[k].numpy(), v.numpy())


def test_torch_model_weights_drive_our_ops(tmp_path):
    reference = _torch_mlp()
    save_file(reference.state_dict(), str(tmp_path / "m.safetensors"))
    sd = tg.load(tmp_path / "m.safetensors")
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    h = (tg.tensor(x) @ sd["0.weight"].T + sd["0.bias"]).relu()
    out = h @ sd["2.weight"].T + sd["2.bias"]
    np.testing.assert_allclose(
        out.numpy(), reference(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


# ---------------------------------------------------------------- bad files


def _expect_error(path, *words):
    with pytest.raises(RuntimeError) as info:
        tg.load(path)
    message = str(info.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message


def test_torch_save_files_load_whatever_their_name(tmp_path):
    """Formats are told apart by their bytes (tests/test_pt_checkpoints.py has the rest)."""
    torch.save({"a": torch.ones(2)}, tmp_path / "zip.safetensors")
    torch.save({"a": torch.ones(2)}, tmp_path / "legacy", _use_new_zipfile_serialization=False)
    for name in ("zip.safetensors", "legacy"):
        assert tg.load(tmp_path / name)["a"].tolist() == [1.0, 1.0]


class _Trap:
    """Unpickling this would create a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_malicious_pickle_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    (tmp_path / "evil.pt").write_bytes(pickle.dumps(_Trap(str(marker))))
    _expect_error(tmp_path / "evil.pt", "pickle")
    assert not marker.exists()


def test_random_bytes_empty_and_tiny_files(tmp_path):
    (tmp_path / "r").write_bytes(np.random.default_rng(0).bytes(200))
    _expect_error(tmp_path / "r", "not a safetensors file")
    (tmp_path / "e").write_bytes(b"")
    _expect_error(tmp_path / "e", "0 bytes")
    (tmp_path / "t").write_bytes(b"\x05\x00")
    _expect_error(tmp_path / "t", "2 bytes")
    (tmp_path / "npy").write_bytes(b"")
    np.save(tmp_path / "npy.npy", np.ones(3))
    _expect_error(tmp_path / "npy.npy", "NumPy")


def _write(path, header, data=b""):
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + data)


def test_truncated_files(tmp_path):
    tg.save({"w": tg.ones(4, 4)}, tmp_path / "good", format="safetensors")
    raw = (tmp_path / "good").read_bytes()
    (tmp_path / "cut_data").write_bytes(raw[:-10])
    _expect_error(tmp_path / "cut_data", "truncated")
    (tmp_path / "cut_header").write_bytes(raw[:20])
    _expect_error(tmp_path / "cut_header", "points past the end")


def test_corrupt_headers(tmp_path):
    f32 = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    cases = {
        "past_end": (
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}},
            b"\0" * 8,
            "truncated",
        ),
        "wrong_size": (
            {"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}},
            b"\0" * 8,
            "needs 12",
        ),
        "bad_dtype": (
            {"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}},
            b"\0" * 4,
            "'BF16'",
        ),
        "bad_shape": (
            {"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}},
            b"\0" * 8,
            "invalid shape",
        ),
        "bad_offsets": (
            {"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}},
            b"\0" * 8,
            "invalid data_offsets",
        ),
        "overlap": ({"a": f32, "b": f32}, b"\0" * 8, "overlap"),
        "not_record": ({"a": [1, 2]}, b"", "not a {dtype"),
        "bad_metadata": ({"__metadata__": {"k": 1}}, b"", "__metadata__"),
        "bad_structure": (
            {"a": f32, "__metadata__": {"tinygrad_nn": '{"tensor": "zz"}'}},
            b"\0" * 8,
            "structure",
        ),
        "structure_not_json": ({"__metadata__": {"tinygrad_nn": "{oops"}}, b"", "structure"),
    }
    for name, (header, data, words) in cases.items():
        _write(tmp_path / name, header, data)
        _expect_error(tmp_path / name, words)
    (tmp_path / "not_json").write_bytes((6).to_bytes(8, "little") + b"{oops}")
    _expect_error(tmp_path / "not_json", "not JSON")
    (tmp_path / "list").write_bytes((2).to_bytes(8, "little") + b"[]")
    _expect_error(tmp_path / "list", "not a JSON object")
    (tmp_path / "bad_utf8").write_bytes((2).to_bytes(8, "little") + b"\xff\xfe")
    _expect_error(tmp_path / "bad_utf8", "not JSON")


def test_errors_name_file_objects_too():
    with pytest.raises(RuntimeError, match="BytesIO|not a safetensors"):
        tg.load(io.BytesIO(b"PK\x03\x04 rest of a zip"))


def test_save_then_load_leaves_no_handles_open(tmp_path):
    path = tmp_path / "a.st"
    for _ in range(3):
        tg.save({"a": tg.ones(2)}, path)
        tg.load(path)
    os.remove(path)  # would fail on some systems if a handle were left open


def test_header_length_starting_like_a_pickle_still_loads(tmp_path):
    """A header of 640 bytes starts the file with 0x80 0x02, a pickle's first two bytes."""
    header = {"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}
    text = json.dumps(header).encode()
    text += b" " * (640 - len(text))
    path = tmp_path / "a.st"
    path.write_bytes((640).to_bytes(8, "little") + text + np.float32(2.5).tobytes())
    assert path.read_bytes()[:2] == b"\x80\x02"
    assert tg.load(path)["a"].tolist() == [2.5]
    assert load_file(str(path))["a"].tolist() == [2.5]


def _twin_nets():
    """The same small net with batch norm (so buffers and an int64 counter are included)."""

    def build(nn):
        return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))

    return build(torch.nn), build(tg.nn)


def test_a_module_state_dict_goes_to_torch_and_back(tmp_path):
    t_net, g_net = _twin_nets()
    g_net.train()
    g_net(tg.randn(8, 4))  # move the running statistics away from their initial values
    tg.save(g_net.state_dict(), tmp_path / "net.safetensors")
    t_net.load_state_dict(load_file(str(tmp_path / "net.safetensors")))
    t_net.eval()
    g_net.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        g_net(tg.tensor(x)).detach().numpy(),
        t_net(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    torch.manual_seed(1)
    fresh_torch, fresh_ours = _twin_nets()
    save_file(fresh_torch.state_dict(), str(tmp_path / "torch.safetensors"))
    back = tg.load(tmp_path / "torch.safetensors")
    fresh_ours.load_state_dict(back)
    for k, v in fresh_torch.state_dict().items():
        np.testing.assert_array_equal(fresh_ours.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    assert fresh_ours.state_dict()["1.num_batches_tracked"].dtype == tg.int64


def test_a_whole_checkpoint_round_trips(tmp_path):
    _, net = _twin_nets()
    opt = tg.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sched = tg.optim.lr_scheduler.StepLR(opt, step_size=2)
    net(tg.randn(4, 4)).sum().backward()
    opt.step()
    sched.step()
    ckpt = {
        "model": net.state_dict(),
        "optimizer": opt.state_dict(),
        "scheduler": sched.state_dict(),
        "epoch": 1,
    }
    tg.save(ckpt, tmp_path / "ckpt.safetensors")
    back = tg.load(tmp_path / "ckpt.safetensors")
    assert back["epoch"] == 1 and back["scheduler"] == sched.state_dict()
    assert back["optimizer"]["param_groups"] == opt.state_dict()["param_groups"]
    for k, v in opt.state_dict()["state"].items():
        np.testing.assert_array_equal(
            back["optimizer"]["state"][k]["momentum_buffer"].numpy(), v["momentum_buffer"].numpy()
        )
    _, other = _twin_nets()
    other.load_state_dict(back["model"])
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[k].numpy(), v.numpy())


# ---------------------------------------------------------------- property: any nesting round trips

_ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
)
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=8)
    | st.floats(allow_nan=False)
    | _ARRAYS.map(tg.tensor)
)
_KEYS = st.text(max_size=6) | st.integers(-5, 5)
_NESTED = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(_KEYS, inner, max_size=4)
    ),
    max_leaves=12,
)


def _equal(a, b):
    if isinstance(b, tg.Tensor):
        assert isinstance(a, tg.Tensor) and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(b, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in b:
            _equal(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _equal(x, y)
    else:
        assert type(a) is type(b) and a == b


@given(_NESTED)
def test_any_nesting_round_trips(obj):
    buffer = io.BytesIO()
    tg.save(obj, buffer)
    buffer.seek(0)
    _equal(tg.load(buffer), obj)
