"""RNN, LSTM, GRU and their cells against PyTorch: outputs, final states and every gradient.

Both libraries build the same layer, ours loads PyTorch's state_dict, both run the same input
(and initial states), and a shared random upstream gradient flows back from the output and
the final states. Also: PyTorch's parameter names, default init, repr, errors, gradcheck of the
cells and a 1,000-step sequence under the default recursion limit.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import assert_close_scaled, copy_weights, to_ours, to_torch
from tinygrad_nn.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

DTYPES = [np.float32, np.float64]

# PyTorch's own notice that its oneDNN path skips LSTMs with projections; not our concern.
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported")


def _flatten(out) -> list:
    """Output and final states as one flat list of tensors (LSTM returns (h, c))."""
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flatten(item)]
    return [out]


def _pair(name: str, dtype, *args, **kwargs):
    """The same layer in both libraries, ours loaded from PyTorch's state_dict."""
    theirs = getattr(torch.nn, name)(*args, **kwargs).to(
        torch.float64 if dtype == np.float64 else torch.float32
    )
    ours = getattr(tg.nn, name)(*args, **kwargs).to(
        tg.float64 if dtype == np.float64 else tg.float32
    )
    copy_weights(ours, theirs)
    return ours, theirs


def _states(name: str, shapes: list, rng, dtype):
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    if name.startswith("LSTM"):
        return arrays
    return arrays[0]


def _wrap(states, convert):
    if states is None:
        return None, []
    if isinstance(states, list):
        pair = [convert(a, True) for a in states]
        return tuple(pair), pair
    t = convert(states, True)
    return t, [t]


def compare(ours, theirs, x: np.ndarray, states=None, seed: int = 1) -> None:
    """Forward both; backward a random gradient on every output; compare all results."""
    ox, tx = to_ours(x, True), to_torch(x, True)
    ohx, o_leaves = _wrap(states, to_ours)
    thx, t_leaves = _wrap(states, to_torch)
    o_out = _flatten(ours(ox) if ohx is None else ours(ox, ohx))
    t_out = _flatten(theirs(tx) if thx is None else theirs(tx, thx))
    rng = np.random.default_rng(seed)
    o_loss, t_loss = 0, 0
    for nr, (o, t) in enumerate(zip(o_out, t_out, strict=True)):
        assert o.dtype == to_ours(np.zeros(1, x.dtype)).dtype
        assert_close_scaled(o.detach().numpy(), t.detach().numpy(), what=f"output {nr}")
        g = rng.standard_normal(tuple(t.shape)).astype(x.dtype)
        o_loss = o_loss + (o * to_ours(g)).sum()
        t_loss = t_loss + (t * to_torch(g)).sum()
    o_loss.backward()
    t_loss.backward()
    assert_close_scaled(ox.grad.numpy(), tx.grad.numpy(), what="input grad")
    for nr, (o, t) in enumerate(zip(o_leaves, t_leaves)):
        assert_close_scaled(o.grad.numpy(), t.grad.numpy(), what=f"state {nr} grad")
    o_params, t_params = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(o_params) == list(t_params)
    for key, p in t_params.items():
        assert_close_scaled(o_params[key].grad.numpy(), p.grad.numpy(), what=f"{key}.grad")


