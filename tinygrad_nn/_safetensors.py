"""Safetensors files for `save` and `load`: tensors and nested state, with no pickle.

A safetensors file is

    8 bytes   N, the length of the header (unsigned, little-endian)
    N bytes   a JSON object: for every tensor  "name": {"dtype": "F32", "shape": [2, 3],
              "data_offsets": [begin, end]}, plus "__metadata__": {string: string}
    the rest  the tensors' raw little-endian bytes, back to back (offsets count from here)

so a state dict saved here loads with `safetensors.torch.load_file`, and a file written by
`safetensors.torch.save_file` loads here. Anything that is not a flat name -> tensor map
(an optimizer's state dict, a checkpoint {"model": ..., "epoch": 3}) is stored as those
tensors plus one metadata entry, "tinygrad_nn", holding the nesting as JSON with each tensor
replaced by {"tensor": its name}. Loading reads JSON and raw numbers only, and a truncated,
corrupt or foreign file raises a RuntimeError that names the file and the problem.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

_STRUCTURE_KEY = "tinygrad_nn"
_CODES = {
    "F64": np.float64,
    "F32": np.float32,
    "F16": np.float16,
    "I64": np.int64,
    "I32": np.int32,
    "I16": np.int16,
    "I8": np.int8,
    "U8": np.uint8,
    "BOOL": np.bool_,
}
_CODE_OF = {np.dtype(v): k for k, v in _CODES.items()}
_MAX_HEADER = 100_000_000  # the safetensors library's own limit
_MAGIC = {b"\x80": "a pickle stream", b"\x93NUMPY": "a NumPy .npy file"}


def write(obj, out) -> None:
    """Write `obj` to the binary file `out` as safetensors (see `tinygrad_nn.save`)."""
    arrays: dict[str, np.ndarray] = {}
    structure = _encode(obj, [], arrays, {})
    metadata = {"format": "pt", _STRUCTURE_KEY: json.dumps(structure, separators=(",", ":"))}
    header, order = {}, sorted(arrays, key=lambda n: -arrays[n].dtype.itemsize)  # keeps alignment
    offset = 0
    for name in order:
        a = arrays[name]
        header[name] = {
            "dtype": _CODE_OF[a.dtype],
            "shape": list(a.shape),
            "data_offsets": [offset, offset + a.nbytes],
        }
        offset += a.nbytes
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # pad so the data starts 8-byte aligned
    out.write(len(text).to_bytes(8, "little"))
    out.write(text)
    for name in order:
        out.write(arrays[name].reshape(-1).view(np.uint8).data)


def read(src, name: str):
    """What `write` (or any safetensors writer) wrote, read from the binary file `src`."""
    header, data = _read(src, name)
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise RuntimeError(f"{name}: corrupt safetensors file: __metadata__ is not a string map")
    arrays = _arrays(header, data, name)
    if _STRUCTURE_KEY not in metadata:
        return {k: Tensor._make(a) for k, a in arrays.items()}
    try:
        structure = json.loads(metadata[_STRUCTURE_KEY])
        return _decode(structure, arrays, {})
    except (ValueError, KeyError, TypeError, IndexError) as e:
        raise RuntimeError(
            f"{name}: corrupt safetensors file: bad '{_STRUCTURE_KEY}' structure entry ({e})"
        ) from None


# ---------------------------------------------------------------- encoding the nesting


def _encode(obj, path: list, arrays: dict, names: dict):
    """JSON for obj; tensors and arrays go to `arrays` under names made from their path."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"float": repr(obj)}
    if isinstance(obj, (Tensor, np.ndarray)):
        kind = "tensor" if isinstance(obj, Tensor) else "ndarray"
        if id(obj) not in names:  # a repeated object is stored once
            names[id(obj)] = _unique(".".join(path) or kind, arrays)
            array = obj._data if isinstance(obj, Tensor) else obj
            if array.dtype not in _CODE_OF:
                raise TypeError(f"tinygrad_nn.save cannot store arrays of dtype {array.dtype}")
            # asarray, not ascontiguousarray: the latter turns a 0-d array into shape (1,)
            arrays[names[id(obj)]] = np.asarray(array, array.dtype.newbyteorder("<"), order="C")
        entry = {kind: names[id(obj)]}
        if isinstance(obj, Tensor) and obj.requires_grad:
            entry["requires_grad"] = True
        if type(obj).__name__ == "Parameter":  # comes back as a Parameter, as in PyTorch
            entry["parameter"] = True
        return entry
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, path + [str(i)], arrays, names) for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"tuple": items}
    if isinstance(obj, dict):
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        return {
            kind: [
                [_encode_key(k), _encode(v, path + [str(k)], arrays, names)] for k, v in obj.items()
            ]
        }
    raise TypeError(
        f"tinygrad_nn.save cannot store an object of type {type(obj).__name__}: it stores "
        "tensors, NumPy arrays, numbers, strings, None, and dicts, lists and tuples of them"
    )


def _encode_key(key):
    if key is None or isinstance(key, (bool, int, str, float, tuple)):
        return _encode(key, [], {}, {})
    raise TypeError(f"tinygrad_nn.save cannot store a dict key of type {type(key).__name__}")


