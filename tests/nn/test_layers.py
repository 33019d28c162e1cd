"""Every layer against its PyTorch twin: output, input gradient and all parameter gradients,
in float32 and float64, from identical weights (copied in through load_state_dict)."""

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.nn.twins import check_twins, copy_weights, to_ours, to_torch
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

# PyTorch warns that it copies the input for an even 'same' kernel; we are testing its numbers.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

# (id, constructor taking the `nn` namespace of either library, input shape)
LAYERS = [
    ("linear", lambda nn: nn.Linear(5, 3), (4, 5)),
    ("linear_nobias", lambda nn: nn.Linear(5, 3, bias=False), (4, 5)),
    ("linear_3d", lambda nn: nn.Linear(5, 3), (2, 4, 5)),
    ("linear_1d", lambda nn: nn.Linear(5, 3), (5,)),
    ("identity", lambda nn: nn.Identity(7, k=1), (3, 4)),
    ("flatten", lambda nn: nn.Flatten(), (2, 3, 4)),
    ("flatten_range", lambda nn: nn.Flatten(0, 1), (2, 3, 4)),
    ("unflatten", lambda nn: nn.Unflatten(1, (2, 3)), (4, 6)),
    ("relu", lambda nn: nn.ReLU(), (4, 5)),
    ("leaky_relu", lambda nn: nn.LeakyReLU(0.2), (4, 5)),
    ("elu", lambda nn: nn.ELU(0.7), (4, 5)),
    ("gelu", lambda nn: nn.GELU(), (4, 5)),
    ("gelu_tanh", lambda nn: nn.GELU("tanh"), (4, 5)),
    ("silu", lambda nn: nn.SiLU(), (4, 5)),
    ("sigmoid", lambda nn: nn.Sigmoid(), (4, 5)),
    ("tanh", lambda nn: nn.Tanh(), (4, 5)),
    ("softmax", lambda nn: nn.Softmax(dim=1), (4, 5)),
    ("log_softmax", lambda nn: nn.LogSoftmax(dim=-1), (2, 4, 5)),
    ("softplus", lambda nn: nn.Softplus(), (4, 5)),
    ("softplus_beta", lambda nn: nn.Softplus(beta=2.0, threshold=1.0), (4, 5)),
    ("dropout_eval", lambda nn: nn.Dropout(0.3).eval(), (4, 5)),
    ("layer_norm", lambda nn: nn.LayerNorm(5), (3, 4, 5)),
    ("layer_norm_2d", lambda nn: nn.LayerNorm((4, 5)), (3, 4, 5)),
    ("layer_norm_noaffine", lambda nn: nn.LayerNorm(5, elementwise_affine=False), (3, 5)),
    ("layer_norm_nobias", lambda nn: nn.LayerNorm(5, bias=False), (3, 5)),
    ("batch_norm1d", lambda nn: nn.BatchNorm1d(5), (6, 5)),
    ("batch_norm1d_3d", lambda nn: nn.BatchNorm1d(3), (4, 3, 5)),
    ("batch_norm2d", lambda nn: nn.BatchNorm2d(3), (2, 3, 4, 5)),
    ("batch_norm2d_noaffine", lambda nn: nn.BatchNorm2d(3, affine=False), (2, 3, 4, 5)),
    ("batch_norm2d_nostats", lambda nn: nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 4)),
    ("batch_norm2d_eval", lambda nn: nn.BatchNorm2d(3).eval(), (2, 3, 4, 5)),
    ("conv1d", lambda nn: nn.Conv1d(3, 4, 3), (2, 3, 9)),
    (
        "conv1d_options",
        lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2),
        (2, 4, 11),
    ),
    ("conv1d_unbatched", lambda nn: nn.Conv1d(3, 4, 2), (3, 7)),
    (
        "conv1d_circular",
        lambda nn: nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"),
        (2, 2, 6),
    ),
    ("conv2d", lambda nn: nn.Conv2d(2, 4, 3), (2, 2, 7, 6)),
    (
        "conv2d_stride",
        lambda nn: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0)),
        (2, 2, 7, 6),
    ),
    ("conv2d_dilation", lambda nn: nn.Conv2d(2, 3, 3, dilation=2, padding=2), (1, 2, 7, 7)),
    ("conv2d_groups", lambda nn: nn.Conv2d(4, 6, 3, groups=2, bias=False), (2, 4, 5, 5)),
    ("conv2d_depthwise", lambda nn: nn.Conv2d(3, 3, 3, groups=3, padding=1), (2, 3, 5, 5)),
    ("conv2d_same", lambda nn: nn.Conv2d(2, 3, 3, padding="same"), (2, 2, 5, 6)),
    (
        "conv2d_same_even",
        lambda nn: nn.Conv2d(2, 3, (2, 4), padding="same", dilation=(1, 2)),
        (2, 2, 5, 9),
    ),
    ("conv2d_valid", lambda nn: nn.Conv2d(2, 3, 3, padding="valid"), (2, 2, 5, 6)),
    (
        "conv2d_reflect",
        lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
        (2, 2, 5, 6),
    ),
    (
        "conv2d_replicate",
        lambda nn: nn.Conv2d(2, 3, 3, padding=(2, 1), padding_mode="replicate"),
        (2, 2, 5, 6),
    ),
    (
        "conv2d_circular_same",
        lambda nn: nn.Conv2d(2, 3, 3, padding="same", padding_mode="circular"),
        (2, 2, 5, 6),
    ),
    ("conv2d_unbatched", lambda nn: nn.Conv2d(2, 3, 3), (2, 5, 5)),
    ("max_pool2d", lambda nn: nn.MaxPool2d(2), (2, 3, 6, 7)),
    ("max_pool2d_options", lambda nn: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 7, 8)),
    ("max_pool2d_ceil", lambda nn: nn.MaxPool2d(3, stride=2, ceil_mode=True), (2, 2, 8, 8)),
    ("max_pool2d_dilation", lambda nn: nn.MaxPool2d((2, 3), stride=1, dilation=2), (1, 2, 7, 8)),
    ("max_pool2d_unbatched", lambda nn: nn.MaxPool2d(2), (3, 6, 6)),
    ("max_pool1d", lambda nn: nn.MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
    ("avg_pool2d", lambda nn: nn.AvgPool2d(2), (2, 3, 6, 7)),
    ("avg_pool2d_pad", lambda nn: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 8)),
    (
        "avg_pool2d_nopadcount",
        lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False),
        (2, 3, 7, 8),
    ),
    ("avg_pool2d_ceil", lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True), (1, 2, 8, 8)),
    ("avg_pool2d_ceil_nopad", lambda nn: nn.AvgPool2d(3, 2, 1, True, False), (1, 2, 8, 8)),
    ("avg_pool2d_divisor", lambda nn: nn.AvgPool2d(2, divisor_override=3), (1, 2, 6, 6)),
    ("avg_pool1d", lambda nn: nn.AvgPool1d(3, stride=2, padding=1), (2, 3, 9)),
    ("adaptive_avg_pool2d", lambda nn: nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    ("adaptive_avg_pool2d_1", lambda nn: nn.AdaptiveAvgPool2d(1), (2, 3, 7, 5)),
    ("adaptive_avg_pool2d_none", lambda nn: nn.AdaptiveAvgPool2d((None, 3)), (2, 3, 4, 7)),
    ("adaptive_avg_pool2d_up", lambda nn: nn.AdaptiveAvgPool2d(5), (1, 2, 3, 4)),
    ("adaptive_avg_pool1d", lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 9)),
]


