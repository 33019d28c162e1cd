"""PyTorch's checkpoint containers: the zip archive `torch.save` writes, and its legacy stream.

The zip archive (PyTorch >= 1.6), every record stored uncompressed under one folder:

    archive/data.pkl              the pickle; tensors name their storages by key
    archive/byteorder             "little" or "big": how the storages' numbers are laid out
    archive/data/<key>            one storage's raw bytes
    archive/version               the format version, "3\\n"
    archive/.format_version, archive/.storage_alignment   (written by recent PyTorch)

Data records start on 64-byte boundaries (padding goes in the local header's extra field),
so readers can map them into memory. The legacy stream (`_use_new_zipfile_serialization=False`)
is five pickles and then raw data, back to back:

    magic number, protocol version 1001, {"little_endian": ..., ...}, the object,
    the sorted storage keys, then per key: its element count (8 bytes) and its elements
"""

from __future__ import annotations

import io
import sys
import zipfile

import numpy as np

from ._safe_unpickler import SafeUnpickler

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # the first pickle of every legacy file
_LEGACY_PROTOCOL = 1001
_ALIGNMENT = 64


def write_zip(out, data_pkl: bytes, storages: dict[str, np.ndarray]) -> None:
    """Write the archive to the binary file `out`; `storages` maps key -> flat array."""
    buffer = io.BytesIO()  # built in memory so each record's offset is known for alignment
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        _add(archive, buffer, "data.pkl", data_pkl)
        _add(archive, buffer, ".format_version", b"1")
        _add(archive, buffer, ".storage_alignment", str(_ALIGNMENT).encode())
        _add(archive, buffer, "byteorder", sys.byteorder.encode())
        for key, array in storages.items():
            _add(archive, buffer, f"data/{key}", memoryview(array.view(np.uint8)))
        _add(archive, buffer, "version", b"3\n")
    out.write(buffer.getbuffer())


def _add(archive: zipfile.ZipFile, buffer: io.BytesIO, name: str, data) -> None:
    info = zipfile.ZipInfo(f"archive/{name}")
    # A local header is 30 bytes + the name + the extra field; pad the extra field (a
    # 4-byte "FB" record header, then filler) so that the data after it starts aligned.
    data_start = buffer.tell() + 30 + len(info.filename.encode()) + 4
    pad = -data_start % _ALIGNMENT
    info.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
    archive.writestr(info, data)


def read_zip(src, name: str, on_location=None):
    """The object in the archive `src` (a seekable binary file), storages included."""
    try:
        archive = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise _corrupt(name, e) from None
    with archive:
        prefix = _folder(archive, name)
        order = _record(archive, prefix + "byteorder", name, missing=b"little").strip()
        if order not in (b"little", b"big"):
            raise RuntimeError(f"{name}: unknown byteorder record {order!r}")

        def load_storage(key: str, dtype: np.dtype, numel: int) -> np.ndarray:
            raw = _record(archive, f"{prefix}data/{key}", name)
            if len(raw) < numel * dtype.itemsize:
                raise RuntimeError(
                    f"{name}: storage {key!r} holds {len(raw)} bytes, but "
                    f"{numel} elements of {dtype} need {numel * dtype.itemsize}"
                )
            stored = dtype.newbyteorder("<" if order == b"little" else ">")
            return np.frombuffer(raw, stored, numel).astype(dtype)  # a native, writable copy

        pickled = _record(archive, prefix + "data.pkl", name)
        return SafeUnpickler(io.BytesIO(pickled), load_storage, on_location).load()


def _folder(archive: zipfile.ZipFile, name: str) -> str:
    """The folder holding data.pkl ("archive/" from us; PyTorch uses the file's stem)."""
    for record in archive.namelist():
        folder, _, leaf = record.rpartition("/")
        if leaf == "data.pkl" and folder and "/" not in folder:
            return folder + "/"
    raise RuntimeError(
        f"{name}: a zip archive without a <folder>/data.pkl record, so not a "
        "checkpoint written by torch.save"
    )


def _record(archive: zipfile.ZipFile, record: str, name: str, missing=None) -> bytes:
    try:
        return archive.read(record)
    except KeyError:
        if missing is not None:
            return missing
        raise RuntimeError(f"{name}: the checkpoint has no record {record!r}") from None
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as e:
        raise _corrupt(name, e) from None


def _corrupt(name: str, error: Exception) -> RuntimeError:
    return RuntimeError(f"{name}: not a readable zip checkpoint (truncated or corrupt?): {error}")


def read_legacy(src, name: str, on_location=None):
    """The object in a legacy stream; a pickle that is not one is refused, not loaded."""
    if SafeUnpickler(src).load() != LEGACY_MAGIC:
        raise RuntimeError(
            f"{name}: a pickle stream, but not one written by torch.save (no magic number); "
            "tinygrad_nn.load reads torch.save's formats and safetensors, not bare pickles"
        )
    version = SafeUnpickler(src).load()
    if version != _LEGACY_PROTOCOL:
        raise RuntimeError(f"{name}: legacy torch.save protocol {version!r} is not supported")
    info = SafeUnpickler(src).load()
    little = not isinstance(info, dict) or info.get("little_endian", True)
    storages: dict[str, np.ndarray] = {}
    here = src.tell()
    remaining = src.seek(0, io.SEEK_END) - here
    src.seek(here)

    def load_storage(key: str, dtype: np.dtype, numel: int) -> np.ndarray:
        if numel * dtype.itemsize > remaining:  # checked before allocating: files can lie
            raise RuntimeError(
                f"{name}: truncated legacy checkpoint: storage {key!r} needs "
                f"{numel * dtype.itemsize} bytes, more than the file holds"
            )
        return storages.setdefault(key, np.empty(numel, dtype))  # filled in below

    obj = SafeUnpickler(src, load_storage, on_location).load()
    for key in SafeUnpickler(src).load():
        _fill(src, storages.get(str(key)), str(key), little, name)
    return obj


def _fill(src, array, key: str, little: bool, name: str) -> None:
    """Read one storage's count and elements into `array`, in place."""
    if array is None:
        raise RuntimeError(f"{name}: the storage list names {key!r}, which no tensor uses")
    count = int.from_bytes(src.read(8), "little" if little else "big")
    if count != array.size:
        raise RuntimeError(f"{name}: storage {key!r} says {count} elements, not {array.size}")
    raw = src.read(array.nbytes)
    if len(raw) != array.nbytes:
        raise RuntimeError(
            f"{name}: truncated legacy checkpoint: storage {key!r} needs "
            f"{array.nbytes} bytes, but only {len(raw)} follow"
        )
    array.view(np.uint8)[:] = np.frombuffer(raw, np.uint8)
    if not little:
        array.byteswap(inplace=True)
