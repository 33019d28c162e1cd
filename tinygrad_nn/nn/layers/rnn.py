"""Recurrent layers: RNN, LSTM and GRU over whole sequences (the cells are in `rnn_cells.py`).

A layer stacks `num_layers` recurrences; with `bidirectional` each layer runs a second one
from the last time step back to the first and concatenates the two outputs. Every sequence is
handled in packed form, `data` (rows of all running sequences, step after step) with
`batch_sizes` (how many sequences run at each step): a padded batch (T, B, I) is the special
case `batch_sizes = [B] * T`, so padded and packed inputs share one loop.

Each step adds the input projection x_t W_ih^T + b_ih to h W_hh^T + b_hh (see the cells).
The graph is a chain of T steps, and since backward walks it iteratively, 1,000 steps need
no recursion.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ...creation import empty, zeros
from ...functions import cat, stack
from ...ops.lstm_layer import LstmLayer
from ...tensor import Tensor
from .. import functional as F, init
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .rnn_cells import gru_step, lstm_fused_step, rnn_relu_step, rnn_tanh_step

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_STEPS = {
    "LSTM": lstm_fused_step,
    "GRU": gru_step,
    "RNN_TANH": rnn_tanh_step,
    "RNN_RELU": rnn_relu_step,
}


def _check_options(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size):
    """PyTorch's argument checks, in its order, with its exception classes."""
    if (
        not isinstance(dropout, numbers.Number)
        or isinstance(dropout, bool)
        or not 0 <= dropout <= 1
    ):
        raise ValueError(
            "dropout should be a number in range [0, 1] representing the probability of an "
            "element being zeroed"
        )
    if dropout > 0 and num_layers == 1:
        warnings.warn(
            "dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
            f"expects num_layers greater than 1, but got dropout={dropout} and "
            f"num_layers={num_layers}",
            stacklevel=3,
        )
    for name, value, kind in (
        ("bias", bias, bool),
        ("batch_first", batch_first, bool),
        ("input_size", input_size, int),
        ("hidden_size", hidden_size, int),
    ):
        if not isinstance(value, kind):
            raise TypeError(
                f"{name} should be of type {kind.__name__}, got: {type(value).__name__}"
            )
        if kind is int and value <= 0:
            raise ValueError(f"{name} must be greater than zero")
    if num_layers <= 0:
        raise ValueError("num_layers must be greater than zero")
    if proj_size < 0:
        raise ValueError("proj_size should be a positive integer or zero to disable projections")
    if proj_size >= hidden_size:
        raise ValueError("proj_size has to be smaller than hidden_size")


