"""ParameterList and ParameterDict: Parameters held in a list or a dict, registered so that
`parameters()`, the optimizer and `state_dict` (keys '0', '1', ... or the dict's keys) see them.

A plain Tensor stored in either becomes a Parameter; any other object is kept as it is.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _as_parameter(value):
    return (
        Parameter(value)
        if isinstance(value, Tensor) and not isinstance(value, Parameter)
        else value
    )


def _describe(key, value, type_name: str) -> str:
    """One line of the repr: a tensor's kind, type and size, or an object's type."""
    if not isinstance(value, Tensor):
        return f"  ({key}): Object of type: {type(value).__name__}"
    kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
    size = "x".join(str(n) for n in value.shape)
    return f"  ({key}): {kind} containing: [{type_name} of size {size}]"


def _dtype_name(value: Tensor) -> str:
    # PyTorch's repr names the dtype as torch.float32; ours prints under the package name.
    return "torch." + str(value.dtype).rsplit(".", 1)[-1]


class ParameterList(Module):
    """A list of Parameters. Same semantics as `torch.nn.ParameterList`."""

    def __init__(self, values: Iterable | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _index(self, idx: int) -> str:
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range")
        return str(idx % n)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        return getattr(self, self._index(idx))

    def __setitem__(self, idx: int, param) -> None:
        setattr(self, self._index(idx), _as_parameter(param))

    def __len__(self) -> int:
        return self._size

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __iadd__(self, parameters: Iterable) -> ParameterList:
        return self.extend(parameters)

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value) -> ParameterList:
        """Add a value (a Tensor becomes a Parameter) at the end."""
        self._size += 1
        self[self._size - 1] = value
        return self

    def extend(self, values: Iterable) -> ParameterList:
        """Append every value of an iterable."""
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(
                "ParameterList.extend should be called with an iterable, but got "
                + type(values).__name__
            )
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(
            _describe(k, p, _dtype_name(p) if isinstance(p, Tensor) else "")
            for k, p in enumerate(self)
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """A dict of Parameters with string keys, in insertion order. Same semantics as
    `torch.nn.ParameterDict` (a plain dict given to it or to `update` is taken in key order)."""

    def __init__(self, parameters=None) -> None:
        super().__init__()
        self._keys: dict = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _check_key(key) -> str:
        if not isinstance(key, str):
            raise TypeError(
                "Index given to ParameterDict cannot be used as a key as it is not a "
                f"string (type is '{type(key).__name__}'). Open an issue on github "
                "if you need non-string keys."
            )
        return key

    def __getitem__(self, key: str):
        return getattr(self, self._check_key(key))

    def __setitem__(self, key: str, value) -> None:
        self._keys[self._check_key(key)] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key) -> bool:
        return key in self._keys

    def keys(self):
        """The keys, in insertion order."""
        return self._keys.keys()

    def values(self):
        """The values, in key order."""
        return (self[k] for k in self._keys)

    def items(self):
        """(key, value) pairs, in key order."""
        return ((k, self[k]) for k in self._keys)

    def get(self, key: str, default=None):
        """The value at key, or default."""
        return self[key] if key in self._keys else default

    def setdefault(self, key: str, default=None):
        """The value at key, first setting it to default if missing."""
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str):
        """Remove key and return its value."""
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple:
        """Remove and return the last inserted (key, value) pair."""
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def clear(self) -> None:
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same values."""
        return ParameterDict(OrderedDict((k, self[k]) for k in self._keys))

    def fromkeys(self, keys: Iterable, default=None) -> ParameterDict:
        """A new ParameterDict with every key set to default."""
        return ParameterDict((k, default) for k in keys)

    def update(self, parameters) -> None:
        """Add the entries of a mapping or an iterable of (key, value) pairs."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        elif isinstance(parameters, Iterable):
            pairs = []
            for j, pair in enumerate(parameters):
                if not isinstance(pair, Iterable) or len(pair) != 2:
                    raise ValueError(
                        f"ParameterDict update sequence element #{j} has length "
                        f"{len(pair)}; 2 is required"
                    )
                pairs.append(tuple(pair))
        else:
            raise TypeError(
                "ParametersDict.update should be called with an iterable of "
                f"key/value pairs, but got {type(parameters).__name__}"
            )
        for key, value in pairs:
            self[key] = value

    def __or__(self, other: ParameterDict) -> ParameterDict:
        out = self.copy()
        out.update(other)
        return out

    def extra_repr(self) -> str:
        return "\n".join(
            _describe(k, p, p.type() if isinstance(p, Tensor) else "") for k, p in self.items()
        )

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")
