"""Packed sequences against PyTorch: pad_sequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence, their gradients, their errors, and RNN/LSTM/GRU run on packed batches."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import assert_close_scaled, copy_weights, to_ours, to_torch
from tinygrad_nn.nn.utils import rnn as our_rnn

torch = pytest.importorskip("torch")
torch_rnn = torch.nn.utils.rnn

LENGTHS = [[5, 3, 3, 1], [2, 5, 1, 5, 3], [4]]

# PyTorch's own notice that its oneDNN path skips LSTMs with projections; not our concern.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


def _sequences(lengths, dtype=np.float64, trailing=(3,), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n,) + trailing).astype(dtype) for n in lengths]


def _both(arrays):
    return [to_ours(a, True) for a in arrays], [to_torch(a, True) for a in arrays]


def _backward_both(ours, theirs, seed=1):
    """Backward a shared random gradient through both results."""
    g = (
        np.random.default_rng(seed)
        .standard_normal(tuple(theirs.shape))
        .astype(theirs.detach().numpy().dtype)
    )
    (ours * to_ours(g)).sum().backward()
    (theirs * to_torch(g)).sum().backward()


def _assert_indices(ours, theirs):
    for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
        o, t = getattr(ours, field), getattr(theirs, field)
        assert (o is None) == (t is None), field
        if t is not None:
            assert o.dtype == tg.int64, field
            np.testing.assert_array_equal(o.numpy(), t.numpy(), err_msg=field)


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("trailing", [(3,), (), (2, 2)])
def test_pad_sequence(trailing, batch_first, padding_side):
    ours_in, torch_in = _both(_sequences([3, 5, 1], trailing=trailing))
    ours = our_rnn.pad_sequence(ours_in, batch_first, -1.5, padding_side)
    theirs = torch_rnn.pad_sequence(torch_in, batch_first, -1.5, padding_side)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    _backward_both(ours, theirs)
    for o, t in zip(ours_in, torch_in):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


def test_pad_sequence_of_a_tensor_iterates_its_first_dim():
    x = np.arange(6.0).reshape(2, 3)
    ours = our_rnn.pad_sequence(to_ours(x), batch_first=True)
    np.testing.assert_array_equal(ours.numpy(), torch_rnn.pad_sequence(to_torch(x), True).numpy())


@pytest.mark.parametrize("as_tensor", [False, True], ids=["list", "tensor"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", LENGTHS, ids=str)
def test_pack_padded_round_trip_and_gradient(lengths, batch_first, as_tensor):
    x = np.random.default_rng(2).standard_normal((max(lengths), len(lengths), 3))
    if batch_first:
        x = x.transpose(1, 0, 2).copy()
    enforce = lengths == sorted(lengths, reverse=True)
    ox, tx = to_ours(x, True), to_torch(x, True)
    o_len = tg.tensor(lengths) if as_tensor else lengths
    t_len = torch.tensor(lengths) if as_tensor else lengths
    ours = our_rnn.pack_padded_sequence(ox, o_len, batch_first, enforce_sorted=enforce)
    theirs = torch_rnn.pack_padded_sequence(tx, t_len, batch_first, enforce_sorted=enforce)
    np.testing.assert_array_equal(ours.data.detach().numpy(), theirs.data.detach().numpy())
    _assert_indices(ours, theirs)
    o_pad, o_lengths = our_rnn.pad_packed_sequence(ours, batch_first, 0.5, max(lengths) + 2)
    t_pad, t_lengths = torch_rnn.pad_packed_sequence(theirs, batch_first, 0.5, max(lengths) + 2)
    np.testing.assert_array_equal(o_pad.detach().numpy(), t_pad.detach().numpy())
    np.testing.assert_array_equal(o_lengths.numpy(), t_lengths.numpy())
    assert o_lengths.dtype == tg.int64
    _backward_both(o_pad, t_pad)
    np.testing.assert_array_equal(ox.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack(enforce_sorted):
    lengths = [4, 4, 2, 1] if enforce_sorted else [1, 4, 2, 4]
    ours_in, torch_in = _both(_sequences(lengths))
    ours = our_rnn.pack_sequence(ours_in, enforce_sorted)
    theirs = torch_rnn.pack_sequence(torch_in, enforce_sorted)
    np.testing.assert_array_equal(ours.data.detach().numpy(), theirs.data.detach().numpy())
    _assert_indices(ours, theirs)
    for o, t in zip(our_rnn.unpack_sequence(ours), torch_rnn.unpack_sequence(theirs)):
        np.testing.assert_array_equal(o.detach().numpy(), t.detach().numpy())


def test_packed_sequence_is_a_namedtuple_like_torch():
    packed = our_rnn.pack_sequence([tg.tensor([1, 2]), tg.tensor([3, 4, 5])], False)
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert data.tolist() == [3, 1, 4, 2, 5] and batch_sizes.tolist() == [2, 2, 1]
    assert sorted_indices.tolist() == [1, 0] and unsorted_indices.tolist() == [1, 0]
    assert repr(packed).startswith("PackedSequence(data=tensor([3, 1, 4, 2, 5])")
    rebuilt = our_rnn.PackedSequence(data, batch_sizes, sorted_indices)
    assert rebuilt.unsorted_indices.tolist() == [1, 0]
    assert our_rnn.PackedSequence((data, batch_sizes)).sorted_indices is None
    assert packed.double().data.dtype == tg.float64 and not packed.is_cuda
    assert tg.nn.utils.rnn.PackedSequence is our_rnn.PackedSequence


ERRORS = [
    ("unsorted", lambda R, T: R.pack_padded_sequence(T.zeros(5, 3, 2), [3, 4, 5])),
    ("zero_length", lambda R, T: R.pack_padded_sequence(T.zeros(5, 3, 2), [5, 0, 0])),
    ("length_count", lambda R, T: R.pack_padded_sequence(T.zeros(5, 3, 2), [5, 4])),
    ("padding_side", lambda R, T: R.pad_sequence([T.zeros(2)], padding_side="top")),
    ("empty", lambda R, T: R.pad_sequence([])),
    ("not_iterable", lambda R, T: R.pad_sequence(3)),
    ("trailing", lambda R, T: R.pad_sequence([T.zeros(2, 3), T.zeros(3, 4)])),
    (
        "total_length",
        lambda R, T: R.pad_packed_sequence(R.pack_sequence([T.zeros(3)]), total_length=2),
    ),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c[0])
def test_errors_have_torch_class(case):
    _, call = case
    with pytest.raises(Exception) as theirs:
        call(torch_rnn, torch)
    with pytest.raises(Exception) as ours:
        call(our_rnn, tg)
    assert type(ours.value) is type(theirs.value)
    if case[0] != "trailing":  # PyTorch's message there comes from its copy kernel
        assert str(ours.value) == str(theirs.value)


def test_length_beyond_the_padded_input_is_refused():
    with pytest.raises(RuntimeError, match="exceeds the 5 time steps"):
        our_rnn.pack_padded_sequence(tg.zeros(5, 3, 2), [6, 4, 1])


# ---- recurrent layers on packed batches ---------------------------------------------------

PACKED_LAYERS = [
    ("rnn", "RNN", {}),
    ("rnn_relu_2layer_bi", "RNN", {"nonlinearity": "relu", "num_layers": 2, "bidirectional": True}),
    ("lstm", "LSTM", {}),
    ("lstm_2layer_bi", "LSTM", {"num_layers": 2, "bidirectional": True}),
    ("lstm_proj_bi", "LSTM", {"proj_size": 2, "bidirectional": True, "num_layers": 2}),
    ("gru", "GRU", {}),
    ("gru_2layer_bi_nobias", "GRU", {"num_layers": 2, "bidirectional": True, "bias": False}),
]


def _initial_states(name, kw, batch, dtype, rng):
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    shapes = [(layers, batch, kw.get("proj_size") or 5)]
    if name == "LSTM":
        shapes.append((layers, batch, 5))
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _flat(result):
    out, h = result
    return [out.data] + (list(h) if isinstance(h, tuple) else [h])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_states", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("lengths", [[2, 5, 1, 5, 3], [4, 3, 1]], ids=str)
@pytest.mark.parametrize("case", PACKED_LAYERS, ids=lambda c: c[0])
def test_layer_on_packed_sequence_matches_torch(case, lengths, with_states, dtype):
    """Packed output data, final states (each at its own length, original order), gradients."""
    _, name, kw = case
    theirs = getattr(torch.nn, name)(3, 5, **kw).to(
        torch.float64 if dtype == np.float64 else torch.float32
    )
    ours = getattr(tg.nn, name)(3, 5, **kw).to(tg.float64 if dtype == np.float64 else tg.float32)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((max(lengths), len(lengths), 3)).astype(dtype)
    ox, tx = to_ours(x, True), to_torch(x, True)
    o_packed = our_rnn.pack_padded_sequence(ox, lengths, enforce_sorted=False)
    t_packed = torch_rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
    o_args, t_args, o_states, t_states = [o_packed], [t_packed], [], []
    if with_states:
        arrays = _initial_states(name, kw, len(lengths), dtype, rng)
        o_states, t_states = [to_ours(a, True) for a in arrays], [to_torch(a, True) for a in arrays]
        o_args.append(tuple(o_states) if name == "LSTM" else o_states[0])
        t_args.append(tuple(t_states) if name == "LSTM" else t_states[0])
    o_result, t_result = ours(*o_args), theirs(*t_args)
    assert isinstance(o_result[0], our_rnn.PackedSequence)
    _assert_indices(o_result[0], t_result[0])
    o_loss, t_loss = 0, 0
    for nr, (o, t) in enumerate(zip(_flat(o_result), _flat(t_result), strict=True)):
        assert_close_scaled(o.detach().numpy(), t.detach().numpy(), what=f"output {nr}")
        g = rng.standard_normal(tuple(t.shape)).astype(dtype)
        o_loss, t_loss = o_loss + (o * to_ours(g)).sum(), t_loss + (t * to_torch(g)).sum()
    o_loss.backward()
    t_loss.backward()
    assert_close_scaled(ox.grad.numpy(), tx.grad.numpy(), what="input grad")
    for o, t in zip(o_states, t_states):
        assert_close_scaled(o.grad.numpy(), t.grad.numpy(), what="state grad")
    for (key, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert_close_scaled(p.grad.numpy(), q.grad.numpy(), what=f"{key}.grad")


def test_packed_output_pads_back_like_torch():
    """The usual pipeline: pack, LSTM, pad_packed_sequence with batch_first."""
    theirs = torch.nn.LSTM(3, 4, batch_first=True).double()
    ours = tg.nn.LSTM(3, 4, batch_first=True).double()
    copy_weights(ours, theirs)
    x = np.random.default_rng(4).standard_normal((3, 6, 3))
    lengths = [3, 6, 2]
    o_out, _ = ours(our_rnn.pack_padded_sequence(to_ours(x), lengths, True, False))
    t_out, _ = theirs(torch_rnn.pack_padded_sequence(to_torch(x), lengths, True, False))
    o_pad, o_len = our_rnn.pad_packed_sequence(o_out, batch_first=True)
    t_pad, t_len = torch_rnn.pad_packed_sequence(t_out, batch_first=True)
    assert_close_scaled(o_pad.detach().numpy(), t_pad.detach().numpy(), what="padded output")
    np.testing.assert_array_equal(o_len.numpy(), t_len.numpy())


def test_packed_input_size_error_matches_torch():
    packed = [
        mod.pack_sequence([lib.zeros(3, 2), lib.zeros(2, 2)])
        for mod, lib in ((torch_rnn, torch), (our_rnn, tg))
    ]
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.GRU(3, 4)(packed[0])
    with pytest.raises(RuntimeError) as ours:
        tg.nn.GRU(3, 4)(packed[1])
    assert str(ours.value) == str(theirs.value)
