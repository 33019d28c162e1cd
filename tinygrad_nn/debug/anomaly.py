"""Anomaly mode: find the op whose backward produced NaN - and where the NaN began.

Inside `detect_anomaly()` every recorded op remembers the stack of the code that created
it, and each node's gradients are checked as the engine runs it (both through the engine's
observer hooks, installed only while anomaly mode is on). The first node that returns a NaN
gradient raises a RuntimeError with the forward stack of that op, as PyTorch does (an inf
gradient does not raise there either, but is remembered). That node is often far from the
cause, so we also watch the forward pass:

  * the first op whose inputs are all finite but whose output is not is the *origin*; every
    later op that carries the bad value along remembers it, and the error names it. When
    backward starts from an infinite value (an inf loss with inf gradients, for which
    PyTorch does not raise), a RuntimeWarning names the origin instead;
  * `where(cond, x, y)` and `masked_fill` are noted. A classic trap: in
    `where(x > 0, x.sqrt(), 0)` the discarded branch still runs backward with a zero
    gradient, and 0 * (derivative of sqrt at x <= 0) = 0 * inf = nan. When a non-finite
    gradient arises on the discarded side of such a mask, the error says so and shows the
    double-`where` fix.
"""

from __future__ import annotations

import linecache
import sys
import threading
import warnings
import weakref

import numpy as np

from ..autograd.function import Function, observers
from .record import location_of, user_location

_APPLY = Function.apply.__func__.__code__  # the frame that records every op


class _AnomalyState(threading.local):
    """Anomaly mode is per thread; the hooks are shared, and ask this whether to act."""

    enabled = False
    check_nan = True
    first_origin = None  # the first NonFiniteOrigin of this anomaly session
    first_inf = None  # the first node whose backward returned inf (which does not raise)
    masks = None  # MaskNote of every where/masked_fill recorded in this session
    warned = None  # the origins already reported by a warning in this session


