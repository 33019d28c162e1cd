"""`save` and `load`: PyTorch's own checkpoint files, and safetensors, without running code.

`save` writes PyTorch's zip format by default, so `torch.load(f)` in PyTorch (2.6+, which
defaults to `weights_only=True`) reads our state dicts, optimizer state and checkpoints:

    _pt_pickler.py      the pickle, in the dialect PyTorch's weights-only loader accepts
    _pt_zip.py          the zip archive around it (and the legacy pre-1.6 stream, for reading)
    _safetensors.py     the other format: files named *.safetensors, or format="safetensors"

`load` reads all three, telling them apart by their first bytes, never by the file name. A
pickle is read only by `_safe_unpickler.py`, which can build tensors, numbers, strings and
containers and nothing else: a file naming any other global (`os.system`, a class with a
`__reduce__`) raises `pickle.UnpicklingError` naming it, before anything in the file runs.
"""

from __future__ import annotations

import io
import os
import pickle

from . import _pt_pickler, _pt_zip, _safetensors
from ._safe_unpickler import RefusedPickle
from .tensor import device

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first record, or an empty zip's end
_PICKLE_STARTS = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05")  # PROTO, protocol


def save(
    obj,
    f,
    pickle_module=None,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization=True,
    _disable_byteorder_record=False,
    *,
    format: str | None = None,
) -> None:
    """Write `obj` to `f` (a path or a writable binary file). Same semantics as `torch.save`.

    The file is PyTorch's zip format unless `format="safetensors"` or the path ends in
    ".safetensors". `obj` may nest tensors (Parameters too), numbers, strings, bytes, None,
    dtypes and devices in dicts, OrderedDicts, lists, tuples and sets; anything else raises
    TypeError, because `torch.load(weights_only=True)` could not read it back. Safetensors
    also stores NumPy arrays. Tensors that are views of one buffer share one storage. The
    pickle arguments exist for signature compatibility and are ignored.
    """
    if format is None:
        named = isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors")
        format = "safetensors" if named else "pt"
    if format not in ("pt", "safetensors"):
        raise ValueError(f"format must be 'pt' or 'safetensors', got {format!r}")
    if format == "safetensors":
        with _open(f, "wb") as out:
            _safetensors.write(obj, out)
        return
    data_pkl, storages = _pt_pickler.dumps(obj)  # raises TypeError before a file is made
    with _open(f, "wb") as out:
        _pt_zip.write_zip(out, data_pkl, storages)


_NO_DEVICE = {  # PyTorch's CPU-only messages
    "cuda": "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
    "False. If you are running on a CPU-only machine, please use torch.load with "
    "map_location=torch.device('cpu') to map your storages to the CPU.",
    "mps": "torch.UntypedStorage(): Storage device not recognized: mps",
}


def load(
    f,
    map_location=None,
    pickle_module=None,
    *,
    weights_only: bool = True,
    mmap=None,
    **pickle_load_args,
):
    """Read a checkpoint from `f` (a path or a binary file). Same semantics as `torch.load`.

    Reads PyTorch's zip format, its legacy format and safetensors, by their bytes. Tensors
    come back with their dtype, shape and strides; views that shared a storage share memory.
    Everything runs on the CPU: `map_location` may be None, "cpu", a `device`, a dict or a
    function, and maps every storage to the CPU; without it, a storage saved on a GPU raises
    PyTorch's CPU-only error. Loading never executes code, so `weights_only=False` still
    loads only weights: a disallowed global raises `pickle.UnpicklingError`. Truncated or
    corrupt files raise RuntimeError naming the file.
    """
    if isinstance(map_location, (str, device)) and device(map_location).type != "cpu":
        raise RuntimeError(_NO_DEVICE.get(device(map_location).type, _NO_DEVICE["cuda"]))
    name = _name_of(f)
    with _open(f, "rb") as src:
        if not (hasattr(src, "seekable") and src.seekable()):
            src = io.BytesIO(src.read())  # zip reading needs seeking
        start = src.tell()
        head = src.read(16)
        src.seek(start)
        on_location = _check_location if map_location is None else None
        if head.startswith(_ZIP_MAGIC):
            return _unpickling(name, _pt_zip.read_zip, src, name, on_location)
        # A safetensors header length can start like a pickle; its JSON cannot.
        if head.startswith(_PICKLE_STARTS) and head[8:9] != b"{":
            return _unpickling(name, _pt_zip.read_legacy, src, name, on_location)
        return _safetensors.read(src, name)  # the safetensors header is JSON after 8 bytes


def _check_location(location: str) -> None:
    """Without map_location, PyTorch restores storages where they were saved."""
    kind = location.partition(":")[0]
    if kind != "cpu":
        raise RuntimeError(_NO_DEVICE.get(kind, _NO_DEVICE["cuda"]))


def _unpickling(name: str, read, *args):
    """Run a pickle reader; corrupt or refused pickles raise errors that name the file."""
    try:
        return read(*args)
    except RefusedPickle as e:
        raise RefusedPickle(f"{name}: {e}") from None
    except RuntimeError:
        raise
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        OverflowError,
    ) as e:
        raise RefusedPickle(
            f"{name}: corrupt checkpoint: its pickle could not be read ({type(e).__name__}: {e})"
        ) from None


# ---------------------------------------------------------------- paths and file objects


class _Borrowed:
    """A caller's open file used in a `with` block without closing it."""

    def __init__(self, f):
        self.f = f

    def __enter__(self):
        return self.f

    def __exit__(self, *exc_info):
        return False


def _open(f, mode: str):
    if isinstance(f, (str, os.PathLike)):
        return open(f, mode)
    if not hasattr(f, "write" if "w" in mode else "read"):
        raise TypeError(f"expected a path or a binary file object, got {type(f).__name__}")
    return _Borrowed(f)


def _name_of(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    return str(getattr(f, "name", f"<{type(f).__name__}>"))