def _run_direction(step, gi: list, state: tuple, weights: tuple, batch_sizes: list, reverse):
    """Run one recurrence over per-step projections `gi`; returns (outputs per step, final).

    Forward in time, the batch shrinks as sequences end (they are sorted longest first): the
    rows that stop are set aside and become those sequences' final states. Backward in time,
    the batch grows instead, and each newly started sequence takes its initial state.
    """
    outputs = [None] * len(gi)
    if reverse:
        initial, state = state, tuple(s[: batch_sizes[-1]] for s in state)
        for t in reversed(range(len(gi))):
            n = batch_sizes[t]
            if n > state[0].shape[0]:
                state = tuple(cat([s, s0[s.shape[0] : n]]) for s, s0 in zip(state, initial))
            state = step(gi[t], state, *weights)
            outputs[t] = state[0]
        return outputs, state
    ended = []
    for t in range(len(gi)):
        n = batch_sizes[t]
        if n < state[0].shape[0]:
            ended.append(tuple(s[n:] for s in state))
            state = tuple(s[:n] for s in state)
        state = step(gi[t], state, *weights)
        outputs[t] = state[0]
    if ended:  # the last sequences to end come first (longest first order)
        parts = [state] + ended[::-1]
        state = tuple(cat([p[k] for p in parts]) for k in range(len(state)))
    return outputs, state


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, init, checks and the layer loop."""

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ):
        super().__init__()
        _check_options(input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size)
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(self._directions):
                self._add_layer_parameters(layer, direction, device, dtype)
        self.reset_parameters()

    @property
    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _out_size(self) -> int:
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def _add_layer_parameters(self, layer: int, direction: int, device, dtype) -> None:
        """Register weight_ih_l{k}, weight_hh_l{k}, biases, weight_hr_l{k} (+ '_reverse')."""
        rows = _GATES[self.mode] * self.hidden_size
        in_size = self.input_size if layer == 0 else self._out_size * self._directions
        shapes = {"weight_ih": (rows, in_size), "weight_hh": (rows, self._out_size)}
        if self.bias:
            shapes.update(bias_ih=(rows,), bias_hh=(rows,))
        if self.proj_size > 0:
            shapes["weight_hr"] = (self.proj_size, self.hidden_size)
        suffix = "_reverse" if direction == 1 else ""
        names = []
        for kind, shape in shapes.items():
            names.append(f"{kind}_l{layer}{suffix}")
            setattr(self, names[-1], Parameter(empty(shape, dtype=dtype, device=device)))
        self._flat_weights_names.extend(names)
        self._all_weights.append(names)

    def reset_parameters(self) -> None:
        """PyTorch's default: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), in registration order."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch packs weights into one buffer for cuDNN; there is none here."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction, as PyTorch lists them."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- forward: unpack the input, check it, run the layers, pack the result ----------------

    def _state_shapes(self, batch: int) -> list:
        """Shapes of the initial states: h (and c for LSTM), each (layers * directions, B, *)."""
        lead = (self.num_layers * self._directions, batch)
        shapes = [lead + (self._out_size,)]
        return shapes + [lead + (self.hidden_size,)] if self.mode == "LSTM" else shapes

    def _check_input(self, input: Tensor, packed: bool) -> None:
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        if input.dim() != (2 if packed else 3):
            raise RuntimeError(
                f"input must have {2 if packed else 3} dimensions, got {input.dim()}"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]}"
            )

    def _check_states(self, states: tuple, batch: int) -> None:
        lstm = self.mode == "LSTM"
        for nr, (hx, shape) in enumerate(zip(states, self._state_shapes(batch))):
            if tuple(hx.shape) != shape:
                what = f"hidden[{nr}]" if lstm else "hidden"
                raise RuntimeError(f"Expected {what} size {shape}, got {list(hx.shape)}")

    def _unbatched_states(self, hx, is_batched: bool):
        """PyTorch's dim checks of hx against a 2-D or 3-D input; unbatched hx gets dim 1."""
        if hx is None:
            return None
        states = tuple(hx) if self.mode == "LSTM" else (hx,)
        want = 3 if is_batched else 2
        if any(s.dim() != want for s in states):
            kind = "batched 3-D" if is_batched else "unbatched 2-D"
            if self.mode == "LSTM":
                dims = ", ".join(f"{s.dim()}-D" for s in states)
                raise RuntimeError(
                    f"For {kind} input, hx and cx should also be {want}-D but got ({dims}) tensors"
                )
            raise RuntimeError(
                f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor"
            )
        return states if is_batched else tuple(s.unsqueeze(1) for s in states)

    def _padded_input(self, input: Tensor, hx):
        """(data, batch_sizes, states, is_batched) for a padded input (T, B, I) or (T, I)."""
        if input.dim() not in (2, 3):
            tensor_word = " tensor" if self.mode.startswith("RNN") else ""
            name = "RNN" if self.mode.startswith("RNN") else self.mode
            raise ValueError(
                f"{name}: Expected input to be 2D or 3D, got {input.dim()}D{tensor_word} instead"
            )
        is_batched = input.dim() == 3
        if not is_batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        states = self._unbatched_states(hx, is_batched)
        self._check_input(input, packed=False)
        if self.batch_first:
            input = input.transpose(0, 1)
        steps, batch = input.shape[0], input.shape[1]
        if steps == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        data = input.reshape(steps * batch, self.input_size)
        return data, [batch] * steps, states, is_batched

    def forward(self, input, hx=None):
        """Run all layers; returns (output, h_n) or, for LSTM, (output, (h_n, c_n))."""
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes = input.data, [int(n) for n in input.batch_sizes.numpy()]
            states = None if hx is None else (tuple(hx) if self.mode == "LSTM" else (hx,))
            self._check_input(data, packed=True)
            if states is not None and input.sorted_indices is not None:
                states = tuple(s.index_select(1, input.sorted_indices) for s in states)
        else:
            data, batch_sizes, states, is_batched = self._padded_input(input, hx)
        if states is None:
            shapes = self._state_shapes(batch_sizes[0])
            states = tuple(zeros(shape, dtype=data.dtype) for shape in shapes)
        self._check_states(states, batch_sizes[0])
        out, finals = self._run_layers(data, batch_sizes, states)
        if packed:
            if input.unsorted_indices is not None:
                finals = tuple(f.index_select(1, input.unsorted_indices) for f in finals)
            out = PackedSequence(
                out, input.batch_sizes, input.sorted_indices, input.unsorted_indices
            )
        else:
            out = out.reshape(len(batch_sizes), batch_sizes[0], out.shape[-1])
            if self.batch_first:
                out = out.transpose(0, 1)
            if not is_batched:
                out = out.squeeze(0 if self.batch_first else 1)
                finals = tuple(f.squeeze(1) for f in finals)
        return out, (finals if self.mode == "LSTM" else finals[0])

    def _layer_weights(self, names: list) -> tuple:
        """(w_hh, b_hh, w_hr) for the step and (w_ih, b_ih) for the input projection."""
        w = {name.split("_l")[0]: getattr(self, name) for name in names}
        step_weights = (w["weight_hh"], w.get("bias_hh"), w.get("weight_hr"))
        return step_weights, (w["weight_ih"], w.get("bias_ih"))

    def _run_layers(self, data: Tensor, batch_sizes: list, states: tuple) -> tuple:
        """All layers and directions over packed `data`; returns (output data, final states).

        As PyTorch does on the CPU, each layer projects its whole input at once,
        x W_ih^T + b_ih for every step in one matmul, and splits the result into steps (one
        node: its backward joins the steps' gradients in one go, linear in their number).
        """
        step, finals, sizes = _STEPS[self.mode], [], list(batch_sizes)
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self._directions):
                index = layer * self._directions + direction
                weights, (w_ih, b_ih) = self._layer_weights(self._all_weights[index])
                gi = F.linear(data, w_ih, b_ih)
                initial = tuple(s[index] for s in states)
                if self.mode == "LSTM" and not self.proj_size:  # the whole layer, one op
                    out, *final = LstmLayer.apply(gi, *initial, *weights[:2], sizes, direction == 1)
                    outputs.append(out)
                    finals.append(final)
                    continue
                gi = gi.split(sizes)
                steps, final = _run_direction(step, gi, initial, weights, sizes, direction == 1)
                outputs.append(cat(steps) if len(steps) > 1 else steps[0])
                finals.append(final)
            data = cat(outputs, 1) if len(outputs) > 1 else outputs[0]
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                data = F.dropout(data, self.dropout, True)  # one mask, PyTorch's element order
        return data, tuple(stack([f[k] for f in finals]) for k in range(len(states)))


