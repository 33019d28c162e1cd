"""The backward pass, one node at a time, as data: what `explore` pages and `trace_backward` print.

Reverse mode runs one node per step, in the engine's order. At each step a node receives the
gradient of its output (summed over every op that used it), applies its local rule, and
sends one gradient to each input. A leaf adds every gradient it receives into `.grad`: a
tensor used twice gets a 1st and a 2nd contribution. An input that was broadcast gets its
gradient summed back over the broadcast axes.

`backward_steps(loss)` watches that happen by running

    autograd.grad(loss, leaves, retain_graph=True)

with the engine's observer hook on (and only ours: an open `viz.record()` does not note this
pass). `autograd.grad` returns the gradients instead of adding them into `.grad`, so no
leaf's `.grad` changes; tensors that called `retain_grad()` get their `.grad` back as it
was. Tensor hooks do run, as in any backward. The graph is kept (`retain_graph=True`), so
`loss.backward()` still works afterwards.

Both views take their text from `Step.lines()`, so the page and the printout agree line for
line.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

from . import broadcast, labels, walk
from .naming import Names
from .walk import is_leaf


def rule_text(node) -> str:
    """The backward rule of `node`'s op, in math, with the op's own argument names.

    The one place the views ask an op for its rule: the formula its docstring states, or
    its row of the table of ops at the top of its module (`debug.trace.rule_of`).
    """
    from ..debug.trace import rule_of

    return rule_of(node)


def argument_name(node, edge: int) -> str:
    """The forward argument behind input edge `edge` of `node` ("x", "bias", "xs[1]")."""
    from ..debug.trace import input_name

    position = node._tensor_args[edge] if node._tensor_args is not None else edge
    return input_name(node._fn, position) or f"input {position}"


@dataclass
class Flow:
    """The gradient one step sends to one input."""

    arg: str  # the op's argument: "x", "bias"
    target: str | None  # graph id of the input's node ("n3"); None for a data input
    target_name: str  # "2.bias", "ReluBackward0", or "data input"
    shape: tuple | None
    grad: np.ndarray | None
    summed_axes: tuple = ()  # the input was broadcast: its gradient is summed over these
    contribution: int = 0  # for a leaf: this is its n-th gradient (1, 2, ...)

    def line(self) -> str:
        """`grad_bias -> 2.bias.grad (2,): [0.01, -0.01]  (summed over ...; 1st ...)`."""
        if self.target is None:
            return f"grad_{self.arg}: none ({self.target_name} needs no gradient)"
        if self.grad is None:
            return f"grad_{self.arg} -> {self.target_name}: none"
        where = f"{self.target_name}.grad" if self.contribution else self.target_name
        notes = []
        if self.summed_axes:
            notes.append(f"broadcast: summed over {self.summed_axes}")
        if self.contribution:
            notes.append(f"{_ordinal(self.contribution)} contribution to {where}")
        note = f"  ({'; '.join(notes)})" if notes else ""
        return f"grad_{self.arg} -> {where} {self.shape}: {labels.summarize(self.grad)}{note}"


@dataclass
class Step:
    """One node the engine ran: the gradient arriving, its rule, the gradients sent."""

    number: int
    node_id: str  # the node's id in `draw_graph`'s drawing ("n2")
    title: str  # "AddmmBackward0"
    shape: str  # its output, "(2, 2) float32"
    grad_in: list  # the gradient arriving at each output (array or None)
    rule: str
    flows: list = field(default_factory=list)
    finished: list = field(default_factory=list)  # names whose gradient is final after it
    finished_ids: list = field(default_factory=list)  # their graph ids

    def lines(self, total: int) -> list:
        """The step as text: header, arriving gradient, rule, one line per input, finals."""
        out = [f"step {self.number}/{total}: {self.title}  {self.shape}"]
        for k, g in enumerate(self.grad_in):
            label = "gradient arriving" if len(self.grad_in) == 1 else f"gradient arriving [{k}]"
            out.append(f"{label}: {'none' if g is None else labels.summarize(g)}")
        out.append(f"rule: {self.rule}")
        out += [flow.line() for flow in self.flows]
        if self.finished:
            out.append("final now: " + ", ".join(self.finished))
        return out


@dataclass
class Leaf:
    """A leaf of the graph and the gradient backward gives it."""

    node_id: str
    name: str
    shape: tuple
    grad: np.ndarray | None  # what backward() adds into .grad (None: no gradient reached it)
    final_at: int = 0  # the step after which no more contributions arrive
    contributions: list = field(default_factory=list)  # [(step number, gradient array)]

    def line(self) -> str:
        """`2.bias.grad (2,) = [0.01, -0.01]`."""
        value = "none" if self.grad is None else labels.summarize(self.grad)
        return f"{self.name}.grad {self.shape} = {value}"


class BackwardSteps:
    """The steps of one backward pass: `steps` in execution order, `leaves` with their grads.

    `print(steps)` shows them as text; `explore` turns the same object into a page.
    """

    def __init__(self, steps: list, leaves: list, order: list):
        self.steps, self.leaves, self.order = steps, leaves, order

    def text(self) -> str:
        """All steps, then every leaf's gradient: the text version of the page."""
        total = len(self.steps)
        head = (
            f"backward in {total} steps (grad = dL/d(output of the node); the node that runs "
            "turns it into gradients for its inputs)"
        )
        parts = [head]
        for step in self.steps:
            parts.append("\n".join(step.lines(total)))
        parts.append("\n".join(["after backward():"] + [leaf.line() for leaf in self.leaves]))
        return "\n\n".join(parts)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"<BackwardSteps: {len(self.steps)} steps, {len(self.leaves)} leaves>"


