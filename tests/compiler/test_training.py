"""Training loops compiled whole: the examples' networks, Adam, momentum, schedulers, dropout,
batch norm. Each must give eager mode's losses, parameters and gradients bit for bit."""

from __future__ import annotations

import pytest

import tinygrad_nn as tg
from tests.compiler.helpers import assert_same_bits, check_both
from tinygrad_nn import nn


def _step(model, opt, x, y, loss_fn, scheduler=None):
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        if scheduler is not None:
            scheduler.step()
        return loss

    return step


def _digits_mlp():
    return nn.Sequential(
        nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10)
    )


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "adamw"])
def test_digits_network_with_each_optimizer(optimizer):
    def make():
        tg.manual_seed(0)
        model = _digits_mlp()
        x, y = tg.randn(16, 64), tg.randint(0, 10, (16,))
        make_optimizer = {
            "sgd": lambda p: tg.optim.SGD(p, lr=0.1),
            "momentum": lambda p: tg.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
            "adam": lambda p: tg.optim.Adam(p, lr=1e-2),
            "adamw": lambda p: tg.optim.AdamW(p, lr=1e-2),
        }[optimizer]
        opt = make_optimizer(model.parameters())
        return _step(model, opt, x, y, nn.functional.cross_entropy), model

    check_both(make, steps=20 if optimizer == "adam" else 6)


@pytest.mark.parametrize("activation", [nn.ReLU, nn.Sigmoid, nn.Tanh])
def test_example_networks(activation):
    def make():  # perceptron_vs_sigmoid / classifier_232 / simple_net, small
        tg.manual_seed(1)
        model = nn.Sequential(nn.Linear(2, 16), activation(), nn.Linear(16, 1), activation())
        x, y = tg.randn(8, 2), tg.rand(8, 1)
        opt = tg.optim.SGD(model.parameters(), lr=0.5)
        return _step(model, opt, x, y, nn.functional.mse_loss), model

    check_both(make)


@pytest.mark.parametrize("schedule", ["step", "exponential", "cosine"])
def test_scheduler_changes_lr_between_compiled_steps(schedule):
    # The scheduler runs between calls: lr must be read on every call, never baked in.
    results = []
    for compiled in (False, True):
        tg.manual_seed(2)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
        x, y = tg.randn(6, 4), tg.randint(0, 3, (6,))
        opt = tg.optim.SGD(model.parameters(), lr=0.3, momentum=0.5)
        sched = {
            "step": lambda o: tg.optim.lr_scheduler.StepLR(o, 2, gamma=0.5),
            "exponential": lambda o: tg.optim.lr_scheduler.ExponentialLR(o, 0.9),
            "cosine": lambda o: tg.optim.lr_scheduler.CosineAnnealingLR(o, 5),
        }[schedule](opt)
        step = _step(model, opt, x, y, nn.functional.cross_entropy)
        step = tg.compile(step) if compiled else step
        losses = []
        for _ in range(8):
            losses.append(step().detach().numpy().copy())
            sched.step()
        results.append((losses + [p.detach().numpy().copy() for p in model.parameters()], step))
    assert_same_bits(results[0][0], results[1][0])
    assert len(results[1][1].programs) <= 3  # first step, momentum's first step, the rest


def test_dropout_with_a_seed_draws_the_same_masks():
    def make():
        tg.manual_seed(3)
        model = nn.Sequential(nn.Linear(5, 20), nn.ReLU(), nn.Dropout(0.5), nn.Linear(20, 2))
        x, y = tg.randn(10, 5), tg.randint(0, 2, (10,))
        opt = tg.optim.SGD(model.parameters(), lr=0.1)
        return _step(model, opt, x, y, nn.functional.cross_entropy), model

    check_both(make, steps=8)
    tg.manual_seed(9)
    after = tg.rand(3)
    tg.manual_seed(9)
    assert (tg.rand(3) == after).all()


def test_batch_norm_updates_running_stats_like_eager():
    def make():
        tg.manual_seed(4)
        model = nn.Sequential(nn.Linear(3, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
        x, y = tg.randn(8, 3), tg.randint(0, 2, (8,))
        opt = tg.optim.Adam(model.parameters(), lr=1e-2)
        return _step(model, opt, x, y, nn.functional.cross_entropy), model

    check_both(make, steps=6)


def test_adam_twenty_steps_with_a_compiled_model():
    states = []
    for compiled in (False, True):
        tg.manual_seed(5)
        model = _digits_mlp()
        x, y = tg.randn(16, 64), tg.randint(0, 10, (16,))
        opt = tg.optim.Adam(model.parameters(), lr=1e-2)
        fwd = tg.compile(model) if compiled else model
        for _ in range(20):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(fwd(x), y)
            loss.backward()
            opt.step()
        states.append([loss.detach().numpy()] + [p.detach().numpy() for p in model.parameters()])
    assert_same_bits(*states)


class _TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.a, self.b = nn.Linear(3, 5), nn.Linear(5, 2), nn.Linear(5, 1)

    def forward(self, x):
        h = self.body(x).tanh()
        return self.a(h), self.b(h)


def test_compiled_model_with_two_outputs_and_an_input_that_needs_its_gradient():
    runs = []
    for compiled in (False, True):
        tg.manual_seed(6)
        model = _TwoHeads()
        fwd = tg.compile(model) if compiled else model
        x = tg.randn(4, 3, requires_grad=True)
        for _ in range(3):
            a, b = fwd(x)
            ((a * a).sum() + b.sum() * a.mean()).backward()
        grads = [p.grad.numpy().copy() for p in model.parameters()]
        runs.append([a.detach().numpy(), b.detach().numpy(), x.grad.numpy(), *grads])
    assert_same_bits(*runs)


def test_inference_under_no_grad_in_eval_mode():
    tg.manual_seed(7)
    model = nn.Sequential(
        nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(), nn.Linear(6, 2)
    )
    model.eval()
    compiled = tg.compile(model)
    with tg.no_grad():
        for _ in range(3):
            x = tg.randn(5, 4)
            got, want = compiled(x), model(x)
            assert not got.requires_grad
            assert_same_bits([got.numpy()], [want.numpy()])


@pytest.mark.parametrize("set_to_none", [True, False])
def test_gradients_kept_between_steps_accumulate_like_eager(set_to_none):
    runs = []
    for compiled in (False, True):
        tg.manual_seed(8)
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        opt = tg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        x, y = tg.randn(6, 3), tg.randn(6, 1)

        def step(i, opt=opt, model=model, x=x, y=y):
            if i % 2 == 0:  # two micro-batches per update: gradients add up in .grad
                opt.zero_grad(set_to_none=set_to_none)
            loss = nn.functional.mse_loss(model(x * (i + 1)), y)
            loss.backward()
            if i % 2 == 1:
                opt.step()
            return loss

        step = tg.compile(step) if compiled else step
        losses = [step(i % 2).detach().numpy().copy() for i in range(8)]
        runs.append(losses + [p.grad.numpy().copy() for p in model.parameters()])
    assert_same_bits(*runs)
