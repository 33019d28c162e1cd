"""PyTorch's checkpoint files both ways: torch.save -> tinygrad_nn.load, tinygrad_nn.save ->
torch.load(weights_only=True), ours -> ours; and pickles that try to run code, refused with no
side effect; truncated and corrupt archives, refused with clear errors."""

import collections
import io
import math
import os
import pickle
import zipfile

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def _build(nn):
    return nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))


def _trained_torch(steps=2):
    """A torch model and Adam, a few steps in (running stats and Adam state non-trivial)."""
    torch.manual_seed(0)
    model = _build(torch.nn)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        (model(torch.randn(8, 4)) - 1).square().mean().backward()
        opt.step()
    return model, opt


def _trained_ours(steps=2):
    tg.manual_seed(0)
    model = _build(tg.nn)
    opt = tg.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        (model(tg.randn(8, 4)) - 1).square().mean().backward()
        opt.step()
    return model, opt


def _same(ours, theirs):
    """Nested equality of a loaded object with a torch one: types, dtypes, values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), type(ours)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.requires_grad == theirs.requires_grad
        assert isinstance(ours, tg.nn.Parameter) == isinstance(theirs, torch.nn.Parameter)
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    else:
        nans = isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs)
        assert type(ours) is type(theirs) and (ours == theirs or nans), (ours, theirs)


def _torch_to_ours(obj, tmp_path, **kwargs):
    torch.save(obj, tmp_path / "t.pt", **kwargs)
    return tg.load(tmp_path / "t.pt")


def _ours_to_torch(obj, tmp_path):
    tg.save(obj, tmp_path / "o.pt")
    return torch.load(tmp_path / "o.pt", weights_only=True)


# ---------------------------------------------------------------- torch writes, we read


def test_a_torch_state_dict_loads_and_runs_here(tmp_path):
    model, _ = _trained_torch()
    sd = _torch_to_ours(model.state_dict(), tmp_path)
    _same(sd, model.state_dict())
    assert sd["1.num_batches_tracked"].dtype == tg.int64 and sd["1.num_batches_tracked"] == 2
    assert sd._metadata["1"] == {"version": 2}  # what load_state_dict's version checks read
    ours = _build(tg.nn)
    ours.load_state_dict(sd)
    model.eval()
    ours.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(tg.tensor(x)).detach().numpy(),
        model(torch.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_an_optimizer_checkpoint_resumes_here_like_in_torch(tmp_path):
    model, opt = _trained_torch()
    ckpt = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "loss": 0.125,
        "note": "adam, lr 0.01",
        "best": None,
    }
    back = _torch_to_ours(ckpt, tmp_path)
    _same(back, ckpt)
    assert set(back["optimizer"]["state"]) == {0, 1, 2, 3, 4, 5}
    assert back["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    ours = _build(tg.nn)
    ours.load_state_dict(back["model"])
    ours_opt = tg.optim.Adam(ours.parameters(), lr=0.01)
    ours_opt.load_state_dict(back["optimizer"])
    x = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    for net, optim, t in ((model, opt, torch.tensor), (ours, ours_opt, tg.tensor)):
        net.eval()  # in training mode BatchNorm cancels the first bias's gradient to ~1e-9
        optim.zero_grad()
        (net(t(x)) - 1).square().mean().backward()
        optim.step()
    for (k, a), b in zip(ours.state_dict().items(), model.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_views_sharing_a_storage_come_back_sharing_it(tmp_path):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    obj = {
        "base": base,
        "row": base[1],
        "t": base.T,
        "cols": base[:, 1::2],
        "expanded": base[0, :1].expand(3, 2),
        "flat": base.view(-1)[5:9],
    }
    back = _torch_to_ours(obj, tmp_path)
    for k, v in obj.items():
        _same(back[k], v)
        assert back[k].stride() == v.stride(), k
        assert np.shares_memory(back[k].numpy(), back["base"].numpy()), k
    back["base"][1, 1] = -7.0  # one buffer, as in PyTorch
    assert back["row"][1].item() == back["t"][1, 1].item() == back["flat"][2].item() == -7.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3)], ids=str)
def test_every_dtype_and_shape_from_torch(dtype, shape, tmp_path):
    values = torch.from_numpy(np.random.default_rng(0).uniform(-50, 50, shape))
    t = values.to(getattr(torch, dtype))
    _same(
        _torch_to_ours({"t": t, "nc": t.T if t.dim() == 2 else t}, tmp_path),
        {"t": t, "nc": t.T if t.dim() == 2 else t},
    )


def test_parameters_and_requires_grad_from_torch(tmp_path):
    obj = [
        torch.nn.Parameter(torch.ones(2)),
        torch.nn.Parameter(torch.ones(2), False),
        torch.ones(3, requires_grad=True),
        torch.ones(1),
    ]
    back = _torch_to_ours(obj, tmp_path)
    _same(back, obj)
    back[0].sum().backward()  # a usable leaf
    assert back[0].grad.tolist() == [1.0, 1.0]


def test_the_legacy_format_loads_too(tmp_path):
    model, opt = _trained_torch()
    base = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    obj = {
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "t": base.T,
        "row": base[1],
        "base": base,
    }
    back = _torch_to_ours(obj, tmp_path, _use_new_zipfile_serialization=False)
    _same(back, obj)
    assert np.shares_memory(back["t"].numpy(), back["row"].numpy())


def test_file_objects_and_map_location(tmp_path):
    buffer = io.BytesIO()
    torch.save({"a": torch.ones(2)}, buffer)
    for where in (None, "cpu", tg.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        buffer.seek(0)
        assert tg.load(buffer, map_location=where)["a"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="CUDA"):
        tg.load(buffer, map_location="cuda")


def _rewrite(path, record_suffix, change):
    """Copy the zip at `path` with one record's bytes changed by `change`."""
    with zipfile.ZipFile(path) as src:
        records = {i.filename: src.read(i.filename) for i in src.infolist()}
    name = next(n for n in records if n.endswith(record_suffix))
    records[name] = change(records[name])
    with zipfile.ZipFile(path, "w") as out:
        for n, data in records.items():
            out.writestr(n, data)


