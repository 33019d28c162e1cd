"""Whole training runs against PyTorch: the same loss curve for 50 steps.

Each network is built in both libraries, the torch weights are copied across through NumPy,
and both are trained on the same batches with the same optimizer. Layers, losses, autograd,
optimizers and the DataLoader all take part; the loss after every step must agree to 1e-4
relative.
"""

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")

STEPS = 50
RTOL = 1e-4

# Two cores are shared by the test workers: torch's own thread pool only adds contention
# for matrices this small.
torch.set_num_threads(1)


def _copy_weights(torch_model, our_model):
    our_model.load_state_dict(
        {k: tg.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    )


def _train(lib, model, opt, loss_fn, batches):
    losses = []
    for step in range(STEPS):
        x, y = batches[step % len(batches)]
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


def _run(build, make_opt, loss_name, batches_np, seed=0):
    torch.manual_seed(seed)
    t_model, g_model = build(torch), build(tg)
    _copy_weights(t_model, g_model)
    curves = []
    for lib, model in ((torch, t_model), (tg, g_model)):
        batches = [(lib.tensor(x), lib.tensor(y)) for x, y in batches_np]
        loss_fn = getattr(lib.nn, loss_name)()
        curves.append(_train(lib, model, make_opt(lib, model), loss_fn, batches))
    t_curve, g_curve = curves
    np.testing.assert_allclose(g_curve, t_curve, rtol=RTOL, atol=0)
    assert t_curve[-1] < t_curve[0]  # it did learn something: the comparison is not vacuous
    return t_model, g_model


def test_a_tiny_mlp_with_cross_entropy_and_sgd():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    batches = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]

    def build(lib):
        nn = lib.nn
        return nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))

    def make_opt(lib, model):
        return lib.optim.SGD(model.parameters(), lr=0.1)

    _run(build, make_opt, "CrossEntropyLoss", batches)


def test_a_deep_narrow_mlp_with_mse_and_sgd():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, (32, 784)).astype(np.float32)
    y = rng.standard_normal((32, 1)).astype(np.float32)

    def build(lib):
        nn = lib.nn
        layers = [nn.Linear(784, 30), nn.ReLU()]
        for _ in range(8):
            layers += [nn.Linear(30, 30), nn.ReLU()]
        return nn.Sequential(*layers, nn.Linear(30, 1))

    def make_opt(lib, model):
        return lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    _run(build, make_opt, "MSELoss", [(x, y)])


def test_an_mlp_with_adam():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((48, 10)).astype(np.float32)
    w = rng.standard_normal((10, 3)).astype(np.float32)
    y = np.tanh(x @ w).astype(np.float32)
    batches = [(x[:24], y[:24]), (x[24:], y[24:])]

    def build(lib):
        nn = lib.nn
        return nn.Sequential(
            nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3)
        )

    def make_opt(lib, model):
        return lib.optim.Adam(model.parameters(), lr=3e-3)

    t_model, g_model = _run(build, make_opt, "MSELoss", batches)
    for (name, t), (_, g) in zip(t_model.state_dict().items(), g_model.state_dict().items()):
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-3, atol=1e-5, err_msg=name)


def test_a_small_convnet_with_cross_entropy():
    rng = np.random.default_rng(3)
    images = rng.standard_normal((40, 1, 8, 8)).astype(np.float32)
    labels = images[:, 0, :4].mean(axis=(1, 2)) > images[:, 0, 4:].mean(axis=(1, 2))
    labels = labels.astype(np.int64) + 2 * (images[:, 0, :, :4].mean(axis=(1, 2)) > 0)

    def build(lib):
        nn = lib.nn
        return nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * 4 * 4, 4),
        )

    def make_opt(lib, model):
        return lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    batches = [(images[i : i + 20], labels[i : i + 20]) for i in (0, 20)]
    _run(build, make_opt, "CrossEntropyLoss", batches)


@pytest.mark.parametrize("shuffle", [False, True])
def test_training_from_a_dataloader(shuffle):
    """The DataLoader feeds a model; without shuffling the run matches torch's exactly."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((50, 4)).astype(np.float32)
    y = (x.sum(axis=1) > 0).astype(np.int64)
    torch.manual_seed(0)
    models = [torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))]
    models.append(tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Linear(8, 2)))
    _copy_weights(*models)
    curves = []
    for lib, model in zip((torch, tg), models):
        data = lib.utils.data.TensorDataset(lib.tensor(x), lib.tensor(y))
        loader = lib.utils.data.DataLoader(data, batch_size=16, shuffle=shuffle)
        opt = lib.optim.Adam(model.parameters(), lr=0.01)
        losses = []
        for _ in range(5):
            for xb, yb in loader:
                opt.zero_grad()
                loss = lib.nn.functional.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                losses.append(loss.item())
        curves.append(losses)
    assert len(curves[0]) == len(curves[1]) == 20
    if not shuffle:
        np.testing.assert_allclose(curves[1], curves[0], rtol=RTOL)
    else:  # PyTorch's shuffle order differs; the run must still learn
        assert np.mean(curves[1][-4:]) < np.mean(curves[1][:4])