def _input(shape, dtype, seed=1):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    x.reshape(-1)[:2] = 0.0  # exact zeros: the kinks (relu at 0, ...) must match too
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,build,shape", LAYERS, ids=[row[0] for row in LAYERS])
def test_layer_matches_torch(name, build, shape, dtype):
    theirs = build(torch.nn)
    ours = build(tg.nn)
    copy_weights(ours, theirs)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    check_twins(ours, theirs, _input(shape, dtype))
    # Buffers too: BatchNorm's running statistics after one training step.
    theirs_buffers = dict(theirs.named_buffers())
    for name_, buf in ours.named_buffers():
        assert_close(buf.numpy(), theirs_buffers[name_].numpy(), what=name_)


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = np.zeros((1, 1, 4, 4), np.float32)  # all tied, as after a ReLU
    x[0, 0, 1, 1] = -1.0
    for ceil_mode in (False, True):
        ours, theirs = (
            tg.nn.MaxPool2d(3, 1, 1, ceil_mode=ceil_mode),
            torch.nn.MaxPool2d(3, 1, 1, ceil_mode=ceil_mode),
        )
        check_twins(ours, theirs, x)


def test_max_pool_return_indices_match_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 8)).astype(np.float32)
    for kwargs in (
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 2, "padding": 1},
        {"kernel_size": (2, 3), "dilation": 2, "ceil_mode": True},
    ):
        out, idx = tg.nn.MaxPool2d(return_indices=True, **kwargs)(to_ours(x))
        pout, pidx = torch.nn.MaxPool2d(return_indices=True, **kwargs)(to_torch(x))
        assert_close(out.numpy(), pout.numpy())
        assert idx.dtype == tg.int64 and np.array_equal(idx.numpy(), pidx.numpy())
    out, idx = tg.nn.functional.max_pool1d(to_ours(x[0]), 3, return_indices=True)
    pout, pidx = torch.nn.functional.max_pool1d(to_torch(x[0]), 3, return_indices=True)
    assert np.array_equal(idx.numpy(), pidx.numpy())


