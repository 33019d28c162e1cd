"""The wider set of learning-rate schedules against PyTorch: the same lr (and momentum) in
every param group at every step, equal to the last bit; state_dict; errors."""

import math
import warnings

import pytest

import tinygrad_nn as tg

torch = pytest.importorskip("torch")


def _optimizer(lib, name="SGD", **kwargs):
    a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    kwargs = {"lr": 0.1, **kwargs}
    return getattr(lib.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.5}], **kwargs)


def _momenta(opt):
    return [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]


class _Half:
    """A callable object: its attributes are saved by state_dict (a lambda is not)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate if epoch % 3 == 0 else 1.0


def _run(name, kwargs, steps=60, opt_name="SGD", opt_kwargs=None):
    """Build the schedule in both libraries and compare lr, momentum and get_last_lr."""
    opt_kwargs = {"momentum": 0.9} if opt_kwargs is None and opt_name == "SGD" else opt_kwargs
    t_opt = _optimizer(torch, opt_name, **(opt_kwargs or {}))
    g_opt = _optimizer(tg, opt_name, **(opt_kwargs or {}))
    t_s = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    g_s = getattr(tg.optim.lr_scheduler, name)(g_opt, **kwargs)
    assert g_s.get_last_lr() == t_s.get_last_lr()
    for step in range(steps):
        t_opt.step()
        g_opt.step()
        t_s.step()
        g_s.step()
        assert g_s.get_last_lr() == t_s.get_last_lr(), f"step {step}"
        assert [g["lr"] for g in g_opt.param_groups] == [g["lr"] for g in t_opt.param_groups]
        assert _momenta(g_opt) == _momenta(t_opt), f"momentum at step {step}"
        assert g_s.last_epoch == t_s.last_epoch
    return t_s, g_s


CASES = [
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.95}),
    ("MultiplicativeLR", {"lr_lambda": [lambda e: 0.9, _Half(0.5)]}),
    ("ConstantLR", {}),
    ("ConstantLR", {"factor": 0.5, "total_iters": 7}),
    ("ConstantLR", {"factor": 0.3, "total_iters": 0}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.7, "total_iters": 13}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 20}),
    ("PolynomialLR", {}),
    ("PolynomialLR", {"total_iters": 30, "power": 2.0}),
    ("PolynomialLR", {"total_iters": 17, "power": 0.5}),
    ("CosineAnnealingWarmRestarts", {"T_0": 7}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.01}),
    ("CosineAnnealingWarmRestarts", {"T_0": 1}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5}),
    (
        "CyclicLR",
        {
            "base_lr": [0.01, 0.02],
            "max_lr": [0.1, 0.3],
            "step_size_up": 4,
            "step_size_down": 7,
            "mode": "triangular2",
        },
    ),
    (
        "CyclicLR",
        {
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 6,
            "mode": "exp_range",
            "gamma": 0.97,
            "base_momentum": 0.7,
            "max_momentum": [0.95, 0.99],
        },
    ),
    (
        "CyclicLR",
        {
            "base_lr": 0.01,
            "max_lr": 0.1,
            "step_size_up": 3,
            "scale_fn": lambda x: 1 / (1 + x),
            "scale_mode": "iterations",
        },
    ),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "scale_fn": lambda x: 0.5**x}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "cycle_momentum": False}),
    ("OneCycleLR", {"max_lr": 0.2, "total_steps": 60}),
    (
        "OneCycleLR",
        {"max_lr": [0.2, 1.0], "epochs": 6, "steps_per_epoch": 10, "anneal_strategy": "linear"},
    ),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 61, "three_phase": True, "pct_start": 0.25}),
    (
        "OneCycleLR",
        {
            "max_lr": 0.5,
            "total_steps": 60,
            "three_phase": True,
            "anneal_strategy": "linear",
            "div_factor": 10.0,
            "final_div_factor": 100.0,
            "base_momentum": [0.8, 0.7],
            "max_momentum": 0.9,
        },
    ),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 60, "cycle_momentum": False}),
]
CASE_IDS = [f"{i}-{name}" for i, (name, _) in enumerate(CASES)]


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_matches_torch_every_step(name, kwargs):
    _run(name, kwargs)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 4}),
        ("OneCycleLR", {"max_lr": 0.05, "total_steps": 60, "three_phase": True}),
    ],
)
def test_cycles_adam_beta1(name, kwargs):
    _run(name, kwargs, opt_name="Adam", opt_kwargs={})


def test_cycle_momentum_needs_a_momentum():
    for lib in (torch, tg):
        opt = _optimizer(lib, "Adagrad")
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=10)


def test_one_cycle_refuses_to_step_past_the_end():
    for lib in (torch, tg):
        opt = _optimizer(lib, momentum=0.9)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(
            ValueError, match="Tried to step 4 times. The specified number of total steps is 3"
        ):
            sched.step()


def test_warm_restarts_with_fractional_epochs():
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    kw = {"T_0": 3, "T_mult": 2, "eta_min": 0.001}
    t_s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t_opt, **kw)
    g_s = tg.optim.lr_scheduler.CosineAnnealingWarmRestarts(g_opt, **kw)
    for epoch in (0.5, 1.25, 2.9, 3.0, 7.5, 8.0, 20.3, 4, 0):
        t_s.step(epoch)
        g_s.step(epoch)
        assert g_s.get_last_lr() == t_s.get_last_lr(), epoch
        assert (g_s.T_cur, g_s.T_i, g_s.last_epoch) == (t_s.T_cur, t_s.T_i, t_s.last_epoch)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        g_s.step(-1)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("ConstantLR", {"factor": 0.5, "total_iters": 4}),
        ("LinearLR", {"start_factor": 0.2, "total_iters": 6}),
        ("PolynomialLR", {"total_iters": 8, "power": 2.0}),
    ],
)
def test_step_with_epoch_uses_the_closed_form(name, kwargs):
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    t_s = getattr(torch.optim.lr_scheduler, name)(t_opt, **kwargs)
    g_s = getattr(tg.optim.lr_scheduler, name)(g_opt, **kwargs)
    for epoch in (3, 9, 2, 5, 0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_s.step(epoch)
        with pytest.warns(UserWarning, match="epoch parameter"):
            g_s.step(epoch)
        assert g_s.get_last_lr() == t_s.get_last_lr(), epoch


# ---------------------------------------------------------------- SequentialLR, ChainedScheduler


def _pair(lib, opt, which):
    s = lib.optim.lr_scheduler
    if which == "warmup-cosine":
        return [
            s.LinearLR(opt, start_factor=0.1, total_iters=5),
            s.CosineAnnealingLR(opt, T_max=12, eta_min=0.001),
        ], [5]
    if which == "three":
        return [
            s.ConstantLR(opt, factor=0.5, total_iters=3),
            s.ExponentialLR(opt, gamma=0.9),
            s.CosineAnnealingWarmRestarts(opt, T_0=4),
        ], [4, 11]
    return [s.ExponentialLR(opt, gamma=0.8), s.StepLR(opt, step_size=3, gamma=0.5)], [6]


@pytest.mark.parametrize("which", ["warmup-cosine", "three", "exp-step"])
def test_sequential_matches_torch(which):
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    t_inner, milestones = _pair(torch, t_opt, which)
    g_inner, _ = _pair(tg, g_opt, which)
    t_s = torch.optim.lr_scheduler.SequentialLR(t_opt, t_inner, milestones)
    g_s = tg.optim.lr_scheduler.SequentialLR(g_opt, g_inner, milestones)
    assert g_s.get_last_lr() == t_s.get_last_lr()
    for step in range(30):
        t_opt.step()
        t_s.step()
        g_s.step()
        assert g_s.get_last_lr() == t_s.get_last_lr(), f"step {step}"
        assert [g["lr"] for g in g_opt.param_groups] == [g["lr"] for g in t_opt.param_groups]
        assert [s.last_epoch for s in g_inner] == [s.last_epoch for s in t_inner]


@pytest.mark.parametrize("which", ["warmup-cosine", "three", "exp-step"])
def test_chained_matches_torch(which):
    t_opt, g_opt = _optimizer(torch), _optimizer(tg)
    t_s = torch.optim.lr_scheduler.ChainedScheduler(_pair(torch, t_opt, which)[0])
    g_s = tg.optim.lr_scheduler.ChainedScheduler(_pair(tg, g_opt, which)[0], optimizer=g_opt)
    assert g_s.get_last_lr() == t_s.get_last_lr()
    for step in range(30):
        t_opt.step()
        t_s.step()
        g_s.step()
        assert g_s.get_last_lr() == t_s.get_last_lr(), f"step {step}"


def test_composite_errors_like_torch():
    for lib in (torch, tg):
        s = lib.optim.lr_scheduler
        opt, other = _optimizer(lib), _optimizer(lib)
        a, b = s.ExponentialLR(opt, 0.9), s.ExponentialLR(other, 0.9)
        with pytest.raises(ValueError, match="expects at least one scheduler"):
            s.SequentialLR(opt, [], [])
        with pytest.raises(ValueError, match="expects at least one scheduler to be chained"):
            s.ChainedScheduler([])
        with pytest.raises(ValueError, match="belong to the same optimizer"):
            s.SequentialLR(opt, [a, b], [3])
        with pytest.raises(ValueError, match="belong to the same optimizer"):
            s.ChainedScheduler([a, b])
        with pytest.raises(ValueError, match="number of milestones to be equal to 2"):
            s.SequentialLR(opt, [a, s.StepLR(opt, 2)], [3, 5])
        with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
            s.SequentialLR(opt, [a, s.ReduceLROnPlateau(opt)], [3])
        with pytest.raises(TypeError, match="should have `optimizer` as its attribute"):
            s.ChainedScheduler([a, object()])


# ---------------------------------------------------------------- state_dict


@pytest.mark.parametrize("name, kwargs", CASES, ids=CASE_IDS)
def test_state_dict_keys_match_torch_and_round_trip(name, kwargs):
    t_s, g_s = _run(name, kwargs, steps=17)
    assert sorted(g_s.state_dict()) == sorted(t_s.state_dict())
    state = g_s.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == t_s.state_dict()["last_epoch"]
    expected = []
    for _ in range(20):
        g_s.step()
        expected.append(g_s.get_last_lr())
    opt2 = _optimizer(tg, momentum=0.9)
    sched2 = getattr(tg.optim.lr_scheduler, name)(opt2, **kwargs)
    sched2.load_state_dict(state)
    for group, lr in zip(opt2.param_groups, state["_last_lr"]):
        group["lr"] = lr
    assert [sched2.step() or sched2.get_last_lr() for _ in range(20)] == expected


def test_sequential_state_dict_holds_the_inner_schedules():
    for lib in (torch, tg):
        opt = _optimizer(lib)
        inner, milestones = _pair(lib, opt, "warmup-cosine")
        sched = lib.optim.lr_scheduler.SequentialLR(opt, inner, milestones)
        for _ in range(7):
            opt.step()
            sched.step()
        state = sched.state_dict()
        assert sorted(state) == ["_last_lr", "_milestones", "_schedulers", "last_epoch"]
        assert [s["last_epoch"] for s in state["_schedulers"]] == [4, 2]
        fresh_opt = _optimizer(lib)
        fresh_inner, _ = _pair(lib, fresh_opt, "warmup-cosine")
        fresh = lib.optim.lr_scheduler.SequentialLR(fresh_opt, fresh_inner, milestones)
        fresh.load_state_dict(state)
        assert [s.last_epoch for s in fresh_inner] == [4, 2] and fresh.last_epoch == 7


def test_cyclic_saves_a_callable_scale_object_not_a_function():
    opt = _optimizer(tg, momentum=0.9)
    sched = tg.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=_Half(0.25))
    state = sched.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.25} and "_scale_fn_ref" not in state
    other = tg.optim.lr_scheduler.CyclicLR(
        _optimizer(tg, momentum=0.9), 0.01, 0.1, scale_fn=_Half(0.9)
    )
    other.load_state_dict(state)
    assert other._scale_fn_custom.rate == 0.25
    lam = tg.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, scale_fn=lambda x: 1.0)
    assert lam.state_dict()["_scale_fn_custom"] is None


# ---------------------------------------------------------------- errors


ERRORS = [
    ("ConstantLR", {"factor": 1.5}, ValueError, "between 0 and 1"),
    ("ConstantLR", {"factor": -0.1}, ValueError, "between 0 and 1"),
    ("LinearLR", {"start_factor": 0.0}, ValueError, "greater than 0 and less or equal to 1"),
    ("LinearLR", {"end_factor": 1.5}, ValueError, "Ending multiplicative factor"),
    ("MultiplicativeLR", {"lr_lambda": [lambda e: 1.0]}, ValueError, "Expected 2 lr_lambdas"),
    ("MultiplicativeLR", {"lr_lambda": 0.5}, TypeError, "lr_lambda should be a function"),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}, ValueError, "Expected positive integer T_0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 2.0}, ValueError, "Expected positive integer T_0"),
    ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 0}, ValueError, "T_mult >= 1"),
    ("CosineAnnealingWarmRestarts", {"T_0": 2, "eta_min": "0"}, ValueError, "float or int"),
    (
        "CyclicLR",
        {"base_lr": 0.1, "max_lr": 1.0, "mode": "square"},
        ValueError,
        "mode is invalid and scale_fn is None",
    ),
    (
        "CyclicLR",
        {"base_lr": [0.1], "max_lr": 1.0},
        ValueError,
        "base_lr must have the same length as optimizer.param_groups",
    ),
    ("OneCycleLR", {"max_lr": 0.1}, ValueError, "You must define either total_steps"),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}, ValueError, "positive integer total_steps"),
    (
        "OneCycleLR",
        {"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 3},
        ValueError,
        "positive integer epochs",
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.1, "epochs": 2, "steps_per_epoch": -3},
        ValueError,
        "positive integer steps_per_epoch",
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.1, "total_steps": 9, "pct_start": 1},
        ValueError,
        "Expected float between 0 and 1 pct_start",
    ),
    (
        "OneCycleLR",
        {"max_lr": 0.1, "total_steps": 9, "anneal_strategy": "exp"},
        ValueError,
        "anneal_strategy must be one of 'cos' or 'linear'",
    ),
    (
        "OneCycleLR",
        {"max_lr": [0.1] * 3, "total_steps": 9},
        ValueError,
        "max_lr must have the same length",
    ),
]


@pytest.mark.parametrize(
    "name, kwargs, error, message", ERRORS, ids=[f"{i}-{e[0]}" for i, e in enumerate(ERRORS)]
)
def test_errors_like_torch(name, kwargs, error, message):
    for lib in (torch, tg):
        with pytest.raises(error, match=message):
            getattr(lib.optim.lr_scheduler, name)(_optimizer(lib, momentum=0.9), **kwargs)


def test_names_are_exported():
    for name in ("OneCycleLR", "CosineAnnealingWarmRestarts", "LinearLR", "ConstantLR",
                 "SequentialLR", "ChainedScheduler", "CyclicLR", "PolynomialLR",
                 "MultiplicativeLR"):  # fmt: skip
        assert issubclass(getattr(tg.optim.lr_scheduler, name), tg.optim.lr_scheduler.LRScheduler)
    assert math.isclose(tg.optim.lr_scheduler.ConstantLR(_optimizer(tg)).get_last_lr()[0], 0.1 / 3)
