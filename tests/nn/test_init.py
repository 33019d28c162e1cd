"""nn.init: the gains and fans equal PyTorch's, every initialiser draws from the right
distribution (bounds, mean, std on 100k samples), works in place under no_grad on
Parameters, returns its tensor, and repeats exactly after manual_seed."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import nn
from tinygrad_nn.nn import init

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _seeded():
    """Statistical checks on a fixed stream: deterministic whatever ran before."""
    tg.manual_seed(0)


NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]  # fmt: skip


@pytest.mark.parametrize("name", NONLINEARITIES)
def test_calculate_gain_matches_torch(name):
    assert init.calculate_gain(name) == torch.nn.init.calculate_gain(name)


def test_leaky_relu_gain_and_gain_errors():
    for slope in (0, 0.2, 1, 3.5):
        assert init.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain(
            "leaky_relu", slope
        )
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="Unsupported nonlinearity swish"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(3, 4), (8, 2, 3, 3), (5, 3, 7), (2, 3, 1, 4, 5)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(tg.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fan_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(tg.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(tg.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(tg.empty(2, 2, 2))


def _param(*shape):
    return nn.Parameter(tg.empty(*shape))


def _stats(t):
    a = t.detach().numpy().astype(np.float64)
    return a.min(), a.max(), a.mean(), a.std()


def test_uniform_and_normal():
    low, high, mean, _ = _stats(init.uniform_(_param(200, 500), -0.5, 2.0))
    assert -0.5 <= low < -0.49 and 1.99 < high <= 2.0 and abs(mean - 0.75) < 0.01
    _, _, mean, std = _stats(init.normal_(_param(200, 500), 3.0, 0.5))
    assert abs(mean - 3.0) < 0.01 and abs(std - 0.5) < 0.01


def test_trunc_normal_stays_in_bounds_with_the_truncated_moments():
    p = init.trunc_normal_(_param(200, 500), mean=1.0, std=2.0, a=0.0, b=3.0)
    low, high, mean, std = _stats(p)
    assert 0.0 <= low and high <= 3.0

    # Moments of N(1, 4) truncated to [0, 3], i.e. alpha = -0.5, beta = 1 in std units.
    def phi(z):
        return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def cdf(z):
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    alpha, beta = -0.5, 1.0
    z = cdf(beta) - cdf(alpha)
    expected_mean = 1.0 + 2.0 * (phi(alpha) - phi(beta)) / z
    expected_var = 4.0 * (
        1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2
    )
    assert abs(mean - expected_mean) < 0.01 and abs(std - math.sqrt(expected_var)) < 0.01
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        tail = init.trunc_normal_(_param(1000), a=6.0, b=7.0)  # far in the tail: no rejection
    assert tail.detach().numpy().min() >= 6.0 and tail.detach().numpy().max() <= 7.0


def test_constant_ones_zeros_eye_dirac_match_torch():
    assert np.all(init.constant_(_param(3, 2), 0.25).detach().numpy() == 0.25)
    assert np.all(init.ones_(_param(3)).detach().numpy() == 1)
    assert np.all(init.zeros_(_param(3)).detach().numpy() == 0)
    for shape in [(3, 5), (5, 3)]:
        assert np.array_equal(
            init.eye_(_param(*shape)).detach().numpy(),
            torch.nn.init.eye_(torch.empty(*shape)).numpy(),
        )
    for shape, groups in [((4, 2, 3, 3), 1), ((6, 3, 5), 2), ((4, 4, 3, 3, 3), 2)]:
        assert np.array_equal(
            init.dirac_(_param(*shape), groups).detach().numpy(),
            torch.nn.init.dirac_(torch.empty(*shape), groups).numpy(),
        )


def test_xavier():
    fan_in, fan_out = 300, 400
    bound = 1.5 * math.sqrt(6 / (fan_in + fan_out))
    low, high, _, std = _stats(init.xavier_uniform_(_param(fan_out, fan_in), gain=1.5))
    assert -bound <= low and high <= bound and abs(std - bound / math.sqrt(3)) < 0.01 * bound
    _, _, mean, std = _stats(init.xavier_normal_(_param(fan_out, fan_in)))
    assert abs(std - math.sqrt(2 / (fan_in + fan_out))) < 0.001 and abs(mean) < 0.001


@pytest.mark.parametrize(
    "mode,nonlinearity,a",
    [
        ("fan_in", "leaky_relu", 0),
        ("fan_out", "relu", 0),
        ("fan_in", "leaky_relu", math.sqrt(5)),
        ("fan_out", "tanh", 0),
    ],
)
def test_kaiming(mode, nonlinearity, a):
    shape = (100, 20, 5, 5)  # fan_in 500, fan_out 2500
    fan = 500 if mode == "fan_in" else 2500
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    low, high, _, got = _stats(init.kaiming_uniform_(_param(*shape), a, mode, nonlinearity))
    bound = math.sqrt(3) * std
    assert -bound <= low and high <= bound and abs(got - std) < 0.01 * std
    _, _, mean, got = _stats(init.kaiming_normal_(_param(*shape), a, mode, nonlinearity))
    assert abs(got - std) < 0.01 * std and abs(mean) < 0.02 * std
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        init.kaiming_uniform_(_param(0, 3))


def test_orthogonal_gives_orthonormal_rows_or_columns():
    for shape in [(4, 6), (6, 4), (3, 2, 2)]:
        w = init.orthogonal_(_param(*shape), gain=2.0).detach().numpy().reshape(shape[0], -1)
        small = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
        assert np.allclose(small, 4 * np.eye(small.shape[0]), atol=1e-5)


def test_initialisers_work_in_place_on_parameters_and_return_them():
    p = _param(4, 4)
    data = p.detach().numpy()
    for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.kaiming_normal_,
               init.trunc_normal_, init.ones_, init.eye_, init.orthogonal_):  # fmt: skip
        assert fn(p) is p
        assert p.requires_grad and p.grad_fn is None and p.dtype == tg.float32
        assert np.shares_memory(p.detach().numpy(), data)
    d = nn.Parameter(tg.empty(3, 3, dtype=tg.float64))
    assert init.normal_(d).dtype == tg.float64


def test_manual_seed_reproduces_every_initialiser_and_default_layer_init():
    def draw():
        tg.manual_seed(1234)
        values = [fn(_param(5, 6)).detach().numpy().copy() for fn in
                  (init.uniform_, init.normal_, init.trunc_normal_, init.xavier_normal_,
                   init.kaiming_uniform_, init.orthogonal_)]  # fmt: skip
        layer = nn.Linear(6, 5)
        return values + [layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()]

    first, second = draw(), draw()
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    tg.manual_seed(99)
    assert not np.array_equal(init.normal_(_param(5, 6)).detach().numpy(), first[1])


def test_default_layer_initialisation_follows_torch():
    tg.manual_seed(0)
    linear = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (linear.weight, linear.bias):
        low, high, _, std = _stats(p)
        assert -bound <= low and high <= bound
    assert abs(_stats(linear.weight)[3] - bound / math.sqrt(3)) < 0.01 * bound
    conv = nn.Conv2d(16, 300, 5, groups=4)  # fan_in = 16 / 4 * 25 = 100
    low, high, _, std = _stats(conv.weight)
    assert -0.1 <= low and high <= 0.1 and abs(std - 0.1 / math.sqrt(3)) < 0.002
    assert np.abs(conv.bias.detach().numpy()).max() <= 0.1
    _, _, mean, std = _stats(nn.Embedding(1000, 100).weight)
    assert abs(mean) < 0.01 and abs(std - 1) < 0.01
    for norm in (nn.LayerNorm(7), nn.BatchNorm1d(7)):
        assert np.all(norm.weight.detach().numpy() == 1) and np.all(norm.bias.detach().numpy() == 0)
    bn = nn.BatchNorm2d(3)
    assert bn.running_mean.tolist() == [0, 0, 0] and bn.running_var.tolist() == [1, 1, 1]
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.dtype == tg.int64