def test_a_gpu_checkpoint_needs_map_location_as_in_torch(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "gpu.pt")
    gpu = b"X\x06\x00\x00\x00cuda:0"  # the storage's location, as a GPU save records it
    _rewrite(tmp_path / "gpu.pt", "data.pkl", lambda d: d.replace(b"X\x03\x00\x00\x00cpu", gpu))
    with pytest.raises(RuntimeError, match="map_location=torch.device\\('cpu'\\)"):
        tg.load(tmp_path / "gpu.pt")
    for where in ("cpu", {"cuda:0": "cpu"}, lambda s, loc: s):
        assert tg.load(tmp_path / "gpu.pt", map_location=where)["w"].tolist() == [1.0, 1.0]


def test_a_big_endian_archive_loads(tmp_path):
    values = torch.tensor([1.5, -2.0, 3.25], dtype=torch.float64)
    torch.save({"v": values, "i": torch.tensor([1, 258], dtype=torch.int16)}, tmp_path / "b.pt")
    _rewrite(tmp_path / "b.pt", "byteorder", lambda _: b"big")
    _rewrite(tmp_path / "b.pt", "data/0", lambda d: np.frombuffer(d, "<f8").astype(">f8").tobytes())
    _rewrite(tmp_path / "b.pt", "data/1", lambda d: np.frombuffer(d, "<i2").astype(">i2").tobytes())
    back = tg.load(tmp_path / "b.pt")
    assert back["v"].tolist() == [1.5, -2.0, 3.25] and back["i"].tolist() == [1, 258]
    back["v"][0] = 0.0  # writable, native order


