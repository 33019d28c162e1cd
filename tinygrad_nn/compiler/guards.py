"""Guards: when may a generated program be reused, and what does it read?

A program is only right for the situation it was traced in. Before each call the guard of
every cached program is tried, first match wins; none matching means trace again (up to
`RECOMPILE_LIMIT` programs, as `torch._dynamo.config.recompile_limit`). A guard is one
generated boolean expression, cheap to evaluate:

    _in[0]._data.shape == (4, 2) and _in[0]._data.dtype == _float32      the argument tensors
    and _in[0]._requires_grad is False and _in[1] == 3                   other arguments by value
    and _grad_mode.enabled is True and _M0.training is True              grad mode, train/eval
    and _M1._parameters['weight'] is _T0                                 the same parameter
    and _T0._grad is None                                                .grad present or not

`discover` finds the modules and optimizers a function works with (its arguments, closure,
the globals it names, `self`), to name their tensors in the generated code
(`fc1_weight`, `fc1_weight_exp_avg`) and to know where each lives.
"""

from __future__ import annotations

import inspect

from ..autograd.grad_mode import _state as _grad_mode
from ..tensor import Tensor
from .trace import literal

RECOMPILE_LIMIT = 8


class Found:
    """What `discover` found: modules, optimizers, tensor labels and where tensors live."""

    def __init__(self):
        self.modules: list = []  # every submodule, once
        self.optimizers: list = []
        self.labels: dict[int, str] = {}  # id(tensor) -> "fc1.weight"
        self.module_names: dict[int, str] = {}  # id(module) -> "fc1 (Linear)"
        self.slots: dict[int, tuple] = {}  # id(tensor) -> (dict holding it, key)
        self.tensors: list = []  # parameters and buffers known before the call

    def add_module(self, module, prefix: str) -> None:
        """Record a module tree found under the name `prefix` ("" for the compiled root)."""
        for path, sub in module.named_modules(prefix=prefix):
            if id(sub) in self.module_names:
                continue
            self.modules.append(sub)
            self.module_names[id(sub)] = (
                f"{path} ({type(sub).__name__})" if path else type(sub).__name__
            )
            for store in (sub._parameters, sub._buffers):
                for key, t in store.items():
                    if t is not None and id(t) not in self.labels:
                        self.labels[id(t)] = f"{path}.{key}" if path else key
                        self.slots[id(t)] = (store, key)
                        self.tensors.append(t)

    def add_optimizer(self, opt) -> None:
        """Record an optimizer: its parameters and its state buffers get names and places."""
        if any(o is opt for o in self.optimizers):
            return
        self.optimizers.append(opt)
        for group in opt.param_groups:
            for i, p in enumerate(group["params"]):
                if id(p) not in self.labels:
                    self.labels[id(p)] = f"param{i}"
                    self.tensors.append(p)
        for p, state in opt.state.items():
            for key, value in state.items():
                if isinstance(value, Tensor):
                    self.labels[id(value)] = f"{self.labels.get(id(p), 'param')}.{key}"
                    self.slots[id(value)] = (state, key)


def discover(fn, args: tuple, kwargs: dict, root=None) -> Found:
    """Modules and optimizers reachable from the call (see the module docstring)."""
    from ..nn.module import Module
    from ..optim.optimizer import Optimizer

    found = Found()

    def visit(value, depth: int = 0, name: str = "") -> None:
        if isinstance(value, Tensor):
            if id(value) not in found.labels:
                found.labels[id(value)] = name or "arg"
                found.tensors.append(value)
        elif isinstance(value, Module):
            found.add_module(value, "")
        elif isinstance(value, Optimizer):
            found.add_optimizer(value)
        elif isinstance(getattr(value, "optimizer", None), Optimizer):
            found.add_optimizer(value.optimizer)  # an lr scheduler
        elif depth == 0 and isinstance(value, (list, tuple)):
            for v in value:
                visit(v, 1)
        elif depth == 0 and isinstance(value, dict):
            for v in value.values():
                visit(v, 1)

    if root is not None:
        visit(root)
    for value in (*args, *kwargs.values()):
        visit(value)
    for name, value in _reachable(fn):
        visit(value, 0, name)
    return found


def _reachable(fn) -> list:
    """(name, value) of default arguments, closure cells, globals named by the code (nested
    functions included), and `self` with its attributes."""
    values = []
    target = getattr(fn, "__func__", fn)
    self_obj = getattr(fn, "__self__", None)
    if self_obj is not None:
        values.append(("self", self_obj))
        values += [(k, v) for k, v in getattr(self_obj, "__dict__", {}).items()]
    code = getattr(target, "__code__", None)
    if code is None:
        return values
    defaults = target.__defaults__ or ()
    values += list(zip(code.co_varnames[code.co_argcount - len(defaults) :], defaults))
    values += list((target.__kwdefaults__ or {}).items())
    cells = zip(code.co_freevars, target.__closure__ or ())
    values += [(name, cell.cell_contents) for name, cell in cells if _filled(cell)]
    names, stack = set(), [code]
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack += [k for k in c.co_consts if inspect.iscode(k)]
    scope = getattr(target, "__globals__", {})
    values += [(n, scope[n]) for n in sorted(names) if n in scope]
    return values


def _filled(cell) -> bool:
    try:
        cell.cell_contents  # noqa: B018  (an empty cell raises)
    except ValueError:
        return False
    return True


def conditions(rec, tracing, found: Found, args: tuple) -> list:
    """The guard of a program, as a list of Python conditions (joined with `and`)."""
    ns = rec.global_ref
    rec.namespace["_grad_mode"] = _grad_mode
    out = [f"len(_in) == {len(args)}", f"_grad_mode.enabled is {_grad_mode.enabled}"]
    for i, a in enumerate(args):
        out += _argument(rec, i, a)
    for m in found.modules:
        out.append(f"{ns(m, '_M')}.training is {m.training}")
    for t, _, _, source in tracing.located.values():
        slot = found.slots.get(id(t))
        if slot is not None:
            out.append(f"{ns(slot[0], '_D')}[{slot[1]!r}] is {source}")
    for owner, grad in tracing.grad_before.values():
        out.append(f"{tracing.tensor_source(owner)}._grad is {'' if grad is None else 'not '}None")
    return out


def _argument(rec, i: int, a) -> list:
    """Conditions on one argument: tensor metadata, a value, or the object itself."""
    if isinstance(a, Tensor):
        data = a._data
        return [
            f"_in[{i}].__class__ is {rec.global_ref(type(a), '_C')}",
            f"_in[{i}]._data.shape == {tuple(data.shape)!r}",
            f"_in[{i}]._data.dtype == {rec.ref(data.dtype)}",
            f"_in[{i}]._requires_grad is {a._requires_grad}",
        ]
    if a is None:
        return [f"_in[{i}] is None"]
    text = literal(a)
    if text is not None:
        return [f"_in[{i}].__class__ is {type(a).__name__}", f"_in[{i}] == {text}"]
    return [f"_in[{i}] is {rec.global_ref(a, '_A')}"]
