"""Optimizers against PyTorch: the same parameters after every one of 20 steps.

Both libraries start from the same weights and minimise the same small loss, built from
elementwise ops so that the gradients agree to the last bit or two; any difference that
builds up therefore comes from the update rule itself.
"""

import io

import numpy as np
import pytest

import tinygrad_nn as tg
from tests.tolerances import assert_close

torch = pytest.importorskip("torch")

SHAPES = [(5, 4), (4,), (3, 2, 2)]


def _problem(dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    targets = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    scales = [rng.uniform(0.2, 2.0, s).astype(dtype) for s in SHAPES]
    return init, targets, scales


def _loss(lib, params, targets, scales, sign=1.0):
    """sum(c * (p - t)^2) + mean(p^3) / 10, negated when the optimizer maximises."""
    total = 0
    for p, t, c in zip(params, targets, scales):
        total = total + (lib.from_numpy(c) * (p - lib.from_numpy(t)) ** 2).sum()
        total = total + (p * p * p).mean() * 0.1
    return total * sign


class Twin:
    """The same optimizer over the same parameters in torch and in tinygrad_nn."""

    def __init__(self, name, kwargs, dtype=np.float32, groups=None, seed=0):
        self.init, self.targets, self.scales = _problem(dtype, seed)
        self.sign = -1.0 if kwargs.get("maximize") else 1.0
        self.t = [torch.tensor(a, requires_grad=True) for a in self.init]
        self.g = [tg.tensor(a, requires_grad=True) for a in self.init]
        self.t_opt = getattr(torch.optim, name)(self._params(self.t, groups), **kwargs)
        self.g_opt = getattr(tg.optim, name)(self._params(self.g, groups), **kwargs)
        self.dtype = dtype

    @staticmethod
    def _params(params, groups):
        if groups is None:
            return params
        return [dict(g, params=[params[i] for i in g["params"]]) for g in groups]

    def step(self, skip=()):
        """One step in both libraries; parameters listed in `skip` get no gradient."""
        for lib, params, opt in ((torch, self.t, self.t_opt), (tg, self.g, self.g_opt)):
            opt.zero_grad()
            used = [p for i, p in enumerate(params) if i not in skip]
            idx = [i for i in range(len(params)) if i not in skip]
            loss = _loss(
                lib, used, [self.targets[i] for i in idx], [self.scales[i] for i in idx], self.sign
            )
            loss.backward()
            opt.step()

    def check(self, what=""):
        for i, (a, b) in enumerate(zip(self.g, self.t)):
            assert_close(a.detach().numpy(), b.detach().numpy(), self.dtype, what=f"{what} p{i}")

    def check_state(self):
        t_state, g_state = self.t_opt.state_dict()["state"], self.g_opt.state_dict()["state"]
        assert sorted(t_state) == sorted(g_state)
        for k in t_state:
            assert sorted(t_state[k]) == sorted(g_state[k])
            for name, value in t_state[k].items():
                if value is None:  # SGD's buffer before any momentum
                    assert g_state[k][name] is None
                    continue
                assert_close(
                    g_state[k][name].numpy(),
                    value.numpy(),
                    value.numpy().dtype,
                    what=f"state {k} {name}",
                )


def run_parity(name, kwargs, steps=20, dtype=np.float32, groups=None):
    twin = Twin(name, kwargs, dtype, groups)
    for s in range(steps):
        twin.step()
        twin.check(f"{name} {kwargs} step {s}")
    twin.check_state()
    return twin


SGD_CASES = [
    {},
    {"lr": 0.05},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "maximize": True},
    {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05, "maximize": True},
    {"lr": 0.02, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.2},
]
ADAM_CASES = [
    {},
    {"lr": 0.02},
    {"lr": 0.02, "amsgrad": True},
    {"lr": 0.02, "weight_decay": 0.1},
    {"lr": 0.02, "maximize": True},
    {"lr": 0.02, "betas": (0.5, 0.9)},  # 1 - beta1 = 0.5: the other branch of lerp
    {"lr": 0.02, "betas": (0.3, 0.8), "eps": 1e-3},
    {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True},
    {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "maximize": True, "betas": (0.8, 0.95)},
]
ADAMW_CASES = [
    {},
    {"lr": 0.02, "weight_decay": 0.1},
    {"lr": 0.02, "amsgrad": True, "maximize": True},
    {"lr": 0.02, "weight_decay": 0.0},
]
RMSPROP_CASES = [
    {},
    {"lr": 0.005, "centered": True},
    {"lr": 0.005, "momentum": 0.9},
    {"lr": 0.005, "momentum": 0.9, "centered": True},
    {"lr": 0.005, "weight_decay": 0.1},
    {"lr": 0.005, "alpha": 0.9, "eps": 1e-4},
    {"lr": 0.005, "maximize": True},
    {"lr": 0.002, "momentum": 0.5, "centered": True, "weight_decay": 0.1, "maximize": True},
]
ADAGRAD_CASES = [
    {},
    {"lr": 0.1, "lr_decay": 0.1},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5},
    {"lr": 0.1, "eps": 1e-3},
    {"lr": 0.1, "maximize": True},
    {
        "lr": 0.1,
        "lr_decay": 0.05,
        "weight_decay": 0.05,
        "initial_accumulator_value": 0.1,
        "maximize": True,
    },
]
ALL_CASES = (
    [("SGD", c) for c in SGD_CASES]
    + [("Adam", c) for c in ADAM_CASES]
    + [("AdamW", c) for c in ADAMW_CASES]
    + [("RMSprop", c) for c in RMSPROP_CASES]
    + [("Adagrad", c) for c in ADAGRAD_CASES]
)