def trace_backward(output, params: dict | None = None, names: dict | None = None):
    """The backward pass of `output` step by step, as text: `print(viz.trace_backward(loss))`.

    The same steps `viz.explore` shows in the browser, one block per node the engine runs.
    Nothing's `.grad` changes (see this module's docstring for what runs). Unlike the context
    manager `autograd.trace_backward()`, which watches a `backward()` you run inside it, this
    follows the pass without running `backward()`, so it can be called before it.

    Args:
        output: a scalar Tensor (or one with `grad_fn`) whose backward to follow.
        params: `{name: tensor}` naming leaves, e.g. `dict(model.named_parameters())`.
        names: `{tensor: name}` for any tensor of the graph. With neither `params` nor
            `names`, tensors and modules are named as the caller's local variables.

    Returns:
        A `BackwardSteps`; `str()` of it is the text.
    """
    if params is None and names is None:
        names = names_in_scope(sys._getframe(1).f_locals)
    return backward_steps(output, params, names)


def names_in_scope(variables: dict) -> dict:
    """`{name: tensor}` from a scope's variables: tensors by their name, a module's
    parameters as `model.0.weight` (so `explore(loss)` in a notebook names what it can)."""
    from ..tensor import Tensor

    found = {}
    for name, value in variables.items():
        if name.startswith("_"):
            continue
        if isinstance(value, Tensor):
            found.setdefault(name, value)
        elif hasattr(value, "named_parameters") and not isinstance(value, type):
            for pname, p in value.named_parameters():
                found.setdefault(f"{name}.{pname}", p)
    return found


def backward_steps(output, params=None, names=None) -> BackwardSteps:
    """Run the observed backward pass of `output` and collect its steps (see module doc)."""
    root, _ = walk.root_of(walk.as_tensors(output)[0])
    if root is None:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a "
            "grad_fn: there is no backward pass to show"
        )
    order = walk.breadth_first([root])
    watcher = _Watcher(order, Names(params, names))
    watcher.run(output)
    return BackwardSteps(watcher.steps, watcher.leaves(), order)


