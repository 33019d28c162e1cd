"""The fused LSTM step (ops/rnn_cell.py) against the same step written in Tensor ops.

`nn.LSTM` runs `lstm_fused_step`; `nn.LSTMCell` runs `lstm_step`, twelve ordinary ops. The two
must give the same bits: outputs, first derivatives (whichever of h' and c' the loss uses) and
second derivatives, in float16, float32 and float64. The fused op's own derivatives are checked
against finite differences (gradcheck, gradgradcheck) in float64.
"""

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn.autograd import gradcheck, gradgradcheck
from tinygrad_nn.nn.layers.rnn_cells import lstm_fused_step, lstm_step
from tinygrad_nn.ops.rnn_cell import LstmCell

B, H = 5, 4


def _leaves(dtype, seed=0, c_requires_grad=True):
    rng = np.random.default_rng(seed)

    def t(*shape, requires_grad=True):
        return tg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)

    return {
        "gi": t(B, 4 * H),
        "h": t(B, H),
        "c": t(B, H, requires_grad=c_requires_grad),
        "w_hh": t(4 * H, H),
        "b_hh": t(4 * H),
        "w_hr": t(2, H),
    }


def _run(step, leaves, use, project=False):
    """Outputs and gradients of every leaf for a loss on h', c' or both."""
    state = (leaves["h"], leaves["c"])
    w_hr = leaves["w_hr"] if project else None
    h, c = step(leaves["gi"], state, leaves["w_hh"], leaves["b_hh"], w_hr)
    rng = np.random.default_rng(1)
    weights = [
        tg.tensor(rng.standard_normal(t.shape).astype(t.detach().numpy().dtype)) for t in (h, c)
    ]
    loss = sum((w * t).sum() for w, t, u in zip(weights, (h, c), use) if u)
    wanted = [t for t in leaves.values() if t.requires_grad]
    grads = tg.autograd.grad(loss, wanted, allow_unused=True)
    return [h.detach().numpy(), c.detach().numpy()] + [
        None if g is None else g.numpy() for g in grads
    ]


def _same_bits(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if x is None or y is None:
            assert x is None and y is None
        else:
            assert x.dtype == y.dtype and x.shape == y.shape
            np.testing.assert_array_equal(x.view(np.uint8), y.view(np.uint8))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("use", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("c_requires_grad", [True, False])
def test_fused_step_matches_the_composite_bit_for_bit(dtype, use, c_requires_grad):
    fused = _run(lstm_fused_step, _leaves(dtype, c_requires_grad=c_requires_grad), use)
    composite = _run(lstm_step, _leaves(dtype, c_requires_grad=c_requires_grad), use)
    _same_bits(fused, composite)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_step_with_projection_matches_the_composite(dtype):
    _same_bits(
        _run(lstm_fused_step, _leaves(dtype), (True, True), project=True),
        _run(lstm_step, _leaves(dtype), (True, True), project=True),
    )


def _second_derivatives(step, dtype):
    leaves = _leaves(dtype)
    h, c = step(leaves["gi"], (leaves["h"], leaves["c"]), leaves["w_hh"], leaves["b_hh"])
    inputs = list(leaves.values())[:5]
    first = tg.autograd.grad((h * h).sum() + (c * h).sum(), inputs, create_graph=True)
    second = tg.autograd.grad(sum((g * g).sum() for g in first), inputs)
    return [g.numpy() for g in second]


def test_second_derivatives_match_the_composite():
    fused, composite = (_second_derivatives(s, np.float64) for s in (lstm_fused_step, lstm_step))
    for a, b in zip(fused, composite):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_node_name_and_one_node_per_step():
    leaves = _leaves(np.float32)
    h, c = lstm_fused_step(leaves["gi"], (leaves["h"], leaves["c"]), leaves["w_hh"], None)
    assert h.grad_fn is c.grad_fn
    assert h.grad_fn.name() == "ThnnFusedLstmCellBackward0"
    assert (h._output_nr, c._output_nr) == (0, 1)


def _cell(*inputs):
    return LstmCell.apply(*inputs)


def _cell_inputs(seed=0, c_requires_grad=True):
    rng = np.random.default_rng(seed)
    gates = [tg.tensor(rng.standard_normal((3, 8)), requires_grad=True) for _ in range(2)]
    c = tg.tensor(rng.standard_normal((3, 2)), requires_grad=c_requires_grad)
    return (*gates, c)


@pytest.mark.parametrize("c_requires_grad", [True, False])
def test_gradcheck_and_gradgradcheck(c_requires_grad):
    inputs = _cell_inputs(c_requires_grad=c_requires_grad)
    assert gradcheck(_cell, inputs)
    assert gradgradcheck(_cell, inputs)


@pytest.mark.parametrize("which", [0, 1])
def test_gradgradcheck_when_the_loss_uses_one_output(which):
    inputs = _cell_inputs(seed=3)
    assert gradcheck(lambda *x: _cell(*x)[which], inputs)
    assert gradgradcheck(lambda *x: _cell(*x)[which], inputs)


def test_third_derivative_stays_connected():
    """The second derivatives are Tensor ops on the saved inputs: differentiable again."""

    def second(*x):
        gates_in, gates_hidden, c = x
        h, c2 = _cell(gates_in, gates_hidden, c)
        first = tg.autograd.grad((h * c2).sum(), x, create_graph=True)
        return tg.autograd.grad(sum((g * g).sum() for g in first), x, create_graph=True)

    assert gradcheck(second, _cell_inputs(seed=5))


def test_lstm_layer_matches_torch_in_float64():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 2, 3))
    ours, theirs = tg.nn.LSTM(3, 4, num_layers=2).double(), torch.nn.LSTM(3, 4, num_layers=2)
    theirs = theirs.double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    out, (h, c) = ours(tg.tensor(x, requires_grad=True))
    ref, (rh, rc) = theirs(torch.tensor(x, requires_grad=True))
    ((out**2).sum() + h.sum() + (c * c).sum()).backward()
    ((ref**2).sum() + rh.sum() + (rc * rc).sum()).backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=0, atol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(
            p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name
        )