@pytest.mark.parametrize("name, kwargs", ALL_CASES, ids=lambda x: str(x))
def test_matches_torch_every_step(name, kwargs):
    run_parity(name, kwargs)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
        ("Adam", {"lr": 0.02, "amsgrad": True, "weight_decay": 0.1}),
        ("AdamW", {"lr": 0.02}),
        ("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True}),
        ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ],
)
def test_matches_torch_in_float64(name, kwargs):
    run_parity(name, kwargs, dtype=np.float64)


GROUPS = {
    "SGD": [{"params": [0, 2], "momentum": 0.9, "lr": 0.02}, {"params": [1], "nesterov": False}],
    "Adam": [
        {"params": [0], "betas": (0.8, 0.99)},
        {"params": [1, 2], "lr": 0.05, "amsgrad": True},
    ],
    "AdamW": [{"params": [2, 0]}, {"params": [1], "weight_decay": 0.5}],
    "RMSprop": [{"params": [1]}, {"params": [0, 2], "centered": True, "momentum": 0.5}],
    "Adagrad": [{"params": [0, 1], "lr_decay": 0.2}, {"params": [2], "lr": 0.5}],
}
DEFAULTS = {
    "SGD": {"lr": 0.05},
    "Adam": {"lr": 0.01},
    "AdamW": {"lr": 0.01},
    "RMSprop": {"lr": 0.005},
    "Adagrad": {"lr": 0.1},
}


@pytest.mark.parametrize("name", list(GROUPS))
def test_param_groups_match_torch(name):
    twin = run_parity(name, DEFAULTS[name], groups=GROUPS[name])
    t_groups = twin.t_opt.state_dict()["param_groups"]
    g_groups = twin.g_opt.state_dict()["param_groups"]
    assert t_groups == g_groups  # every option filled in from the defaults, params as indices


@pytest.mark.parametrize("name", list(GROUPS))
def test_parameter_without_grad_is_skipped(name):
    twin = Twin(name, DEFAULTS[name])
    for s in range(6):
        twin.step(skip=(1,) if s < 3 else ())
        twin.check(f"step {s}")
    twin.check_state()