def _unique(name: str, taken: dict) -> str:
    candidate, n = name, 1
    while candidate in taken or candidate == "__metadata__":
        candidate, n = f"{name}#{n}", n + 1
    return candidate


def _decode(node, arrays: dict, made: dict):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, list):
        return [_decode(v, arrays, made) for v in node]
    ((kind, value),) = ((k, v) for k, v in node.items() if k not in _TENSOR_FLAGS)
    if kind in ("tensor", "ndarray"):
        if value not in made:
            made[value] = _tensor(arrays[value], node) if kind == "tensor" else arrays[value]
        return made[value]
    if kind == "float":
        return float(value)
    if kind == "tuple":
        return tuple(_decode(v, arrays, made) for v in value)
    if kind in ("dict", "odict"):
        pairs = [(_decode(k, arrays, made), _decode(v, arrays, made)) for k, v in value]
        return OrderedDict(pairs) if kind == "odict" else dict(pairs)
    raise ValueError(f"unknown entry {kind!r}")


_TENSOR_FLAGS = ("requires_grad", "parameter")


def _tensor(array: np.ndarray, node: dict) -> Tensor:
    requires_grad = bool(node.get("requires_grad"))
    if not node.get("parameter"):
        return Tensor._make(array, requires_grad)
    from .nn.parameter import Parameter  # here: the nn package imports much of the library

    return Parameter(Tensor._make(array), requires_grad)


# ---------------------------------------------------------------- reading and checking


def _read(src, name: str) -> tuple[dict, bytearray]:
    """The parsed header and the data bytes; every way a file can be wrong raises here."""
    head = src.read(8)
    n = int.from_bytes(head, "little") if len(head) == 8 else None
    if n is None:
        raise _refusal(name, head, f"only {len(head)} bytes long")
    if n > _MAX_HEADER:
        raise _refusal(name, head, f"its header length field says {n} bytes")
    text = src.read(n)
    if len(text) != n:
        raise _refusal(
            name,
            head,
            f"the header length {n} points past the end of the file "
            f"({8 + len(text)} bytes); truncated?",
        )
    try:
        header = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _refusal(name, head, "the header is not JSON") from None
    if not isinstance(header, dict):
        raise _refusal(name, head, "the header is not a JSON object")
    for key, entry in header.items():
        problem = _entry_problem(entry) if key != "__metadata__" else None
        if problem:
            raise RuntimeError(f"{name}: corrupt safetensors file: tensor {key!r} {problem}")
    size = max((e["data_offsets"][1] for k, e in header.items() if k != "__metadata__"), default=0)
    data = bytearray(size)
    got = src.readinto(data) if hasattr(src, "readinto") else _read_into(src, data)
    if got != size:
        raise RuntimeError(
            f"{name}: truncated safetensors file: the header describes {size} bytes of tensor "
            f"data, but only {got} bytes follow it"
        )
    return header, data


def _refusal(name: str, head: bytes, problem: str) -> RuntimeError:
    # Only once the bytes fail to parse as safetensors do we guess what they are: a valid
    # header length can start with the same byte as a pickle.
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            problem = f"it looks like {what}"
    return RuntimeError(f"{name}: not a safetensors file: {problem}")


def _read_into(src, data: bytearray) -> int:
    chunk = src.read(len(data))
    data[: len(chunk)] = chunk
    return len(chunk)


def _arrays(header: dict, data: bytearray, name: str) -> dict:
    """Each (already checked) entry as an array over `data`, without copying; no overlaps."""
    arrays, spans = {}, []
    for key, entry in header.items():
        begin, end = entry["data_offsets"]
        dtype = np.dtype(_CODES[entry["dtype"]]).newbyteorder("<")
        array = np.frombuffer(data, dtype, (end - begin) // dtype.itemsize, begin)
        array = array.reshape(entry["shape"]).astype(dtype.newbyteorder("="), copy=False)
        arrays[key] = array if array.flags.aligned else array.copy()
        spans.append((begin, end, key))
    spans.sort()
    for (_, end, first), (begin, _, second) in zip(spans, spans[1:]):
        if begin < end:
            raise RuntimeError(
                f"{name}: corrupt safetensors file: tensors {first!r} and {second!r} overlap"
            )
    return arrays


def _entry_problem(entry) -> str | None:
    """What is wrong with one header record, or None."""
    if not isinstance(entry, dict) or not {"dtype", "shape", "data_offsets"} <= entry.keys():
        return "is not a {dtype, shape, data_offsets} record"
    if entry["dtype"] not in _CODES:
        return f"has dtype {entry['dtype']!r}, which tinygrad_nn does not support"
    shape, offsets = entry["shape"], entry["data_offsets"]
    if not isinstance(shape, list) or not all(type(s) is int and s >= 0 for s in shape):
        return f"has an invalid shape {shape!r}"
    if not (
        isinstance(offsets, list)
        and len(offsets) == 2
        and all(type(o) is int for o in offsets)
        and 0 <= offsets[0] <= offsets[1]
    ):
        return f"has invalid data_offsets {offsets!r}"
    expected = math.prod(shape) * np.dtype(_CODES[entry["dtype"]]).itemsize
    if offsets[1] - offsets[0] != expected:
        return f"has {offsets[1] - offsets[0]} bytes of data, but shape {shape} needs {expected}"
    return None
