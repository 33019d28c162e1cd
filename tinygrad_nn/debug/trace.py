"""Backward trace: watch the chain rule run, one node at a time.

    with autograd.trace_backward() as trace:
        loss.backward()
    print(trace)

Each node the engine runs becomes a `TraceStep`: the op, the gradient that arrived at its
output, the local rule it applied, and the gradient it sent to each input - with a note
when that gradient was summed because the input had been broadcast, and when it was one of
several contributions added into a leaf's `.grad` (a tensor used twice gets two).

An op states its rule once, in math, in the names of its forward arguments: in its
docstring (`Mul`: "z = x * y.   dL/dx = g * y,   dL/dy = g * x", where `g` is the gradient
arriving at the output), or in the table of ops that opens its module. `rule_of` reads it
from there. The trace shows it with the names the tensors have in your code, so `a * b`
reads "dL/da = g * b,   dL/db = g * a".

Leaves and named intermediates are shown by the names they have in the code that opened
the `with` block (its local variables; `nn.Module`s give their parameter names), or by the
`names=` given explicitly. The hooks attach to the engine's `observers`, so tracing costs
nothing when it is off.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass, field

import numpy as np

from ..autograd.function import AccumulateGrad, observers
from .record import location_of

_BROADCASTING = {
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Pow",
    "Maximum",
    "Minimum",
    "Where",
    "MaskedFill",
    "Expand",
}
_SMALL = 12  # gradients with at most this many elements are printed in full


@dataclass
class GradFlow:
    """The gradient a node sent to one of its inputs."""

    input_index: int  # position among the forward's arguments
    name: str  # "x", or "x = a" when the input is a named tensor
    shape: tuple | None  # the input's shape
    grad: np.ndarray | None  # None: no gradient (the input does not need one)
    target: str  # where it went: the next node's name, or "a.grad"
    notes: list = field(default_factory=list)


@dataclass
class TraceStep:
    """One node the engine ran: what came in, the rule applied, what went out."""

    index: int
    op: str
    output_shapes: tuple
    grad_in: list  # gradient arriving at each output (ndarray or None)
    rule: str
    grad_out: list  # one GradFlow per input edge
    location: object = None  # the Location where the op was created, if recorded
    node: object = field(default=None, repr=False)
    notes: list = field(default_factory=list)
    declared_rule: str = ""  # the rule as the op declares it, in its own argument names

    def __str__(self) -> str:
        shapes = ", ".join(str(s) for s in self.output_shapes)
        where = f"   (created at {self.location.describe()})" if self.location else ""
        lines = [f"[{self.index}] {self.op}   output {shapes}{where}"]
        for k, g in enumerate(self.grad_in):
            label = "grad in:" if len(self.grad_in) == 1 else f"grad in[{k}]:"
            lines.append(f"    {label:<11}{format_array(g)}")
        lines.append(f"    {'rule:':<11}{self.rule}")
        for flow in self.grad_out:
            shape = "" if flow.shape is None else f" {flow.shape}"
            value = format_array(flow.grad) if flow.grad is not None else "no gradient"
            lines.append(f"    grad out:  {flow.name}{shape} -> {flow.target}: {value}")
            lines += [f"               {note}" for note in flow.notes]
        lines += [f"    {note}" for note in self.notes]
        return "\n".join(lines)


class BackwardTrace:
    """What `trace_backward` collects: `steps` in execution order; `print(trace)` shows them."""

    def __init__(self):
        self.steps: list[TraceStep] = []
        self._contributions: dict = {}  # id(leaf) -> (leaf, [gradient arrays])

    def contributions(self, tensor) -> list:
        """The gradients added into `tensor.grad` during the traced backward, in order."""
        return list(self._contributions.get(id(tensor), (None, []))[1])

    def __str__(self) -> str:
        head = (
            f"backward trace: {len(self.steps)} node(s), in execution order (in a rule, "
            "g is the gradient arriving at the node's output)"
        )
        return "\n".join([head] + [str(step) for step in self.steps])


class trace_backward:
    """Context manager recording every backward node run inside it (see the module doc).

    Args:
        names: optional `{name: tensor or module}`; by default the caller's local variables.
    """

    def __init__(self, names: dict | None = None):
        self._explicit = names
        self.trace = BackwardTrace()

    def __enter__(self) -> BackwardTrace:
        names = self._explicit if self._explicit is not None else sys._getframe(1).f_locals
        self._names = _name_table(dict(names))
        observers.on_backward.append(self._on_backward)
        observers.on_accumulate.append(self._on_accumulate)
        return self.trace

    def __exit__(self, *exc_info) -> bool:
        observers.on_backward.remove(self._on_backward)
        observers.on_accumulate.remove(self._on_accumulate)
        self._names = None  # drop the references to the caller's tensors
        return False

    def _name(self, node, nr: int) -> str | None:
        if node.__class__ is AccumulateGrad:
            return self._names.get(id(node.variable), (None, None))[1]
        return self._names.get((id(node), nr), (None, None))[1]

    def _on_backward(self, node, grads_in, grads_out) -> None:
        steps = self.trace.steps
        out_shapes = tuple(m[0] for m in node._output_meta if m is not None)
        flows, names = [], {}
        for k, ((child, nr), g) in enumerate(zip(node.next_functions, grads_out)):
            position = node._tensor_args[k] if node._tensor_args is not None else k
            flows.append(self._flow(node, position, child, nr, g, out_shapes))
            arg, name = input_name(node._fn, position), child and self._name(child, nr)
            if arg and name and "[" not in arg:  # not one of *xs: its rule says xs[i]
                names[arg] = name
        rule = rule_of(node)
        steps.append(
            TraceStep(
                len(steps) + 1,
                node.name(),
                out_shapes,
                [_copy(g) for g in grads_in],
                with_names(rule, names),
                flows,
                location_of(node),
                node,
                declared_rule=rule,
            )
        )

    def _flow(self, node, position, child, nr, g, out_shapes) -> GradFlow:
        arg = input_name(node._fn, position) or f"input {position}"
        if child is None:
            return GradFlow(position, arg, None, None, "(needs no gradient)")
        meta = child._output_meta[nr]
        shape = tuple(meta[0]) if meta is not None else None
        name = self._name(child, nr)
        label = f"{arg} = {name}" if name and name != arg else arg
        grad = _copy(g)
        flow = GradFlow(position, label, shape, grad, child.name())
        if grad is not None and shape is not None and grad.shape != shape:
            flow.notes.append(f"summed by the engine from {grad.shape} to {shape}")
        elif len(out_shapes) == 1 and shape is not None and _broadcast(node, shape, out_shapes[0]):
            from ..ops._shape import broadcast_axes

            flow.notes.append(
                f"summed over axes {broadcast_axes(shape, out_shapes[0])} because "
                f"{name or arg} {shape} was broadcast to {out_shapes[0]}"
            )
        leaf = child.variable if child.__class__ is AccumulateGrad else None
        if leaf is not None and grad is not None:
            entry = self.trace._contributions.setdefault(id(leaf), (leaf, []))
            entry[1].append(grad)
            flow.target = f"{name or 'leaf'}.grad"
            flow.notes.append(
                f"accumulated into {name or 'the leaf'}.grad "
                f"({_ordinal(len(entry[1]))} contribution)"
            )
        return flow

    def _on_accumulate(self, leaf, grad) -> None:
        steps = self.trace.steps
        name = self._names.get(id(leaf), (None, "leaf"))[1]
        parts = self.trace._contributions.get(id(leaf), (None, []))[1]
        step = TraceStep(
            len(steps) + 1,
            "AccumulateGrad",
            (tuple(leaf.shape),),
            [_copy(grad)],
            f"{name}.grad += g",
            [],
            None,
            None,
        )
        if len(parts) > 1:
            step.notes.append(
                f"{name}.grad received {len(parts)} contributions; their sum is the gradient above"
            )
        step.notes.append(f"{name}.grad is now {format_array(leaf._grad._data)}")
        steps.append(step)


# ---------------------------------------------------------------- helpers


def _name_table(names: dict) -> dict:
    """id(tensor) or (id(grad_fn), output_nr) -> (object kept alive, name)."""
    table = {}
    for name, obj in names.items():
        if hasattr(obj, "named_parameters") and not isinstance(obj, type):  # a module
            for pname, p in obj.named_parameters():
                table[id(p)] = (p, f"{name}.{pname}")
        elif hasattr(obj, "_data") and hasattr(obj, "grad_fn"):
            if obj.grad_fn is None:
                table.setdefault(id(obj), (obj, name))
            else:
                table.setdefault((id(obj.grad_fn), obj._output_nr), (obj, name))
    return table


def _broadcast(node, shape: tuple, out_shape: tuple) -> bool:
    from ..ops._shape import is_expandable_to

    return (
        node._fn.__name__ in _BROADCASTING
        and shape != tuple(out_shape)
        and is_expandable_to(shape, out_shape)
        and np.prod(shape) < np.prod(out_shape)
    )


def _copy(g):
    return None if g is None else np.array(getattr(g, "_data", g), copy=True)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_array(a) -> str:
    """Values of a small array; shape and summary statistics of a large one."""
    if a is None:
        return "None"
    if a.size == 0:
        return f"(empty, shape {a.shape})"
    if a.size <= _SMALL:
        items = [f"{v:.4g}" for v in a.reshape(-1).tolist()]
        for n in reversed(a.shape):  # group the innermost dim first: [[1, 2], [3, 4]]
            items = ["[" + ", ".join(items[i : i + n]) + "]" for i in range(0, len(items), n)]
        return items[0]
    return (
        f"shape {a.shape}: mean {a.mean():.4g}, std {a.std():.4g}, "
        f"min {a.min():.4g}, max {a.max():.4g}"
    )


_RULES: dict = {}
# An argument name, alone or as the x of "dL/dx"; one pass over them swaps names correctly.
_WORD = re.compile(r"\b(dL/d)?([A-Za-z_]\w*)\b")


def with_names(rule: str, names: dict) -> str:
    """`rule` with argument names replaced by the tensors' names: x -> a, dL/dx -> dL/da.

    One pass over the words, so swapped names ({"x": "y", "y": "x"}) come out right.
    """
    if not names:
        return rule
    return _WORD.sub(lambda m: (m.group(1) or "") + names.get(m.group(2), m.group(2)), rule)


def rule_of(node) -> str:
    """The backward rule of `node`'s op, in math: from its docstring, else its module's table."""
    fn = node._fn
    if fn not in _RULES:
        _RULES[fn] = (
            _docstring_rule(fn)
            or _table_rule(fn)
            or "(no rule stated: write `dL/dx = ...` in the Function's docstring)"
        )
    return _RULES[fn]


def _docstring_rule(fn) -> str:
    """ "dL/dx = g * y,   dL/dy = g * x" from the first paragraph of the class docstring."""
    paragraph = (fn.__dict__.get("__doc__") or "").strip().split("\n\n")[0]
    text = re.sub(r"\s*\n\s*", " ", paragraph)  # one line, the gaps within lines kept
    start = text.find("dL/d")
    return text[start:].rstrip(".") if start >= 0 else ""


def _table_rule(fn) -> str:
    """ "dL/dx = ..." from the row of `fn` in the table of ops opening its module's docstring."""
    module = sys.modules.get(fn.__module__)
    rows = (
        [
            line.strip().strip("|").split("|")
            for line in (module.__doc__ or "").splitlines()
            if line.lstrip().startswith("|")
        ]
        if module is not None
        else []
    )
    if not rows:
        return ""
    header = [cell.split(",")[0].strip() for cell in rows[0]]
    for cells in rows[1:]:
        if cells[0].strip().strip("`") == fn.__name__:
            return ",   ".join(
                f"{head} = {cell.strip()}"
                for head, cell in zip(header, cells)
                if head.startswith("dL/d") and cell.strip()
            )
    return ""


_PARAMS: dict = {}


def input_name(fn, position: int) -> str:
    """The name of forward argument `position` of Function `fn` ("" if unknown)."""
    if fn not in _PARAMS:
        try:
            params = list(inspect.signature(fn.forward).parameters.values())[1:]
        except (TypeError, ValueError):
            params = []
        _PARAMS[fn] = params
    params = _PARAMS[fn]
    for i, p in enumerate(params):
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            return f"{p.name}[{position - i}]"
        if i == position:
            return p.name
    return ""