@pytest.mark.parametrize("name", list(GROUPS))
def test_add_param_group_mid_training(name):
    init, targets, scales = _problem()
    t = [torch.tensor(a, requires_grad=True) for a in init]
    g = [tg.tensor(a, requires_grad=True) for a in init]
    opts = [
        getattr(torch.optim, name)(t[:2], **DEFAULTS[name]),
        getattr(tg.optim, name)(g[:2], **DEFAULTS[name]),
    ]
    for s in range(8):
        if s == 4:
            opts[0].add_param_group({"params": [t[2]], "lr": 0.03})
            opts[1].add_param_group({"params": [g[2]], "lr": 0.03})
        for lib, params, opt in zip((torch, tg), (t, g), opts):
            opt.zero_grad()
            _loss(lib, params, targets, scales).backward()
            opt.step()
        for a, b in zip(g, t):
            assert_close(a.detach().numpy(), b.detach().numpy(), np.float32)
    assert opts[0].state_dict()["param_groups"] == opts[1].state_dict()["param_groups"]


# ---------------------------------------------------------------- state_dict


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("Adam", {"lr": 0.02, "amsgrad": True}),
        ("AdamW", {"lr": 0.02}),
        ("RMSprop", {"lr": 0.005, "momentum": 0.9, "centered": True}),
        ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ],
)
def test_state_dict_round_trip_continues_exactly(name, kwargs):
    init, targets, scales = _problem()

    def train(params, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            _loss(tg, params, targets, scales).backward()
            opt.step()

    straight = [tg.tensor(a, requires_grad=True) for a in init]
    straight_opt = getattr(tg.optim, name)(straight, **kwargs)
    train(straight, straight_opt, 20)

    first = [tg.tensor(a, requires_grad=True) for a in init]
    first_opt = getattr(tg.optim, name)(first, **kwargs)
    train(first, first_opt, 10)
    buffer = io.BytesIO()
    tg.save({"params": [p.detach() for p in first], "opt": first_opt.state_dict()}, buffer)
    buffer.seek(0)
    saved = tg.load(buffer)
    resumed = [p.clone().requires_grad_() for p in saved["params"]]
    resumed_opt = getattr(tg.optim, name)(resumed, **kwargs)
    resumed_opt.load_state_dict(saved["opt"])
    train(resumed, resumed_opt, 10)
    for a, b in zip(resumed, straight):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def _to_tg(obj):
    if isinstance(obj, torch.Tensor):
        return tg.tensor(obj.detach().numpy())
    if isinstance(obj, dict):
        return {k: _to_tg(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_tg(v) for v in obj]
    return obj


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("Adam", {"lr": 0.02, "amsgrad": True}),
        ("RMSprop", {"lr": 0.005, "centered": True}),
        ("Adagrad", {"lr": 0.1}),
    ],
)
def test_loads_a_torch_state_dict(name, kwargs):
    """PyTorch's state_dict layout loads as is: a run can move over mid-training."""
    twin = Twin(name, kwargs)
    for _ in range(5):
        twin.step()
    fresh = [tg.tensor(p.detach().numpy(), requires_grad=True) for p in twin.t]
    twin.g, twin.g_opt = fresh, getattr(tg.optim, name)(fresh, **kwargs)
    twin.g_opt.load_state_dict(_to_tg(twin.t_opt.state_dict()))
    for s in range(10):
        twin.step()
        twin.check(f"after loading, step {s}")


def test_state_dict_structure_matches_torch():
    twin = Twin("Adam", {"lr": 0.01}, groups=[{"params": [0]}, {"params": [1, 2], "lr": 0.1}])
    twin.step()
    t_sd, g_sd = twin.t_opt.state_dict(), twin.g_opt.state_dict()
    assert t_sd["param_groups"] == g_sd["param_groups"]
    assert {k: sorted(v) for k, v in t_sd["state"].items()} == {
        k: sorted(v) for k, v in g_sd["state"].items()
    }
    assert g_sd["state"][0]["step"].dtype == tg.float32 and g_sd["state"][0]["step"].item() == 1