def test_bfloat16_is_refused_clearly(tmp_path):
    torch.save({"h": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "h.pt")
    with pytest.raises(RuntimeError, match="bfloat16 dtype"):
        tg.load(tmp_path / "h.pt")


# ---------------------------------------------------------------- we write, torch reads


def test_our_state_dict_loads_into_a_torch_model(tmp_path):
    ours, _ = _trained_ours()
    sd = _ours_to_torch(ours.state_dict(), tmp_path)
    assert isinstance(sd, collections.OrderedDict) and sd["1.num_batches_tracked"].item() == 2
    assert sd["1.num_batches_tracked"].dtype == torch.int64
    model = _build(torch.nn)
    model.load_state_dict(sd)  # strict
    _same(ours.state_dict(), model.state_dict())
    model.eval()
    ours.eval()
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        model(torch.tensor(x)).detach().numpy(),
        ours(tg.tensor(x)).detach().numpy(),
        rtol=1e-5,
        atol=1e-6,
    )


def test_our_optimizer_checkpoint_resumes_in_torch(tmp_path):
    ours, opt = _trained_ours()
    ckpt = {
        "model": ours.state_dict(),
        "optimizer": opt.state_dict(),
        "epoch": 3,
        "losses": [0.5, 0.25, float("inf")],
        "name": "run \u00e9",
        "best": None,
    }
    back = _ours_to_torch(ckpt, tmp_path)
    _same(ckpt, back)
    model = _build(torch.nn)
    model.load_state_dict(back["model"])
    torch_opt = torch.optim.Adam(model.parameters(), lr=0.01)
    torch_opt.load_state_dict(back["optimizer"])
    x = np.random.default_rng(1).standard_normal((8, 4)).astype(np.float32)
    for net, optim, t in ((model, torch_opt, torch.tensor), (ours, opt, tg.tensor)):
        net.eval()  # in training mode BatchNorm cancels the first bias's gradient to ~1e-9
        optim.zero_grad()
        (net(t(x)) - 1).square().mean().backward()
        optim.step()
    for (k, a), b in zip(ours.state_dict().items(), model.state_dict().values()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_our_views_share_a_storage_in_torch(tmp_path):
    base = tg.arange(24, dtype=tg.float32).reshape(4, 6)
    obj = {"base": base, "t": base.T, "row": base[2], "cols": base[:, ::3], "solo": tg.ones(2)}
    back = _ours_to_torch(obj, tmp_path)
    for k, v in obj.items():
        _same(v, back[k])
        assert back[k].stride() == v.stride(), k
    ptr = back["base"].untyped_storage().data_ptr()
    assert all(back[k].untyped_storage().data_ptr() == ptr for k in ("t", "row", "cols"))
    assert back["row"].storage_offset() == 12
    with zipfile.ZipFile(tmp_path / "o.pt") as z:  # one storage for the four views
        assert sum("/data/" in n for n in z.namelist()) == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 0, 3), (2, 3)], ids=str)
def test_every_dtype_and_shape_reaches_torch(dtype, shape, tmp_path):
    values = np.random.default_rng(0).uniform(-50, 50, shape)
    t = tg.tensor(values).to(getattr(tg, dtype))
    obj = {"t": t, "nc": t.T if t.ndim == 2 else t}
    _same(obj, _ours_to_torch(obj, tmp_path))


def test_our_parameters_dtypes_devices_and_sizes_reach_torch(tmp_path):
    p = tg.nn.Parameter(tg.ones(2))
    obj = {
        "p": p,
        "frozen": tg.nn.Parameter(tg.ones(1), False),
        "leaf": tg.ones(2, requires_grad=True),
        "again": p,
        "dtype": tg.float16,
        "device": tg.device("cpu"),
        "size": tg.ones(2, 3).shape,
        "bytes": b"\x00\xff",
        "set": {1, 2},
        (1, "a"): 2.5,
        7: "int key",
    }
    back = _ours_to_torch(obj, tmp_path)
    assert isinstance(back["p"], torch.nn.Parameter) and back["p"].requires_grad
    assert isinstance(back["frozen"], torch.nn.Parameter) and not back["frozen"].requires_grad
    assert back["leaf"].requires_grad and back["again"] is back["p"]
    assert back["dtype"] is torch.float16 and back["device"] == torch.device("cpu")
    assert back["size"] == torch.Size([2, 3]) and isinstance(back["size"], torch.Size)
    assert back["bytes"] == b"\x00\xff" and back["set"] == {1, 2}
    assert back[(1, "a")] == 2.5 and back[7] == "int key"


