"""Packed sequences: a batch of different-length sequences without the padding.

A padded batch (T, B, *) of sequences sorted longest first is packed time step by time step,
keeping at step t only the batch_sizes[t] sequences that are still running:

    lengths [3, 2, 1]      data = [a0 b0 c0 | a1 b1 | a2]      batch_sizes = [3, 2, 1]

A recurrent layer then runs step t on a batch of batch_sizes[t] rows, so padding is never
computed on and each sequence's final state is the state at its own length. Unsorted batches
are sorted by length first; `sorted_indices` records that permutation and `unsorted_indices`
undoes it. Packing and unpacking are single gathers (`index_select`), so gradients flow
through them with one node each.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from ... import dtypes
from ...creation import full, tensor
from ...functions import cat, stack
from ...tensor import Tensor

_PackedFields = namedtuple(
    "PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"]
)


class PackedSequence(_PackedFields):
    """data (sum(lengths), *), batch_sizes (int64, per time step) and the sort permutations.

    Same semantics as `torch.nn.utils.rnn.PackedSequence`; build it with `pack_padded_sequence`
    or `pack_sequence`, not by hand. `unsorted_indices` defaults to the inverse of
    `sorted_indices`; `PackedSequence((data, batch_sizes))` is accepted too.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """data moved/cast like Tensor.to; batch_sizes stay int64 on the CPU."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._replace(data=data)

    def cpu(self) -> PackedSequence:
        """Already on the CPU."""
        return self

    def double(self) -> PackedSequence:
        """data as float64."""
        return self._replace(data=self.data.double())

    def float(self) -> PackedSequence:
        """data as float32."""
        return self._replace(data=self.data.float())

    @property
    def is_cuda(self) -> bool:
        """False: tinygrad_nn runs on the CPU."""
        return False

    def is_pinned(self) -> bool:
        """False: there is no pinned memory on the CPU."""
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse permutation (None stays None)."""
    if permutation is None:
        return None
    order = permutation.numpy()
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size, dtype=order.dtype)
    return tensor(inverse, dtype=dtypes.int64)


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return lengths.numpy().astype(np.int64).reshape(-1)
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def _check_lengths(lengths: np.ndarray, steps: int, batch: int, enforce_sorted: bool) -> None:
    if lengths.size != batch:
        raise RuntimeError(  # PyTorch raises RuntimeError here
            f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
            f"(batch_size={batch})"
        )
    if enforce_sorted and np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
            "to sidestep this requirement if you do not need ONNX exportability."
        )
    if np.any(lengths <= 0):
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    if np.any(lengths > steps):
        raise RuntimeError(
            f"pack_padded_sequence: a length of {int(lengths.max())} exceeds the {steps} time "
            "steps of the input"
        )


def pack_padded_sequence(
    input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *)) of sequences with the given lengths.

    Same semantics as `torch.nn.utils.rnn.pack_padded_sequence`.
    """
    lengths = _lengths_array(lengths)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    sorted_indices = None
    if not enforce_sorted:
        # A stable sort, longest first: equal lengths keep their order, as PyTorch's sort does.
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = tensor(order, dtype=dtypes.int64)
        input = input.index_select(1, sorted_indices)
    _check_lengths(lengths, steps, batch, enforce_sorted)
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)
    # Row t * B + b of the (T * B, *) view, for every step t and running sequence b < bs[t].
    rows = np.concatenate([t * batch + np.arange(n) for t, n in enumerate(batch_sizes)])
    flat = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    data = flat.index_select(0, tensor(rows, dtype=dtypes.int64))
    return PackedSequence(data, tensor(batch_sizes, dtype=dtypes.int64), sorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple:
    """Undo `pack_padded_sequence`: returns (padded, lengths), in the original batch order.

    Same semantics as `torch.nn.utils.rnn.pad_packed_sequence`.
    """
    batch_sizes = sequence.batch_sizes.numpy().astype(np.int64)
    steps, batch = len(batch_sizes), int(batch_sizes[0])
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        steps = total_length
    data = sequence.data
    # Gather every (t, b) cell from data, or from one extra row of padding where b has ended.
    pad_row = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    source = np.full((steps, batch), data.shape[0], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)[:-1]])
    for t, (start, n) in enumerate(zip(offsets, batch_sizes)):
        source[t, :n] = start + np.arange(n)
    padded = cat([data, pad_row]).index_select(0, tensor(source.reshape(-1), dtype=dtypes.int64))
    padded = padded.reshape((steps, batch) + tuple(data.shape[1:]))
    lengths = (batch_sizes[:, None] > np.arange(batch)[None, :]).sum(0)
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.numpy()]
    return padded, tensor(lengths, dtype=dtypes.int64)


def pad_sequence(
    sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
) -> Tensor:
    """Stack sequences of shape (L_i, *) into (T, B, *) (or (B, T, *)), padding to the longest.

    Same semantics as `torch.nn.utils.rnn.pad_sequence`.
    """
    if not isinstance(sequences, Iterable):
        raise RuntimeError(
            "pad_sequence: Expected iterable for input sequences, but got arg of type: "
            f"{type(sequences)}"
        )
    sequences = tuple(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    trailing = tuple(sequences[0].shape[1:])
    padded = []
    for s in sequences:
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(
                f"pad_sequence: every sequence needs the trailing shape {trailing} of the "
                f"first, but one has shape {tuple(s.shape)}"
            )
        pad = full((longest - s.shape[0],) + trailing, padding_value, dtype=s.dtype)
        padded.append(cat([s, pad] if padding_side == "right" else [pad, s]))
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list:
    """The list of unpadded sequences. Same semantics as `torch.nn.utils.rnn.unpad_sequence`."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences.unbind(0), _lengths_array(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """pad_sequence then pack_padded_sequence. Same semantics as `torch...pack_sequence`."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences in a PackedSequence, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
