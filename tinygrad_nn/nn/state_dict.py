"""Saving and restoring a Module's values: what `state_dict()` and `load_state_dict()` do.

A state dict maps dotted names to values, one entry per parameter and persistent buffer:

    features.0.weight, features.0.bias, features.1.running_mean, ..., head.weight

Both directions walk the module tree in pre-order with an explicit stack, without skipping
shared modules (a layer used twice appears under both names, as in PyTorch). Loading copies
into the existing tensors in place, so an optimizer holding them keeps working, and checks
each entry's shape; every problem is collected first and reported in one RuntimeError.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Size, Tensor
from .parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict` returns: the keys that did not line up (PyTorch's class name,
    which its repr shows)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _walk(module, prefix: str):
    """(prefix, module) for the module and everything below it, pre-order, shared ones too."""
    stack = [(prefix, module)]
    while stack:
        prefix, module = stack.pop()
        yield prefix, module
        children = [(prefix + k + ".", m) for k, m in module._modules.items() if m is not None]
        stack.extend(reversed(children))  # reversed: the first child comes out first


def local_state(module) -> dict:
    """A module's own entries: parameters, then persistent buffers (None ones skipped)."""
    state = {k: v for k, v in module._parameters.items() if v is not None}
    state.update(
        (k, v)
        for k, v in module._buffers.items()
        if v is not None and k not in module._non_persistent_buffers_set
    )
    return state


def save(module, destination, prefix: str, keep_vars: bool) -> OrderedDict:
    """Fill (or create) the OrderedDict of every entry below `module`."""
    destination = OrderedDict() if destination is None else destination
    for module_prefix, m in _walk(module, prefix):
        m._save_to_state_dict(destination, module_prefix, keep_vars)
    return destination


def save_local(module, destination: dict, prefix: str, keep_vars: bool) -> None:
    """Add one module's own entries, and its extra state if its class defines some."""
    for name, value in local_state(module).items():
        destination[prefix + name] = value if keep_vars else value.detach()
    if _overrides(module, "get_extra_state"):
        destination[prefix + EXTRA_STATE] = module.get_extra_state()


def load(module, state_dict: Mapping, strict: bool, assign: bool) -> _IncompatibleKeys:
    """Load every entry; raise PyTorch's "Error(s) in loading state_dict for Net" on problems."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    state_dict = OrderedDict(state_dict)  # a layer's _load_from_state_dict may add keys
    missing, unexpected, errors = [], [], []
    for prefix, m in _walk(module, ""):
        m._load_from_state_dict(state_dict, prefix, missing, unexpected, errors, assign)
    if strict and unexpected:
        errors.insert(0, f"Unexpected key(s) in state_dict: {_quoted(unexpected)}. ")
    if strict and missing:
        errors.insert(0, f"Missing key(s) in state_dict: {_quoted(missing)}. ")
    if errors:
        raise RuntimeError(
            f"Error(s) in loading state_dict for {type(module).__name__}:\n\t" + "\n\t".join(errors)
        )
    return _IncompatibleKeys(missing, unexpected)


def _quoted(keys: list) -> str:
    return ", ".join(f'"{k}"' for k in keys)


def load_local(module, state_dict, prefix, missing, unexpected, errors, assign) -> None:
    """Load one module's own entries (keys `prefix + name`); collect what does not fit."""
    local = local_state(module)
    for name, target in local.items():
        key = prefix + name
        if key not in state_dict:
            missing.append(key)
            continue
        value = _checked_value(key, state_dict[key], target, errors)
        if value is None:
            continue
        with no_grad():
            if assign:
                _assign(module, name, target, state_dict[key], value)
            else:
                target.copy_(Tensor._make(value))
    extra_key = prefix + EXTRA_STATE
    if _overrides(module, "set_extra_state"):
        if extra_key in state_dict:
            module.set_extra_state(state_dict[extra_key])
        else:
            missing.append(extra_key)
    elif extra_key in state_dict:
        unexpected.append(extra_key)
    for key in state_dict:
        if key.startswith(prefix) and key != extra_key:
            # "a.b" must name a child module; "a" one of this module's own entries.
            first, *rest = key[len(prefix) :].split(".", 1)
            if first not in (module._modules if rest else local):
                unexpected.append(key)


EXTRA_STATE = "_extra_state"  # the key suffix of what get_extra_state() returns


def _overrides(module, method: str) -> bool:
    """Whether the module's class defines `method` instead of inheriting Module's."""
    from .module import Module  # here: module.py imports this file

    return getattr(type(module), method) is not getattr(Module, method)


def _checked_value(key: str, entry, target: Tensor, errors: list) -> np.ndarray | None:
    """The entry as an ndarray of the target's shape, or None after recording the error."""
    if isinstance(entry, Tensor):
        value = entry._data
    elif isinstance(entry, (np.ndarray, np.generic)) or hasattr(entry, "__array__"):
        # NumPy arrays, and anything that converts to one (a foreign tensor that requires
        # grad refuses to, so it is detached first)
        value = np.asarray(entry.detach() if hasattr(entry, "detach") else entry)
    else:
        errors.append(
            f'While copying the parameter named "{key}", expected torch.Tensor or '
            f"Tensor-like object from checkpoint but received {type(entry)}"
        )
        return None
    if target.ndim == 0 and value.shape == (1,):  # old checkpoints stored scalars as (1,)
        value = value.reshape(())
    if value.shape != target._data.shape:
        errors.append(
            f"size mismatch for {key}: copying a param with shape {Size(value.shape)} "
            f"from checkpoint, the shape in current model is {target.shape}."
        )
        return None
    return value


def _assign(module, name: str, old: Tensor, entry, value: np.ndarray) -> None:
    """assign=True: put the checkpoint's tensor itself (its dtype too) in place of the old
    one; only a parameter's requires_grad is kept from the module, as in PyTorch."""
    same = isinstance(entry, Tensor) and entry._data.shape == value.shape
    new = entry if same else Tensor._make(value)
    if isinstance(old, Parameter):
        if isinstance(new, Parameter):
            new.requires_grad_(old.requires_grad)
        else:
            new = Parameter(new, requires_grad=old.requires_grad)
    setattr(module, name, new)
