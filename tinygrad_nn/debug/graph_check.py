"""Node-level gradient check: *which* op of a graph has a wrong backward, and on which line.

`gradcheck` tests a whole function: it says that the Jacobian is wrong, not where. This
check takes a graph that was actually recorded and tests every node on its own:

    for each node, earliest first:
        x     = the node's recorded inputs, as float64 copies
        f(x)  = the node's forward, re-run on x          (node._fn.forward)
        u, v  = random directions for the inputs and the outputs
        analytical = <backward(v), u>                    (node._fn.backward)
        numerical  = <v, f(x + eps u) - f(x - eps u)> / (2 eps)
        if they differ: repeat per element of the input to find the worst one

A node whose finite differences straddle a kink (relu or abs at 0, clamp at a bound, a max
tie) has one-sided differences that disagree; such elements are skipped with a note rather
than reported. Recomputing a forward needs the node's inputs. A user's own `Function`
always keeps them (see `record.record_user_ops`), so in any graph `check_graph(loss)` tests
those and names their lines. A built-in op keeps them only inside `record_graph()`;
outside it, a built-in node whose arguments are all tensors is still checked when their
values can be found in the graph (leaves, and what ops saved for backward, which backward
frees). For every node, build the graph inside `record_graph()` or pass a function:

    with autograd.record_graph():
        loss = model(x)
    report = autograd.check_graph(loss)      # or: autograd.check_graph(lambda: model(x))
    print(report)                            # report.ok, report.failures
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import random as _random
from ..autograd.function import AccumulateGrad, BackwardNode, is_tensor, wrap
from ..autograd.grad_mode import no_grad
from .record import location_of, record_graph
from .trace import input_name


class GraphCheckError(RuntimeError):
    """Raised by `check_graph(..., raise_exception=True)`; `.report` holds the details."""

    def __init__(self, report: GraphCheckReport):
        super().__init__(str(report))
        self.report = report


@dataclass
class NodeFailure:
    """One node whose backward disagrees with finite differences (for one of its inputs)."""

    op: str  # the node's name, e.g. "MulBackward0"
    location: str  # "file.py:LINE" of the user code that created it ("?" if unknown)
    input_index: int  # position of the input among the forward's arguments
    worst_index: tuple | None  # element of that input with the largest error
    analytical: float  # backward's value there
    numerical: float  # central difference there
    input_shape: tuple = ()
    output_shapes: tuple = ()
    source: str = ""  # the text of the line
    error: str = ""  # set when backward raised instead of returning a gradient
    node: object = field(default=None, repr=False)

    def __str__(self) -> str:
        head = f"FAIL {self.op} at {self.location}" + (f": `{self.source}`" if self.source else "")
        name = input_name(self.node._fn, self.input_index) if self.node is not None else ""
        what = f"input {self.input_index}" + (f" ({name})" if name else "")
        if self.error:
            return f"{head}\n     backward raised for {what}: {self.error}"
        outs = ", ".join(str(s) for s in self.output_shapes)
        at = f"element {self.worst_index}" if self.worst_index is not None else "direction u"
        return (
            f"{head}\n     {what} of shape {self.input_shape} -> output {outs}; worst "
            f"{at}: analytical {self.analytical:.6g} vs numerical {self.numerical:.6g}"
        )


@dataclass
class GraphCheckReport:
    """The result of `check_graph`: `ok`, the `failures` (earliest first), notes and skips."""

    failures: list = field(default_factory=list)
    notes: list = field(default_factory=list)  # passing nodes with kinks skipped
    skipped: list = field(default_factory=list)  # nodes that could not be checked, and why
    checked: int = 0
    unrecorded: list = field(default_factory=list)  # names of nodes whose inputs were not kept

    @property
    def ok(self) -> bool:
        """True when no checked node failed."""
        return not self.failures

    def __str__(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        lines = [
            f"check_graph: {self.checked} node(s) checked, {len(self.failures)} failing, "
            + f"{len(self.skipped) + len(self.unrecorded)} skipped -> {verdict}"
        ]
        lines += [str(f) for f in self.failures]
        lines += [f"note {n}" for n in self.notes]
        lines += [f"skipped {s}" for s in self.skipped]
        if self.unrecorded:
            counts = {}
            for name in self.unrecorded:
                counts[name] = counts.get(name, 0) + 1
            ops = ", ".join(n if c == 1 else f"{n} x{c}" for n, c in counts.items())
            lines.append(
                f"not checked, their inputs were not kept: {ops}. To check every "
                "node, build the graph inside `with autograd.record_graph():` or "
                "pass a function: `autograd.check_graph(lambda: model(x))`."
            )
        return "\n".join(lines)


# ---------------------------------------------------------------- graph walk


def graph_nodes(roots) -> list:
    """Every BackwardNode reachable from `roots`, earliest created first (no recursion)."""
    seen, stack, nodes = set(roots), list(roots), []
    while stack:
        node = stack.pop()
        if isinstance(node, BackwardNode):
            nodes.append(node)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append(child)
    nodes.sort(key=lambda n: n._seq)
    return nodes


def check_graph(
    output,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = False,
    *,
    only=None,
    max_elements: int = 1000,
    seed: int = 0,
) -> GraphCheckReport:
    """Check every node of the graph behind `output` against finite differences.

    Args:
        output: a tensor (or list of tensors) whose graph was built inside `record_graph()`,
            or a function of no arguments that builds it (it is then run inside one).
        eps, atol, rtol: step and tolerances, as in `gradcheck` (the check runs in float64).
        raise_exception: raise `GraphCheckError` instead of returning a failing report.
        only: check only nodes with these names (a name or a set, e.g. {"MyOpBackward0"}):
            the rest of a big graph is walked but not recomputed.
        max_elements: per-element search limit for one input (larger ones are sampled).
        seed: seed of the random directions (a private generator: the global one is untouched).

    Returns:
        A `GraphCheckReport`: `.ok`, `.failures` (one `NodeFailure` per failing node and
        input, earliest first), `.notes`, `.skipped`; `print(report)` shows it all.
    """
    if callable(output) and not hasattr(output, "grad_fn"):
        with record_graph():
            output = output()
    outputs = output if isinstance(output, (list, tuple)) else (output,)
    roots = [t.grad_fn for t in outputs if getattr(t, "grad_fn", None) is not None]
    if not roots:
        raise ValueError("check_graph: the output has no grad_fn (nothing requires grad)")
    nodes = graph_nodes(roots)
    known = _known_values(nodes)
    if only is not None:
        names = {only} if isinstance(only, str) else set(only)
        nodes = [n for n in nodes if n.name() in names]
    checker = _NodeChecker(
        eps, atol, rtol, max_elements, _random.Generator().manual_seed(seed), known
    )
    report = GraphCheckReport()
    for node in nodes:
        checker.check(node, report)
    if raise_exception and not report.ok:
        raise GraphCheckError(report)
    return report


# ---------------------------------------------------------------- one node


def _describe(node) -> str:
    location = location_of(node)
    return f"{node.name()} at {location}" if location else node.name()


def _sum_to(g: np.ndarray, shape: tuple) -> np.ndarray | None:
    """What the engine does with a gradient of a broadcast shape; None if it cannot fit."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, g.shape[lead:])):
        return None
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1
    )
    return g.sum(axis=axes, keepdims=True).reshape(shape)