# (id, class, kwargs); every layer has input_size 3 and hidden_size 5.
LAYERS = [
    ("rnn", "RNN", {}),
    ("rnn_relu", "RNN", {"nonlinearity": "relu"}),
    ("rnn_2layer_bi", "RNN", {"num_layers": 2, "bidirectional": True}),
    ("rnn_nobias_bf", "RNN", {"bias": False, "batch_first": True}),
    ("lstm", "LSTM", {}),
    ("lstm_2layer_bi", "LSTM", {"num_layers": 2, "bidirectional": True}),
    ("lstm_nobias", "LSTM", {"bias": False, "num_layers": 2}),
    ("lstm_proj", "LSTM", {"proj_size": 2}),
    (
        "lstm_proj_2layer_bi_bf",
        "LSTM",
        {"proj_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True},
    ),
    ("gru", "GRU", {}),
    ("gru_2layer_bi", "GRU", {"num_layers": 2, "bidirectional": True}),
    ("gru_nobias_bf", "GRU", {"bias": False, "batch_first": True, "num_layers": 2}),
    ("gru_dropout_eval", "GRU", {"num_layers": 2, "dropout": 0.5}),
]


def _state_shapes(name: str, kw: dict, batch) -> list:
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    lead = (layers,) if batch is None else (layers, batch)
    shapes = [lead + (kw.get("proj_size") or 5,)]
    return shapes + [lead + (5,)] if name == "LSTM" else shapes


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_states", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("case", LAYERS, ids=lambda c: c[0])
def test_layer_matches_torch(case, with_states, dtype):
    _, name, kw = case
    ours, theirs = _pair(name, dtype, 3, 5, **kw)
    ours.eval(), theirs.eval()  # dropout is off in eval mode, on both sides
    rng = np.random.default_rng(0)
    shape = (2, 4, 3) if kw.get("batch_first") else (4, 2, 3)
    x = rng.standard_normal(shape).astype(dtype)
    states = _states(name, _state_shapes(name, kw, 2), rng, dtype) if with_states else None
    compare(ours, theirs, x, states)


@pytest.mark.parametrize("with_states", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_unbatched_input(name, with_states):
    kw = {"num_layers": 2, "bidirectional": True}
    ours, theirs = _pair(name, np.float64, 3, 5, **kw)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 3))
    states = _states(name, _state_shapes(name, kw, None), rng, np.float64) if with_states else None
    compare(ours, theirs, x, states)