def test_the_zip_layout_is_pytorchs(tmp_path):
    tg.save({"w": tg.ones(3), "i": tg.arange(2)}, tmp_path / "a.pt")
    raw = (tmp_path / "a.pt").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.pt") as z:
        infos = {i.filename: i for i in z.infolist()}
        assert z.read("archive/byteorder") == b"little" and z.read("archive/version") == b"3\n"
    assert {"archive/data.pkl", "archive/data/0", "archive/data/1"} <= set(infos)
    for name, info in infos.items():
        assert info.compress_type == zipfile.ZIP_STORED
        assert _data_start(raw, info) % 64 == 0, (
            name
        )  # aligned, so torch.load(mmap=True) can map it
    back = torch.load(tmp_path / "a.pt", weights_only=True, mmap=True)
    assert back["w"].tolist() == [1.0, 1.0, 1.0] and back["i"].tolist() == [0, 1]


def test_unstorable_objects_raise_type_error_and_write_nothing(tmp_path):
    cases = {
        "object": object(),
        "ndarray": np.ones(2),
        "float64": np.float64(1.0),
        "frozenset": frozenset(),
    }
    for what, value in cases.items():
        with pytest.raises(TypeError, match=f"type {what}"):
            tg.save({"x": value}, tmp_path / "bad.pt")
        assert not (tmp_path / "bad.pt").exists()
    with pytest.raises(TypeError, match="dict key"):
        tg.save({frozenset(): 1}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="format"):
        tg.save({}, tmp_path / "bad.pt", format="npz")


def test_safetensors_stays_available_by_name_or_format(tmp_path):
    tg.save({"w": tg.ones(2)}, tmp_path / "a.safetensors")
    buffer = io.BytesIO()
    tg.save({"w": tg.ones(2)}, buffer, format="safetensors")
    for raw in ((tmp_path / "a.safetensors").read_bytes(), buffer.getvalue()):
        assert raw[8:9] == b"{"  # a JSON header, not a zip
    buffer.seek(0)
    assert tg.load(buffer)["w"].tolist() == tg.load(tmp_path / "a.safetensors")["w"].tolist()


# ---------------------------------------------------------------- ours -> ours


def test_round_trip_ours_to_ours(tmp_path):
    base = tg.arange(12, dtype=tg.float64).reshape(3, 4)
    model, opt = _trained_ours()
    sd = model.state_dict()
    sd._metadata = {"": {"version": 1}}  # as PyTorch's state_dict carries (pickle's BUILD)
    obj = {
        "model": sd,
        "optimizer": opt.state_dict(),
        "base": base,
        "t": base.T,
        "row": base[1],
        "p": tg.nn.Parameter(tg.ones(2)),
        "x": [float("nan"), -0.0, 2**70, (None, True)],
        "dtype": tg.int32,
        "size": base.shape,
        "set": {"a"},
    }
    tg.save(obj, tmp_path / "r.pt")
    back = tg.load(tmp_path / "r.pt")
    for k in ("model", "optimizer"):
        _equal_ours(back[k], obj[k])
    back["base"][0, 1] = 100.0
    assert back["t"][1, 0].item() == 100.0 and back["row"].tolist() == [4.0, 5.0, 6.0, 7.0]
    assert isinstance(back["p"], tg.nn.Parameter) and back["p"].requires_grad
    assert math.isnan(back["x"][0]) and math.copysign(1, back["x"][1]) == -1
    assert back["x"][2:] == [2**70, (None, True)] and back["dtype"] is tg.int32
    assert back["size"] == (3, 4) and isinstance(back["size"], tg.Size) and back["set"] == {"a"}
    assert back["model"]._metadata == {"": {"version": 1}}