def test_batch_norm_running_stats_over_several_steps_and_eval():
    for momentum in (0.1, None):
        ours, theirs = (
            tg.nn.BatchNorm2d(3, momentum=momentum),
            torch.nn.BatchNorm2d(3, momentum=momentum),
        )
        for step in range(3):
            x = np.random.default_rng(step).standard_normal((4, 3, 2, 2)).astype(np.float32) + step
            ours(to_ours(x)), theirs(to_torch(x))
        for name in ("running_mean", "running_var"):
            assert_close(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), what=name)
        assert ours.num_batches_tracked.item() == 3
        ours.eval(), theirs.eval()
        x = np.random.default_rng(9).standard_normal((2, 3, 2, 2)).astype(np.float32)
        assert_close(ours(to_ours(x)).detach().numpy(), theirs(to_torch(x)).detach().numpy())


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval():
    ours = tg.nn.BatchNorm1d(3, track_running_stats=False).eval()
    theirs = torch.nn.BatchNorm1d(3, track_running_stats=False).eval()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    assert_close(ours(to_ours(x)).detach().numpy(), theirs(to_torch(x)).detach().numpy())


def test_embedding_matches_torch():
    idx = np.array([[0, 3, 3, 9], [2, 0, 9, 1]])
    for kwargs in (
        {},
        {"padding_idx": 3},
        {"padding_idx": -1, "scale_grad_by_freq": True},
        {"max_norm": 1.0},
        {"max_norm": 1.5, "norm_type": 1.0},
    ):
        theirs = torch.nn.Embedding(10, 4, **kwargs)
        ours = tg.nn.Embedding(10, 4, **kwargs)
        copy_weights(ours, theirs)
        check_twins(ours, theirs, idx, grad_input=False)
        assert_close(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), what="renorm")


def test_embedding_padding_row_starts_at_zero_and_from_pretrained():
    emb = tg.nn.Embedding(5, 3, padding_idx=2)
    assert np.all(emb.weight.detach().numpy()[2] == 0)
    assert emb.weight.requires_grad
    table = tg.randn(4, 2)
    frozen = tg.nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    assert np.array_equal(frozen(tg.tensor([3, 1])).numpy(), table.numpy()[[3, 1]])


def test_dropout_in_training_zeroes_and_rescales():
    tg.manual_seed(0)
    x = tg.ones(200, 50, requires_grad=True)
    out = tg.nn.Dropout(0.25)(x)
    values = out.detach().numpy()
    kept = values != 0
    assert np.allclose(values[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.02
    out.sum().backward()
    assert np.array_equal(x.grad.numpy(), values)  # d(out)/dx is the mask itself
    assert tg.nn.Dropout(1.0)(x).detach().numpy().max() == 0
    tg.manual_seed(3)
    first = tg.nn.functional.dropout(tg.ones(10)).numpy()
    tg.manual_seed(3)
    assert np.array_equal(first, tg.nn.functional.dropout(tg.ones(10)).numpy())


def test_layers_work_in_float64_from_construction():
    layer = tg.nn.Linear(3, 2, dtype=tg.float64)
    assert layer.weight.dtype == tg.float64 and layer.bias.dtype == tg.float64
    conv = tg.nn.Conv2d(1, 2, 3, dtype=tg.float64)
    assert conv(tg.zeros(1, 1, 4, 4, dtype=tg.float64)).dtype == tg.float64


def test_small_cnn_trains_like_torch():
    """Two SGD steps of the benchmark network give the same weights in both libraries."""

    def build(nn):
        return nn.Sequential(
            nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 3 * 3, 5)
        )

    ours, theirs = build(tg.nn), build(torch.nn)
    copy_weights(ours, theirs)
    rng = np.random.default_rng(0)
    for _ in range(2):
        x = rng.standard_normal((6, 1, 8, 8)).astype(np.float32)
        y = rng.integers(0, 5, 6)
        for model, lib, conv in ((ours, tg, to_ours), (theirs, torch, to_torch)):
            model.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(conv(x)), conv(y))
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(p.detach().numpy(), q.detach().numpy(), what=name)


def test_max_pool_propagates_nan_like_torch():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4)).astype(np.float32)
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 3, 3] = np.nan
    out, idx = tg.nn.functional.max_pool2d(to_ours(x), 2, return_indices=True)
    pout, pidx = torch.nn.functional.max_pool2d(to_torch(x), 2, return_indices=True)
    assert np.array_equal(np.isnan(out.numpy()), np.isnan(pout.numpy()))
    assert_close(np.nan_to_num(out.numpy()), np.nan_to_num(pout.numpy()))
    assert np.array_equal(idx.numpy(), pidx.numpy())