def test_lstm_proj_unbatched_batch_first():
    ours, theirs = _pair("LSTM", np.float64, 3, 5, proj_size=2, batch_first=True)
    compare(ours, theirs, np.random.default_rng(3).standard_normal((4, 3)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_matches_torch_after_seeding(name, dtype):
    """Training-mode dropout draws PyTorch's mask: same seed, same numbers and gradients."""
    ours, theirs = _pair(name, dtype, 3, 5, num_layers=3, dropout=0.4, bidirectional=True)
    x = np.random.default_rng(4).standard_normal((5, 3, 3)).astype(dtype)
    torch.manual_seed(7)
    tg.manual_seed(7)
    compare(ours, theirs, x)


def test_dropout_statistics_in_training():
    """With p > 0 in training mode the layer output changes; in eval mode it does not."""
    layer = tg.nn.GRU(4, 50, num_layers=2, dropout=0.5)
    x = tg.randn(3, 2, 4)
    first, second = layer(x)[0], layer(x)[0]
    assert not np.array_equal(first.detach().numpy(), second.detach().numpy())
    layer.eval()
    assert np.array_equal(layer(x)[0].detach().numpy(), layer(x)[0].detach().numpy())


def test_dropout_warning_and_errors_match_torch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        tg.nn.LSTM(3, 4, dropout=0.2)
    for bad in (-0.1, 1.5, True, "0.1"):
        with pytest.raises(ValueError, match="dropout should be a number in range"):
            tg.nn.GRU(3, 4, num_layers=2, dropout=bad)


# ---- cells --------------------------------------------------------------------------------

CELLS = [
    ("rnn_cell", "RNNCell", {}),
    ("rnn_cell_relu_nobias", "RNNCell", {"nonlinearity": "relu", "bias": False}),
    ("lstm_cell", "LSTMCell", {}),
    ("lstm_cell_nobias", "LSTMCell", {"bias": False}),
    ("gru_cell", "GRUCell", {}),
    ("gru_cell_nobias", "GRUCell", {"bias": False}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
@pytest.mark.parametrize("with_states", [False, True], ids=["zero_state", "given_state"])
@pytest.mark.parametrize("case", CELLS, ids=lambda c: c[0])
def test_cell_matches_torch(case, with_states, batched, dtype):
    _, name, kw = case
    ours, theirs = _pair(name, dtype, 3, 5, **kw)
    rng = np.random.default_rng(5)
    lead = (4,) if batched else ()
    x = rng.standard_normal(lead + (3,)).astype(dtype)
    states = None
    if with_states:
        states = _states(name, [lead + (5,)] * (2 if name == "LSTMCell" else 1), rng, dtype)
    compare(ours, theirs, x, states)


def test_cells_over_a_sequence_equal_the_layer():
    """Stepping LSTMCell by hand with the layer's weights gives the layer's output."""
    layer = tg.nn.LSTM(3, 4).double()
    cell = tg.nn.LSTMCell(3, 4).double()
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = tg.randn(6, 2, 3, dtype=tg.float64)
    out, (_, c) = layer(x)
    state = None
    for t in range(6):
        state = cell(x[t], state)
        np.testing.assert_allclose(state[0].detach().numpy(), out[t].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(state[1].detach().numpy(), c[0].detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_gradcheck_and_gradgradcheck(name):
    cell = getattr(tg.nn, name)(2, 3).double()
    gen = np.random.default_rng(6)
    x = to_ours(gen.standard_normal((2, 2)), True)
    h = to_ours(gen.standard_normal((2, 3)), True)
    c = to_ours(gen.standard_normal((2, 3)), True)
    params = list(cell.parameters())
    if name == "LSTMCell":
        inputs, fn = (x, h, c, *params), lambda x, h, c, *p: cell(x, (h, c))
    else:
        inputs, fn = (x, h, *params), lambda x, h, *p: cell(x, h)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_lstm_layer_gradcheck():
    layer = tg.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2).double()
    x = to_ours(np.random.default_rng(7).standard_normal((3, 2, 2)), True)
    params = list(layer.parameters())
    assert gradcheck(lambda x, *p: layer(x)[0], (x, *params))


# ---- parameters, init, repr ---------------------------------------------------------------

MODULE_ARGS = [
    ("RNN", (3, 5), {"num_layers": 2, "bidirectional": True, "nonlinearity": "relu"}),
    ("LSTM", (3, 5), {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
    ("LSTM", (3, 5), {"bias": False, "batch_first": True, "dropout": 0.3, "num_layers": 3}),
    ("GRU", (3, 5), {"num_layers": 2}),
    ("RNNCell", (3, 5), {"bias": False, "nonlinearity": "relu"}),
    ("LSTMCell", (3, 5), {}),
    ("GRUCell", (3, 5), {"bias": False}),
]


@pytest.mark.parametrize("name,args,kw", MODULE_ARGS)
def test_state_dict_keys_shapes_and_repr_match_torch(name, args, kw):
    ours, theirs = getattr(tg.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    o_sd, t_sd = ours.state_dict(), theirs.state_dict()
    assert list(o_sd) == list(t_sd)
    assert [tuple(v.shape) for v in o_sd.values()] == [tuple(v.shape) for v in t_sd.values()]
    assert repr(ours) == repr(theirs)
    if hasattr(theirs, "all_weights"):
        assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == [
            [tuple(w.shape) for w in ws] for ws in theirs.all_weights
        ]


def test_rnn_nonlinearity_as_fourth_positional_argument():
    layer = tg.nn.RNN(3, 5, 2, "relu")
    assert layer.nonlinearity == "relu" and layer.num_layers == 2 and layer.mode == "RNN_RELU"


@pytest.mark.parametrize("name,args,kw", MODULE_ARGS)
def test_default_init_bounds(name, args, kw):
    bound = 1 / np.sqrt(args[1])
    tg.manual_seed(0)
    params = [p.detach().numpy() for p in getattr(tg.nn, name)(*args, **kw).parameters()]
    assert all(v.dtype == np.float32 and np.all(np.abs(v) <= bound) for v in params)
    values = np.concatenate([v.reshape(-1) for v in params])
    # U(-b, b) has standard deviation b / sqrt(3): every parameter was really drawn
    assert abs(values.std() - bound / np.sqrt(3)) < 0.2 * bound


@pytest.mark.parametrize("name,args,kw", MODULE_ARGS)
def test_default_init_equals_torch_after_manual_seed(name, args, kw):
    """uniform_ in parameter order draws PyTorch's stream: the same numbers, bit for bit."""
    tg.manual_seed(11)
    torch.manual_seed(11)
    ours, theirs = getattr(tg.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    for (key, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy()), key


def test_empty_batch_gives_empty_output_like_torch():
    out, h = tg.nn.GRU(3, 4, num_layers=2)(tg.zeros(5, 0, 3))
    assert tuple(out.shape) == (5, 0, 4) and tuple(h.shape) == (2, 0, 4)


def test_flatten_parameters_is_a_no_op_and_dtype_moves():
    layer = tg.nn.LSTM(3, 4)
    before = [p.detach().numpy().copy() for p in layer.parameters()]
    assert layer.flatten_parameters() is None
    assert all(np.array_equal(a, p.detach().numpy()) for a, p in zip(before, layer.parameters()))
    layer.double()
    out, (h, c) = layer(tg.randn(2, 1, 3, dtype=tg.float64))
    assert out.dtype == h.dtype == c.dtype == tg.float64


# ---- errors: PyTorch's class and message -------------------------------------------------

ERRORS = [
    ("rnn_4d_input", lambda nn: nn.RNN(3, 4)(_zeros(nn, 2, 2, 2, 3))),
    ("lstm_1d_input", lambda nn: nn.LSTM(3, 4)(_zeros(nn, 3))),
    ("gru_1d_input", lambda nn: nn.GRU(3, 4)(_zeros(nn, 3))),
    ("input_size", lambda nn: nn.GRU(3, 4)(_zeros(nn, 5, 2, 2))),
    ("dtype", lambda nn: nn.RNN(3, 4)(_zeros(nn, 5, 2, 3).double())),
    ("hidden_shape", lambda nn: nn.RNN(3, 4)(_zeros(nn, 5, 2, 3), _zeros(nn, 1, 3, 4))),
    ("hidden_dims_batched", lambda nn: nn.GRU(3, 4)(_zeros(nn, 5, 2, 3), _zeros(nn, 2, 4))),
    ("hidden_dims_unbatched", lambda nn: nn.GRU(3, 4)(_zeros(nn, 5, 3), _zeros(nn, 1, 1, 4))),
    (
        "lstm_h_shape",
        lambda nn: nn.LSTM(3, 4)(_zeros(nn, 5, 2, 3), (_zeros(nn, 1, 3, 4), _zeros(nn, 1, 2, 4))),
    ),
    (
        "lstm_c_shape",
        lambda nn: nn.LSTM(3, 4)(_zeros(nn, 5, 2, 3), (_zeros(nn, 1, 2, 4), _zeros(nn, 1, 2, 5))),
    ),
    (
        "lstm_proj_h_shape",
        lambda nn: nn.LSTM(3, 4, proj_size=2)(
            _zeros(nn, 5, 2, 3), (_zeros(nn, 1, 2, 4), _zeros(nn, 1, 2, 4))
        ),
    ),
    (
        "lstm_hx_dims",
        lambda nn: nn.LSTM(3, 4)(_zeros(nn, 5, 2, 3), (_zeros(nn, 2, 4), _zeros(nn, 1, 2, 4))),
    ),
    (
        "lstm_hx_dims_unbatched",
        lambda nn: nn.LSTM(3, 4)(_zeros(nn, 5, 3), (_zeros(nn, 1, 4), _zeros(nn, 1, 1, 4))),
    ),
    ("no_steps", lambda nn: nn.LSTM(3, 4)(_zeros(nn, 0, 2, 3))),
    ("no_steps_batch_first", lambda nn: nn.GRU(3, 4, batch_first=True)(_zeros(nn, 2, 0, 3))),
    ("gru_proj_size", lambda nn: nn.GRU(3, 4, proj_size=2)),
    ("proj_too_big", lambda nn: nn.LSTM(3, 4, proj_size=4)),
    ("proj_negative", lambda nn: nn.LSTM(3, 4, proj_size=-1)),
    ("nonlinearity", lambda nn: nn.RNN(3, 4, nonlinearity="gelu")),
    ("hidden_size_type", lambda nn: nn.RNN(3, 4.0)),
    ("hidden_size_zero", lambda nn: nn.RNN(3, 0)),
    ("input_size_zero", lambda nn: nn.LSTM(0, 3)),
    ("num_layers_zero", lambda nn: nn.LSTM(3, 4, num_layers=0)),
    ("bias_type", lambda nn: nn.GRU(3, 4, bias=1)),
    ("batch_first_type", lambda nn: nn.GRU(3, 4, batch_first=None)),
    ("cell_input_size", lambda nn: nn.RNNCell(3, 4)(_zeros(nn, 2, 5))),
    ("cell_batch", lambda nn: nn.RNNCell(3, 4)(_zeros(nn, 2, 3), _zeros(nn, 3, 4))),
    ("cell_hidden", lambda nn: nn.GRUCell(3, 4)(_zeros(nn, 2, 3), _zeros(nn, 2, 5))),
    ("cell_unbatched_hidden", lambda nn: nn.GRUCell(3, 4)(_zeros(nn, 3), _zeros(nn, 2, 4))),
    ("cell_3d", lambda nn: nn.GRUCell(3, 4)(_zeros(nn, 1, 2, 3))),
    ("cell_hidden_3d", lambda nn: nn.RNNCell(3, 4)(_zeros(nn, 2, 3), _zeros(nn, 1, 2, 4))),
    (
        "lstm_cell_batch",
        lambda nn: nn.LSTMCell(3, 4)(_zeros(nn, 2, 3), (_zeros(nn, 3, 4), _zeros(nn, 2, 4))),
    ),
    (
        "lstm_cell_c",
        lambda nn: nn.LSTMCell(3, 4)(_zeros(nn, 2, 3), (_zeros(nn, 2, 4), _zeros(nn, 2, 5))),
    ),
    (
        "lstm_cell_hx_3d",
        lambda nn: nn.LSTMCell(3, 4)(_zeros(nn, 2, 3), (_zeros(nn, 2, 4), _zeros(nn, 1, 2, 4))),
    ),
]


def _zeros(nn, *shape):
    return (torch if nn is torch.nn else tg).zeros(*shape)


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c[0])
def test_errors_match_torch(case):
    _, call = case
    with pytest.raises(Exception) as theirs:
        call(torch.nn)
    with pytest.raises(Exception) as ours:
        call(tg.nn)
    assert type(ours.value) is type(theirs.value)
    # dtypes print under their library's name: tinygrad_nn.float64 is torch.float64
    assert str(ours.value).replace("tinygrad_nn.", "torch.") == str(theirs.value)


def test_unknown_cell_nonlinearity_raises_at_call_like_torch():
    cell = tg.nn.RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: gelu"):
        cell(tg.zeros(2, 3))


# ---- long sequences -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_thousand_steps_forward_and_backward(name):
    """A chain of 1,000 steps trains under the default recursion limit and matches torch."""
    ours, theirs = _pair(name, np.float64, 2, 4)
    x = np.random.default_rng(8).standard_normal((1000, 1, 2))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # CPython's default, whatever the test runner set
    try:
        compare(ours, theirs, x)
    finally:
        sys.setrecursionlimit(limit)