def _equal_ours(a, b):
    if isinstance(b, tg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    elif isinstance(b, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in b:
            _equal_ours(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b)
        for x, y in zip(a, b):
            _equal_ours(x, y)
    else:
        assert a == b


# ---------------------------------------------------------------- code in pickles never runs


class _System:
    """Unpickling this would run a shell command."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _Eval:
    def __init__(self, fn, source):
        self.fn, self.source = fn, source

    def __reduce__(self):
        return (self.fn, (self.source,))


class _Plain:
    """No __reduce__ of its own: protocol 2 pickles it with copy_reg._reconstructor."""

    def __init__(self):
        self.x = 1


def _data_start(raw: bytes, info: zipfile.ZipInfo) -> int:
    """Where a record's bytes begin: read from its local header (its extra field may differ
    from the central directory's)."""
    at = info.header_offset
    name_len, extra_len = (int.from_bytes(raw[at + i : at + i + 2], "little") for i in (26, 28))
    return at + 30 + name_len + extra_len


def _zip_with_pickle(path, payload: bytes):
    """A torch.save archive whose data.pkl is replaced by `payload`."""
    torch.save({"w": torch.ones(2)}, path)
    _rewrite(path, "data.pkl", lambda _: payload)


def test_an_os_system_payload_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": _System(f"touch {marker}")}, protocol=2)
    (tmp_path / "bare.pt").write_bytes(payload)
    _zip_with_pickle(tmp_path / "zip.pt", payload)
    for name in ("bare.pt", "zip.pt"):
        with pytest.raises(pickle.UnpicklingError, match=r"posix\.system") as info:
            tg.load(tmp_path / name)
        assert str(tmp_path / name) in str(info.value)
        assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):  # the oracle agrees it is unsafe
        torch.load(tmp_path / "zip.pt", weights_only=True)
    assert not marker.exists()


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_eval_exec_and_arbitrary_classes_are_refused(protocol, tmp_path):
    marker = tmp_path / "pwned"
    code = f"open({str(marker)!r}, 'w')"
    cases = {
        "builtins.eval": _Eval(eval, code),
        "builtins.exec": _Eval(exec, code),
        "_Plain": _Plain(),
        "_System": _System,
    }
    for refused, obj in cases.items():
        _zip_with_pickle(tmp_path / "evil.pt", pickle.dumps([1.5, obj], protocol))
        with pytest.raises(pickle.UnpicklingError, match=refused):
            tg.load(tmp_path / "evil.pt")
    assert not marker.exists()


def test_a_tensor_reaching_outside_its_storage_is_refused(tmp_path):
    torch.save(torch.arange(4.0), tmp_path / "big.pt")
    size_4 = b"K\x04\x85"  # BININT1 4, TUPLE1: the size (4,)

    def grow(data):
        assert data.count(size_4) == 1
        return data.replace(size_4, b"K\x09\x85")

    _rewrite(tmp_path / "big.pt", "data.pkl", grow)
    with pytest.raises(RuntimeError, match="needs 9 elements, but its storage holds 4"):
        tg.load(tmp_path / "big.pt")


def test_truncated_and_corrupt_archives(tmp_path):
    model, _ = _trained_torch()
    torch.save(model.state_dict(), tmp_path / "good.pt")
    raw = (tmp_path / "good.pt").read_bytes()
    for cut in (len(raw) - 10, len(raw) // 2, 100, 4):
        (tmp_path / "cut.pt").write_bytes(raw[:cut])
        with pytest.raises(RuntimeError, match="truncated or corrupt") as info:
            tg.load(tmp_path / "cut.pt")
        assert str(tmp_path / "cut.pt") in str(info.value)
    with zipfile.ZipFile(tmp_path / "good.pt") as z:
        info = next(i for i in z.infolist() if i.filename.endswith("data/0"))
    start = _data_start(raw, info)
    flipped = raw[:start] + bytes([raw[start] ^ 0xFF]) + raw[start + 1 :]
    (tmp_path / "flipped.pt").write_bytes(flipped)
    with pytest.raises(RuntimeError, match="CRC"):
        tg.load(tmp_path / "flipped.pt")
    _rewrite(tmp_path / "good.pt", "data/3", lambda d: d[:4])
    with pytest.raises(RuntimeError, match="storage '3' holds 4 bytes"):
        tg.load(tmp_path / "good.pt")
    with zipfile.ZipFile(tmp_path / "nopkl.pt", "w") as z:
        z.writestr("archive/other", b"x")
    with pytest.raises(RuntimeError, match="data.pkl"):
        tg.load(tmp_path / "nopkl.pt")


def test_truncated_legacy_files_and_foreign_pickles(tmp_path):
    torch.save({"w": torch.ones(100)}, tmp_path / "l.pt", _use_new_zipfile_serialization=False)
    raw = (tmp_path / "l.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(raw[:-8])
    with pytest.raises(RuntimeError, match="truncated legacy checkpoint"):
        tg.load(tmp_path / "cut.pt")
    (tmp_path / "cut2.pt").write_bytes(raw[:40])
    with pytest.raises(RuntimeError, match="corrupt checkpoint"):
        tg.load(tmp_path / "cut2.pt")
    huge = raw.replace(b"K\x64N", b"J\x00\x00\x00\x40N")  # numel 100 -> 2**30, in the pickle
    assert huge != raw
    (tmp_path / "huge.pt").write_bytes(huge)
    with pytest.raises(RuntimeError, match="more than the file holds"):  # before allocating
        tg.load(tmp_path / "huge.pt")
    (tmp_path / "plain.pkl").write_bytes(pickle.dumps({"a": [1, 2]}, protocol=4))
    with pytest.raises(RuntimeError, match="not one written by torch.save"):
        tg.load(tmp_path / "plain.pkl")


def test_build_opcodes_cannot_change_shared_objects(tmp_path):
    """BUILD (None, {attr: 1}) aimed at allow-listed globals: our state stays untouched."""

    def build_on(module_name: bytes, attr: bytes) -> bytes:
        state = b"N}X" + len(attr).to_bytes(4, "little") + attr + b"K\x01s\x86b"
        return b"\x80\x02c" + module_name + b"\n" + state + b"."

    targets = {
        b"torch\nfloat32": b"np",
        b"collections\nCounter": b"__init__",
        b"torch\ndevice": b"__eq__",
        b"torch\nFloatStorage": b"np",
        b"torch\nSize": b"__new__",
    }
    for target, attr in targets.items():
        _zip_with_pickle(tmp_path / "b.pt", build_on(target, attr))
        try:
            tg.load(tmp_path / "b.pt")
        except RuntimeError as e:
            assert "immutable" in str(e)  # the dtype refuses outright
    assert tg.float32.np == np.float32 and collections.Counter("aa")["a"] == 2
    assert tg.device("cpu") == tg.device("cpu") and tg.Size([2]) == (2,)
    torch.save({"w": torch.ones(2)}, tmp_path / "ok.pt")
    assert tg.load(tmp_path / "ok.pt")["w"].dtype == tg.float32


def test_other_allowed_values_and_pickle_protocols_from_torch(tmp_path):
    t = torch.ones(2)
    t.note = "attribute"  # pickled through torch._tensor._rebuild_from_type_v2
    obj = {
        "t": t,
        "counter": collections.Counter("aab"),
        "complex": 1 + 2j,
        "bytearray": bytearray(b"xy"),
        "set": {1},
        "dtype": torch.int64,
        "device": torch.device("cpu"),
        "size": torch.Size([2]),
    }
    for protocol in (2, 4, 5):
        for zipped in (True, False):
            kwargs = {"pickle_protocol": protocol, "_use_new_zipfile_serialization": zipped}
            back = _torch_to_ours(obj, tmp_path, **kwargs)
            assert back["t"].tolist() == [1.0, 1.0] and back["counter"] == {"a": 2, "b": 1}
            assert back["complex"] == 1 + 2j and back["bytearray"] == bytearray(b"xy")
            assert back["set"] == {1} and back["dtype"] is tg.int64
            assert back["device"] == tg.device("cpu") and back["size"] == tg.Size([2])
