"""Recurrent cells: one time step of an Elman RNN, an LSTM and a GRU.

Each step is composed from ordinary Tensor ops (linear, sigmoid, tanh, chunk), so autograd,
double backward and gradcheck come with no new `Function`. The step functions take the input
projection `gi = x W_ih^T + b_ih` already computed, since it does not depend on the state;
the cells below and the full layers in `rnn.py` share them.

Gate order follows PyTorch, so its state_dicts load unchanged:

    LSTM  rows of W_ih, W_hh: [i | f | g | o]
          c' = sigmoid(f) * c + sigmoid(i) * tanh(g);   h' = sigmoid(o) * tanh(c')  (@ W_hr^T)
    GRU   rows of W_ih, W_hh: [r | z | n]
          r = sigmoid(gi_r + gh_r),  z = sigmoid(gi_z + gh_z)
          n = tanh(gi_n + r * gh_n)    (gh_n = h W_hn^T + b_hn: b_hn sits inside the r product)
          h' = (1 - z) * n + z * h,   computed as (h - n) * z + n like PyTorch
"""

from __future__ import annotations

import math

from ...creation import empty, zeros
from ...ops.rnn_cell import LstmCell
from ...tensor import Tensor
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter


def rnn_tanh_step(gi: Tensor, state: tuple, w_hh, b_hh, w_hr=None) -> tuple:
    """h' = tanh(gi + h W_hh^T + b_hh)."""
    return ((F.linear(state[0], w_hh, b_hh) + gi).tanh(),)


def rnn_relu_step(gi: Tensor, state: tuple, w_hh, b_hh, w_hr=None) -> tuple:
    """h' = relu(gi + h W_hh^T + b_hh)."""
    return ((F.linear(state[0], w_hh, b_hh) + gi).relu(),)


def lstm_step(gi: Tensor, state: tuple, w_hh, b_hh, w_hr=None) -> tuple:
    """(h, c) -> (h', c') with gates [i | f | g | o]; h' projected by W_hr when given."""
    h, c = state
    i, f, g, o = (F.linear(h, w_hh, b_hh) + gi).chunk(4, 1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()  # PyTorch's order: f * c first, then + i * g
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def lstm_fused_step(gi: Tensor, state: tuple, w_hh, b_hh, w_hr=None) -> tuple:
    """`lstm_step` with the gates and the state update as one op (`ops/rnn_cell.py`): the
    same numbers, one node per step instead of twelve. `nn.LSTM` runs it at every step."""
    h, c = LstmCell.apply(gi, F.linear(state[0], w_hh, b_hh), state[1])
    return (h if w_hr is None else F.linear(h, w_hr)), c


def gru_step(gi: Tensor, state: tuple, w_hh, b_hh, w_hr=None) -> tuple:
    """h -> h' with gates [r | z | n]; the reset gate scales h W_hn^T + b_hn."""
    h = state[0]
    gi_r, gi_z, gi_n = gi.chunk(3, 1)
    gh_r, gh_z, gh_n = F.linear(h, w_hh, b_hh).chunk(3, 1)
    r = (gh_r + gi_r).sigmoid()
    z = (gh_z + gi_z).sigmoid()
    n = (gi_n + gh_n * r).tanh()
    return ((h - n) * z + n,)


def _check_cell_input(input: Tensor, input_size: int) -> None:
    if input.shape[1] != input_size:
        raise RuntimeError(
            f"input has inconsistent input_size: got {input.shape[1]} expected {input_size}"
        )


def _check_cell_hidden(input: Tensor, hx: Tensor, hidden_size: int, label: str) -> None:
    if input.shape[0] != hx.shape[0]:
        raise RuntimeError(
            f"Input batch size {input.shape[0]} doesn't match hidden{label} batch size "
            f"{hx.shape[0]}"
        )
    if hx.shape[1] != hidden_size:
        raise RuntimeError(
            f"hidden{label} has inconsistent hidden_size: got {hx.shape[1]}, expected {hidden_size}"
        )


class RNNCellBase(Module):
    """Parameters shared by the cells: weight_ih (chunks*H, I), weight_hh (chunks*H, H), biases."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool,
        num_chunks: int,
        device=None,
        dtype=None,
    ):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(empty((rows, input_size), dtype=dtype, device=device))
        self.weight_hh = Parameter(empty((rows, hidden_size), dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(rows, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(rows, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), in registration order."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _batched(self, input: Tensor, states) -> tuple:
        """Check dims (1-D means one unbatched sample), add the batch dim, fill zero states."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for label, hx in states:
            if hx is not None and hx.dim() not in (1, 2):
                raise ValueError(
                    f"{name}: Expected {label} to be 1D or 2D, got {hx.dim()}D instead"
                )
        is_batched = input.dim() == 2
        if not is_batched:
            input = input.unsqueeze(0)
        filled = []
        for _, hx in states:
            if hx is None:
                filled.append(zeros(input.shape[0], self.hidden_size, dtype=input.dtype))
            else:
                filled.append(hx if is_batched else hx.unsqueeze(0))
        _check_cell_input(input, self.input_size)
        for nr, hx in enumerate(filled):
            _check_cell_hidden(input, hx, self.hidden_size, str(nr) if len(filled) > 1 else "0")
        return input, tuple(filled), is_batched

    def _step(self, step, input: Tensor, states: tuple) -> tuple:
        gi = F.linear(input, self.weight_ih, self.bias_ih)
        return step(gi, states, self.weight_hh, self.bias_hh)


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu). Same semantics as
    `torch.nn.RNNCell`.

    Shape:
        input (N, I) or (I,); hx (N, H) or (H,), zeros when omitted -> h' like hx.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ):
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step of the Elman recurrence."""
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        input, (hx,), is_batched = self._batched(input, [("hidden", hx)])
        step = rnn_tanh_step if self.nonlinearity == "tanh" else rnn_relu_step
        (h,) = self._step(step, input, (hx,))
        return h if is_batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step with gates [i | f | g | o]. Same semantics as `torch.nn.LSTMCell`.

    Shape:
        input (N, I) or (I,); hx = (h, c), each (N, H) or (H,), zeros when omitted
        -> (h', c') shaped like them.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ):
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        """One step: returns (h', c')."""
        h, c = (None, None) if hx is None else hx
        input, states, is_batched = self._batched(input, [("hx[0]", h), ("hx[1]", c)])
        h, c = self._step(lstm_step, input, states)
        return (h, c) if is_batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step with gates [r | z | n]. Same semantics as `torch.nn.GRUCell`.

    Shape:
        input (N, I) or (I,); hx (N, H) or (H,), zeros when omitted -> h' like hx.
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ):
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """One step of the gated recurrence."""
        input, (hx,), is_batched = self._batched(input, [("hidden", hx)])
        (h,) = self._step(gru_step, input, (hx,))
        return h if is_batched else h.squeeze(0)
