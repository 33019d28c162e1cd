"""The `Optimizer` base class: parameter groups, per-parameter state, save and restore.

An optimizer owns a list of *parameter groups*. Each group is a dict holding its tensors
under "params" plus the options (lr, momentum, ...) used to update them; options missing
from a group are filled in from the optimizer's `defaults`. Per-parameter running values
(momentum buffers, Adam's moments, the step count) live in `state[param]`.

    opt = SGD([{"params": body}, {"params": head, "lr": 0.1}], lr=0.01, momentum=0.9)
    opt.param_groups[1]["lr"]     # 0.1 (its own), momentum 0.9 (from defaults)

Subclasses write one `step()`. The updates run on the parameters' NumPy arrays in place
(`out=` buffers, no needless temporaries) and bump each changed tensor's version counter,
so a graph that saved a parameter before the step still notices the change in backward.
Read `sgd.py` next.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from itertools import chain

import numpy as np

from .._typename import typename as _typename
from .._zero_grad import zero_grads
from ..autograd._parity import quiet_numpy
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a default that every parameter group must set itself (PyTorch's `required`)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers (same semantics as `torch.optim.Optimizer`).

    Args:
        params: An iterable of Tensors, of `(name, Tensor)` pairs, or of dicts that each
            define a parameter group (its tensors under "params", plus per-group options).
        defaults: The options a group gets when it does not set them itself.
    """

    def __init__(self, params, defaults: dict) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}"
            )
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"

    def step(self, closure=None):
        """Update the parameters once. Every optimizer class defines its own rule."""
        raise NotImplementedError(f"{type(self).__name__} does not define step()")

    def _step(self, closure):
        """What every optimizer's `step()` does: run the closure, then `_update_group` on each
        group, not recorded. Returns the closure's loss."""
        loss = self._run_closure(closure)
        with quiet_numpy(False):  # no_grad, and NumPy's warnings off once for all updates
            for group in self.param_groups:
                self._update_group(group)
        return loss

    def _update_group(self, group: dict) -> None:
        """`_update(p, group)` for each parameter of the group that has a gradient. (SGD
        overrides this loop to read the group's options once.)"""
        for p in group["params"]:
            if p.grad is not None:
                self._update(p, group)

    def _update(self, p: Tensor, group: dict) -> None:
        """The update rule for one parameter: each optimizer class writes its own."""
        raise NotImplementedError(f"{type(self).__name__} does not define an update rule")

    def _run_closure(self, closure):
        # The closure recomputes the loss and calls backward, so it needs grad mode even
        # when step() itself is called under no_grad.
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's `.grad`: drop it (default), or fill it with zeros."""
        params = (p for group in self.param_groups for p in group["params"])
        zero_grads(params, set_to_none)

    def add_param_group(self, param_group: dict) -> None:
        """Append a group (e.g. layers unfrozen in fine-tuning); missing options get defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            param_group["param_names"] = names
        for p in param_group["params"]:
            _check_param(p, self.defaults.get("differentiable", False))
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization parameter "
                    f"{name}"
                )
            param_group.setdefault(name, default)
        self._check_new_group(param_group)
        self.param_groups.append(param_group)

    def _check_new_group(self, param_group: dict) -> None:
        ids = [id(p) for p in param_group["params"]]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error",
                stacklevel=3,
            )
        seen = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. cannot add param "
                    f"group {which} to the optimizer"
                )
        if not seen.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")

    def state_dict(self) -> dict:
        """{'state': {index: per-parameter state}, 'param_groups': [options + 'params': indices]}.

        Parameters are replaced by their position across all groups, as in PyTorch, so the
        dict can be loaded into a new optimizer over other tensors of the same shapes. The
        state tensors are the live ones (not copies), as in PyTorch.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(k)] if isinstance(k, Tensor) else k: v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what `state_dict()` returned (state tensors are copied, cast to each param)."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for group, saved in zip(self.param_groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    "of optimizer's group"
                )
        id_map = dict(
            zip(
                chain.from_iterable(g["params"] for g in saved_groups),
                chain.from_iterable(g["params"] for g in self.param_groups),
            )
        )
        state: defaultdict = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {k: _cast(param, v, k) for k, v in value.items()}
            else:
                state[key] = value
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                saved.setdefault(name, default)  # a dict saved by an older version
        self.state, self.param_groups = state, saved_groups


def _check_param(p, differentiable: bool) -> None:
    if not isinstance(p, Tensor):
        raise TypeError(
            f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}"
        )
    if not differentiable and not (p.is_leaf or p.retains_grad):
        raise ValueError("can't optimize a non-leaf Tensor")


def _cast(param: Tensor, value, key=None):
    """A saved state value with its tensors cast to the parameter's dtype.

    As in PyTorch, a tensor that needs no cast is taken as it is, not copied (so the loaded
    optimizer shares it with the dict), and the step counter keeps its own dtype (float32);
    a plain number saved there by an older format becomes a tensor again.
    """
    if isinstance(value, Tensor):
        dtype = param._data.dtype
        if key == "step" or dtype.kind != "f" or value._data.dtype == dtype:
            return value
        return Tensor._make(value._data.astype(dtype))
    if key == "step" and isinstance(value, (int, float)):
        return Tensor._make(np.array(value, np.float32))
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v) for v in value)
    return value


# ---------------------------------------------------------------- helpers for __init__


def check_lr(lr) -> None:
    """PyTorch's refusal of a learning rate given as a tensor of several elements."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


def check_not_negative(*options: tuple) -> None:
    """ValueError for the first `(what, value)` whose value is not >= 0 (NaN is not either),
    worded as PyTorch's: "Invalid epsilon value: -1"."""
    for what, value in options:
        if not 0.0 <= to_scalar(value):
            raise ValueError(f"Invalid {what}: {value}")


def check_betas(betas) -> None:
    """PyTorch's "Invalid beta parameter at index i" unless 0 <= beta_i < 1."""
    for i in (0, 1):
        if not 0.0 <= to_scalar(betas[i]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def check_fused(fused, differentiable, foreach) -> None:
    """PyTorch's refusals of `fused` together with `differentiable` or `foreach` (the three
    flags are accepted for compatibility and change nothing here)."""
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


# ---------------------------------------------------------------- helpers for step()


def to_scalar(x) -> float:
    """A Python number from a number or a one-element tensor (lr may be given as a tensor)."""
    return x.item() if isinstance(x, Tensor) else x


def bump(*tensors: Tensor) -> None:
    """Record an in-place change made on `t._data` directly (shared by views of t)."""
    for t in tensors:
        t._version_counter[0] += 1


def new_step() -> Tensor:
    """The step counter PyTorch keeps: a 0-d float32 tensor."""
    return Tensor._make(np.zeros((), np.float32))


def buffer_like(p: Tensor, value: float = 0.0) -> Tensor:
    """A state buffer shaped and typed like parameter p, filled with `value`."""
    return Tensor._make(np.full(p._data.shape, value, p._data.dtype))


def lerp_(start: np.ndarray, end: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """start += weight * (end - start), in place, rounding as PyTorch's lerp_ does.

    PyTorch picks the formula by the size of the weight, which keeps the result exact at
    weight 0 and weight 1: start + w*(end - start) for w < 0.5, else end - (end - start)*(1 - w).
    """
    np.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= weight
        start += tmp
    else:
        tmp *= weight - 1
        np.add(end, tmp, out=start)
