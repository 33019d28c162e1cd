"""One direction of one LSTM layer over a whole sequence as one op, as PyTorch's CPU kernel
records it (`MkldnnRnnLayerBackward0`).

| op        | forward                                  | backward                                |
|-----------|------------------------------------------|-----------------------------------------|
| LstmLayer | the recurrence, step after step          | back through time, step after step      |

The input projection `gi = x W_ih^T + b_ih` of every step is computed before (one matmul
for the sequence). Step t runs the LSTM cell (`rnn_cell.py`) on gi_t and h_{t-1} W_hh^T +
b_hh. Backward walks the steps in the opposite order:

    dgates_t, dc_{t-1} = the cell's backward from dh_t, dc_t
    dh_{t-1}   = dgates_t @ W_hh             (plus what the output at t-1 received)
    dL/dW_hh   = sum over t of dgates_t^T h_{t-1}     one matmul over all steps at the end
    dL/db_hh   = dgates summed over all rows;    dL/dgi = the dgates of all steps

As a graph of per-step ops the same layer records three nodes per step and backward runs
them one by one through the engine; over 50 steps and 2 layers that bookkeeping, not the
arithmetic, would be most of the time. Here each loop is written once and runs on arrays.
Backward's loop runs on Tensors instead when it is itself recorded (`create_graph=True`):
then each step's h_{t-1}, c_{t-1} and gates must be functions of the layer's inputs, so they
are recomputed as Tensor ops (the forward loop, on Tensors) and the cell's backward is the
`LstmCellBackward` op, whose own backward gives the second derivatives.

Packed sequences: step t runs the first `batch_sizes[t]` rows of the state (sequences are
sorted longest first). Forward in time the batch shrinks and the rows that stop keep their
final state; backward in time (`reverse`) it grows, and rows that start take their initial
state. Both fall out of one rule: each step replaces the first n rows of the full state.

The per-step version stays in `nn/layers/rnn.py` (GRU, RNN, LSTM with `proj_size`);
`tests/ops/test_lstm_layer.py` holds the two to the same numbers.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..autograd.function import Function, wrap
from ..autograd.grad_mode import _state
from .movement import Cat
from .rnn_cell import LstmCell, LstmCellBackward, lstm_cell_arrays, lstm_cell_backward_arrays


def _recurrence(gates, h, c, w_hh_t, b_hh, sizes: list, reverse: bool, cell, join) -> tuple:
    """Run the steps on arrays or on Tensors; returns one (t, h_prev, c_prev, hidden,
    activations, h_next) per step in the order run, and the final (h, c). `w_hh_t` is
    W_hh^T in row-major order, `cell` the step's nonlinear part, `join` concatenates rows."""
    starts = _starts(sizes)
    steps = []
    for t in reversed(range(len(sizes))) if reverse else range(len(sizes)):
        n, start = sizes[t], starts[t]
        h_prev, c_prev = h[:n], c[:n]
        hidden = h_prev @ w_hh_t
        if b_hh is not None:
            hidden = hidden + b_hh
        h_next, c_next, activations = cell(gates[start : start + n], hidden, c_prev)
        steps.append((t, h_prev, c_prev, hidden, activations, h_next))
        h = h_next if n == h.shape[0] else join([h_next, h[n:]])
        c = c_next if n == c.shape[0] else join([c_next, c[n:]])
    return steps, (h, c)


def _back_through_time(steps, grads, gates, w_hh, sizes: list, kit) -> tuple:
    """dL/d(gates of each step), dL/dh_0, dL/dc_0: the steps walked in reverse order. Runs on
    arrays or on Tensors: `kit` is (cell_backward, join, zeros) for the one or the other."""
    cell_backward, join, zeros = kit
    grad_out, d_h, d_c = grads
    rows = max(sizes)  # the full batch
    starts = _starts(sizes)
    grad_outs = [None] * len(sizes)
    if grad_out is not None:
        grad_outs = [grad_out[start : start + n] for start, n in zip(starts, sizes)]
    d_gates = [None] * len(sizes)
    for t, _, c_prev, hidden, activations, _ in reversed(steps):
        n, step_rows = sizes[t], slice(starts[t], starts[t] + sizes[t])
        g_h = _plus(grad_outs[t], _first_rows(d_h, n))
        d_gates[t], d_c_prev = cell_backward(
            g_h, _first_rows(d_c, n), gates[t], hidden, c_prev, activations, step_rows
        )
        d_h = _full_rows(d_gates[t] @ w_hh, d_h, rows, join, zeros)
        d_c = _full_rows(d_c_prev, d_c, rows, join, zeros)
    return d_gates, d_h, d_c


def _starts(sizes: list) -> list:
    """The first row of each step in the packed rows: 0, sizes[0], sizes[0] + sizes[1], ..."""
    return [0, *itertools.accumulate(sizes[:-1])]


def _full_rows(first, rest, rows: int, join, zeros):
    """The full state's gradient: `first` for its first rows, `rest`'s (or zeros) after."""
    n = first.shape[0]
    if n == rows:
        return first
    return join([first, rest[n:] if rest is not None else zeros(first, rows - n)])


def _first_rows(x, n: int):
    """x[:n] (None stays None; all rows need no slice)."""
    return x if x is None or x.shape[0] == n else x[:n]


