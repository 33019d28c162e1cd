"""Learning-rate schedulers against PyTorch: the same lr in every group for ~30 epochs."""

import math

import numpy as np
import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _optimizer(lib, name="SGD"):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    return getattr(lib.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)


class _Warmup:
    """A callable object: LambdaLR saves its attributes (a plain lambda is not saved)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


CASES = [
    ("StepLR", {"step_size": 7}),
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [3, 8, 20]}),
    ("MultiStepLR", {"milestones": [5, 5, 12], "gamma": 0.3}),  # a repeated milestone counts twice
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),  # 30 epochs: past several cycles
    ("CosineAnnealingLR", {"T_max": 1, "eta_min": 0.05}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 0.95**epoch}),
    ("LambdaLR", {"lr_lambda": [lambda e: 1 / (e + 1), lambda e: math.cos(e / 10)]}),
    ("LambdaLR", {"lr_lambda": _Warmup(5)}),
]


def _lrs(opt):
    return [g["lr"] for g in opt.param_groups]


CASE_IDS = [f"{i}-{name}" for i, (name, _) in enumerate(CASES)]  # stable across xdist workers


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_matches_torch_for_30_epochs(name, kwargs):
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    t_sched = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    g_sched = getattr(tg.optim.lr_scheduler, name)(g_opt, **kwargs)
    assert g_sched.get_last_lr() == t_sched.get_last_lr()
    for epoch in range(30):
        t_opt.step()
        g_opt.step()
        t_sched.step()
        g_sched.step()
        # The same formula in the same order: equal to the last bit, not just close.
        assert g_sched.get_last_lr() == t_sched.get_last_lr(), f"epoch {epoch}"
        assert _lrs(g_opt) == _lrs(t_opt)
        assert g_sched.last_epoch == t_sched.last_epoch


def test_two_chained_schedulers_compose_like_torch():
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    t_s = [
        torch.optim.lr_scheduler.ExponentialLR(t_opt, 0.9),
        torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=6, eta_min=0.001),
    ]
    g_s = [
        tg.optim.lr_scheduler.ExponentialLR(g_opt, 0.9),
        tg.optim.lr_scheduler.CosineAnnealingLR(g_opt, T_max=6, eta_min=0.001),
    ]
    for _ in range(25):
        t_opt.step()
        g_opt.step()
        for t, g in zip(t_s, g_s):
            t.step()
            g.step()
        assert _lrs(g_opt) == _lrs(t_opt)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("StepLR", {"step_size": 4, "gamma": 0.5}),
        ("MultiStepLR", {"milestones": [2, 6]}),
        ("ExponentialLR", {"gamma": 0.8}),
        ("CosineAnnealingLR", {"T_max": 5}),
    ],
)
def test_step_with_epoch_uses_the_closed_form(name, kwargs):
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    t_sched = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    g_sched = getattr(tg.optim.lr_scheduler, name)(g_opt, **kwargs)
    for epoch in (3, 9, 4, 12):
        with pytest.warns(UserWarning):
            t_sched.step(epoch)
        with pytest.warns(UserWarning):
            g_sched.step(epoch)
        np.testing.assert_allclose(g_sched.get_last_lr(), t_sched.get_last_lr(), rtol=1e-15)


def test_resuming_with_last_epoch_matches_torch():
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    for opt in (t_opt, g_opt):
        for group in opt.param_groups:
            group["initial_lr"] = group["lr"]
    t_sched = torch.optim.lr_scheduler.CosineAnnealingLR(t_opt, T_max=10, last_epoch=4)
    g_sched = tg.optim.lr_scheduler.CosineAnnealingLR(g_opt, T_max=10, last_epoch=4)
    for _ in range(12):
        assert g_sched.get_last_lr() == t_sched.get_last_lr()
        t_opt.step()
        t_sched.step()
        g_sched.step()


def test_resuming_without_initial_lr_raises_key_error():
    for lib in (torch, tg):
        with pytest.raises(KeyError, match="initial_lr"):
            lib.optim.lr_scheduler.StepLR(_optimizer(lib), step_size=2, last_epoch=3)


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        tg.optim.lr_scheduler.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 3"):
        tg.optim.lr_scheduler.LambdaLR(_optimizer(tg), [lambda e: 1.0] * 3)


@pytest.mark.parametrize("name, kwargs", CASES[:9], ids=CASE_IDS[:9])
def test_state_dict_round_trip(name, kwargs):
    opt = _optimizer(tg)
    sched = getattr(tg.optim.lr_scheduler, name)(opt, **kwargs)
    for _ in range(8):
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 8
    expected = []
    for _ in range(10):
        sched.step()
        expected.append(sched.get_last_lr())
    opt2 = _optimizer(tg)
    sched2 = getattr(tg.optim.lr_scheduler, name)(opt2, **kwargs)
    sched2.load_state_dict(state)
    for group, lr in zip(opt2.param_groups, state["_last_lr"]):
        group["lr"] = lr
    got = []
    for _ in range(10):
        sched2.step()
        got.append(sched2.get_last_lr())
    assert got == expected


def test_lambda_lr_saves_callable_objects_not_functions():
    opt = _optimizer(tg)
    sched = tg.optim.lr_scheduler.LambdaLR(opt, [_Warmup(3), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"epochs": 3}, None]
    other = tg.optim.lr_scheduler.LambdaLR(_optimizer(tg), [_Warmup(9), lambda e: 1.0])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].epochs == 3


# ---------------------------------------------------------------- ReduceLROnPlateau

PLATEAU_CASES = [
    {},
    {"patience": 2, "factor": 0.5},
    {"patience": 1, "cooldown": 2, "factor": 0.5, "min_lr": 0.01},
    {"mode": "max", "patience": 2, "threshold": 0.1},
    {"mode": "min", "threshold_mode": "abs", "threshold": 0.5, "patience": 1},
    {
        "mode": "max",
        "threshold_mode": "abs",
        "threshold": 0.2,
        "patience": 0,
        "min_lr": [0.02, 0.1],
    },
    {"patience": 0, "factor": 0.9, "eps": 0.02},  # changes smaller than eps are skipped
]


@pytest.mark.parametrize("kwargs", PLATEAU_CASES, ids=str)
def test_reduce_on_plateau_matches_torch(kwargs):
    rng = np.random.default_rng(1)
    metrics = np.concatenate(
        [
            np.linspace(5, 3, 6),
            3 + rng.uniform(-0.2, 0.2, 14),
            np.linspace(3, 4, 5),
            rng.uniform(2, 4, 10),
        ]
    )
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    t_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kwargs)
    g_sched = tg.optim.lr_scheduler.ReduceLROnPlateau(g_opt, **kwargs)
    for epoch, m in enumerate(metrics):
        t_sched.step(torch.tensor(float(m)))  # a 0-d tensor works as the metric
        g_sched.step(tg.tensor(float(m)))
        assert g_sched.get_last_lr() == t_sched.get_last_lr(), f"epoch {epoch}"
        assert (g_sched.num_bad_epochs, g_sched.cooldown_counter, g_sched.best) == (
            t_sched.num_bad_epochs,
            t_sched.cooldown_counter,
            t_sched.best,
        )


def test_reduce_on_plateau_errors_like_torch():
    for kwargs, error in [
        ({"factor": 1.0}, "Factor should be < 1.0."),
        ({"mode": "median"}, "mode median is unknown!"),
        ({"threshold_mode": "pct"}, "threshold mode pct is unknown!"),
        ({"min_lr": [0.1]}, "expected 2 min_lrs, got 1"),
    ]:
        for lib in (torch, tg):
            with pytest.raises(ValueError) as info:
                lib.optim.lr_scheduler.ReduceLROnPlateau(_optimizer(lib), **kwargs)
            assert str(info.value) == error


def test_reduce_on_plateau_state_dict_round_trip():
    opt = _optimizer(tg)
    sched = tg.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    for m in (3.0, 2.0, 2.5, 2.5):
        sched.step(m)
    state = sched.state_dict()
    buffer_opt = _optimizer(tg)
    other = tg.optim.lr_scheduler.ReduceLROnPlateau(buffer_opt, mode="max")
    other.load_state_dict(state)
    assert other.mode == "min" and other.best == 2.0 and other.mode_worse == math.inf
    assert other._is_better(1.0, other.best)


def test_schedulers_drive_real_training_like_torch():
    """Adam + StepLR on a small problem: the parameters still match torch step for step."""
    rng = np.random.default_rng(0)
    w0, target = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((4, 3))
    params, opts, scheds = [], [], []
    for lib in (torch, tg):
        w = lib.tensor(w0, requires_grad=True)
        opt = lib.optim.Adam([w], lr=0.05)
        params.append(w)
        opts.append(opt)
        scheds.append(lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5))
    for _ in range(12):
        for lib, w, opt, sched in zip((torch, tg), params, opts, scheds):
            opt.zero_grad()
            ((w - lib.tensor(target.astype(np.float32))) ** 2).sum().backward()
            opt.step()
            sched.step()
        np.testing.assert_allclose(
            params[1].detach().numpy(), params[0].detach().numpy(), rtol=1e-5, atol=1e-6
        )