_state = _AnomalyState()


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()`."""
    return _state.enabled


class AnomalyError(RuntimeError):
    """The error anomaly mode raises; `.node`, `.origin` and `.mask` hold what it found."""

    def __init__(self, message: str, node=None, origin=None, mask=None):
        super().__init__(message)
        self.node, self.origin, self.mask = node, origin, mask


class NonFiniteOrigin:
    """The op that produced the first NaN/inf from finite inputs (or the input that held it)."""

    def __init__(self, node, op: str, location, index, kind: str, detail: str):
        self._node = weakref.ref(node) if node is not None else lambda: None
        self.op, self.location, self.index = op, location, index
        self.kind, self.detail = kind, detail

    @property
    def node(self):
        """The graph node of the op (None once the graph is gone)."""
        return self._node()

    def describe(self) -> str:
        """One sentence: which op, where, and at which index."""
        at = f" at {self.location.describe()}" if self.location else ""
        return f"{self.op}{at} {self.detail}"


class MaskNote:
    """A recorded `where`/`masked_fill`: which inputs it discards, and where."""

    def __init__(self, node, op: str, location, discards: dict):
        self._node = weakref.ref(node)
        self.op, self.location = op, location
        # edge index -> (argument name, bool array with True where dropped, why dropped)
        self.discards = discards

    @property
    def node(self):
        """The graph node of the masking op (None once the graph is gone)."""
        return self._node()


# ---------------------------------------------------------------- forward watch


def _nonfinite(x) -> bool:
    data = getattr(x, "_data", None)
    return data is not None and data.dtype.kind in "fc" and not np.isfinite(data).all()


def _first_bad(data: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.argwhere(~np.isfinite(data))[0])


def _kind(value) -> str:
    return "nan" if np.isnan(value) else ("-inf" if np.real(value) < 0 else "inf")


def _forward_stack() -> list:
    """(file, line, function) of each frame that led to `Function.apply`, outermost first;
    formatted only on error."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code is not _APPLY:
        frame = frame.f_back
    frame = frame.f_back if frame is not None else sys._getframe(1)  # the caller of apply
    stack = []
    while frame is not None:
        stack.append((frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    stack.reverse()
    return stack


def format_stack(node) -> str:
    """The forward stack recorded for `node`, in the layout of a Python traceback."""
    lines = []
    for filename, lineno, name in node.metadata.get("stack", ()):
        lines.append(f'  File "{filename}", line {lineno}, in {name}\n')
        source = linecache.getline(filename, lineno).strip()
        if source:
            lines.append(f"    {source}\n")
    return "".join(lines)


def _watch_forward(node, args, outputs) -> None:
    if not _state.enabled:  # an op recorded by another thread: anomaly mode is per thread
        return
    metadata = node.metadata
    metadata["stack"] = _forward_stack()
    fn_name = node._fn.__name__
    if fn_name in ("Where", "MaskedFill"):
        _note_mask(node, args, outputs[0])
    bad = [out for out in outputs if _nonfinite(out)]
    if not bad:
        return
    upstream = [a for a in args if _nonfinite(a)]
    if upstream:  # the bad value was carried in: point at where it started
        source = upstream[0].grad_fn
        origin = source.metadata.get("nonfinite_origin") if source is not None else None
        if origin is None:
            index = _first_bad(upstream[0]._data)
            origin = NonFiniteOrigin(
                None,
                "an input",
                None,
                index,
                _kind(upstream[0]._data[index]),
                f"(a leaf or constant of shape {tuple(upstream[0].shape)}, used by "
                f"{node.name()}) already held non-finite values",
            )
    else:
        origin = _new_origin(node, args, bad[0]._data)
    metadata["nonfinite_origin"] = origin
    if _state.first_origin is None:
        _state.first_origin = origin


def _new_origin(node, args, data: np.ndarray) -> NonFiniteOrigin:
    index = _first_bad(data)
    kind = _kind(data[index])
    values = [
        repr(a._data[index].item())
        for a in args
        if getattr(a, "_data", None) is not None and a._data.shape == data.shape
    ]
    inputs = f" (input value {', '.join(values)})" if values else ""
    detail = f"got finite inputs but produced {kind} at index {index}{inputs}"
    return NonFiniteOrigin(node, node.name(), location_of(node), index, kind, detail)


def _note_mask(node, args, out) -> None:
    """Remember which inputs of a where/masked_fill are discarded, and where."""
    positions = node._tensor_args or tuple(range(len(args)))
    shape = out._data.shape
    if node._fn.__name__ == "Where":
        cond = np.broadcast_to(args[0]._data, shape)
        sides = {
            1: ("input", ~cond, "the condition is False"),
            2: ("other", cond, "the condition is True"),
        }
        op = "where"
    else:
        sides = {0: ("self", np.broadcast_to(args[1]._data, shape), "the mask is True")}
        op = "masked_fill"
    discards = {
        positions.index(p): side for p, side in sides.items() if p in positions and side[1].any()
    }
    if discards:
        _state.masks.append(MaskNote(node, op, location_of(node), discards))


# ---------------------------------------------------------------- backward check


def check_backward_output(node, grad_outputs, grads) -> None:
    """Raise if `node`'s backward produced NaN, as PyTorch does (an `on_backward` hook).

    An infinite gradient does not raise (PyTorch's rule) but is remembered: it usually turns
    into the NaN that does, and the error then names where it appeared.
    """
    if not (_state.enabled and _state.check_nan):  # another thread's backward, or check off
        return
    for i, g in enumerate(grads):
        if g is None or np.isfinite(g._data).all():
            continue
        bad = np.isnan(g._data)
        if not bad.any():
            if _state.first_inf is None:
                at = location_of(node)
                _state.first_inf = f"{node.name()}" + (f" (made at {at})" if at else "")
            continue
        raise _nan_error(node, i, bad)
    origin = node.__dict__.get("metadata", {}).get("nonfinite_origin")
    # A NaN almost always turns into a NaN gradient further down, whose error names the
    # origin; an inf often does not (PyTorch raises only for NaN), so it is told here.
    if (
        origin is not None
        and origin.kind != "nan"
        and not any(origin is seen for seen in _state.warned)
    ):
        _state.warned.append(origin)  # once per origin: the node nearest the loss says it
        where = user_location()  # the user's backward() call, not a line of the engine
        warnings.warn_explicit(
            f"anomaly mode: backward runs through {node.name()}, whose forward value is not "
            f"finite; the non-finite values began in the forward pass at {origin.describe()}",
            RuntimeWarning,
            where.filename if where else "<unknown>",
            where.lineno if where else 0,
        )


def _nan_error(node, i: int, bad: np.ndarray) -> AnomalyError:
    lines = [f"Function '{node.name()}' returned nan values in its {i}th output."]
    mask = _find_mask_trap(node, bad)
    if mask is not None:
        lines.append(_explain_trap(node, mask, bad))
    origin = node.metadata.get("nonfinite_origin")
    if origin is not None:
        lines.append(f"The non-finite values began in the forward pass at {origin.describe()}.")
    elif mask is None:
        lines.append(
            f"The forward values of {node.name()} were finite: its backward made the "
            "NaN (e.g. 0 * inf, or inf - inf)."
        )
        if _state.first_inf is not None:
            lines.append(f"An infinite gradient appeared earlier, in {_state.first_inf}.")
        if _state.first_origin is not None:
            lines.append(
                "(The first non-finite forward value of this run came from "
                f"{_state.first_origin.describe()}.)"
            )
    stack = format_stack(node)
    if stack:
        lines.append(f"Traceback of forward call that caused the error:\n{stack}")
    return AnomalyError("\n".join(lines), node, origin, mask[0] if mask else None)


def _reaches(start, target) -> bool:
    """Is `target` among the nodes `start`'s backward leads to? (iterative, pruned by age)"""
    limit, seen, stack = target._seq, {start}, [start]
    while stack:
        node = stack.pop()
        if node is target:
            return True
        for child, _ in node.next_functions:
            # A node created before `target` cannot have it as an input.
            if (
                child is not None
                and child not in seen
                and child._seq >= limit
                and child._seq != float("inf")
            ):
                seen.add(child)
                stack.append(child)
    return False


def _find_mask_trap(node, bad: np.ndarray):
    """The (MaskNote, edge) whose discarded side `node` feeds, where the bad grads are."""
    for note in reversed(_state.masks or ()):
        masker = note.node
        if masker is None or masker is node:
            continue
        for edge, (_, dropped, _) in note.discards.items():
            child = masker.next_functions[edge][0]
            if child is None or not _reaches(child, node):
                continue
            # Same shape: the bad gradients must all sit where the mask drops values.
            if dropped.shape == bad.shape and not dropped[bad].all():
                continue
            return note, edge
    return None


def _explain_trap(node, found, bad: np.ndarray) -> str:
    note, edge = found
    arg, dropped, why = note.discards[edge]
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    at = f" at {note.location.describe()}" if note.location else ""
    made_at = location_of(node)
    made = f" (made at {made_at})" if made_at else ""
    if note.op == "where":
        fix = (
            "e.g. `torch.where(x > 0, torch.where(x > 0, x, 1).sqrt(), 0)` instead of "
            "`torch.where(x > 0, x.sqrt(), 0)`"
        )
    else:
        fix = "e.g. `x.masked_fill(mask, 1).sqrt().masked_fill(mask, 0)`"
    same = dropped.shape == bad.shape
    return (
        f"The `where` trap: the output of {node.name()}{made} flows into the {arg} argument "
        f"of {note.op}(){at}, which discards that value where {why}: "
        + (
            f"at index {index}, exactly where this gradient is not finite. "
            if same
            else f"at {int(dropped.sum())} positions. "
        )
        + f"Forward drops those values, but backward still runs {node.name()} there with a "
        "zero gradient, and 0 * (its non-finite derivative) = nan. Fix: keep the discarded "
        f"branch finite with a second mask inside it, {fix}."
    )


# ---------------------------------------------------------------- switches


_sessions = [0]  # threads with anomaly mode on: the hooks are installed while any is
_sessions_lock = threading.Lock()


def _set(enabled: bool, check_nan: bool) -> None:
    """Switch anomaly mode for this thread; the hooks are installed exactly while it is on
    in some thread."""
    if enabled and not _state.enabled:
        _state.first_origin, _state.first_inf, _state.masks = None, None, []  # a new session
        _state.warned = []
        with _sessions_lock:
            _sessions[0] += 1
            if _sessions[0] == 1:
                observers.on_create.append(_watch_forward)
                observers.on_backward.append(check_backward_output)
    elif not enabled and _state.enabled:
        with _sessions_lock:
            _sessions[0] -= 1
            if _sessions[0] == 0:
                observers.on_create.remove(_watch_forward)
                observers.on_backward.remove(check_backward_output)
    _state.enabled, _state.check_nan = enabled, check_nan


class detect_anomaly:
    """Context manager / decorator enabling anomaly detection (as `torch.autograd.detect_anomaly`).

    Our addition: the error also names the op where the non-finite value began, and
    explains the `where` trap when the gradient came through a discarded branch.
    """

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self):
        self._previous = (_state.enabled, _state.check_nan)
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc_info):
        _set(*self._previous)
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            previous = (_state.enabled, _state.check_nan)
            _set(True, self.check_nan)
            try:
                return fn(*args, **kwargs)
            finally:
                _set(*previous)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (as `torch.autograd.set_detect_anomaly`): at once
    when called, and back to the previous setting at the end of a `with` block."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._previous = (_state.enabled, _state.check_nan)
        _set(bool(mode), check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _set(*self._previous)
        return False


def forward_origin() -> NonFiniteOrigin | None:
    """The first non-finite forward value of the current (or last) anomaly session."""
    return _state.first_origin