class _NodeChecker:
    """Runs the directional, then element-wise, comparison for one node at a time."""

    def __init__(self, eps, atol, rtol, max_elements, generator, known: dict):
        self.eps, self.atol, self.rtol = eps, atol, rtol
        self.max_elements, self.generator = max_elements, generator
        self.known = known  # values still held by the graph, see _known_values

    def check(self, node, report: GraphCheckReport) -> None:
        inputs = node.metadata.get("inputs") or _inputs_from_graph(node, self.known)
        if inputs is None:
            report.unrecorded.append(node.name())
            return
        reason = self._unusable(node)
        if reason is None:
            args = [_as_float64(a) for a in inputs]
            try:
                ctx, outs = self._forward(node, args)
            except Exception as exc:  # e.g. a forward that insists on float32
                ctx, outs = None, ()
                reason = f"re-running its forward in float64 raised {type(exc).__name__}: {exc}"
            else:
                reason = self._bad_forward(node, outs)
        if reason is not None:
            report.skipped.append(f"{_describe(node)}: {reason}")
            return
        report.checked += 1
        diff = [k for k, o in enumerate(outs) if _differentiable(ctx, o)]
        vs = {
            k: _random.normal_array(outs[k]._data.shape, np.float64, generator=self.generator)
            for k in diff
        }
        try:
            grads = self._backward(ctx, outs, vs)
        except Exception as exc:  # a broken backward is a finding, not a crash
            report.failures.append(
                self._failure(
                    node, _first_input(node), None, 0.0, 0.0, error=f"{type(exc).__name__}: {exc}"
                )
            )
            return
        for i, a in enumerate(args):
            if node.needs_input_grad[i] and hasattr(a, "_data") and a._data.dtype.kind == "f":
                self._check_input(node, args, vs, i, grads[i] if i < len(grads) else None, report)

    def _unusable(self, node) -> str | None:
        meta = node.metadata
        for a, version in zip(meta.get("inputs", ()), meta.get("input_versions", ())):
            if version is not None and a._version_counter[0] != version:
                return "an input was changed in place after this op used it"
        return None

    def _forward(self, node, args):
        ctx = BackwardNode(node._fn, node.needs_input_grad)
        with no_grad():
            result = node._fn.forward(ctx, *args)
        # forward may return arrays, which Function.apply would have wrapped
        result = list(result) if isinstance(result, tuple) else [result]
        return ctx, [wrap(r) if isinstance(r, (np.ndarray, np.generic)) else r for r in result]

    def _bad_forward(self, node, outs) -> str | None:
        """Why the recomputed forward cannot be trusted for this node, if it cannot."""
        recorded = node.metadata.get("outputs")
        if recorded is None:  # rebuilt from the graph: compare with the outputs it still holds
            expected = [self.known.get((node, k)) for k in range(len(outs))]
        else:  # an output changed in place since it was recorded tells nothing
            expected = [r[0] if r is not None and r[1][0] == r[2] else None for r in recorded]
        for out, rec in zip(outs, expected):
            if not hasattr(out, "_data") or out._data.dtype.kind != "f":
                continue
            if out._data.dtype != np.float64:
                return f"its forward does not compute in float64 (gives {out._data.dtype})"
            if not np.isfinite(out._data).all():
                return "its output is not finite"
            if rec is not None and rec.size and rec.shape == out._data.shape:
                # A loose test: it is there to catch a different function, not rounding.
                tol = 1e-3 if rec.dtype.itemsize < 8 else 1e-7
                scale = max(1.0, float(np.abs(rec).max()))
                if not float(np.abs(out._data - rec).max()) <= tol * scale:
                    return (
                        "re-running its forward gives other values than recorded "
                        "(randomness, or keyword arguments to apply?)"
                    )
        return None

    def _backward(self, ctx, outs, vs) -> tuple:
        grads_out = []
        for k, out in enumerate(outs):
            if k in vs:
                grads_out.append(wrap(vs[k]))
            elif hasattr(out, "_data") and ctx.materialize_grads:
                grads_out.append(wrap(np.zeros_like(out._data)))
            else:
                grads_out.append(None)
        with no_grad():
            result = ctx._fn.backward(ctx, *grads_out)
        return result if isinstance(result, tuple) else (result,)

    def _score(self, node, args, vs, i, values) -> float:
        """<v, f(args with input i replaced by `values`)>."""
        trial = list(args)
        trial[i] = wrap(values)
        _, outs = self._forward(node, trial)
        return sum(float(np.vdot(v, outs[k]._data)) for k, v in vs.items())

    def _check_input(self, node, args, vs, i, g, report) -> None:
        x = args[i]._data
        g = np.zeros_like(x) if g is None else _sum_to(np.asarray(g._data, np.float64), x.shape)
        if g is None:
            report.failures.append(
                self._failure(
                    node,
                    i,
                    None,
                    0.0,
                    0.0,
                    error=("backward returned a gradient whose shape does not fit the input's"),
                )
            )
            return
        u = _random.normal_array(x.shape, np.float64, generator=self.generator)
        symmetric = getattr(node._fn, "symmetric_input", False)
        if symmetric:
            # The op reads one triangle of a symmetric matrix and, as PyTorch's, returns the
            # symmetric gradient; only symmetric directions are meaningful for it.
            u = (u + np.swapaxes(u, -1, -2)) / 2
        centre = self._score(node, args, vs, i, x)
        plus = self._score(node, args, vs, i, x + self.eps * u)
        minus = self._score(node, args, vs, i, x - self.eps * u)
        analytical, numerical = float(np.vdot(g, u)), (plus - minus) / (2 * self.eps)
        kink = self._kink((plus - centre) / self.eps, (centre - minus) / self.eps)
        if not kink and abs(analytical - numerical) <= self.atol + self.rtol * abs(numerical):
            return
        if symmetric:  # bumping one element would leave the symmetric matrices
            report.failures.append(self._failure(node, i, None, analytical, numerical))
            return
        self._per_element(node, args, vs, i, g, (analytical, numerical), report)

    def _kink(self, forward: float, backward: float) -> bool:
        """One-sided differences that disagree: f is not differentiable within eps."""
        return abs(forward - backward) > self.atol + self.rtol * max(abs(forward), abs(backward))

    def _per_element(self, node, args, vs, i, g, directional, report) -> None:
        x = args[i]._data
        flat = x.reshape(-1)
        indices = np.arange(flat.size)
        if flat.size > self.max_elements:
            order = _random.randperm_array(flat.size, generator=self.generator)
            indices = np.sort(order[: self.max_elements])
        centre = self._score(node, args, vs, i, x)
        worst, kinks = None, 0
        for j in indices.tolist():
            bumped = flat.copy()
            bumped[j] += self.eps
            plus = self._score(node, args, vs, i, bumped.reshape(x.shape))
            bumped[j] -= 2 * self.eps
            minus = self._score(node, args, vs, i, bumped.reshape(x.shape))
            if self._kink((plus - centre) / self.eps, (centre - minus) / self.eps):
                kinks += 1
                continue
            numerical, analytical = (plus - minus) / (2 * self.eps), float(g.reshape(-1)[j])
            excess = abs(analytical - numerical) - (self.atol + self.rtol * abs(numerical))
            if excess > 0 and (worst is None or excess > worst[0]):
                worst = (excess, j, analytical, numerical)
        if worst is not None:
            _, j, analytical, numerical = worst
            index = tuple(int(k) for k in np.unravel_index(j, x.shape))
            report.failures.append(self._failure(node, i, index, analytical, numerical))
        elif indices.size < flat.size and not kinks:  # the sample missed it: report the direction
            report.failures.append(self._failure(node, i, None, *directional))
        if kinks:
            report.notes.append(
                f"{_describe(node)}: {kinks} element(s) of input {i} skipped, finite "
                "differences straddle a kink (relu/abs at 0, a clamp bound, a max tie)"
            )

    def _failure(self, node, i, index, analytical, numerical, error="") -> NodeFailure:
        location = location_of(node)
        args = node.metadata.get("inputs") or _inputs_from_graph(node, self.known)
        shape = tuple(args[i].shape) if hasattr(args[i], "shape") else ()
        outs = tuple(m[0] for m in node._output_meta if m is not None)
        return NodeFailure(
            node.name(),
            str(location) if location else "?",
            i,
            index,
            analytical,
            numerical,
            shape,
            outs,
            location.source if location else "",
            error,
            node,
        )