class _Watcher:
    """Turns the engine's observer calls into Steps, tracking when gradients become final."""

    def __init__(self, order: list, names: Names):
        self.ids = {node: f"n{i}" for i, node in enumerate(order)}
        self.order, self.names, self.steps = order, names, []
        self.pending = walk.consumers(order)  # consumers yet to send a gradient
        self.final_at, self.arrived = {}, {}  # leaf node -> step; leaf node -> count
        self.history = {}  # leaf node -> [(step, contribution)]

    def name(self, node) -> str:
        """A leaf's name (or "leaf (3,)"), an op's grad_fn name."""
        if is_leaf(node):
            given = self.names.of_node(node)
            return given or f"leaf {tuple(node._output_meta[0][0])}"
        return self.names.of_node(node) or node.name()

    def run(self, output) -> None:
        from ..autograd import engine
        from ..autograd.function import observers

        leaves = [node.variable for node in self.order if is_leaf(node)]
        kept = _retained_grads(self.order)
        # Alone on the hook: an open `viz.record()` or `autograd.trace_backward()` must not
        # note this pass as if the user had run backward.
        others, observers.on_backward[:] = observers.on_backward[:], [self.on_backward]
        try:
            grads = engine.grad(output, leaves, retain_graph=True, allow_unused=True)
        except RuntimeError as error:
            if "second time" in str(error):
                raise RuntimeError(
                    f"{error}\n(explore / trace_backward must run before "
                    "backward() frees the graph)"
                ) from None
            raise
        finally:
            observers.on_backward[:] = others
            for tensor, grad in kept:
                tensor._grad = grad
        self.grads = {id(t): (None if g is None else g._data) for t, g in zip(leaves, grads)}

    def on_backward(self, node, grads_in, grads_out) -> None:
        step = Step(
            len(self.steps) + 1,
            self.ids.get(node, "?"),
            node.name(),
            ", ".join(labels.shape_dtype(*m) for m in node._output_meta if m),
            [_array(g) for g in grads_in],
            rule_text(node),
        )
        for edge, ((child, nr), g) in enumerate(zip(node.next_functions, grads_out)):
            step.flows.append(self.flow(node, edge, child, nr, g, step))
        self.steps.append(step)

    def flow(self, node, edge: int, child, nr: int, g, step: Step) -> Flow:
        arg = argument_name(node, edge)
        if child is None:
            return Flow(arg, None, "a data input", None, None)
        meta = walk.output_meta(child, nr)
        flow = Flow(
            arg,
            self.ids.get(child),
            self.name(child),
            meta and tuple(meta[0]),
            _array(g),
            broadcast.summed_axes(node, edge),
        )
        if is_leaf(child) and g is not None:
            self.arrived[child] = flow.contribution = self.arrived.get(child, 0) + 1
            self.history.setdefault(child, []).append((step.number, flow.grad))
        self.pending[child] -= 1
        if self.pending[child] == 0:
            self.final_at[child] = step.number
            step.finished_ids.append(flow.target)
            step.finished.append(
                f"{flow.target_name}.grad"
                if is_leaf(child)
                else f"the gradient of {flow.target_name}"
            )
        return flow

    def leaves(self) -> list:
        """Every leaf, in drawing order, with the gradient backward() gives it."""
        out = []
        for node in self.order:
            if is_leaf(node) and node.variable is not None:
                out.append(
                    Leaf(
                        self.ids[node],
                        self.name(node),
                        tuple(node.variable.shape),
                        self.grads.get(id(node.variable)),
                        self.final_at.get(node, 0),
                        self.history.get(node, []),
                    )
                )
        return out


def _retained_grads(order) -> list:
    """`(tensor, .grad)` of every tensor in the graph that called retain_grad()."""
    kept = []
    for node in order:
        for ref in (getattr(node, "_retained", None) or {}).values():
            tensor = ref()
            if tensor is not None:
                kept.append((tensor, tensor._grad))
    return kept


def _array(g):
    return None if g is None else np.array(g._data if hasattr(g, "_data") else g, copy=True)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