def _plus(a, b):
    """a + b where either may be None (no gradient arrived)."""
    return b if a is None else a if b is None else a + b


def _row_major_t(w: np.ndarray) -> np.ndarray:
    """W^T copied to row-major order once per sequence: OpenBLAS multiplies small matrices
    by it about twice as fast as by the transposed view (the sums may round differently)."""
    return np.ascontiguousarray(w.T)


def _cell_on_tensors(gates, hidden, c) -> tuple:
    h_next, c_next = LstmCell.apply(gates, hidden, c)
    return h_next, c_next, None


def _on_arrays(gates_gradient: np.ndarray) -> tuple:
    """The backward loop's kit for arrays. Each step writes its dL/dgates into its rows of
    `gates_gradient` (dL/dgi, all steps): no array per step, and no copy to join them."""

    def cell_backward(g_h, g_c, gates, hidden, c, activations, step_rows):
        out = gates_gradient[step_rows]
        return lstm_cell_backward_arrays(g_h, g_c, c, activations, out=out)

    return cell_backward, np.concatenate, lambda like, n: np.zeros((n, like.shape[1]), like.dtype)


def _cell_backward_on_tensors(g_h, g_c, gates, hidden, c, activations, step_rows) -> tuple:
    # Both gradients, always: through time each one feeds the other.
    return LstmCellBackward.apply(g_h, g_c, gates, hidden, c, activations, (True, True))


_ON_TENSORS = (
    _cell_backward_on_tensors,
    lambda parts: Cat.apply(0, *parts),
    lambda like, n: like.new_zeros((n, like.shape[1])),
)


class LstmLayer(Function):
    """(output rows of every step, h_n, c_n) = the LSTM recurrence over `gi` (N, 4H) from
    (h_0, c_0) (B, H).   dL/dgi, dL/dh_0, dL/dc_0, dL/dW_hh, dL/db_hh: back through time,
    see the module docstring."""

    node_name = "MkldnnRnnLayerBackward0"

    @staticmethod
    def forward(ctx, gi, h0, c0, w_hh, b_hh, batch_sizes: list, reverse: bool):
        ctx.set_materialize_grads(False)  # an output nobody used sends no gradient
        b = None if b_hh is None else b_hh._data
        steps, (h_n, c_n) = _recurrence(
            gi._data, h0._data, c0._data, _row_major_t(w_hh._data), b, batch_sizes, reverse,
            lstm_cell_arrays, np.concatenate,
        )  # fmt: skip
        out = np.empty((gi._data.shape[0], h0._data.shape[1]), h0._data.dtype)
        starts = _starts(batch_sizes)
        for t, *_, h_next in steps:
            out[starts[t] : starts[t] + batch_sizes[t]] = h_next
        ctx.save_for_backward(gi, h0, c0, w_hh, b_hh)
        # Backward on arrays needs no step's `hidden` (only its recomputed Tensor): not kept.
        steps = [(t, h, c, None, acts, h_next) for t, h, c, _, acts, h_next in steps]
        ctx.save_values(steps=steps, layout=(list(batch_sizes), reverse))
        return out, h_n, c_n

    @staticmethod
    def backward(ctx, grad_out, grad_h, grad_c):
        gi, h0, c0, w_hh, b_hh = ctx.saved_tensors
        sizes, reverse = ctx.layout
        grads = (grad_out, grad_h, grad_c)
        if _state.enabled:  # recorded: the loop on Tensors, each step's values recomputed
            # as functions of the inputs, so that the gradient can be differentiated again
            w_t, cell, join = w_hh.T.contiguous(), _cell_on_tensors, _ON_TENSORS[1]
            steps, _ = _recurrence(gi, h0, c0, w_t, b_hh, sizes, reverse, cell, join)
            steps = [new[:4] + old[4:] for new, old in zip(steps, ctx.steps)]
            w, kit, gates = w_hh, _ON_TENSORS, gi.split(sizes)
        else:  # a plain backward: the same loop on the arrays forward kept
            all_gates = np.empty_like(gi._data)
            steps, w, kit, gates = ctx.steps, w_hh._data, _on_arrays(all_gates), [None] * len(sizes)
            grads = tuple(None if g is None else g._data for g in grads)
        d_gates, d_h, d_c = _back_through_time(steps, grads, gates, w, sizes, kit)
        join, needs = kit[1], ctx.needs_input_grad
        if _state.enabled:
            all_gates = join(d_gates) if len(d_gates) > 1 else d_gates[0]
        grad_w = grad_b = None
        if needs[3]:  # sum over t of dgates_t^T h_{t-1}: one matmul over all steps
            h_prevs = [None] * len(sizes)
            for t, h_prev, *_ in steps:
                h_prevs[t] = h_prev
            grad_w = all_gates.T @ (join(h_prevs) if len(h_prevs) > 1 else h_prevs[0])
        if needs[4]:
            grad_b = all_gates.sum(0)
        results = (all_gates if needs[0] else None, d_h if needs[1] else None,
                   d_c if needs[2] else None, grad_w, grad_b)  # fmt: skip
        if not _state.enabled:
            results = tuple(None if r is None else wrap(r) for r in results)
        return (*results, None, None)
