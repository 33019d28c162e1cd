"""`Module`: the base class of every layer and model.   Read this after `tensor.py`.

A Module is a container that knows three kinds of members, each in its own dict:

    _parameters   Parameters (learnable; `parameters()`, the optimizer and state_dict see them)
    _buffers      Tensors that are state but not learned (BatchNorm's running mean)
    _modules      sub-Modules, which makes a tree:  Net -> Sequential -> Linear

Plain attribute assignment does the registration (`self.fc = Linear(2, 3)` goes to
`_modules`, `self.w = Parameter(...)` to `_parameters`); buffers come only from
`register_buffer`. Every traversal - `parameters()`, `buffers()`, `modules()` - is a short
function over one iterative pre-order walk, `named_modules()`, so the names it produces
("fc.weight", "0.bias") are the same everywhere, including in `state_dict()`.

`__call__` runs the forward pre-hooks, `forward` and the forward hooks. While `forward`
runs, the module sits on `_module_stack`, so a tool observing op creation (see the hooks in
`autograd/function.py`) can tell which module produced an op.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

from .. import dtypes as _dt
from .._size_device import cuda_request, parse_to
from .._typename import typename as _typename
from .._zero_grad import zero_grads
from ..autograd._parity import quiet_numpy
from ..autograd.grad_mode import _state as _grad_state, no_grad
from ..tensor import Tensor
from . import hooks as _hooks, state_dict as _state
from .parameter import Parameter

_module_stack: list = []  # modules whose forward is running, outermost first


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (blank lines stay empty), for nested reprs."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    rest = [(" " * spaces + line) if line.strip() else "" for line in lines[1:]]
    return "\n".join([lines[0]] + rest)


class Module:
    """Base class for layers and models. Same semantics as `torch.nn.Module`.

    Subclasses call `super().__init__()`, assign Parameters and sub-Modules as attributes,
    and define `forward`. Call the module (`model(x)`), not `forward`, so hooks run.
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist already.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_hooks_with_kwargs", set())
        object.__setattr__(self, "_forward_hooks_always_called", set())

    def forward(self, *args, **kwargs):
        """The computation; every subclass defines it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if not _grad_state.quiet:  # the outermost module: NumPy's warnings off once, for all
            with quiet_numpy():  # the ops inside (they skip their own np.errstate)
                return self.__call__(*args, **kwargs)
        if not (self._forward_pre_hooks or self._forward_hooks):  # the usual call: no hooks
            _module_stack.append(self)
            try:
                return self.forward(*args, **kwargs)
            finally:
                _module_stack.pop()
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        """`__call__` with the forward pre-hooks and hooks around `forward` (see hooks.py)."""
        if self._forward_pre_hooks:
            args, kwargs = _hooks.run_pre_hooks(self, args, kwargs)
        _module_stack.append(self)
        try:
            output = self.forward(*args, **kwargs)
        except Exception:
            if self._forward_hooks_always_called:
                _hooks.run_forward_hooks(self, args, kwargs, None, only_always=True)
            raise
        finally:
            _module_stack.pop()
        if self._forward_hooks:
            output = _hooks.run_forward_hooks(self, args, kwargs, output)
        return output

    # ------------------------------------------------------------------ registration

    def _check_new_member(self, kind: str, store: str, name) -> None:
        """PyTorch's checks before `name` is registered as a parameter, buffer or module."""
        if store not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
        if "." in name:
            raise KeyError(
                f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else "")
            )
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in self.__dict__[store]:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a Parameter (or a None placeholder) under `name`."""
        self._check_new_member("parameter", "_parameters", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' "
                "(torch.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be "
                f"created explicitly. To express '{name}' as a function of another Tensor, "
                "compute the value in the forward() method."
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a non-learned state tensor; `persistent=False` keeps it out of state_dict."""
        self._check_new_member("buffer", "_buffers", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                "(torch Tensor or None required)"
            )
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under `name` (what `self.name = module` does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_new_member("module", "_modules", name)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params, buffers, modules = d.get("_parameters"), d.get("_buffers"), d.get("_modules")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' "
                    "(torch.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name, keep="_modules")
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as child module '{name}' "
                    "(torch.nn.Module or None expected)"
                )
            modules[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as buffer '{name}' "
                    "(torch.nn.Buffer, torch.Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Drop `name` from the other stores before it is (re)registered in `keep`, where
        it keeps its position (so `seq[1] = layer` does not move the layer to the end)."""
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep:
                self.__dict__[store].pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name: str):
        d = self.__dict__  # only reached when normal lookup failed
        params = d.get("_parameters")
        if params is not None and name in params:  # a layer's own weight: first, it is hot
            return params[name]
        for store in ("_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = dir(type(self)) + list(self.__dict__) + list(self._parameters)
        keys += list(self._modules) + list(self._buffers)
        return sorted(k for k in keys if not k[0].isdigit())

    # ------------------------------------------------------------------ traversal

    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate=True):
        """Yield (name, module) for this module and all below it, pre-order; shared ones once."""
        memo = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if module in memo:
                    continue
                memo.add(module)
            yield name, module
            dot = name + "." if name else ""
            children = [(dot + k, m) for k, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))  # reversed: the first child is popped first

    def modules(self, remove_duplicate: bool = True):
        """Yield every module in the tree (this one first)."""
        return (m for _, m in self.named_modules(remove_duplicate=remove_duplicate))

    def named_children(self):
        """Yield (name, module) for the direct sub-modules."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        """Yield the direct sub-modules."""
        return (module for _, module in self.named_children())

    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()  # ids: Tensor's == is elementwise, so no `tensor in set` lookups
        modules = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for module_prefix, module in modules:
            for name, value in get_members(module):
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (module_prefix + "." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        """Yield ("fc.weight", Parameter) pairs; a shared parameter appears once."""
        return self._named_members(
            lambda m: m._parameters.items(), prefix, recurse, remove_duplicate
        )

    def parameters(self, recurse: bool = True):
        """Yield every Parameter (what an optimizer is given)."""
        return (param for _, param in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        """Yield ("bn.running_mean", Tensor) pairs."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        """Yield every buffer."""
        return (buf for _, buf in self.named_buffers(recurse=recurse))

    def get_submodule(self, target: str) -> Module:
        """The module at a dotted path such as "encoder.0"; "" is this module."""
        module = self
        if target == "":
            return module
        for item in target.split("."):
            if not hasattr(module, item):
                raise AttributeError(f"{module._get_name()} has no attribute `{item}`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The Parameter at a dotted path such as "encoder.0.weight"."""
        return self._get_member(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at a dotted path such as "bn.running_mean"."""
        return self._get_member(target, "_buffers", "a buffer")

    def _get_member(self, target: str, store: str, what: str):
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in module.__dict__[store]:
            raise AttributeError(f"`{name}` is not {what}")
        return module.__dict__[store][name]

    # ------------------------------------------------------------------ state dict

    def state_dict(self, *, destination=None, prefix: str = "", keep_vars: bool = False):
        """An OrderedDict of every parameter and persistent buffer, by dotted name.

        Order as PyTorch: pre-order over modules, each module's parameters, then its buffers.
        Values share memory with the module (detached unless `keep_vars`). See state_dict.py.
        """
        return _state.save(self, destination, prefix, keep_vars)

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        _state.save_local(self, destination, prefix, keep_vars)

    def get_extra_state(self):
        """Override (with `set_extra_state`) to store more than tensors under "_extra_state"."""
        raise RuntimeError("Module.get_extra_state() is only called when a subclass defines it")

    def set_extra_state(self, state) -> None:
        """Override (with `get_extra_state`) to restore what it stored."""
        raise RuntimeError("Module.set_extra_state() is only called when a subclass defines it")

    def load_state_dict(self, state_dict: Mapping, strict: bool = True, assign: bool = False):
        """Copy values (our Tensors or NumPy arrays) into the parameters and buffers, in place.

        Returns:
            A named tuple `(missing_keys, unexpected_keys)`. With `strict`, any such key
            raises a RuntimeError naming them; a shape mismatch always raises.
        """
        return _state.load(self, state_dict, strict, assign)

    def _load_from_state_dict(self, state_dict, prefix, missing, unexpected, errors, assign):
        """Load this module's own entries; a layer may override it (BatchNorm does)."""
        _state.load_local(self, state_dict, prefix, missing, unexpected, errors, assign)

    # ------------------------------------------------------------------ modes and conversion

    def train(self, mode: bool = True) -> Module:
        """Set training mode here and below (Dropout and BatchNorm behave differently)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode: `train(False)`."""
        return self.train(False)

    def compile(self, *args, **kwargs) -> None:
        """Compile this module's forward in place, as `torch.nn.Module.compile` (the options
        are those of `tinygrad_nn.compile`)."""
        from ..compiler import compile_module

        compile_module(self, *args, **kwargs)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient tracking of every parameter on or off (e.g. to freeze a part)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None by default, else to zeros in place."""
        zero_grads(self.parameters(), set_to_none)

    def apply(self, fn) -> Module:
        """Call `fn(module)` on every sub-module (children first), then on self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _apply(self, fn) -> Module:
        """Replace every parameter's and buffer's values by `fn(value)`. Parameters keep their
        identity (an optimizer holding them still works): only their data is swapped."""
        for module in self.children():
            module._apply(fn)
        with no_grad():
            for p in self._parameters.values():
                if p is None:
                    continue
                p.data = fn(p)
                if p.grad is not None:
                    p.grad.data = fn(p.grad)
            for name, buf in self._buffers.items():
                self._buffers[name] = None if buf is None else fn(buf)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Convert floating-point parameters and buffers to a dtype, in place; 'cpu' is accepted."""
        dtype = parse_to(args, kwargs)
        if "copy" in kwargs:  # a module converts its own tensors: there is nothing to copy
            raise RuntimeError(".to() does not accept copy argument")
        if kwargs:
            raise TypeError(f"to() received an invalid combination of arguments: {kwargs}")
        if dtype is None:
            return self
        dtype = _dt.as_dtype(dtype)
        if not dtype.is_floating_point:
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got "
                f"desired dtype={dtype}"
            )
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)

    def float(self) -> Module:
        """Floating-point parameters and buffers to float32."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> Module:
        """Floating-point parameters and buffers to float64."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> Module:
        """Floating-point parameters and buffers to float16."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def cpu(self) -> Module:
        """Itself: everything lives on the CPU."""
        return self

    def cuda(self, device=None) -> Module:
        """Raises what a CPU-only PyTorch raises: there is no GPU backend."""
        cuda_request(device)

    # ------------------------------------------------------------------ hooks

    def register_forward_pre_hook(self, hook, *, prepend: bool = False, with_kwargs=False):
        """`hook(module, args)` runs before forward and may return new args (see hooks.py)."""
        return _hooks.add_hook(
            self._forward_pre_hooks, hook, prepend, (self._hooks_with_kwargs, with_kwargs)
        )

    def register_forward_hook(
        self, hook, *, prepend: bool = False, with_kwargs: bool = False, always_call: bool = False
    ):
        """`hook(module, args, output)` runs after forward and may return a new output."""
        return _hooks.add_hook(
            self._forward_hooks,
            hook,
            prepend,
            (self._hooks_with_kwargs, with_kwargs),
            (self._forward_hooks_always_called, always_call),
        )

    # ------------------------------------------------------------------ printing

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr; layers override it."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({key}): " + _addindent(repr(module), 2) for key, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
