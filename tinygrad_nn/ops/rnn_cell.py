"""One LSTM time step as one op, as PyTorch's fused LSTM cell records it.

| op                  | forward                                           | backward            |
|---------------------|---------------------------------------------------|---------------------|
| LstmCell            | (h', c') from the input and hidden gate sums, c   | LstmCellBackward    |
| LstmCellBackward    | dL/dgates, dL/dc from dL/dh', dL/dc' (NumPy)      | second derivatives  |

With a = input_gates + hidden_gates split into four blocks [i | f | g | o] (PyTorch's order):

    c' = sigmoid(f) * c + sigmoid(i) * tanh(g)        h' = sigmoid(o) * tanh(c')

Written with Tensor ops (as `nn.LSTMCell` does, in `nn/layers/rnn_cells.py`) a step records
twelve nodes, and its backward runs some twenty ops; over a sequence of T steps and L layers
that per-op cost is most of the time. This op is one node instead: `nn.LSTM` with
`proj_size` runs it at each step, and `LstmLayer` (`lstm_layer.py`, every other `nn.LSTM`)
calls the same array functions, `lstm_cell_arrays` and `lstm_cell_backward_arrays`, for a
whole sequence. They make the same NumPy calls in the same order as those twelve ops and
their backward formulas, so the two give the same bits; `tests/ops/test_rnn_cell.py` holds
them to it.

The chain rule through one step, from g_h = dL/dh' and g_c = dL/dc' (what later steps sent):

    dc   = g_c + g_h * sigmoid(o) * (1 - tanh(c')^2)      (c' feeds tanh(c') and the next step)
    da_o = g_h * tanh(c') * s_o (1 - s_o)        da_i = dc * tanh(g) * s_i (1 - s_i)
    da_f = dc * c * s_f (1 - s_f)                da_g = dc * s_i * (1 - tanh(g)^2)
    dL/dc = dc * s_f,    dL/d(input_gates) = dL/d(hidden_gates) = [da_i | da_f | da_g | da_o]
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .elementwise import sigmoid_array, tanh_backward_array
from .movement import Cat


def lstm_cell_arrays(input_gates, hidden_gates, c) -> tuple:
    """The step on arrays: (h', c', what backward needs: the gates' activations
    [sigmoid(i) | sigmoid(f) | tanh(g) | sigmoid(o)], tanh(g) (a view of them), tanh(c'))."""
    a = hidden_gates + input_gates
    n = a.shape[1] // 4
    # One sigmoid over all four blocks: elementwise, so each block's numbers are those of
    # its own sigmoid, in a third of the NumPy calls. Block g then takes tanh(g) instead.
    s = sigmoid_array(a)
    t_g = np.tanh(a[:, 2 * n : 3 * n], out=s[:, 2 * n : 3 * n])
    s_i, s_f, s_o = s[:, :n], s[:, n : 2 * n], s[:, 3 * n :]
    c_next = s_f * c + s_i * t_g  # PyTorch's order: f * c first, then + i * g
    t_c = np.tanh(c_next)
    return s_o * t_c, c_next, (s, t_g, t_c)


def lstm_cell_backward_arrays(g_h, g_c, c, activations, needs=(True, True), out=None) -> tuple:
    """(dL/dgates, dL/dc) on arrays from dL/dh' and dL/dc' (either may be None), the step's
    input cell state and `lstm_cell_arrays`'s activations; `needs` says which to compute,
    `out` where dL/dgates goes (a new array if None)."""
    s, t_g, t_c = activations
    n = t_g.shape[1]
    s_i, s_f, s_o = s[:, :n], s[:, n : 2 * n], s[:, 3 * n :]
    dc = g_c
    if g_h is not None:  # through h' = s_o * tanh(c')
        from_h = tanh_backward_array(g_h * s_o, t_c)
        dc = from_h if dc is None else dc + from_h
    d_c = dc * s_f if needs[1] else None
    if not needs[0]:
        return None, d_c
    # dL/d(sigmoid output) of blocks i, f, o side by side, then sigmoid's backward
    # g * (1 - s) * s on all of them at once; block g gets tanh's backward instead.
    d = np.empty_like(s) if out is None else out
    np.multiply(dc, t_g, out=d[:, :n])
    np.multiply(dc, c, out=d[:, n : 2 * n])
    d[:, 2 * n : 3 * n] = 0  # no garbage through the arithmetic below
    if g_h is None:
        d[:, 3 * n :] = 0
    else:
        np.multiply(g_h, t_c, out=d[:, 3 * n :])
    d *= 1 - s
    d *= s
    d[:, 2 * n : 3 * n] = tanh_backward_array(dc * s_i, t_g)
    return d, d_c


class LstmCell(Function):
    """(h', c') = LSTM step from the gate pre-activations input_gates + hidden_gates (each
    (B, 4H)) and the cell state c (B, H).   dL/dgates = [da_i | da_f | da_g | da_o] for both
    gate inputs, dL/dc = dc * s_f (the chain rule above, run by `LstmCellBackward`)."""

    node_name = "ThnnFusedLstmCellBackward0"

    @staticmethod
    def forward(ctx, input_gates, hidden_gates, c):
        ctx.set_materialize_grads(False)  # a missing dL/dh' or dL/dc' is no term, not zeros
        h_next, c_next, activations = lstm_cell_arrays(
            input_gates._data, hidden_gates._data, c._data
        )
        ctx.save_for_backward(input_gates, hidden_gates, c)
        ctx.save_values(activations=activations)
        return h_next, c_next

    @staticmethod
    def backward(ctx, grad_h, grad_c):
        input_gates, hidden_gates, c = ctx.saved_tensors
        needs = (ctx.needs_input_grad[0] or ctx.needs_input_grad[1], ctx.needs_input_grad[2])
        d_gates, d_c = LstmCellBackward.apply(
            grad_h, grad_c, input_gates, hidden_gates, c, ctx.activations, needs
        )
        return (
            d_gates if ctx.needs_input_grad[0] else None,
            d_gates if ctx.needs_input_grad[1] else None,
            d_c if ctx.needs_input_grad[2] else None,
        )


class LstmCellBackward(Function):
    """LstmCell's backward as one op: (dL/dgates, dL/dc) from (dL/dh', dL/dc'), either of
    which may be None (nothing reached it). Its own backward - the second derivatives, for
    double backward - recomputes the step in Tensor ops from the saved inputs and
    differentiates the formulas above by the chain rule, term by term."""

    @staticmethod
    def forward(ctx, grad_h, grad_c, input_gates, hidden_gates, c, activations, needs):
        ctx.save_for_backward(grad_h, grad_c, input_gates, hidden_gates, c)
        return lstm_cell_backward_arrays(
            None if grad_h is None else grad_h._data,
            None if grad_c is None else grad_c._data,
            c._data,
            activations,
            needs,
        )

    @staticmethod
    def backward(ctx, grad_d_gates, grad_d_c):
        grad_h, grad_c, input_gates, hidden_gates, c = ctx.saved_tensors
        a = hidden_gates + input_gates  # the step again, as ops: its derivatives stay connected
        i, f, g, o = a.chunk(4, 1)
        s_i, s_f, t_g, s_o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        t_c = (s_f * c + s_i * t_g).tanh()
        k_c = 1 - t_c * t_c  # tanh'(c')
        g_h = grad_h if grad_h is not None else t_c.new_zeros(t_c.shape)
        dc = g_h * s_o * k_c
        if grad_c is not None:
            dc = dc + grad_c
        # Adjoints of the first derivative's outputs (zero where no gradient arrived).
        zero = t_c.new_zeros(t_c.shape)
        G_i, G_f, G_g, G_o = grad_d_gates.chunk(4, 1) if grad_d_gates is not None else [zero] * 4
        G_cprev = grad_d_c if grad_d_c is not None else zero
        ds_i, ds_f, ds_o = s_i * (1 - s_i), s_f * (1 - s_f), s_o * (1 - s_o)
        k_g = 1 - t_g * t_g
        # dc enters d_i, d_f, d_g and d_c: its adjoint collects those four uses.
        G_dc = G_i * t_g * ds_i + G_f * c * ds_f + G_g * s_i * k_g + G_cprev * s_f
        # tanh(c') enters dc (through k_c) and d_o; c' = s_f c + s_i t_g carries it back.
        G_tc = G_dc * g_h * s_o * (-2 * t_c) + G_o * g_h * ds_o
        G_cnext = G_tc * k_c
        G_so = G_dc * g_h * k_c + G_o * g_h * t_c * (1 - 2 * s_o)
        G_si = G_i * dc * t_g * (1 - 2 * s_i) + G_g * dc * k_g + G_cnext * t_g
        G_tg = G_i * dc * ds_i + G_g * dc * s_i * (-2 * t_g) + G_cnext * s_i
        G_sf = G_f * dc * c * (1 - 2 * s_f) + G_cprev * dc + G_cnext * c
        d_gates = Cat.apply(1, G_si * ds_i, G_sf * ds_f, G_tg * k_g, G_so * ds_o)
        needs = ctx.needs_input_grad
        return (
            G_dc * s_o * k_c + G_o * t_c * ds_o if needs[0] else None,
            G_dc if needs[1] else None,
            d_gates if needs[2] else None,
            d_gates if needs[3] else None,
            G_f * dc * ds_f + G_cnext * s_f if needs[4] else None,
            None,
            None,
        )