def test_load_state_dict_checks_groups():
    p = [tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)]
    sd = tg.optim.SGD(p, lr=0.1).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        tg.optim.SGD([{"params": [p[0]]}, {"params": [p[1]]}], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size"):
        tg.optim.SGD([p[0]], lr=0.1).load_state_dict(sd)


def test_load_state_dict_copies_and_casts_state():
    p = tg.zeros(3, dtype=tg.float64, requires_grad=True)
    opt = tg.optim.Adam([p])
    sd = {
        "state": {0: {"step": tg.tensor(4.0), "exp_avg": tg.ones(3), "exp_avg_sq": tg.ones(3)}},
        "param_groups": opt.state_dict()["param_groups"],
    }
    opt.load_state_dict(sd)
    state = opt.state[p]
    assert state["exp_avg"].dtype == tg.float64 and state["step"].dtype == tg.float32
    state["exp_avg"].add_(1.0)
    assert sd["state"][0]["exp_avg"].sum().item() == 3.0


def test_adamw_stays_decoupled_after_loading():
    p = tg.zeros(2, requires_grad=True)
    sd = tg.optim.Adam([p]).state_dict()
    opt = tg.optim.AdamW([p])
    opt.load_state_dict(sd)
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


# ---------------------------------------------------------------- zero_grad and closures


def test_zero_grad_set_to_none_and_to_zeros():
    for lib in (torch, tg):
        p = lib.ones(3, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1)
        (p * 2).sum().backward()
        grad = p.grad
        opt.zero_grad(set_to_none=False)
        assert p.grad is grad and p.grad.tolist() == [0.0, 0.0, 0.0]
        opt.zero_grad()
        assert p.grad is None


def _closure_run(lib):
    p = lib.tensor([1.0, -2.0], requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1)
    calls = []

    def closure():
        calls.append(lib.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with lib.no_grad():
        loss = opt.step(closure)
    assert calls == [True]  # called once, with grad mode on although step ran under no_grad
    assert opt.step() is None
    return loss.item(), p.detach().tolist()


def test_step_returns_the_closure_loss_and_runs_it_with_grad():
    (t_loss, t_p), (g_loss, g_p) = _closure_run(torch), _closure_run(tg)
    assert g_loss == t_loss
    np.testing.assert_allclose(g_p, t_p, rtol=1e-6)


@pytest.mark.parametrize("name", list(GROUPS))
def test_closure_works_for_every_optimizer(name):
    p = tg.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(tg.optim, name)([p], **DEFAULTS[name])

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 5.0
    assert p.detach().abs().sum().item() < 3.0


# ---------------------------------------------------------------- autograd interplay


def test_step_bumps_the_version_counter_so_stale_graphs_raise():
    for lib in (torch, tg):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1)
        (p * p).sum().backward()
        stale = (p * p).sum()  # saved p before the update
        before = p._version
        opt.step()
        assert p._version > before
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            stale.backward()


def test_step_records_nothing_in_the_graph():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = tg.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert all(s.grad_fn is None for s in opt.state[p].values())


# ---------------------------------------------------------------- errors, as torch raises them


def _p(lib):
    return [lib.zeros(2, requires_grad=True)]


ERROR_CASES = [
    ("SGD", lambda lib: ([],), {"lr": 0.1}),
    ("Adam", lambda lib: ([],), {}),
    ("SGD", lambda lib: (_p(lib),), {"lr": -1}),
    ("SGD", lambda lib: (_p(lib),), {"momentum": -0.5}),
    ("SGD", lambda lib: (_p(lib),), {"weight_decay": -0.5}),
    ("SGD", lambda lib: (_p(lib),), {"nesterov": True}),
    ("SGD", lambda lib: (_p(lib),), {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adam", lambda lib: (_p(lib),), {"lr": -1}),
    ("Adam", lambda lib: (_p(lib),), {"lr": float("nan")}),
    ("Adam", lambda lib: (_p(lib),), {"eps": -1e-8}),
    ("Adam", lambda lib: (_p(lib),), {"betas": (1.0, 0.999)}),
    ("Adam", lambda lib: (_p(lib),), {"betas": (0.9, -0.1)}),
    ("Adam", lambda lib: (_p(lib),), {"betas": (0, 0.999)}),
    ("Adam", lambda lib: (_p(lib),), {"weight_decay": -1}),
    ("AdamW", lambda lib: (_p(lib),), {"lr": float("nan")}),
    ("AdamW", lambda lib: (_p(lib),), {"fused": True, "foreach": True}),
    ("RMSprop", lambda lib: (_p(lib),), {"lr": -0.1}),
    ("RMSprop", lambda lib: (_p(lib),), {"alpha": -0.1}),
    ("RMSprop", lambda lib: (_p(lib),), {"momentum": -0.1}),
    ("RMSprop", lambda lib: (_p(lib),), {"eps": -0.1}),
    ("RMSprop", lambda lib: (_p(lib),), {"lr": float("nan")}),
    ("Adagrad", lambda lib: (_p(lib),), {"lr": -0.1}),
    ("Adagrad", lambda lib: (_p(lib),), {"lr_decay": -0.1}),
    ("Adagrad", lambda lib: (_p(lib),), {"initial_accumulator_value": -0.1}),
    ("Adagrad", lambda lib: (_p(lib),), {"eps": -0.1}),
    ("SGD", lambda lib: (lib.zeros(2, requires_grad=True),), {}),
    ("SGD", lambda lib: ([lib.zeros(2, requires_grad=True) * 2],), {}),
    ("SGD", lambda lib: ([1.0],), {}),
    ("SGD", lambda lib: ([{"params": {lib.zeros(2, requires_grad=True)}}],), {}),
    ("SGD", lambda lib: (_p(lib),), {"lr": [0.1]}),
    ("Adam", lambda lib: (_p(lib),), lambda lib: {"lr": lib.tensor([0.1, 0.2])}),
]


@pytest.mark.parametrize("name, make_args, kwargs", ERROR_CASES)
def test_invalid_arguments_raise_like_torch(name, make_args, kwargs):
    options = kwargs if callable(kwargs) else lambda lib: kwargs
    with pytest.raises(Exception) as expected:
        getattr(torch.optim, name)(*make_args(torch), **options(torch))
    with pytest.raises(type(expected.value)) as got:
        getattr(tg.optim, name)(*make_args(tg), **options(tg))
    message = str(expected.value).replace("torch.", "tinygrad_nn.")
    assert str(got.value).split(" but ")[0] == message.split(" but ")[0]


def test_same_parameter_in_two_groups_raises():
    p = tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        tg.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_non_finite_lr_accepted_where_torch_accepts_it():
    for lr in (float("inf"), float("nan")):
        torch.optim.SGD(_p(torch), lr=lr)
        tg.optim.SGD(_p(tg), lr=lr)
    tg.optim.Adam(_p(tg), lr=float("inf"))


def test_defaults_repr_and_named_parameters():
    p = tg.zeros(2, requires_grad=True)
    q = torch.zeros(2, requires_grad=True)
    t_opt = torch.optim.RMSprop([("w", q)])
    g_opt = tg.optim.RMSprop([("w", p)])
    assert g_opt.defaults == t_opt.defaults
    assert g_opt.param_groups[0]["param_names"] == ["w"]
    assert repr(g_opt) == repr(t_opt)
    assert tg.optim.SGD([p]).defaults["lr"] == 1e-3
    assert tg.optim.AdamW([p]).defaults["weight_decay"] == 1e-2