def _no_proj_size(kwargs: dict) -> None:
    if "proj_size" in kwargs:
        raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    Same semantics as `torch.nn.RNN`, including `nonlinearity` as the fourth positional
    argument.

    Shape:
        input (T, B, I) ((B, T, I) if batch_first; (T, I) unbatched) or a PackedSequence;
        h_0 (layers * directions, B, H) -> output (T, B, directions * H), h_n like h_0.
    """

    def __init__(self, *args, **kwargs):
        _no_proj_size(kwargs)
        if len(args) > 3:
            self.nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)

    def __setattr__(self, name, value):
        # `nonlinearity` is set before Module.__init__ has made the registries; it is plain.
        if name == "nonlinearity":
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)


class LSTM(RNNBase):
    """Long short-term memory with gates [i | f | g | o]. Same semantics as `torch.nn.LSTM`.

    With `proj_size` P > 0, h_t = (o * tanh(c_t)) W_hr^T has size P instead of H.

    Shape:
        input as for RNN; hx = (h_0 (layers * directions, B, P or H), c_0 (..., B, H))
        -> output (T, B, directions * (P or H)), (h_n, c_n) like hx.
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit with gates [r | z | n]. Same semantics as `torch.nn.GRU`.

    Shape:
        as for RNN.
    """

    def __init__(self, *args, **kwargs):
        _no_proj_size(kwargs)
        super().__init__("GRU", *args, **kwargs)