def _known_values(nodes) -> dict:
    """`{(node, output_nr): array}` of op outputs still held by the graph, unchanged since.

    Ops keep some values for backward: their own output (exp, sigmoid) or their inputs
    (mul, matmul), which are outputs of the nodes that made them. Backward frees them.
    """
    known = {}
    for node in nodes:
        for saved in node._saved or ():
            if saved is None or saved[2][0] != saved[3]:
                continue  # changed in place since it was saved: no longer that output
            tensor, data, _, _, nr = saved
            if tensor is None:
                known[(node, nr)] = data
            elif tensor.grad_fn is not None:
                known[(tensor.grad_fn, tensor._output_nr)] = tensor._data
    return known


def _inputs_from_graph(node, known: dict) -> list | None:
    """The arguments of a built-in node, rebuilt from values the graph holds; None if not all.

    Only for ops all of whose arguments are tensors (others took numbers or options that
    the graph does not remember). Leaves give their current values: for a check of the
    backward formula any point will do, not just the one the forward ran at.
    """
    if node._tensor_args is not None or len(node.needs_input_grad) != len(node.next_functions):
        return None  # some arguments were options or numbers
    saved = [r[0] for r in node._saved or () if r is not None and r[0] is not None]
    constants = [t for t in saved if t.grad_fn is None and not t._requires_grad]
    args = []
    for child, nr in node.next_functions:
        if child is None:  # an argument that needs no gradient: found only if unambiguous
            if len(constants) != 1 or sum(c is None for c, _ in node.next_functions) != 1:
                return None
            args.append(constants[0])
        elif child.__class__ is AccumulateGrad:
            if child.variable is None:
                return None
            args.append(child.variable)
        elif (child, nr) in known:
            args.append(wrap(known[(child, nr)]))
        else:
            return None
    return args


def _as_float64(a):
    """A float64 copy of a floating tensor argument; everything else as it is."""
    if is_tensor(a) and a._data.dtype.kind == "f":
        return wrap(a._data.astype(np.float64))
    return a


def _differentiable(ctx, out) -> bool:
    skip = ctx._non_differentiable or ()
    return hasattr(out, "_data") and out._data.dtype.kind == "f" and not any(out is s for s in skip)


def _first_input(node) -> int:
    return next((i for i, need in enumerate(node.needs_input_grad) if need), 0)
